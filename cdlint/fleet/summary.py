"""A store condensed for reports: the latest state of each repository, its levels over
time, the distribution of levels, the most common findings, and trends.

One pass over the store keeps a few numbers per record (never the documents);
the full record of a repository's latest state is read again by its offset when
its page is drawn. Levels come from the ``maturity`` v1 documents: a
repository's level in a category is its rank in the model's levels (0: no level).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from cdlint.errors import ConfigError
from cdlint.fleet.store import record_at, records

MAX_BUCKETS = 36


@dataclass(frozen=True)
class Category:
    id: str
    name: str


@dataclass(frozen=True)
class State:
    """One record with a result, condensed."""

    time: str | None
    commit: str | None
    levels: tuple[int, ...]  # rank per category: 0 no level, 1 the first level, …
    order: int  # position in the store: later records win among equal times


@dataclass
class Repository:
    name: str
    states: list[State] = field(default_factory=list)
    latest_offset: int | None = None
    rules: Counter = field(default_factory=Counter)  # of the latest state
    findings: int = 0
    assessable: tuple[bool, ...] = ()
    error: str | None = None  # the error of a record stored after the latest result
    error_order: int = -1
    latest_key: tuple[str, int] | None = None

    @property
    def latest(self) -> State | None:
        return self.states[-1] if self.states else None


@dataclass
class Fleet:
    path: str
    model_name: str = ""
    levels: tuple[str, ...] = ()
    categories: tuple[Category, ...] = ()
    repositories: dict[str, Repository] = field(default_factory=dict)
    records: int = 0

    def level_name(self, rank: int, assessable: bool = True) -> str:
        if rank:
            return self.levels[rank - 1]
        return "no level" if assessable else "not assessable"

    def sorted(self) -> list[Repository]:
        return [self.repositories[name] for name in sorted(self.repositories)]

    def distribution(self) -> list[tuple[Category, list[int]]]:
        """Repositories per level (index 0: no level), per category, from each one's latest state."""
        rows = []
        for index, category in enumerate(self.categories):
            counts = [0] * (len(self.levels) + 1)
            for repo in self.repositories.values():
                if repo.latest is not None:
                    counts[repo.latest.levels[index]] += 1
            rows.append((category, counts))
        return rows

    def common_findings(self, limit: int = 10) -> list[tuple[str, int, int, list[str]]]:
        """``(rule, repositories affected, findings, the repositories)`` of the rules that
        affect the most repositories in their latest state."""
        affected: dict[str, list[str]] = {}
        total: Counter = Counter()
        for repo in self.sorted():
            for rule, count in repo.rules.items():
                affected.setdefault(rule, []).append(repo.name)
                total[rule] += count
        ranked = sorted(affected, key=lambda r: (-len(affected[r]), -total[r], r))[:limit]
        return [(rule, len(affected[rule]), total[rule], affected[rule]) for rule in ranked]

    def trends(self) -> tuple[list[str], list[list[float | None]], list[int]]:
        """Month ends (``YYYY-MM``), the mean level rank per category at each (``None``
        before any repository has a state), and how many repositories count at each."""
        times = sorted(s.time for r in self.repositories.values() for s in r.states if s.time)
        if not times:
            return [], [[] for _ in self.categories], []
        months = _months(times[0][:7], times[-1][:7])[-MAX_BUCKETS:]
        series: list[list[float | None]] = [[] for _ in self.categories]
        counted: list[int] = []
        timed = [sorted((s for s in r.states if s.time), key=lambda s: (s.time, s.order)) for r in self.repositories.values()]
        for month in months:
            current = [_at(states, month) for states in timed]
            present = [s for s in current if s is not None]
            counted.append(len(present))
            for index in range(len(self.categories)):
                series[index].append(sum(s.levels[index] for s in present) / len(present) if present else None)
        return months, series, counted

    def latest_record(self, repo: Repository) -> dict | None:
        return None if repo.latest_offset is None else record_at(self.path, repo.latest_offset)


def _months(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _at(states: list[State], month: str) -> State | None:
    """The newest state in or before ``month``."""
    found = None
    for state in states:
        if state.time[:7] > month:
            break
        found = state
    return found


def load(path: str) -> Fleet:
    """Condense the store at ``path``."""
    fleet = Fleet(path)
    for order, (offset, record) in enumerate(records(path)):
        fleet.records += 1
        _add(fleet, order, offset, record)
    if not fleet.records:
        raise ConfigError(f"the store {path} holds no records")
    for repo in fleet.repositories.values():
        repo.states.sort(key=lambda s: (s.time or "", s.order))
    return fleet


def _add(fleet: Fleet, order: int, offset: int, record: dict) -> None:
    name = str(record["repository"])
    repo = fleet.repositories.setdefault(name, Repository(name))
    document = record.get("maturity")
    if record.get("error") is not None or not isinstance(document, dict):
        repo.error, repo.error_order = str(record.get("error") or "no maturity document"), order
        return
    if not fleet.categories:
        model = document.get("model") or {}
        fleet.model_name = str(model.get("name", ""))
        fleet.levels = tuple(str(level) for level in model.get("levels", ()))
        fleet.categories = tuple(Category(str(c["id"]), str(c["name"])) for c in document.get("categories", ()))
    by_id = {c.get("id"): c for c in document.get("categories", ())}
    rank = {level: index + 1 for index, level in enumerate(fleet.levels)}
    state = State(record.get("time"), record.get("commit"),
                  tuple(rank.get(by_id.get(c.id, {}).get("level"), 0) for c in fleet.categories), order)
    repo.states.append(state)
    if repo.error is not None and repo.error_order < order:
        repo.error = None
    if repo.latest_key is None or (state.time or "", order) >= repo.latest_key:
        repo.latest_key = (state.time or "", order)
        repo.latest_offset = offset
        check = record.get("check") or {}
        repo.rules = Counter(str(f.get("rule")) for f in check.get("findings", ()))
        repo.findings = sum(repo.rules.values())
        repo.assessable = tuple(
            any(p.get("status") != "not-assessable" for p in by_id.get(c.id, {}).get("practices", ())) for c in fleet.categories
        )

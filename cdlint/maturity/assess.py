"""Assessment: which practices a project meets, and the level each category reaches.

A practice is **met** when a detector finds positive evidence and no rule that
refutes it has a finding; **unmet** otherwise; **not-assessable** when the model
says files cannot show it (it is listed, never guessed); **not-applicable** when
the model says it applies only to repositories that show a need for it
(``applies-if``: a database for database practices) and none of those detectors
finds that need, so a project without a database is not held back by database
practices. Only met and unmet practices are judged. A category reaches
level L when every assessable practice at levels up to L is met and at least one
practice at L is met: a level is never claimed without evidence at it. A level
whose practices files cannot show at all is passed over only below the first
level they can show (Design & Architecture starts at beginner); above it, such
a level ends the climb, since nothing beyond it can be claimed. A category
below every level it can show has level ``None``.

The result is a pure function of the project, the findings and the model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cdlint.finding import Evidence, Finding
from cdlint.maturity import conditions  # noqa: F401  (registers the detectors of applies-if)
from cdlint.maturity.detectors import DETECTORS
from cdlint.maturity.model import Category, Model, Practice, default_model
from cdlint.model import Project

MET, UNMET, NOT_ASSESSABLE, NOT_APPLICABLE = "met", "unmet", "not-assessable", "not-applicable"
JUDGED = frozenset({MET, UNMET})


@dataclass(frozen=True)
class PracticeResult:
    practice: Practice
    status: str
    evidence: tuple[Evidence, ...] = ()
    findings: tuple[Finding, ...] = ()

    @property
    def judged(self) -> bool:
        """Met or unmet: the files can show the practice and the repository needs it."""
        return self.status in JUDGED


@dataclass(frozen=True)
class CategoryResult:
    category: Category
    level: str | None
    next_level: str | None
    practices: tuple[PracticeResult, ...]

    def at(self, level: str | None) -> list[PracticeResult]:
        return [r for r in self.practices if r.practice.level == level]

    @property
    def progress(self) -> tuple[int, int]:
        """Met and assessable practices at the next level (``(0, 0)`` when none is left)."""
        assessable = [r for r in self.at(self.next_level) if r.judged]
        return sum(r.status == MET for r in assessable), len(assessable)

    @property
    def assessable(self) -> bool:
        return any(r.judged for r in self.practices)


@dataclass(frozen=True)
class Assessment:
    model: Model
    categories: tuple[CategoryResult, ...]

    def category(self, category_id: str) -> CategoryResult:
        return next(c for c in self.categories if c.category.id == category_id)

    def levels(self) -> dict[str, str | None]:
        return {c.category.id: c.level for c in self.categories}


def collect_evidence(project: Project, model: Model) -> dict[str, tuple[Evidence, ...]]:
    """Run every detector the model uses (for evidence and for conditions) over the project."""
    return {name: tuple(DETECTORS[name](project)) for name in model.detectors()}


def assess(
    project: Project | None,
    findings: Sequence[Finding],
    model: Model | None = None,
    evidence: Mapping[str, Sequence[Evidence]] | None = None,
) -> Assessment:
    """Assess ``project`` against ``model`` (the default model when ``None``).

    ``evidence`` (detector name → evidence) replaces running the detectors, for
    tests and for callers that already ran them; ``project`` may then be ``None``.
    """
    model = model or default_model()
    if evidence is None:
        if project is None:
            raise ValueError("assess() needs a project or the evidence")
        evidence = collect_evidence(project, model)
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f)
    categories = []
    for category in model.categories:
        results = tuple(_judge(p, evidence, by_rule) for p in model.practices_of(category.id))
        level = _level(model, results)
        categories.append(CategoryResult(category, level, _next_level(model, level, results), results))
    return Assessment(model, tuple(categories))


def _judge(practice: Practice, evidence: Mapping[str, Sequence[Evidence]], by_rule: Mapping[str, list[Finding]]) -> PracticeResult:
    if not practice.is_assessable:
        return PracticeResult(practice, NOT_ASSESSABLE)
    if practice.applies_if and not any(evidence.get(name) for name in practice.applies_if):
        return PracticeResult(practice, NOT_APPLICABLE)
    shown: list[Evidence] = []
    for name in practice.evidence:
        shown.extend(evidence.get(name, ()))
    proof = tuple(dict.fromkeys(shown))
    refuting = sorted((f for rule in practice.refuted_by for f in by_rule.get(rule, ())), key=lambda f: f.sort_key)
    status = MET if proof and not refuting else UNMET
    return PracticeResult(practice, status, proof, tuple(refuting))


def _assessable_at(level: str, results: Sequence[PracticeResult]) -> bool:
    return any(r.practice.level == level and r.judged for r in results)


def _next_level(model: Model, level: str | None, results: Sequence[PracticeResult]) -> str | None:
    """The level to reach next: the one above ``level``, or the lowest level the files can
    show when none is reached yet; ``None`` when no level above can be shown."""
    for candidate in model.levels[model.rank(level) + 1:]:
        if _assessable_at(candidate.id, results):
            return candidate.id
        if level is not None:
            return None
    return None


def _level(model: Model, results: Sequence[PracticeResult]) -> str | None:
    reached = None
    for level in model.levels:
        here = [r for r in results if r.practice.level == level.id]
        if not _assessable_at(level.id, results):
            if reached is not None:
                break
            continue
        if any(r.status == UNMET for r in here):
            break
        if any(r.status == MET for r in here):
            reached = level.id
    return reached


def ceiling(model: Model, category_id: str) -> str | None:
    """The highest level the files can show for a category (every practice that could be met
    is met); ``None`` when they cannot show it at all."""
    results = [PracticeResult(p, MET if p.is_assessable else NOT_ASSESSABLE) for p in model.practices_of(category_id)]
    return _level(model, results)

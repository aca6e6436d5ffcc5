"""What every parser does the same way: making steps and environments as written, linking artifacts.

Parsers read their platform's syntax into raw values and hand them here, so steps,
environments and artifact edges look the same on all four platforms.
Classification (:mod:`cdlint.classify`) runs after parsing.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence

from cdlint.classify.text import is_dynamic
from cdlint.errors import ParseError
from cdlint.model import Edge, Environment, Span, Stage, Step, reach_bits

# Every job of a stage waiting for every job of the stage before (GitLab ``stages:``, Azure
# stage order) or taking the artifacts of all of them makes as many dependencies as the
# two stages' sizes multiplied: 1,000 jobs after 1,000 are a million edges and minutes of
# work. Real pipelines have about a thousand at most (930 in ../shared/corpus); past this
# budget a pipeline is too large to analyse, and cdlint says so instead.
MAX_EDGES = 50_000


def make_step(
    span: Span,
    *,
    name: str = "",
    run: str | None = None,
    uses: str | None = None,
    version: str | None = None,
    inputs: Sequence[tuple[str, str]] = (),
    allow_failure: bool = False,
    when: str = "on_success",
    origin: str | None = None,
) -> Step:
    """A step as written (classification adds its tags later)."""
    return Step(
        span=span,
        name=name,
        run=run,
        uses=uses,
        version=version,
        inputs=tuple((str(k), "" if v is None else str(v)) for k, v in inputs),
        allow_failure=allow_failure,
        when=when,
        origin=origin,
    )


def environment(name: str, span: Span, **fields) -> Environment:
    """An environment declared in a file. Its tier is left to classification unless the
    file states it; ``candidates`` are the names it can take (a matrix, a choice)."""
    fields.setdefault("tier", "")
    fields.setdefault("dynamic", not fields.get("candidates") and is_dynamic(name))
    return Environment(name=name, span=span, **fields)


def check_edges(count: int, span: Span) -> None:
    """Stop reading a pipeline whose dependencies number more than :data:`MAX_EDGES`."""
    if count > MAX_EDGES:
        raise ParseError(
            f"too large to analyse: its jobs depend on each other more than {MAX_EDGES:,} times "
            "(each job of a stage waits for, or takes the artifacts of, every job of the stage before); cdlint stops here",
            span,
        )


def artifact_matches(pattern: str, name: str) -> bool:
    return pattern == name or fnmatch.fnmatchcase(name, pattern)


def link_artifacts(stages: Sequence[Stage], order: Sequence[Edge]) -> list[Edge]:
    """Artifact edges from producers to consumers by artifact name, within one pipeline.

    A consumer naming no artifact (``*``) takes every artifact produced by a stage
    it depends on; one naming artifacts takes them from the stages that make them,
    but never from a stage that runs after it (a later Jenkins ``stash`` of the same
    name, a GitLab job of a later stage). A consumer of an artifact from another run
    (``source`` set) is linked by the project builder instead.
    """
    ordered = _Order(stages, order)

    def not_after(producer: Stage, consumer: Stage) -> bool:
        return not ordered.runs_before(consumer.key, producer.key) or ordered.runs_before(producer.key, consumer.key)

    producers = [s for s in stages if s.produces]
    # Producers of each artifact name, in stage order: a name without wildcards matches
    # only itself, so most consumers need no scan of every producer.
    by_name: dict[str, list[Stage]] = {}
    for producer in producers:
        for name in dict.fromkeys(a.name for a in producer.produces):
            by_name.setdefault(name, []).append(producer)
    edges = []
    for consumer in stages:
        for wanted in consumer.consumes:
            if wanted.source is not None:
                continue
            if wanted.name == "*":
                earlier = ordered.before(consumer.key)
                matches = [(p, p.produces[0].name) for p in producers if p.key in earlier and p.key != consumer.key]
            elif not _WILDCARD.search(wanted.name):
                matches = [
                    (p, wanted.name) for p in by_name.get(wanted.name, ()) if p.key != consumer.key and not_after(p, consumer)
                ]
            else:
                matches = []
                for producer in producers:
                    names = [a.name for a in producer.produces if artifact_matches(wanted.name, a.name)]
                    if names and producer.key != consumer.key and not_after(producer, consumer):
                        matches.append((producer, names[0]))
            edges.extend(Edge(producer.key, consumer.key, "artifact", wanted.span, name) for producer, name in matches)
            check_edges(len(order) + len(edges), wanted.span)
    return edges


_WILDCARD = re.compile(r"[*?\[]")


class _Order:
    """Which stages run before which by order edges (see :func:`cdlint.model.reach_bits`)."""

    def __init__(self, stages: Sequence[Stage], order: Sequence[Edge]) -> None:
        sources: dict[str, list[str]] = {s.key: [] for s in stages}
        for e in order:
            if e.target in sources and e.source in sources:
                sources[e.target].append(e.source)
        self._bits, self._index = reach_bits({k: sorted(set(v)) for k, v in sources.items()})
        self._keys = list(self._index)
        self._sets: dict[str, set[str]] = {}

    def runs_before(self, first: str, then: str) -> bool:
        return bool(self._bits[then] >> self._index[first] & 1)

    def before(self, key: str) -> set[str]:
        found = self._sets.get(key)
        if found is None:
            bits = self._bits[key]
            found = self._sets[key] = {k for i, k in enumerate(self._keys) if bits >> i & 1}
        return found


def text(value: object) -> str:
    """A YAML scalar as the text a platform would see."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

"""The normalized model every parser produces and every rule reads.

Values are frozen dataclasses. Everything that came from a file carries a
:class:`Span` (path relative to the scanned root, 1-based line and column),
set once by the parser; nothing downstream adjusts positions.

A :class:`Project` holds the pipelines found under one root and the edges
between their stages. Graph questions rules ask often (what must succeed
before a stage, how a trigger reaches it, who produces an artifact) are
answered by helpers here over plain adjacency dicts, so a check run does not
pay for importing networkx; :attr:`Project.graph` builds the networkx
``DiGraph`` on demand for rules and tools that want more.
"""

from __future__ import annotations

import bisect
import fnmatch
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import field
from functools import cached_property
from operator import attrgetter
from typing import TYPE_CHECKING, Literal

from cdlint.values import value

if TYPE_CHECKING:
    import networkx

KINDS = ("build", "test", "scan", "publish", "deploy", "verify", "approval", "teardown", "provision")
TIERS = ("production", "staging", "testing", "development", "review", "docs", "other")
DELIVERY_KINDS = ("deploy", "publish", "docs")
CHANNELS = ("stable", "prerelease")
WHEN = ("on_success", "on_failure", "always", "manual", "delayed", "never")
TRIGGER_KINDS = ("push", "pull_request", "tag", "schedule", "manual", "api", "upstream", "workflow_call")
EDGE_KINDS = ("order", "artifact", "trigger")
Severity = Literal["error", "warning", "note"]


@value(order=True)
class Span:
    """Where something is written. Line and column count from 1."""

    path: str
    line: int
    column: int = 1
    end_line: int | None = None
    end_column: int | None = None

    @staticmethod
    def at(path: str, text: str, offset: int, end: int | None = None) -> Span:
        """The span of character ``offset`` (and optionally ``end``) in ``text``."""
        index = LineIndex(text)
        return index.span(path, offset, end)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


class LineIndex:
    """Turns character offsets into 1-based lines and columns (a bisect over line starts)."""

    def __init__(self, text: str) -> None:
        self.starts = [0]
        self.starts.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1

    def span(self, path: str, offset: int, end: int | None = None) -> Span:
        line, column = self.position(offset)
        if end is None:
            return Span(path, line, column)
        end_line, end_column = self.position(end)
        return Span(path, line, column, end_line, end_column)


@value
class Signal:
    """Evidence for a tag: what matched (``source``: command, script, action, task, step,
    keyword, name, environment, reference, platform …), the text it matched, and where.

    What a step runs is strong evidence; a name is weak (``weak``): it may suggest what a
    stage does, never make it a production delivery.
    """

    tag: str
    source: str
    text: str
    span: Span

    @property
    def weak(self) -> bool:
        return self.source == "name"

    def __str__(self) -> str:
        return f"{self.tag} ({self.source} '{self.text}' at {self.span})"


@value
class Delivery:
    """What a stage puts in front of users.

    ``kind``: ``deploy`` (an environment that runs the product), ``publish`` (a release
    users install: a registry, a store, a release with binaries, a download site) or
    ``docs`` (a documentation or project site). ``target`` says what and where
    (``npm``, ``ghcr.io/acme/app``, ``production``). ``channel``: ``stable`` (what
    ordinary users get: production) or ``prerelease`` (nightly, beta, rc, snapshot,
    TestPyPI, a staging registry: a pre-production tier). ``evidence`` is the signal of
    the step that delivers, then what decided the channel.
    """

    kind: str
    target: str
    channel: str
    span: Span
    evidence: tuple[Signal, ...] = ()

    @property
    def stable(self) -> bool:
        return self.channel == "stable"

    def __str__(self) -> str:
        return f"{self.kind} {self.target} ({self.channel})"


@value
class Step:
    """One step of a stage: a shell command, or a call of an action, task or Jenkins step.

    Parsers fill in what is written: ``uses`` names what is called
    (``actions/checkout``, ``AzureWebApp``, ``junit``), ``version`` its pinned ref,
    ``inputs`` its arguments, ``origin`` the composite action or template the step was
    expanded from. Classification (:mod:`cdlint.classify`) fills in ``tags``
    (``test``, ``test:e2e``, ``deploy:helm`` …; the part before ``:`` is a stage kind)
    and ``signals``, the evidence of each tag.
    """

    span: Span
    name: str = ""
    run: str | None = None
    uses: str | None = None
    version: str | None = None
    inputs: tuple[tuple[str, str], ...] = ()
    allow_failure: bool = False
    when: str = "on_success"
    tags: frozenset[str] = frozenset()
    origin: str | None = None
    signals: tuple[Signal, ...] = ()

    def input(self, key: str, default: str | None = None) -> str | None:
        for k, v in self.inputs:
            if k == key:
                return v
        return default

    @property
    def text(self) -> str:
        """What the step runs, for matching: its command or its call and arguments."""
        if self.run is not None:
            return self.run
        args = " ".join(f"{k}={v}" for k, v in self.inputs)
        return f"{self.uses or ''} {args}".strip()

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        if self.uses:
            return self.uses
        first = (self.run or "").strip().splitlines()
        return first[0][:60] if first else "step"


@value
class Environment:
    """Where a stage deploys to.

    ``external_gates`` is true where the platform keeps approvals and checks
    outside the file (GitHub environment protection rules, GitLab protected
    environments, Azure environment checks): a gate may exist that cdlint
    cannot see, so rules must neither claim nor deny one. ``declared`` is
    false for an environment cdlint inferred from a deploy's name or
    arguments because the file declares none. Parsers leave ``tier`` empty unless the
    file states it (GitLab's ``deployment_tier``); classification infers it from the
    name, or from ``candidates``, the names it can take (a matrix of environments), and
    makes it production where the stage delivers a stable release; ``per_change`` says
    whether the name is made per branch, merge request or pull request.
    """

    name: str
    tier: str
    span: Span
    url: str | None = None
    action: str = "start"
    stop_stage: str | None = None
    auto_stop: str | None = None
    dynamic: bool = False
    external_gates: bool = False
    declared: bool = True
    candidates: tuple[str, ...] = ()
    per_change: bool = False

    @property
    def is_production(self) -> bool:
        return self.tier == "production"


@value
class Input:
    """A value a person supplies when starting a pipeline by hand."""

    name: str
    span: Span
    type: str = "string"
    choices: tuple[str, ...] = ()
    default: str | None = None

    @property
    def free(self) -> bool:
        """Whether any value may be typed in (not a choice or a boolean)."""
        return self.type in ("string", "number", "") and not self.choices


@value
class Trigger:
    """What starts a pipeline.

    ``branches``/``tags`` are include patterns (``None``: any), ``*_ignore``
    the exclusions. For ``upstream`` triggers ``source`` names the pipeline
    whose run starts this one and ``types`` the run states that fire it;
    ``on_success_only`` tells whether it fires only when that run succeeded.
    """

    kind: str
    span: Span
    event: str = ""
    branches: tuple[str, ...] | None = None
    branches_ignore: tuple[str, ...] = ()
    tags: tuple[str, ...] | None = None
    tags_ignore: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    inputs: tuple[Input, ...] = ()
    source: str | None = None
    types: tuple[str, ...] = ()
    on_success_only: bool = False


@value
class Condition:
    """When a stage runs, as far as the file shows.

    ``refs`` lists the git refs it is limited to (``refs/heads/main``,
    ``refs/tags/*``, ``refs/heads/$default`` for the default branch), ``None``
    when it is not limited or the limit cannot be read. ``events`` likewise
    limits trigger kinds, ``exclude_events`` rules some out.
    ``upstream_success`` is true when the stage checks that the upstream
    pipeline run that triggered it succeeded.
    """

    text: str = ""
    span: Span | None = None
    refs: tuple[str, ...] | None = None
    events: tuple[str, ...] | None = None
    exclude_events: tuple[str, ...] = ()
    upstream_success: bool = False

    def allows(self, trigger: Trigger) -> bool:
        """Whether a run started by ``trigger`` can run the stage."""
        if trigger.kind in self.exclude_events:
            return False
        if self.events is not None and trigger.kind not in self.events:
            return False
        if self.refs is None:
            return True
        if trigger.kind == "tag":
            return any(r.startswith("refs/tags/") for r in self.refs)
        if trigger.kind == "pull_request":
            return any(r.startswith("refs/pull/") for r in self.refs)
        if trigger.kind == "manual":
            # A person starting a run picks the branch or the tag it runs on.
            return any(not r.startswith("refs/pull/") for r in self.refs)
        return any(not r.startswith(("refs/tags/", "refs/pull/")) for r in self.refs)

    def also(self, other: Condition) -> Condition:
        """This condition where ``other`` must hold too (its text and span stay this one's)."""
        refs = intersect(_limit(self.refs), _limit(other.refs), patterns=True)
        events = intersect(_limit(self.events), _limit(other.events))
        return Condition(
            self.text,
            self.span,
            None if refs is None else tuple(sorted(refs)),
            None if events is None else tuple(sorted(events)),
            tuple(sorted(set(self.exclude_events) | set(other.exclude_events))),
            self.upstream_success,
        )


def _limit(values: tuple[str, ...] | None) -> frozenset[str] | None:
    return None if values is None else frozenset(values)


def intersect(a: frozenset[str] | None, b: frozenset[str] | None, patterns: bool = False) -> frozenset[str] | None:
    """What both limits allow (``None``: not limited); with ``patterns``, the ref globs of
    one side that the other side's globs cover."""
    if a is None:
        return b
    if b is None:
        return a
    if not patterns:
        return a & b
    return frozenset(x for x in a if any(fnmatch.fnmatchcase(x, y) for y in b)) | frozenset(
        y for y in b if any(fnmatch.fnmatchcase(y, x) for x in a)
    )


@value
class Artifact:
    """An artifact a stage produces or consumes, by name.

    A consumed artifact with ``source`` set comes from another pipeline's run
    (``upstream`` for the run that triggered this one, else a pipeline name).
    """

    name: str
    span: Span
    source: str | None = None


@value
class Reference:
    """Something a pipeline points at that cdlint did not read (remote include, template, workflow)."""

    kind: str
    target: str
    span: Span
    reason: str = ""
    tags: frozenset[str] = frozenset()


@value
class Problem:
    """A fault the parser found, reported through the rule named ``rule``."""

    rule: str
    span: Span
    message: str
    key: str = ""


@value
class Stage:
    """The smallest unit scheduled on its own: a job, a deployment job, a Jenkins stage.

    ``id`` is unique in its pipeline; ``key`` (``path#id``) in the project.
    Parsers record what is written: steps, the environment, ``facts`` (what the
    platform says of the job by its keywords: ``keyword:pages``, ``report:junit``,
    ``agent:ephemeral``, ``nested`` for a stage that only holds other stages …) and
    ``variables`` (name, value, where). Classification adds ``tags`` (of the stage and
    its steps), ``kinds`` (the coarse ones), ``signals`` (the evidence of the tags the
    stage has by itself: its name, keywords, environment) and ``deliveries``. ``when`` is when it runs relative to what it
    depends on; ``allow_failure`` whether its failure lets the pipeline go on,
    and ``allow_failure_at`` where that is written when it is written apart from
    the stage (a GitLab job template several jobs extend).
    ``template`` names the reusable workflow, template, job template or
    matrix that defines it, so rules can tell one deploy process shared by
    environments from separate ones.
    """

    id: str
    name: str
    pipeline: str
    span: Span
    group: str | None = None
    steps: tuple[Step, ...] = ()
    kinds: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    signals: tuple[Signal, ...] = ()
    deliveries: tuple[Delivery, ...] = ()
    facts: frozenset[str] = frozenset()
    variables: tuple[tuple[str, str, Span], ...] = ()
    environment: Environment | None = None
    when: str = "on_success"
    allow_failure: bool = False
    allow_failure_at: Span | None = None
    condition: Condition = field(default_factory=Condition)
    services: tuple[str, ...] = ()
    image: str | None = None
    produces: tuple[Artifact, ...] = ()
    consumes: tuple[Artifact, ...] = ()
    reports: tuple[str, ...] = ()
    matrix: tuple[tuple[str, tuple[str, ...]], ...] = ()
    concurrency: str | None = None
    strategy: str | None = None
    template: str | None = None
    calls: str | None = None

    @cached_property
    def key(self) -> str:
        return f"{self.pipeline}#{self.id}"

    def has(self, kind: str) -> bool:
        return kind in self.kinds

    @property
    def is_production_deploy(self) -> bool:
        env = self.environment
        return "deploy" in self.kinds and env is not None and env.is_production and env.action == "start"

    @property
    def gates_on_success(self) -> bool:
        """Whether the stage runs only when what it depends on succeeded."""
        return self.when in ("on_success", "manual", "delayed")

    def steps_tagged(self, tag: str) -> list[Step]:
        """Steps with ``tag`` or a sub-tag of it (``test`` matches ``test:e2e``)."""
        return [s for s in self.steps if any(t == tag or t.startswith(tag + ":") for t in s.tags)]

    def tagged(self, tag: str) -> bool:
        return any(t == tag or t.startswith(tag + ":") for t in self.tags)


@value(order=True)
class Edge:
    """A dependency between two stages (by key): ``source`` runs before ``target``.

    ``order`` edges come from needs/dependsOn/stage order, ``artifact`` edges
    from an artifact ``label`` passed along, ``trigger`` edges from one
    pipeline starting another. ``requires_success``: the target runs only if
    the source succeeded. ``skips_with_source``: a source that does not run
    (its condition is false for the run) keeps the target from running too, as a
    skipped GitHub ``needs`` or Azure ``dependsOn`` does; a GitLab job of an
    earlier stage that is not in the pipeline does not, nor does a Jenkins stage
    skipped by its ``when``.
    """

    source: str
    target: str
    kind: str
    span: Span
    label: str = ""
    requires_success: bool = True
    skips_with_source: bool = True


def sorted_edges(edges: Iterable[Edge]) -> tuple[Edge, ...]:
    """``edges`` without duplicates, in the order sorting Edges gives, each key built once
    (a pipeline whose stages all wait for an earlier stage has hundreds of thousands)."""
    return tuple(sorted(set(edges), key=edge_order))


# The key that sorts Edges as comparing them does: their fields in order (the span is
# compared only between edges of the same source, target and kind).
edge_order = attrgetter("source", "target", "kind", "span", "label", "requires_success", "skips_with_source")


@value
class Pipeline:
    """One pipeline file (with what it includes) and its stages."""

    path: str
    platform: str
    name: str = ""
    span: Span | None = None
    triggers: tuple[Trigger, ...] = ()
    stages: tuple[Stage, ...] = ()
    edges: tuple[Edge, ...] = ()
    references: tuple[Reference, ...] = ()
    problems: tuple[Problem, ...] = ()
    files: tuple[str, ...] = ()

    def stage(self, stage_id: str) -> Stage | None:
        return self._by_id.get(stage_id)

    @cached_property
    def _by_id(self) -> dict[str, Stage]:
        return {s.id: s for s in self.stages}

    @property
    def manual_triggers(self) -> list[Trigger]:
        return [t for t in self.triggers if t.kind == "manual"]

    @property
    def commit_triggers(self) -> list[Trigger]:
        return [t for t in self.triggers if t.kind in ("push", "pull_request", "tag")]


@value
class Hop:
    """One step of an evidence path: a trigger or a stage, with where it is written."""

    label: str
    span: Span
    stage: Stage | None = None


@value
class Project:
    """All pipelines found under one root and the edges between their stages."""

    root: str
    pipelines: tuple[Pipeline, ...] = ()
    links: tuple[Edge, ...] = ()

    @cached_property
    def _stages(self) -> dict[str, Stage]:
        return {s.key: s for p in self.pipelines for s in p.stages}

    @cached_property
    def memo(self) -> dict[str, object]:
        """What analyses work out once per project, under names of their choosing."""
        return {}

    @cached_property
    def _pipelines(self) -> dict[str, Pipeline]:
        return {p.path: p for p in self.pipelines}

    @cached_property
    def _incoming(self) -> dict[str, list[Edge]]:
        incoming: dict[str, list[Edge]] = {key: [] for key in self._stages}
        for edge in self.edges():
            if edge.source in incoming and edge.target in incoming:
                incoming[edge.target].append(edge)
        return incoming

    @cached_property
    def _outgoing(self) -> dict[str, list[Edge]]:
        outgoing: dict[str, list[Edge]] = {key: [] for key in self._stages}
        for edge in self.edges():
            if edge.source in outgoing and edge.target in outgoing:
                outgoing[edge.source].append(edge)
        return outgoing

    def edges(self, kind: str | None = None) -> Iterator[Edge]:
        for pipeline in self.pipelines:
            yield from (e for e in pipeline.edges if kind is None or e.kind == kind)
        yield from (e for e in self.links if kind is None or e.kind == kind)

    def stages(self, kind: str | None = None) -> list[Stage]:
        """All stages (of ``kind``), in file order."""
        found = self._by_kind.get(kind)
        if found is None:
            found = self._by_kind[kind] = [s for s in self._in_order if kind in s.kinds]
        return list(found)

    @cached_property
    def _in_order(self) -> list[Stage]:
        return sorted(self._stages.values(), key=lambda s: (s.span, s.id))

    @cached_property
    def _by_kind(self) -> dict[str | None, list[Stage]]:
        return {None: self._in_order}

    def stage(self, key: str) -> Stage:
        return self._stages[key]

    def pipeline(self, stage_or_path: Stage | str) -> Pipeline:
        path = stage_or_path.pipeline if isinstance(stage_or_path, Stage) else stage_or_path
        return self._pipelines[path]

    def incoming(self, stage: Stage) -> list[Edge]:
        return self._incoming[stage.key]

    def outgoing(self, stage: Stage) -> list[Edge]:
        return self._outgoing[stage.key]

    def upstream(self, stage: Stage) -> list[Stage]:
        """Stages that must succeed before ``stage`` runs, nearest first.

        Follows order and artifact edges, and trigger edges that fire only on
        success. A stage that runs whatever happened before it (``always``,
        ``on_failure``) has no upstream that gates it.
        """
        if not stage.gates_on_success:
            return []
        return self._walked("upstream", stage, lambda: self._reach(stage.key, self._gating_predecessors, self._upstream_runs(stage)))

    def downstream(self, stage: Stage) -> list[Stage]:
        """Stages that run after ``stage`` (by any edge), nearest first."""
        return self._walked("downstream", stage, lambda: self._reach(stage.key, self._successors))

    def ancestors(self, stage: Stage) -> list[Stage]:
        """Stages that run before ``stage`` by any edge, whether or not they gate it."""
        return self._walked("ancestors", stage, lambda: self._reach(stage.key, self._predecessors))

    # Adjacency as keys, each once (an order and an artifact edge join the same stages),
    # in the order of the edges.
    @cached_property
    def _successors(self) -> dict[str, list[str]]:
        return {key: list(dict.fromkeys(e.target for e in edges)) for key, edges in self._outgoing.items()}

    @cached_property
    def _predecessors(self) -> dict[str, list[str]]:
        return {key: list(dict.fromkeys(e.source for e in edges)) for key, edges in self._incoming.items()}

    def any_before(self, stage: Stage, test: Callable[[Stage], bool]) -> bool:
        """Whether one of :meth:`ancestors` passes ``test``: answered for every stage in one
        pass over the graph the first time a ``test`` is asked (pass a function defined
        once, not a new lambda each time)."""
        return self._any(self._predecessors, test)[stage.key]

    def any_after(self, stage: Stage, test: Callable[[Stage], bool]) -> bool:
        """Whether one of :meth:`downstream` passes ``test`` (see :meth:`any_before`)."""
        return self._any(self._successors, test)[stage.key]

    def _any(self, adjacent: dict[str, list[str]], test: Callable[[Stage], bool]) -> dict[str, bool]:
        memo = self._answers.get((id(adjacent), test))
        if memo is not None:
            return memo
        stages = self._stages
        memo: dict[str, bool] = {}
        # Whether a stage passes, or one it reaches does: what it offers the stages
        # that reach it.
        offers: dict[str, bool] = {}
        # Tarjan yields a group of stages after the groups it reaches, so each group's
        # answer is known from the answers before it. A stage is not its own ancestor,
        # except by way of another stage of its cycle.
        for group in self._groups(adjacent):
            passing = [k for k in group if test(stages[k])]
            outside = any(offers[p] for k in group for p in adjacent[k] if p not in group)
            for k in group:
                memo[k] = outside or any(m != k for m in passing)
                offers[k] = outside or bool(passing)
        self._answers[(id(adjacent), test)] = memo
        return memo

    @cached_property
    def _answers(self) -> dict[tuple[int, Callable[[Stage], bool]], dict[str, bool]]:
        return {}

    def _groups(self, adjacent: dict[str, list[str]]) -> list[set[str]]:
        """The strongly connected groups of stages over ``adjacent``, each after the groups
        it reaches: worked out once, whatever is asked of them."""
        found = self._condensed.get(id(adjacent))
        if found is None:
            found = self._condensed[id(adjacent)] = strongly_connected({k: sorted(set(v)) for k, v in adjacent.items()})
        return found

    @cached_property
    def _condensed(self) -> dict[int, list[set[str]]]:
        return {}

    def _reach(self, start: str, adjacent: dict[str, list[str]], also: list[str] | None = None) -> list[Stage]:
        """The stages reached from ``start`` over ``adjacent`` (and from ``start`` to
        ``also`` too), breadth first, in the order of the edges."""
        seen = {start}
        queue = [start]
        index = 0
        # Once every stage ``start`` reaches is found, the rest of the walk finds nothing:
        # in a dense graph that is most of it.
        reachable = self._reachable(adjacent)[start] if not also else len(self._stages)
        while index < len(queue) and len(queue) <= reachable:
            if index or not also:
                # Each key once in an adjacency list: the new ones are taken in one pass.
                fresh = [key for key in adjacent[queue[index]] if key not in seen]
            else:
                fresh = [key for key in dict.fromkeys([*adjacent[start], *also]) if key not in seen]
            seen.update(fresh)
            queue += fresh
            index += 1
        stages = self._stages
        return [stages[key] for key in queue[1:]]

    def _reachable(self, adjacent: dict[str, list[str]]) -> dict[str, int]:
        """How many other stages each stage reaches over ``adjacent``."""
        found = self._reach_counts.get(id(adjacent))
        if found is None:
            bits, index = reach_bits(adjacent)
            found = self._reach_counts[id(adjacent)] = {k: (b & ~(1 << index[k])).bit_count() for k, b in bits.items()}
        return found

    @cached_property
    def _reach_counts(self) -> dict[int, dict[str, int]]:
        return {}

    def _walked(self, direction: str, stage: Stage, walk) -> list[Stage]:
        """One walk per stage and direction, however many rules ask (a copy each time)."""
        if self._stages.get(stage.key) is not stage:
            return walk()
        memo = self._walks.setdefault(direction, {})
        found = memo.get(stage.key)
        if found is None:
            found = memo[stage.key] = walk()
        return list(found)

    @cached_property
    def _walks(self) -> dict[str, dict[str, list[Stage]]]:
        return {}

    @cached_property
    def _upstream_pipelines(self) -> dict[str, set[str]]:
        """For each pipeline, the pipelines whose stages link into it."""
        found: dict[str, set[str]] = {}
        for e in self.links:
            target = self._stages[e.target].pipeline if e.target in self._stages else e.target.partition("#")[0]
            found.setdefault(target, set()).add(e.source.partition("#")[0])
        return found

    @cached_property
    def _gating_predecessors(self) -> dict[str, list[str]]:
        """For each stage, the stages that must have succeeded before it, by the edges into it."""
        return {key: list(dict.fromkeys(e.source for e in edges if e.requires_success)) for key, edges in self._incoming.items()}

    def _upstream_runs(self, stage: Stage) -> list[str]:
        """A stage that checks the upstream run's conclusion: every stage of the upstream
        pipelines had to succeed."""
        if not stage.condition.upstream_success:
            return []
        upstream_pipelines = self._upstream_pipelines.get(stage.pipeline, set())
        return [k for k, up in self._stages.items() if up.pipeline in upstream_pipelines]

    def triggers_of(self, stage: Stage) -> list[Trigger]:
        """Triggers of the stage's pipeline whose runs can run the stage."""
        condition = self.condition_of(stage)
        return [t for t in self.pipeline(stage).triggers if condition.allows(t)]

    def condition_of(self, stage: Stage) -> Condition:
        """When ``stage`` can run: its own condition and, through the dependencies it
        needs to have run, theirs (a deploy after a job limited to ``main`` runs only
        on ``main``, whatever its own condition says)."""
        return self._conditions[stage.key]

    @cached_property
    def _conditions(self) -> dict[str, Condition]:
        def hard(key: str) -> list[str]:
            stage = self._stages[key]
            if not stage.gates_on_success:
                return []
            return [
                e.source
                for e in self._incoming[key]
                if e.kind == "order" and e.requires_success and e.skips_with_source
                and self._stages[e.source].pipeline == stage.pipeline
            ]

        succ = {key: sorted(set(hard(key))) for key in self._stages}
        done: dict[str, Condition] = {}
        # Many stages wait for the same conditions (every job of a stage for every job of
        # the one before): equal conditions are made one object, and each merge of two
        # is worked out once.
        canonical: dict[Condition, Condition] = {}
        merged: dict[tuple[int, int], Condition] = {}

        def one(condition: Condition) -> Condition:
            return canonical.setdefault(condition, condition)

        def also(a: Condition, b: Condition) -> Condition:
            found = merged.get((id(a), id(b)))
            if found is None:
                found = merged[(id(a), id(b))] = one(a.also(b))
            return found

        # Tarjan yields a group after the groups it depends on. Stages in a cycle (an
        # error of its own) can run only when all of them can.
        for group in strongly_connected(succ):
            shared = one(Condition())
            for key in sorted(group):
                shared = also(shared, self._stages[key].condition)
                for source in succ[key]:
                    if source not in group:
                        shared = also(shared, done[source])
            for key in group:
                done[key] = one(self._stages[key].condition.also(shared))
        return done

    def path_to(self, stage: Stage, through: Iterable[str] | None = None) -> list[Hop]:
        """A path from a trigger to ``stage``, as evidence: the longest chain of stages before it.

        ``through`` restricts the walk to edge kinds (default: all).
        """
        stages = self._chain_to(stage, frozenset(through) if through else frozenset(EDGE_KINDS))
        hops = [Hop(s.name or s.id, s.span, s) for s in stages]
        triggers = self.triggers_of(stages[0])
        if triggers:
            # A call by another workflow is the caller's way in; a trigger of its own is this one's.
            t = next((t for t in triggers if t.kind != "workflow_call"), triggers[0])
            hops.insert(0, Hop(trigger_label(t), t.span))
        return hops

    def _chain_to(self, stage: Stage, kinds: frozenset[str]) -> list[Stage]:
        """The longest chain of stages over edges of ``kinds`` that ends at ``stage`` (of
        chains as long, the one through the edge written first), never through a stage
        twice. Chains are kept for the project, since evidence asks for one per
        finding: without a cycle a stage's chain is the same whoever asks; around a cycle
        (an error of its own) it is the one first worked out, so that a cyclic graph
        costs no more than one walk either."""
        memo = self._chains.setdefault(kinds, {})
        incoming, stages = self._incoming_in_order, self._stages
        if stage.key in memo:
            return memo[stage.key]
        # Depth first without recursion (a chain can be thousands of jobs long): each frame
        # is a stage, the index of its next edge, and the longest chain before it so far.
        walking = {stage.key}
        frames: list[list] = [[stage, 0, []]]
        while frames:
            frame = frames[-1]
            current, index, best = frame
            edges = incoming[current.key]
            if index < len(edges):
                frame[1] = index + 1
                e = edges[index]
                if e.kind in kinds and e.source not in walking:
                    if e.source in memo:
                        if len(memo[e.source]) > len(best):
                            frame[2] = memo[e.source]
                    else:
                        walking.add(e.source)
                        frames.append([stages[e.source], 0, []])
                continue
            walking.discard(current.key)
            found = memo[current.key] = best + [current]
            frames.pop()
            if frames and len(found) > len(frames[-1][2]):
                frames[-1][2] = found
        return memo[stage.key]

    @cached_property
    def _chains(self) -> dict[frozenset[str], dict[str, list[Stage]]]:
        return {}

    @cached_property
    def _incoming_in_order(self) -> dict[str, list[Edge]]:
        """The edges into each stage in the order they are written."""
        return {key: sorted(edges, key=lambda e: (e.span, e.source)) for key, edges in self._incoming.items()}

    def producers(self, artifact: str, pipeline: str | None = None) -> list[Stage]:
        """Stages that produce an artifact called ``artifact`` (in ``pipeline``, if given)."""
        return [s for s in self._producers.get(artifact, ()) if pipeline is None or s.pipeline == pipeline]

    @cached_property
    def _producers(self) -> dict[str, list[Stage]]:
        found: dict[str, list[Stage]] = {}
        for s in self._in_order:
            for name in dict.fromkeys(a.name for a in s.produces):
                found.setdefault(name, []).append(s)
        return found

    def cycles(self) -> list[list[str]]:
        """Cycles among order edges, one per strongly connected group of stages, each as the
        keys around it (first key repeated at the end), in a deterministic order."""
        succ: dict[str, list[str]] = {k: [] for k in self._stages}
        for e in self.edges("order"):
            if e.source in succ and e.target in succ:
                succ[e.source].append(e.target)
        for targets in succ.values():
            targets.sort()
        cycles = []
        for group in strongly_connected(succ):
            start = min(group)
            if len(group) == 1 and start not in succ[start]:
                continue
            cycles.append(_cycle_through(start, group, succ))
        return sorted(cycles)

    def problems(self, rule: str) -> Iterator[Problem]:
        for pipeline in self.pipelines:
            yield from (p for p in pipeline.problems if p.rule == rule)

    @cached_property
    def graph(self) -> networkx.DiGraph:
        """The whole project as a networkx ``DiGraph``: nodes are stage keys with a ``stage``
        attribute; each edge has ``edges``, the :class:`Edge` records between the two stages."""
        import networkx

        g = networkx.DiGraph()
        for key, stage in sorted(self._stages.items()):
            g.add_node(key, stage=stage)
        for edge in sorted(self.edges(), key=edge_order):
            if edge.source in self._stages and edge.target in self._stages:
                if g.has_edge(edge.source, edge.target):
                    g.edges[edge.source, edge.target]["edges"].append(edge)
                else:
                    g.add_edge(edge.source, edge.target, edges=[edge])
        return g


def strongly_connected(succ: dict[str, list[str]]) -> list[set[str]]:
    """Tarjan's algorithm without recursion (pipelines can be long chains)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for root in sorted(succ):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            if i < len(succ[node]):
                work.append((node, i + 1))
                nxt = succ[node][i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                groups.append(group)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return groups


def reach_bits(adjacent: dict[str, list[str]]) -> tuple[dict[str, int], dict[str, int]]:
    """For each key of ``adjacent``, the keys it reaches, as a bit set (bit ``i`` is the
    key whose index is ``i``), and the index of each key: worked out in one pass over the
    strongly connected groups, each after the groups it reaches. A key in a cycle
    reaches itself."""
    index = {key: i for i, key in enumerate(adjacent)}
    bits: dict[str, int] = {}
    for group in strongly_connected(adjacent):
        found = 0
        for key in group:
            for other in adjacent[key]:
                if other not in group:
                    found |= bits[other] | 1 << index[other]
        if len(group) > 1 or any(key in adjacent[key] for key in group):
            for key in group:
                found |= 1 << index[key]
        for key in group:
            bits[key] = found
    return bits, index


def _cycle_through(start: str, group: set[str], succ: dict[str, list[str]]) -> list[str]:
    """The shortest cycle from ``start`` back to itself inside ``group``."""
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in succ[node]:
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [start, *reversed(path[:-1]), start] if node != start else [start, start]
            if nxt in group and nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    return [start, start]


def trigger_label(trigger: Trigger) -> str:
    event = trigger.event or trigger.kind
    if trigger.branches:
        return f"{event} ({', '.join(trigger.branches)})"
    if trigger.tags:
        return f"{event} (tags {', '.join(trigger.tags)})"
    if trigger.source:
        return f"{event} ({trigger.source})"
    return event

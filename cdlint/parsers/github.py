"""GitHub Actions workflows (``.github/workflows/*.yml``) into the stage graph.

Jobs are stages; ``needs`` makes order edges; upload/download-artifact make
artifact edges. Local reusable workflows (``jobs.<id>.uses: ./…``) are
expanded into namespaced stages (``caller/job``) and local composite actions
into the steps of the job that uses them, keeping the spans of the files they
come from. Remote workflows and actions are recorded, never fetched.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field, replace

from cdlint.errors import ParseError
from cdlint.model import (
    Artifact,
    Condition,
    Edge,
    Input,
    Pipeline,
    Problem,
    Reference,
    Span,
    Stage,
    Step,
    Trigger,
    sorted_edges,
)
from cdlint.parsers import ghexpr
from cdlint.parsers.common import check_edges, environment, link_artifacts, make_step, text
from cdlint.workspace import Workspace
from cdlint.yamlload import Map, Seq, load

PLATFORM = "github"
MAX_CALL_DEPTH = 10
# What local reusable workflows and composite actions may expand to in one project: each
# call copies the called jobs or steps, so calls nested a few levels deep, a few times
# each, multiply (eight levels of four calls are 65,536 jobs). Past the budget a call to a
# reusable workflow is linked to that workflow, read once, instead of copied.
MAX_EXPANDED_JOBS = 500
MAX_EXPANDED_STEPS = 20_000
# An expression and what it holds, untrimmed: up to the first "}}", and never past the next
# "${{" (so a text of unclosed expressions is read once, not once per expression).
_EXPR = re.compile(r"\$\{\{((?:(?!\$\{\{)[^}]|\}(?!\}))*)\}\}")


def repository_root(path: str) -> str:
    """The repository directory of a workflow file (the parent of ``.github``)."""
    parts = path.split("/")
    if ".github" in parts:
        return "/".join(parts[: len(parts) - 1 - parts[::-1].index(".github")])
    return posixpath.dirname(path)


def parse(text_: str, path: str, workspace: Workspace | None = None) -> Pipeline:
    """Parse one workflow file; a file that cannot be read raises ParseError."""
    workspace = workspace or Workspace()
    document = load(text_, path)
    data = document.value
    if data is None:
        raise ParseError("workflow file is empty", Span(path, 1, 1))
    if not isinstance(data, Map):
        raise ParseError("a workflow must be a mapping with 'on' and 'jobs'", _span_of(data, path))
    workflow = _Workflow(path, workspace)
    workflow.problems.extend(Problem("parse-error", e.span, e.message) for e in document.problems)
    triggers = workflow.triggers(data)
    jobs = data.get("jobs")
    if not isinstance(jobs, Map) or not jobs:
        workflow.problems.append(Problem("parse-error", data.span(), "workflow has no 'jobs' mapping"))
        jobs = Map()
        jobs.path, jobs.line, jobs.column, jobs.tag, jobs.keys_at, jobs.values_at = path, 1, 1, None, {}, {}
    context = _Context(
        file=path,
        inputs=workflow.dispatch_choices(triggers),
        concurrency=_concurrency(data.get("concurrency")),
        stack=(path,),
        env=_env(data.get("env")),
    )
    result = workflow.jobs(jobs, "", context)
    edges = result.edges + link_artifacts(result.stages, result.edges)
    name = data.get("name")
    return Pipeline(
        path=path,
        platform=PLATFORM,
        name=text(name) if isinstance(name, (str, int, float)) else posixpath.basename(path),
        span=data.span(),
        triggers=tuple(triggers),
        stages=tuple(result.stages),
        edges=sorted_edges(edges),
        references=tuple(workflow.references),
        problems=tuple(workflow.problems),
        files=tuple(sorted({path, *workflow.files})),
    )


def _span_of(value, path: str) -> Span:
    return value.span() if isinstance(value, (Map, Seq)) else Span(path, 1, 1)


def _env(value) -> tuple[tuple[str, str, Span], ...]:
    """The environment variables an ``env:`` mapping sets, as written, where."""
    if not isinstance(value, Map):
        return ()
    return tuple((text(k), text(v), value.value_span(k)) for k, v in value.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool))


def _concurrency(value) -> str | None:
    if isinstance(value, Map):
        value = value.get("group")
    return text(value) if value not in (None, "") else None


@dataclass
class _Context:
    """What jobs of one workflow file (or one expanded reusable workflow) share."""

    file: str
    inputs: dict[str, list[str]]
    concurrency: str | None
    stack: tuple[str, ...]
    template: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    env: tuple[tuple[str, str, Span], ...] = ()


@dataclass
class _Jobs:
    stages: list[Stage] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    entries: dict[str, list[str]] = field(default_factory=dict)
    exits: dict[str, list[str]] = field(default_factory=dict)


class _Workflow:
    def __init__(self, path: str, workspace: Workspace) -> None:
        self.path = path
        self.workspace = workspace
        self.root = repository_root(path)
        self.problems: list[Problem] = []
        self.references: list[Reference] = []
        self.files: set[str] = set()
        self.composites: dict[tuple, tuple] = {}

    def problem(self, rule: str, span: Span, message: str, key: str = "") -> None:
        self.problems.append(Problem(rule, span, message, key))

    # --- triggers -------------------------------------------------------------

    def triggers(self, data: Map) -> list[Trigger]:
        if "on" not in data:
            self.problem("parse-error", data.span(), "workflow has no 'on' section")
            return []
        on = data["on"]
        events: list[tuple[str, object, Span]] = []
        if isinstance(on, str):
            events.append((on, None, data.value_span("on")))
        elif isinstance(on, Seq):
            events.extend((text(e), None, on.item_span(i)) for i, e in enumerate(on))
        elif isinstance(on, Map):
            events.extend((text(k), v, on.key_span(k)) for k, v in on.items())
        else:
            self.problem("parse-error", data.key_span("on"), "'on' must be an event, a list or a mapping")
        found: list[Trigger] = []
        for event, config, span in events:
            found.extend(self.trigger(event, config, span))
        return found

    def trigger(self, event: str, config, span: Span) -> list[Trigger]:
        conf = config if isinstance(config, Map) else {}
        paths = _strings(conf.get("paths"))
        if event == "push":
            branch_side = "branches" in conf or "branches-ignore" in conf
            tag_side = "tags" in conf or "tags-ignore" in conf
            found = []
            if branch_side or not tag_side:
                found.append(
                    Trigger("push", span, event, _patterns(conf.get("branches")), _strings(conf.get("branches-ignore")), paths=paths)
                )
            if tag_side or not branch_side:
                found.append(
                    Trigger("tag", span, event, tags=_patterns(conf.get("tags")), tags_ignore=_strings(conf.get("tags-ignore")), paths=paths)
                )
            return found
        kind = ghexpr.EVENT_KINDS.get(event, "api")
        if kind == "pull_request":
            branches, ignore = _patterns(conf.get("branches")), _strings(conf.get("branches-ignore"))
            return [Trigger(kind, span, event, branches, ignore, paths=paths, types=_strings(conf.get("types")))]
        if event == "schedule":
            crons = config if isinstance(config, Seq) else None
            return [Trigger("schedule", span, event)] if not crons else [
                Trigger("schedule", crons.item_span(i), event) for i in range(len(crons))
            ]
        if event in ("workflow_dispatch", "workflow_call"):
            return [Trigger(kind, span, event, inputs=tuple(self.inputs(conf.get("inputs"))))]
        if event == "workflow_run":
            types = _strings(conf.get("types")) or ("completed",)
            sources = _strings(conf.get("workflows"))
            return [
                Trigger("upstream", span, event, _patterns(conf.get("branches")), _strings(conf.get("branches-ignore")), source=s, types=types)
                for s in sources
            ] or [Trigger("upstream", span, event, types=types)]
        if event == "release":
            return [Trigger("tag", span, event, types=_strings(conf.get("types")))]
        return [Trigger(kind, span, event, types=_strings(conf.get("types")))]

    def inputs(self, value) -> list[Input]:
        if not isinstance(value, Map):
            return []
        found = []
        for name, spec in value.items():
            spec = spec if isinstance(spec, Map) else Map()
            default = spec.get("default")
            found.append(
                Input(
                    name=text(name),
                    span=value.key_span(name),
                    type=text(spec.get("type") or "string"),
                    choices=_strings(spec.get("options")),
                    default=None if default is None else text(default),
                )
            )
        return found

    @staticmethod
    def dispatch_choices(triggers: list[Trigger]) -> dict[str, list[str]]:
        """Values each manual or call input can take, as far as the file lists them."""
        choices: dict[str, list[str]] = {}
        for t in triggers:
            for i in t.inputs:
                values = list(i.choices) or ([i.default] if i.default else [])
                choices.setdefault(i.name, [])
                choices[i.name].extend(v for v in values if v not in choices[i.name])
        return choices

    # --- jobs -----------------------------------------------------------------

    def jobs(self, jobs: Map, prefix: str, context: _Context) -> _Jobs:
        result = _Jobs()
        for job_id, job in jobs.items():
            job_id = text(job_id)
            sid = prefix + job_id
            if not isinstance(job, Map):
                self.problem("parse-error", jobs.key_span(job_id), f"job '{job_id}' must be a mapping")
                continue
            uses = self.local(job.get("uses"))
            if uses is not None:
                called = self.call(sid, job, uses, context)
                if called is not None:
                    result.stages.extend(called.stages)
                    result.edges.extend(called.edges)
                    result.entries[job_id] = [k for ks in called.entries.values() for k in ks if self._is_root(k, called)]
                    result.exits[job_id] = [k for ks in called.exits.values() for k in ks if self._is_sink(k, called)]
                    continue
            stage = self.job(sid, job_id, job, jobs.key_span(job_id), context)
            result.stages.append(stage)
            result.entries[job_id] = result.exits[job_id] = [stage.key]
        for job_id, job in jobs.items():
            job_id = text(job_id)
            if not isinstance(job, Map) or job_id not in result.entries:
                continue
            for need, span in _needs(job, jobs.key_span(job_id)):
                if need not in result.exits:
                    known = need in jobs
                    message = (
                        f"job '{job_id}' needs '{need}', which is not a job of this workflow"
                        if not known
                        else f"job '{job_id}' needs '{need}', which could not be read"
                    )
                    if not known:
                        self.problem("unknown-dependency", span, message, key=f"{prefix}{job_id}->{need}")
                    continue
                for source in result.exits[need]:
                    for target in result.entries[job_id]:
                        result.edges.append(Edge(source, target, "order", span))
                        check_edges(len(result.edges), span)
        return result

    @staticmethod
    def local(uses) -> str | None:
        """A ``uses`` that names a file of this repository, as ``./path``: ``./path`` itself,
        or ``$/path`` (the same repository at the running commit, like ``./path`` without a
        checkout)."""
        if not isinstance(uses, str):
            return None
        if uses.startswith("./"):
            return uses
        if uses.startswith("$/"):
            return "./" + uses[2:]
        return None

    @staticmethod
    def _is_root(key: str, jobs: _Jobs) -> bool:
        return not any(e.target == key and e.kind == "order" for e in jobs.edges)

    @staticmethod
    def _is_sink(key: str, jobs: _Jobs) -> bool:
        return not any(e.source == key and e.kind == "order" for e in jobs.edges)

    def call(self, sid: str, job: Map, uses: str, context: _Context) -> _Jobs | None:
        """Expand a local reusable workflow into stages ``sid/<job>``."""
        span = job.value_span("uses")
        target = self.workspace.normalize(self.root + "/" + uses[2:].partition("@")[0] if self.root else uses[2:].partition("@")[0])
        if target is None:
            self.problem("parse-error", span, f"reusable workflow '{uses}' is outside the scanned directory")
            return None
        if target in context.stack:
            self.problem("parse-error", span, f"reusable workflow '{uses}' calls itself (cycle through {' -> '.join(context.stack)})")
            return None
        if len(context.stack) > MAX_CALL_DEPTH:
            self.problem("parse-error", span, f"reusable workflows nested deeper than {MAX_CALL_DEPTH} levels")
            return None
        if self.workspace.expanded_jobs > MAX_EXPANDED_JOBS:
            if not any(p.key == "expanded-jobs" for p in self.problems):
                self.problem("parse-error", span, f"local reusable workflows expand to more than {MAX_EXPANDED_JOBS} jobs; "
                             "the calls from here on are linked to the workflow they call, not copied", key="expanded-jobs")
            return None
        if self.workspace.root is None or not self.workspace.exists(target):
            self.references.append(Reference("workflow", uses, span, "local reusable workflow not found"))
            return None
        try:
            called = self.workspace.load_yaml(target, span).value
        except ParseError as e:
            self.problem("parse-error", e.span, e.message)
            return None
        if not isinstance(called, Map) or not isinstance(called.get("jobs"), Map):
            self.problem("parse-error", span, f"reusable workflow '{uses}' has no jobs")
            return None
        self.files.add(target)
        with_ = job.get("with") if isinstance(job.get("with"), Map) else {}
        values = {f"inputs.{text(k)}": text(v) for k, v in with_.items() if not isinstance(v, (Map, Seq))}
        call_inputs = {}
        on = called.get("on")
        if isinstance(on, Map) and isinstance(on.get("workflow_call"), Map):
            for i in self.inputs(on["workflow_call"].get("inputs")):
                if i.default is not None:
                    values.setdefault(f"inputs.{i.name}", i.default)
        for key, value in values.items():
            resolved = self._resolve(value, context)
            call_inputs[key.partition(".")[2]] = resolved if resolved else [value]
        caller_condition = job.get("if")
        inner = _Context(
            file=target,
            inputs=call_inputs,
            concurrency=_concurrency(called.get("concurrency")) or context.concurrency,
            stack=context.stack + (target,),
            template=target,
            values={k: v for k, v in values.items()},
            env=_env(called.get("env")),
        )
        result = self.jobs(called["jobs"], sid + "/", inner)
        self.workspace.expanded_jobs += len(called["jobs"])
        if caller_condition is not None:
            result.stages = [self._with_caller_condition(s, caller_condition, job, context) for s in result.stages]
        return result

    def _with_caller_condition(self, stage: Stage, condition, job: Map, context: _Context) -> Stage:
        reading = ghexpr.read(condition)
        own = stage.condition
        refs = own.refs if own.refs is not None else (tuple(sorted(reading.refs)) if reading.refs is not None else None)
        events = own.events if own.events is not None else (tuple(sorted(reading.events)) if reading.events is not None else None)
        merged = Condition(
            text=own.text or text(condition),
            span=own.span or job.value_span("if"),
            refs=refs,
            events=events,
            exclude_events=tuple(sorted(set(own.exclude_events) | reading.exclude_events)),
            upstream_success=own.upstream_success or reading.upstream_success,
        )
        when = stage.when if reading.when == "on_success" else reading.when
        return replace(stage, condition=merged, when=when)

    def _resolve(self, value: str, context: _Context) -> list[str]:
        """Literal values an expression like ``${{ inputs.env }}`` can take."""
        match = _EXPR.fullmatch(value.strip()) if isinstance(value, str) else None
        if not match:
            return [value] if isinstance(value, str) and "${{" not in value else []
        expr = match[1].strip()
        for prefix in ("inputs.", "github.event.inputs."):
            if expr.startswith(prefix):
                return list(context.inputs.get(expr[len(prefix):], []))
        return []

    def job(self, sid: str, job_id: str, job: Map, span: Span, context: _Context) -> Stage:
        needs = tuple(n for n, _ in _needs(job, span))
        reading = ghexpr.read(job.get("if"), needs, called=len(context.stack) > 1)
        condition = Condition(
            text=text(job.get("if")) if "if" in job else "",
            span=job.key_span("if") if "if" in job else None,
            refs=tuple(sorted(reading.refs)) if reading.refs is not None else None,
            events=tuple(sorted(reading.events)) if reading.events is not None else None,
            exclude_events=tuple(sorted(reading.exclude_events)),
            upstream_success=reading.upstream_success,
        )
        matrix = _matrix(job.get("strategy"))
        steps, produces, consumes = self.steps(job.get("steps"), context, sid)
        uses = job.get("uses")
        calls = None
        variables = list(context.env + _env(job.get("env")))
        if isinstance(uses, str):
            calls = uses
            self.references.append(Reference("workflow", uses, job.value_span("uses"), "remote reusable workflow is not fetched"))
            given = job.get("with")
            if isinstance(given, Map):
                variables += [(text(k), _fill(text(v), context.values), given.value_span(k))
                             for k, v in given.items() if not isinstance(v, (Map, Seq))]
        name = job.get("name")
        stage = Stage(
            id=sid,
            name=(sid.rpartition("/")[0] + "/" if "/" in sid else "") + (text(name) if name is not None else job_id),
            pipeline=self.path,
            span=span,
            steps=tuple(steps),
            environment=self.environment(job, matrix, context),
            when=reading.when,
            allow_failure=job.get("continue-on-error") is True,
            condition=condition,
            services=tuple(_services(job.get("services"))),
            image=_image(job.get("container")),
            produces=tuple(produces),
            consumes=tuple(consumes),
            matrix=matrix,
            concurrency=_concurrency(job.get("concurrency")) or context.concurrency,
            template=context.template or (f"{self.path}#matrix:{sid}" if matrix else None),
            calls=calls,
            variables=tuple(variables),
        )
        return stage

    def environment(self, job: Map, matrix, context: _Context):
        value = job.get("environment")
        if value is None:
            return None
        span = job.value_span("environment")
        url = None
        if isinstance(value, Map):
            url = text(value.get("url")) if value.get("url") is not None else None
            span = value.value_span("name") if "name" in value else span
            value = value.get("name")
        if value is None or isinstance(value, (Map, Seq)):
            return None
        name = text(value)
        for key, literal in context.values.items():
            name = re.sub(r"\$\{\{\s*" + re.escape(key) + r"\s*\}\}", lambda _, v=literal: v, name)
        candidates = tuple(self._environment_candidates(name, matrix, context))
        return environment(name, span, url=url, external_gates=True, candidates=candidates)

    def _environment_candidates(self, name: str, matrix, context: _Context) -> list[str]:
        match = _EXPR.search(name)
        if not match:
            return []
        expr = match[1].strip()
        if expr.startswith("matrix."):
            axis = expr[7:]
            for key, values in matrix:
                if key == axis:
                    return [v for v in values if "${{" not in v]
            return []
        return [name.replace(match[0], v) for v in self._resolve(match[0], context)]

    # --- steps ----------------------------------------------------------------

    def steps(self, value, context: _Context, sid: str, origin: str | None = None, depth: int = 0,
              actions: tuple[str, ...] = ()):
        """The steps of a job or composite action; ``actions``: the composite actions being
        expanded, outermost first."""
        steps: list[Step] = []
        produces: list[Artifact] = []
        consumes: list[Artifact] = []
        if not isinstance(value, Seq):
            return steps, produces, consumes
        for index, raw in enumerate(value):
            span = value.item_span(index)
            if not isinstance(raw, Map):
                self.problem("parse-error", span, "a step must be a mapping")
                continue
            name = text(raw.get("name")) if raw.get("name") is not None else ""
            when = ghexpr.read(raw.get("if")).when if "if" in raw else "on_success"
            allow = raw.get("continue-on-error") is True and not _outcome_checked(raw, value, index)
            with_ = raw.get("with") if isinstance(raw.get("with"), Map) else Map()
            inputs = [(text(k), _fill(text(v), context.values) if not isinstance(v, (Map, Seq)) else "") for k, v in with_.items()]
            if "run" in raw:
                run = _fill(text(raw["run"]), context.values)
                step = make_step(span, name=name, run=run, allow_failure=allow, when=when, origin=origin)
                steps.append(step)
                continue
            uses = raw.get("uses")
            if not isinstance(uses, str):
                self.problem("parse-error", span, "a step needs 'run' or 'uses'")
                continue
            local = self.local(uses)
            if local is not None and depth < MAX_CALL_DEPTH:
                expanded = self.composite(local, raw.value_span("uses"), context, sid, depth, actions)
                if expanded is not None:
                    steps.extend(expanded[0])
                    produces.extend(expanded[1])
                    consumes.extend(expanded[2])
                    continue
            action, _, version = uses.partition("@")
            step = make_step(
                span, name=name, uses=action, version=version or None, inputs=inputs, allow_failure=allow,
                when=when, origin=origin,
            )
            steps.append(step)
            artifact = _artifact(action.lower(), dict(inputs), raw.value_span("uses"))
            if artifact is not None:
                (produces if artifact[0] == "produces" else consumes).append(artifact[1])
        return steps, produces, consumes

    def composite(self, uses: str, span: Span, context: _Context, sid: str, depth: int, actions: tuple[str, ...] = ()):
        """Steps of a local composite action, or None when it is not one (or cannot be read,
        uses itself, or the workflow's expansion budget is spent)."""
        base = self.workspace.normalize((self.root + "/" if self.root else "") + uses[2:])
        if base is None or self.workspace.root is None:
            return None
        # "uses: ./" (an action testing itself) names the root: base is "", not "/".
        for candidate in (posixpath.join(base, "action.yml"), posixpath.join(base, "action.yaml")):
            if not self.workspace.exists(candidate):
                continue
            if candidate in actions:
                cycle = " -> ".join((*actions, candidate))
                self.problem("parse-error", span, f"composite action '{uses}' uses itself (cycle through {cycle})")
                return None
            if self.workspace.expanded_steps > MAX_EXPANDED_STEPS:
                if not any(p.key == "expanded-steps" for p in self.problems):
                    self.problem("parse-error", span, f"composite actions expand to more than {MAX_EXPANDED_STEPS} steps; "
                                 "the uses from here on are not expanded", key="expanded-steps")
                return None
            # One action used many times with the same inputs is read once.
            key = (candidate, tuple(sorted(context.values.items())))
            if key not in self.composites:
                try:
                    action = self.workspace.load_yaml(candidate, span).value
                except ParseError as e:
                    self.problem("parse-error", e.span, e.message)
                    return None
                runs = action.get("runs") if isinstance(action, Map) else None
                if not isinstance(runs, Map) or text(runs.get("using")) != "composite":
                    return None
                self.files.add(candidate)
                found = self.steps(runs.get("steps"), context, sid, origin=candidate, depth=depth + 1,
                                   actions=(*actions, candidate))
                self.composites[key] = tuple(tuple(part) for part in found)
            steps, produces, consumes = self.composites[key]
            self.workspace.expanded_steps += len(steps)
            return list(steps), list(produces), list(consumes)
        self.references.append(Reference("action", uses, span, "local action not found"))
        return None


def _fill(value: str, values: dict[str, str]) -> str:
    """``value`` with the inputs a caller gave a reusable workflow written in
    (``${{ inputs.push }}`` → ``false``)."""
    if not values or "${{" not in value:
        return value
    return _EXPR.sub(lambda m: values.get(m[1].strip(), m[0]) if m[1].strip().startswith("inputs.") else m[0], value)


def _artifact(action: str, inputs: dict[str, str], span: Span) -> tuple[str, Artifact] | None:
    if action == "actions/upload-artifact":
        return "produces", Artifact(inputs.get("name") or "artifact", span)
    if action == "actions/upload-pages-artifact":
        return "produces", Artifact(inputs.get("name") or "github-pages", span)
    if action == "actions/deploy-pages":
        return "consumes", Artifact(inputs.get("artifact_name") or "github-pages", span)
    if action in ("actions/download-artifact", "dawidd6/action-download-artifact"):
        name = inputs.get("name") or inputs.get("pattern") or "*"
        run = inputs.get("run-id") or inputs.get("run_id") or ""
        source = None
        if "workflow_run" in run:
            source = "upstream"
        elif run or inputs.get("workflow"):
            source = inputs.get("workflow") or "other-run"
        return "consumes", Artifact(name, span, source)
    return None


def _outcome_checked(step: Map, steps: Seq, index: int) -> bool:
    """Whether a later step reads this step's ``outcome`` (``if: steps.test.outcome ==
    'failure'``): the job then handles the failure, typically failing after uploading
    reports."""
    step_id = step.get("id")
    if not isinstance(step_id, str):
        return False
    pattern = re.compile(r"steps\.%s\.outcome\b" % re.escape(step_id))
    for later in list(steps)[index + 1:]:
        if isinstance(later, Map) and any(pattern.search(text(later.get(k))) for k in ("if", "run")):
            return True
    return False


def _needs(job: Map, span: Span) -> list[tuple[str, Span]]:
    value = job.get("needs")
    if isinstance(value, str):
        return [(value, job.value_span("needs"))]
    if isinstance(value, Seq):
        return [(text(n), value.item_span(i)) for i, n in enumerate(value) if isinstance(n, (str, int))]
    return []


def _strings(value) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, Seq):
        return tuple(text(v) for v in value if not isinstance(v, (Map, Seq)))
    if isinstance(value, Map):
        return ()
    return (text(value),)


def _patterns(value) -> tuple[str, ...] | None:
    return None if value is None else _strings(value)


def _matrix(strategy) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(strategy, Map):
        return ()
    matrix = strategy.get("matrix")
    if isinstance(matrix, str):
        return (("*", (matrix,)),)
    if not isinstance(matrix, Map):
        return ()
    axes: dict[str, list[str]] = {}
    for key, values in matrix.items():
        key = text(key)
        if key in ("include", "exclude"):
            continue
        if isinstance(values, Seq):
            axes[key] = [text(v) for v in values if not isinstance(v, (Map, Seq))]
        else:
            axes[key] = [text(values)]
    include = matrix.get("include")
    if isinstance(include, Seq):
        for entry in include:
            if isinstance(entry, Map):
                for key, value in entry.items():
                    if not isinstance(value, (Map, Seq)):
                        values = axes.setdefault(text(key), [])
                        if text(value) not in values:
                            values.append(text(value))
    return tuple((k, tuple(v)) for k, v in axes.items())


def _services(value) -> list[str]:
    if not isinstance(value, Map):
        return []
    found = []
    for name, spec in value.items():
        image = _image(spec)
        found.append(image or text(name))
    return found


def _image(value) -> str | None:
    if isinstance(value, Map):
        value = value.get("image")
    return text(value) if isinstance(value, (str, int, float)) and value != "" else None


"""GitLab CI (``.gitlab-ci.yml`` with its includes) into the stage graph.

The configuration is composed first (:mod:`cdlint.parsers.glcompose`:
includes, ``extends``, ``!reference``, ``default:``); then every visible job
is a stage. Order edges follow GitLab's scheduling: a job without ``needs``
waits for every job of the nearest earlier stage that can run in the same
pipeline; ``needs`` replaces that, and ``needs: []`` starts at once. Artifact
edges follow GitLab's passing of artifacts: by default a job downloads the
artifacts of every job of earlier stages, ``needs`` narrows that to the
needed jobs, ``dependencies`` to the named ones.

When a job runs is read from ``rules``/``only``/``except``
(:mod:`cdlint.parsers.glexpr`) per kind of pipeline; ``workflow:rules`` decide
which pushes, merge requests, schedules … create a pipeline at all. Child
pipelines (``trigger: include``) are linked by the project builder through
``Stage.calls``; other projects' pipelines, remote includes, templates and
components are recorded, never fetched.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, replace
from functools import cached_property

from cdlint.errors import ParseError
from cdlint.model import (
    Artifact,
    Condition,
    Edge,
    Environment,
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
from cdlint.parsers import glexpr
from cdlint.parsers.common import check_edges, environment, link_artifacts, make_step, text
from cdlint.parsers.detection import GITLAB_FILENAME as FILENAME
from cdlint.parsers.glcompose import Composed, Composer, content, flatten, origin
from cdlint.parsers.glexpr import EMPTY, KINDS, UNIVERSE, Reading, meet, minus, overlap, tidy
from cdlint.workspace import Workspace
from cdlint.yamlload import Map, Seq, load

# GitLab ``artifacts:reports`` types as the reports they are (coverage has several formats).
_REPORT_NAMES = {"coverage_report": "coverage", "cobertura": "coverage"}

PLATFORM = "gitlab"
DEFAULT_STAGES = ("build", "test", "deploy")
WHEN = ("on_success", "on_failure", "always", "manual", "delayed", "never")
# How far a `when` lets a job run on its own, for picking the one that matters.
_PERMISSIVE = {"always": 5, "on_success": 4, "delayed": 3, "manual": 2, "on_failure": 1, "never": 0}
_EVENTS = {"push": "push", "tag": "tag", "pull_request": "merge_request_event", "schedule": "schedule",
           "manual": "web", "api": "api", "upstream": "pipeline"}
_VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")
_ACTIONS = ("start", "prepare", "stop", "verify", "access")
# Keys of a top-level mapping that say it is not a GitLab configuration: GitHub
# workflows, Azure pipelines and templates.
_FOREIGN_KEYS = frozenset({"on", "jobs", "steps", "pool", "pr", "resources", "parameters", "extends", "name",
                           "schedules", "lockBehavior", "appendCommitMessageToRunName"})


def is_configuration(text_: str, path: str) -> bool:
    """Whether ``text_`` is a mapping of GitLab stages and jobs that is not another platform's file."""
    try:
        data = content(load(text_, path))
    except ParseError:
        # Discovery reads the head of a big file: retry up to its last top-level key.
        tops = [m.start() for m in re.finditer(r"^[^\s#-]", text_, re.M)]
        if len(tops) < 2:
            return False
        try:
            data = content(load(text_[: tops[-1]], path))
        except ParseError:
            return False
    if not isinstance(data, Map) or any(k in data for k in _FOREIGN_KEYS):
        return False
    stages = data.get("stages")
    if isinstance(stages, Seq) and stages and all(isinstance(s, str) for s in stages):
        return True
    # Azure's `stages` list mappings and its scripts are steps; GitLab jobs hold scripts.
    return any(isinstance(v, Map) and "steps" not in v and ("script" in v or "trigger" in v) for v in data.values())


def repository_root(path: str, workspace: Workspace | None) -> str:
    """The repository directory of a configuration file: the directory of ``.gitlab-ci.yml``,
    else the nearest directory above the file holding one, else the scanned root."""
    directory = posixpath.dirname(path)
    if posixpath.basename(path) == FILENAME:
        return directory
    if workspace is None or workspace.root is None:
        return ""
    while directory:
        if workspace.exists(f"{directory}/{FILENAME}"):
            return directory
        directory = posixpath.dirname(directory)
    return ""


def parse(text_: str, path: str, workspace: Workspace | None = None) -> Pipeline:
    """Parse one configuration file with what it includes; a file that cannot be read raises ParseError."""
    workspace = workspace or Workspace()
    document = load(text_, path)
    data = content(document)
    if data is None:
        raise ParseError("pipeline file is empty", Span(path, 1, 1))
    if not isinstance(data, Map):
        raise ParseError("a GitLab CI configuration must be a mapping of jobs and keywords", _span_of(data, path))
    root = repository_root(path, workspace)
    composed = Composer(path, root, workspace).compose(data)
    reader = _Reader(path, root, workspace, composed)
    reader.problems.extend(Problem("parse-error", e.span, e.message) for e in document.problems)
    return reader.pipeline(data)


def _span_of(value, path: str) -> Span:
    return value.span() if isinstance(value, (Map, Seq)) else Span(path, 1, 1)


@dataclass
class _Job:
    """A visible job while the graph is built."""

    name: str
    data: Map
    span: Span
    group: str
    index: int
    regions: dict[str, frozenset[str]]
    when: str
    allow_failure: bool
    condition: Condition
    needs: list[tuple[str, Span, bool, bool]] | None = None
    stage: Stage | None = None
    rule_values: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Pipeline kinds in which a rule makes the job manual while another runs it by itself
    # (a play button in merge request pipelines, automatic on schedules).
    manual_on: frozenset[str] = frozenset()


@dataclass
class _Outcome:
    when: str
    allow_failure: bool
    span: Span
    text: str
    variables: dict[str, str]
    kinds: frozenset[str] = frozenset()  # the pipeline kinds that reach the rule


class _Reader:
    def __init__(self, path: str, root: str, workspace: Workspace, composed: Composed) -> None:
        self.path = path
        self.root = root
        self.workspace = workspace
        self.composed = composed
        self.config = composed.config
        self.problems: list[Problem] = list(composed.problems)
        self.references: list[Reference] = list(composed.references)
        self.files: set[str] = set(composed.files)
        self.mentions: dict[str, Span] = {}
        # What each ``variables:`` mapping sets, by the mapping's identity: the jobs that
        # extend one template share its mapping, and read it once (3,000 jobs of a template
        # with 3,000 variables would otherwise build nine million entries).
        self._read_variables: dict[tuple[int, bool], dict[str, str]] = {}
        self._read_settings: dict[int, tuple[tuple[str, str, Span], ...]] = {}
        # Variables the file sets in jobs (not globally) are switches of those jobs: fixed
        # where set, unset elsewhere. Global ones are defaults that a schedule or a manual
        # run may override, so their value is not taken for granted.
        self.global_names = set(self.variables(self.config.get("variables"), static=False))
        self.global_settings = tuple(_settings(self.config.get("variables")))
        self.job_switches = {
            name for job in composed.jobs.values() for name in self.variables(job.get("variables"), static=False)
        } - self.global_names

    def problem(self, span: Span, message: str, rule: str = "parse-error", key: str = "") -> None:
        self.problems.append(Problem(rule, span, message, key))

    def variables(self, value, static: bool = True) -> dict[str, str]:
        """:func:`_variables` of a mapping, read once per mapping (the result is shared: do
        not change it)."""
        if not isinstance(value, Map):
            return {}
        found = self._read_variables.get((id(value), static))
        if found is None:
            found = self._read_variables[(id(value), static)] = _variables(value, static)
        return found

    def settings(self, value) -> tuple[tuple[str, str, Span], ...]:
        """The global settings and then what the job's ``variables:`` mapping sets, one
        tuple per mapping."""
        key = id(value) if isinstance(value, Map) else 0
        found = self._read_settings.get(key)
        if found is None:
            found = self._read_settings[key] = self.global_settings + tuple(_settings(value))
        return found

    def pipeline(self, data: Map) -> Pipeline:
        stages = self.stage_names()
        jobs = []
        for name, job in self.composed.jobs.items():
            if name.startswith("."):
                continue
            jobs.append(self.job(name, job, stages))
        workflow = self.workflow()
        triggers = self.triggers(workflow, jobs, data)
        names = {j.name for j in jobs}
        for job in jobs:
            job.stage = self.link_stop(self.stage(job), job.data, names)
        built = [job.stage for job in jobs]
        order = self.order(jobs)
        edges = order + link_artifacts(built, order)
        workflow_map = self.config.get("workflow")
        name = workflow_map.get("name") if isinstance(workflow_map, Map) else None
        return Pipeline(
            path=self.path,
            platform=PLATFORM,
            name=text(name) if isinstance(name, (str, int, float)) else posixpath.basename(self.path),
            span=data.span(),
            triggers=tuple(triggers),
            stages=tuple(built),
            edges=sorted_edges(edges),
            references=tuple(dict.fromkeys(self.references)),
            problems=tuple(self.problems),
            files=tuple(sorted(self.files)),
        )

    # --- stages and conditions ----------------------------------------------------

    def stage_names(self) -> list[str]:
        key = "stages" if "stages" in self.config else "types"
        value = self.config.get(key)
        if value is None:
            names = list(DEFAULT_STAGES)
        else:
            names = [text(s) for s, span in flatten(value, self.config.value_span(key)) if isinstance(s, (str, int, float))]
            if not isinstance(value, Seq):
                self.problem(self.config.value_span(key), "'stages' must be a list of stage names")
        # GitLab always runs `.pre` first and `.post` last.
        names = [n for n in names if n not in (".pre", ".post")]
        return [".pre", *dict.fromkeys(names), ".post"]

    def job(self, name: str, job: Map, stages: list[str]) -> _Job:
        span = self.composed.spans.get(name, job.span())
        group = text(job.get("stage")) if job.get("stage") is not None else "test"
        if group in stages:
            index = stages.index(group)
        else:
            # GitLab rejects the pipeline; a template that is not read may define the stage.
            if self.composed.complete:
                where = job.value_span("stage") if "stage" in job else span
                self.problem(where, f"job '{name}' uses stage '{group}', which 'stages' does not list")
            index = len(stages) - 1
        job_when = text(job.get("when")) if job.get("when") is not None else None
        if job_when is not None and job_when not in WHEN:
            self.problem(job.value_span("when"), f"'when: {job_when}' is not one of {', '.join(WHEN)}")
            job_when = None
        job_allow = _allow_failure(job.get("allow_failure"))
        outcomes: list[_Outcome] = []
        manual_on: frozenset[str] = frozenset()
        if "rules" in job:
            if "only" in job or "except" in job:
                self.problem(job.key_span("rules"), f"job '{name}' uses 'rules' together with 'only'/'except'")
            known: dict[str, str | None] = {n: None for n in self.job_switches}
            known.update({k: v for k, v in self.variables(job.get("variables")).items() if k not in self.global_names})
            known.update({"CI_JOB_NAME": name, "CI_JOB_STAGE": group})
            regions, outcomes = self.rules(job, job_when, job_allow, known)
            chosen = _choose(outcomes)
            when = chosen.when if chosen else "never"
            allow = chosen.allow_failure if chosen else False
            text_ = chosen.text if chosen else "rules: no rule adds the job"
            cond_span = chosen.span if chosen else job.key_span("rules")
            if when != "manual":
                manual_on = frozenset(k for o in outcomes if o.when == "manual" for k in o.kinds)
        else:
            regions, text_, cond_span = self.only_except(job)
            when = job_when or "on_success"
            allow = job_allow if job_allow is not None else when == "manual"
        if not any(regions.values()):
            when = "never"
        condition = _condition(regions, text_, cond_span)
        needs = self.needs(name, job) if "needs" in job else None
        return _Job(name, job, span, group, index, regions, when, allow, condition, needs, rule_values=_rule_values(outcomes), manual_on=manual_on)

    def rules(
        self, job: Map, job_when: str | None, job_allow: bool | None, known: dict[str, str | None]
    ) -> tuple[dict[str, frozenset[str]], list[_Outcome]]:
        """Regions of refs per pipeline kind the job's ``rules`` admit it in, and what each
        reachable rule makes of it. Rules are first-match."""
        remaining = dict(UNIVERSE)
        regions = {k: EMPTY for k in KINDS}
        outcomes = []
        value = job["rules"]
        if value is not None and not isinstance(value, Seq):
            self.problem(job.value_span("rules"), "'rules' must be a list of rules")
            return regions, outcomes
        for rule, span in flatten(value, job.value_span("rules")):
            if not isinstance(rule, Map):
                self.problem(span, "a rule must be a mapping such as {if: ..., when: ...}")
                continue
            reading = self.rule_reading(rule, known)
            when = text(rule.get("when")) if rule.get("when") is not None else (job_when or "on_success")
            if when not in WHEN:
                self.problem(rule.value_span("when"), f"'when: {when}' is not one of {', '.join(WHEN)}")
                when = "on_success"
            reach = {k: meet(remaining[k], reading.may[k]) for k in KINDS}
            if any(reach.values()) and when != "never":
                for k in KINDS:
                    regions[k] = tidy(regions[k] | reach[k])
                if _allow_failure(rule.get("allow_failure")) is not None:
                    allow = _allow_failure(rule["allow_failure"])
                elif job_allow is not None:
                    allow = job_allow
                else:
                    # GitLab: a job-level `when: manual` does not block the pipeline; a
                    # `when: manual` written in a rule does, unless it says otherwise.
                    allow = when == "manual" and rule.get("when") is None
                kinds = frozenset(k for k in KINDS if reach[k])
                outcomes.append(_Outcome(when, allow, span, _rule_text(rule, when), _variables(rule.get("variables")), kinds))
            remaining = {k: minus(remaining[k], reading.must[k]) for k in KINDS}
        return regions, outcomes

    def rule_reading(self, rule: Map, known: dict[str, str | None]) -> Reading:
        reading = Reading.always()
        if "if" in rule:
            reading = glexpr.read(rule.get("if"), known)
            self.mention(reading, rule.value_span("if"))
        if "changes" in rule:
            # Which files a push changes is not in the file: the rule may or may not match.
            reading = reading.both(Reading.unknown())
        if "exists" in rule:
            found = self.exists(rule["exists"])
            if found is False:
                return Reading.never()
            if found is None:
                reading = reading.both(Reading.unknown())
        return reading

    def exists(self, value) -> bool | None:
        """Whether ``rules:exists`` finds a file in this repository (None: cannot tell)."""
        if isinstance(value, Map):
            if "project" in value:
                return None
            value = value.get("paths")
        patterns = [text(p) for p, _ in flatten(value, Span(self.path, 1, 1)) if isinstance(p, str)]
        if not patterns or self.workspace.root is None or any("$" in p for p in patterns):
            return None
        prefix = self.root + "/" if self.root else ""
        for pattern in patterns:
            target = self.workspace.normalize(prefix + pattern.lstrip("/"))
            if target is None:
                continue
            if any(c in target for c in "*?[") and self.workspace.glob(target):
                return True
            if self.workspace.exists(target):
                return True
        return False

    def mention(self, reading: Reading, span: Span) -> None:
        for kind in sorted(reading.mentions):
            self.mentions.setdefault(kind, span)

    def only_except(self, job: Map) -> tuple[dict[str, frozenset[str]], str, Span | None]:
        only, span, text_ = job.get("only"), None, ""
        if "only" in job:
            span, text_ = job.key_span("only"), "only: " + _summary(only)
        admitted = self.refs_filter(only, job.value_span("only") if "only" in job else None, default=True)
        if "except" in job:
            excluded = self.refs_filter(job["except"], job.value_span("except"), default=False)
            admitted = Reading(
                {k: minus(admitted.may[k], excluded.must[k]) for k in KINDS},
                {k: minus(admitted.must[k], excluded.may[k], exact=True) for k in KINDS},
            )
            span = span or job.key_span("except")
            text_ = (text_ + "; " if text_ else "") + "except: " + _summary(job["except"])
        return dict(admitted.may), text_, span

    def refs_filter(self, value, span: Span | None, default: bool) -> Reading:
        """What ``only``/``except`` (a list of refs, or ``{refs, variables, changes, kubernetes}``) admits."""
        if value is None:
            # Without `only`, jobs run for branches and tags: never in merge request pipelines.
            return glexpr.read_only_refs(["branches", "tags"]) if default else Reading.never()
        refs = value
        conditional = False
        if isinstance(value, Map):
            refs = value.get("refs")
            conditional = any(k in value for k in ("variables", "changes", "kubernetes"))
        if refs is None:
            # `only: {variables: ...}` keeps the default refs; `except: {variables: ...}` excludes
            # whatever the variables say, on any ref.
            names = ["branches", "tags"] if default else []
            reading = glexpr.read_only_refs(names) if default else (Reading.always() if conditional else Reading.never())
        else:
            names = [text(r) for r, _ in flatten(refs, span or Span(self.path, 1, 1)) if isinstance(r, (str, int, float))]
            reading = glexpr.read_only_refs(names)
        if span is not None:
            self.mention(reading, span)
        if conditional:
            reading = reading.both(Reading.unknown())
        return reading

    def needs(self, name: str, job: Map) -> list[tuple[str, Span, bool, bool]]:
        """``(job, span, artifacts, optional)`` for each job-level need of this pipeline."""
        value = job["needs"]
        found = []
        for item, span in flatten(value, job.value_span("needs")):
            if isinstance(item, (str, int, float)):
                found.append((text(item), span, True, False))
            elif isinstance(item, Map) and "job" in item:
                artifacts = item.get("artifacts", True) is not False
                if "pipeline" in item or "project" in item:
                    continue  # another pipeline's job: an artifact source, not an order edge
                found.append((text(item["job"]), span, artifacts, item.get("optional") is True))
            elif isinstance(item, Map) and "pipeline" in item:
                continue  # `needs: {pipeline: $PARENT_PIPELINE_ID}` waits for nothing here
            else:
                self.problem(span, f"a need of '{name}' must name a job")
        return found

    # --- workflow and triggers -------------------------------------------------------

    def workflow(self) -> tuple[dict[str, frozenset[str]], dict[str, Span]] | None:
        """Refs per pipeline kind ``workflow:rules`` create pipelines for, with the rule that
        admits each kind; None without workflow rules."""
        workflow = self.config.get("workflow")
        if not isinstance(workflow, Map) or "rules" not in workflow:
            return None
        remaining = dict(UNIVERSE)
        regions = {k: EMPTY for k in KINDS}
        spans: dict[str, Span] = {}
        for rule, span in flatten(workflow["rules"], workflow.value_span("rules")):
            if not isinstance(rule, Map):
                self.problem(span, "a workflow rule must be a mapping such as {if: ..., when: ...}")
                continue
            reading = self.rule_reading(rule, {n: None for n in self.job_switches})
            when = text(rule.get("when")) if rule.get("when") is not None else "always"
            reach = {k: meet(remaining[k], reading.may[k]) for k in KINDS}
            if when != "never":
                for k in KINDS:
                    if reach[k]:
                        regions[k] = tidy(regions[k] | reach[k])
                        spans.setdefault(k, span)
            remaining = {k: minus(remaining[k], reading.must[k]) for k in KINDS}
        return regions, spans

    def triggers(self, workflow, jobs: list[_Job], data: Map) -> list[Trigger]:
        """What creates a pipeline from this file: pushes of branches and tags; merge requests
        when the workflow or a job admits them; schedules, "Run pipeline", the API and
        upstream pipelines when the file names them."""
        default_span = data.span()
        kinds = ["push", "tag"]
        if workflow is not None or any(j.regions["pull_request"] for j in jobs):
            kinds.append("pull_request")
        kinds += [k for k in ("schedule", "manual", "api", "upstream") if k in self.mentions]
        found = []
        for kind in kinds:
            if workflow is not None:
                regions, spans = workflow
                if not regions[kind]:
                    continue
                region, span = regions[kind], spans[kind]
            elif kind == "pull_request":
                region = UNIVERSE[kind]
                span = next((j.condition.span for j in jobs if j.regions[kind] and j.condition.span), default_span)
            else:
                region = UNIVERSE[kind]
                span = default_span if kind in ("push", "tag") else self.mentions[kind]
            found.append(_trigger(kind, region, span, self.inputs if kind == "manual" else ()))
        return found

    @cached_property
    def choices(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Values a person may pick for the global variables offered with ``options``."""
        return tuple((i.name, i.choices) for i in self.inputs if i.choices)

    @cached_property
    def inputs(self) -> tuple[Input, ...]:
        """Global variables with a ``description`` are offered, prefilled, in the form of
        "Run pipeline"; a person may change them."""
        variables = self.config.get("variables")
        if not isinstance(variables, Map):
            return ()
        found = []
        for key, item in variables.items():
            if isinstance(item, Map) and "description" in item:
                options = tuple(text(o) for o, _ in flatten(item.get("options"), variables.key_span(key)))
                default = item.get("value")
                found.append(Input(text(key), variables.key_span(key), choices=options,
                                   default=None if default is None else text(default)))
        return tuple(found)

    # --- a job's stage ----------------------------------------------------------------

    def stage(self, job: _Job) -> Stage:
        data = job.data
        variables = self.variables(data.get("variables"))
        matrix = _matrix(data.get("parallel"))
        steps = self.steps(job)
        facts = set()
        if job.when == "manual":
            facts.add("when:manual")
        facts |= {f"manual-on:{kind}" for kind in job.manual_on}
        for keyword in ("release", "interruptible", "coverage"):
            if data.get(keyword) not in (None, False):
                facts.add(keyword)
        if job.name == "pages" or data.get("pages") not in (None, False):
            facts.add("pages")
        reports = self.reports(data)
        facts |= {f"report:{report}" for report in reports}
        calls = self.trigger_call(job) if "trigger" in data else None
        env = self.environment(job, variables, matrix)
        stage = Stage(
            id=job.name,
            name=job.name,
            pipeline=self.path,
            span=job.span,
            group=job.group,
            steps=tuple(steps),
            environment=env,
            when=job.when,
            allow_failure=job.allow_failure,
            allow_failure_at=self.allow_failure_at(job),
            condition=job.condition,
            services=tuple(_services(data.get("services"))),
            image=_image(data.get("image")),
            produces=tuple(self.produces(job)),
            consumes=tuple(self.consumes(job)),
            reports=tuple(sorted({_REPORT_NAMES.get(r, r) for r in reports})),
            facts=frozenset(facts),
            matrix=matrix,
            concurrency=_substitute(text(group), variables) if (group := data.get("resource_group")) not in (None, "") else None,
            template=self.template(job, matrix),
            calls=calls,
            variables=self.settings(data.get("variables")),
        )
        return stage

    def steps(self, job: _Job) -> list[Step]:
        data = job.data
        steps = []
        for key in ("before_script", "script", "after_script"):
            if key not in data:
                continue
            template = origin(data, key)
            # after_script runs whatever happened, and its failure never fails the job.
            after = key == "after_script"
            for item, span in flatten(data[key], data.value_span(key)):
                if isinstance(item, (Map, Seq)):
                    self.problem(span, f"'{key}' of '{job.name}' must hold commands (strings), not a mapping")
                    continue
                steps.append(
                    make_step(span, run=text(item), allow_failure=after, when="always" if after else "on_success", origin=template)
                )
        if data.get("release") is not None:
            steps.append(make_step(data.key_span("release"), name="release", uses="release", origin=origin(data, "release")))
        return steps

    def reports(self, data: Map) -> list[str]:
        found = []
        artifacts = data.get("artifacts")
        if isinstance(artifacts, Map) and isinstance(artifacts.get("reports"), Map):
            found += [text(k) for k in artifacts["reports"]]
        if data.get("coverage") not in (None, False, ""):
            found.append("coverage_report")
        return found

    def produces(self, job: _Job) -> list[Artifact]:
        artifacts = job.data.get("artifacts")
        if not isinstance(artifacts, Map):
            return []
        reports = artifacts.get("reports") if isinstance(artifacts.get("reports"), Map) else {}
        # Files (paths, untracked) and dotenv variables reach later jobs; test and scan
        # reports go to GitLab only.
        if artifacts.get("paths") or artifacts.get("untracked") is True or "dotenv" in reports:
            return [Artifact(job.name, job.data.key_span("artifacts"))]
        return []

    def consumes(self, job: _Job) -> list[Artifact]:
        data = job.data
        if "dependencies" in data:
            found = []
            for item, span in flatten(data["dependencies"], data.value_span("dependencies")):
                if isinstance(item, (str, int, float)):
                    name = _instance_of(text(item), self.composed.jobs)
                    found.append(Artifact(name, span))
                    if name not in self.composed.jobs or name.startswith("."):
                        self.unknown(job.name, name, span, "dependencies")
            return found
        if "needs" in data:
            found = []
            for item, span in flatten(data["needs"], data.value_span("needs")):
                if isinstance(item, (str, int, float)):
                    found.append(Artifact(_instance_of(text(item), self.composed.jobs), span))
                elif isinstance(item, Map) and item.get("artifacts", True) is not False and "job" in item:
                    name = _instance_of(text(item["job"]), self.composed.jobs)
                    if item.get("optional") is True and name not in self.composed.jobs:
                        continue
                    if "project" in item:
                        project = text(item["project"])
                        found.append(Artifact(name, span, source=project))
                        self.references.append(
                            Reference("pipeline", f"{project}:{name}", span, "artifacts of another project's pipeline are not read")
                        )
                    elif "pipeline" in item:
                        found.append(Artifact(name, span, source="upstream"))
                    else:
                        found.append(Artifact(name, span))
            return found
        # GitLab's default: every artifact of every job of the earlier stages.
        return [Artifact("*", job.span)]

    def unknown(self, job: str, name: str, span: Span, keyword: str) -> None:
        """A job that names a job this pipeline lacks (unless an unread include may define it)."""
        if not self.composed.complete:
            return
        what = {
            "needs": f"job '{job}' needs '{name}'",
            "dependencies": f"job '{job}' takes the artifacts of '{name}' ('dependencies')",
            "on_stop": f"environment of '{job}' is stopped by '{name}' ('on_stop')",
        }[keyword]
        self.problem(span, f"{what}, which is not a job of this pipeline", "unknown-dependency", f"{job}->{name}")

    def environment(self, job: _Job, variables: dict[str, str], matrix) -> Environment | None:
        data = job.data
        value = data.get("environment")
        if value is None:
            return None
        span = data.value_span("environment")
        fields: dict = {"external_gates": True}
        tier = None
        if isinstance(value, Map):
            if "name" in value:
                span = value.value_span("name")
            url, action = value.get("url"), value.get("action")
            if url is not None:
                fields["url"] = text(url)
            if action is not None and text(action) in _ACTIONS:
                fields["action"] = text(action)
            elif action is not None:
                self.problem(value.value_span("action"), f"environment action '{text(action)}' is not one of {', '.join(_ACTIONS)}")
            if value.get("auto_stop_in") is not None:
                fields["auto_stop"] = text(value["auto_stop_in"])
            if value.get("on_stop") is not None:
                fields["stop_stage"] = text(value["on_stop"])
            if value.get("deployment_tier") is not None:
                tier = text(value["deployment_tier"])
            value = value.get("name")
        if value is None or isinstance(value, (Map, Seq)):
            return None
        name = _substitute(text(value), variables)
        candidates = (
            _matrix_names(name, matrix) or _matrix_names(name, job.rule_values) or _matrix_names(name, self.choices)
        )
        if tier in ("production", "staging", "testing", "development", "other"):
            # An explicit deployment tier wins over what the name suggests.
            fields["tier"] = tier
        return environment(name, span, candidates=tuple(candidates), **fields)

    def link_stop(self, stage: Stage, data: Map, names: set[str]) -> Stage:
        env = stage.environment
        if env is None or env.stop_stage is None:
            return stage
        if env.stop_stage not in names:
            self.unknown(stage.id, env.stop_stage, data["environment"].value_span("on_stop"), "on_stop")
            return replace(stage, environment=replace(env, stop_stage=None))
        return stage

    def template(self, job: _Job, matrix) -> str | None:
        """The template whose script the job runs (so jobs sharing one deploy template can be
        told apart from separate deploy processes)."""
        source = origin(job.data, "script")
        names = self.composed.extends.get(job.name, ())
        name = source if source and source != "default" else (names[0] if names else None)
        if name is not None:
            where = self.composed.spans.get(name)
            return f"{where.path if where else self.path}#{name}"
        if matrix:
            return f"{self.path}#matrix:{job.name}"
        return None

    def allow_failure_at(self, job: _Job) -> Span | None:
        """Where the job's ``allow_failure: true`` is written: in the job, or in a template
        it extends, where one line may let many jobs fail."""
        if not job.allow_failure or _allow_failure(job.data.get("allow_failure")) is not True:
            return None
        return job.data.value_span("allow_failure")

    def trigger_call(self, job: _Job) -> str | None:
        """The root-relative child pipeline file a trigger job starts, or another project's pipeline."""
        data = job.data
        value = data["trigger"]
        span = data.value_span("trigger")
        if isinstance(value, str):
            value = {"project": value}
            spans = {"project": span}
        elif isinstance(value, Map):
            spans = {k: value.value_span(k) for k in value}
        else:
            self.problem(span, f"'trigger' of '{job.name}' must name a project or include a child pipeline")
            return None
        if "project" in value:
            project = text(value["project"])
            branch = value.get("branch")
            target = project + (f"@{text(branch)}" if branch is not None else "")
            self.references.append(Reference("pipeline", target, spans["project"], "pipeline of another project is not read"))
            return target
        if "include" not in value:
            return None
        locals_, others = [], 0
        for entry, where in flatten(value["include"], spans["include"]):
            local = entry if isinstance(entry, str) and not entry.startswith(("http://", "https://")) else None
            if isinstance(entry, Map) and isinstance(entry.get("local"), str):
                local, where = entry["local"], entry.value_span("local")
            if local is not None:
                locals_.append((local, where))
                continue
            others += 1
            self.references.append(_child_reference(entry, where))
        if len(locals_) != 1 or others:
            for local, where in locals_:
                self.references.append(
                    Reference("include", local, where, "child pipeline composed of several files is not read")
                )
            return None
        local, where = locals_[0]
        if "$" in local:
            self.references.append(Reference("include", local, where, "path depends on CI/CD variables"))
            return None
        target = self.workspace.normalize((self.root + "/" if self.root else "") + local.lstrip("/"))
        if target is None or (self.root and not target.startswith(self.root + "/")):
            self.problem(where, f"child pipeline '{local}' is outside the repository")
            return None
        if self.workspace.root is not None and not self.workspace.exists(target):
            self.problem(where, f"child pipeline file '{local}' does not exist")
            return None
        return target

    # --- edges ---------------------------------------------------------------------

    def order(self, jobs: list[_Job]) -> list[Edge]:
        by_name = {j.name: j for j in jobs}
        running = [j for j in jobs if j.when != "never"]
        by_index: dict[int, list[_Job]] = {}
        for j in running:
            by_index.setdefault(j.index, []).append(j)
        # Jobs mostly share their conditions: whether two can be in one pipeline is worked
        # out once per pair of distinct conditions, not per pair of jobs.
        regions_of = {id(j): tuple(j.regions[k] for k in KINDS) for j in jobs}
        known: dict[tuple, bool] = {}

        def compatible(a: tuple, b: tuple) -> bool:
            found = known.get((a, b))
            if found is None:
                found = known[(a, b)] = _compatible(dict(zip(KINDS, a)), dict(zip(KINDS, b)))
            return found

        edges = []
        for job in jobs:
            if job.needs is not None:
                for need, span, _artifacts, optional in job.needs:
                    source = by_name.get(_instance_of(need, by_name))
                    if source is None:
                        if not optional and (need not in self.composed.jobs or need.startswith(".")):
                            self.unknown(job.name, need, span, "needs")
                        continue
                    if source.when != "never" and job.when != "never":
                        # A needed job missing from the pipeline fails its creation, unless
                        # the need is optional.
                        edges.append(Edge(source.stage.key, job.stage.key, "order", span, skips_with_source=not optional))
                        check_edges(len(edges), span)
                continue
            if job.when == "never":
                continue
            where = job.data.value_span("stage") if "stage" in job.data else job.span
            # GitLab starts a job when every job of the earlier stages is done; only
            # jobs that can be in the same pipeline count, and one that a run leaves out
            # holds nothing up.
            mine = regions_of[id(job)]
            for index in range(job.index - 1, -1, -1):
                before = [b for b in by_index.get(index, []) if compatible(regions_of[id(b)], mine)]
                if before:
                    edges.extend(
                        Edge(b.stage.key, job.stage.key, "order", where, skips_with_source=False) for b in before
                    )
                    check_edges(len(edges), where)
                    break
        return edges


def _choose(outcomes: list[_Outcome]) -> _Outcome | None:
    """The outcome that decides how freely a job runs: the most permissive reachable rule
    (a job that runs on success on one branch and on failure on another runs anyway),
    failing the pipeline when it fails if any such rule makes it."""
    if not outcomes:
        return None
    whens = {o.when for o in outcomes}
    if {"on_success", "on_failure"} <= whens and "always" not in whens:
        first = next(o for o in outcomes if o.when in ("on_success", "on_failure"))
        return replace(first, when="always")
    best = max(_PERMISSIVE[o.when] for o in outcomes)
    # A job allowed to fail in some pipelines (say, scheduled ones) still gates the others.
    chosen = [o for o in outcomes if _PERMISSIVE[o.when] == best]
    return next((o for o in chosen if not o.allow_failure), chosen[0])


def _child_reference(entry, span: Span) -> Reference:
    """What a child pipeline includes that is not a local file."""
    if isinstance(entry, Map):
        if "artifact" in entry:
            job = f" of job '{text(entry.get('job'))}'" if "job" in entry else ""
            return Reference("include", text(entry["artifact"]), span, f"child pipeline generated as an artifact{job} is not read")
        for key in ("template", "remote", "component"):
            if key in entry:
                return Reference("include", text(entry[key]), span, f"{key} of a child pipeline is not read")
        if "project" in entry:
            files = ", ".join(text(f) for f, _ in flatten(entry.get("file"), span))
            return Reference("include", f"{text(entry['project'])}:{files}", span, "child pipeline file of another project is not read")
    return Reference("include", _summary(entry), span, "part of a child pipeline that is not read")


def _allow_failure(value) -> bool | None:
    """``allow_failure`` as written (None: not set). ``{exit_codes: [...]}`` lets the job fail
    only with those codes; a failing test or build exits with 1, so only a list with 1
    lets ordinary failures through."""
    if isinstance(value, bool):
        return value
    if isinstance(value, Map) and "exit_codes" in value:
        return any(c == 1 for c, _ in flatten(value["exit_codes"], Span("", 1, 1)))
    return None


_INSTANCE = re.compile(r"^(.*?)(?:: \[[^\[\]]*\]| \d+/\d+)$")


def _instance_of(name: str, jobs) -> str:
    """The job a name refers to: ``build: [linux, amd64]`` and ``test 2/4`` name one of the
    jobs GitLab generates from a ``parallel`` job."""
    if name in jobs:
        return name
    match = _INSTANCE.match(name)
    return match[1] if match and match[1] in jobs else name


def _rule_values(outcomes: list[_Outcome]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Values the reachable rules give variables (``rules:variables``), for names built from them."""
    values: dict[str, list[str]] = {}
    for outcome in outcomes:
        for key, value in outcome.variables.items():
            seen = values.setdefault(key, [])
            if value not in seen:
                seen.append(value)
    return tuple((k, tuple(v)) for k, v in values.items())


def _rule_text(rule: Map, when: str) -> str:
    parts = []
    for key in ("if", "changes", "exists"):
        if key in rule:
            parts.append(f"{key}: {_summary(rule[key])}")
    if rule.get("when") is not None or not parts:
        parts.append(f"when: {when}")
    return ", ".join(parts)


def _summary(value) -> str:
    if isinstance(value, Map):
        return "{" + ", ".join(f"{text(k)}: {_summary(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Seq):
        return "[" + ", ".join(_summary(v) for v in value) + "]"
    return text(value)


def _condition(regions: dict[str, frozenset[str]], text_: str, span: Span | None) -> Condition:
    """A Condition from the refs a job may run for, per pipeline kind."""
    allowed = [k for k in KINDS if regions[k]]
    missing = [k for k in KINDS if not regions[k]]
    if not allowed:
        return Condition(text_, span, refs=(), events=())
    events: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    if missing:
        if len(missing) < len(allowed):
            exclude = tuple(missing)
        else:
            events = tuple(allowed)
    limited = any(regions[k] != UNIVERSE[k] for k in allowed)
    refs = tuple(sorted({r for k in allowed for r in regions[k]})) if limited else None
    return Condition(text_, span, refs=refs, events=events, exclude_events=exclude)


def _compatible(a: dict[str, frozenset[str]], b: dict[str, frozenset[str]]) -> bool:
    """Whether two jobs can be in one pipeline: some kind of pipeline and ref admits both."""
    return any(overlap(x, y) for k in KINDS for x in a[k] for y in b[k])


def _trigger(kind: str, region: frozenset[str], span: Span, inputs: tuple[Input, ...] = ()) -> Trigger:
    event = _EVENTS[kind]
    branches = tags = None
    heads = sorted(r[11:] for r in region if r.startswith("refs/heads/"))
    tag_names = sorted(r[10:] for r in region if r.startswith("refs/tags/"))
    if kind == "push" and glexpr.HEADS not in region:
        branches = tuple(heads)
    if kind == "tag" and glexpr.TAGS not in region:
        tags = tuple(tag_names)
    on_success = kind == "upstream"
    return Trigger(kind, span, event, branches=branches, tags=tags, inputs=inputs, on_success_only=on_success)


def _variables(value, static: bool = True) -> dict[str, str]:
    """CI/CD variables a ``variables:`` mapping sets to fixed values (all it sets, when not
    ``static``). Values that use other variables, and those offered to be filled in on
    a manual run (with a ``description``), are not fixed."""
    if not isinstance(value, Map):
        return {}
    found = {}
    for key, item in value.items():
        if isinstance(item, Map):
            if "description" in item and static:
                continue
            item = item.get("value")
        if not static:
            found[text(key)] = ""
        elif isinstance(item, (str, int, float)) and not isinstance(item, bool) and "$" not in text(item):
            found[text(key)] = text(item)
    return found


def _settings(value) -> list[tuple[str, str, Span]]:
    """What a ``variables:`` mapping sets, as written (values may use other variables),
    where; variables offered to be filled in on a manual run are left out."""
    if not isinstance(value, Map):
        return []
    found = []
    for key, item in value.items():
        span = value.value_span(key)
        if isinstance(item, Map):
            if "description" in item:
                continue
            span = item.value_span("value") if "value" in item else span
            item = item.get("value")
        if isinstance(item, (str, int, float)) and not isinstance(item, bool):
            found.append((text(key), text(item), span))
    return found


def _substitute(name: str, variables: dict[str, str]) -> str:
    """An environment name with the variables the file sets to fixed values filled in."""
    for _ in range(3):
        replaced = _VARIABLE.sub(lambda m: variables.get(m[1], m[0]) if "$" not in variables.get(m[1], "$") else m[0], name)
        if replaced == name:
            break
        name = replaced
    return name


def _matrix(value) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if isinstance(value, int) and not isinstance(value, bool) and value > 1:
        return (("CI_NODE_INDEX", tuple(str(i) for i in range(1, min(value, 200) + 1))),)
    if not isinstance(value, Map) or not isinstance(value.get("matrix"), Seq):
        return ()
    axes: dict[str, list[str]] = {}
    for entry in value["matrix"]:
        if not isinstance(entry, Map):
            continue
        for key, values in entry.items():
            seen = axes.setdefault(text(key), [])
            for v, _ in flatten(values, Span("", 1, 1)):
                if not isinstance(v, (Map, Seq)) and text(v) not in seen:
                    seen.append(text(v))
    return tuple((k, tuple(v)) for k, v in axes.items())


def _matrix_names(name: str, matrix) -> list[str]:
    """The environment names a job deploys to when its name uses a variable of a matrix
    (or one with a list of options)."""
    for axis, values in matrix:
        if re.search(r"\$\{?" + re.escape(axis) + r"\b\}?", name):
            # The value as written, not a replacement template (a "\\d" in it is two characters).
            found = [re.sub(r"\$\{?" + re.escape(axis) + r"\b\}?", lambda _, v=v: v, name) for v in values]
            return [n for n in found if "$" not in n]
    return []


def _services(value) -> list[str]:
    found = []
    for item, _ in flatten(value, Span("", 1, 1)):
        image = _image(item)
        if image:
            found.append(image)
    return found


def _image(value) -> str | None:
    if isinstance(value, Map):
        value = value.get("name")
    return text(value) if isinstance(value, (str, int, float)) and value != "" else None


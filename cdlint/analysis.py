"""Questions several rules ask of the model: what counts as a gate, a production deploy,
a failure that is ignored. One answer here, so rules agree with each other.

Everything here reads what classification annotated (tags, their signals, deliveries);
nothing here decides what a command or a name means."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable

from cdlint import classify
from cdlint.classify import kinds
from cdlint.finding import Evidence
from cdlint.model import KINDS, Delivery, Environment, Pipeline, Project, Span, Stage, Step, Trigger


def failure_ignored(step: Step) -> bool:
    """Whether a step's failure cannot fail its stage (``continue-on-error``, ``|| true`` …)."""
    return failure_reason(step) is not None


def test_steps(stage: Stage) -> list[Step]:
    return stage.steps_tagged("test")


def named_only(step: Step) -> bool:
    """Whether a step's kinds come from its name alone ("Clean up E2E runs", "Set a flag
    when a test fails"), not from what it runs."""
    kind_signals = [sig for sig in step.signals if sig.tag.partition(":")[0] in KINDS]
    return bool(kind_signals) and all(sig.weak for sig in kind_signals)


def runs_tests(stage: Stage) -> bool:
    """Whether a stage runs tests: a test step, or a stage named as a test whose steps do
    nothing else cdlint knows (its own test script). A stage whose steps cdlint did not
    read, or that scans or publishes, is not a test by its name alone."""
    if any(not named_only(s) for s in test_steps(stage)):
        return True
    # Named as a test: by the stage's own name, or by what the platform says of the job
    # (a JUnit report); not by one step's name ("Test if the Dockerfile exists").
    own = {sig.tag for sig in stage.signals}
    if "test" not in kinds(own) or not stage.steps:
        return False
    return not kinds(t for s in stage.steps if not named_only(s) for t in s.tags) - {"build"}


def benchmarks_only(steps: Iterable[Step]) -> bool:
    """Whether the test steps among ``steps`` all run benchmarks (timings, not verdicts)."""
    tests = [s for s in steps if has_tag(s.tags, "test")]
    return bool(tests) and all({t for t in s.tags if t == "test" or t.startswith("test:")} == {"test:performance"} for s in tests)


_OPAQUE = re.compile(r"^\s*(?:\$\{\{[^}]*\}\}|\$\{?[A-Za-z_][\w.]*\}?|\$\([\w.]+\))\s*$")
_CHOSEN = re.compile(r"\$\{\{(?:[^}$]|\$(?!\{\{))*\b(?:matrix|inputs|parameters)\.")


def opaque_steps(stage: Stage) -> list[Step]:
    """Steps whose command is a variable, or takes its arguments from the matrix or the
    inputs (``${{ matrix.task.run }}``, ``jest --selectProjects ${{ matrix.projects }}``):
    what they run is decided outside the command cdlint reads."""
    return [s for s in stage.steps if s.run is not None and (_OPAQUE.match(s.run) or _CHOSEN.search(s.run))]


def test_runner_steps(stage: Stage) -> list[Step]:
    """Steps that run a test runner cdlint knows (``pytest``, ``npm test``, ``go test``…),
    not steps it calls tests only by their name ("Test the build works")."""
    return [s for s in stage.steps if any(t.startswith("test:") for t in s.tags) and not named_only(s)]


def is_gate(stage: Stage) -> bool:
    """Whether a stage is a test that stops the pipeline when it fails: it runs tests (a
    test runner, a test report, or its own test script in a stage named as a test; a step
    named "Test wheel" that imports the package is not a test suite) and does not ignore
    their failure."""
    # Asked of every stage upstream of every delivery: kept on the (immutable) stage
    # itself, as a cached_property would, since hashing a whole stage costs more than this.
    known = stage.__dict__.get("_is_gate")
    if known is None:
        known = stage.__dict__["_is_gate"] = _gates(stage)
    return known


def _gates(stage: Stage) -> bool:
    if stage.allow_failure:
        return False
    verdicts = [s for s in stage.steps if "verdict" in s.tags and not failure_ignored(s)]
    if verdicts and (runs_tests(stage) or any(has_tag(s.tags, "report") for s in verdicts)):
        # Test results checked again after the tests ran (a report step that fails on
        # failed tests): the stage stops the pipeline, even when the test step let its
        # failure through.
        return True
    if not runs_tests(stage):
        return False
    steps = test_steps(stage)
    return not steps or any(not failure_ignored(s) for s in steps)


def ignored_tests(stage: Stage) -> list[Step]:
    """Test steps of a stage whose failure is ignored."""
    return [s for s in test_steps(stage) if failure_ignored(s)]


def tests_in_stage_before_deploy(stage: Stage) -> list[Step]:
    """Test steps that run inside a delivering stage before its first deploy or publish
    step and stop it on failure."""
    delivering = {d.span for d in stage.deliveries}
    found = []
    for step in stage.steps:
        if step.span in delivering or any(t.startswith("deploy") for t in step.tags):
            break
        if any(t == "test" or t.startswith("test:") for t in step.tags) and not failure_ignored(step):
            found.append(step)
    return found


def passing_tests(project: Project, stage: Stage) -> list[Stage]:
    """Test stages that must pass before ``stage`` runs."""
    return [s for s in project.upstream(stage) if is_gate(s)]


def deliveries(project: Project, tiers: Iterable[str] = ("production",), kinds: Iterable[str] = ("deploy", "publish")) -> list[Stage]:
    """Stages that deliver (``kinds``: deploy, publish, docs) to an environment of one of
    ``tiers``, and can run at all. A stage delivers by a step that deploys or publishes,
    or by its platform (an Azure deployment job, a GitLab job with an environment)."""
    wanted, kinds = frozenset(tiers), frozenset(kinds)
    memo = project.memo.setdefault("deliveries", {})
    known = memo.get((wanted, kinds))
    if known is not None:
        return list(known)
    found = []
    for s in project.stages():
        env = s.environment
        if env is None or env.tier not in wanted or env.action != "start" or s.when == "never":
            continue
        delivered = {d.kind for d in s.deliveries} or ({"deploy"} if "deploy" in s.kinds else set())
        if delivered & kinds:
            found.append(s)
    memo[(wanted, kinds)] = found
    return list(found)


def deploys(project: Project, tiers: Iterable[str] = ("production",)) -> list[Stage]:
    """Stages that deploy (not only publish) to an environment of one of ``tiers``."""
    return deliveries(project, tiers, ("deploy",))


def called_only(project: Project, stage: Stage) -> bool:
    """Whether only a caller can start ``stage`` (a job of a reusable workflow read on its
    own): what runs before it, and who starts it, is the caller's."""
    triggers = project.pipeline(stage).triggers
    return bool(triggers) and all(t.kind == "workflow_call" for t in triggers)


def _shipped(stage: Stage) -> list[Delivery]:
    return [d for d in stage.deliveries if d.kind in ("deploy", "publish")] or list(stage.deliveries)


def _target(stage: Stage, delivery: Delivery) -> str:
    return stage.environment.name if delivery.kind == "deploy" and stage.environment else delivery.target


def shipped_to(stage: Stage) -> str:
    """Where a delivering stage ships, for messages: "'npm' and 'production'"."""
    targets = list(dict.fromkeys(_target(stage, d) for d in _shipped(stage)))
    if not targets:
        return f"'{stage.environment.name}'" if stage.environment else "production"
    return " and ".join(f"'{t}'" for t in targets[:3])


def delivers_to(stage: Stage) -> str:
    """What a delivering stage does, for messages: "deploys to 'production'", "publishes
    to 'npm' and 'ghcr.io/acme/shop'", "publishes to 'ghcr.io/acme/shop' and deploys to
    'production'"."""
    shipped = _shipped(stage)
    if not shipped:
        return f"deploys to '{stage.environment.name}'" if stage.environment else "deploys"
    parts = []
    for verb, kinds in (("publishes to", ("publish",)), ("deploys to", ("deploy", "docs"))):
        targets = list(dict.fromkeys(_target(stage, d) for d in shipped if d.kind in kinds))
        if targets:
            parts.append(f"{verb} " + " and ".join(f"'{t}'" for t in targets[:3]))
    return " and ".join(parts)


def _overlap(a: tuple[str, ...] | None, b: tuple[str, ...] | None) -> bool:
    if a is None or b is None:
        return True
    return any(fnmatch.fnmatchcase(x, y) or fnmatch.fnmatchcase(y, x) for x in a for y in b)


def same_event(a: Trigger, b: Trigger) -> bool:
    """Whether one change can start both triggers (a push of a tag ``v1.2`` starts ``on:
    push: tags: [v*]`` and an unfiltered ``on: push``)."""
    if a.kind != b.kind or a.kind not in ("push", "tag", "pull_request"):
        return False
    if a.kind == "tag":
        return _overlap(a.tags, b.tags) and not (a.event == "release") ^ (b.event == "release")
    return _overlap(a.branches, b.branches)


def parallel_tests(project: Project, stage: Stage) -> list[tuple[Trigger, Stage]]:
    """Test stages of other pipelines that the same change starts but that ``stage`` does
    not wait for (a release workflow beside the CI of the same commit), with the trigger
    they share."""
    upstream = {s.key for s in project.ancestors(stage)}
    found: list[tuple[Trigger, Stage]] = []
    seen: set[str] = set()
    gates, by_kind = _gates_by_pipeline(project)
    for trigger in project.triggers_of(stage):
        # Only pipelines with a trigger of the same kind share an event with it.
        for other in by_kind.get(trigger.kind, ()):
            if other.path == stage.pipeline or other.path in seen or not gates[other.path]:
                continue
            shared = [t for t in other.triggers if same_event(trigger, t)]
            if not shared:
                continue
            tests = [s for s in gates[other.path] if s.key not in upstream and any(project.condition_of(s).allows(t) for t in shared)]
            if tests:
                seen.add(other.path)
                found.append((trigger, tests[0]))
    return found


def _gates_by_pipeline(project: Project) -> tuple[dict[str, list[Stage]], dict[str, list[Pipeline]]]:
    """The gating test stages of each pipeline, and the pipelines by the kinds of their
    triggers (in project order), worked out once per project."""
    found = project.memo.get("gates by pipeline")
    if found is None:
        gates = {p.path: [s for s in p.stages if is_gate(s)] for p in project.pipelines}
        by_kind: dict[str, list[Pipeline]] = {}
        for p in project.pipelines:
            for kind in dict.fromkeys(t.kind for t in p.triggers):
                by_kind.setdefault(kind, []).append(p)
        found = project.memo["gates by pipeline"] = (gates, by_kind)
    return found


def runs_on_pull_requests(trigger: Trigger) -> bool:
    """A pull-request trigger that runs the pull request's code (not only merged ones)."""
    if trigger.kind != "pull_request":
        return False
    return not trigger.types or not set(trigger.types) <= {"closed"}


def external_gate_note(stage: Stage) -> Evidence | None:
    env = stage.environment
    if env is None or not env.external_gates:
        return None
    return Evidence(
        env.span,
        f"environment '{env.name}' may have approvals or checks configured outside the file; "
        "cdlint cannot see them, and they are not tests",
    )


def upstream_trigger_notes(project: Project, stage: Stage) -> list[Evidence]:
    """Explain upstream-pipeline triggers that do not wait for success."""
    notes = []
    for trigger in project.triggers_of(stage):
        if trigger.kind == "upstream" and not trigger.on_success_only and not stage.condition.upstream_success:
            fires = ", ".join(trigger.types) or "any result"
            notes.append(
                Evidence(
                    trigger.span,
                    f"'{trigger.event}' fires when '{trigger.source or 'the upstream pipeline'}' {fires}, "
                    "also when it failed; require its success before deploying",
                )
            )
    return notes


def failure_reason(step: Step) -> str | None:
    """How a step ignores the failure of what it runs (``continue-on-error``, ``|| true``
    after a test command, ``set +e`` with no check of the exit status), or None."""
    if step.allow_failure:
        return "its failure is allowed"
    return next((sig.text for sig in step.signals if sig.tag == "ignores-failure"), None)


def anchor(pipeline: Pipeline) -> Span:
    """Where a finding about a whole pipeline points: its first trigger, else its top."""
    if pipeline.triggers:
        return min(t.span for t in pipeline.triggers)
    if pipeline.span is not None:
        return pipeline.span
    if pipeline.stages:
        return min(s.span for s in pipeline.stages)
    return Span(pipeline.path, 1, 1)


def project_anchor(project: Project) -> tuple[Pipeline, Span] | None:
    """The pipeline a finding about a whole project points at: the first (by path) that
    builds or tests on commits (the CI), else the first that runs on commits, else the
    first with stages."""
    with_stages = [p for p in project.pipelines if p.stages]
    if not with_stages:
        return None
    ci = [p for p in with_stages if p.commit_triggers and any(s.kinds & {"build", "test"} for s in p.stages)]
    main = (ci or [p for p in with_stages if p.commit_triggers] or with_stages)[0]
    return main, anchor(main)


def partly_read(pipeline: Pipeline) -> bool:
    """Whether some of a pipeline's content was not read (a remote include or template, a
    reusable workflow of another repository): its stages may do more than cdlint sees."""
    return bool(pipeline.references) or not pipeline.stages


def tags_of(project: Project, pipeline: Pipeline | None = None) -> set[str]:
    """Every tag of every stage (of ``pipeline``), and of the unread templates it names."""
    pipelines = [pipeline] if pipeline is not None else list(project.pipelines)
    found: set[str] = set()
    for p in pipelines:
        for stage in p.stages:
            found |= stage.tags
        for ref in p.references:
            found |= ref.tags
    return found


def has_tag(tags: Iterable[str], prefix: str) -> bool:
    """Whether ``tags`` hold ``prefix`` or a sub-tag of it (``test`` matches ``test:e2e``)."""
    return any(t == prefix or t.startswith(prefix + ":") for t in tags)


def build_steps(stage: Stage) -> list[Step]:
    """Steps that build by what they run (compile, package, build an image), not by a name."""
    return [s for s in stage.steps_tagged("build") if not named_only(s)]


def deploy_steps(stage: Stage) -> list[Step]:
    return [s for s in stage.steps if any(t.startswith("deploy:") for t in s.tags)]


def ships_a_release_only(stage: Stage) -> bool:
    """Whether a deploy stage only publishes a package, image or release (``npm publish``,
    a GitHub release) rather than changing a running service: there is nothing to
    smoke-test or roll back in place."""
    tags = stage.tags
    return has_tag(tags, "publish") and not any(t.startswith("deploy:") for t in tags)


def provisions_only(stage: Stage) -> bool:
    """Whether every deploy step of a stage provisions infrastructure (``terraform apply``,
    an ARM or CloudFormation deployment): infrastructure is rolled forward, and the apply
    itself fails when a resource does."""
    steps = deploy_steps(stage)
    return bool(steps) and all(has_tag(s.tags, "provision") for s in steps)


def name_tags(stage: Stage) -> frozenset[str]:
    """Tags the stage's own name and id suggest (``deploy-and-verify``, ``rollback``)."""
    return frozenset(sig.tag for sig in stage.signals if sig.source == "name")


def after_deploy(stage: Stage) -> list[Step]:
    """Steps of a stage from its first deploy step on (all steps when none is tagged)."""
    for index, step in enumerate(stage.steps):
        if any(t.startswith("deploy:") for t in step.tags):
            return list(stage.steps[index:])
    return list(stage.steps)


def matching_steps(stage: Stage, patterns: Iterable[str]) -> list[Step]:
    """Steps whose command or call matches one of the user's regular expressions (matched
    in linear time, see :mod:`cdlint.userregex`)."""
    from cdlint import userregex

    compiled = [userregex.compile(p) for p in patterns]
    return [s for s in stage.steps if any(c.search(s.text) or (s.name and c.search(s.name)) for c in compiled)]


def same_environment(a: Environment, b: Environment) -> bool:
    return _env_key(a.name) == _env_key(b.name)


def _env_key(name: str) -> str:
    return re.sub(r"\s+", "", name).lower()


def branch_patterns(project: Project, stage: Stage, trigger: Trigger) -> tuple[str, ...] | None:
    """Branches a run started by ``trigger`` can run ``stage`` on, as glob patterns
    (``$default`` for the default branch); None when any branch can."""
    refs = project.condition_of(stage).refs
    if refs is not None:
        heads = tuple(r[len("refs/heads/"):] for r in refs if r.startswith("refs/heads/"))
        if heads or trigger.kind == "push":
            return heads
    if trigger.branches is None:
        return None
    return tuple(b for b in trigger.branches if not b.startswith("!"))


def unrestricted_branches(patterns: tuple[str, ...] | None, allowed: Iterable[str]) -> list[str]:
    """The wildcard patterns that let other branches through than those ``allowed``
    (globs); ``["*"]`` for no restriction at all. A branch named literally is a choice
    the team made (its long-lived ``develop`` or ``production`` branch), not any branch."""
    if patterns is None:
        return ["*"]
    allowed = list(allowed)
    return [
        p for p in patterns
        if any(c in p for c in "*?[") and not any(p == a or fnmatch.fnmatchcase(p, a) for a in allowed)
    ]


_HELM_REPO_ADD = re.compile(r"helm\s+repo\s+add\s+(?:-\S+\s+)*([\w.-]+)")
_HELM_DEPLOY = re.compile(r"^helm\b.*\s(?:upgrade|install)\b")


def unpinned_charts(stage: Stage) -> list[tuple[Step, str]]:
    """Remote Helm charts a stage installs without ``--version`` (whatever is newest then)."""
    repos = {m[1] for step in stage.steps for m in _HELM_REPO_ADD.finditer(step.run or "")}
    found = []
    for step in stage.steps:
        for command in classify.commands(step.run or ""):
            if not _HELM_DEPLOY.match(command) or re.search(r"\s--version\b", command):
                continue
            for token in command.split()[2:]:
                token = token.strip("'\"")
                if token.startswith("oci://") or (token.count("/") == 1 and token.split("/")[0] in repos):
                    found.append((step, token))
                    break
    return found

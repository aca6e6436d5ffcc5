"""Questions several rules ask of the model: what counts as a gate, a production deploy,
a failure that is ignored. One answer here, so rules agree with each other."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass

from cdlint import classify
from cdlint.finding import Evidence
from cdlint.model import Environment, Pipeline, Project, Span, Stage, Step, Trigger

# Shell idioms that swallow the failure of the command before them, and `set +e`,
# which swallows every later failure unless the script reads the exit status.
_SWALLOW = re.compile(r"\|\|\s*(?:true\b|:(?=\s|$)|exit\s+0\b|echo\b)|;\s*exit\s+0\s*$", re.MULTILINE)
_SET_E_OFF = re.compile(r"\bset\s+\+e\b")
_STATUS_READ = re.compile(r"\$\{?\?|PIPESTATUS|\$LASTEXITCODE|\bset\s+-e\b")
_COMMAND_START = re.compile(r"&&|\|\||;|\bthen\b|\bdo\b|\belse\b|\n")
_CONTINUATION = re.compile(r"\\\r?\n\s*")


def failure_ignored(step: Step) -> bool:
    """Whether a step's failure cannot fail its stage (``continue-on-error``, ``|| true`` …)."""
    return failure_reason(step) is not None


def test_steps(stage: Stage) -> list[Step]:
    return stage.steps_tagged("test")


def named_only(step: Step) -> bool:
    """Whether a step's kinds come from its name alone ("Clean up E2E runs", "Set a flag
    when a test fails"), not from what it runs."""
    kind_tags = {t for t in step.tags if t.partition(":")[0] in classify.KINDS}
    if not kind_tags or not step.name or not kind_tags <= classify.classify_name(step.name):
        return False
    if step.run is not None:
        return not classify.kinds(classify.classify_command(step.run))
    # A call gets the tags of its name only when the call itself shows no kind: a known
    # action named for what it does ("CodeQL Initialize") is not named only.
    return not classify.kinds(call_tags(step))


def call_tags(step: Step) -> frozenset[str]:
    """What a called action, task or Jenkins step does by itself, whatever its name says."""
    uses = step.uses or ""
    inputs = dict(step.inputs)
    if classify.known_task(uses):
        return classify.classify_task(uses, inputs)
    if "/" in uses.partition("@")[0]:
        return classify.classify_action(uses, inputs)
    return frozenset(classify.JENKINS_STEPS.get(uses.lower(), "").split())


def runs_tests(stage: Stage) -> bool:
    """Whether a stage runs tests: a test step, or a stage named as a test whose steps do
    nothing else cdlint knows (its own test script). A stage whose steps cdlint did not
    read, or that scans or publishes, is not a test by its name alone."""
    if any(not named_only(s) for s in test_steps(stage)):
        return True
    # Named as a test: by the stage's own name, or by what the platform says of the job
    # (a JUnit report); not by one step's name ("Test if the Dockerfile exists").
    own = name_tags(stage) | (stage.tags - {t for s in stage.steps for t in s.tags})
    if "test" not in classify.kinds(own) or not stage.steps:
        return False
    return not classify.kinds(t for s in stage.steps if not named_only(s) for t in s.tags) - {"build"}


def benchmarks_only(steps: Iterable[Step]) -> bool:
    """Whether the test steps among ``steps`` all run benchmarks (timings, not verdicts)."""
    tests = [s for s in steps if has_tag(s.tags, "test")]
    return bool(tests) and all({t for t in s.tags if t == "test" or t.startswith("test:")} == {"test:performance"} for s in tests)


_OPAQUE = re.compile(r"^\s*(?:\$\{\{[^}]*\}\}|\$\{?[A-Za-z_][\w.]*\}?|\$\([\w.]+\))\s*$")
_CHOSEN = re.compile(r"\$\{\{[^}]*\b(?:matrix|inputs|parameters)\.")


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
    """Whether a stage is a test that stops the pipeline when it fails."""
    if not stage.has("test") or stage.allow_failure:
        return False
    steps = test_steps(stage)
    return not steps or any(not failure_ignored(s) for s in steps)


def ignored_tests(stage: Stage) -> list[Step]:
    """Test steps of a stage whose failure is ignored."""
    return [s for s in test_steps(stage) if failure_ignored(s)]


def tests_in_stage_before_deploy(stage: Stage) -> list[Step]:
    """Test steps that run inside a deploy stage before its first deploy step and stop it on failure."""
    found = []
    for step in stage.steps:
        if any(t.startswith("deploy") for t in step.tags):
            break
        if any(t == "test" or t.startswith("test:") for t in step.tags) and not failure_ignored(step):
            found.append(step)
    return found


def passing_tests(project: Project, stage: Stage) -> list[Stage]:
    """Test stages that must pass before ``stage`` runs."""
    return [s for s in project.upstream(stage) if is_gate(s)]


def deploys(project: Project, tiers: Iterable[str] = ("production",)) -> list[Stage]:
    """Stages that deploy to an environment of one of ``tiers`` (and can run at all)."""
    wanted = set(tiers)
    return [
        s
        for s in project.stages("deploy")
        if s.environment is not None and s.environment.tier in wanted and s.environment.action == "start"
        and s.when != "never"
    ]


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
    if not step.run:
        return None
    script = _CONTINUATION.sub(" ", step.run)
    # A step named as a test whose commands cdlint does not know is a test as a whole.
    named_only = "test" not in classify.kinds(classify.classify_command(script))
    for match in _SWALLOW.finditer(script):
        command = _COMMAND_START.split(script[: match.start()])[-1]
        if named_only or "test" in classify.kinds(classify.classify_command(command)):
            return f"'{match[0].strip(' ;')}' swallows its failure"
    off = _SET_E_OFF.search(script)
    if off and not _STATUS_READ.search(script, off.end()):
        return "'set +e' ignores its failure"
    return None


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
            found |= classify.classify_reference(ref.target)
    return found


def has_tag(tags: Iterable[str], prefix: str) -> bool:
    """Whether ``tags`` hold ``prefix`` or a sub-tag of it (``test`` matches ``test:e2e``)."""
    return any(t == prefix or t.startswith(prefix + ":") for t in tags)


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
    return classify.name_tags(stage.name, stage.id)


def after_deploy(stage: Stage) -> list[Step]:
    """Steps of a stage from its first deploy step on (all steps when none is tagged)."""
    for index, step in enumerate(stage.steps):
        if any(t.startswith("deploy:") for t in step.tags):
            return list(stage.steps[index:])
    return list(stage.steps)


def matching_steps(stage: Stage, patterns: Iterable[str]) -> list[Step]:
    """Steps whose command or call matches one of the user's regular expressions."""
    compiled = [re.compile(p) for p in patterns]
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


_GH_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_TOKEN_SPLIT = re.compile(r"[\s'\",;=]+")
# name[:tag]: a registry host with an optional port, a path, no URL scheme.
_IMAGE = re.compile(r"^(?P<name>[\w${}().-]+(?::\d+)?(?:/[\w${}().-]+)*)(?::(?P<tag>[\w${}().-]+))?(?:@sha256:[0-9a-f]+)?$")
_PUSHED = re.compile(
    r"(?:(?:docker|podman|buildah)\s+(?:image\s+)?push(?:\s+-\S+)*|docker\s+tag\s+\S+|(?:\s|^)(?:-t|--tag|--destination)[= ])\s*['\"]?(\S+)"
)


@dataclass(frozen=True)
class ImageRef:
    """An image named in a step: its name and tag (None when no tag is written)."""

    name: str
    tag: str | None
    step: Step

    @property
    def mutable(self) -> bool:
        """Whether the tag moves: ``latest``, a branch name or a branch variable."""
        if self.tag is None:
            return False
        tag = self.tag.lower()
        return tag in classify.MUTABLE_TAGS or bool(classify.BRANCH_VARIABLES.fullmatch(self.tag))

    @property
    def short(self) -> str:
        return self.name.rstrip("/").rsplit("/", 1)[-1].lower()

    def __str__(self) -> str:
        return f"{self.name}:{self.tag}" if self.tag else self.name


def _compact(text: str) -> str:
    """``${{ env.IMAGE }}`` as one token, ``${{env.IMAGE}}``."""
    return _GH_EXPR.sub(lambda m: "${{" + m[1].replace(" ", "") + "}}", text)


def _image(token: str, step: Step) -> ImageRef | None:
    token = token.strip("'\"`")
    while token.endswith(")") and token.count(")") > token.count("("):
        token = token[:-1]
    if not token or token.startswith(("-", "(")) or "://" in token or token.endswith(":"):
        return None
    match = _IMAGE.match(token)
    if not match or not re.search(r"[A-Za-z$]", match["name"]):
        return None
    return ImageRef(match["name"], match["tag"], step)


def image_name(reference: str) -> str | None:
    """The name of an image reference without its tag or digest (``registry/app``)."""
    match = _IMAGE.match(reference.strip())
    return match["name"] if match else None


def pushed_images(step: Step) -> list[ImageRef]:
    """Images a step builds with a name, tags or pushes (``docker push``, ``-t``, the
    tags of a build-and-push action or task)."""
    found: list[ImageRef] = []
    if step.run:
        for match in _PUSHED.finditer(_compact(step.run)):
            ref = _image(match[1], step)
            if ref is not None:
                found.append(ref)
        return found
    spec = classify.IMAGE_TAG_INPUTS.get((step.uses or "").partition("@")[0].lower())
    if spec is None or not has_tag(step.tags, "publish:image"):
        return found
    tags_input, name_input, default = spec
    inputs = {k.lower(): v for k, v in step.inputs}
    listed = [t for t in re.split(r"[\s,]+", _compact(inputs.get(tags_input, "") or default)) if t]
    name = inputs.get(name_input, "") if name_input else ""
    for item in listed:
        ref = _image(f"{name}:{item}" if name_input else item, step)
        if ref is not None:
            found.append(ref)
    return found


def published_images(stage: Stage) -> list[ImageRef]:
    """Images a stage pushes to a registry, with their tags (rehearsals left out)."""
    return [
        ref
        for step in stage.steps
        if has_tag(step.tags, "publish:image") and "rehearsal" not in step.tags
        for ref in pushed_images(step)
        if ref.tag is not None
    ]


def image_tokens(step: Step) -> list[ImageRef]:
    """Every ``name:tag`` written in a step: the images it may deploy, pull or run."""
    found = []
    for token in _TOKEN_SPLIT.split(_compact(step.text)):
        if ":" in token:
            ref = _image(token, step)
            if ref is not None and ref.tag is not None:
                found.append(ref)
    return found


# Arguments that name the image a deploy runs (``--image``, ``kubectl set image``,
# ``images:`` of a deploy action), and Helm values that set its tag.
_DESIGNATED = re.compile(
    r"(?i)(?:(?:--image(?:-name)?|--docker-custom-image-name|--container-image-name)(?:=|\s+)"
    r"|(?<![\w.-])(?:images?|containers|imagename|image-name)(?:=|:\s*))['\"]?([^\s'\",]+)"
)
_SET_IMAGE = re.compile(r"set\s+image\s+\S+((?:\s+[\w.-]+=\S+)+)")
_HELM_TAG = re.compile(r"(?i)(?:--set(?:-string)?[= ]\S*?|,)(?:image\.tag|imageTag|image_tag|tag)=['\"]?([\w.${}()-]+)")


def designated_images(step: Step) -> list[ImageRef]:
    """Images a deploy step names as the one to run, by its arguments."""
    text = _compact(step.text)
    found = [r for r in (_image(m[1], step) for m in _DESIGNATED.finditer(text)) if r is not None]
    for match in _SET_IMAGE.finditer(text):
        for pair in match[1].split():
            ref = _image(pair.partition("=")[2], step)
            if ref is not None:
                found.append(ref)
    found += [ImageRef("image.tag", m[1], step) for m in _HELM_TAG.finditer(text)]
    return found


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

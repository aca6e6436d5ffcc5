"""What every parser does the same way: classifying steps, finishing stages, linking artifacts.

Parsers read their platform's syntax into raw values and hand them here, so
classification, environment inference and artifact edges behave the same on
all four platforms.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from cdlint import classify
from cdlint.model import Edge, Environment, Span, Stage, Step
from cdlint.workspace import Workspace

# How step arguments name the target environment of a deploy that declares none.
_ENV_FLAGS = re.compile(
    # Variables and flags of a command, and the named inputs of an action, task or Jenkins
    # library step (``deployService(environment: 'production')``, read as ``environment=…``).
    r"(?:--(?:env|environment|stage|target)[= ]|-e\s+|\b(?:ENV|ENVIRONMENT|DEPLOY_ENV|STAGE|TARGET_ENV)="
    r"|(?:^|\s)(?:env|environment|deployEnv|targetEnv|targetEnvironment)=)"
    # The name, with the variables written into it (``staging-${BRANCH_NAME}``).
    r"[\"']?([A-Za-z][\w-]*(?:(?:\$\{\{[^}]*\}\}|\$\{[^}\s]*\}|\$\([^)\s]*\)|\$\w+)[\w-]*)*)"
)
_PROD_FLAGS = re.compile(r"(?<![\w-])--prod(?:uction)?\b")
_NAMED_TARGET = re.compile(r"(?i)\b(?:to|into|on)[\s_-]+([a-z][\w-]*)\s*$")


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
    platform: str = "",
    extra_tags: Iterable[str] = (),
) -> Step:
    """A step with its classification tags."""
    tags: set[str] = set(extra_tags)
    if run:
        tags |= classify.classify_command(run)
    if uses:
        args = dict(inputs)
        if platform == "github":
            tags |= classify.classify_action(uses, args)
        elif platform == "azure":
            tags |= classify.classify_task(uses, args)
        elif platform == "jenkins":
            tags |= classify.classify_jenkins_step(uses, args)
            for value in args.values():
                if isinstance(value, str) and value:
                    tags |= {t for t in classify.classify_command(" " + value) if t in classify.ARGUMENT_TAGS}
    if "rehearsal" in tags:
        # A push to a local or test registry, or a dry run, rehearses a release: the step
        # publishes nothing anyone uses (and a name cannot make it publish either).
        tags = {t for t in tags if t != "publish" and not t.startswith("publish:")}
    # A name says what a step does only when nothing else does: an artifact upload called
    # "Publish drop" passes files along, a "Publish Test Results" step reports.
    known = {t for t in tags if not t.startswith(("version:", "image:"))}
    if platform == "azure" and uses and classify.known_task(uses):
        known.add(uses)  # CopyFiles named "Gather logs for publish" copies files
    if name and not known and not classify.is_setup_name(name):
        tags |= {t for t in classify.classify_name(name) if t.partition(":")[0] in classify.KINDS}
    return Step(
        span=span,
        name=name,
        run=run,
        uses=uses,
        version=version,
        inputs=tuple((str(k), "" if v is None else str(v)) for k, v in inputs),
        allow_failure=allow_failure,
        when=when,
        tags=frozenset(tags),
        origin=origin,
    )


# Deploy signals too weak to make a test stage a deploy (tests often ssh into a test host).
_WEAK_DEPLOY = frozenset({"deploy:ssh", "deploy:script"})


def finish_stage(stage: Stage, workspace: Workspace | None = None, extra_tags: Iterable[str] = ()) -> Stage:
    """Fill in a stage's tags and kinds from its steps, name and environment, and infer
    the environment of a deploy that names none."""
    tiers = workspace.tiers if workspace else classify.DEFAULT_TIERS
    tags: set[str] = set(extra_tags)
    for step in stage.steps:
        tags |= step.tags
    tags |= _name_tags(stage, classify.kinds(tags))
    if stage.services or "env:up" in tags:
        tags.add("env:ephemeral")
    if stage.reports:
        tags |= {f"report:{r}" for r in stage.reports}
    # A stage that publishes test results ran tests, whatever the command that ran them
    # looks like (`ninja test-targets`, a vendor script).
    if "report:junit" in tags and "test" not in classify.kinds(tags):
        tags.add("test")
    deploy_tags = {t for t in tags if t == "deploy" or t.startswith("deploy:")}
    if deploy_tags and deploy_tags <= _WEAK_DEPLOY and "test" in classify.kinds(tags):
        tags -= deploy_tags
    env = stage.environment
    if env is not None and env.action == "stop":
        tags.add("teardown")
    elif env is not None and env.action == "start":
        # A declared environment makes a deployment, unless the stage only builds or
        # checks (environments are also used just to scope secrets).
        found = classify.kinds(tags)
        if found & {"deploy", "publish"} or not found & {"build", "test", "scan", "verify"}:
            tags.add("deploy")
    if env is None and "deploy" in classify.kinds(tags):
        env = infer_environment(stage, tiers)
    return replace(stage, tags=frozenset(tags), kinds=classify.kinds(tags), environment=env)


def _name_tags(stage: Stage, step_kinds: frozenset[str]) -> set[str]:
    """Tags a stage's name suggests, unless its steps say otherwise: a job called "Cache
    test images" caches, and "Publish to Test PyPI" publishes; neither runs tests."""
    named = set(classify.name_tags(stage.name, stage.id))
    if "test" not in step_kinds and step_kinds & {"publish", "deploy"}:
        named = {t for t in named if t.partition(":")[0] != "test"}
    return named


def infer_environment(stage: Stage, tiers: classify.Tiers) -> Environment | None:
    """The environment a deploy stage targets, read from its deploy steps' arguments or
    from a name such as ``deploy-prod`` (a deploy word and an environment word) or
    ``Upload site to staging`` (an environment word it goes to, last)."""
    for step in stage.steps:
        if not any(t.startswith("deploy") for t in step.tags):
            continue
        text = step.text
        if _PROD_FLAGS.search(text):
            return Environment("production", "production", step.span, declared=False)
        match = _ENV_FLAGS.search(text)
        if match:
            tier = tiers(match[1])
            if tier != "other":
                return Environment(match[1], tier, step.span, declared=False, dynamic=classify.is_dynamic(match[1]))
    for candidate in (stage.name, stage.id):
        if "deploy" not in classify.kinds(classify.classify_name(candidate)):
            # A stage that deploys by its steps and says where: "Upload site to staging".
            target = _NAMED_TARGET.search(candidate)
            if target and (tier := tiers(target[1])) != "other":
                return Environment(target[1], tier, stage.span, declared=False)
            continue
        tier = tiers(candidate)
        if tier != "other":
            name = classify.environment_part(candidate)
            return Environment(name if tiers(name) == tier else candidate, tier, stage.span, declared=False)
    return None


def environment(name: str, span: Span, workspace: Workspace | None, **fields) -> Environment:
    """An environment declared in a file, its tier inferred from the name unless given."""
    tiers = workspace.tiers if workspace else classify.DEFAULT_TIERS
    fields.setdefault("tier", tiers(name))
    fields.setdefault("dynamic", classify.is_dynamic(name))
    return Environment(name=name, span=span, **fields)


_TIER_RANK = {t: i for i, t in enumerate(("production", "staging", "testing", "review", "development", "other"))}


def strictest_tier(names: Iterable[str], workspace: Workspace | None) -> str:
    """The most guarded tier among environment names a stage may deploy to (a matrix of
    environments that includes production deploys to production)."""
    tiers = workspace.tiers if workspace else classify.DEFAULT_TIERS
    return min((tiers(n) for n in names), key=_TIER_RANK.__getitem__, default="other")


def artifact_matches(pattern: str, name: str) -> bool:
    return pattern == name or fnmatch.fnmatchcase(name, pattern)


def link_artifacts(stages: Sequence[Stage], order: Sequence[Edge]) -> list[Edge]:
    """Artifact edges from producers to consumers by artifact name, within one pipeline.

    A consumer naming no artifact (``*``) takes every artifact produced by a stage
    it depends on. A consumer of an artifact from another run (``source`` set)
    is linked by the project builder instead.
    """
    incoming: dict[str, list[str]] = {s.key: [] for s in stages}
    for e in order:
        if e.target in incoming:
            incoming[e.target].append(e.source)

    def before(stage: Stage) -> set[str]:
        stack, seen = list(incoming[stage.key]), set()
        while stack:
            key = stack.pop()
            if key not in seen:
                seen.add(key)
                stack.extend(incoming.get(key, ()))
        return seen

    producers = [s for s in stages if s.produces]
    edges = []
    for consumer in stages:
        for wanted in consumer.consumes:
            if wanted.source is not None:
                continue
            earlier = before(consumer) if wanted.name == "*" else None
            for producer in producers:
                if producer.key == consumer.key:
                    continue
                if earlier is not None and producer.key not in earlier:
                    continue
                names = [a.name for a in producer.produces if artifact_matches(wanted.name, a.name)]
                if names:
                    edges.append(Edge(producer.key, consumer.key, "artifact", wanted.span, names[0]))
    return edges


def text(value: object) -> str:
    """A YAML scalar as the text a platform would see."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

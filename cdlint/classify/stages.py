"""What a stage does: the tags of its steps, its name, its keywords and its environment,
and where it deploys."""

from __future__ import annotations

import re
from dataclasses import replace

from cdlint.classify import text as texts
from cdlint.classify.deliveries import Context, DeliveryClassifier, production_environment
from cdlint.classify.steps import StepClassifier, kinds
from cdlint.classify.tiers import Tiers
from cdlint.model import Environment, Signal, Span, Stage

# How step arguments name the target environment of a deploy that declares none.
_ENV_FLAGS = re.compile(
    # Variables and flags of a command, and the named inputs of an action, task or Jenkins
    # library step (``deployService(environment: 'production')``, read as ``environment=…``).
    r"(?:--(?:env|environment|stage|target)[= ]|-e\s+|\b(?:ENV|ENVIRONMENT|DEPLOY_ENV|STAGE|TARGET_ENV)="
    r"|(?:^|\s)(?:env|environment|deployEnv|targetEnv|targetEnvironment)=)"
    # The name, with the variables written into it (``staging-${BRANCH_NAME}``).
    rf"[\"']?([A-Za-z][\w-]*(?:(?:{texts.VARIABLE})[\w-]*)*)"
)
_ENV_WORD = re.compile(r"[A-Za-z][\w-]{1,40}")
_PROD_FLAGS = re.compile(r"(?<![\w-])--prod(?:uction)?\b")
# The target's length is bounded so that a name of many "to-" is not read once per "to".
_NAMED_TARGET = re.compile(r"(?i)\b(?:to|into|on)[\s_-]+([a-z][\w-]{0,100})\s*$")
# The deploy words around an environment in a job or step name: "Deploy to production",
# "deploy-prod", "DeployProd", "deployToStaging", "prod-deploy".
_DEPLOY_PREFIX = re.compile(
    r"^(?i:deploy(?:ment|ing)?|release|rollout|promote)"
    r"(?:(?:[\s_:-]+|(?=[A-Z]))(?i:to|on|into|in|for)(?=[\s_:-]|[A-Z]))?(?:[\s_:-]+|(?=[A-Z]))"
)
_DEPLOY_SUFFIX = re.compile(r"(?:(?<![\s_:-])[\s_:-]+|(?<=[a-z0-9])(?=[A-Z]))(?i:deploy(?:ment)?)$")
# Variables whose value names where a deploy goes (``DEPLOY_ENV = 'production'``).
_ENV_VARS = re.compile(
    r"^(?:DEPLOY_?ENV(?:IRONMENT)?|ENV|ENVIRONMENT|TARGET_?ENV(?:IRONMENT)?|DEPLOY_?TARGET|STAGE_?NAME_?ENV|TARGET|TIER)$",
    re.IGNORECASE,
)
# Variables in a Groovy or shell string (``${env.CHANGE_ID}``, ``$REGION``).
_REFERENCE = re.compile(r"\$\{(?:env\.|params\.)?\w+\}|\$\w+")
# A name computed by a choice (``${env.BRANCH_NAME == 'main' ? 'production' : 'staging'}``):
# one of several fixed environments, not one per branch.
_CHOICE = re.compile(r"\$\{(?:[^}$]|\$(?!\{))*(?:\?|==|!=)")
# Deploy signals too weak to make a test stage a deploy (tests often ssh into a test host).
_WEAK_DEPLOY = frozenset({"deploy:ssh", "deploy:script"})


def environment_part(name: str) -> str:
    """The environment a deploy job's or step's name names, without the deploy words
    ("Deploy to production" → "production"); the whole name when nothing is left."""
    name = name[: texts.MAX_NAME]
    rest = _DEPLOY_SUFFIX.sub("", _DEPLOY_PREFIX.sub("", name, count=1)).strip()
    return rest or name


def own_names(stage: Stage, platform: str) -> tuple[str, str]:
    """A stage's own name and id: an Azure job's without its stage's name before it."""
    if platform == "azure" and stage.group:
        return stage.name.rpartition("/")[2], stage.id.rpartition("/")[2]
    return stage.name, stage.id


class StageClassifier:
    """Classifies the stages of pipelines with one set of signals and tiers."""

    def __init__(self, steps: StepClassifier, tiers: Tiers) -> None:
        self.steps = steps
        self.tiers = tiers
        self.deliveries = DeliveryClassifier(steps.signals, tiers)

    def name_tags(self, *names: str) -> frozenset[str]:
        """Tags the names of a stage suggest; a name about preparing or reporting
        ("Download build artifacts", "Publish Build Status Report") suggests no build or test."""
        tags = frozenset().union(*(self.steps.name_tags(n) for n in names)) - {"setup"}
        # The name people read rules the id: job `test-images` named "Cache test images" caches.
        if any(self.steps.is_setup_name(n) for n in names):
            tags = frozenset(t for t in tags if t.partition(":")[0] not in ("build", "test"))
        return tags

    def stage(self, stage: Stage, platform: str, context: Context | None = None) -> Stage:
        steps = tuple(self.steps.step(s, platform) for s in stage.steps)
        stage = replace(stage, steps=steps, environment=self._declared(stage.environment))
        own: dict[str, Signal] = {}

        def add(tags, source: str, text: str, span: Span) -> None:
            for tag in tags:
                own.setdefault(tag, Signal(tag, source, text, span))

        for fact in sorted(stage.facts):
            effect = self.steps.signals.keywords.get(fact)
            add(effect.tags if effect else (), "keyword", fact, stage.span)
        unread = context is not None and context.pipeline is not None and any(
            r.target == stage.calls for r in context.pipeline.references
        )
        if stage.calls and not stage.steps and unread:
            # A job that runs another pipeline cdlint does not read (a remote reusable
            # workflow, another project's pipeline) does what that pipeline's name says.
            for effect, pattern in self.steps.signals.references:
                if pattern.search(stage.calls[:1024]):
                    add(effect.tags, "workflow", stage.calls, stage.span)
        step_tags = {t for s in steps for t in s.tags}
        nested = "nested" in stage.facts
        if not nested:
            named = self._stage_name_tags(stage, platform, kinds(step_tags | set(own)))
            for tag in sorted(named):
                add((tag,), "name", stage.name or stage.id, stage.span)
        tags = set(own) | step_tags
        if stage.services or "env:up" in tags:
            add(("env:ephemeral",), "platform", "services" if stage.services else "environment started in the job", stage.span)
        for report in stage.reports:
            add((f"report:{report}",), "keyword", f"report {report}", stage.span)
        tags = set(own) | step_tags
        # A stage that publishes test results ran tests, whatever the command that ran them
        # looks like (`ninja test-targets`, a vendor script).
        if "report:junit" in tags and "test" not in kinds(tags):
            add(("test",), "keyword", "publishes test results", stage.span)
        tags = set(own) | step_tags
        if platform == "azure" and stage.group and not kinds(tags) & {"build", "test", "scan", "deploy", "publish", "approval"} and not nested:
            # The Azure stage's name only fills in what a job of unrecognised commands
            # does (a stage "Test" of platform jobs).
            for tag in sorted(self.steps.name_tags(stage.group)):
                if tag.partition(":")[0] in ("build", "test", "scan"):
                    add((tag,), "name", stage.group, stage.span)
            tags = set(own) | step_tags
        deploy_tags = {t for t in tags if t == "deploy" or t.startswith("deploy:")}
        dropped: set[str] = set()
        if deploy_tags and deploy_tags <= _WEAK_DEPLOY and "test" in kinds(tags):
            dropped = deploy_tags
            own = {t: s for t, s in own.items() if t not in dropped}
            tags -= dropped
        env = stage.environment
        if platform == "gitlab" and env is not None and env.action == "start" and self._only_uses(stage, tags):
            env = replace(env, action="access")
        if env is not None and env.action == "stop":
            add(("teardown",), "environment", env.name, env.span)
        elif env is not None and env.action == "start":
            platform_deploys = "deployment-job" in stage.facts or platform == "gitlab"
            if not platform_deploys and not self._deploying_steps(steps, dropped):
                # Environments scope secrets and protection rules as often as they mark a
                # deployment (a `terraform plan` drift check, a labelling bot): only a step
                # that deploys, publishes or applies makes one, or a platform that deploys
                # by itself (an Azure deployment job, a GitLab job with an environment).
                env = replace(env, action="access")
            else:
                # A declared environment makes a deployment, unless the stage only builds
                # or checks.
                found = kinds(tags)
                if found & {"deploy", "publish"} or not found & {"build", "test", "scan", "verify"}:
                    add(("deploy",), "environment", env.name, env.span)
        tags = set(own) | (step_tags - dropped)
        if nested:
            env = None
        elif env is None and self._deploying_steps(steps, dropped | {"publish:image"}):
            # Where a deploy goes, for a stage that deploys by what it runs (a name alone
            # never makes a production deploy). An image goes to a registry, not to an
            # environment: its tags say whether it is a release.
            env = self.infer_environment(replace(stage, steps=steps), platform)
        elif env is None and "teardown" in kinds(tags) and stage.variables:
            named = self._from_variables(stage)
            if named is not None:
                env = replace(named, action="stop")
        if env is not None and env.dynamic and self.steps.signals.per_change.search(env.name) and not _CHOICE.search(env.name):
            env = replace(env, per_change=True)
        signals = tuple(own[t] for t in sorted(own))
        stage = replace(stage, tags=frozenset(tags), kinds=kinds(tags), signals=signals, environment=env)
        deliveries = self.deliveries.deliveries(stage, context or Context())
        if deliveries:
            stage = replace(stage, deliveries=deliveries, environment=production_environment(stage, deliveries))
        return stage

    @staticmethod
    def _deploying_steps(steps, dropped=frozenset()) -> bool:
        """Whether a step deploys, publishes, provisions or migrates by what it runs."""
        return any(
            not sig.weak and sig.tag not in dropped and sig.tag.partition(":")[0] in ("deploy", "publish", "provision", "migration")
            for step in steps for sig in step.signals
        )

    def _stage_name_tags(self, stage: Stage, platform: str, step_kinds: frozenset[str]) -> frozenset[str]:
        """Tags a stage's name suggests, unless its steps say otherwise: a job called "Cache
        test images" caches, and "Publish to Test PyPI" publishes; neither runs tests."""
        named = self.name_tags(*own_names(stage, platform))
        if "test" not in step_kinds and step_kinds & {"publish", "deploy"}:
            named = frozenset(t for t in named if t.partition(":")[0] != "test")
        return named

    def _only_uses(self, stage: Stage, tags: set[str]) -> bool:
        """Whether a GitLab job in a build or test stage names an environment without
        deploying to it. Jobs name environments to get their secrets as often as to deploy
        (GitLab's ``action: access``). A job whose commands and name show no deploy or
        publish, in a stage whose name says it builds or tests, uses the environment."""
        work = kinds(tags | self.steps.name_tags(stage.name))
        if work & {"deploy", "publish", "teardown", "provision"}:
            return False
        return bool(kinds(self.steps.name_tags(stage.group or "")) & {"build", "test", "scan", "verify"})

    # --- environments ---------------------------------------------------------------

    def _declared(self, env: Environment | None) -> Environment | None:
        """A declared environment with its tier: the one the file states, else the most
        guarded of the names it can take, else the one its name says."""
        if env is None or env.tier:
            return env
        if env.candidates:
            return replace(env, tier=self.tiers.strictest(env.candidates), dynamic=False)
        return replace(env, tier=self.tiers(env.name), dynamic=texts.is_dynamic(env.name))

    def infer_environment(self, stage: Stage, platform: str) -> Environment | None:
        """The environment a deploy stage targets, read from its deploy steps' arguments, its
        variables (``DEPLOY_ENV = 'production'``), a name such as ``deploy-prod`` (a deploy
        word and an environment word) or ``Upload site to staging`` (an environment word it
        goes to, last), or the name of a library step that deploys (``deployToProd()``)."""
        tiers = self.tiers
        positional: Environment | None = None
        for step in stage.steps:
            if not any(t.startswith("deploy") for t in step.tags):
                continue
            text = step.text
            if _PROD_FLAGS.search(text):
                return Environment("production", "production", step.span, declared=False)
            match = _ENV_FLAGS.search(text[: texts.MAX_COMMAND])
            if match:
                tier = tiers(match[1])
                if tier != "other":
                    return Environment(match[1], tier, step.span, declared=False, dynamic=texts.is_dynamic(match[1]))
            # A deploy script given the environment as a word (``./deploy.sh canary``),
            # read after the variables and names, which say it more plainly.
            deploying = next((sig.text for sig in step.signals if sig.tag.startswith("deploy:") and sig.source == "command"), "")
            for word in deploying.split()[1:6]:
                if positional is None and _ENV_WORD.fullmatch(word) and (tier := tiers(word)) != "other":
                    positional = Environment(word, tier, step.span, declared=False)
        if stage.variables:
            found = self._from_variables(stage)
            if found is not None:
                return found
        names = [*own_names(stage, platform), stage.name, stage.id]
        for candidate in names:
            candidate = candidate[: texts.MAX_NAME]
            if "deploy" not in kinds(self.steps.name_tags(candidate)):
                # A stage that deploys by its steps and says where: "Upload site to staging".
                target = _NAMED_TARGET.search(candidate)
                if target and (tier := tiers(target[1])) != "other":
                    return Environment(target[1], tier, stage.span, declared=False)
                continue
            tier = tiers(candidate)
            if tier != "other":
                name = environment_part(candidate)
                return Environment(name if tiers(name) == tier else candidate, tier, stage.span, declared=False)
        if positional is not None:
            return positional
        if platform == "jenkins":
            for step in stage.steps:
                if step.uses and step.run is None and any(t.startswith("deploy") for t in step.tags):
                    tier = tiers(step.uses)
                    if tier != "other":
                        name = environment_part(step.uses)
                        name = name if tiers(name) == tier else step.uses
                        return Environment(name, tier, step.span, declared=False)
        return None

    def _from_variables(self, stage: Stage) -> Environment | None:
        """The environment a deploy names in its variables (``DEPLOY_ENV = 'production'``,
        ``DEPLOY_ENV = "preview-${env.CHANGE_ID}"``)."""
        tiers = self.tiers
        per_change = self.steps.signals.per_change
        for name, value, span in reversed(stage.variables):
            if not (_ENV_VARS.match(name) and value):
                continue
            if not texts.is_dynamic(value):
                tier = tiers(value)
                if tier != "other":
                    return Environment(value, tier, span, declared=False)
            elif "${" not in _REFERENCE.sub("", value):
                # A name written around variables (``"preview-${env.CHANGE_ID}"``,
                # ``"production-${REGION}"``) takes its tier from the written part.
                written = _REFERENCE.sub("", value)
                tier = tiers(written)
                if tier != "other" or (per_change.search(value) and re.search(r"[A-Za-z]", written)):
                    return Environment(value, tier, span, declared=False, dynamic=True)
                return Environment(value, "other", span, declared=False, dynamic=True)
            else:
                # A choice computed inside ``${…}`` (``main ? 'production' : 'staging'``, a
                # parameter): the environment is chosen at run time.
                return Environment(value, "other", span, declared=False, dynamic=True)
        return None

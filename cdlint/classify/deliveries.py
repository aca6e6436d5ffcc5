"""What a stage puts in front of users: deploys, publishes and docs, with their target
and channel, and the environment (and tier) that follows from them.

A stable delivery is production; a prerelease one (nightly, beta, rc, snapshot,
TestPyPI, a staging registry, an image tagged only with a commit or a branch) is a
pre-production tier; a documentation site is the ``docs`` tier.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import replace
from functools import cached_property

from cdlint.classify import images
from cdlint.classify import text as texts
from cdlint.classify.signals import Signals
from cdlint.classify.tiers import Tiers
from cdlint.model import Delivery, Environment, Pipeline, Project, Signal, Stage, Step, Trigger
from cdlint.values import value

# Words of a stage's or pipeline's names that say it delivers documentation.
_DOCS_WORDS = frozenset({"docs", "doc", "documentation", "javadoc", "apidocs", "api-docs", "website", "site", "manual", "handbook", "book"})
# Image tags that are not releases: a build cache, a pull request, a commit.
_BUILD_TAGS = ("cache", "buildcache", "ci-cache", "pr-", "pr", "sha-", "sha")


# Words of an image's name that say it serves the project's own builds, not its users.
_CI_IMAGE_WORDS = frozenset({
    "ci", "runner", "runners", "builder", "builders", "slave", "buildenv", "build-env", "devcontainer", "toolchain",
    "cache", "test", "tests", "testing",
})
# What a release of a Maven repository family says of itself (a snapshot is the default
# of a branch build: the version in the pom of a branch ends in -SNAPSHOT).
_MAVEN_RELEASE = re.compile(r"release:perform|-P\s*[\w,]*\brelease\b|central-publishing|nexus-staging|publishToMavenCentral|closeAndRelease|jreleaser|-DnewVersion=(?![^\s]*SNAPSHOT)")


@value
class Context:
    """What classification knows of a stage's surroundings: its pipeline, the triggers
    that can run it (worked out from ``project`` when first asked), the images the
    project's own jobs run in, and whether its pipeline makes draft releases."""

    pipeline: Pipeline | None = None
    project: Project | None = None
    stage: Stage | None = None
    used_images: frozenset[str] = frozenset()  # references, tags kept
    draft_release: bool = False

    @cached_property
    def triggers(self) -> tuple[Trigger, ...]:
        if self.project is None or self.stage is None:
            return ()
        return tuple(self.project.triggers_of(self.stage))


def image_key(reference: str) -> str:
    """An image name compared across files: no tag or digest, lower case, variables kept."""
    name = reference.strip().strip("'\"").partition("@")[0]
    head, slash, last = name.rpartition("/")
    left, colon, _ = last.rpartition(":")
    if colon and left.count("{") == left.count("}"):
        last = left
    return (head + slash + last).lower()


class DeliveryClassifier:
    """Finds the deliveries of classified stages."""

    def __init__(self, signals: Signals, tiers: Tiers) -> None:
        self.signals = signals
        self.tiers = tiers

    def deliveries(self, stage: Stage, context: Context) -> tuple[Delivery, ...]:
        found: dict[tuple[str, str], Delivery] = {}
        names = self._context_words(stage, context.pipeline)
        docs_stage = "build:docs" in stage.tags or bool(names & _DOCS_WORDS)
        sources = [(step, signal) for step in stage.steps for signal in step.signals]
        # What the platform does for a job by its keywords (GitLab Pages) delivers too.
        by_keyword = [signal for signal in stage.signals if signal.source in ("workflow", "keyword")]
        if by_keyword:
            # A job that runs an unread pipeline: its inputs are the arguments of that run.
            called = Step(stage.span, uses=stage.calls, inputs=tuple((k, v) for k, v, _ in stage.variables))
            sources += [(called, signal) for signal in by_keyword]
        for step, signal in sources:
            kind = self.signals.delivers(signal.tag)
            # A name never makes a delivery: what a step runs does (and a weak deploy the
            # stage's tests outweigh, an ssh to a test host, is none).
            if kind is None or signal.weak or signal.tag not in stage.tags:
                continue
            if signal.tag in _WEAK_DELIVERY and not self._named_delivery(stage):
                continue
            if kind == "deploy" and docs_stage:
                kind = "docs"
            if kind == "deploy" and stage.environment is None and "env:ephemeral" in stage.tags:
                continue  # into the environment the job made for its tests (a kind cluster)
            for delivery in self._deliveries(kind, signal, step, stage, names, context):
                found.setdefault((delivery.kind, delivery.target), delivery)
        return tuple(found.values())

    def _named_delivery(self, stage: Stage) -> bool:
        """Whether a stage's names say it delivers and not that it tests or reports: a copy
        over ssh is a delivery only in a job named for one ("android-upload", "Deploy"),
        not in one that uploads test reports ("test-upload")."""
        words = set(texts.words(stage.name)) | set(texts.words(stage.id))
        return bool(words & _DELIVERY_WORDS) and not words & _NOT_DELIVERY_WORDS

    def withheld(self, step: Step) -> bool:
        """Whether what a step publishes stays out of users' reach (a draft release)."""
        return any(c.withheld and c.text is not None and c.text.search(step.text) for c in self.signals.channels)

    def _deliveries(self, kind: str, signal: Signal, step: Step, stage: Stage, names: set[str], context: Context) -> list[Delivery]:
        text = step.text
        if self.withheld(step):
            return []
        reasons: list[Signal] = []
        for channel in self.signals.channels:
            match = channel.text.search(text) if channel.text is not None and not channel.withheld else None
            if match and not (step.run and _conditional(step.run, match.start())):
                reasons.append(Signal("prerelease", "channel", channel.why, step.span))
        words = names
        if signal.tag == "publish:image":
            named = images.pushed_images(step, images.variables_of(stage))
            pushed = [ref for ref in named if not self._ci_image(ref, stage, context)]
            if named and not pushed:
                return []  # the images the project's own jobs run in
            targets = sorted({ref.name for ref in pushed if ref.tag is not None}) or ["a container registry"]
            tags = {ref.tag for ref in pushed if ref.tag is not None}
            if tags and all(_build_tag(t, self.signals) for t in tags):
                return []  # an image of one build (a commit, a pull request, a cache) for the jobs after it
            release_tags = {t for t in tags if not _build_tag(t, self.signals) and not self.signals.branch_variables.search(t)}
            if tags and not release_tags:
                reasons.append(Signal("prerelease", "channel", f"tagged only {', '.join(sorted(tags))}", step.span))
            words = words | {w for t in tags for w in texts.words(t)} | {w for r in pushed for w in texts.words(r.short)}
        elif kind in ("deploy", "docs") and stage.environment is not None:
            env = stage.environment
            if env.dynamic and env.tier in ("other", "") and not env.per_change and not env.declared:
                return []  # an environment chosen at run time: which one cannot be read
            targets = [env.name]
            if env.per_change:
                reasons.append(Signal("prerelease", "environment", f"{env.name} (one per change)", env.span))
        elif signal.tag == "deploy:ssh":
            targets = [_remote_host(signal.text) or "a server"]
        else:
            targets = [self._target(signal, step)]
            if signal.source == "workflow":
                words = words | {w for _, v in step.inputs for w in texts.words(v)}
            if targets == ["a GitHub release"] and (context.draft_release and "upload" in text or not _has_assets(step)):
                return []
            if _MVN.match(signal.text) and not _MAVEN_RELEASE.search(text) and not _tags_only(context.triggers):
                reasons.append(Signal("prerelease", "channel", "a snapshot version (a branch build)", step.span))
        env = stage.environment
        # A name saying "preview" or "nightly" does not outweigh an environment the file
        # declares as production; one saying "private" does.
        declared_production = env is not None and env.declared and env.tier == "production"
        reasons += self._word_reasons(words, step, only_always=declared_production)
        if stage.environment is not None and stage.environment.tier not in ("production", "other", "docs", ""):
            reasons.append(Signal("prerelease", "environment", f"{stage.environment.name} ({stage.environment.tier})", stage.environment.span))
        channel = "prerelease" if reasons else "stable"
        return [Delivery(kind, target, channel, step.span, (signal, *reasons)) for target in targets]

    def _target(self, signal: Signal, step: Step) -> str:
        for target, pattern in self.signals.targets:
            if pattern.search(signal.text) or (step.uses and pattern.search(step.uses)):
                return target
        if signal.source in ("workflow", "template"):
            return posixpath.basename(signal.text.partition("@")[0])
        return _GENERIC_TARGETS.get(signal.tag.partition(":")[0], "production")

    def _context_words(self, stage: Stage, pipeline: Pipeline | None) -> set[str]:
        """The words of the names around a stage that may say its channel: its own names,
        its environment's, the branches it is limited to, and (marked with a leading
        ``/``) its pipeline's name and file, where only the words that always mean a
        prerelease count ("nightly.yml", not the "dev" of "azure-dev.yml")."""
        names = [stage.name, stage.id]
        if stage.environment is not None:
            names.append(stage.environment.name)
        refs = stage.condition.refs or ()
        names += [r.rpartition("/")[2] for r in refs if r.startswith("refs/heads/")]
        words = {w for n in names if n for w in texts.words(n)}
        if pipeline is not None:
            for name in (pipeline.name, posixpath.splitext(posixpath.basename(pipeline.path))[0]):
                words |= {"/" + w for w in texts.words(name or "")}
        return words

    def _word_reasons(self, words: Iterable[str], step: Step, only_always: bool = False) -> list[Signal]:
        hits = []
        for word in sorted(words):
            channel = self.signals.channel_words.get(word.lstrip("/"))
            if channel is None or (only_always and not channel.always):
                continue
            if not word.startswith("/") or channel.pipelines:
                hits.append(word.lstrip("/"))
        return [Signal("prerelease", "channel", f"'{hits[0]}' in its names", step.span)] if hits else []

    def _ci_image(self, ref: images.ImageRef, stage: Stage, context: Context) -> bool:
        """Whether an image is one the project's own jobs run in (a CI image): a job runs in
        it; or its name is computed and jobs run in an image of the same repository path
        (``$CI_REGISTRY_IMAGE/$IMAGE_NAME`` beside jobs in ``$CI_REGISTRY_IMAGE/alpine``) or,
        from a registry of its own, with the tag it writes (``$CI_REGISTRY_IMAGE:fedora-$arch``
        beside jobs in ``registry.example.org/group/app:fedora-amd64``); or its name or its
        job's name says it serves builds and tests."""
        key = image_key(ref.name)
        used = {image_key(u): u for u in context.used_images}
        if key in used:
            return True
        prefix, _, last = key.rpartition("/")
        if prefix and texts.is_dynamic(last) and any(u.startswith(prefix + "/") for u in used):
            return True
        if texts.is_dynamic(key) and not prefix and self._same_tag(ref.tag, context.used_images):
            return True
        words = set(texts.words(_PREDEFINED.sub("", last))) | set(texts.words(stage.name)) | set(texts.words(stage.id))
        return bool(words & _CI_IMAGE_WORDS)

    def _same_tag(self, tag: str | None, used: frozenset[str]) -> bool:
        """Whether a tag's written beginning (``fedora.mozjs140`` of ``fedora.mozjs140-$arch``)
        begins the tag of an image from a private registry (a host with a dot) a job runs in."""
        written = texts.written_part(tag or "").strip("'\"").rstrip("-_.")
        if len(written) < 3 or texts.is_dynamic(written) or written.lower() in self.signals.mutable_tags:
            return False
        for reference in used:
            name, tag_used = image_key(reference), reference.rpartition(":")[2]
            if "." in name.partition("/")[0] and "/" in name and tag_used.startswith(written):
                return True
        return False


# Variables every run of a platform has: their names say nothing of the image
# (``$CI_REGISTRY_IMAGE`` is the project's registry, not a CI image).
_PREDEFINED = re.compile(r"(?i)\$\{?(?:CI|GITHUB|RUNNER|BUILD|SYSTEM|AGENT)_\w*\}?|\$\{\{\s*github\.[^}]*\}\}|\$\((?:Build|System|Agent)\.[\w.]+\)")
# Where a delivery goes when nothing names it: the environment a deploy reaches, the
# releases a publishing script makes.
_GENERIC_TARGETS = {"publish": "a release", "deploy": "production"}
# Deploy tags too weak to deliver by themselves: a copy over ssh also moves test reports.
_WEAK_DELIVERY = frozenset({"deploy:ssh"})
_DELIVERY_WORDS = frozenset({"deploy", "deployment", "release", "publish", "upload", "push", "ship", "rollout", "promote", "sync", "dist", "distribute"})
_NOT_DELIVERY_WORDS = frozenset({"test", "tests", "testing", "report", "reports", "results", "coverage", "log", "logs", "benchmark", "benchmarks", "allure"})
# `gh release create TAG [FILES…]`: files come after the tag, among the flags.
_GH_RELEASE = re.compile(r"\bgh\s+release\s+(?:create|upload)\s+(.*)")
_GH_FLAGS_WITH_VALUE = frozenset({"-t", "--title", "-n", "--notes", "-F", "--notes-file", "--target", "-R", "--repo", "--notes-start-tag", "--discussion-category", "--generate-notes-tag"})


_REMOTE = re.compile(r"(?:^|\s)['\"]?(?:[\w.$-]+@)?([A-Za-z$][\w.${}-]*):(?!//)\S*")


_SSH = re.compile(r"ssh\s+(?:-[a-zA-Z]+(?:\s+(?!\S*@)\S+)?\s+)*(?:[\w.$-]+@)([\w.${}-]+)")


def _remote_host(command: str) -> str | None:
    """The server an ssh, scp or rsync command copies to (``deploy@web1:/srv/site`` → web1)."""
    found = [m[1] for m in _REMOTE.finditer(command)]
    if found:
        return found[-1]
    ssh = _SSH.match(command)
    return ssh[1] if ssh else None


def _has_assets(step: Step) -> bool:
    """Whether a GitHub release step attaches files (binaries, packages): a release with
    only notes ships nothing a tag did not already."""
    if step.run is not None:
        for match in _GH_RELEASE.finditer(step.run):
            words = match[1].split()
            positional, skip = [], False
            for word in words:
                if skip:
                    skip = False
                elif word.startswith("-"):
                    skip = word in _GH_FLAGS_WITH_VALUE
                elif word in ("&&", "||", "|", ";"):
                    break
                else:
                    positional.append(word)
            if ("upload" in match[0].split()[2] and positional) or len(positional) > 1:
                return True
        return "gh release" not in step.run
    inputs = {k.lower(): v for k, v in step.inputs}
    name = (step.uses or "").lower()
    if name.startswith("softprops/action-gh-release"):
        return bool(inputs.get("files", "").strip())
    if name.startswith("ncipollo/release-action"):
        return bool(inputs.get("artifacts", "").strip())
    if name.startswith("actions/create-release"):
        return False
    return True


_MVN = re.compile(r"(?:\S*/)?mvnw?\b")
_OPENS = re.compile(r"^\s*(?:if|case)\b")
_CLOSES = re.compile(r"^\s*(?:fi|esac)\b")


def _conditional(script: str, offset: int) -> bool:
    """Whether ``offset`` of a shell script lies in an ``if`` or ``case`` branch: what is
    written there happens only sometimes (``--prerelease`` for versions with a suffix)."""
    depth = 0
    for line in script[:offset].splitlines():
        if _OPENS.match(line) and not _CLOSES.search(line.rsplit(";", 1)[-1]):
            depth += 1
        elif _CLOSES.match(line):
            depth = max(0, depth - 1)
    return depth > 0


def _tags_only(triggers: tuple[Trigger, ...]) -> bool:
    """Whether only tags (or published releases) can run a stage."""
    return bool(triggers) and all(t.kind == "tag" or t.event == "release" for t in triggers)


def _build_tag(tag: str, signals: Signals) -> bool:
    """An image tag that names a build, not a release: a cache, a pull request, a commit."""
    tag = tag.strip("'\"")
    if "$" in tag and signals.build_variables.search(tag):
        return True
    return tag.startswith(_BUILD_TAGS) or tag.endswith(("cache", "-cache"))


def production_environment(stage: Stage, deliveries: tuple[Delivery, ...]) -> Environment | None:
    """The environment a stage's deliveries go to, with the tier they make it: production
    for a stable deploy or publish, the docs tier for a site, a pre-production tier for a
    prerelease. A declared environment keeps its name."""
    env = stage.environment
    shipping = [d for d in deliveries if d.kind in ("deploy", "publish")]
    stable = [d for d in shipping if d.stable]
    if stable:
        if env is not None:
            return replace(env, tier="production") if env.tier != "production" else env
        first = stable[0]
        return Environment(first.target, "production", first.span, declared=False)
    if shipping:
        if env is not None:
            return replace(env, tier="staging") if env.tier in ("production", "other", "") else env
        first = shipping[0]
        return Environment(first.target, "staging", first.span, declared=False)
    docs = [d for d in deliveries if d.kind == "docs"]
    if docs:
        if env is not None:
            return replace(env, tier="docs") if env.tier in ("production", "other", "") else env
        return Environment(docs[0].target, "docs", docs[0].span, declared=False)
    return env

from collections.abc import Iterator

from cdlint import analysis
from cdlint.classify import images
from cdlint.finding import Evidence, Finding
from cdlint.model import Project, Stage
from cdlint.rule import rule

_OWN_RUNS = frozenset({"push", "pull_request", "manual", "schedule"})


def _versioned(project: Project, stage: Stage) -> bool:
    """Whether what the stage publishes gets a version from the commit, a tag or a tool."""
    if any(analysis.has_tag(s.tags, "version") for s in (stage, *project.ancestors(stage))):
        return True
    if any(t.kind == "tag" for t in project.triggers_of(stage)):
        return True
    refs = project.condition_of(stage).refs
    if refs is not None and refs and all(r.startswith("refs/tags/") for r in refs):
        return True
    # An image tag that is neither `latest` nor a branch: a version written or computed
    # in the pipeline (`app:$VERSION`, `app:1.4.2`, the metadata action's outputs).
    return any(not r.mutable for r in images.published_images(stage))


def _tag_unknown(stage: Stage) -> bool:
    """Whether the stage pushes an image named only by a variable (``docker push $IMAGE``),
    whose tag is set where cdlint does not look (``variables: {IMAGE: app:$CI_COMMIT_SHA}``)."""
    return any(
        r.tag is None and r.name.startswith("$")
        for step in stage.steps
        if analysis.has_tag(step.tags, "publish:image")
        for r in images.pushed_images(step, images.variables_of(stage))
    )


@rule(id="unversioned-build", practice="automated-versioning", severity="note")
def check(project: Project, options: dict) -> Iterator[Finding]:
    """Build outputs are published with no version derived from the commit, a tag or a versioning tool.

    A published artifact needs a version that says where it came from, so
    that what runs in production can be traced to a commit and the build
    that tested it, and an older version can be deployed again. A version
    typed by hand into a manifest before a release drifts from the commits
    and collides; a version derived by the pipeline does not. Automated
    versioning and tagging is a beginner-to-intermediate practice of the
    maturity model.

    A stage that publishes (`docker push`, `npm publish`, `twine upload`,
    `mvn deploy`, a release action...) passes when it, or a stage before
    it, computes a version (semantic-release, GitVersion, setuptools-scm,
    release-please, changesets, `git describe`, docker metadata-action,
    commit SHA or build number variables), when it runs for tags or
    releases, when it ships what another pipeline's run built (versioned
    there), or when its image tags are versions rather than `latest` or a
    branch name. Images published only as `latest` are
    `mutable-artifact-reference`'s finding and are not reported twice.

    Fix: derive the version in the pipeline: publish from tags (`on: push:
    tags`), or compute it from the commit (`1.4.$BUILD_NUMBER+$SHA`) or
    with a release tool.

    Bad (GitHub Actions):

        on: {push: {branches: [main]}}
        jobs:
          publish:
            steps: [{run: npm publish}]

    Good:

        on: {push: {tags: ['v*']}}
        jobs:
          publish:
            steps: [{run: npm publish}]
    """
    for stage in project.stages("publish"):
        # Releases only: a prerelease channel (a snapshot, a nightly, TestPyPI) versions
        # builds its own way, and a rehearsal publishes nothing.
        released = {d.span for d in stage.deliveries if d.kind == "publish" and d.stable}
        steps = [s for s in stage.steps if s.span in released]
        triggers = project.triggers_of(stage)
        # Runs for tags have their version; runs started by another pipeline or an API call
        # get theirs from the caller.
        if not steps or not triggers or any(t.kind not in _OWN_RUNS for t in triggers):
            continue
        # Publishes of pull requests (previews) and of test jobs run on pull requests or by
        # hand (fixture images) are rehearsals, not releases.
        if all(t.kind == "pull_request" for t in triggers):
            continue
        if stage.has("test") and not any(t.kind in ("push", "schedule") for t in triggers):
            continue
        if stage.environment is not None and stage.environment.tier in ("testing", "development", "review"):
            continue
        # What another pipeline's run built was versioned there.
        if any(a.source for a in stage.consumes):
            continue
        pushed = images.published_images(stage)
        if pushed and all(r.mutable for r in pushed):
            continue
        if _tag_unknown(stage):
            continue
        if _versioned(project, stage):
            continue
        evidence = [
            Evidence(steps[0].span, f"publishes: {steps[0].label}"),
            Evidence(triggers[0].span, f"'{triggers[0].event or triggers[0].kind}' starts it, not a tag, and no step computes a version"),
        ]
        yield Finding(
            stage.span,
            f"'{stage.name}' publishes with no version derived from the commit, a tag or a versioning tool",
            tuple(evidence),
            key=stage.key,
        )

from collections.abc import Iterator

from cdlint import analysis
from cdlint.finding import Evidence, Finding
from cdlint.model import Project, Stage, Step
from cdlint.rule import rule, tiers_option

TIERS = tiers_option(["production", "staging"], "environment tiers whose deploys must ship an artifact built upstream")


@rule(id="deploy-rebuilds-artifact", practice="build-once-deploy-anywhere", severity="warning", options={"tiers": TIERS})
def check(project: Project, options: dict) -> Iterator[Finding]:
    """A deploy stage builds what it deploys instead of shipping the artifact built and tested upstream.

    Build once, deploy anywhere: the binary, package or image that passed the
    tests is the one that reaches staging and production. A deploy that runs
    the build again (compile, package, `docker build`) ships something that
    was never tested, and may differ from it (new dependency versions, another
    base image, a different commit). Separate builds per environment are the
    same smell, and each such deploy is reported.

    Platforms make the right thing easy: GitHub upload/download-artifact,
    GitLab artifacts with needs/dependencies, Azure deployment jobs that
    download the run's pipeline artifacts by default, Jenkins stash/unstash,
    and registries for images (push once by digest or version tag, then
    deploy that reference).

    Fix: build and publish the artifact in one stage, test it, and make each
    deploy download or pull that exact artifact.

    Bad (GitLab CI):

        deploy-prod:
          stage: deploy
          environment: production
          script:
            - docker build -t app:$CI_COMMIT_SHA .
            - kubectl set image deploy/app app=app:$CI_COMMIT_SHA

    Good:

        build:
          stage: build
          script: docker build -t $IMAGE:$CI_COMMIT_SHA . && docker push $IMAGE:$CI_COMMIT_SHA
        deploy-prod:
          stage: deploy
          environment: production
          script: kubectl set image deploy/app app=$IMAGE:$CI_COMMIT_SHA
    """
    for stage in analysis.deliveries(project, options["tiers"]):
        consumed = [e for e in project.incoming(stage) if e.kind == "artifact"]
        builds = analysis.build_steps(stage)
        if consumed and builds and all(analysis.has_tag(s.tags, "build:docker") and not analysis.has_tag(s.tags, "build:compile") for s in builds):
            # An image around what was built upstream (a downloaded binary) ships the
            # tested build.
            continue
        shipped_by = _self_contained(stage) if not builds and not consumed else None
        if not builds and shipped_by is None:
            continue
        where = builds[0] if builds else shipped_by
        target = analysis.shipped_to(stage)
        evidence = [Evidence(where.span, f"builds: {where.label}" if builds else f"builds what it ships: {where.label}")]
        if consumed:
            evidence.append(Evidence(consumed[0].span, f"also receives '{consumed[0].label}' from upstream, yet rebuilds"))
        earlier = next((up for up in project.ancestors(stage) if analysis.build_steps(up)), None)
        if earlier is not None:
            evidence.append(Evidence(earlier.span, f"'{earlier.name}' already builds before it"))
            message = f"rebuilds before it ships to {target} instead of shipping the artifact built upstream"
        else:
            message = f"builds what it ships to {target} in the delivering stage itself, so no earlier stage tested that artifact"
        yield Finding(stage.span, f"'{stage.name}' {message}", tuple(evidence), key=stage.key)


def _self_contained(stage: Stage) -> Step | None:
    """The step of a release made by the project's own script (``make publish``,
    ``./publish_docker.sh``) or by a release tool that runs the project's release script
    (changesets, semantic-release), in a stage that takes no artifact from elsewhere: what
    it ships is built where it runs."""
    if stage.consumes or any(s.tags & {"artifact:download", "artifact:unstash"} for s in stage.steps):
        return None
    for delivery in stage.deliveries:
        signal = delivery.evidence[0] if delivery.evidence else None
        if signal is None or delivery.kind != "publish":
            continue
        if signal.tag == "publish:script" or (signal.source == "action" and delivery.target == "npm"):
            return next((s for s in stage.steps if s.span == delivery.span), None)
    return None

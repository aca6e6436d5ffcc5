from collections.abc import Iterator

from cdlint import analysis
from cdlint.finding import Evidence, Finding
from cdlint.model import Project
from cdlint.rule import rule

TIERS = {
    "type": "array",
    "items": {"enum": ["production", "staging", "testing", "development", "review", "other"]},
    "default": ["production", "staging"],
    "description": "environment tiers whose deploys must ship an artifact built upstream",
}


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
    for stage in analysis.deploys(project, options["tiers"]):
        builds = stage.steps_tagged("build")
        if not builds:
            continue
        step = builds[0]
        evidence = [Evidence(step.span, f"builds: {step.label}")]
        consumed = [e for e in project.incoming(stage) if e.kind == "artifact"]
        if consumed:
            evidence.append(Evidence(consumed[0].span, f"also receives '{consumed[0].label}' from upstream, yet rebuilds"))
        earlier = next((up for up in project.ancestors(stage) if up.steps_tagged("build")), None)
        if earlier is not None:
            evidence.append(Evidence(earlier.span, f"'{earlier.name}' already builds before it"))
            message = "rebuilds before deploying to '{}' instead of shipping the artifact built upstream"
        else:
            message = "builds what it deploys to '{}' in the deploy stage itself, so no earlier stage tested that artifact"
        yield Finding(
            stage.span, f"'{stage.name}' " + message.format(stage.environment.name), tuple(evidence), key=stage.key
        )

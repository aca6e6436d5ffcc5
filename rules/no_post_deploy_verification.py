from collections.abc import Iterator

from cdlint import analysis
from cdlint.finding import Evidence, Finding
from cdlint.model import Project, Stage
from cdlint.rule import rule

VERIFY_COMMANDS = {
    "type": "array",
    "items": {"type": "string", "format": "regex"},
    "default": [],
    "description": "regular expressions of further commands or step names that verify a deploy (your smoke-test script)",
}


def _verifies(stage: Stage, patterns: list[str]) -> bool:
    return stage.has("verify") or stage.has("test") or bool(patterns and analysis.matching_steps(stage, patterns))


@rule(
    id="no-post-deploy-verification",
    practice="post-deploy-verification",
    severity="warning",
    options={"verify_commands": VERIFY_COMMANDS},
)
def check(project: Project, options: dict) -> Iterator[Finding]:
    """A production deploy is followed by no smoke test, health check or verification.

    A deploy that exits 0 has copied files or applied manifests; it has not
    shown that the new version serves requests. Checking right after the
    deploy (a smoke test, a health endpoint, waiting for the rollout to
    become ready) turns "deployed" into "working", catches a bad config or
    a missing secret in minutes, and is what a rollback decision is made
    on. Verifying each deploy automatically is part of a mature deploy
    process.

    Counted as verification: a step after the deploy step in the same
    stage, or a stage after the deploy, that runs a smoke test (`curl
    .../health`, a script or job called smoke), waits for the rollout
    (`kubectl rollout status`, `helm --wait`/`--atomic`, `aws ecs wait
    services-stable`), or runs tests; add your own commands with the
    `verify_commands` option. Releases that only publish a package or image,
    and infrastructure applies (`terraform apply`, ARM or CloudFormation
    deployments, which fail when a resource does), are left out.

    Fix: add a verification step or stage after the production deploy
    that fails the pipeline when the new version is not healthy.

    Bad (GitHub Actions):

        deploy:
          environment: production
          steps:
            - run: kubectl apply -f k8s/

    Good:

        deploy:
          environment: production
          steps:
            - run: kubectl apply -f k8s/
            - run: kubectl rollout status deployment/app --timeout=5m
            - run: curl --fail --retry 5 https://app.example.com/healthz
    """
    patterns = options["verify_commands"]
    for stage in analysis.deploys(project):
        if analysis.ships_a_release_only(stage) or analysis.provisions_only(stage):
            continue
        inside = [s for s in analysis.after_deploy(stage) if analysis.has_tag(s.tags, "verify") or analysis.has_tag(s.tags, "test")]
        if inside or analysis.has_tag(analysis.name_tags(stage), "verify"):
            continue
        if patterns and analysis.matching_steps(stage, patterns):
            continue
        later = project.downstream(stage)
        if any(_verifies(s, patterns) for s in later):
            continue
        evidence = [Evidence(stage.span, f"'{stage.name}' deploys to '{stage.environment.name}' and checks nothing after it")]
        if later:
            names = ", ".join(f"'{s.name}'" for s in later[:3])
            evidence.append(Evidence(later[0].span, f"runs after it, without verifying: {names}"))
        else:
            evidence.append(Evidence(stage.span, "no stage runs after it"))
        yield Finding(
            stage.span,
            f"'{stage.name}' deploys to '{stage.environment.name}' with no smoke test, health check or rollout check after it",
            tuple(evidence),
            key=stage.key,
        )

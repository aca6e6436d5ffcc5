from collections.abc import Iterator

from cdlint import analysis
from cdlint.finding import Evidence, Finding
from cdlint.model import Project, Stage, Step
from cdlint.rule import rule

ROLLBACK_COMMANDS = {
    "type": "array",
    "items": {"type": "string", "format": "regex"},
    "default": [],
    "description": "regular expressions of further commands or step names that roll a deploy back or roll it out progressively",
}
# Azure deployment strategies that replace instances gradually and can stop part-way.
_GRADUAL = {"rolling", "canary", "blue-green", "bluegreen"}


def _recovers(step: Step) -> bool:
    return analysis.has_tag(step.tags, "rollback") or analysis.has_tag(step.tags, "strategy")


def _failure_handler(stage: Stage) -> bool:
    """A stage that runs when the deploy failed and deploys or rolls back."""
    return stage.when == "on_failure" and (stage.has("deploy") or analysis.has_tag(stage.tags, "rollback"))


def _way_back(project: Project, stage: Stage, patterns: list[str], rollbacks: list[Stage]) -> Evidence | None:
    for step in stage.steps:
        if _recovers(step):
            return Evidence(step.span, f"'{step.label}' rolls back or rolls out progressively")
        if step.when == "on_failure" and (analysis.has_tag(step.tags, "deploy") or analysis.has_tag(step.tags, "rollback")):
            return Evidence(step.span, f"'{step.label}' runs when the deploy fails")
    if (stage.strategy or "").lower() in _GRADUAL:
        return Evidence(stage.span, f"'{stage.strategy}' deployment strategy")
    if patterns:
        matched = analysis.matching_steps(stage, patterns)
        if matched:
            return Evidence(matched[0].span, f"'{matched[0].label}' matches a rollback command")
    for later in project.downstream(stage):
        if _failure_handler(later):
            return Evidence(later.span, f"'{later.name}' runs when the deploy fails")
    for other in rollbacks:
        if other.key == stage.key:
            continue
        env = other.environment
        if env is None or analysis.same_environment(env, stage.environment) or env.tier == stage.environment.tier:
            return Evidence(other.span, f"'{other.name}' rolls back")
    return None


@rule(id="no-rollback-path", practice="rollback-ready-deploys", severity="note", options={"rollback_commands": ROLLBACK_COMMANDS})
def check(project: Project, options: dict) -> Iterator[Finding]:
    """A production deploy has no automated way back: no rollback job, failure hook or progressive rollout.

    Every deploy can go wrong; what matters is how fast production is back
    to the last good version. A mature deploy process plans for it: a
    rollout that stops and undoes itself when the new version is unhealthy
    (`helm upgrade --atomic`, Argo Rollouts, canary or blue-green with a
    slot swap, an Azure `rolling`/`canary` strategy), or a rollback job or
    failure hook that runs when the deploy fails (`when: on_failure`,
    `if: failure()`, Azure `on: failure`, `kubectl rollout undo`, `helm
    rollback`), or a rollback pipeline kept next to the deploy.

    Re-running an earlier pipeline by hand (GitLab's environment page,
    re-running an old run) also works when deploys are idempotent and old
    artifacts are kept; this note asks for a path that needs no one at the
    keyboard. Releases that only publish a package or image, and
    infrastructure applies (rolled forward, not back), are left out. Rollout
    settings kept on the platform (an ECS deployment circuit breaker, Argo
    Rollouts' analysis) are invisible in the file; the finding says so. Add
    your own rollback commands with the `rollback_commands` option.

    Fix: make the rollout self-healing (`helm upgrade --atomic`, a
    progressive strategy), or add a job that runs when the deploy fails and
    redeploys the previous version.

    Bad (GitLab CI):

        deploy-production:
          environment: production
          script: kubectl apply -f k8s/

    Good:

        deploy-production:
          environment: production
          script: helm upgrade --install app chart/ --atomic --timeout 5m
    """
    patterns = options["rollback_commands"]
    deploys = [s for s in analysis.deploys(project) if not (analysis.ships_a_release_only(s) or analysis.provisions_only(s))]
    rollbacks = [s for s in project.stages() if analysis.has_tag(s.tags | analysis.name_tags(s), "rollback")] if deploys else []
    for stage in deploys:
        if _way_back(project, stage, patterns, rollbacks) is not None:
            continue
        deploying = analysis.deploy_steps(stage)
        evidence = [Evidence(s.span, f"deploys: {s.label}") for s in deploying[:2]] or [Evidence(stage.span, f"'{stage.name}' deploys")]
        evidence.append(Evidence(stage.span, "no rollback job, failure hook or progressive rollout in the pipelines"))
        evidence.append(Evidence(stage.span, "rollback settings kept on the platform (a deployment circuit breaker, say) are not visible in the file"))
        yield Finding(
            stage.span,
            f"'{stage.name}' deploys to '{stage.environment.name}' with no automated way back (rollback job, failure hook or progressive rollout)",
            tuple(evidence),
            key=stage.key,
        )

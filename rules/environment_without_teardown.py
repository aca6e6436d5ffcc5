from collections.abc import Iterator

from cdlint import analysis
from cdlint.finding import Evidence, Finding
from cdlint.model import Environment, Project, Stage
from cdlint.rule import rule


def _dynamic(env: Environment) -> bool:
    """An environment made per branch, merge request or pull request.

    Testing-tier environments and review apps are `persistent-test-environment`'s,
    and a production environment is meant to stay, whatever its name.
    """
    if env.action != "start" or not env.dynamic or env.tier in ("production", "testing", "review"):
        return False
    return env.per_change


def _teardown(stage: Stage, candidates: list[Stage]) -> Stage | None:
    """A stage that stops or removes ``stage``'s environment (or might: a cleanup job
    that names no environment), if any, of the ``candidates`` (see :func:`_candidates`)."""
    env = stage.environment
    if stage.has("teardown"):
        return stage
    for other in candidates:
        other_env = other.environment
        if other_env is not None:
            if analysis.same_environment(other_env, env) and (other_env.action == "stop" or other.has("teardown")):
                return other
            if other.has("teardown") and other_env.tier == env.tier:
                return other
        elif other.has("teardown") and not other.tagged("env:ephemeral"):
            return other
    return None


def _candidates(project: Project) -> list[Stage]:
    """The stages that stop or tear down something, in file order: only they can be a
    stage's teardown."""
    return [s for s in project.stages() if s.has("teardown") or (s.environment is not None and s.environment.action == "stop")]


@rule(id="environment-without-teardown", practice="ephemeral-test-environments", severity="warning")
def check(project: Project, options: dict) -> Iterator[Finding]:
    """A preview or other per-branch environment is created and nothing ever stops or removes it.

    Environments made per merge request or branch (previews, per-branch
    staging copies) are the right way to try a change in isolation, as long as they go
    away with the change: otherwise every branch leaves a running copy
    behind, with its database, its cost and its stale data, until someone
    cleans up by hand. Ephemeral environments that are created and
    destroyed by the pipeline are a practice of a mature delivery process.

    An environment counts as stopped when it has a stop job (GitLab
    `on_stop` with an `action: stop` job), an automatic stop
    (`auto_stop_in`), or when a stage of the repository's pipelines tears it
    down (a destroy, uninstall or delete step, a cleanup job, a workflow run
    when the pull request closes). Review apps and testing-tier
    environments are `persistent-test-environment`'s finding and are not
    reported twice.

    Fix: add a stop job and an automatic stop to the environment, or a
    cleanup job that runs when the branch or merge request is closed.

    Bad (GitLab CI):

        preview:
          environment:
            name: preview/$CI_COMMIT_REF_SLUG
          script: helm upgrade --install preview-$CI_COMMIT_REF_SLUG chart/

    Good:

        preview:
          environment:
            name: preview/$CI_COMMIT_REF_SLUG
            on_stop: stop-preview
            auto_stop_in: 3 days
          script: helm upgrade --install preview-$CI_COMMIT_REF_SLUG chart/
        stop-preview:
          when: manual
          environment: {name: preview/$CI_COMMIT_REF_SLUG, action: stop}
          script: helm uninstall preview-$CI_COMMIT_REF_SLUG
    """
    reported: set[tuple[str, str]] = set()
    candidates = _candidates(project)
    for stage in project.stages("deploy"):
        env = stage.environment
        if env is None or not _dynamic(env) or env.stop_stage or env.auto_stop:
            continue
        if (stage.pipeline, env.name) in reported or _teardown(stage, candidates) is not None:
            continue
        reported.add((stage.pipeline, env.name))
        yield Finding(
            stage.span,
            f"'{stage.name}' creates environment '{env.name}' for each change and nothing stops or removes it",
            (Evidence(env.span, f"environment '{env.name}' has no stop job, auto-stop, or teardown stage in the pipelines"),),
            key=f"{stage.pipeline}#env:{env.name}",
        )

from collections.abc import Iterator

from cdlint.finding import Evidence, Finding
from cdlint.model import Environment, Project, Stage
from cdlint.rule import rule

SHARED = {
    "type": "array",
    "items": {"enum": ["staging", "testing", "development", "review", "other"]},
    "default": ["staging", "testing", "development"],
    "description": "tiers of environments that count as shared test environments when tests run against them",
}


def _teardowns(project: Project) -> dict[tuple[str, str], Stage]:
    """The first stage of each pipeline that stops or destroys each environment, by
    (pipeline, environment name)."""
    found: dict[tuple[str, str], Stage] = {}
    for stage in project.stages():
        other = stage.environment
        if other is not None and (other.action == "stop" or stage.has("teardown")):
            found.setdefault((stage.pipeline, other.name), stage)
    return found


@rule(
    id="persistent-test-environment",
    practice="ephemeral-test-environments",
    severity="warning",
    options={"tiers": SHARED},
)
def check(project: Project, options: dict) -> Iterator[Finding]:
    """Tests run against a long-lived shared environment, or a test environment is created and never removed.

    Tests are repeatable only when the environment they run against is
    created for the run and removed after it: state left by earlier runs,
    other branches deploying to the same place, and drift from manual changes
    make results flaky and let bugs hide. Ephemeral environments cost less
    too, because nothing idles between runs.

    cdlint reports a test stage that runs after a deploy to a fixed-name
    environment that the pipeline never tears down (smoke tests that verify
    the deploy itself are fine), and a deploy that creates a testing-tier
    environment or a review app (one environment per branch or merge request)
    with no stop job, auto-stop or destroy step: review apps without one pile
    up until someone deletes them by hand. Service containers, `docker compose up`/`down`, kind or
    minikube clusters and GitLab review apps with `on_stop` or `auto_stop_in`
    are ephemeral and pass.

    Fix: create the environment in the pipeline (per run or per merge
    request), run the tests there, and tear it down at the end (GitLab
    `environment: {on_stop, auto_stop_in}`, a destroy job with `if: always()`,
    `post { always { ... } }`).

    Bad (GitLab CI):

        deploy-qa:
          stage: deploy
          environment: qa
          script: ./deploy.sh qa
        e2e:
          stage: verify
          script: npm run e2e -- --base-url https://qa.example.com

    Good:

        deploy-review:
          stage: deploy
          environment: {name: review/$CI_COMMIT_REF_SLUG, on_stop: stop-review, auto_stop_in: 1 day}
          script: ./deploy.sh review-$CI_COMMIT_REF_SLUG
        stop-review:
          stage: deploy
          when: manual
          environment: {name: review/$CI_COMMIT_REF_SLUG, action: stop}
          script: ./undeploy.sh review-$CI_COMMIT_REF_SLUG
    """
    shared = set(options["tiers"])
    reported: set[tuple[str, str]] = set()
    teardowns = _teardowns(project)
    for stage in project.stages("test"):
        # Smoke tests after a deploy verify that deploy; they are not a test suite parked
        # on a shared environment.
        if stage.has("deploy") or stage.has("verify") or stage.tagged("env:ephemeral") or stage.when == "never":
            continue
        for env, source in _environments_under_test(project, stage):
            if env.dynamic or env.tier not in shared or env.stop_stage or env.auto_stop:
                continue
            if (stage.pipeline, env.name) in teardowns or (stage.pipeline, env.name) in reported:
                continue
            reported.add((stage.pipeline, env.name))
            evidence = [
                Evidence(source.environment.span, f"'{source.name}' deploys to '{env.name}'"),
                Evidence(stage.span, f"'{stage.name}' runs tests after it"),
            ]
            yield Finding(
                stage.span,
                f"'{stage.name}' tests against '{env.name}', a long-lived environment this pipeline never tears down",
                tuple(evidence),
                key=f"{stage.pipeline}#env:{env.name}",
            )
    for stage in project.stages("deploy"):
        env = stage.environment
        if env is None or not env.declared or env.tier not in ("testing", "review") or env.action != "start":
            continue
        if stage.when == "never":
            continue
        if env.stop_stage or env.auto_stop:
            continue
        if (stage.pipeline, env.name) in reported or (stage.pipeline, env.name) in teardowns:
            continue
        reported.add((stage.pipeline, env.name))
        yield Finding(
            stage.span,
            f"'{stage.name}' creates {'test' if env.tier == 'testing' else 'review'} environment '{env.name}' "
            "and nothing stops or removes it",
            (Evidence(env.span, f"environment '{env.name}' has no stop action, auto-stop or teardown stage"),),
            key=f"{stage.pipeline}#env:{env.name}",
        )


def _environments_under_test(project: Project, stage: Stage) -> list[tuple[Environment, Stage]]:
    """Environments a test stage runs against: those deployed before it in its pipeline.

    A test stage's own ``environment:`` is not counted: platforms use it to scope
    secrets as often as to name a target.
    """
    found: list[tuple[Environment, Stage]] = []
    if not project.any_before(stage, _deploys_before_tests):
        return found
    for up in project.ancestors(stage):
        if up.pipeline == stage.pipeline and up.has("deploy") and up.environment is not None:
            if up.environment.action == "start" and up.environment.tier != "production":
                found.append((up.environment, up))
    return found


def _deploys_before_tests(stage: Stage) -> bool:
    """A stage that may be one whose environment tests run against (whatever its pipeline)."""
    env = stage.environment
    return stage.has("deploy") and env is not None and env.action == "start" and env.tier != "production"

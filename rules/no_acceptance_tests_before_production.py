from collections.abc import Iterator

from cdlint import analysis
from cdlint.finding import Evidence, Finding, describe_path, path_evidence
from cdlint.model import Project, Stage
from cdlint.rule import rule

ACCEPTANCE = ("test:acceptance", "test:e2e", "test:integration")


def _acceptance(stage: Stage) -> bool:
    """A stage that runs acceptance-level tests, or tests whose command cdlint cannot read
    (a matrix of test tasks: some may be)."""
    return any(stage.tagged(t) for t in ACCEPTANCE) or bool(stage.has("test") and analysis.opaque_steps(stage))


def _after_preproduction_deploy(project: Project, stage: Stage) -> bool:
    """A test stage that runs after a deploy to a non-production environment: an
    acceptance stage, whatever its test runner."""
    return stage.has("test") and project.any_before(stage, _preproduction_deploy)


def _preproduction_deploy(stage: Stage) -> bool:
    return stage.has("deploy") and stage.environment is not None and not stage.environment.is_production


@rule(id="no-acceptance-tests-before-production", practice="automated-acceptance-tests", severity="note")
def check(project: Project, options: dict) -> Iterator[Finding]:
    """No acceptance, end-to-end or integration tests run on the way to production, only unit tests.

    Unit tests show that the parts work; acceptance and end-to-end tests
    show that the assembled system does what users need, in an environment
    like production. The acceptance test stage is the core of a deployment
    pipeline in continuous delivery, and automated acceptance tests mark the
    intermediate and advanced levels of the maturity model.

    For each production deploy cdlint looks at every stage before it
    (through needs, stage order, artifacts and triggering pipelines) and at
    the deploy's own steps before the deploy step, for an acceptance, BDD,
    end-to-end, UI or integration test run (Cypress, Playwright, Behave,
    Cucumber, Robot, `npm run test:e2e`, `pytest tests/integration`...),
    or for any tests that run after a deploy to a staging or test
    environment. Such suites run by other pipelines on pull requests or
    pushes count too: branch protection may require them before merge. A
    test job whose command is a variable (a matrix of test tasks) may run
    such a suite and is given the benefit of the doubt. A production stage
    that only publishes a package, image or release (`npm publish`, a PyPI
    upload) changes no running system and is left out.

    Fix: deploy the build to a production-like environment and run
    acceptance or end-to-end tests against it before the production deploy.

    Bad (GitHub Actions):

        jobs:
          unit: {steps: [{run: npm test}]}
          deploy:
            needs: unit
            environment: production
            steps: [{run: ./deploy.sh production}]

    Good:

        jobs:
          unit: {steps: [{run: npm test}]}
          deploy-staging: {needs: unit, environment: staging, steps: [{run: ./deploy.sh staging}]}
          e2e: {needs: deploy-staging, steps: [{run: npx playwright test}]}
          deploy:
            needs: e2e
            environment: production
            steps: [{run: ./deploy.sh production}]
    """
    elsewhere = any(
        _acceptance(s) and any(t.kind in ("push", "pull_request") for t in project.triggers_of(s)) for s in project.stages("test")
    )
    if elsewhere:
        return
    for stage in analysis.deploys(project):
        # A package, image or release published to a registry runs nowhere to be
        # accepted; the acceptance stage belongs to the deploy that runs it.
        if analysis.ships_a_release_only(stage):
            continue
        before = project.ancestors(stage)
        if any(_acceptance(s) or _after_preproduction_deploy(project, s) for s in before):
            continue
        if any(analysis.has_tag(step.tags, t) for step in analysis.tests_in_stage_before_deploy(stage) for t in ACCEPTANCE):
            continue
        hops = project.path_to(stage)
        tests = [s for s in before if s.has("test")]
        evidence = list(path_evidence(hops))
        if tests:
            evidence.append(Evidence(tests[0].span, f"'{tests[0].name}' runs tests, but no acceptance, end-to-end or integration tests"))
        yield Finding(
            stage.span,
            f"'{stage.name}' deploys to '{stage.environment.name}' with no acceptance, end-to-end or integration tests before it ({describe_path(hops)})",
            tuple(evidence),
            key=stage.key,
        )

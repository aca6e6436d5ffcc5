from collections.abc import Iterator

from cdlint import analysis
from cdlint.finding import Evidence, Finding, describe_path, path_evidence
from cdlint.model import Project
from cdlint.rule import rule


@rule(id="ungated-production-deploy", practice="gated-stages", severity="error")
def check(project: Project, options: dict) -> Iterator[Finding]:
    """A production deploy can run without a passing test stage before it.

    Every automatic path into production should pass through a stage that runs
    tests and stops the pipeline when they fail. Without one, anything that
    compiles is shipped. cdlint follows the stage graph from each trigger to
    the deploy: needs/dependsOn, stage order, artifacts, and upstream
    pipelines that trigger this one. A test stage is no gate when its failure
    is ignored (allow_failure, continue-on-error, continueOnError, `|| true`,
    catchError), and a deploy that runs whatever happened before it
    (`if: always()`, `when: always`, `condition: always()`, `post { always }`)
    is gated by nothing. Production deploys that run the code of a pull
    request are flagged too.

    Approvals and checks kept in platform settings (GitHub environment
    protection rules, GitLab protected environments, Azure environment
    checks) are invisible in the file; cdlint says so in the evidence. They
    are reviews, not tests. Deploys started only by hand are the business of
    `manual-production-deploy`.

    Fix: make the deploy depend, directly or through other stages, on a stage
    that runs the tests and fails when they fail; drop `always()` from the
    deploy's condition; deploy from the default branch, not from pull requests.

    Bad (GitHub Actions):

        jobs:
          build: {runs-on: ubuntu-latest, steps: [{run: make}]}
          deploy:
            needs: build
            environment: production
            steps: [{run: ./deploy.sh}]

    Good:

        jobs:
          build: {runs-on: ubuntu-latest, steps: [{run: make}]}
          test: {needs: build, runs-on: ubuntu-latest, steps: [{run: make test}]}
          deploy:
            needs: test
            environment: production
            steps: [{run: ./deploy.sh}]
    """
    for stage in analysis.deploys(project):
        if stage.when == "manual":
            continue
        automatic = [t for t in project.triggers_of(stage) if t.kind not in ("manual", "workflow_call")]
        if not automatic and project.pipeline(stage).triggers:
            continue
        gate_note = analysis.external_gate_note(stage)
        extra = (gate_note,) if gate_note else ()
        if stage.when in ("always", "on_failure"):
            where = stage.condition.span or stage.span
            yield Finding(
                stage.span,
                f"'{stage.name}' deploys to '{stage.environment.name}' even when the stages before it failed "
                f"(runs {stage.when.replace('_', ' ')})",
                (Evidence(where, f"condition: {stage.condition.text or stage.when}"), *extra),
                key=stage.key + "#always",
            )
            continue
        pull_requests = [t for t in automatic if analysis.runs_on_pull_requests(t)]
        if pull_requests:
            t = pull_requests[0]
            yield Finding(
                stage.span,
                f"'{stage.name}' deploys to '{stage.environment.name}' on pull requests ('{t.event}'), before review and merge",
                (Evidence(t.span, f"triggered by '{t.event}'"), *extra),
                key=stage.key + "#pull-request",
            )
        if analysis.passing_tests(project, stage) or analysis.tests_in_stage_before_deploy(stage):
            continue
        hops = project.path_to(stage)
        evidence = list(path_evidence(hops))
        for up in project.ancestors(stage):
            if up.has("test") and not analysis.is_gate(up):
                ignored = analysis.ignored_tests(up)
                where = ignored[0].span if ignored else up.span
                evidence.append(Evidence(where, f"test stage '{up.name}' does not stop the pipeline when it fails"))
        evidence.extend(analysis.upstream_trigger_notes(project, stage))
        evidence.extend(extra)
        yield Finding(
            stage.span,
            f"'{stage.name}' deploys to '{stage.environment.name}' with no passing test stage before it ({describe_path(hops)})",
            tuple(evidence),
            key=stage.key,
        )

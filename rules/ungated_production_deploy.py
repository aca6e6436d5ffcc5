from collections.abc import Iterator

from cdlint import analysis
from cdlint.finding import Evidence, Finding, describe_path, path_evidence
from cdlint.model import Project
from cdlint.rule import rule, tiers_option

# The pipelines named as testing the same change in parallel, at most: a repository of
# hundreds of workflows would otherwise list them all under every delivery.
PARALLEL_SHOWN = 10
TIERS = tiers_option(["production"], "environment tiers whose deliveries must pass a test first (add docs for documentation sites)")


@rule(id="ungated-production-deploy", practice="gated-stages", severity="error", options={"tiers": TIERS})
def check(project: Project, options: dict) -> Iterator[Finding]:
    """A production deploy or release can run without a passing test stage before it.

    Every path into production should pass through a stage that runs tests
    and stops the pipeline when they fail. Without one, anything that compiles
    is shipped. Production is what ordinary users get: a deploy to a
    production environment, and a stable release they install (npm, PyPI,
    crates.io, Maven Central, NuGet, container tags, GitHub releases with
    binaries, stores); nightlies, snapshots and other prereleases are not.

    cdlint follows the stage graph from each trigger to the delivery:
    needs/dependsOn, stage order, artifacts, and upstream pipelines that
    trigger this one. Every path counts, also one a person starts: a release
    workflow run by hand with no test before it ships untested code (and
    `manual-production-deploy` reports that it is a manual push as well). A
    test stage is no gate when its failure is ignored (allow_failure,
    continue-on-error, continueOnError, `|| true`, catchError) and nothing
    checks the results afterwards, and a delivery that runs whatever happened
    before it (`if: always()`, `when: always`, `condition: always()`,
    `post { always }`) is gated by nothing. Tests of the same commit in
    another workflow do not gate a release workflow that does not wait for
    them (they run side by side); the finding names them. Production
    deliveries that run the code of a pull request are flagged too, unless
    the delivering script asks whether it runs for one (`BUILD_REASON`,
    `CI_PIPELINE_SOURCE == "merge_request_event"`, `GITHUB_EVENT_NAME`) or
    on a protected ref (`CI_COMMIT_REF_PROTECTED`), and so may do something
    else there.

    Approvals and checks kept in platform settings (GitHub environment
    protection rules, GitLab protected environments, Azure environment
    checks) are invisible in the file; cdlint says so in the evidence. They
    are reviews, not tests. Documentation sites are left out unless `tiers`
    includes `docs`.

    Fix: make the delivery depend, directly or through other stages, on a
    stage that runs the tests and fails when they fail (for a release
    workflow started by a tag: run the tests in it, or trigger it from the
    CI with `workflow_run` and check that the run succeeded); drop `always()`
    from its condition; deliver from the default branch, not from pull
    requests.

    Bad (GitHub Actions):

        on: {push: {tags: ['v*']}}
        jobs:
          publish:
            runs-on: ubuntu-latest
            steps: [{run: npm ci && npm publish}]

    Good:

        on: {push: {tags: ['v*']}}
        jobs:
          test: {runs-on: ubuntu-latest, steps: [{run: npm ci && npm test}]}
          publish:
            needs: test
            runs-on: ubuntu-latest
            steps: [{run: npm ci && npm publish}]
    """
    for stage in analysis.deliveries(project, options["tiers"]):
        if analysis.called_only(project, stage):
            continue  # a reusable workflow's job: its callers decide what runs before it
        what = analysis.delivers_to(stage)
        gate_note = analysis.external_gate_note(stage)
        extra = (gate_note,) if gate_note else ()
        if stage.when in ("always", "on_failure"):
            where = stage.condition.span or stage.span
            yield Finding(
                stage.span,
                f"'{stage.name}' {what} even when the stages before it failed (runs {stage.when.replace('_', ' ')})",
                (Evidence(where, f"condition: {stage.condition.text or stage.when}"), *extra),
                key=stage.key + "#always",
            )
            continue
        automatic = [t for t in project.triggers_of(stage) if t.kind not in ("manual", "workflow_call")]
        pull_requests = [t for t in automatic if analysis.runs_on_pull_requests(t)]
        if pull_requests and not stage.tagged("guard"):
            t = pull_requests[0]
            yield Finding(
                stage.span,
                f"'{stage.name}' {what} on pull requests ('{t.event}'), before review and merge",
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
        message = f"'{stage.name}' {what} with no passing test stage before it ({describe_path(hops)})"
        parallel = analysis.parallel_tests(project, stage)
        if parallel:
            trigger, tests = parallel[0]
            pipeline = project.pipeline(stage)
            message += (
                f"; tests of this revision run in {tests.pipeline}, which {pipeline.path} does not wait for"
            )
            shown, rest = parallel[:PARALLEL_SHOWN], parallel[PARALLEL_SHOWN:]
            evidence += [Evidence(t.span, f"'{t.name}' in {t.pipeline} tests the same change, in parallel") for _, t in shown]
            if rest:
                evidence.append(Evidence(rest[0][1].span, f"and the tests of {len(rest)} more pipelines, in parallel"))
        evidence.extend(analysis.upstream_trigger_notes(project, stage))
        evidence.extend(extra)
        yield Finding(stage.span, message, tuple(evidence), key=stage.key)

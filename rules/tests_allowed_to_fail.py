from collections.abc import Iterator

from cdlint import analysis
from cdlint.finding import Evidence, Finding
from cdlint.model import Project
from cdlint.rule import rule


@rule(id="tests-allowed-to-fail", practice="gated-stages", severity="warning")
def check(project: Project, options: dict) -> Iterator[Finding]:
    """A test stage or step ignores its own failure, so a failing test stops nothing.

    Tests are worth running only when a failure stops the change: that is
    what makes a test stage a gate in the delivery pipeline. A test job with
    `allow_failure: true` (GitLab), `continue-on-error: true` (GitHub),
    `continueOnError: true` (Azure), a `catchError` or `returnStatus` whose
    result nobody checks (Jenkins), or a test command followed by `|| true`,
    `|| echo`, `; exit 0` or under `set +e` runs, goes red, and the pipeline
    carries on; after a while nobody looks at it. Each ignored test is
    reported once, wherever it is; `ungated-production-deploy` says in
    addition when the production deploy then has no passing test before it.

    Jobs started by hand (optional, and allowed to fail by default on
    GitLab) and benchmarks (timings, not verdicts) are left out.

    Known-flaky or experimental suites (a new runtime version, a nightly
    dependency) are the usual reason; keep them out of the gating stages
    instead: a separate scheduled pipeline, or a quarantine list the test
    runner reads, so the suite that gates stays green and trusted.

    Fix: remove the `|| true` / `continue-on-error` / `allow_failure`, fix or
    quarantine the failing tests, and run experimental suites outside the
    path to production.

    Bad (GitLab CI):

        test:
          stage: test
          script: pytest
          allow_failure: true

    Good:

        test:
          stage: test
          script: pytest
    """
    for stage in project.stages("test"):
        # A manual job is optional, and GitLab lets it fail by default; benchmarks are
        # noisy by nature. Neither is a test suite that should gate.
        if stage.when == "manual" or not analysis.runs_tests(stage) or analysis.benchmarks_only(stage.steps):
            continue
        if stage.allow_failure:
            yield Finding(
                stage.span,
                f"test stage '{stage.name}' is allowed to fail, so failing tests do not stop the pipeline",
                (Evidence(stage.span, f"'{stage.name}' runs tests and its failure is allowed"),),
                key=stage.key,
            )
            continue
        for step in analysis.ignored_tests(stage):
            if analysis.benchmarks_only([step]) or analysis.named_only(step):
                continue
            reason = analysis.failure_reason(step) or "its failure is ignored"
            yield Finding(
                step.span,
                f"test step '{step.label}' in '{stage.name}' ignores its failure: {reason}",
                (Evidence(step.span, f"runs tests: {step.label}"),),
                key=f"{stage.key}#step:{step.label}",
            )

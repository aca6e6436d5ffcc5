from collections.abc import Iterator

from cdlint import analysis
from cdlint.finding import Evidence, Finding
from cdlint.model import Project, Span, Stage
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
    reported once, wherever it is, and an `allow_failure` written once in a
    job template that several test jobs extend is reported once, at that
    line; `ungated-production-deploy` says in addition when the production
    deploy then has no passing test before it.

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
    tests = [
        s for s in project.stages("test")
        # A manual job is optional, and GitLab lets it fail by default; benchmarks are
        # noisy by nature. Neither is a test suite that should gate.
        if s.when != "manual" and analysis.runs_tests(s) and not analysis.benchmarks_only(s.steps)
    ]
    shared: dict[Span, list[Stage]] = {}
    for stage in tests:
        if stage.allow_failure and stage.allow_failure_at is not None:
            shared.setdefault(stage.allow_failure_at, []).append(stage)
    for where, stages in shared.items():
        if len(stages) > 1:
            yield _shared_allowance(where, stages)
    for stage in tests:
        if stage.allow_failure:
            if len(shared.get(stage.allow_failure_at, ())) <= 1:
                yield Finding(
                    stage.span,
                    f"test stage '{stage.name}' is allowed to fail, so failing tests do not stop the pipeline",
                    (Evidence(stage.span, f"'{stage.name}' runs tests and its failure is allowed"),),
                    key=stage.key,
                )
            continue
        rechecked = analysis.is_gate(stage)
        for step in analysis.ignored_tests(stage):
            if analysis.benchmarks_only([step]) or analysis.named_only(step):
                continue
            if rechecked and _verdict_after(stage, step):
                continue  # a later step fails the stage on the same results
            reason = analysis.failure_reason(step) or "its failure is ignored"
            yield Finding(
                step.span,
                f"test step '{step.label}' in '{stage.name}' ignores its failure: {reason}",
                (Evidence(step.span, f"runs tests: {step.label}"),),
                key=f"{stage.key}#step:{step.label}",
            )


def _verdict_after(stage: Stage, step) -> bool:
    later = stage.steps[stage.steps.index(step) + 1:]
    return any("verdict" in s.tags and not analysis.failure_ignored(s) for s in later)


def _shared_allowance(where: Span, stages: list[Stage]) -> Finding:
    """One finding for a template's ``allow_failure`` that every job extending it inherits:
    one line to fix (or to ignore), not one finding per job."""
    names = ", ".join(f"'{s.name}'" for s in stages[:3]) + (f" and {len(stages) - 3} more" if len(stages) > 3 else "")
    evidence = [Evidence(where, f"allow_failure is written here, for {len(stages)} test stages")]
    evidence += [Evidence(s.span, f"'{s.name}' runs tests with it") for s in stages[:5]]
    return Finding(
        where,
        f"{len(stages)} test stages ({names}) are allowed to fail by this one setting, so failing tests do not stop the pipeline",
        tuple(evidence),
        key=f"{where.path}#allow-failure#{min(s.key for s in stages)}",
    )

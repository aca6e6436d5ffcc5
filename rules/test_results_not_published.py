from collections.abc import Iterator

from cdlint import analysis
from cdlint.finding import Evidence, Finding
from cdlint.model import Project, Stage, Step
from cdlint.rule import rule

REPORTS = ("report:junit", "report:html")


def _suite(step: Step) -> bool:
    """A test suite with pass/fail results; benchmarks report timings, not results, and a
    smoke check after a deploy is a verification, not a suite to track."""
    if "verify:smoke" in step.tags:
        return False
    return any(t.startswith("test:") and t != "test:performance" for t in step.tags)


@rule(id="test-results-not-published", practice="published-test-reports", severity="note")
def check(project: Project, options: dict) -> Iterator[Finding]:
    """Tests run, but their results are not published as a test report.

    A test report turns a red pipeline into an answer: which test failed,
    since when, how often it flakes, how long the suite takes. Without one,
    someone reads thousands of log lines, and nobody can see trends. Every
    platform reads JUnit-style results: GitLab `artifacts:reports:junit`
    (shown in merge requests), Azure `PublishTestResults` (and the test
    tasks that publish by default), Jenkins `junit`, and on GitHub a
    reporting action (dorny/test-reporter, publish-unit-test-result-action,
    action-junit-report) or an uploaded results file. Publishing test
    reports is a practice of the Information & Reporting category.

    Reported once per pipeline that runs a test runner cdlint knows
    (pytest, Jest, `go test`, Maven Surefire...), at its first test stage;
    benchmarks, which report timings rather than results, and smoke checks
    after a deploy are left out;
    steps that are tests only by name (a smoke check called "Test the
    build") are left out. A report published by a pipeline that runs after
    it (a `workflow_run` reporter) counts.

    Fix: make the test runner write JUnit XML (`pytest --junitxml`,
    `jest-junit`, `go-junit-report`, Maven Surefire) and publish it, also
    when the tests fail.

    Bad (GitLab CI):

        test:
          script: pytest

    Good:

        test:
          script: pytest --junitxml=report.xml
          artifacts:
            when: always
            reports: {junit: report.xml}
    """
    for pipeline in project.pipelines:
        tests = [s for s in pipeline.stages if any(_suite(step) for step in analysis.test_runner_steps(s))]
        if not tests:
            continue
        if _reports(analysis.tags_of(project, pipeline)) or any(project.any_after(s, _publishes) for s in tests):
            continue
        first = min(tests, key=lambda s: (s.span, s.id))
        names = ", ".join(f"'{s.name}'" for s in tests[:3]) + (f" and {len(tests) - 3} more" if len(tests) > 3 else "")
        evidence = [Evidence(s.span, f"'{s.name}' runs tests") for s in tests[:3]]
        evidence += [Evidence(r.span, f"'{r.target}' was not read; a report published there would not be seen") for r in pipeline.references[:1]]
        yield Finding(
            first.span,
            f"tests run in {names}, but no test report is published",
            tuple(evidence),
            key=f"{pipeline.path}#test-results",
        )


def _reports(tags) -> bool:
    return any(analysis.has_tag(tags, r) for r in REPORTS)


def _publishes(stage: Stage) -> bool:
    return _reports(stage.tags)

from collections.abc import Iterator

from cdlint import analysis
from cdlint.finding import Evidence, Finding
from cdlint.model import Project
from cdlint.rule import rule


@rule(id="no-performance-tests", practice="automated-performance-tests", severity="note")
def check(project: Project, options: dict) -> Iterator[Finding]:
    """A pipeline deploys to production, and no pipeline of the repository runs a load or performance test.

    Functional tests say the software works; they do not say it still works
    under production load. A regression in latency or throughput found by
    a load test in the pipeline costs a revert; found by users it costs an
    incident. Automated performance testing is a practice of the advanced
    levels of the maturity model.

    Load tools (k6, JMeter, Gatling, Locust, Artillery, Vegeta) and
    benchmark suites (`cargo bench`, `go test -bench`, pytest-benchmark,
    asv, JMH) count, wherever they run: a nightly load test against staging
    is as good as one before each deploy. Reported once per repository, at
    the first production deploy, with each pipeline's production deploy as
    evidence; releases that only publish a package or image are not services
    and are left out.

    Fix: add a performance test against a production-like environment
    (staging, or an ephemeral copy), with thresholds that fail the run, in
    the delivery pipeline or on a schedule.

    Bad (GitLab CI):

        deploy-production:
          stage: deploy
          environment: production
          script: ./deploy.sh production

    Good:

        load-test:
          stage: verify
          environment: staging
          script: k6 run --threshold 'http_req_duration{p(95)}<500' load.js
        deploy-production:
          stage: deploy
          needs: [load-test]
          environment: production
          script: ./deploy.sh production
    """
    if analysis.has_tag(analysis.tags_of(project), "test:performance"):
        return
    seen: set[str] = set()
    deploys = []
    for stage in analysis.deploys(project):
        if stage.pipeline in seen or analysis.ships_a_release_only(stage):
            continue
        seen.add(stage.pipeline)
        deploys.append(stage)
    if not deploys:
        return
    # A fact about the repository: one finding, at the first production deploy, with each
    # pipeline's production deploy as evidence.
    deploys.sort(key=lambda s: (s.span, s.id))
    first = deploys[0]
    if len(deploys) == 1:
        message = f"'{first.name}' deploys to '{first.environment.name}', and no pipeline runs a load or performance test"
    else:
        message = f"{len(deploys)} pipelines deploy to production, and none runs a load or performance test"
    yield Finding(
        first.span,
        message,
        (*(Evidence(s.span, f"'{s.name}' deploys to '{s.environment.name}'") for s in deploys),
         Evidence(first.span, "no load test, benchmark or performance suite runs in this repository's pipelines")),
        key="project#performance",
    )

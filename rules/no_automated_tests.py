from collections.abc import Iterator

from cdlint import analysis
from cdlint.finding import Evidence, Finding
from cdlint.model import Pipeline, Project, Stage
from cdlint.rule import rule


def _builds(stage: Stage) -> bool:
    """Whether a stage builds software: a build command or action, or a job named for
    building ("build-and-deploy", where a deploy action builds remotely). Documentation
    builds alone do not count, nor a step that only says "build" in its name."""
    steps = [s for s in stage.steps if not analysis.named_only(s)]
    if any(t.startswith("build:") and t != "build:docs" for s in steps for t in s.tags):
        return True
    return "build" in analysis.name_tags(stage) and not any("build:docs" in s.tags for s in steps)


def _ships(stage: Stage) -> bool:
    """Whether a stage deploys or publishes, by a deploy or publish command or action, or
    by the environment it declares."""
    steps = [s for s in stage.steps if not analysis.named_only(s)]
    if any(t.startswith(("deploy:", "publish:")) for s in steps for t in s.tags):
        return True
    env = stage.environment
    return stage.has("deploy") and env is not None and env.declared and env.action == "start"


def _tested(project: Project, pipeline: Pipeline) -> bool:
    """Whether tests run in the pipeline, before it, or on commits in the repository, or may
    run in templates of those cdlint did not read."""
    if analysis.partly_read(pipeline) or any(_tests(s) for s in pipeline.stages):
        return True
    if any(_tests(up) for s in pipeline.stages for up in project.ancestors(s)):
        return True
    # Tests that run on every push or pull request in another pipeline are the
    # repository's test suite; whether they gate this deploy is another rule's question.
    return any(
        _tests(s) and any(t.kind in ("push", "pull_request") for t in project.triggers_of(s))
        for other in project.pipelines
        for s in other.stages
    ) or any(p.commit_triggers and analysis.partly_read(p) for p in project.pipelines)


def _tests(stage: Stage) -> bool:
    """A stage that runs tests, or publishes test results (which some test run made)."""
    return stage.has("test") or analysis.has_tag(stage.tags, "report:junit")


@rule(id="no-automated-tests", practice="automated-tests", severity="warning")
def check(project: Project, options: dict) -> Iterator[Finding]:
    """A pipeline builds and deploys, but no tests run at all.

    Automated tests are the first step beyond a build server: without them
    every deploy is a guess that the change works, and the pipeline only
    moves bits. The maturity model places automated unit tests at the
    beginner level and builds everything after on them.

    A pipeline that builds (compiles, packages, builds an image) and
    deploys or publishes is reported when no test runs in it, in a pipeline
    that triggers it, or in any pipeline of the repository that runs on
    pushes or pull requests. Whether the tests gate the deploy is
    `ungated-production-deploy`'s concern. Documentation builds alone do
    not count as builds. Templates or includes cdlint could not read may
    hold the tests, so such pipelines are not reported.

    Fix: run the project's tests in the pipeline (or in the pipeline that
    triggers it), before the deploy.

    Bad (GitHub Actions):

        on: {push: {branches: [main]}}
        jobs:
          release:
            runs-on: ubuntu-latest
            steps:
              - run: docker build -t ghcr.io/acme/app:${{ github.sha }} .
              - run: docker push ghcr.io/acme/app:${{ github.sha }}

    Good:

        on: {push: {branches: [main]}}
        jobs:
          test: {runs-on: ubuntu-latest, steps: [{run: make test}]}
          release:
            needs: test
            runs-on: ubuntu-latest
            steps:
              - run: docker build -t ghcr.io/acme/app:${{ github.sha }} .
              - run: docker push ghcr.io/acme/app:${{ github.sha }}
    """
    for pipeline in project.pipelines:
        builds = [s for s in pipeline.stages if _builds(s)]
        ships = [s for s in pipeline.stages if _ships(s)]
        if not builds or not ships or _tested(project, pipeline):
            continue
        build = min(builds, key=lambda s: (s.span, s.id))
        ship = min(ships, key=lambda s: (s.span, s.id))
        where = f"to '{ship.environment.name}'" if ship.environment else ""
        evidence = [Evidence(build.span, f"'{build.name}' builds")]
        evidence.append(Evidence(ship.span, f"'{ship.name}' {'deploys ' + where if ship.has('deploy') else 'publishes'}".rstrip()))
        evidence.append(Evidence(analysis.anchor(pipeline), "no stage of this pipeline, of a pipeline before it, or of a pipeline run on commits runs tests"))
        yield Finding(
            analysis.anchor(pipeline),
            f"'{pipeline.name or pipeline.path}' builds and {'deploys' if ship.has('deploy') else 'publishes'} but runs no tests",
            tuple(evidence),
            key=f"{pipeline.path}#no-tests",
        )

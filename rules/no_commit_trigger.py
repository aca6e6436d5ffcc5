from collections.abc import Iterator

from cdlint import analysis
from cdlint.finding import Evidence, Finding
from cdlint.model import Project, Stage
from cdlint.rule import rule

# Trigger kinds that do not follow a commit. Anything else (push, pull request, tag,
# an upstream pipeline, an API call, a call from another workflow) may.
_NOT_ON_COMMIT = frozenset({"schedule", "manual"})
_WORK = ("build", "test")
_VERBS = {"build": "builds", "test": "runs tests"}


def _does(stage: Stage, work: str) -> bool:
    """Whether a stage builds (``work`` "build") or runs tests ("test"): a step called
    "Test if the config exists" runs no tests."""
    return analysis.runs_tests(stage) if work == "test" else stage.has(work)


def _on_commit(project: Project, stage: Stage) -> bool:
    """Whether a stage may run because of a commit (or cdlint cannot tell that it never does)."""
    pipeline = project.pipeline(stage)
    if not pipeline.triggers:
        return True
    return any(t.kind not in _NOT_ON_COMMIT for t in project.triggers_of(stage))


@rule(id="no-commit-trigger", practice="builds-on-commit", severity="warning")
def check(project: Project, options: dict) -> Iterator[Finding]:
    """A pipeline builds or tests only on a schedule or by hand, and no pipeline does that work on commits.

    Continuous integration means every commit is built and tested, within
    minutes, while its author still has it in mind. Builds that run
    nightly or when somebody remembers to press the button find a breakage
    a day later, mixed with everybody else's changes. A build triggered on
    every commit is a beginner-level practice of the maturity model.

    A pipeline is reported when it builds or tests, every trigger it has is
    a schedule or a manual start, and no other pipeline of the repository
    builds (respectively tests) on pushes or pull requests. A nightly
    extended test suite next to a CI workflow that tests every push is
    fine; a release workflow started by hand next to one that builds every
    push is fine. A Jenkinsfile is built on pushes by its multibranch job
    unless `options { overrideIndexTriggers(false) }` (or the same job
    property in `properties([...])`) turns that off. A pipeline with no
    triggers at all (a template, a job only other jobs start) is not
    reported, nor one beside a commit-triggered pipeline whose templates
    cdlint could not read.

    Fix: trigger the pipeline on pushes and pull/merge requests (keep the
    schedule for the slow suites if you like).

    Bad (GitHub Actions):

        on:
          schedule: [{cron: '0 2 * * *'}]
          workflow_dispatch:
        jobs:
          test: {runs-on: ubuntu-latest, steps: [{run: make test}]}

    Good:

        on:
          push: {branches: [main]}
          pull_request:
        jobs:
          test: {runs-on: ubuntu-latest, steps: [{run: make test}]}
    """
    on_commit: set[str] = set()
    for stage in project.stages():
        if _on_commit(project, stage):
            on_commit |= {k for k in _WORK if _does(stage, k)}
    # A pipeline run on commits whose templates cdlint did not read may build and test there.
    if any(p.commit_triggers and analysis.partly_read(p) for p in project.pipelines):
        on_commit |= set(_WORK)
    for pipeline in project.pipelines:
        if not pipeline.triggers or any(t.kind not in _NOT_ON_COMMIT for t in pipeline.triggers):
            continue
        work = [s for s in pipeline.stages if any(_does(s, k) for k in _WORK) and not _on_commit(project, s)]
        missing = sorted({k for s in work for k in _WORK if _does(s, k)} - on_commit)
        if not missing:
            continue
        how = " and ".join(sorted({"on a schedule" if t.kind == "schedule" else "by hand" for t in pipeline.triggers}))
        doing = "builds" if missing == ["build"] else "tests" if missing == ["test"] else "builds and tests"
        evidence = [Evidence(t.span, f"'{t.event or t.kind}' starts it {'on a schedule' if t.kind == 'schedule' else 'by hand'}") for t in pipeline.triggers]
        # The first stage doing each kind of work, with what it does itself.
        firsts = {k: min((s for s in work if _does(s, k)), key=lambda s: (s.span, s.id)) for k in missing}
        for stage in sorted(set(firsts.values()), key=lambda s: (s.span, s.id)):
            own = [k for k in missing if firsts[k] is stage]
            evidence.append(Evidence(stage.span, f"'{stage.name}' {' and '.join(_VERBS[k] for k in own)}"))
        evidence.append(Evidence(analysis.anchor(pipeline), f"no pipeline {doing} on pushes or pull requests"))
        yield Finding(
            analysis.anchor(pipeline),
            f"'{pipeline.name or pipeline.path}' {doing} only {how}; no pipeline {doing} on pushes or pull requests",
            tuple(evidence),
            key=f"{pipeline.path}#no-commit-trigger",
        )

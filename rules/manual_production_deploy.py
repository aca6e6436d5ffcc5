import re
from collections.abc import Iterator

from cdlint import analysis
from cdlint.finding import Evidence, Finding
from cdlint.model import Input, Project, Stage, Trigger
from cdlint.rule import rule, tiers_option

# Manual triggers a platform offers every pipeline (Azure's "Run pipeline", GitLab's "Run
# pipeline" in the web UI), as opposed to an entry point a pipeline declares
# (workflow_dispatch, Jenkins parameters).
_RUN_BUTTONS = ("manual run", "web")
_VERSIONISH = re.compile(r"version|ref|tag|sha|commit|revision|image|release|artifact|build|branch", re.IGNORECASE)


def _used_inputs(stage: Stage, trigger: Trigger) -> list[Input]:
    """Free-text inputs of a manual trigger that name what gets deployed and that the stage reads."""
    used = []
    for item in trigger.inputs:
        if not item.free or not _VERSIONISH.search(item.name):
            continue
        pattern = re.compile(r"\b(?:inputs|params|parameters|event\.inputs)\.%s\b|\$\{?%s\b" % ((re.escape(item.name),) * 2))
        if any(pattern.search(step.text) for step in stage.steps) or (
            stage.environment and pattern.search(stage.environment.name)
        ):
            used.append(item)
    return used


TIERS = tiers_option(["production"], "environment tiers that must not be shipped to by hand (add docs for documentation sites)")


@rule(id="manual-production-deploy", practice="no-manual-production-pushes", severity="error", options={"tiers": TIERS})
def check(project: Project, options: dict) -> Iterator[Finding]:
    """Production can be deployed by hand without building and testing the same revision first.

    Continuous delivery makes every production change travel the same
    automated path: commit, build, test, deploy. A pipeline that a person can
    start (workflow_dispatch, `when: manual`, also a GitLab rule that makes a
    job manual only in merge request pipelines, parameterized Jenkins jobs,
    Azure pipelines with `trigger: none`) and that deploys to production
    without building and testing in that run bypasses the path; one that lets
    the person type the version, tag or ref to ship deploys something nobody
    vouched for.

    A manual *approval* on the tested path is a gate, not a push: a manual
    GitLab deploy job after the test stage, an Azure ManualValidation or
    environment approval after tests, a Jenkins `input` after the test stage
    all pass. Rolling back is best done the same way, by redeploying a
    version that went through the pipeline.

    Fix: deploy from the pipeline that built and tested the revision (after
    an approval if you need one); if a manual trigger must exist, make it run
    the build and tests for the chosen revision before deploying.

    Bad (GitHub Actions):

        on:
          workflow_dispatch:
            inputs: {version: {required: true}}
        jobs:
          deploy:
            environment: production
            steps: [{run: './deploy.sh ${{ inputs.version }}'}]

    Good:

        on: {push: {branches: [main]}}
        jobs:
          test: {steps: [{run: make test}]}
          deploy:
            needs: test
            environment: production
            steps: [{run: ./deploy.sh}]
    """
    for stage in analysis.deliveries(project, options["tiers"]):
        if analysis.called_only(project, stage):
            continue  # a reusable workflow's job: its callers decide who starts it
        what = analysis.delivers_to(stage)
        tested = bool(analysis.passing_tests(project, stage) or analysis.tests_in_stage_before_deploy(stage))
        built = tested and any(up.has("build") or up.steps_tagged("build") for up in project.upstream(stage))
        built = built or bool(stage.steps_tagged("build") and tested)
        triggers = project.triggers_of(stage)
        manual_on = {f.partition(":")[2] for f in stage.facts if f.startswith("manual-on:")}
        # A script that delivers only on protected refs makes no release from a play button
        # on another branch.
        played = [t for t in triggers if t.kind in manual_on] if not stage.tagged("guard:protected-ref") else []
        if stage.when == "manual" or played:
            if not tested:
                where = f" in '{played[0].event}' pipelines" if stage.when != "manual" else ""
                yield Finding(
                    stage.span,
                    f"'{stage.name}' is started by hand{where} and {what} with no passing test stage before it",
                    (Evidence(stage.span, f"manual job{where}: a person starts it"),),
                    key=stage.key + "#manual-job",
                )
            if stage.when == "manual":
                continue
        automatic = [t for t in triggers if t.kind not in ("manual", "workflow_call")]
        for trigger in triggers:
            if trigger.kind != "manual":
                continue
            used = _used_inputs(stage, trigger)
            if tested and built and not used:
                continue
            if automatic and trigger.event in _RUN_BUTTONS and not used:
                # Every Azure or GitLab pipeline can be run from its page; beside the
                # triggers that run it by themselves that is a rerun, not a way to ship
                # something else.
                continue
            evidence = [Evidence(trigger.span, f"'{trigger.event or 'manual'}' lets a person start this pipeline")]
            evidence += [Evidence(i.span, f"input '{i.name}' chooses what is deployed") for i in used]
            if not tested:
                evidence.append(Evidence(stage.span, "no test stage runs before the deploy in this run"))
            elif not built:
                evidence.append(Evidence(stage.span, "no build stage runs before the deploy in this run"))
            note = analysis.external_gate_note(stage)
            if note:
                evidence.append(note)
            chosen = f"a hand-typed {'/'.join(i.name for i in used)}" if used else "whatever revision is chosen"
            missing = "build and test" if not tested else ("build" if not built else "build and test of that version")
            targets = analysis.shipped_to(stage)
            yield Finding(
                stage.span,
                f"'{stage.name}' can be started by hand to ship {chosen} to {targets} without the {missing} of that revision",
                tuple(evidence),
                key=stage.key + "#" + (trigger.event or "manual"),
            )
            break

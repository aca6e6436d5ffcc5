"""Questions several rules ask of the model: what counts as a gate, a production deploy,
a failure that is ignored. One answer here, so rules agree with each other."""

from __future__ import annotations

import re
from collections.abc import Iterable

from cdlint.finding import Evidence
from cdlint.model import Project, Stage, Step, Trigger

# Shell idioms that swallow a command's failure.
_IGNORED_FAILURE = re.compile(r"\|\|\s*(?:true\b|:(?:\s|$)|exit\s+0\b|echo\b)|;\s*exit\s+0\s*$|\bset\s+\+e\b")


def failure_ignored(step: Step) -> bool:
    """Whether a step's failure cannot fail its stage (``continue-on-error``, ``|| true`` …)."""
    if step.allow_failure:
        return True
    return bool(step.run and _IGNORED_FAILURE.search(step.run))


def test_steps(stage: Stage) -> list[Step]:
    return stage.steps_tagged("test")


def is_gate(stage: Stage) -> bool:
    """Whether a stage is a test that stops the pipeline when it fails."""
    if not stage.has("test") or stage.allow_failure:
        return False
    steps = test_steps(stage)
    return not steps or any(not failure_ignored(s) for s in steps)


def ignored_tests(stage: Stage) -> list[Step]:
    """Test steps of a stage whose failure is ignored."""
    return [s for s in test_steps(stage) if failure_ignored(s)]


def tests_in_stage_before_deploy(stage: Stage) -> list[Step]:
    """Test steps that run inside a deploy stage before its first deploy step and stop it on failure."""
    found = []
    for step in stage.steps:
        if any(t.startswith("deploy") for t in step.tags):
            break
        if any(t == "test" or t.startswith("test:") for t in step.tags) and not failure_ignored(step):
            found.append(step)
    return found


def passing_tests(project: Project, stage: Stage) -> list[Stage]:
    """Test stages that must pass before ``stage`` runs."""
    return [s for s in project.upstream(stage) if is_gate(s)]


def deploys(project: Project, tiers: Iterable[str] = ("production",)) -> list[Stage]:
    """Stages that deploy to an environment of one of ``tiers`` (and can run at all)."""
    wanted = set(tiers)
    return [
        s
        for s in project.stages("deploy")
        if s.environment is not None and s.environment.tier in wanted and s.environment.action == "start"
        and s.when != "never"
    ]


def runs_on_pull_requests(trigger: Trigger) -> bool:
    """A pull-request trigger that runs the pull request's code (not only merged ones)."""
    if trigger.kind != "pull_request":
        return False
    return not trigger.types or not set(trigger.types) <= {"closed"}


def external_gate_note(stage: Stage) -> Evidence | None:
    env = stage.environment
    if env is None or not env.external_gates:
        return None
    return Evidence(
        env.span,
        f"environment '{env.name}' may have approvals or checks configured outside the file; "
        "cdlint cannot see them, and they are not tests",
    )


def upstream_trigger_notes(project: Project, stage: Stage) -> list[Evidence]:
    """Explain upstream-pipeline triggers that do not wait for success."""
    notes = []
    for trigger in project.triggers_of(stage):
        if trigger.kind == "upstream" and not trigger.on_success_only and not stage.condition.upstream_success:
            fires = ", ".join(trigger.types) or "any result"
            notes.append(
                Evidence(
                    trigger.span,
                    f"'{trigger.event}' fires when '{trigger.source or 'the upstream pipeline'}' {fires}, "
                    "also when it failed; require its success before deploying",
                )
            )
    return notes

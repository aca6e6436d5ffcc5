from collections.abc import Iterator

from cdlint import analysis
from cdlint.finding import Evidence, Finding
from cdlint.model import Project, Stage, Trigger, trigger_label
from cdlint.rule import rule

RELEASE_BRANCHES = {
    "type": "array",
    "items": {"type": "string"},
    "default": ["release/*", "releases/*", "release-*", "hotfix/*", "hotfix-*", "support/*", "v[0-9]*", "[0-9]*.x"],
    "description": "glob patterns of release branches that may deploy to production (branches named literally always may)",
}


def _upstream_sources(project: Project, stage: Stage, trigger: Trigger) -> list[tuple[Trigger, str]]:
    """Push triggers of the pipelines whose runs start ``stage``'s pipeline through ``trigger``."""
    sources = {
        e.source.partition("#")[0]
        for e in project.links
        if e.kind == "trigger" and e.target.startswith(stage.pipeline + "#") and e.span == trigger.span
    }
    return [(t, path) for path in sorted(sources) for t in project.pipeline(path).triggers if t.kind == "push"]


def _loose(project: Project, stage: Stage, trigger: Trigger, allowed: list[str]) -> tuple[list[str], list[Evidence]]:
    """The branch patterns through which ``trigger`` runs the deploy for other branches
    than the allowed ones, and the triggers that show it."""
    if trigger.kind not in ("push", "upstream"):
        # Tags and schedules are restricted; pull requests and manual starts are other rules'.
        return [], []
    patterns = analysis.branch_patterns(project, stage, trigger)
    if trigger.kind == "push" or patterns is not None:
        loose = analysis.unrestricted_branches(patterns, allowed)
        return loose, [Evidence(trigger.span, f"'{trigger_label(trigger)}' starts it")] if loose else []
    # An upstream run with no branch filter: the branches of the pipeline that triggers it.
    for source, path in _upstream_sources(project, stage, trigger):
        loose = analysis.unrestricted_branches(analysis.branch_patterns(project, stage, source), allowed)
        if loose:
            return loose, [
                Evidence(trigger.span, f"'{trigger_label(trigger)}' starts it after '{path}'"),
                Evidence(source.span, f"'{path}' runs on '{trigger_label(source)}'"),
            ]
    return [], []


@rule(
    id="production-deploy-from-any-branch",
    practice="deploy-from-release-branches",
    severity="warning",
    options={"release_branches": RELEASE_BRANCHES},
)
def check(project: Project, options: dict) -> Iterator[Finding]:
    """A production deploy is not restricted to the default branch, release branches or tags.

    What reaches production should be what the team agreed to release: the
    default branch after review, a release or hotfix branch, or a tag. A
    production deploy that runs for a push to any branch ships unreviewed
    feature work the moment someone pushes it, and two branches deploying
    in turn make production flip between versions.

    cdlint combines the pipeline's triggers (branch filters of push
    triggers, and of the pipeline that triggers this one) with the
    deploy's own condition (`if: github.ref == ...`, `rules:`/`only:`,
    Azure `condition:`, Jenkins `when { branch }`). Tags, schedules and
    branches named literally are restricted (the default branch, or a
    team's long-lived `develop` or `production` branch, is a choice, not
    any branch), and so are the release-branch patterns of the options; a
    wildcard such as `*` or `feature/*`, or no filter at all, is not.
    Deploys of pull requests are `ungated-production-deploy`'s finding;
    deploys started by hand are `manual-production-deploy`'s. GitHub
    deployment branch policies and Azure branch-control checks live in
    settings; the finding says they may exist.

    Fix: limit the deploy to the default branch (or release branches, or
    tags), in the trigger or in the deploy's condition.

    Bad (GitHub Actions):

        on: push
        jobs:
          deploy:
            environment: production
            steps: [{run: ./deploy.sh}]

    Good:

        on: push
        jobs:
          deploy:
            if: github.ref == 'refs/heads/main'
            environment: production
            steps: [{run: ./deploy.sh}]
    """
    allowed = list(options["release_branches"])
    for stage in analysis.deploys(project):
        if stage.when == "manual":
            continue
        for trigger in project.triggers_of(stage):
            loose, evidence = _loose(project, stage, trigger, allowed)
            if not loose:
                continue
            if loose == ["*"]:
                branches = "any branch"
            else:
                branches = ("branch " if len(loose) == 1 else "branches ") + ", ".join(f"'{b}'" for b in loose)
            if stage.condition.span is not None:
                evidence.append(Evidence(stage.condition.span, f"its condition does not limit the branch: {stage.condition.text}"))
            else:
                evidence.append(Evidence(stage.span, "no condition limits the branch it deploys from"))
            env = stage.environment
            if env.external_gates and project.pipeline(stage).platform in ("github", "azure"):
                evidence.append(
                    Evidence(env.span, f"environment '{env.name}' may limit the branches that deploy to it in the platform's settings; cdlint cannot see them")
                )
            yield Finding(
                stage.span,
                f"'{stage.name}' deploys to '{env.name}' from {branches}, not only the default branch, release branches or tags",
                tuple(evidence),
                key=stage.key,
            )
            break

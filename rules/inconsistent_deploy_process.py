import re
from collections.abc import Iterator

from cdlint import analysis
from cdlint.finding import Evidence, Finding
from cdlint.model import Project, Stage, Step
from cdlint.rule import rule

TIERS = {
    "type": "array",
    "items": {"enum": ["staging", "testing", "development", "review", "other"]},
    "default": ["staging", "testing"],
    "description": "tiers of the environments whose deploys should work like the production deploy",
}
# Programs whose first argument names what they run (`make deploy-prod`).
_RUNNERS = {"make", "gmake", "just", "task", "npm", "yarn", "pnpm", "bun", "npx", "bash", "sh", "pwsh", "powershell", "python", "python3", "node"}
_ENV_WORDS = re.compile(r"(?i)(?<![a-z])(?:staging|stage|stg|preprod|pre-prod|uat|qa|test|testing|dev|development|prod|production|prd|live)(?![a-z])")


def _deploying(stage: Stage) -> list[Step]:
    """Steps that deploy with a tool or script cdlint knows, and steps that deploy by their
    name alone (Jenkins shared-library calls such as ``deployService(…)``), whose step is
    the mechanism, as an action or task is."""
    return [s for s in stage.steps if any(t.startswith("deploy:") for t in s.tags) or ("deploy" in s.tags and s.uses)]


def _mechanism(stage: Stage) -> dict[str, str]:
    """How a stage deploys, as comparable signatures → a readable description."""
    found: dict[str, str] = {}
    env = stage.environment.name if stage.environment else ""
    for step in _deploying(stage):
        tools = sorted(t for t in step.tags if t.startswith("deploy:") and t != "deploy:script")
        for tool in tools:
            found[tool] = tool.partition(":")[2]
        if tools:
            continue
        if step.uses:
            found["uses:" + step.uses.lower()] = step.uses
            continue
        for command in (sig.text for sig in step.signals if sig.tag == "deploy:script" and sig.source == "command"):
            words = command.split()
            program = words[0].rsplit("/", 1)[-1]
            shown = " ".join(words[:2]) if program in _RUNNERS and len(words) > 1 else words[0]
            key = _ENV_WORDS.sub("", shown.replace(env, "") if env else shown)
            found["run:" + key] = shown
            break
    return found


def _counterparts(project: Project, stage: Stage, earlier: list[Stage]) -> list[Stage]:
    """Of the deploys to earlier environments, those of the same release flow: before the
    production deploy, or in its pipeline."""
    before = {s.key for s in project.ancestors(stage)}
    return [s for s in earlier if s.key != stage.key and (s.key in before or s.pipeline == stage.pipeline)]


@rule(id="inconsistent-deploy-process", practice="one-deploy-process", severity="warning", options={"tiers": TIERS})
def check(project: Project, options: dict) -> Iterator[Finding]:
    """Staging and production are deployed by different mechanisms instead of one process parameterized by environment.

    Every deploy to staging rehearses the production deploy, but only if it
    is the same deploy: the same tool, the same script, the same job
    template, with the environment as a parameter. When staging is deployed
    with `kubectl apply` and production with Helm, or by a deploy script
    for staging and a make target for production, the production path runs
    for the first time in production. One deploy process for all environments is a practice of
    the intermediate level of the maturity model.

    cdlint compares each production deploy with the staging and test
    deploys before it or in its pipeline: their deploy tools, the actions
    or tasks they call, and the deploy scripts they run (with environment
    names removed, so `./deploy.sh staging` and `./deploy.sh production`,
    or `make deploy-staging` and `make deploy-production`, count as one
    process: cdlint cannot see inside them). Deploys defined by one template, reusable workflow,
    `extends:` base or matrix are consistent by construction.

    Fix: deploy every environment with one job template, reusable workflow
    or matrix that takes the environment as a parameter.

    Bad (GitLab CI):

        deploy-staging:
          environment: staging
          script: kubectl apply -f k8s/
        deploy-production:
          environment: production
          script: helm upgrade --install app chart/

    Good:

        .deploy:
          script: helm upgrade --install app chart/ -f values-$CI_ENVIRONMENT_NAME.yaml
        deploy-staging: {extends: .deploy, environment: staging}
        deploy-production: {extends: .deploy, environment: production}
    """
    earlier = analysis.deploys(project, set(options["tiers"]))
    # Each stage's mechanism once: every production deploy is compared with every earlier one.
    mechanisms: dict[str, dict[str, str]] = {}

    def mechanism(stage: Stage) -> dict[str, str]:
        found = mechanisms.get(stage.key)
        if found is None:
            found = mechanisms[stage.key] = _mechanism(stage)
        return found

    for stage in analysis.deploys(project):
        mine = mechanism(stage)
        if not mine:
            continue
        for other in _counterparts(project, stage, earlier):
            if stage.template is not None and stage.template == other.template:
                continue
            theirs = mechanism(other)
            if not theirs or set(mine) & set(theirs):
                continue
            ours_text = ", ".join(sorted(set(mine.values())))
            theirs_text = ", ".join(sorted(set(theirs.values())))
            steps = _deploying(stage)[:1] + _deploying(other)[:1]
            yield Finding(
                stage.span,
                f"'{stage.name}' deploys to '{stage.environment.name}' with {ours_text}, "
                f"but '{other.name}' deploys to '{other.environment.name}' with {theirs_text}",
                tuple(Evidence(s.span, f"deploys: {s.label}") for s in steps),
                key=stage.key,
            )
            break

import re
from collections.abc import Iterator

from cdlint import analysis
from cdlint.finding import Evidence, Finding
from cdlint.model import Project
from cdlint.rule import rule

# A concurrency group named after the run itself puts every run in a group of its own.
_PER_RUN = re.compile(
    r"(?i)github\.run_(?:id|number|attempt)|github\.sha|GITHUB_RUN_ID|CI_PIPELINE_I+D|CI_JOB_ID|CI_COMMIT_SHA"
    r"|Build\.BuildId|Build\.BuildNumber|BUILD_NUMBER|BUILD_ID"
)


@rule(id="unserialized-production-deploy", practice="serialized-deploys", severity="warning")
def check(project: Project, options: dict) -> Iterator[Finding]:
    """A production deploy has no concurrency guard, so two runs can deploy at once.

    Two pipeline runs that deploy to the same environment at the same time
    interleave their steps: migrations run twice, an older build finishes
    last and overwrites the newer one, a rollout is cut in half. Deploys to
    one environment must run one after the other, in the order of the
    commits; a reliable, repeatable deploy process needs it.

    What counts as a guard: GitHub `concurrency` (on the job or the
    workflow, with a group that is not unique per run), GitLab
    `resource_group`, Azure `lockBehavior: sequential`, Jenkins `lock`,
    `milestone` or `disableConcurrentBuilds()`. An Azure deployment job is
    serialized only if its environment has an exclusive-lock check, which
    is configured outside the file; the finding says so. Releases that only
    publish a package or image (the registry refuses a version twice) are
    left out.

    Fix: put the production deploy in a concurrency group (GitHub
    `concurrency: {group: production, cancel-in-progress: false}`), a
    GitLab `resource_group: production`, an Azure exclusive lock, or a
    Jenkins `lock('production')`.

    Bad (GitHub Actions):

        jobs:
          deploy:
            environment: production
            steps: [{run: ./deploy.sh}]

    Good:

        jobs:
          deploy:
            environment: production
            concurrency: {group: production, cancel-in-progress: false}
            steps: [{run: ./deploy.sh}]
    """
    for stage in analysis.deploys(project):
        if analysis.ships_a_release_only(stage):
            continue
        group = stage.concurrency
        if group and not _PER_RUN.search(group):
            continue
        if stage.tagged("concurrency"):
            continue
        env = stage.environment
        evidence = [Evidence(stage.span, f"'{stage.name}' deploys to '{env.name}' with no concurrency group, resource group or lock")]
        if group:
            evidence = [Evidence(stage.span, f"concurrency group '{group}' is different for every run, so it serializes nothing")]
        if project.pipeline(stage).platform == "azure" and env.declared:
            evidence.append(
                Evidence(env.span, f"environment '{env.name}' serializes deployments only if an exclusive-lock check is configured on it, outside the file; cdlint cannot see it")
            )
        yield Finding(
            stage.span,
            f"'{stage.name}' deploys to '{env.name}' without a concurrency guard; two runs can deploy at once",
            tuple(evidence),
            key=stage.key,
        )

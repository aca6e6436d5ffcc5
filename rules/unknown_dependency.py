from collections.abc import Iterator

from cdlint.finding import Finding
from cdlint.model import Project
from cdlint.rule import rule


@rule(id="unknown-dependency", practice="valid-pipeline", severity="error")
def check(project: Project, options: dict) -> Iterator[Finding]:
    """A stage depends on a stage that does not exist.

    `needs:`, `dependsOn:` or `dependencies:` naming a missing job makes the
    platform reject the pipeline (GitHub, Azure) or fail the job (GitLab), and
    it hides the order the author meant, so the graph cdlint checks is
    incomplete.

    Fix: correct the name, or add the missing stage.

    Bad:

        jobs:
          build: {steps: [{run: make}]}
          deploy: {needs: biuld, steps: [{run: ./deploy.sh}]}

    Good:

        jobs:
          build: {steps: [{run: make}]}
          deploy: {needs: build, steps: [{run: ./deploy.sh}]}
    """
    for problem in project.problems("unknown-dependency"):
        yield Finding(problem.span, problem.message, key=problem.key)

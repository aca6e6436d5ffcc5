from collections.abc import Iterator

from cdlint.finding import Evidence, Finding
from cdlint.model import Project
from cdlint.rule import rule


@rule(id="dependency-cycle", practice="valid-pipeline", severity="error")
def check(project: Project, options: dict) -> Iterator[Finding]:
    """Stages depend on each other in a cycle.

    A cycle in `needs:`/`dependsOn:` means none of its stages can start: the
    platform rejects the pipeline. Reported once per cycle, at the first
    stage of it in the file.

    Fix: remove one of the dependencies that close the cycle.

    Bad:

        jobs:
          a: {needs: b, steps: [{run: make}]}
          b: {needs: a, steps: [{run: make test}]}

    Good:

        jobs:
          a: {steps: [{run: make}]}
          b: {needs: a, steps: [{run: make test}]}
    """
    for cycle in project.cycles():
        stages = [project.stage(k) for k in cycle[:-1]]
        first = min(stages, key=lambda s: (s.span, s.id))
        names = " → ".join(project.stage(k).name for k in cycle)
        yield Finding(
            first.span,
            f"stages depend on each other in a cycle: {names}",
            tuple(Evidence(s.span, f"'{s.name}'") for s in stages),
            key="cycle:" + "|".join(sorted(cycle[:-1])),
        )

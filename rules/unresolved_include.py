from collections.abc import Iterator

from cdlint.finding import Finding
from cdlint.model import Project
from cdlint.rule import rule


@rule(id="unresolved-include", practice="valid-pipeline", severity="note")
def check(project: Project, options: dict) -> Iterator[Finding]:
    """A pipeline uses a file cdlint did not read (remote include, template or workflow).

    cdlint never fetches anything: remote and cross-project includes, templates
    from other repositories, remote reusable workflows and components stay
    unread, so the stages and steps they add are not analysed. The finding
    says what is missing, so the analysis of the rest is read with that in
    mind.

    Fix: nothing to fix in the pipeline. To analyse the included content, scan
    the repository that holds it too, or disable this rule.
    """
    for ref in project_references(project):
        yield Finding(ref.span, f"{ref.kind} '{ref.target}' was not read: {ref.reason}", key=f"{ref.kind}:{ref.target}")


def project_references(project: Project):
    for pipeline in project.pipelines:
        yield from pipeline.references

from collections.abc import Iterator

from cdlint.finding import Evidence, Finding
from cdlint.model import Project
from cdlint.rule import rule


@rule(id="unresolved-include", practice="valid-pipeline", severity="note")
def check(project: Project, options: dict) -> Iterator[Finding]:
    """A pipeline uses a file cdlint did not read (remote include, template or workflow).

    cdlint never fetches anything: remote and cross-project includes, templates
    from other repositories, remote reusable workflows and components stay
    unread, so the stages and steps they add are not analysed. The finding
    says what is missing, so the analysis of the rest is read with that in
    mind; a file that uses the same unread template many times gets one
    finding, which lists where.

    Fix: nothing to fix in the pipeline. To analyse the included content, scan
    the repository that holds it too, or disable this rule.
    """
    # One finding per file and unread target: a template used ten times is one thing not read.
    uses: dict[tuple[str, str, str], list] = {}
    for ref in project_references(project):
        uses.setdefault((ref.span.path, ref.kind, ref.target), []).append(ref)
    for (_, kind, target), refs in uses.items():
        first = refs[0]
        message = f"{kind} '{target}' was not read: {first.reason}"
        evidence: tuple[Evidence, ...] = ()
        if len(refs) > 1:
            message += f" (used {len(refs)} times in this file)"
            evidence = tuple(Evidence(r.span, f"uses '{target}'") for r in refs[:5])
        yield Finding(first.span, message, evidence, key=f"{kind}:{target}")


def project_references(project: Project):
    for pipeline in project.pipelines:
        yield from pipeline.references

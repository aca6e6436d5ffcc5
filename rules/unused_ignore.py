from collections.abc import Iterator

from cdlint.finding import Finding
from cdlint.model import Project
from cdlint.rule import rule


@rule(id="unused-ignore", practice="accountable-suppressions", severity="note", tags=("suppression",))
def check(project: Project, options: dict) -> Iterator[Finding]:
    """An ignore comment suppresses nothing.

    An ignore that no longer matches a finding (the problem was fixed, the
    line moved, or the rule id is misspelled) hides nothing today but will
    silently hide the next problem on that line. Ignores of rules that did not
    run (disabled in the configuration) are not judged.

    An ignore covers the line it trails, or, when it stands alone on its
    line, the next line that holds code: `# cdlint: ignore[rule-id] reason`
    (`// cdlint: ignore[...]` in Jenkinsfiles). Run with `--no-ignores` to see
    every finding as if there were no ignore comments.

    Fix: delete the ignore, or move it to the line the finding points at.
    Naming `unused-ignore` in the comment itself keeps an ignore on purpose.

    Bad:

        jobs:
          build:  # cdlint: ignore[ungated-production-deploy] not a deploy
            steps: [{run: make}]
    """
    # The engine's suppression step (cdlint.suppress) reports these findings: only after
    # every rule has run is it known which ignores matched one. This rule carries the
    # id, severity and documentation, and is configured like any other.
    return iter(())

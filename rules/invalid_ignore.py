from collections.abc import Iterator

from cdlint.finding import Finding
from cdlint.model import Project
from cdlint.rule import rule


@rule(id="invalid-ignore", practice="accountable-suppressions", severity="error", tags=("suppression",))
def check(project: Project, options: dict) -> Iterator[Finding]:
    """An ignore comment is expired, malformed, names an unknown rule, or gives no reason when one is required.

    `# cdlint: ignore[rule-id] reason` accepts a finding. The reason tells
    the next reader why; `until=YYYY-MM-DD` makes the acceptance temporary.
    After that date the ignore suppresses nothing: the finding it covered is
    reported again, and so is the expired ignore, so the decision is taken
    anew. An ignore naming a rule that does not exist (a typo) suppresses
    nothing either. With `--require-reason` (or `require-reason: true` in the
    configuration, as in the `strict` preset) an ignore without a reason is
    reported too; it still suppresses.

    Fix: correct the rule id or the date, give the reason, or fix the finding
    and delete the ignore.

    Bad:

        deploy:  # cdlint: ignore[ungated-production-deploy] until=2024-01-31

    Good:

        deploy:  # cdlint: ignore[ungated-production-deploy] until=2030-01-31 smoke tests run in the deploy script, see RUNBOOK.md
    """
    # Reported by the engine's suppression step (cdlint.suppress), like unused-ignore.
    return iter(())

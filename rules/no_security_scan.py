from collections.abc import Iterator

from cdlint import analysis
from cdlint.finding import Evidence, Finding
from cdlint.model import Project, Stage
from cdlint.rule import rule

SECURITY = ("sast", "dependency", "secret", "container", "iac", "dast", "fuzz")
# What a step's name alone may say without naming a scanner: "Audit version and parse
# it", "Harden the runner (audit outbound calls)", "Get directories to scan".
_NAME_ONLY_WEAK = frozenset({"scan", "scan:dependency"})


def _scan_tags(stage: Stage) -> frozenset[str]:
    """The stage's tags, without scan signals that only the name of one of its steps
    gives with a word as loose as "audit" or "scan" (a scanner's name still counts)."""
    weak = {t for s in stage.steps if analysis.named_only(s) for t in s.tags} & _NAME_ONLY_WEAK
    backed = {t for s in stage.steps if not analysis.named_only(s) for t in s.tags} | analysis.name_tags(stage)
    backed |= {"scan:dependency"} if "report:dependency_scanning" in stage.tags else set()
    return stage.tags - (weak - backed)


@rule(id="no-security-scan", practice="automated-security-tests", severity="note")
def check(project: Project, options: dict) -> Iterator[Finding]:
    """None of the pipelines runs a security scan (SAST, dependency, secret or container scan).

    Security testing belongs in the delivery pipeline like any other test:
    run on every change, it finds a vulnerable dependency, a leaked key or
    an injectable query while the change is small and its author still
    remembers it, instead of in a yearly audit. The maturity model counts
    automated security tests among the practices of an advanced pipeline.

    cdlint looks for static analysis (CodeQL, Semgrep, SonarQube, Bandit,
    gosec...), dependency audits (`npm audit`, pip-audit, OSV-Scanner,
    Snyk, Dependency-Check, dependency-review), secret scanners (gitleaks,
    TruffleHog), image or IaC scanners (Trivy, Grype, Checkov) and fuzzing
    (OSS-Fuzz, cargo fuzz, a fuzz job), in steps and in included templates
    it knows by name (GitLab's `Security/*` templates, Microsoft's 1ES and
    OneBranch templates). Lint-only checks do not count, nor a step that
    only its name calls an audit or a scan ("Audit version", "Harden the
    runner (audit outbound calls)") while running nothing cdlint knows.
    Scans set up outside the pipeline files (GitHub's default CodeQL setup,
    Dependabot alerts, GitLab security policies) cannot be seen; the finding
    says so. Reported once per repository.

    Fix: add a scan job that runs on pull requests and on the default
    branch, and fails on findings you have decided to block on.

    Bad (GitHub Actions, the only workflow):

        on: [push, pull_request]
        jobs:
          test: {runs-on: ubuntu-latest, steps: [{run: npm ci && npm test}]}

    Good:

        on: [push, pull_request]
        jobs:
          test: {runs-on: ubuntu-latest, steps: [{run: npm ci && npm test}]}
          audit: {runs-on: ubuntu-latest, steps: [{run: npm audit --audit-level=high}]}
    """
    found = {t for stage in project.stages() for t in _scan_tags(stage)}
    found |= {t for p in project.pipelines for ref in p.references for t in ref.tags}
    if any(analysis.has_tag(found, "scan:" + k) for k in SECURITY) or "scan" in found:
        return
    anchored = analysis.project_anchor(project)
    if anchored is None:
        return
    pipeline, span = anchored
    if not any(s.kinds & {"build", "test", "deploy", "publish"} for p in project.pipelines for s in p.stages):
        return
    count = sum(1 for p in project.pipelines if p.stages)
    kinds = "(SAST, dependency, secret or container scan)"
    message = f"the pipeline runs no security scan {kinds}" if count == 1 else f"none of the {count} pipelines runs a security scan {kinds}"
    who = f"'{pipeline.name or pipeline.path}'" + (" runs" if count == 1 else " and the other pipelines run")
    unread = [ref for p in project.pipelines for ref in p.references][:1]
    unread_notes = [Evidence(ref.span, f"'{ref.target}' was not read; a scan there would not be seen") for ref in unread]
    hooks = [
        Evidence(step.span, "runs pre-commit hooks, which cdlint does not read; a scanner among them would count")
        for stage in project.stages("scan")
        for step in stage.steps
        if "pre-commit" in step.text
    ][:1]
    yield Finding(
        span,
        message,
        (
            Evidence(span, f"{who} no scanner cdlint knows"),
            Evidence(span, "scans configured outside the files (default code scanning, Dependabot, security policies) are not visible to cdlint"),
            *hooks,
            *unread_notes,
        ),
        key="project",
    )


"""``--format codequality``: a GitLab Code Quality report (a JSON list of issues), shown
in merge requests when a job publishes it as ``artifacts:reports:codequality``.

GitLab compares reports by ``fingerprint``, so it is cdlint's stable
fingerprint (rule, file, what is flagged, no line numbers); repeats within
one report get a numbered variant, since GitLab keeps one issue per
fingerprint. Severities map as: note → info, warning → minor, error →
major; an error of a rule tagged ``security`` → critical, and an error that
makes the pipeline invalid (practice ``valid-pipeline``: the platform rejects
it) → blocker.
"""

from __future__ import annotations

import json

from cdlint.finding import Finding, distinct_fingerprints
from cdlint.formatters import DEFAULT, RenderOptions
from cdlint.report import Report
from cdlint.rule import Rule

_SEVERITY = {"note": "info", "warning": "minor", "error": "major"}


def severity(finding: Finding, rule: Rule | None) -> str:
    if finding.severity == "error" and rule is not None:
        if "security" in rule.tags:
            return "critical"
        if rule.practice == "valid-pipeline":
            return "blocker"
    return _SEVERITY[finding.severity]


def render(report: Report, options: RenderOptions = DEFAULT) -> str:
    rules = {r.id: r for r in report.rules}
    issues = []
    for f, fingerprint in zip(report.findings, distinct_fingerprints(report.findings)):
        body = "".join(f"- {e.span}: {e.note}\n" for e in f.evidence)
        issue = {
            "type": "issue",
            "check_name": f.rule,
            "description": f.message,
            "categories": ["Security"] if f.rule in rules and "security" in rules[f.rule].tags else ["Bug Risk"],
            "fingerprint": fingerprint,
            "severity": severity(f, rules.get(f.rule)),
            "location": {"path": f.span.path, "lines": {"begin": f.span.line, "end": f.span.end_line or f.span.line}},
        }
        if body:
            issue["content"] = {"body": body}
        issues.append(issue)
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"

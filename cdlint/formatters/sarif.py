"""``--format sarif``: SARIF 2.1.0 for code-scanning UIs (GitHub code scanning, GitLab).

Rules come from the registry (``report.rules``), not from the findings, so a
clean run still describes every rule. What GitHub code scanning reads is
filled in: rule help and ``helpUri``, ``properties.tags`` and ``precision``,
``security-severity`` for rules tagged ``security``, ``partialFingerprints``
(the fingerprint baselines use, stable across unrelated edits; a repeat of
one within a run is numbered, so no two results share one), and
``automationDetails`` (its id is the category: code scanning keeps the alerts
of each category apart). ``helpUri`` points at the rule's section of
``docs/rules.md`` (generated from the docstrings). Findings an ignore comment
covers are results with an ``inSource`` suppression whose justification is
the comment's reason, so code scanning shows them as dismissed instead of
losing them. URIs are relative to the scanned directory, named by the
``%SRCROOT%`` base id; its absolute location is left out so the output does
not depend on the machine.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from cdlint import __version__
from cdlint.finding import Finding, distinct_fingerprints
from cdlint.formatters import DEFAULT, RenderOptions
from cdlint.report import Report, Suppressed
from cdlint.rule import Rule

INFORMATION_URI = "https://github.com/cdlint/cdlint"
RULES_DOC = f"{INFORMATION_URI}/blob/main/docs/rules.md"
BUILTIN = "cdlint.rules"
SRCROOT = "%SRCROOT%"
_SECURITY_SEVERITY = {"error": "8.0", "warning": "5.0", "note": "2.0"}


def _region(span) -> dict:
    region = {"startLine": span.line, "startColumn": span.column}
    if span.end_line:
        region["endLine"] = span.end_line
        region["endColumn"] = span.end_column or span.column
    return region


def _location(span, message: str | None = None, ident: int | None = None) -> dict:
    # A file name that is not UTF-8 (held as surrogates) is its own bytes, percent-encoded.
    uri = quote(span.path, errors="surrogateescape")
    location: dict = {
        "physicalLocation": {"artifactLocation": {"uri": uri, "uriBaseId": SRCROOT}, "region": _region(span)}
    }
    if ident is not None:
        location["id"] = ident
    if message is not None:
        location["message"] = {"text": message}
    return location


def _rule(rule: Rule) -> dict:
    help_text = rule.help or rule.summary
    properties: dict = {"tags": ["ci-cd", "continuous-delivery", rule.practice, *rule.tags], "precision": "high"}
    if "security" in rule.tags:
        properties["security-severity"] = _SECURITY_SEVERITY[rule.severity]
    described = {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.summary},
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": rule.severity},
        "properties": properties,
    }
    if help_uri(rule):
        described["helpUri"] = help_uri(rule)
    return described


def help_uri(rule: Rule) -> str | None:
    """The rule's section of docs/rules.md; None for a plugin's rule, which is not there."""
    if rule.module != BUILTIN and not rule.module.startswith(BUILTIN + "."):
        return None
    return f"{RULES_DOC}#{rule.id}"


def _result(f: Finding, fingerprint: str, index: dict[str, int], suppressed: Suppressed | None = None) -> dict:
    result: dict = {
        "ruleId": f.rule,
        "level": f.severity,
        "message": {"text": f.message},
        "locations": [_location(f.span)],
        "partialFingerprints": {"cdlintFingerprint/v1": fingerprint},
    }
    if f.rule in index:
        result["ruleIndex"] = index[f.rule]
    if f.evidence:
        result["relatedLocations"] = [_location(e.span, e.note, i) for i, e in enumerate(f.evidence, start=1)]
    if suppressed is not None:
        suppression: dict = {"kind": "inSource", "location": _location(suppressed.span)}
        if suppressed.reason:
            suppression["justification"] = suppressed.reason
        result["suppressions"] = [suppression]
    return result


def render(report: Report, options: RenderOptions = DEFAULT) -> str:
    rules = sorted(report.rules, key=lambda r: r.id)
    index = {r.id: i for i, r in enumerate(rules)}
    run = {
        "tool": {
            "driver": {
                "name": "cdlint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(r) for r in rules],
            }
        },
        "automationDetails": {"id": options.category.strip("/") + "/"},
        "originalUriBaseIds": {SRCROOT: {"description": {"text": "The directory cdlint scanned."}}},
        "invocations": [
            {
                "executionSuccessful": not report.errors,
                "toolExecutionNotifications": [{"level": "error", "message": {"text": e}} for e in report.errors],
            }
        ],
        "columnKind": "unicodeCodePoints",
        "results": _results(report, index),
    }
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _results(report: Report, index: dict[str, int]) -> list[dict]:
    """Reported and suppressed findings in one sorted list, each with a distinct fingerprint."""
    entries: list[tuple[Finding, Suppressed | None]] = [(f, None) for f in report.findings]
    entries += [(s.finding, s) for s in report.suppressed]
    entries.sort(key=lambda entry: (entry[0].sort_key, entry[1] is not None))
    fingerprints = distinct_fingerprints(f for f, _ in entries)
    return [_result(f, p, index, s) for (f, s), p in zip(entries, fingerprints)]

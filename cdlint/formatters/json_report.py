"""``--format json``: the version 1 findings document of DESIGN.md §4 (a contract)."""

from __future__ import annotations

import json

from cdlint import __version__
from cdlint.formatters import DEFAULT, RenderOptions
from cdlint.report import Report
from cdlint.finding import Finding


def _finding(f: Finding) -> dict:
    s = f.span
    return {
        "rule": f.rule,
        "severity": f.severity,
        "message": f.message,
        "path": s.path,
        "line": s.line,
        "column": s.column,
        "end_line": s.end_line or s.line,
        "end_column": s.end_column or s.column,
        "practice": f.practice,
        "evidence": [
            {"path": e.span.path, "line": e.span.line, "column": e.span.column, "note": e.note} for e in f.evidence
        ],
    }


def document(report: Report) -> dict:
    """The v1 document as plain data (``cdlint fleet`` stores it as it is)."""
    return {
        "version": 1,
        "tool": {"name": "cdlint", "version": __version__},
        "files": [{"path": path, "platform": platform} for path, platform in report.files],
        "findings": [_finding(f) for f in report.findings],
    }


def render(report: Report, options: RenderOptions = DEFAULT) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"

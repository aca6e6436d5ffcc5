"""``--format markdown``: the findings as a Markdown table, for a GitHub job summary
(``$GITHUB_STEP_SUMMARY``) or a merge-request comment."""

from __future__ import annotations

from cdlint.formatters import DEFAULT, RenderOptions
from cdlint.formatters.text import summary
from cdlint.report import Report

_MARK = {"error": "🔴 error", "warning": "🟠 warning", "note": "🔵 note"}


def cell(text: str) -> str:
    """``text`` safe in a table cell: pipes, backslashes and HTML escaped, on one line."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


def code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def render(report: Report, options: RenderOptions = DEFAULT) -> str:
    out = ["## cdlint", "", summary(report) + "."]
    if report.findings:
        out += ["", "| Severity | Rule | Location | Message |", "| --- | --- | --- | --- |"]
        for f in report.findings:
            where = f"{f.span.path}:{f.span.line}:{f.span.column}"
            out.append(f"| {_MARK[f.severity]} | {code(f.rule)} | {code(where)} | {cell(f.message)} |")
    return "\n".join(out) + "\n"

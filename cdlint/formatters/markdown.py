"""``--format markdown``: the findings as a Markdown table, for a GitHub job summary
(``$GITHUB_STEP_SUMMARY``) or a merge-request comment."""

from __future__ import annotations

import re

from cdlint.formatters import DEFAULT, RenderOptions
from cdlint.formatters.text import summary
from cdlint.report import Report
from cdlint.safetext import visible

_MARK = {"error": "🔴 error", "warning": "🟠 warning", "note": "🔵 note"}


def cell(text: str) -> str:
    """``text`` safe in a table cell: pipes, backslashes and HTML escaped, on one line (its
    code spans stay code: for cdlint's own words, such as the rules' advice)."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


# What Markdown and GitHub read inside a line: links and images (brackets), emphasis, code,
# HTML, entities, math, table cells, strikethrough; with brackets escaped, parentheses and
# "!" mean nothing.
_PUNCTUATION = re.compile(r"([\\`*_\[\]<>|~$&])")


def escaped(text: str) -> str:
    """Text that quotes a repository (names, paths, messages) as plain text in Markdown: a
    job named ``[docs](https://evil.example)`` is no link, ``@everyone`` and ``#12`` mention
    and reference nobody (a zero-width space follows the sign), and control characters show."""
    plain = _PUNCTUATION.sub(r"\\\1", visible(text))
    return plain.replace("@", "@\u200b").replace("#", "#\u200b")


def code(text: str) -> str:
    """``text`` as a code span in a table cell: nothing in it is Markdown but a pipe."""
    return "`" + visible(text).replace("`", "'").replace("|", "\\|") + "`"


def render(report: Report, options: RenderOptions = DEFAULT) -> str:
    out = ["## cdlint", "", summary(report) + "."]
    if report.findings:
        out += ["", "| Severity | Rule | Location | Message |", "| --- | --- | --- | --- |"]
        for f in report.findings:
            where = f"{f.span.path}:{f.span.line}:{f.span.column}"
            out.append(f"| {_MARK[f.severity]} | {code(f.rule)} | {code(where)} | {escaped(f.message)} |")
    return "\n".join(out) + "\n"

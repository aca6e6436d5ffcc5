"""``--format github``: workflow commands that GitHub Actions turns into annotations
on the run and on the changed files (``::error file=...,line=...::message``).

Escaping follows the Actions runner: in the message ``%``, CR and LF are
percent-encoded; in property values ``:`` and ``,`` are too, since they
separate properties. Findings at notes are ``notice`` annotations.
"""

from __future__ import annotations

from cdlint.finding import Finding
from cdlint.formatters import DEFAULT, RenderOptions
from cdlint.formatters.text import summary
from cdlint.report import Report

_COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    s = finding.span
    properties: list[tuple[str, object]] = [("file", s.path), ("line", s.line)]
    # GitHub: col and endColumn apply only when the annotation stays on one line.
    if s.end_line and s.end_line != s.line:
        properties.append(("endLine", s.end_line))
    else:
        properties.append(("col", s.column))
        if s.end_line and s.end_column:
            properties += [("endLine", s.end_line), ("endColumn", s.end_column)]
    properties.append(("title", f"cdlint {finding.rule}"))
    fields = ",".join(f"{name}={escape_property(str(value))}" for name, value in properties)
    message = finding.message + "".join(f"\n{e.span}: {e.note}" for e in finding.evidence)
    return f"::{_COMMAND[finding.severity]} {fields}::{escape_data(message)}"


def render(report: Report, options: RenderOptions = DEFAULT) -> str:
    return "".join(annotation(f) + "\n" for f in report.findings) + ("" if options.quiet else summary(report) + "\n")

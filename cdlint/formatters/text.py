"""The default output: ``path:line:col: severity rule: message``, the source line, the evidence."""

from __future__ import annotations

from cdlint.report import Report


def render(report: Report) -> str:
    out: list[str] = []
    for f in report.findings:
        s = f.span
        out.append(f"{s.path}:{s.line}:{s.column}: {f.severity} {f.rule}: {f.message}")
        source = report.source_line(s.path, s.line)
        if source is not None:
            out.append(f"  {s.line:>5} | {source.rstrip()}")
        for e in f.evidence:
            out.append(f"        = {e.span}: {e.note}")
    out.append(summary(report))
    return "\n".join(out) + "\n"


def summary(report: Report) -> str:
    counts = {level: sum(1 for f in report.findings if f.severity == level) for level in ("error", "warning", "note")}
    files = len(report.files)
    if not report.findings:
        return f"no findings in {files} pipeline file{'s' * (files != 1)}"
    parts = ", ".join(f"{n} {level}{'s' * (n != 1)}" for level, n in counts.items() if n)
    total = len(report.findings)
    return f"{total} finding{'s' * (total != 1)} ({parts}) in {files} pipeline file{'s' * (files != 1)}"

"""The text reports: ``text``, one block per finding (``path:line:col: severity rule:
message``, the source line, the evidence), and ``concise``, one line per finding;
both end with a summary line unless quiet. ``statistics`` counts findings per rule."""

from __future__ import annotations

from collections import Counter

from cdlint.finding import Finding
from cdlint.formatters import DEFAULT, RenderOptions
from cdlint.report import Report, ScanSummary
from cdlint.safetext import visible

_RESET = "\x1b[0m"
_STYLES = {"path": "1", "position": "2", "rule": "1", "error": "1;31", "warning": "1;33", "note": "1;36", "evidence": "2"}


def paint(text: str, style: str, options: RenderOptions) -> str:
    """``text`` in the ANSI style named ``style`` when colour is on."""
    return f"\x1b[{_STYLES[style]}m{text}{_RESET}" if options.color else text


def headline(f: Finding, options: RenderOptions = DEFAULT) -> str:
    """``path:line:col: severity rule: message``, what the repository wrote in it made
    visible (control characters escaped: nothing it names moves the cursor or starts a line)."""
    s = f.span
    where = paint(visible(s.path), "path", options) + paint(f":{s.line}:{s.column}:", "position", options)
    return f"{where} {paint(f.severity, f.severity, options)} {paint(f.rule, 'rule', options)}: {visible(f.message)}"


SOURCE_WIDTH = 160


def excerpt(line: str, column: int, width: int = SOURCE_WIDTH) -> str:
    """At most ``width`` characters of a source line, around ``column`` (1-based)."""
    if len(line) <= width:
        return line
    start = max(0, min(column - 1 - width // 4, len(line) - width))
    shown = line[start:start + width]
    return ("…" if start else "") + shown + ("…" if start + width < len(line) else "")


def render(report: Report, options: RenderOptions = DEFAULT) -> str:
    out: list[str] = []
    for f in report.findings:
        out.append(headline(f, options))
        source = report.source_line(f.span.path, f.span.line)
        if source is not None:
            out.append(f"  {f.span.line:>5} | {visible(excerpt(source.rstrip(), f.span.column))}")
        for e in f.evidence:
            out.append(paint(f"        = {visible(str(e.span))}: {visible(e.note)}", "evidence", options))
    return _end(out, report, options)


def render_concise(report: Report, options: RenderOptions = DEFAULT) -> str:
    return _end([headline(f, options) for f in report.findings], report, options)


def _end(lines: list[str], report: Report, options: RenderOptions) -> str:
    if not options.quiet:
        lines.append(summary(report))
    return "".join(line + "\n" for line in lines)


def summary(report: Report) -> str:
    """The last line: the findings by severity, the pipeline files they are in, and what else
    was read and left out (``no findings in 6 pipeline files (9 files read; skipped 2
    excluded, 3 templates read through 4 pipelines)``)."""
    files = len(report.files)
    if not files:
        return "no pipeline files found" + (f" ({scanned})" if (scanned := _scanned(report)) else "")
    counts = {level: sum(1 for f in report.findings if f.severity == level) for level in ("error", "warning", "note")}
    where = f"in {files} pipeline file{'s' * (files != 1)}" + (f" ({scanned})" if (scanned := _scanned(report)) else "")
    if not report.findings:
        return f"no findings {where}"
    parts = ", ".join(f"{n} {level}{'s' * (n != 1)}" for level, n in counts.items() if n)
    total = len(report.findings)
    return f"{total} finding{'s' * (total != 1)} ({parts}) {where}"


# What a reason to skip files reads as after a count.
_SKIPPED = {"excluded": ("excluded", "excluded"), "not a pipeline": ("non-pipeline", "non-pipelines"),
            "not a regular file": ("special file", "special files"), "outside the repository":
            ("symlink out of the repository", "symlinks out of the repository"), "unreadable": ("unreadable", "unreadable")}


def _scanned(report: Report) -> str:
    parts = []
    if report.scan.read > len(report.files):
        parts.append(f"{report.scan.read} files read")
    skipped = skipped_summary(report.scan)
    if skipped:
        parts.append(skipped)
    return "; ".join(parts)


def skipped_summary(scan: ScanSummary) -> str:
    """What discovery left out, counted by why: ``skipped 2 excluded, 3 templates read through 4 pipelines``."""
    reasons = Counter(s.reason for s in scan.skipped)
    skipped = [f"{reasons[r]} {_SKIPPED[r][reasons[r] != 1]}" for r in _SKIPPED if reasons[r]]
    used = [users for _, users in scan.templates if users]
    if used:
        through = len({u for users in used for u in users})
        skipped.append(f"{len(used)} template{'s' * (len(used) != 1)} read through {through} pipeline{'s' * (through != 1)}")
    unused = len(scan.templates) - len(used)
    if unused:
        skipped.append(f"{unused} template{'s' * (unused != 1)} no pipeline here uses")
    return "skipped " + ", ".join(skipped) if skipped else ""


def statistics(report: Report, options: RenderOptions = DEFAULT) -> str:
    """One line per rule that found something: count, rule, severity and summary, the most
    frequent first (ties by rule id)."""
    counts = Counter(f.rule for f in report.findings)
    severity = {f.rule: f.severity for f in report.findings}
    summaries = {r.id: r.summary for r in report.rules}
    width = max((len(str(n)) for n in counts.values()), default=1)
    rule_width = max((len(r) for r in counts), default=0)
    lines = [
        f"{n:>{width}}  {paint(rule_id.ljust(rule_width), 'rule', options)}  "
        f"{paint(severity[rule_id].ljust(7), severity[rule_id], options)}  {summaries.get(rule_id, '')}".rstrip()
        for rule_id, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    return _end(lines, report, options)

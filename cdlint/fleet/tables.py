"""The fleet as Markdown (an overview for a wiki) and as CSV (every record, for spreadsheets)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from cdlint.fleet.store import records
from cdlint.fleet.summary import Fleet

MAX_LISTED = 20


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


def _code(text: str) -> str:
    return "`" + text.replace("`", "'").replace("\n", " ") + "`"


def render_markdown(fleet: Fleet) -> str:
    repos = fleet.sorted()
    names = [c.name for c in fleet.categories]
    out = [f"## Delivery maturity: {len(repos)} repositories", "",
           f"{_md(fleet.model_name)}; {fleet.records} records. Levels are each repository's latest state.", "",
           "### Levels per category", "",
           "| Category | " + " | ".join(fleet.level_name(r) for r in range(len(fleet.levels) + 1)) + " |",
           "| --- |" + " ---: |" * (len(fleet.levels) + 1)]
    for category, counts in fleet.distribution():
        out.append(f"| {_md(category.name)} | " + " | ".join(str(n) for n in counts) + " |")
    months, series, counted = fleet.trends()
    if len(months) > 1:
        out += ["", "### Trends (mean level at the end of each month; 0 is no level)", "",
                "| Month | Repositories | " + " | ".join(_md(n) for n in names) + " |",
                "| --- | ---: |" + " ---: |" * len(names)]
        for index, month in enumerate(months):
            values = " | ".join("" if s[index] is None else f"{s[index]:.2f}" for s in series)
            out.append(f"| {month} | {counted[index]} | {values} |")
    common = fleet.common_findings()
    if common:
        out += ["", "### Most common findings", "", "| Rule | Repositories | Findings | Repositories affected |",
                "| --- | ---: | ---: | --- |"]
        for rule, affected, findings, repositories in common:
            listed = ", ".join(_code(n) for n in repositories[:MAX_LISTED])
            more = f" and {len(repositories) - MAX_LISTED} more" if len(repositories) > MAX_LISTED else ""
            out.append(f"| {_code(rule)} | {affected} | {findings} | {listed}{more} |")
    out += ["", "### Repositories", "", "| Repository | " + " | ".join(_md(n) for n in names) + " | Findings | As of |",
            "| --- |" + " --- |" * len(names) + " ---: | --- |"]
    for repo in repos:
        state = repo.latest
        if state is None:
            out.append(f"| {_code(repo.name)} | " + " | ".join("error" for _ in names) + f" | | {_md(repo.error or '')} |")
            continue
        levels = " | ".join(fleet.level_name(rank, assessable) for rank, assessable in zip(state.levels, repo.assessable))
        out.append(f"| {_code(repo.name)} | {levels} | {repo.findings} | {(state.time or '')[:10]} |")
    failing = [r for r in repos if r.error]
    if failing:
        out += ["", "### Repositories that failed", ""] + [f"- {_code(r.name)}: {_md(r.error)}" for r in failing]
    return "\n".join(out) + "\n"


CSV_HEAD = ["repository", "ref", "commit", "time", "tool_version"]
# Spreadsheets run a cell that starts with one of these as a formula: repository names
# and messages are untrusted, so such cells are quoted with a leading apostrophe.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def render_csv(path: str) -> Iterator[str]:
    """One row per record of the store (a time series), streamed: the repository, its commit
    and time, the level per category, the number of findings and of errors by severity."""
    categories = next(([c["id"] for c in r["maturity"]["categories"]] for _, r in records(path)
                       if (r.get("maturity") or {}).get("categories")), [])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEAD + categories + ["findings", "errors", "warnings", "notes", "error"])
    yield _take(buffer)
    for _, record in records(path):
        document = record.get("maturity") or {}
        levels = {c.get("id"): c.get("level") for c in document.get("categories", ())}
        check = record.get("check")
        findings = (check or {}).get("findings", [])
        counts = [len(findings), *(sum(f.get("severity") == s for f in findings) for s in ("error", "warning", "note"))]
        writer.writerow([_cell(record.get("repository")), _cell(record.get("ref")), _cell(record.get("commit")),
                         _cell(record.get("time")), _cell((record.get("tool") or {}).get("version"))]
                        + [_cell(levels.get(c)) if document else "" for c in categories]
                        + (counts if check else ["", "", "", ""]) + [_cell(record.get("error"))])
        yield _take(buffer)


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text

"""Maturity reports as text, Markdown and JSON: pure functions of a MaturityReport.

One repository gets the full picture (levels, the next level's practices, next
steps); several get a row each and the distribution of levels per category.
"""

from __future__ import annotations

import json

from cdlint import __version__
from cdlint.finding import Evidence, Finding
from cdlint.formatters.markdown import cell, code, escaped
from cdlint.maturity import MaturityReport, Repository
from cdlint.maturity.assess import MET, NOT_APPLICABLE, NOT_ASSESSABLE, UNMET, CategoryResult, PracticeResult
from cdlint.maturity.model import Model
from cdlint.safetext import visible

STATUS_TEXT = {MET: "met", UNMET: "unmet", NOT_ASSESSABLE: "n/a", NOT_APPLICABLE: "n/a"}
STATUS_MARK = {MET: "✅ met", UNMET: "❌ unmet", NOT_ASSESSABLE: "➖ not assessable", NOT_APPLICABLE: "➖ not applicable"}


def level_name(model: Model, result: CategoryResult) -> str:
    """The level reached as shown to people: its name, or why there is none."""
    if result.level is not None:
        return model.level(result.level).name.lower()
    if not result.assessable:
        return "not assessable"
    # Below the lowest level the files can show; lower levels may hold only practices they cannot.
    lowest = min((model.rank(r.practice.level) for r in result.practices if r.judged))
    return f"below {model.levels[lowest].name.lower()}"


def progress_text(model: Model, result: CategoryResult) -> str:
    if not result.assessable:
        return "not assessable from pipeline files"
    if result.next_level is None:
        return "top level reached" if result.level == model.levels[-1].id else "highest level the files can show"
    met, total = result.progress
    return f"{met} of {total} met"


def _where(e: Evidence | Finding) -> str:
    s = e.span
    return f"{s.path}:{s.line}:{s.column}"


def next_steps(report: MaturityReport, repo: Repository, where=None) -> list[tuple[CategoryResult, PracticeResult, str]]:
    """What to do to reach each category's next level: one line of advice per unmet practice;
    ``where`` formats the position of a finding for the output format."""
    where = where or _where
    steps = []
    for result in repo.assessment.categories:
        for practice in result.at(result.next_level):
            if practice.status != "unmet":
                continue
            if practice.findings:
                parts = []
                for rule in dict.fromkeys(f.rule for f in practice.findings):
                    first = next(f for f in practice.findings if f.rule == rule)
                    count = sum(f.rule == rule for f in practice.findings)
                    found = f"{count} '{rule}' finding{'s' * (count != 1)} (first at {where(first)})"
                    advice = report.advice.get(rule, "")
                    parts.append(f"fix {found}" + (f": {advice}" if advice else ""))
                steps.append((result, practice, "; ".join(parts)))
            else:
                steps.append((result, practice, practice.practice.advice or practice.practice.description))
    return steps


def _summary_line(repo: Repository) -> str:
    files, findings = len(repo.files), len(repo.findings)
    return f"{files} pipeline file{'s' * (files != 1)}, {findings} finding{'s' * (findings != 1)}"


def _table(rows: list[list[str]], indent: str = "") -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]


# --- text ---------------------------------------------------------------------------


def render_text(report: MaturityReport) -> str:
    """The report for a terminal; what the repositories wrote in it made visible (control
    characters escaped)."""
    text = _text_repository(report, report.repositories[0]) if len(report.repositories) == 1 else _text_organisation(report)
    return "\n".join(visible(line) for line in text.split("\n"))


def _text_repository(report: MaturityReport, repo: Repository) -> str:
    model = report.model
    out = [f"{model.name}: {repo.path}", _summary_line(repo), ""]
    rows = [["category", "level", "next level", "progress"]]
    for result in repo.assessment.categories:
        nxt = model.level(result.next_level).name.lower() if result.next_level else "-"
        rows.append([result.category.name, level_name(model, result), nxt, progress_text(model, result)])
    out += _table(rows)
    for result in repo.assessment.categories:
        if not result.assessable or result.next_level is None:
            continue
        met, total = result.progress
        out += ["", f"{result.category.name}: {level_name(model, result)}; "
                    f"{model.level(result.next_level).name.lower()} needs {total - met} more of {total}"]
        rows = []
        for practice in result.at(result.next_level):
            rows.append([STATUS_TEXT[practice.status], practice.practice.id, _reason(practice)])
        out += _table(rows, "  ")
    steps = next_steps(report, repo)
    if steps:
        out += ["", "Next steps"]
        current = None
        for result, practice, advice in steps:
            if result is not current:
                out.append(f"  {result.category.name} -> {model.level(result.next_level).name.lower()}")
                current = result
            out.append(f"    - {practice.practice.name}: {advice}")
    for error in repo.errors:
        out += ["", f"error: {error}"]
    return "\n".join(out) + "\n"


def _reason(practice: PracticeResult, code=str, prose=str, missing: str = "no evidence in the pipeline files") -> str:
    """Why a practice has its status: the first finding against it, its first evidence, or
    nothing; ``code`` and ``prose`` format names and sentences for the output format."""
    if practice.status == NOT_ASSESSABLE:
        return "not assessable from pipeline files"
    if practice.status == NOT_APPLICABLE:
        return not_applicable_reason(practice)
    if practice.findings:
        f = practice.findings[0]
        more = f" (+{len(practice.findings) - 1} more)" if len(practice.findings) > 1 else ""
        return f"{code(f.rule)} at {code(_where(f))}{more}"
    if practice.evidence:
        e = practice.evidence[0]
        return f"{code(_where(e))} {prose(e.note)}"
    return missing


def not_applicable_reason(practice: PracticeResult) -> str:
    """Why a practice does not apply: the need its conditions look for was not found."""
    from cdlint.maturity.detectors import summary

    needs = " or ".join(_lower_first(summary(name).split(":")[0].rstrip(".")) for name in practice.practice.applies_if)
    return f"not applicable: the pipeline files do not show that {needs}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _text_organisation(report: MaturityReport) -> str:
    model = report.model
    out = [f"{model.name}: {len(report.repositories)} repositories", ""]
    rows = [["repository", *(c.name for c in model.categories)]]
    for repo in report.repositories:
        rows.append([repo.path, *(level_name(model, c) for c in repo.assessment.categories)])
    out += _table(rows)
    out += ["", "Distribution (repositories per level)"]
    rows = [["category", "no level", *(lv.name.lower() for lv in model.levels)]]
    for category_id, counts in report.distribution().items():
        rows.append([model.category(category_id).name, *(str(n) for n in counts.values())])
    out += _table(rows)
    for repo in report.repositories:
        out += [f"error: {repo.path}: {error}" for error in repo.errors]
    return "\n".join(out) + "\n"


# --- markdown -----------------------------------------------------------------------




def render_markdown(report: MaturityReport) -> str:
    if len(report.repositories) == 1:
        return _markdown_repository(report, report.repositories[0])
    return _markdown_organisation(report)


def _markdown_repository(report: MaturityReport, repo: Repository) -> str:
    model = report.model
    out = [f"## Continuous delivery maturity: {code(repo.path)}", "",
           f"{model.name} ({cell(model.source)}). {_summary_line(repo)}.", "",
           "| Category | Level | Next level | Progress |", "| --- | --- | --- | --- |"]
    for result in repo.assessment.categories:
        nxt = model.level(result.next_level).name if result.next_level else "—"
        out.append(f"| {result.category.name} | **{level_name(model, result)}** | {nxt} | {progress_text(model, result)} |")
    steps = next_steps(report, repo, lambda f: code(_where(f)))
    if steps:
        out += ["", "### Next steps", ""]
        for result, practice, advice in steps:
            target = model.level(result.next_level).name.lower()
            out.append(f"- **{result.category.name} → {target}**: {cell(practice.practice.name)} — {cell(advice)}")
    for result in repo.assessment.categories:
        out += ["", f"<details><summary>{result.category.name}: {level_name(model, result)}</summary>", "",
                "| Level | Practice | Status | Evidence or finding |", "| --- | --- | --- | --- |"]
        for practice in result.practices:
            out.append(
                f"| {model.level(practice.practice.level).name} | {cell(practice.practice.name)} | "
                f"{STATUS_MARK[practice.status]} | {_markdown_reason(practice)} |"
            )
        out += ["", "</details>"]
    for error in repo.errors:
        out += ["", f"> error: {escaped(error)}"]
    return "\n".join(out) + "\n"


def _markdown_reason(practice: PracticeResult) -> str:
    return _reason(practice, code, escaped, "no evidence")


def _markdown_organisation(report: MaturityReport) -> str:
    model = report.model
    out = [f"## Continuous delivery maturity: {len(report.repositories)} repositories", "",
           f"{model.name} ({cell(model.source)}).", "",
           "| Repository | " + " | ".join(c.name for c in model.categories) + " |",
           "| --- |" + " --- |" * len(model.categories)]
    for repo in report.repositories:
        out.append(f"| {code(repo.path)} | " + " | ".join(level_name(model, c) for c in repo.assessment.categories) + " |")
    out += ["", "### Distribution", "",
            "| Category | no level | " + " | ".join(lv.name for lv in model.levels) + " |",
            "| --- |" + " ---: |" * (len(model.levels) + 1)]
    for category_id, counts in report.distribution().items():
        out.append(f"| {model.category(category_id).name} | " + " | ".join(str(n) for n in counts.values()) + " |")
    return "\n".join(out) + "\n"


# --- json ---------------------------------------------------------------------------


def _evidence(e: Evidence) -> dict:
    return {"path": e.span.path, "line": e.span.line, "column": e.span.column, "note": e.note}


def _finding(f: Finding) -> dict:
    return {"rule": f.rule, "severity": f.severity, "message": f.message, "path": f.span.path, "line": f.span.line,
            "column": f.span.column}


def _practice(result: PracticeResult) -> dict:
    p = result.practice
    data = {
        "id": p.id,
        "name": p.name,
        "level": p.level,
        # v1 knows three statuses: a practice that does not apply is not assessed, and says why.
        "status": NOT_ASSESSABLE if result.status == NOT_APPLICABLE else result.status,
        "assessable": p.assessable,
        "evidence": [_evidence(e) for e in result.evidence],
        "findings": [_finding(f) for f in result.findings],
    }
    if p.applies_if:
        data["applies"] = result.status != NOT_APPLICABLE
    if p.crosswalk:
        data["crosswalk"] = dict(p.crosswalk)
    return data


def _categories(repo: Repository) -> list[dict]:
    return [
        {
            "id": result.category.id,
            "name": result.category.name,
            "level": result.level,
            "next_level": result.next_level,
            "progress": {"met": result.progress[0], "assessable": result.progress[1]},
            "practices": [_practice(p) for p in result.practices],
        }
        for result in repo.assessment.categories
    ]


def render_json(report: MaturityReport) -> str:
    return json.dumps(json_document(report), indent=2, ensure_ascii=False) + "\n"


def json_document(report: MaturityReport) -> dict:
    """The v1 document as plain data (``cdlint fleet`` stores it as it is)."""
    model = report.model
    document: dict = {
        "version": 1,
        "tool": {"name": "cdlint", "version": __version__},
        "model": {"id": model.id, "name": model.name, "source": model.source, "levels": [lv.id for lv in model.levels]},
    }
    if len(report.repositories) == 1:
        repo = report.repositories[0]
        document["path"] = repo.path
        document["categories"] = _categories(repo)
    else:
        document["repositories"] = [{"path": r.path, "categories": _categories(r)} for r in report.repositories]
        document["distribution"] = [
            {"category": category_id, "levels": [{"level": level, "repositories": n} for level, n in counts.items()]}
            for category_id, counts in report.distribution().items()
        ]
    return document

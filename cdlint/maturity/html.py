"""``cdlint maturity --format html``: self-contained pages.

One repository is one page: a table of contents, the maturity profile as a
level-by-category chart, the next steps, a table per category (the practices
files cannot show, or the repository does not need, folded away), a drawing
of each pipeline's stage graph (``stagegraph.py``), and the source lines that
evidence and findings point at, folded too. Several repositories are an
overview page — a heat map of the level per category per repository and the
distribution of levels — with a page per repository beside it.

All inline SVG and CSS made here: no script, no font, no image and no request
leaves the file; a Content-Security-Policy says so to the browser. The pages
reflow down to a phone's width and print without their navigation.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from html import escape

from cdlint import __version__
from cdlint.finding import Evidence, Finding
from cdlint.maturity import MaturityReport, Repository
from cdlint.maturity.assess import MET, NOT_APPLICABLE, CategoryResult, PracticeResult
from cdlint.maturity.model import Model
from cdlint.maturity.render import level_name, next_steps, not_applicable_reason, progress_text
from cdlint.maturity.stagegraph import KIND_COLOURS, pipeline_svg
from cdlint.model import trigger_label

MAX_EVIDENCE = 8  # of each, evidence and findings, per practice
MAX_SHOWN = 3  # shown before the rest is folded
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
LEVEL_FILL = ["#c6e48b", "#9bd46b", "#6cc24a", "#3f9e3a", "#216e39"]
NO_LEVEL_FILL = "#e2e8f0"
STATUS_LABEL = {MET: "met", "unmet": "unmet", "not-assessable": "not assessable", NOT_APPLICABLE: "not applicable"}

STYLE = """
:root { --ink: #1a202c; --muted: #5a6476; --line: #d9dee7; --bad: #c53030; --good: #2f855a; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f7f8fa; }
header { background: #1f2a44; color: #fff; padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; overflow-wrap: anywhere; }
header p { margin: 0; color: #cbd5e0; }
header a { color: #bee3f8; }
main { padding: 8px 32px 40px; max-width: 1400px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin: 18px 0; min-width: 0; }
h2 { font-size: 18px; margin: 0 0 12px; }
h3 { font-size: 16px; margin: 18px 0 8px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.met { background: #d4f2d9; color: #22543d; }
.unmet { background: #fed7d7; color: #822727; }
.not-assessable, .not-applicable { background: #edf2f7; color: #4a5568; }
.level { background: #e6f0ff; color: #1e3a8a; }
.none { background: #edf2f7; color: #4a5568; }
ul.evidence { margin: 0; padding-left: 16px; }
ul.evidence li { margin: 2px 0; }
a { color: #2b6cb0; text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
code { background: #f1f3f7; border-radius: 3px; padding: 0 3px; overflow-wrap: anywhere; }
.finding { color: var(--bad); }
.muted { color: var(--muted); }
.xwalk { font-size: 12px; color: var(--muted); }
nav.toc { font-size: 13px; }
nav.toc ol { margin: 0; padding-left: 20px; columns: 2 260px; }
nav.toc li { margin: 2px 0; break-inside: avoid; }
svg.profile, svg.distribution { display: block; max-width: 100%; height: auto; }
figure { margin: 12px 0 20px; overflow-x: auto; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { font-weight: 600; margin-bottom: 6px; overflow-wrap: anywhere; }
.legend span { display: inline-block; margin-right: 12px; font-size: 12px; }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 3px; margin-right: 4px; vertical-align: -1px; border: 1px solid; }
details { margin: 8px 0; }
summary { cursor: pointer; color: var(--muted); }
.excerpts { display: grid; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); gap: 0 16px; }
details.source { margin: 2px 0; min-width: 0; }
details.source[open] { grid-column: 1 / -1; }
details.source summary { color: inherit; overflow-wrap: anywhere; }
pre.source { background: #f7f8fa; border: 1px solid var(--line); border-radius: 4px; padding: 6px 8px; margin: 4px 0 8px; overflow-x: auto; }
pre.source b { background: #fff3b0; font-weight: normal; }
.steps li { margin: 4px 0; }
table.practices td:first-child { white-space: nowrap; }
table.heatmap td.cell { vertical-align: middle; text-align: center; font-size: 12px; font-weight: 600; white-space: nowrap; }
table.heatmap td.cell a { color: inherit; }
.scroll { overflow-x: auto; }
@media (max-width: 800px) {
  header { padding: 14px 16px; }
  main { padding: 4px 10px 24px; }
  section { padding: 12px; }
  th, td { padding: 4px 5px; }
  table.practices td:first-child, table.practices th:first-child { display: none; }
}
@media print {
  body { background: #fff; font-size: 11pt; }
  header { background: none; color: var(--ink); padding: 0 0 8px; border-bottom: 2px solid var(--ink); }
  header p { color: var(--muted); }
  nav.toc { display: none; }
  main { padding: 0; max-width: none; }
  section { border: none; padding: 0; margin: 14px 0; break-inside: auto; }
  tr, figure, details.source { break-inside: avoid; }
  figure { overflow: visible; }
  figure svg { min-width: 0 !important; }
  a { color: inherit; }
}
"""


def _page(title: str, model: Model, body: str, back: str | None = None) -> str:
    link = f' · <a href="{escape(back)}">all repositories</a>' if back else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<header><h1>{escape(title)}</h1><p>{escape(model.name)} · {escape(model.source)} · cdlint {escape(__version__)}{link}</p></header>\n"
        "<main>\n" + body + "\n</main>\n</body>\n</html>\n"
    )


def render_html(report: MaturityReport) -> str:
    """One repository's page; for several, the overview (its pages: :func:`render_pages`)."""
    if len(report.repositories) == 1:
        return _repository_page(report, report.repositories[0])
    return render_pages(report, None)[None]


def render_pages(report: MaturityReport, output: str | None) -> dict[str | None, str]:
    """The overview (key ``None``) and a page per repository, in a folder named after
    ``output`` beside it (``maturity.html`` → ``maturity/``); the overview links to them."""
    folder = os.path.splitext(output)[0] if output else "maturity"
    link_folder = os.path.basename(folder)
    names = _page_names(report.repositories)
    pages: dict[str | None, str] = {None: _overview_page(report, [f"{link_folder}/{n}" for n in names])}
    back = f"../{os.path.basename(output) if output else 'maturity.html'}"
    for repo, name in zip(report.repositories, names):
        pages[os.path.join(folder, name)] = _repository_page(report, repo, back)
    return pages


def _page_names(repositories: Iterable[Repository]) -> list[str]:
    names, seen = [], set()
    for repo in repositories:
        base = re.sub(r"[^A-Za-z0-9._-]+", "-", repo.path).strip("-.") or "repository"
        name, n = base, 1
        while name.lower() in seen:
            n += 1
            name = f"{base}-{n}"
        seen.add(name.lower())
        names.append(f"{name}.html")
    return names


def title_of(repo: Repository) -> str:
    return f"Continuous delivery maturity — {repo.name or repo.path}"


# --- the overview of several repositories -------------------------------------------


def _overview_page(report: MaturityReport, links: list[str]) -> str:
    model = report.model
    title = f"Continuous delivery maturity — {len(report.repositories)} repositories"
    head = "".join(f"<th>{escape(c.name)}</th>" for c in model.categories)
    rows = []
    for repo, link in zip(report.repositories, links):
        cells = "".join(_heat_cell(model, c, link) for c in repo.assessment.categories)
        files = len(repo.files)
        rows.append(f'<tr class="repository"><td><a href="{escape(link)}">{escape(repo.path)}</a>'
                    f'<br><span class="muted">{files} pipeline file{"s" * (files != 1)}, {len(repo.findings)} findings</span></td>{cells}</tr>')
    legend = "".join(f'<span><i style="background:{_level_colour(model, lv.id)};border-color:#cbd5e0"></i>{escape(lv.name)}</span>'
                     for lv in model.levels)
    body = (
        '<section class="organisation"><h2>Levels per repository</h2>'
        f'<p class="legend"><span><i style="background:{NO_LEVEL_FILL};border-color:#cbd5e0"></i>below the first level</span>{legend}'
        '<span><i style="background:#fff;border-color:#cbd5e0"></i>not assessable</span></p>'
        f'<div class="scroll"><table class="heatmap"><thead><tr><th>Repository</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
        f"<h3>Distribution of levels per category</h3>{_distribution_svg(report)}</section>"
    )
    return _page(title, model, body)


def _level_colour(model: Model, level: str | None) -> str:
    if level is None:
        return NO_LEVEL_FILL
    return LEVEL_FILL[min(model.rank(level), len(LEVEL_FILL) - 1)]


def _heat_cell(model: Model, result: CategoryResult, link: str) -> str:
    name = level_name(model, result)
    if not result.assessable:
        return f'<td class="cell muted" data-level="">{escape(name)}</td>'
    colour = _level_colour(model, result.level)
    ink = "#fff" if result.level is not None and model.rank(result.level) >= 3 else "#1a202c"
    anchor = f"{link}#cat-{result.category.id}"
    return (f'<td class="cell" data-level="{escape(result.level or "")}" style="background:{colour};color:{ink}">'
            f'<a href="{escape(anchor)}">{escape(name)}</a></td>')


def _distribution_svg(report: MaturityReport) -> str:
    model = report.model
    total = max(1, len(report.repositories))
    label_w, bar_w, row_h = 190, 560, 30
    levels = [None, *(lv.id for lv in model.levels)]
    width = label_w + bar_w + 20
    height = 40 + row_h * len(model.categories) + 30
    parts = [f'<svg class="distribution" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="levels per category">']
    for row, (category_id, counts) in enumerate(report.distribution().items()):
        y = 10 + row * row_h
        parts.append(f'<text x="0" y="{y + 17}" font-size="13">{escape(model.category(category_id).name)}</text>')
        x = float(label_w)
        for level in levels:
            n = counts[level]
            if not n:
                continue
            w = bar_w * n / total
            name = model.level(level).name if level else "no level"
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="22" fill="{_level_colour(model, level)}" stroke="#fff">'
                         f"<title>{escape(name)}: {n}</title></rect>")
            if w > 18:
                parts.append(f'<text x="{x + w / 2:.1f}" y="{y + 15}" font-size="11" text-anchor="middle">{n}</text>')
            x += w
    y = 16 + row_h * len(model.categories)
    x = label_w
    for level in levels:
        name = model.level(level).name if level else "no level"
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{_level_colour(model, level)}"/>'
                     f'<text x="{x + 16}" y="{y + 10}" font-size="11">{escape(name)}</text>')
        x += 26 + 7 * len(name)
    parts.append("</svg>")
    return "".join(parts)


# --- one repository -----------------------------------------------------------------


def _repository_page(report: MaturityReport, repo: Repository, back: str | None = None) -> str:
    model = report.model
    sources = _Sources(repo)
    results = repo.assessment.categories
    files, findings = len(repo.files), len(repo.findings)
    profile = [
        '<section class="repository-report" id="profile"><h2>Maturity profile</h2>',
        f"<p class=\"muted\">{files} pipeline file{'s' * (files != 1)}, "
        f"{findings} finding{'s' * (findings != 1)} from <code>cdlint check</code>.</p>",
        _profile_svg(model, results),
        _summary_table(model, results),
    ]
    steps = next_steps(report, repo)
    if steps:
        profile.append('<h3 id="next-steps">Next steps</h3><ol class="steps">')
        for result, practice, advice in steps:
            target = model.level(result.next_level).name.lower()
            profile.append(f"<li><b>{escape(result.category.name)} → {escape(target)}</b>: "
                           f"{escape(practice.practice.name)} — {inline(advice)}</li>")
        profile.append("</ol>")
    profile.append("</section>")
    categories = [_category(model, result, sources) for result in results]
    pipelines = _pipelines(repo)
    excerpts = sources.render()
    toc = _toc(model, results, bool(steps), bool(excerpts))
    body = "\n".join([toc, *profile, *categories, pipelines, excerpts])
    return _page(title_of(repo), model, body, back)


def _toc(model: Model, results: Iterable[CategoryResult], steps: bool, excerpts: bool) -> str:
    items = ['<li><a href="#profile">Maturity profile</a></li>']
    if steps:
        items.append('<li><a href="#next-steps">Next steps</a></li>')
    items += [f'<li><a href="#cat-{escape(r.category.id)}">{escape(r.category.name)}</a> '
              f'<span class="muted">{escape(level_name(model, r))}</span></li>' for r in results]
    items.append('<li><a href="#pipelines">Pipelines</a></li>')
    if excerpts:
        items.append('<li><a href="#sources">Sources</a></li>')
    return f'<nav class="toc"><section><h2>Contents</h2><ol>{"".join(items)}</ol></section></nav>'


_CODE = re.compile(r"`([^`]+)`")


def inline(text: str) -> str:
    """Advice written in Markdown's inline code (`like this`) as HTML."""
    out, last = [], 0
    for match in _CODE.finditer(text):
        out.append(escape(text[last:match.start()]))
        out.append(f"<code>{escape(match[1])}</code>")
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def _level_badge(model: Model, result: CategoryResult) -> str:
    cls = "level" if result.level else "none"
    return f'<span class="badge {cls}">{escape(level_name(model, result))}</span>'


def _summary_table(model: Model, results: Iterable[CategoryResult]) -> str:
    rows = []
    for r in results:
        nxt = escape(model.level(r.next_level).name) if r.next_level else "—"
        rows.append(f'<tr><td><a href="#cat-{escape(r.category.id)}">{escape(r.category.name)}</a></td>'
                    f"<td>{_level_badge(model, r)}</td><td>{nxt}</td><td>{escape(progress_text(model, r))}</td></tr>")
    return ("<table class=\"summary\"><thead><tr><th>Category</th><th>Level</th><th>Next level</th><th>Progress</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _profile_svg(model: Model, results: tuple[CategoryResult, ...]) -> str:
    """Levels (rows, lowest at the bottom) by categories (columns). A reached level is a filled
    cell; above it, the practices met so far are a thin bar along the cell's foot with their
    count, never a full cell; levels the files cannot show are hatched."""
    col_w, row_h, left, top = 150, 34, 110, 14
    width = left + col_w * len(results) + 10
    height = top + row_h * len(model.levels) + 46
    parts = [
        f'<svg class="profile" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'role="img" aria-label="maturity level per category">',
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#f4f5f7"/><line x1="0" y1="0" x2="0" y2="6" stroke="#d5d9e0" stroke-width="2"/></pattern></defs>',
    ]
    for i, level in enumerate(model.levels):
        y = top + row_h * (len(model.levels) - 1 - i)
        parts.append(f'<text x="{left - 8}" y="{y + 21}" font-size="12" text-anchor="end" fill="#5a6476">{escape(level.name)}</text>')
    for c, result in enumerate(results):
        x = left + c * col_w
        reached = model.rank(result.level)
        for i, level in enumerate(model.levels):
            y = top + row_h * (len(model.levels) - 1 - i)
            judged = [p for p in result.at(level.id) if p.judged]
            met = sum(p.status == MET for p in judged)
            tip = f"{result.category.name} · {level.name}: " + (
                f"{met} of {len(judged)} practices met" if judged else "nothing the pipeline files can show")
            state = "reached" if i <= reached else "open" if judged else "not-shown"
            fill = LEVEL_FILL[min(i, len(LEVEL_FILL) - 1)] if state == "reached" else "#eef1f5" if judged else "url(#hatch)"
            parts.append(f'<rect class="cell {state}" data-category="{escape(result.category.id)}" data-level="{escape(level.id)}" '
                         f'x="{x + 4}" y="{y + 3}" width="{col_w - 8}" height="{row_h - 6}" rx="4" '
                         f'fill="{fill}" stroke="#d5d9e0"><title>{escape(tip)}</title></rect>')
            if state == "open":
                if met:
                    w = (col_w - 8) * met / len(judged)
                    parts.append(f'<rect class="progress" x="{x + 4}" y="{y + row_h - 8}" width="{w:.1f}" height="5" rx="2" '
                                 f'fill="#d69e2e"><title>{escape(tip)}</title></rect>')
                parts.append(f'<text x="{x + col_w / 2}" y="{y + 20}" font-size="11" text-anchor="middle" fill="#5a6476">'
                             f"{met}/{len(judged)} met</text>")
        parts.append(f'<text x="{x + col_w / 2}" y="{top + row_h * len(model.levels) + 16}" font-size="12" text-anchor="middle">'
                     f"{escape(result.category.name)}</text>")
        parts.append(f'<text x="{x + col_w / 2}" y="{top + row_h * len(model.levels) + 32}" font-size="11" font-weight="600" '
                     f'text-anchor="middle" fill="#1e3a8a">{escape(level_name(model, result))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _practice_row(model: Model, p: PracticeResult, sources: _Sources) -> str:
    practice = p.practice
    shown = [f'<li class="finding"><a href="#{sources.anchor(f)}">{escape(_where(f))}</a> <code>{escape(f.rule)}</code>: '
             f'{escape(f.message)}</li>' for f in p.findings[:MAX_EVIDENCE]]
    shown += [f'<li><a href="#{sources.anchor(e)}">{escape(_where(e))}</a> {escape(e.note)}</li>' for e in p.evidence[:MAX_EVIDENCE]]
    unlisted = len(p.findings) + len(p.evidence) - len(shown)
    if unlisted:
        shown.append(f'<li class="muted">and {unlisted} more</li>')
    items = shown[:MAX_SHOWN]
    if len(shown) > MAX_SHOWN:
        items.append(f'<li class="more"><details><summary>{len(shown) - MAX_SHOWN} more</summary><ul class="evidence">'
                     f'{"".join(shown[MAX_SHOWN:])}</ul></details></li>')
    if p.status == NOT_APPLICABLE:
        items.append(f'<li class="muted">{escape(not_applicable_reason(p))}</li>')
    elif not p.judged:
        items.append('<li class="muted">pipeline files cannot show this practice</li>')
    elif not items:
        items.append(f'<li class="muted">no evidence; {inline(practice.advice)}</li>')
    xwalk = " · ".join(f"{k.upper()}: {escape(v)}" for k, v in practice.crosswalk)
    return (
        f'<tr class="practice" data-practice="{escape(practice.id)}" data-status="{p.status}">'
        f"<td>{escape(model.level(practice.level).name)}</td>"
        f"<td><b>{escape(practice.name)}</b><br><span class=\"muted\">{escape(practice.description)}</span>"
        + (f'<br><span class="xwalk">{xwalk}</span>' if xwalk else "")
        + f'</td><td><span class="badge {p.status}">{escape(STATUS_LABEL[p.status])}</span>'
        f'<br><span class="muted">assessable: {escape(practice.assessable)}</span></td>'
        f'<td><ul class="evidence">{"".join(items)}</ul></td></tr>'
    )


def _practices_table(model: Model, practices: list[PracticeResult], sources: _Sources) -> str:
    rows = "".join(_practice_row(model, p, sources) for p in practices)
    return ('<table class="practices"><thead><tr><th>Level</th><th>Practice</th><th>Status</th><th>Evidence and findings</th>'
            f"</tr></thead><tbody>{rows}</tbody></table>")


def _category(model: Model, result: CategoryResult, sources: _Sources) -> str:
    judged = [p for p in result.practices if p.judged]
    folded = [p for p in result.practices if not p.judged]
    out = [f'<section class="category" id="cat-{escape(result.category.id)}" data-category="{escape(result.category.id)}">',
           f"<h2>{escape(result.category.name)} {_level_badge(model, result)}</h2>",
           f'<p class="muted">{escape(result.category.description)}</p>']
    if judged:
        out.append(_practices_table(model, judged, sources))
    if folded:
        unseen = sum(p.status != NOT_APPLICABLE for p in folded)
        unneeded = len(folded) - unseen
        what = " and ".join(part for part in (
            f"{unseen} practice{'s' * (unseen != 1)} pipeline files cannot show" if unseen else "",
            f"{unneeded} practice{'s' * (unneeded != 1)} this repository does not need" if unneeded else "") if part)
        out.append(f'<details class="folded"><summary>{escape(what)}</summary>{_practices_table(model, folded, sources)}</details>')
    out.append("</section>")
    return "".join(out)


def _where(e: Evidence | Finding) -> str:
    return f"{e.span.path}:{e.span.line}"


class _Sources:
    """Excerpts of the source lines that evidence and findings point at, each with an anchor,
    folded so the page stays short (a link to one opens it)."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self.anchors: dict[tuple[str, int], str] = {}

    def anchor(self, item: Evidence | Finding) -> str:
        key = (item.span.path, item.span.line)
        if key not in self.anchors:
            self.anchors[key] = f"src-{len(self.anchors) + 1}"
        return self.anchors[key]

    def render(self) -> str:
        if not self.anchors:
            return ""
        out = ['<section class="sources" id="sources"><h2>Sources</h2>',
               '<p class="muted">The lines evidence and findings point at; a link above opens its excerpt.</p>',
               '<div class="excerpts">']
        for (path, line), anchor in sorted(self.anchors.items()):
            rows = []
            for n in range(max(1, line - 1), line + 2):
                text = self.repo.source_line(path, n)
                if text is None:
                    continue
                content = f"{n:>5}  {escape(text.rstrip())}"
                rows.append(f"<b>{content}</b>" if n == line else content)
            out.append(f'<details class="source" id="{anchor}"><summary><code>{escape(path)}:{line}</code></summary>'
                       f'<pre class="source">{chr(10).join(rows)}</pre></details>')
        out.append("</div></section>")
        return "\n".join(out)


def _pipelines(repo: Repository) -> str:
    flagged = _flagged_stages(repo)
    legend = "".join(f'<span><i style="background:{fill};border-color:{stroke}"></i>{kind}</span>' for kind, fill, stroke in KIND_COLOURS)
    out = ['<section class="pipelines" id="pipelines"><h2>Pipelines</h2>',
           f'<p class="legend">{legend}<span><i style="background:#fff;border-color:#1a202c;border-width:3px"></i>production (PROD)</span>'
           '<span><i style="background:#fff;border-color:#c53030;border-width:2px"></i>has findings (count)</span>'
           '<span>◆ gate (tests that must pass, approval or manual step)</span><span>- - → artifact</span></p>']
    for number, pipeline in enumerate(repo.project.pipelines):
        caption = f"{pipeline.path}" + (f" — {pipeline.name}" if pipeline.name and pipeline.name != pipeline.path else "")
        triggers = ", ".join(dict.fromkeys(trigger_label(t) for t in pipeline.triggers))
        out.append(f"<figure><figcaption>{escape(caption)}</figcaption>"
                   + (f'<div class="muted">on: {escape(triggers)}</div>' if triggers else "")
                   + pipeline_svg(pipeline, flagged, f"arrow-{number}") + "</figure>")
    out.append("</section>")
    return "\n".join(out)


def _flagged_stages(repo: Repository) -> dict[str, list[Finding]]:
    """Findings by the key of the stage they point at."""
    at_line: dict[tuple[str, int], str] = {}
    keys = set()
    for stage in repo.project.stages():
        keys.add(stage.key)
        at_line.setdefault((stage.span.path, stage.span.line), stage.key)
        for step in stage.steps:
            at_line.setdefault((step.span.path, step.span.line), stage.key)
    flagged: dict[str, list[Finding]] = {}
    for f in repo.findings:
        key = f.key if f.key in keys else at_line.get((f.span.path, f.span.line))
        if key:
            flagged.setdefault(key, []).append(f)
    return flagged

"""The fleet's HTML report: an overview page and one page per repository, from the store.

The overview holds the distribution of levels per category, a small trend chart
per category (the mean level of the repositories month by month), the most
common findings with the repositories they affect, and a heat map of the level
per category per repository, each repository linked to its own page. Pages are
self-contained like the maturity report (inline CSS and SVG, no script, a
Content-Security-Policy that allows nothing else); every name and message from
the store is escaped, since repositories are untrusted.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from html import escape

from cdlint import __version__
from cdlint.fleet.summary import Fleet, Repository
from cdlint.maturity.html import CSP, LEVEL_FILL, STYLE

MAX_LISTED = 20
MAX_FINDINGS = 500
NONE_FILL = "#e2e8f0"

FLEET_STYLE = """
table.heat td, table.heat th { padding: 3px 6px; font-size: 12px; white-space: nowrap; }
table.heat td.cell { text-align: center; }
.l0 { background: #e2e8f0; color: #4a5568; }
.trends { display: flex; flex-wrap: wrap; gap: 12px; }
.trends figure { margin: 0; }
.error { color: var(--bad); }
.finding-rule code { white-space: nowrap; }
""" + "".join(  # the maturity report's level colours; the darker ones take white text
    f".l{rank} {{ background: {fill};{' color: #fff;' if rank > 3 else ''} }}\n" for rank, fill in enumerate(LEVEL_FILL, start=1)
)


def page_name(repository: str) -> str:
    """The file of a repository's page: readable, safe on any file system, unique by a hash."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", repository).strip("._")[:80] or "repository"
    return f"{readable}-{hashlib.sha256(repository.encode()).hexdigest()[:10]}.html"


def render_site(fleet: Fleet) -> Iterator[tuple[str, str]]:
    """``(relative path, HTML)`` of the overview (``index.html``) and each repository's page
    (``repos/NAME.html``), one at a time."""
    yield "index.html", render_overview(fleet)
    for repo in fleet.sorted():
        yield f"repos/{page_name(repo.name)}", render_repository(fleet, repo)


def _page(title: str, subtitle: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}{FLEET_STYLE}</style>\n</head>\n<body>\n"
        f"<header><h1>{escape(title)}</h1><p>{escape(subtitle)}</p></header>\n"
        f"<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _subtitle(fleet: Fleet) -> str:
    return f"{fleet.model_name} · {fleet.records} records in {fleet.path} · cdlint {__version__}"


def render_overview(fleet: Fleet) -> str:
    repos = fleet.sorted()
    body = [_distribution(fleet), _trends(fleet), _findings(fleet), _heat_map(fleet, repos)]
    failing = [r for r in repos if r.error]
    if failing:
        items = "".join(f'<li><a href="repos/{escape(page_name(r.name))}">{escape(r.name)}</a>: '
                        f'<span class="error">{escape(r.error)}</span></li>' for r in failing)
        body.append(f'<section class="errors"><h2>Repositories that failed ({len(failing)})</h2><ul>{items}</ul></section>')
    return _page(f"Delivery maturity — {len(repos)} repositories", _subtitle(fleet), "\n".join(body))


def _colour(rank: int) -> str:
    return LEVEL_FILL[min(rank, len(LEVEL_FILL)) - 1] if rank else NONE_FILL


def _cell(rank: int) -> str:
    """The class of a level's cell: a model with more levels than colours keeps the darkest."""
    return f"cell l{min(rank, len(LEVEL_FILL))}"


def _distribution(fleet: Fleet) -> str:
    rows = fleet.distribution()
    total = max(1, sum(rows[0][1])) if rows else 1
    label_w, bar_w, row_h = 190, 560, 30
    height = 20 + row_h * len(rows) + 30
    parts = [f'<svg class="distribution" xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 20}" height="{height}" '
             f'viewBox="0 0 {label_w + bar_w + 20} {height}" role="img" aria-label="repositories per level and category">']
    for row, (category, counts) in enumerate(rows):
        y = 10 + row * row_h
        parts.append(f'<text x="0" y="{y + 17}" font-size="13">{escape(category.name)}</text>')
        x = float(label_w)
        for rank, n in enumerate(counts):
            if not n:
                continue
            w = bar_w * n / total
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="22" fill="{_colour(rank)}" stroke="#fff">'
                         f"<title>{escape(fleet.level_name(rank))}: {n}</title></rect>")
            if w > 18:
                parts.append(f'<text x="{x + w / 2:.1f}" y="{y + 15}" font-size="11" text-anchor="middle">{n}</text>')
            x += w
    x, y = label_w, 16 + row_h * len(rows)
    for rank in range(len(fleet.levels) + 1):
        name = fleet.level_name(rank)
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{_colour(rank)}"/>'
                     f'<text x="{x + 16}" y="{y + 10}" font-size="11">{escape(name)}</text>')
        x += 26 + 7 * len(name)
    parts.append("</svg>")
    return f'<section class="distribution"><h2>Levels per category</h2>{"".join(parts)}</section>'


def _trends(fleet: Fleet) -> str:
    months, series, counted = fleet.trends()
    if len(months) < 2:
        note = ("All records are from one month: scan again later, or with --history, to see trends."
                if months else "The records carry no commit times (plain directories): there is no trend to draw.")
        return f'<section class="trends-section"><h2>Trends</h2><p class="muted">{note}</p></section>'
    charts = "".join(_trend_chart(fleet, category.name, values, months, counted)
                     for category, values in zip(fleet.categories, series))
    return ('<section class="trends-section"><h2>Trends</h2><p class="muted">Mean level of the repositories at the end '
            f'of each month ({escape(months[0])} to {escape(months[-1])}; 0 is no level).</p>'
            f'<div class="trends">{charts}</div></section>')


def _trend_chart(fleet: Fleet, name: str, values: list, months: list[str], counted: list[int]) -> str:
    width, height, left, top, bottom = 250, 130, 26, 10, 22
    top_rank = max(1, len(fleet.levels))
    step = (width - left - 8) / max(1, len(months) - 1)

    def y(value: float) -> float:
        return top + (height - top - bottom) * (1 - value / top_rank)

    points = [(left + i * step, y(v), months[i], v, counted[i]) for i, v in enumerate(values) if v is not None]
    path = " ".join(f"{'M' if i == 0 else 'L'}{px:.1f},{py:.1f}" for i, (px, py, *_) in enumerate(points))
    parts = [f'<svg class="trend" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(name)}: mean level by month">']
    for rank in range(top_rank + 1):
        parts.append(f'<line x1="{left}" x2="{width - 8}" y1="{y(rank):.1f}" y2="{y(rank):.1f}" stroke="#edf2f7"/>'
                     f'<text x="{left - 4}" y="{y(rank) + 4:.1f}" font-size="9" text-anchor="end" fill="#5a6476">{rank}</text>')
    parts.append(f'<path d="{path}" fill="none" stroke="#2b6cb0" stroke-width="2"/>')
    for px, py, month, value, n in points:
        parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="#2b6cb0">'
                     f"<title>{escape(month)}: {value:.2f} over {n} repositories</title></circle>")
    parts.append(f'<text x="{left}" y="{height - 6}" font-size="9" fill="#5a6476">{escape(months[0])}</text>'
                 f'<text x="{width - 8}" y="{height - 6}" font-size="9" text-anchor="end" fill="#5a6476">{escape(months[-1])}</text>')
    parts.append("</svg>")
    return f"<figure><figcaption>{escape(name)}</figcaption>{''.join(parts)}</figure>"


def _findings(fleet: Fleet) -> str:
    rows = []
    for rule, repositories, findings, names in fleet.common_findings():
        links = ", ".join(f'<a href="repos/{escape(page_name(n))}">{escape(n)}</a>' for n in names[:MAX_LISTED])
        more = f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else ""
        rows.append(f'<tr class="finding-rule"><td><code>{escape(rule)}</code></td><td class="num">{repositories}</td>'
                    f'<td class="num">{findings}</td><td>{links}{more}</td></tr>')
    if not rows:
        return '<section class="findings"><h2>Most common findings</h2><p class="muted">No findings.</p></section>'
    return ('<section class="findings"><h2>Most common findings</h2><table><thead><tr><th>Rule</th><th>Repositories</th>'
            f'<th>Findings</th><th>Repositories affected</th></tr></thead><tbody>{"".join(rows)}</tbody></table></section>')


def _heat_map(fleet: Fleet, repos: list[Repository]) -> str:
    head = "".join(f"<th>{escape(c.name)}</th>" for c in fleet.categories)
    rows = []
    for repo in repos:
        link = f'<a href="repos/{escape(page_name(repo.name))}">{escape(repo.name)}</a>'
        state = repo.latest
        if state is None:
            rows.append(f'<tr class="repository failed"><td>{link}</td>'
                        f'<td colspan="{len(fleet.categories) + 2}" class="error">{escape(repo.error or "")}</td></tr>')
            continue
        cells = "".join(f'<td class="{_cell(rank)}">{escape(fleet.level_name(rank, assessable))}</td>'
                        for rank, assessable in zip(state.levels, repo.assessable))
        when = escape((state.time or "")[:10])
        rows.append(f'<tr class="repository"><td>{link}</td>{cells}<td class="num">{repo.findings}</td><td>{when}</td></tr>')
    return ('<section class="heat-map"><h2>Level per category and repository</h2>'
            f'<table class="heat"><thead><tr><th>Repository</th>{head}<th>Findings</th><th>As of</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></section>')


def render_repository(fleet: Fleet, repo: Repository) -> str:
    record = fleet.latest_record(repo)
    body = ['<p><a href="../index.html">← all repositories</a></p>']
    if repo.error:
        body.append(f'<section class="error"><h2>Last scan failed</h2><p class="error">{escape(repo.error)}</p></section>')
    if record is not None:
        body.append(_levels(fleet, record))
        if len(repo.states) > 1:
            body.append(_history(fleet, repo))
        body.append(_practices(record))
        body.append(_repository_findings(record))
    subtitle = f"{fleet.model_name} · cdlint {__version__}"
    if record is not None and record.get("commit"):
        subtitle = f"commit {record['commit'][:12]} of {(record.get('time') or '')[:10]} · " + subtitle
    return _page(repo.name, subtitle, "\n".join(body))


def _levels(fleet: Fleet, record: dict) -> str:
    rows = []
    for category in record["maturity"].get("categories", ()):
        progress = category.get("progress") or {}
        nxt = category.get("next_level") or "—"
        rank = fleet.levels.index(category["level"]) + 1 if category.get("level") in fleet.levels else 0
        assessable = any(p.get("status") != "not-assessable" for p in category.get("practices", ()))
        rows.append(f'<tr><td>{escape(str(category.get("name")))}</td>'
                    f'<td class="{_cell(rank)}">{escape(fleet.level_name(rank, assessable))}</td>'
                    f'<td>{escape(str(nxt))}</td><td>{progress.get("met", 0)} of {progress.get("assessable", 0)} met</td></tr>')
    return ('<section><h2>Levels</h2><table class="heat"><thead><tr><th>Category</th><th>Level</th><th>Next level</th>'
            f'<th>Progress</th></tr></thead><tbody>{"".join(rows)}</tbody></table></section>')


def _history(fleet: Fleet, repo: Repository) -> str:
    head = "".join(f"<th>{escape(c.name)}</th>" for c in fleet.categories)
    rows = []
    for state in reversed(repo.states):
        cells = "".join(f'<td class="{_cell(rank)}">{escape(fleet.level_name(rank, assessable))}</td>'
                        for rank, assessable in zip(state.levels, repo.assessable))
        rows.append(f'<tr class="state"><td>{escape((state.time or "")[:10])}</td><td><code>{escape((state.commit or "")[:12])}</code></td>{cells}</tr>')
    return ('<section class="history"><h2>Over time</h2><table class="heat"><thead><tr><th>Date</th><th>Commit</th>'
            f'{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></section>')


def _practices(record: dict) -> str:
    rows = []
    for category in record["maturity"].get("categories", ()):
        for practice in category.get("practices", ()):
            status = str(practice.get("status"))
            why = ""
            if practice.get("findings"):
                f = practice["findings"][0]
                why = f'<code>{escape(str(f.get("rule")))}</code> at {escape(str(f.get("path")))}:{escape(str(f.get("line")))}'
            elif practice.get("evidence"):
                e = practice["evidence"][0]
                why = f'{escape(str(e.get("path")))}:{escape(str(e.get("line")))} {escape(str(e.get("note")))}'
            rows.append(f'<tr class="practice" data-practice="{escape(str(practice.get("id")))}" data-status="{escape(status)}"><td>{escape(str(category.get("name")))}</td><td>{escape(str(practice.get("level")))}</td>'
                        f'<td>{escape(str(practice.get("name")))}</td><td><span class="badge {escape(status)}">{escape(status)}</span></td>'
                        f"<td>{why}</td></tr>")
    return ('<section><h2>Practices</h2><table><thead><tr><th>Category</th><th>Level</th><th>Practice</th><th>Status</th>'
            f'<th>Evidence or finding</th></tr></thead><tbody>{"".join(rows)}</tbody></table></section>')


def _repository_findings(record: dict) -> str:
    findings = (record.get("check") or {}).get("findings", [])
    rows = [f'<tr><td><code>{escape(str(f.get("rule")))}</code></td><td>{escape(str(f.get("severity")))}</td>'
            f'<td>{escape(str(f.get("path")))}:{escape(str(f.get("line")))}</td><td>{escape(str(f.get("message")))}</td></tr>'
            for f in findings[:MAX_FINDINGS]]
    more = f'<p class="muted">and {len(findings) - MAX_FINDINGS} more</p>' if len(findings) > MAX_FINDINGS else ""
    return (f'<section><h2>Findings ({len(findings)})</h2><table><thead><tr><th>Rule</th><th>Severity</th><th>Where</th>'
            f'<th>Message</th></tr></thead><tbody>{"".join(rows)}</tbody></table>{more}</section>')

"""``cdlint maturity --format html``: one self-contained page.

The page holds the maturity profile as a level-by-category chart, the practice
table with every piece of evidence linked to an excerpt of its source line, the
next steps, and a drawing of each pipeline's stage graph — all inline SVG and
CSS made here. No script, no font, no image and no request leaves the file; a
Content-Security-Policy says so to the browser.

Stage graphs are laid out in dependency order: networkx gives the layers (the
topological generations of the graph, with cycles collapsed), stages within a
layer are ordered by the mean position of what they depend on.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from cdlint import __version__
from cdlint.analysis import is_gate
from cdlint.finding import Evidence, Finding
from cdlint.maturity import MaturityReport, Repository
from cdlint.maturity.assess import MET, NOT_ASSESSABLE, CategoryResult
from cdlint.maturity.model import Model
from cdlint.maturity.render import level_name, next_steps, progress_text
from cdlint.model import Pipeline, Stage, trigger_label

MAX_EVIDENCE = 5
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

# Fill and stroke per stage kind, first match wins (a deploy that also tests is a deploy).
KIND_COLOURS = [
    ("approval", "#fde2c4", "#c05621"),
    ("deploy", "#cfe3fb", "#2b6cb0"),
    ("teardown", "#e2e8f0", "#4a5568"),
    ("publish", "#c8f0ea", "#2c7a7b"),
    ("verify", "#d6f5fa", "#0987a0"),
    ("test", "#d4f2d9", "#2f855a"),
    ("scan", "#e9dcfb", "#6b46c1"),
    ("provision", "#f3e2d3", "#8c5a2b"),
    ("build", "#fdf0c2", "#b7791f"),
]
OTHER_COLOUR = ("#f1f1f4", "#718096")
LEVEL_FILL = ["#c6e48b", "#9bd46b", "#6cc24a", "#3f9e3a", "#216e39"]

STYLE = """
:root { --ink: #1a202c; --muted: #5a6476; --line: #d9dee7; --bad: #c53030; --good: #2f855a; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f7f8fa; }
header { background: #1f2a44; color: #fff; padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; color: #cbd5e0; }
main { padding: 8px 32px 40px; max-width: 1400px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin: 18px 0; }
h2 { font-size: 18px; margin: 0 0 12px; }
h3 { font-size: 16px; margin: 18px 0 8px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.met { background: #d4f2d9; color: #22543d; }
.unmet { background: #fed7d7; color: #822727; }
.not-assessable { background: #edf2f7; color: #4a5568; }
.level { background: #e6f0ff; color: #1e3a8a; }
.none { background: #edf2f7; color: #4a5568; }
ul.evidence { margin: 0; padding-left: 16px; }
ul.evidence li { margin: 2px 0; }
a { color: #2b6cb0; text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.finding { color: var(--bad); }
.muted { color: var(--muted); }
.xwalk { font-size: 12px; color: var(--muted); }
figure { margin: 12px 0 20px; overflow-x: auto; }
figcaption { font-weight: 600; margin-bottom: 6px; }
.legend span { display: inline-block; margin-right: 12px; font-size: 12px; }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 3px; margin-right: 4px; vertical-align: -1px; border: 1px solid; }
pre.source { background: #f7f8fa; border: 1px solid var(--line); border-radius: 4px; padding: 6px 8px; margin: 4px 0 12px; overflow-x: auto; }
pre.source b { background: #fff3b0; font-weight: normal; }
.steps li { margin: 4px 0; }
"""


def render_html(report: MaturityReport) -> str:
    model = report.model
    repos = report.repositories
    title = f"Continuous delivery maturity — {repos[0].path}" if len(repos) == 1 else f"Continuous delivery maturity — {len(repos)} repositories"
    body: list[str] = []
    if len(repos) > 1:
        body.append(_organisation(report))
    for index, repo in enumerate(repos):
        body.append(_repository(report, repo, index, single=len(repos) == 1))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<header><h1>{escape(title)}</h1><p>{escape(model.name)} · {escape(model.source)} · cdlint {escape(__version__)}</p></header>\n"
        "<main>\n" + "\n".join(body) + "\n</main>\n</body>\n</html>\n"
    )


# --- organisation view --------------------------------------------------------------


def _organisation(report: MaturityReport) -> str:
    model = report.model
    rows = []
    for index, repo in enumerate(report.repositories):
        cells = "".join(f"<td>{_level_badge(model, c)}</td>" for c in repo.assessment.categories)
        rows.append(f'<tr class="repository"><td><a href="#repo-{index}">{escape(repo.path)}</a></td>{cells}</tr>')
    head = "".join(f"<th>{escape(c.name)}</th>" for c in model.categories)
    return (
        '<section class="organisation"><h2>Repositories</h2>'
        f"<table><thead><tr><th>Repository</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"<h3>Distribution of levels per category</h3>{_distribution_svg(report)}</section>"
    )


def _distribution_svg(report: MaturityReport) -> str:
    model = report.model
    total = max(1, len(report.repositories))
    label_w, bar_w, row_h = 190, 560, 30
    levels = [None, *(lv.id for lv in model.levels)]
    colours = ["#cbd5e0", *LEVEL_FILL[: len(model.levels)]] + ["#216e39"] * max(0, len(model.levels) - len(LEVEL_FILL))
    height = 40 + row_h * len(model.categories) + 30
    parts = [f'<svg class="distribution" xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 20}" height="{height}" '
             f'viewBox="0 0 {label_w + bar_w + 20} {height}" role="img" aria-label="levels per category">']
    for row, (category_id, counts) in enumerate(report.distribution().items()):
        y = 10 + row * row_h
        parts.append(f'<text x="0" y="{y + 17}" font-size="13">{escape(model.category(category_id).name)}</text>')
        x = float(label_w)
        for level, colour in zip(levels, colours):
            n = counts[level]
            if not n:
                continue
            w = bar_w * n / total
            name = model.level(level).name if level else "no level"
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="22" fill="{colour}" stroke="#fff">'
                         f"<title>{escape(name)}: {n}</title></rect>")
            if w > 18:
                parts.append(f'<text x="{x + w / 2:.1f}" y="{y + 15}" font-size="11" text-anchor="middle">{n}</text>')
            x += w
    y = 16 + row_h * len(model.categories)
    x = label_w
    for level, colour in zip(levels, colours):
        name = model.level(level).name if level else "no level"
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{x + 16}" y="{y + 10}" font-size="11">{escape(name)}</text>')
        x += 26 + 7 * len(name)
    parts.append("</svg>")
    return "".join(parts)


# --- one repository -----------------------------------------------------------------


def _repository(report: MaturityReport, repo: Repository, index: int, single: bool) -> str:
    model = report.model
    sources = _Sources(repo, index)
    out = [f'<section class="repository-report" id="repo-{index}">']
    heading = "Maturity profile" if single else escape(repo.path)
    files, findings = len(repo.files), len(repo.findings)
    out.append(f"<h2>{heading}</h2><p class=\"muted\">{files} pipeline file{'s' * (files != 1)}, "
               f"{findings} finding{'s' * (findings != 1)} from <code>cdlint check</code>.</p>")
    out.append(_profile_svg(model, repo.assessment.categories, f"hatch-{index}"))
    out.append(_summary_table(model, repo.assessment.categories))
    steps = next_steps(report, repo)
    if steps:
        out.append('<h3>Next steps</h3><ol class="steps">')
        for result, practice, advice in steps:
            target = model.level(result.next_level).name.lower()
            out.append(f"<li><b>{escape(result.category.name)} → {escape(target)}</b>: "
                       f"{escape(practice.practice.name)} — {escape(advice)}</li>")
        out.append("</ol>")
    out.append("</section>")
    for result in repo.assessment.categories:
        out.append(_category(model, result, sources, index))
    out.append(_pipelines(repo, index))
    out.append(sources.render())
    return "\n".join(out)


def _level_badge(model: Model, result: CategoryResult) -> str:
    cls = "level" if result.level else "none"
    return f'<span class="badge {cls}">{escape(level_name(model, result))}</span>'


def _summary_table(model: Model, results: Iterable[CategoryResult]) -> str:
    rows = []
    for r in results:
        nxt = escape(model.level(r.next_level).name) if r.next_level else "—"
        rows.append(f"<tr><td>{escape(r.category.name)}</td><td>{_level_badge(model, r)}</td><td>{nxt}</td>"
                    f"<td>{escape(progress_text(model, r))}</td></tr>")
    return ("<table class=\"summary\"><thead><tr><th>Category</th><th>Level</th><th>Next level</th><th>Progress</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _profile_svg(model: Model, results: tuple[CategoryResult, ...], hatch: str) -> str:
    """Levels (rows, lowest at the bottom) by categories (columns); reached cells filled, the
    next level filled in proportion to the practices met there, levels files cannot show hatched."""
    col_w, row_h, left, top = 150, 34, 110, 14
    width = left + col_w * len(results) + 10
    height = top + row_h * len(model.levels) + 46
    parts = [
        f'<svg class="profile" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'role="img" aria-label="maturity level per category">',
        f'<defs><pattern id="{hatch}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
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
            here = [p for p in result.practices if p.practice.level == level.id]
            assessable = [p for p in here if p.status != NOT_ASSESSABLE]
            met = sum(p.status == MET for p in assessable)
            tip = f"{result.category.name} · {level.name}: " + (
                f"{met} of {len(assessable)} assessable practices met" if assessable else "not assessable from pipeline files"
            )
            if i <= reached:
                fill = LEVEL_FILL[min(i, len(LEVEL_FILL) - 1)]
            elif not assessable:
                fill = f"url(#{hatch})"
            else:
                fill = "#eef1f5"
            parts.append(f'<rect class="cell" x="{x + 4}" y="{y + 3}" width="{col_w - 8}" height="{row_h - 6}" rx="4" '
                         f'fill="{fill}" stroke="#d5d9e0"><title>{escape(tip)}</title></rect>')
            if i > reached and assessable and met:
                w = (col_w - 8) * met / len(assessable)
                parts.append(f'<rect x="{x + 4}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" rx="4" fill="#f6c453" opacity="0.8">'
                             f"<title>{escape(tip)}</title></rect>")
            if assessable and i > reached:
                parts.append(f'<text x="{x + col_w / 2}" y="{y + 21}" font-size="11" text-anchor="middle" fill="#5a6476">{met}/{len(assessable)}</text>')
        label = result.category.name
        parts.append(f'<text x="{x + col_w / 2}" y="{top + row_h * len(model.levels) + 16}" font-size="12" text-anchor="middle">'
                     f"{escape(label)}</text>")
        parts.append(f'<text x="{x + col_w / 2}" y="{top + row_h * len(model.levels) + 32}" font-size="11" font-weight="600" '
                     f'text-anchor="middle" fill="#1e3a8a">{escape(level_name(model, result))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _category(model: Model, result: CategoryResult, sources: _Sources, index: int) -> str:
    rows = []
    for p in result.practices:
        practice = p.practice
        items = [f'<li><a href="#{sources.anchor(e)}">{escape(_where(e))}</a> {escape(e.note)}</li>' for e in p.evidence[:MAX_EVIDENCE]]
        if len(p.evidence) > MAX_EVIDENCE:
            items.append(f'<li class="muted">and {len(p.evidence) - MAX_EVIDENCE} more</li>')
        items += [
            f'<li class="finding"><a href="#{sources.anchor(f)}">{escape(_where(f))}</a> <code>{escape(f.rule)}</code>: {escape(f.message)}</li>'
            for f in p.findings[:MAX_EVIDENCE]
        ]
        if len(p.findings) > MAX_EVIDENCE:
            items.append(f'<li class="finding">and {len(p.findings) - MAX_EVIDENCE} more findings</li>')
        if p.status == NOT_ASSESSABLE:
            items.append('<li class="muted">pipeline files cannot show this practice</li>')
        elif not items:
            items.append(f'<li class="muted">no evidence; {escape(practice.advice)}</li>')
        xwalk = " · ".join(f"{k.upper()}: {escape(v)}" for k, v in practice.crosswalk)
        rows.append(
            f'<tr class="practice" data-practice="{escape(practice.id)}" data-status="{p.status}">'
            f"<td>{escape(model.level(practice.level).name)}</td>"
            f"<td><b>{escape(practice.name)}</b><br><span class=\"muted\">{escape(practice.description)}</span>"
            + (f'<br><span class="xwalk">{xwalk}</span>' if xwalk else "")
            + f'</td><td><span class="badge {p.status}">{escape(p.status)}</span>'
            f'<br><span class="muted">assessable: {escape(practice.assessable)}</span></td>'
            f'<td><ul class="evidence">{"".join(items)}</ul></td></tr>'
        )
    return (
        f'<section class="category" id="cat-{index}-{escape(result.category.id)}" data-category="{escape(result.category.id)}">'
        f"<h2>{escape(result.category.name)} {_level_badge(model, result)}</h2>"
        f'<p class="muted">{escape(result.category.description)}</p>'
        "<table><thead><tr><th>Level</th><th>Practice</th><th>Status</th><th>Evidence and findings</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _where(e: Evidence | Finding) -> str:
    return f"{e.span.path}:{e.span.line}"


class _Sources:
    """Excerpts of the source lines that evidence and findings point at, each with an anchor."""

    def __init__(self, repo: Repository, index: int) -> None:
        self.repo = repo
        self.index = index
        self.anchors: dict[tuple[str, int], str] = {}

    def anchor(self, item: Evidence | Finding) -> str:
        key = (item.span.path, item.span.line)
        if key not in self.anchors:
            self.anchors[key] = f"src-{self.index}-{len(self.anchors) + 1}"
        return self.anchors[key]

    def render(self) -> str:
        if not self.anchors:
            return ""
        out = ['<section class="sources"><h2>Sources</h2>']
        for (path, line), anchor in sorted(self.anchors.items()):
            rows = []
            for n in range(max(1, line - 1), line + 2):
                text = self.repo.source_line(path, n)
                if text is None:
                    continue
                content = f"{n:>5}  {escape(text.rstrip())}"
                rows.append(f"<b>{content}</b>" if n == line else content)
            out.append(f'<div id="{anchor}"><code>{escape(path)}:{line}</code><pre class="source">{chr(10).join(rows)}</pre></div>')
        out.append("</section>")
        return "\n".join(out)


# --- stage graphs -------------------------------------------------------------------

BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN = 190, 48, 64, 16, 16


def _pipelines(repo: Repository, index: int) -> str:
    flagged = _flagged_stages(repo)
    legend = "".join(f'<span><i style="background:{fill};border-color:{stroke}"></i>{kind}</span>' for kind, fill, stroke in KIND_COLOURS)
    out = [f'<section class="pipelines" id="pipelines-{index}"><h2>Pipelines</h2>',
           f'<p class="legend">{legend}<span><i style="background:#fff;border-color:#1a202c;border-width:3px"></i>production</span>'
           '<span><i style="background:#fff;border-color:#c53030;border-width:2px"></i>has findings</span>'
           '<span>◆ gate (tests that must pass, approval or manual step)</span><span>- - → artifact</span></p>']
    for number, pipeline in enumerate(repo.project.pipelines):
        caption = f"{pipeline.path}" + (f" — {pipeline.name}" if pipeline.name and pipeline.name != pipeline.path else "")
        triggers = ", ".join(dict.fromkeys(trigger_label(t) for t in pipeline.triggers))
        out.append(f"<figure><figcaption>{escape(caption)}</figcaption>"
                   + (f'<div class="muted">on: {escape(triggers)}</div>' if triggers else "")
                   + _pipeline_svg(pipeline, flagged, f"arrow-{index}-{number}") + "</figure>")
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


def _layers(pipeline: Pipeline) -> list[list[Stage]]:
    """Stages in dependency order: layer n holds stages whose longest chain of dependencies has n links."""
    import networkx

    stages = {s.key: s for s in pipeline.stages}
    graph = networkx.DiGraph()
    graph.add_nodes_from(sorted(stages))
    graph.add_edges_from(sorted({(e.source, e.target) for e in pipeline.edges if e.source in stages and e.target in stages and e.source != e.target}))
    condensed = networkx.condensation(graph)
    layer_of: dict[str, int] = {}
    for depth, generation in enumerate(networkx.topological_generations(condensed)):
        for component in generation:
            for key in condensed.nodes[component]["members"]:
                layer_of[key] = depth
    layers: list[list[Stage]] = [[] for _ in range(max(layer_of.values(), default=-1) + 1)]
    order = {s.key: i for i, s in enumerate(sorted(pipeline.stages, key=lambda s: (s.span.line, s.span.column, s.id)))}
    position: dict[str, float] = {}
    for depth, layer in enumerate(layers):
        members = [stages[k] for k in stages if layer_of[k] == depth]

        def weight(s: Stage) -> tuple[float, int]:
            before = [position[p] for p in graph.predecessors(s.key) if p in position]
            return (sum(before) / len(before) if before else order[s.key], order[s.key])

        members.sort(key=weight)
        for i, s in enumerate(members):
            position[s.key] = i
        layer.extend(members)
    return layers


def _colours(stage: Stage) -> tuple[str, str]:
    for kind, fill, stroke in KIND_COLOURS:
        if stage.has(kind):
            return fill, stroke
    return OTHER_COLOUR


def _is_gate(stage: Stage) -> bool:
    return stage.when == "manual" or stage.has("approval") or is_gate(stage)


def _short(text: str, limit: int = 26) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pipeline_svg(pipeline: Pipeline, flagged: dict[str, list[Finding]], arrow: str) -> str:
    attrs = f'class="pipeline" data-pipeline="{escape(pipeline.path)}" xmlns="http://www.w3.org/2000/svg"'
    if not pipeline.stages:
        why = "; ".join(p.message for p in pipeline.problems) or "no stages"
        return (f'<svg {attrs} width="560" height="40" viewBox="0 0 560 40" role="img" aria-label="{escape(pipeline.path)}">'
                f'<text x="8" y="24" font-size="12" fill="#c53030">{escape(_short(why, 90))}</text></svg>')
    layers = _layers(pipeline)
    rows = max(len(layer) for layer in layers)
    width = MARGIN * 2 + len(layers) * BOX_W + (len(layers) - 1) * GAP_X
    height = MARGIN * 2 + rows * BOX_H + (rows - 1) * GAP_Y
    where: dict[str, tuple[float, float]] = {}
    for col, layer in enumerate(layers):
        offset = (rows - len(layer)) * (BOX_H + GAP_Y) / 2
        for row, stage in enumerate(layer):
            where[stage.key] = (MARGIN + col * (BOX_W + GAP_X), MARGIN + offset + row * (BOX_H + GAP_Y))
    parts = [
        f'<svg {attrs} width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="stage graph of {escape(pipeline.path)}">',
        f'<defs><marker id="{arrow}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#718096"/></marker></defs>',
    ]
    drawn = set()
    for edge in sorted(pipeline.edges):
        if edge.source not in where or edge.target not in where or edge.source == edge.target:
            continue
        pair = (edge.source, edge.target, edge.kind == "artifact")
        if pair in drawn:
            continue
        drawn.add(pair)
        (x1, y1), (x2, y2) = where[edge.source], where[edge.target]
        sx, sy, tx, ty = x1 + BOX_W, y1 + BOX_H / 2, x2, y2 + BOX_H / 2
        if tx <= sx:  # part of a cycle: loop around below the boxes
            low = max(y1, y2) + BOX_H + GAP_Y / 2
            path = f"M{x1 + BOX_W / 2:.1f},{y1 + BOX_H:.1f} C{x1 + BOX_W / 2:.1f},{low:.1f} {x2 + BOX_W / 2:.1f},{low:.1f} {x2 + BOX_W / 2:.1f},{y2 + BOX_H:.1f}"
        else:
            bend = (tx - sx) / 2
            path = f"M{sx:.1f},{sy:.1f} C{sx + bend:.1f},{sy:.1f} {tx - bend:.1f},{ty:.1f} {tx:.1f},{ty:.1f}"
        dash = ' stroke-dasharray="5 4"' if edge.kind == "artifact" else ""
        title = f"{edge.kind}" + (f": {edge.label}" if edge.label else "")
        parts.append(f'<path class="edge" d="{path}" fill="none" stroke="#718096" stroke-width="1.4"{dash} marker-end="url(#{arrow})">'
                     f"<title>{escape(title)}</title></path>")
    for stage in pipeline.stages:
        x, y = where[stage.key]
        fill, stroke = _colours(stage)
        findings = flagged.get(stage.key, [])
        production = stage.is_production_deploy
        border = "#c53030" if findings else ("#1a202c" if production else stroke)
        stroke_w = 3 if production or findings else 1.5
        classes = ["stage"] + (["production"] if production else []) + (["gate"] if _is_gate(stage) else []) + (["violation"] if findings else [])
        env = stage.environment
        detail = ", ".join(sorted(stage.kinds)) or "other"
        if env is not None:
            detail += f" → {env.name}"
        tip = [f"{stage.name or stage.id} ({stage.span.path}:{stage.span.line})", f"kinds: {', '.join(sorted(stage.kinds)) or '-'}"]
        if env is not None:
            tip.append(f"environment: {env.name} ({env.tier})")
        if stage.when != "on_success":
            tip.append(f"when: {stage.when}")
        tip += [f"{f.rule}: {f.message}" for f in findings]
        parts.append(
            f'<g class="{" ".join(classes)}" data-stage="{escape(stage.id)}"><title>{escape(chr(10).join(tip))}</title>'
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" stroke="{border}" stroke-width="{stroke_w}"/>'
            f'<text x="{x + 10:.1f}" y="{y + 19:.1f}" font-size="12" font-weight="600" fill="#1a202c">{escape(_short(stage.name or stage.id))}</text>'
            f'<text x="{x + 10:.1f}" y="{y + 36:.1f}" font-size="11" fill="#4a5568">{escape(_short(detail, 30))}</text>'
        )
        badge_x = x + BOX_W - 10
        if _is_gate(stage):
            parts.append(f'<text x="{badge_x:.1f}" y="{y + 18:.1f}" font-size="13" text-anchor="end" fill="#c05621">◆</text>')
            badge_x -= 16
        if production:
            parts.append(f'<text x="{badge_x:.1f}" y="{y + 18:.1f}" font-size="9" font-weight="700" text-anchor="end" fill="#1a202c">PROD</text>')
        if findings:
            parts.append(f'<circle cx="{x + BOX_W:.1f}" cy="{y:.1f}" r="9" fill="#c53030"/>'
                         f'<text x="{x + BOX_W:.1f}" y="{y + 4:.1f}" font-size="10" font-weight="700" text-anchor="middle" fill="#fff">{len(findings)}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)

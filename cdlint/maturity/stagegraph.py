"""Stage graphs drawn as inline SVG for the HTML maturity report.

Stages are laid out left to right in dependency order: networkx gives the
layers (the topological generations of the graph, with cycles collapsed), and
stages within a layer are ordered by the mean position of what they depend
on. Each box is as wide as its name needs, within a minimum and a maximum (a
longer name is cut, and the box's tooltip has all of it); each column is as
wide as its widest box. Markers (the gate diamond, the PROD tag) have a place
of their own on the name line, and the findings badge sits on the corner, so
nothing is drawn over the text. The browser test measures this.
"""

from __future__ import annotations

from html import escape

from cdlint.analysis import is_gate
from cdlint.finding import Finding
from cdlint.model import Pipeline, Stage

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

MIN_W, MAX_W, BOX_H, GAP_X, GAP_Y, MARGIN, PAD = 120, 280, 48, 56, 16, 18, 10
NAME_SIZE, DETAIL_SIZE = 12, 11
GATE_W, PROD_W, BADGE_R = 14, 34, 9

# Advance widths of a sans-serif face in ems, rounded up: the box sizes are estimates made
# without a font, so they err on the wide side.
_NARROW = frozenset("iIjl.,:;'|!()[]ft ")
_WIDE = frozenset("mwMW@%")


def text_width(text: str, size: float, bold: bool = False) -> float:
    """An upper estimate of the width of ``text`` in pixels at font ``size``."""
    ems = sum(0.34 if c in _NARROW else 0.95 if c in _WIDE else 0.74 if c.isupper() else 0.62 for c in text)
    return ems * size * (1.07 if bold else 1.0)


def fit(text: str, width: float, size: float, bold: bool = False) -> str:
    """``text`` cut with an ellipsis to fit ``width`` pixels."""
    if text_width(text, size, bold) <= width:
        return text
    while text and text_width(text + "…", size, bold) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def colours(stage: Stage) -> tuple[str, str]:
    for kind, fill, stroke in KIND_COLOURS:
        if stage.has(kind):
            return fill, stroke
    return OTHER_COLOUR


def gate(stage: Stage) -> bool:
    return stage.when == "manual" or stage.has("approval") or is_gate(stage)


def layers(pipeline: Pipeline) -> list[list[Stage]]:
    """Stages in dependency order: layer n holds stages whose longest chain of dependencies has n links."""
    import networkx

    stages = {s.key: s for s in pipeline.stages}
    graph = networkx.DiGraph()
    graph.add_nodes_from(sorted(stages))
    graph.add_edges_from(sorted({(e.source, e.target) for e in pipeline.edges
                                 if e.source in stages and e.target in stages and e.source != e.target}))
    condensed = networkx.condensation(graph)
    layer_of: dict[str, int] = {}
    for depth, generation in enumerate(networkx.topological_generations(condensed)):
        for component in generation:
            for key in condensed.nodes[component]["members"]:
                layer_of[key] = depth
    found: list[list[Stage]] = [[] for _ in range(max(layer_of.values(), default=-1) + 1)]
    order = {s.key: i for i, s in enumerate(sorted(pipeline.stages, key=lambda s: (s.span.line, s.span.column, s.id)))}
    position: dict[str, float] = {}
    for depth, layer in enumerate(found):
        members = [stages[k] for k in stages if layer_of[k] == depth]

        def weight(s: Stage) -> tuple[float, int]:
            before = [position[p] for p in graph.predecessors(s.key) if p in position]
            return (sum(before) / len(before) if before else order[s.key], order[s.key])

        members.sort(key=weight)
        for i, s in enumerate(members):
            position[s.key] = i
        layer.extend(members)
    return found


class _Box:
    """One stage as drawn: its texts, markers and size."""

    def __init__(self, stage: Stage, findings: list[Finding]) -> None:
        self.stage = stage
        self.findings = findings
        self.gate = gate(stage)
        self.production = stage.is_production_deploy
        env = stage.environment
        self.name = stage.name or stage.id
        self.detail = (", ".join(sorted(stage.kinds)) or "other") + (f" → {env.name}" if env is not None else "")
        # The findings badge covers the top right corner: markers stay left of it.
        self.right = PAD + (BADGE_R if findings else 0)
        self.markers = (GATE_W + 4 if self.gate else 0) + (PROD_W + 4 if self.production else 0)
        wanted = max(PAD + text_width(self.name, NAME_SIZE, True) + 6 + self.markers + self.right,
                     2 * PAD + text_width(self.detail, DETAIL_SIZE))
        self.width = min(MAX_W, max(MIN_W, wanted))

    def svg(self, x: float, y: float) -> str:
        stage, w = self.stage, self.width
        fill, stroke = colours(stage)
        border = "#c53030" if self.findings else ("#1a202c" if self.production else stroke)
        stroke_w = 3 if self.production or self.findings else 1.5
        classes = ["stage"] + (["production"] if self.production else []) + (["gate"] if self.gate else []) \
            + (["violation"] if self.findings else [])
        env = stage.environment
        tip = [f"{self.name} ({stage.span.path}:{stage.span.line})", f"kinds: {', '.join(sorted(stage.kinds)) or '-'}"]
        if env is not None:
            tip.append(f"environment: {env.name} ({env.tier})")
        if stage.when != "on_success":
            tip.append(f"when: {stage.when}")
        tip += [f"{f.rule}: {f.message}" for f in self.findings]
        name_room = w - PAD - 6 - self.markers - self.right
        parts = [
            f'<g class="{" ".join(classes)}" data-stage="{escape(stage.id)}"><title>{escape(chr(10).join(tip))}</title>',
            f'<rect class="box" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{BOX_H}" rx="6" fill="{fill}" '
            f'stroke="{border}" stroke-width="{stroke_w}"/>',
            f'<text class="name" x="{x + PAD:.1f}" y="{y + 19:.1f}" font-size="{NAME_SIZE}" font-weight="600" fill="#1a202c">'
            f"{escape(fit(self.name, name_room, NAME_SIZE, True))}</text>",
            f'<text class="detail" x="{x + PAD:.1f}" y="{y + 37:.1f}" font-size="{DETAIL_SIZE}" fill="#4a5568">'
            f"{escape(fit(self.detail, w - 2 * PAD, DETAIL_SIZE))}</text>",
        ]
        right = x + w - self.right
        if self.gate:
            parts.append(f'<text class="mark" x="{right:.1f}" y="{y + 19:.1f}" font-size="13" text-anchor="end" '
                         'fill="#c05621">◆</text>')
            right -= GATE_W + 4
        if self.production:
            parts.append(f'<g class="mark"><rect x="{right - PROD_W:.1f}" y="{y + 7:.1f}" width="{PROD_W}" height="15" rx="3" '
                         f'fill="#1a202c"/><text x="{right - PROD_W / 2:.1f}" y="{y + 18:.1f}" font-size="9" font-weight="700" '
                         'text-anchor="middle" fill="#fff">PROD</text></g>')
        if self.findings:
            parts.append(f'<g class="badge"><circle cx="{x + w:.1f}" cy="{y:.1f}" r="{BADGE_R}" fill="#c53030"/>'
                         f'<text x="{x + w:.1f}" y="{y + 4:.1f}" font-size="10" font-weight="700" text-anchor="middle" '
                         f'fill="#fff">{len(self.findings)}</text></g>')
        parts.append("</g>")
        return "".join(parts)


def pipeline_svg(pipeline: Pipeline, flagged: dict[str, list[Finding]], arrow: str) -> str:
    """One pipeline's stage graph; ``flagged`` holds the findings by stage key."""
    attrs = f'class="pipeline" data-pipeline="{escape(pipeline.path)}" xmlns="http://www.w3.org/2000/svg"'
    if not pipeline.stages:
        why = "; ".join(p.message for p in pipeline.problems) or "no stages"
        return (f'<svg {attrs} width="560" height="40" viewBox="0 0 560 40" role="img" aria-label="{escape(pipeline.path)}">'
                f'<text x="8" y="24" font-size="12" fill="#c53030">{escape(fit(why, 540, 12))}</text></svg>')
    columns = layers(pipeline)
    boxes = {s.key: _Box(s, flagged.get(s.key, [])) for s in pipeline.stages}
    widths = [max(boxes[s.key].width for s in column) for column in columns]
    rows = max(len(column) for column in columns)
    width = 2 * MARGIN + sum(widths) + GAP_X * (len(columns) - 1)
    height = 2 * MARGIN + rows * BOX_H + (rows - 1) * GAP_Y
    where: dict[str, tuple[float, float]] = {}
    x = float(MARGIN)
    for column, column_width in zip(columns, widths):
        offset = (rows - len(column)) * (BOX_H + GAP_Y) / 2
        for row, stage in enumerate(column):
            where[stage.key] = (x, MARGIN + offset + row * (BOX_H + GAP_Y))
        x += column_width + GAP_X
    # Wide graphs shrink to the card down to half their size, then scroll inside their figure.
    parts = [
        f'<svg {attrs} width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'style="min-width: {min(width, width / 2 + 200):.0f}px" role="img" aria-label="stage graph of {escape(pipeline.path)}">',
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
        w1, w2 = boxes[edge.source].width, boxes[edge.target].width
        sx, sy, tx, ty = x1 + w1, y1 + BOX_H / 2, x2, y2 + BOX_H / 2
        if tx <= sx:  # part of a cycle: loop around below the boxes
            low = max(y1, y2) + BOX_H + GAP_Y / 2
            path = (f"M{x1 + w1 / 2:.1f},{y1 + BOX_H:.1f} C{x1 + w1 / 2:.1f},{low:.1f} "
                    f"{x2 + w2 / 2:.1f},{low:.1f} {x2 + w2 / 2:.1f},{y2 + BOX_H:.1f}")
        else:
            bend = (tx - sx) / 2
            path = f"M{sx:.1f},{sy:.1f} C{sx + bend:.1f},{sy:.1f} {tx - bend:.1f},{ty:.1f} {tx:.1f},{ty:.1f}"
        dash = ' stroke-dasharray="5 4"' if edge.kind == "artifact" else ""
        title = f"{edge.kind}" + (f": {edge.label}" if edge.label else "")
        parts.append(f'<path class="edge" d="{path}" fill="none" stroke="#718096" stroke-width="1.4"{dash} marker-end="url(#{arrow})">'
                     f"<title>{escape(title)}</title></path>")
    for stage in pipeline.stages:
        parts.append(boxes[stage.key].svg(*where[stage.key]))
    parts.append("</svg>")
    return "".join(parts)

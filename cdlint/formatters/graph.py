"""``cdlint graph``: the normalized stage graph, for reading what a parser made of a file."""

from __future__ import annotations

import json

from cdlint.model import Delivery, Edge, Environment, Pipeline, Project, Signal, Stage, Trigger, edge_order


def _local(key: str, pipeline: Pipeline) -> str:
    prefix = pipeline.path + "#"
    return key[len(prefix):] if key.startswith(prefix) else key


def trigger_dict(t: Trigger) -> dict:
    data: dict = {"kind": t.kind, "event": t.event, "line": t.span.line}
    for name in ("branches", "tags", "source"):
        value = getattr(t, name)
        if value is not None:
            data[name] = list(value) if isinstance(value, tuple) else value
    if t.inputs:
        data["inputs"] = [i.name for i in t.inputs]
    return data


def signal_dict(signal: Signal, stage: Stage | None = None) -> dict:
    data = {"tag": signal.tag, "source": signal.source, "text": signal.text, "line": signal.span.line}
    if stage is not None and signal.span.path != stage.span.path:
        data["path"] = signal.span.path
    return data


def delivery_dict(d: Delivery, stage: Stage) -> dict:
    data = {"kind": d.kind, "target": d.target, "channel": d.channel, "line": d.span.line}
    if d.span.path != stage.span.path:
        data["path"] = d.span.path
    data["evidence"] = [signal_dict(e, stage) for e in d.evidence]
    return data


def deploys_to(s: Stage) -> Environment | None:
    """The environment a stage deploys to or stops; one it only uses (for its secrets, or
    to run tests against) is not where it deploys."""
    env = s.environment
    return env if env is not None and env.action in ("start", "stop") else None


def stage_dict(s: Stage, detail: bool = False) -> dict:
    env = deploys_to(s)
    data: dict = {
        "id": s.id,
        "name": s.name,
        "group": s.group,
        "kinds": sorted(s.kinds),
        "environment": None if env is None else {"name": env.name, "tier": env.tier},
        "when": s.when,
        "allow_failure": s.allow_failure,
        "line": s.span.line,
    }
    if s.span.path != s.pipeline:
        # A job of an included file or template: the file its line is in.
        data["path"] = s.span.path
    if s.environment is not None and env is None:
        data["uses_environment"] = {"name": s.environment.name, "tier": s.environment.tier, "action": s.environment.action}
    if s.deliveries:
        data["deliveries"] = [delivery_dict(d, s) for d in s.deliveries]
    evidence = [*s.signals, *(sig for st in s.steps for sig in st.signals)]
    if evidence:
        data["tags"] = [signal_dict(sig, s) for sig in sorted(evidence, key=lambda g: (g.tag, g.span, g.source, g.text))]
    if detail:
        data["span"] = f"{s.span.path}:{s.span.line}:{s.span.column}"
        env = s.environment
        if env is not None:
            data["environment" if data["environment"] is not None else "uses_environment"].update(
                {"action": env.action, "dynamic": env.dynamic, "span": str(env.span)}
                | ({"url": env.url} if env.url else {})
                | ({"stop_stage": env.stop_stage} if env.stop_stage else {})
                | ({"auto_stop": env.auto_stop} if env.auto_stop else {})
            )
        c = s.condition
        if c.text or c.refs is not None or c.events is not None or c.exclude_events:
            data["condition"] = {
                "refs": list(c.refs) if c.refs is not None else None,
                "events": list(c.events) if c.events is not None else None,
                "exclude_events": list(c.exclude_events),
                "upstream_success": c.upstream_success,
            }
        for name in ("services", "image", "concurrency", "strategy", "template", "calls", "reports"):
            value = getattr(s, name)
            if value:
                data[name] = list(value) if isinstance(value, tuple) else value
        if s.matrix:
            data["matrix"] = {k: list(v) for k, v in s.matrix}
        if s.produces:
            data["produces"] = [a.name for a in s.produces]
        if s.consumes:
            data["consumes"] = [a.name + (f" from {a.source}" if a.source else "") for a in s.consumes]
        data["steps"] = [
            {"line": st.span.line, "label": st.label, "tags": sorted(st.tags)}
            | ({"path": st.span.path} if st.span.path not in (s.span.path, st.origin) else {})
            | ({"origin": st.origin} if st.origin and st.origin != s.span.path else {})
            | ({"allow_failure": True} if st.allow_failure else {})
            for st in s.steps
        ]
    return data


def edge_dict(e: Edge, pipeline: Pipeline | None = None, detail: bool = False) -> dict:
    data = {
        "from": _local(e.source, pipeline) if pipeline else e.source,
        "to": _local(e.target, pipeline) if pipeline else e.target,
        "kind": e.kind,
    }
    if detail:
        data["line"] = e.span.line
        if e.label:
            data["label"] = e.label
        if not e.requires_success:
            data["requires_success"] = False
        if not e.skips_with_source:
            data["skips_with_source"] = False
    return data


def pipeline_dict(p: Pipeline, detail: bool = False) -> dict:
    data = {
        "path": p.path,
        "platform": p.platform,
        "triggers": [trigger_dict(t) for t in p.triggers],
        "stages": [stage_dict(s, detail) for s in sorted(p.stages, key=lambda s: (s.span.line, s.span.column, s.id))],
        "edges": [edge_dict(e, p, detail) for e in sorted(p.edges, key=lambda e: (e.source, e.target, e.kind, e.label))],
    }
    if detail:
        data["name"] = p.name
        if p.references:
            data["references"] = [f"{r.kind}:{r.target}" for r in p.references]
        if p.problems:
            data["problems"] = [f"{r.rule}@{r.span.line}: {r.message}" for r in p.problems]
        if len(p.files) > 1:
            data["files"] = list(p.files)
    return data


def render_json(project: Project) -> str:
    document = {
        "version": 1,
        "pipelines": [pipeline_dict(p) for p in project.pipelines],
        "edges": [edge_dict(e) for e in sorted(project.links, key=lambda e: (e.source, e.target, e.kind, e.label))],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_text(project: Project) -> str:
    out = []
    for p in project.pipelines:
        out.append(f"{p.path} ({p.platform})")
        for t in p.triggers:
            out.append(f"  on {trigger_dict(t)['event'] or t.kind} [{t.kind}] line {t.span.line}")
        into: dict[str, list[Edge]] = {}
        for e in sorted(p.edges, key=edge_order):
            into.setdefault(e.target, []).append(e)
        for s in sorted(p.stages, key=lambda s: (s.span.line, s.id)):
            deployed = deploys_to(s)
            env = f" -> {deployed.name} ({deployed.tier})" if deployed else ""
            if s.environment is not None and deployed is None:
                env = f" uses {s.environment.name} ({s.environment.tier})"
            flags = "".join(f" [{f}]" for f in (s.when if s.when != "on_success" else "", "allow_failure" if s.allow_failure else "") if f)
            out.append(f"  {s.id}: {','.join(sorted(s.kinds)) or '-'}{env}{flags}  (line {s.span.line})")
            for d in s.deliveries:
                reasons = "; ".join(f"{e.source} '{e.text}' line {e.span.line}" for e in d.evidence)
                out.append(f"      delivers {d.kind} to {d.target} ({d.channel}): {reasons}")
            for e in into.get(s.key, ()):
                out.append(f"      <- {_local(e.source, p)} ({e.kind}{': ' + e.label if e.label else ''})")
        for problem in p.problems:
            out.append(f"  ! {problem.rule} line {problem.span.line}: {problem.message}")
    for e in project.links:
        out.append(f"{e.source} -> {e.target} ({e.kind}: {e.label})")
    return "\n".join(out) + "\n"


def _stage_label(s: Stage) -> str:
    kinds = ", ".join(sorted(s.kinds)) or "-"
    env = f" → {s.environment.name}" if s.environment else ""
    return f"{s.name or s.id}\n{kinds}{env}"


def _ids(project: Project) -> dict[str, str]:
    """A short identifier per stage key (``s1``, ``s2`` …), valid in DOT and Mermaid."""
    keys = sorted({s.key for p in project.pipelines for s in p.stages})
    return {key: f"s{i}" for i, key in enumerate(keys, start=1)}


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def render_dot(project: Project) -> str:
    """The stage graph in Graphviz DOT: a cluster per pipeline, artifact edges dashed,
    trigger edges (between pipelines) bold; production deploys drawn with a double border."""
    ids = _ids(project)
    out = ["digraph cdlint {", "  rankdir=LR;", '  node [shape=box, style="rounded", fontname="Helvetica"];']
    for number, p in enumerate(project.pipelines):
        out.append(f"  subgraph cluster_{number} {{")
        out.append(f"    label={_dot_string(f'{p.path} ({p.platform})')};")
        for s in sorted(p.stages, key=lambda s: (s.span.line, s.id)):
            extra = ", peripheries=2" if s.is_production_deploy else ""
            out.append(f"    {ids[s.key]} [label={_dot_string(_stage_label(s))}{extra}];")
        out.append("  }")
    for e in _edges(project):
        style = {"artifact": ' [style=dashed, label="artifact"]', "trigger": " [style=bold]"}.get(e.kind, "")
        out.append(f"  {ids[e.source]} -> {ids[e.target]}{style};")
    out.append("}")
    return "\n".join(out) + "\n"


def _mermaid_text(text: str) -> str:
    return '"' + text.replace('"', "#quot;").replace("\n", "<br/>") + '"'


def render_mermaid(project: Project) -> str:
    """The stage graph as a Mermaid flowchart (GitHub and GitLab render it in Markdown):
    a subgraph per pipeline, artifact edges dotted, production deploys as stadiums."""
    ids = _ids(project)
    out = ["flowchart LR"]
    for number, p in enumerate(project.pipelines):
        out.append(f"  subgraph p{number}[{_mermaid_text(f'{p.path} ({p.platform})')}]")
        for s in sorted(p.stages, key=lambda s: (s.span.line, s.id)):
            label = _mermaid_text(_stage_label(s))
            out.append(f"    {ids[s.key]}([{label}])" if s.is_production_deploy else f"    {ids[s.key]}[{label}]")
        out.append("  end")
    for e in _edges(project):
        arrow = {"artifact": "-. artifact .->", "trigger": "==>"}.get(e.kind, "-->")
        out.append(f"  {ids[e.source]} {arrow} {ids[e.target]}")
    return "\n".join(out) + "\n"


def _edges(project: Project) -> list[Edge]:
    """Every edge between two stages of the project, once per pair and kind, sorted."""
    keys = {s.key for p in project.pipelines for s in p.stages}
    edges = {(e.source, e.target, e.kind): e for p in project.pipelines for e in p.edges}
    edges.update({(e.source, e.target, e.kind): e for e in project.links})
    return [edges[k] for k in sorted(edges) if k[0] in keys and k[1] in keys and k[0] != k[1]]


GRAPH_FORMATS = {"text": render_text, "json": render_json, "dot": render_dot, "mermaid": render_mermaid}

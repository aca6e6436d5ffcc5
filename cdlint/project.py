"""Building a Project: parsing the pipelines under one root, linking them, classifying them.

Links between pipelines are resolved here, not in the parsers: an upstream
trigger (GitHub ``workflow_run``, Azure pipeline resources …) names another
pipeline; a stage that ``calls`` a local pipeline file (GitLab child pipeline)
gets that file parsed and its entry stages linked; artifacts downloaded from
the upstream run are linked to their producers there.
"""

from __future__ import annotations

import posixpath
import traceback
from collections.abc import Iterable
from dataclasses import replace

from cdlint.errors import ParseError
from cdlint.model import Edge, Pipeline, Problem, Project, Span, Stage, Trigger, sorted_edges
from cdlint.parsers import parser
from cdlint.parsers.common import artifact_matches, check_edges
from cdlint.workspace import Workspace


def parse_file(path: str, platform: str, workspace: Workspace, debug: bool = False) -> Pipeline:
    """One pipeline file as a classified Pipeline (for tools and tests that read one file)."""
    return workspace.classifier.pipeline(read_pipeline(path, platform, workspace, debug))


def read_pipeline(path: str, platform: str, workspace: Workspace, debug: bool = False) -> Pipeline:
    """One pipeline file as its parser reads it; a file that cannot be read becomes a
    Pipeline holding only its ``parse-error``."""
    try:
        text = workspace.read_text(path)
        pipeline = parser(platform).parse(text, path, workspace)
        check_edges(len(pipeline.edges), pipeline.span or Span(path, 1, 1))
        return pipeline
    except ParseError as e:
        return Pipeline(path, platform, problems=(Problem("parse-error", e.span, e.message),), files=(path,))
    except RecursionError:
        message = "pipeline nested too deeply to analyse"
        return Pipeline(path, platform, problems=(Problem("parse-error", Span(path, 1, 1), message),), files=(path,))
    except Exception as e:  # a parser bug must cost one file, not the run
        if debug:
            traceback.print_exc()
        message = f"internal error while reading this file ({type(e).__name__}: {e}); please report it"
        return Pipeline(path, platform, problems=(Problem("parse-error", Span(path, 1, 1), message),), files=(path,))


def build_project(
    root: str, files: Iterable[tuple[str, str]], workspace: Workspace, debug: bool = False,
    context: Iterable[tuple[str, str]] = (),
) -> Project:
    """Parse ``files`` (``(path, platform)``) and link the pipelines into one Project. Of the
    other pipeline files of the repository (``context``), those the pipelines name as their
    upstream (a ``workflow_run`` source) are read and linked too."""
    pipelines = _without_templates({path: read_pipeline(path, platform, workspace, debug) for path, platform in files})
    pipelines.update(_upstream_sources(pipelines, list(context), workspace, debug))
    links: list[Edge] = []
    pending = [s for p in list(pipelines.values()) for s in p.stages if s.calls]
    while pending:
        stage = pending.pop(0)
        child = _local_call(stage, pipelines, workspace)
        if child is None:
            continue
        if child not in pipelines:
            platform = pipelines[stage.pipeline].platform
            pipelines[child] = _called(read_pipeline(child, platform, workspace, debug), stage)
            pending.extend(s for s in pipelines[child].stages if s.calls)
        for entry in _entries(pipelines[child]):
            links.append(Edge(stage.key, entry.key, "trigger", stage.span, f"triggers {child}"))
    ordered = tuple(pipelines[p] for p in sorted(pipelines))
    named = _Named(ordered)
    for pipeline in ordered:
        links.extend(_upstream_links(pipeline, named))
    links.extend(_cross_run_artifacts(ordered, links, named))
    project = Project(root=root, pipelines=ordered, links=sorted_edges(links))
    return workspace.classifier.project(project)


def _without_templates(pipelines: dict[str, Pipeline]) -> dict[str, Pipeline]:
    """Drop files that another pipeline of the same platform includes, for platforms whose
    parser says included files are templates rather than pipelines (Azure): a template that
    looks like a pipeline is analysed where it is used, with the parameters it gets there."""
    users: dict[str, list[Pipeline]] = {}
    for pipeline in pipelines.values():
        if getattr(parser(pipeline.platform), "INCLUDES_ARE_TEMPLATES", False):
            for path in pipeline.files:
                if path != pipeline.path:
                    users.setdefault(path, []).append(pipeline)

    def template(p: Pipeline) -> bool:
        # A user that is itself included by ``p`` (a cycle) does not make ``p`` a template.
        return any(u.platform == p.platform and u.path not in p.files for u in users.get(p.path, ()))

    return {path: p for path, p in pipelines.items() if not template(p)}


def _upstream_sources(pipelines: dict[str, Pipeline], context: list[tuple[str, str]], workspace: Workspace,
                      debug: bool) -> dict[str, Pipeline]:
    """The pipelines of ``context`` that ``pipelines`` (and, in turn, those) name as upstream."""
    found: dict[str, Pipeline] = {}
    read: dict[str, Pipeline] = {}
    pending = list(pipelines.values())
    while pending:
        pipeline = pending.pop()
        for trigger in pipeline.triggers:
            if trigger.kind != "upstream" or not trigger.source:
                continue
            for path, platform in context:
                if platform != pipeline.platform or path in pipelines or path in found:
                    continue
                if path not in read:
                    read[path] = read_pipeline(path, platform, workspace, debug)
                source = read[path]
                if trigger.source in _names(source) and _same_repository(source, pipeline):
                    found[path] = source
                    pending.append(source)
    return found


def _local_call(stage: Stage, pipelines: dict[str, Pipeline], workspace: Workspace) -> str | None:
    """The root-relative pipeline file a stage triggers, when it is one of ours."""
    path = stage.calls or ""
    if "@" in path or "://" in path:
        return None
    # As the file is known (``./.github/workflows/deploy.yml`` is ``.github/workflows/deploy.yml``).
    path = workspace.normalize(path) or ""
    if not path or path == stage.pipeline:
        return None
    if path in pipelines or workspace.exists(path):
        return path
    return None


def _called(pipeline: Pipeline, caller: Stage) -> Pipeline:
    """A pipeline found only because a stage starts it (a GitLab child pipeline): whatever
    triggers its file names, it runs when, and only when, that stage runs."""
    trigger = Trigger("upstream", caller.span, "parent_pipeline", on_success_only=True)
    return replace(pipeline, triggers=(trigger,))


def _entries(pipeline: Pipeline) -> list[Stage]:
    targets = {e.target for e in pipeline.edges if e.kind == "order"}
    return [s for s in pipeline.stages if s.key not in targets]


def _exits(pipeline: Pipeline) -> list[Stage]:
    sources = {e.source for e in pipeline.edges if e.kind == "order"}
    return [s for s in pipeline.stages if s.key not in sources]


def _names(pipeline: Pipeline) -> set[str]:
    base = posixpath.basename(pipeline.path)
    return {pipeline.name, pipeline.path, base, posixpath.splitext(base)[0]} - {""}


def _same_repository(a: Pipeline, b: Pipeline) -> bool:
    if a.platform == "github":
        return posixpath.dirname(a.path) == posixpath.dirname(b.path)
    return True


class _Named:
    """The pipelines of a project by each name they go by (see :func:`_names`), in path
    order, and their entry and exit stages, worked out once each."""

    def __init__(self, pipelines: tuple[Pipeline, ...]) -> None:
        self.by_name: dict[str, list[Pipeline]] = {}
        for pipeline in pipelines:
            for name in _names(pipeline):
                self.by_name.setdefault(name, []).append(pipeline)
        self._entries: dict[str, list[Stage]] = {}
        self._exits: dict[str, list[Stage]] = {}

    def named(self, name: str) -> list[Pipeline]:
        return self.by_name.get(name, [])

    def entries(self, pipeline: Pipeline) -> list[Stage]:
        found = self._entries.get(pipeline.path)
        if found is None:
            found = self._entries[pipeline.path] = _entries(pipeline)
        return found

    def exits(self, pipeline: Pipeline) -> list[Stage]:
        found = self._exits.get(pipeline.path)
        if found is None:
            found = self._exits[pipeline.path] = _exits(pipeline)
        return found


def _upstream_links(pipeline: Pipeline, named: _Named) -> list[Edge]:
    """Trigger edges from each upstream pipeline named by ``pipeline``'s triggers."""
    edges = []
    for trigger in pipeline.triggers:
        if trigger.kind != "upstream" or not trigger.source:
            continue
        sources = [
            p for p in named.named(trigger.source)
            if p is not pipeline and p.platform == pipeline.platform and _same_repository(p, pipeline)
        ]
        for source in sources:
            for entry in named.entries(pipeline):
                gated = trigger.on_success_only or entry.condition.upstream_success
                label = f"{trigger.event or 'upstream'}: {source.name}" + (f" ({', '.join(trigger.types)})" if trigger.types else "")
                for exit_ in named.exits(source):
                    edges.append(Edge(exit_.key, entry.key, "trigger", trigger.span, label, requires_success=gated))
    return edges


def _cross_run_artifacts(pipelines: tuple[Pipeline, ...], links: list[Edge], named: _Named) -> list[Edge]:
    """Artifact edges for downloads from the run that triggered a pipeline."""
    by_path = {p.path: p for p in pipelines}
    upstream_of: dict[str, set[str]] = {}
    for edge in links:
        if edge.kind == "trigger":
            upstream_of.setdefault(edge.target.partition("#")[0], set()).add(edge.source.partition("#")[0])
    edges = []
    for pipeline in pipelines:
        for stage in pipeline.stages:
            for wanted in stage.consumes:
                if wanted.source is None:
                    continue
                if wanted.source == "upstream":
                    candidates = upstream_of.get(pipeline.path, set())
                else:
                    candidates = {p.path for p in named.named(wanted.source) if _same_repository(p, pipeline)}
                for path in sorted(candidates):
                    for producer in by_path[path].stages:
                        names = [a.name for a in producer.produces if artifact_matches(wanted.name, a.name)]
                        if names:
                            edges.append(Edge(producer.key, stage.key, "artifact", wanted.span, names[0], requires_success=False))
    return edges

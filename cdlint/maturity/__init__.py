"""``cdlint maturity``: where a repository stands on a continuous delivery maturity model.

The model is data (``model.yaml``, validated by ``model.schema.json``);
detectors find evidence in the stage graph (``detectors.py``); ``assess``
judges practices and levels (``assess.py``); renderers turn a
:class:`MaturityReport` into text, Markdown, JSON or HTML. Nothing here is
imported by ``cdlint check``.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import repeat

from cdlint.finding import Finding
from cdlint.maturity.assess import Assessment, assess
from cdlint.maturity.model import Model, ModelError, default_model, load_model
from cdlint.model import Project

__all__ = ["Assessment", "MaturityReport", "Model", "ModelError", "Repository", "assess", "default_model", "load_model", "run"]

# --format: (module, function) of each renderer, imported when used.
_RENDERERS = {
    "text": ("render", "render_text"),
    "markdown": ("render", "render_markdown"),
    "json": ("render", "render_json"),
    "html": ("html", "render_html"),
}
FORMATS = tuple(_RENDERERS)
# Formats that give several repositories an overview and a page per repository.
_PAGES = {"html": ("html", "render_pages")}


@dataclass(frozen=True)
class Repository:
    """One assessed repository: what was read, found and judged. ``path`` is as given,
    ``name`` the directory's own name (``.`` is the current directory's)."""

    path: str
    assessment: Assessment
    project: Project | None
    findings: tuple[Finding, ...] = ()
    files: tuple[tuple[str, str], ...] = ()
    errors: tuple[str, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    name: str = ""
    _lines: dict[str, list[str]] = field(default_factory=dict, compare=False, repr=False)

    def source_line(self, path: str, line: int) -> str | None:
        from cdlint.report import source_line

        return source_line(self.sources, self._lines, path, line)


@dataclass(frozen=True)
class MaturityReport:
    """Every repository assessed in one run, with the rules' advice by rule id, and the paths
    given where no repository with pipelines was found."""

    model: Model
    repositories: tuple[Repository, ...]
    advice: Mapping[str, str] = field(default_factory=dict, compare=False)
    # The paths given that hold no pipeline file: no repository there is rated.
    empty: tuple[str, ...] = ()

    def distribution(self) -> dict[str, dict[str | None, int]]:
        """How many repositories reach each level, per category (``None``: below the lowest)."""
        counts: dict[str, dict[str | None, int]] = {}
        for category in self.model.categories:
            row: dict[str | None, int] = {None: 0, **{level.id: 0 for level in self.model.levels}}
            for repo in self.repositories:
                row[repo.assessment.category(category.id).level] += 1
            counts[category.id] = row
        return counts


def assess_path(path: str, options, model: Model, detail: bool = True) -> list[Repository]:
    """Check the repository at ``path`` (the one it is in, see :func:`cdlint.discovery.root_of`)
    and each repository nested in it with the engine, each with its own configuration unless
    ``options`` name one, and assess those that hold pipelines (runs in a worker process with
    ``--jobs``). A repository is rated as a whole, whatever folder of it ``path`` names.
    Without ``detail`` the repositories keep neither their project nor the texts of their
    files (only the HTML report shows those)."""
    from cdlint.engine import check_targets
    from cdlint.settings import resolve

    resolved = resolve([path], options)
    found = []
    base = Path(path).resolve()
    for target in resolved.targets:
        if not target.files:
            continue
        report = check_targets([replace(target, prefix="", scopes=())], resolved.settings)
        if not report.files:
            continue
        project = report.projects[0]
        where = _display(posixpath.join(path.replace("\\", "/"), os.path.relpath(target.root, base).replace(os.sep, "/")))
        found.append(Repository(
            path=where,
            assessment=assess(project, report.findings, model),
            project=project if detail else None,
            findings=report.findings,
            files=report.files,
            errors=report.errors,
            sources=dict(report.sources) if detail else {},
            name=target.root.name or where,
        ))
    return found


def run(paths: Sequence[str], options=None, model: Model | None = None, jobs: int = 1, detail: bool = True) -> MaturityReport:
    """Assess the repositories at each path (``options``: :class:`cdlint.settings.Options`, what
    the command line asked); with ``jobs`` > 1 in parallel processes, in the order given. A
    path that holds no pipeline file has no repository in the report (see :func:`unrated`).
    Without ``detail`` the repositories keep neither projects nor file texts (see
    :func:`assess_path`): workers send back only what the text, Markdown and JSON reports show."""
    from cdlint.settings import Options

    options = options or Options()
    model = model or default_model()
    if jobs > 1 and len(paths) > 1:
        with ProcessPoolExecutor(max_workers=min(jobs, len(paths))) as pool:
            found = list(pool.map(assess_path, paths, repeat(options), repeat(model), repeat(detail)))
    else:
        found = [assess_path(p, options, model, detail) for p in paths]
    repositories = tuple(repo for repos in found for repo in repos)
    empty = tuple(path for path, repos in zip(paths, found) if not repos)
    return MaturityReport(model, repositories, rule_advice(), empty)


def render_report(format_: str, report: MaturityReport, output: str | None = None) -> dict[str | None, str]:
    """The report in ``format_`` as files: ``None`` for the report itself (``output`` or stdout),
    and for HTML of several repositories a page per repository beside ``output``."""
    import importlib

    if format_ in _PAGES and len(report.repositories) > 1:
        module, function = _PAGES[format_]
        return getattr(importlib.import_module(f"cdlint.maturity.{module}"), function)(report, output)
    module, function = _RENDERERS[format_]
    return {None: getattr(importlib.import_module(f"cdlint.maturity.{module}"), function)(report)}


def gate_problem(model: Model, category: str, level: str) -> str | None:
    """Why ``--fail-under CATEGORY=LEVEL`` can never pass on any repository, if it cannot:
    the files cannot show the category at all, or not up to that level."""
    from cdlint.maturity.assess import ceiling

    name = model.category(category).name
    top = ceiling(model, category)
    if top is None:
        return f"{name} cannot be assessed from pipeline files (not assessable), so a gate on it would always fail"
    if model.rank(level) > model.rank(top):
        return (f"pipeline files can show {name} up to {model.level(top).name.lower()} at most, "
                f"so a gate at {model.level(level).name.lower()} would always fail")
    return None


def rule_advice() -> dict[str, str]:
    """Each rule's "Fix:" paragraph (or its summary), the advice shown in next steps."""
    from cdlint.rule import load_rules

    return {rule_id: fix_paragraph(r.doc) or r.summary for rule_id, r in load_rules().items()}


def fix_paragraph(doc: str) -> str:
    for paragraph in re.split(r"\n\s*\n", doc):
        text = " ".join(line.strip() for line in paragraph.strip().splitlines())
        if text.startswith("Fix:"):
            return text[4:].strip()
    return ""


def _display(path: str) -> str:
    return posixpath.normpath(path.replace("\\", "/"))


def below(report: MaturityReport, category: str, level: str) -> list[str]:
    """Repositories whose ``category`` is below ``level`` (``--fail-under``), as messages."""
    model = report.model
    wanted = model.rank(level)
    failures = []
    for repo in report.repositories:
        result = repo.assessment.category(category)
        if model.rank(result.level) < wanted:
            reached = model.level(result.level).name if result.level else "below base"
            failures.append(f"{repo.path}: {result.category.name} is {reached.lower()}, under {model.level(level).name.lower()}")
    return failures


def regressions(report: MaturityReport, baseline: Mapping) -> list[str]:
    """Categories whose level dropped since ``baseline`` (a previous ``--format json`` result)."""
    model = report.model
    previous: dict[str | None, Mapping] = {}
    if "repositories" in baseline:
        previous = {r.get("path"): r for r in baseline["repositories"]}
    else:
        previous = {baseline.get("path"): baseline}
    single = len(previous) == 1 and len(report.repositories) == 1
    failures = []
    for repo in report.repositories:
        old = previous.get(repo.path) or (next(iter(previous.values())) if single else None)
        if old is None:
            continue
        levels = {c["id"]: c.get("level") for c in old.get("categories", ())}
        for result in repo.assessment.categories:
            if result.category.id not in levels:
                continue
            before = levels[result.category.id]
            if before is not None and not model.has_level(before):
                continue
            if model.rank(result.level) < model.rank(before):
                now = model.level(result.level).name if result.level else "below base"
                failures.append(
                    f"{repo.path}: {result.category.name} dropped from {model.level(before).name.lower()} to {now.lower()}"
                )
    return failures

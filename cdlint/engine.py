"""Running cdlint: targets → projects → rules → findings → a Report.

Every step is a plain function call; nothing here writes output.
"""

from __future__ import annotations

import os
import posixpath
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from cdlint.classify import DEFAULT_TIERS, Classifier, Tiers
from cdlint.discovery import Skipped, root_of, within
from cdlint.finding import SEVERITIES, Evidence, Finding
from cdlint.model import Project, Span
from cdlint.parsers import detect
from cdlint.project import build_project
from cdlint.report import Report, ScanSummary, Suppressed
from cdlint.rule import Rule, load_rules
from cdlint.targets import Target, targets
from cdlint.values import value
from cdlint.workspace import Workspace
from cdlint.yamlload import MAX_FILE_SIZE


@value
class Settings:
    """How to run: which rules with which options and severities, how to read files,
    which files to leave out (``exclude``: gitignore-style patterns relative to each
    root), whether ignore comments apply, and the baseline (fingerprint → count)."""

    rules: dict[str, Rule] | None = None
    severities: dict[str, str] = field(default_factory=dict)
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    tiers: Tiers = DEFAULT_TIERS
    signals: tuple[Mapping[str, Any], ...] = ()
    platform: str | None = None
    max_file_size: int = MAX_FILE_SIZE
    debug: bool = False
    exclude: tuple[str, ...] = ()
    ignores: bool = True
    require_reason: bool = False
    today: date | None = None
    baseline: Mapping[str, int] | None = None
    min_severity: str | None = None


def check(paths: Sequence[str], settings: Settings | None = None) -> Report:
    """Analyse the pipelines under ``paths`` and return the Report."""
    settings = settings or Settings()
    found = targets(paths, settings.platform, exclude_of=lambda root: settings.exclude, max_file_size=settings.max_file_size)
    return check_targets(found, settings)


def check_targets(selected: Sequence[Target], settings: Settings, jobs: int = 1) -> Report:
    """Analyse the repositories ``selected`` (see :func:`cdlint.targets.targets`), each with its
    own settings when it has them, and return the Report: the findings, files and what was
    left out, of the parts of each repository that were asked for.

    With ``jobs`` > 1 the repositories are analysed in that many processes (see
    :func:`parallel_jobs`); the workers send back findings and file texts, not projects, so
    the Report's ``projects`` is empty then."""
    rules = settings.rules if settings.rules is not None else load_rules()
    classifiers: dict[int, Classifier] = {}
    if jobs > 1 and len(selected) > 1 and _can_fork():
        run = _in_workers(selected, settings, rules, jobs)
    else:
        run = _Run()
        for target in selected:
            _check_target(run, target, settings, rules, classifiers)
    findings, suppressed = run.findings, run.suppressed
    if settings.min_severity is not None:
        floor = SEVERITIES.index(settings.min_severity)
        findings = [f for f in findings if SEVERITIES.index(f.severity) <= floor]
        suppressed = [s for s in suppressed if SEVERITIES.index(s.finding.severity) <= floor]
    findings.sort(key=lambda f: f.sort_key)
    baselined = 0
    if settings.baseline is not None:
        from cdlint.baseline import subtract

        findings, baselined = subtract(findings, settings.baseline)
    return Report(
        tuple(findings), tuple(rules.values()), tuple(sorted(set(run.files))), tuple(run.projects), tuple(run.errors),
        run.sources, baselined=baselined, suppressed=tuple(sorted(suppressed, key=lambda s: s.finding.sort_key)),
        scan=ScanSummary(
            read=run.read, skipped=tuple(run.skipped), templates=tuple(sorted(run.templates.items())),
            empty=tuple(a for a, n in run.found.items() if not n), notes=tuple(run.notes),
        ),
    )


def _check_target(run: _Run, target: Target, settings: Settings, rules: dict[str, Rule],
                  classifiers: dict[int, Classifier]) -> None:
    for scope in target.scopes:
        run.found.setdefault(scope.argument, 0)
    if not target.files:
        run.projects.append(Project(root="."))
        run.skip(target, _reported(target, None))
        return
    own = target.settings or settings
    own_rules = own.rules if own is not settings and own.rules is not None else rules
    classifier = classifiers.get(id(own))
    if classifier is None:
        classifier = classifiers[id(own)] = classifier_for(own)
    workspace = Workspace(target.root, classifier, own.max_file_size)
    for path, data in target.texts:
        workspace.provide(path, data)
    project, found, problems, hidden = _analyse(target, own_rules, own, workspace)
    run.add(target, project, found, problems, hidden, workspace)


# Below this many pipeline files, starting worker processes costs more than it saves:
# two workers cost about 0.4 s of CPU more than one process on the corpus (each compiles
# the patterns its files need, bench/compare.py), and a file about 2 ms.
PARALLEL_FILES = 300


def parallel_jobs(selected: Sequence[Target], asked: int | None) -> int:
    """How many processes to check ``selected`` with: ``asked`` (``--jobs``), else the
    machine's idle cores when there are several repositories with enough files to pay."""
    if asked is not None:
        return asked
    files = sum(len(t.files) for t in selected)
    if len(selected) < 2 or files < PARALLEL_FILES:
        return 1
    return max(1, min(idle_cores(), len(selected)))


def idle_cores() -> int:
    """The cores this process may use less those the load average fills.

    A core counts as busy when the load average fills it: on a machine that other work
    keeps busy, workers only add their own cost (on a 2-core machine at load 3, two workers
    took up to 20% longer than one process, bench/compare.py), but a load below one is the
    tail of work just ended (at 0.6 on an idle 2-core machine, one process took 3.7 s on
    the corpus and two 2.2 s)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        busy = int(os.getloadavg()[0])
    except OSError:  # no load average on this system
        busy = 0
    return max(1, cores - busy)


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


# What forked workers check: set before the pool starts, so that rules (functions of
# plugins too) and settings reach the workers without being pickled.
_WORK: tuple[Sequence[Target], Settings, dict[str, Rule]] | None = None


def _in_workers(selected: Sequence[Target], settings: Settings, rules: dict[str, Rule], jobs: int) -> _Run:
    """Check each target in a forked worker; merge what they send back, in target order."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import gc

    from cdlint.parsers import parser

    global _WORK
    # Read the signals and import the parsers before forking, so that each worker starts
    # with them; frozen objects are left alone by the workers' collector, so their pages
    # stay shared.
    classifier_for(settings)
    for platform in sorted({platform for target in selected for _, platform in target.files}):
        parser(platform)
    gc.freeze()
    _WORK = (selected, settings, rules)
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            # The biggest repositories first, so that no worker is left with one at the end.
            order = sorted(range(len(selected)), key=lambda i: -len(selected[i].files))
            futures = {i: pool.submit(_check_in_worker, i) for i in order}
            parts = [futures[i].result() for i in range(len(selected))]
    finally:
        _WORK = None
        gc.unfreeze()
    run = _Run()
    for part in parts:
        run.merge(part)
    return run


_worker_classifiers: dict[int, Classifier] = {}


def _check_in_worker(index: int) -> _Run:
    assert _WORK is not None
    selected, settings, rules = _WORK
    run = _Run()
    _check_target(run, selected[index], settings, rules, _worker_classifiers)
    # The projects stay here: only what the report shows goes back.
    run.projects.clear()
    return run


@dataclass
class _Run:
    """What the repositories of a run add up to."""

    projects: list[Project] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    files: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    suppressed: list[Suppressed] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    templates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    found: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    read: int = 0

    def add(self, target: Target, project: Project, found: list[Finding], problems: list[str],
            hidden: list[tuple[Finding, Any]], workspace: Workspace) -> None:
        prefix = target.prefix
        reported = _reported(target, project)
        self.skip(target, reported)
        self.projects.append(project)
        texts = workspace.texts
        self.read += sum(1 for path in texts if reported(path))
        self.sources.update({_join(prefix, path): text for path, text in texts.items() if reported(path)})
        self.findings.extend(_rebase(f, prefix) for f in found if reported(f.span.path))
        self.suppressed.extend(
            Suppressed(_rebase(f, prefix), i.reason, _rebase_span(i.span, prefix))
            for f, i in hidden if reported(f.span.path)
        )
        self.errors.extend(problems)
        for pipeline in project.pipelines:
            # A pipeline is reported when it is a file given, or reads a file of a folder
            # given (a GitLab configuration whose include lies in that folder).
            scopes = [s for s in target.scopes if (pipeline.path == s.path if s.file else
                                                   any(within(f, s.path) for f in pipeline.files))]
            for scope in scopes:
                self.found[scope.argument] += 1
            if scopes or not target.scopes:
                self.files.append((_join(prefix, pipeline.path), pipeline.platform))
        analysed = {p.path for p in project.pipelines}
        dropped = [path for path, _ in target.files if path not in analysed]
        dropped += [s.path for s in target.skipped if s.reason == "template"]
        for path in dropped:
            if reported(path):
                users = tuple(_join(prefix, p.path) for p in project.pipelines if path in p.files and p.path != path)
                self.templates[_join(prefix, path)] = users
        others = len({path for path, _ in target.context} - analysed)
        if not target.discovered and others:
            named = ", ".join(_join(prefix, path) for path, _ in target.files)
            self.notes.append(
                f"{named} checked without the {others} other pipeline file{'s' * (others != 1)} of its repository: "
                "rules that look across pipelines saw only what it links to; check the repository for those"
            )


    def merge(self, other: _Run) -> None:
        """Add what another run found (of the targets after this run's)."""
        self.projects.extend(other.projects)
        self.findings.extend(other.findings)
        self.files.extend(other.files)
        self.errors.extend(other.errors)
        self.sources.update(other.sources)
        self.suppressed.extend(other.suppressed)
        self.skipped.extend(other.skipped)
        self.templates.update(other.templates)
        for argument, count in other.found.items():
            self.found[argument] = self.found.get(argument, 0) + count
        self.notes.extend(other.notes)
        self.read += other.read

    def skip(self, target: Target, reported: Callable[[str], bool]) -> None:
        """What discovery left out in the part of the repository asked for."""
        self.skipped.extend(replace(s, path=_join(target.prefix, s.path)) for s in target.skipped if reported(s.path))


def scoped(target: Target, project: Project) -> Project:
    """``project`` with only the pipelines the target reports on (see :func:`_reported`) and
    the links between them."""
    reported = _reported(target, project)
    kept = tuple(p for p in project.pipelines if any(reported(f) for f in p.files))
    if len(kept) == len(project.pipelines):
        return project
    keys = {f"{p.path}#{s.id}" for p in kept for s in p.stages}
    links = tuple(e for e in project.links if e.source in keys or e.target in keys)
    return Project(project.root, kept, links)


def _reported(target: Target, project: Project | None) -> Callable[[str], bool]:
    """Whether a root-relative path is one the target reports on: under a folder given, or a
    file of the pipeline of a file given (what it includes); everything without scopes."""
    if not target.scopes:
        return lambda path: True
    folders = [s.path for s in target.scopes if not s.file]
    files = {s.path for s in target.scopes if s.file}
    for pipeline in project.pipelines if project is not None else ():
        if pipeline.path in files:
            files |= set(pipeline.files)
    return lambda path: path in files or any(within(path, folder) for folder in folders)


def classifier_for(settings: Settings) -> Classifier:
    """Classification with the settings' tiers and the user's signals."""
    from cdlint import classify

    if settings.tiers == DEFAULT_TIERS and not settings.signals:
        return classify.default()
    return Classifier(settings.tiers, settings.signals)


def analyse(
    target: Target, rules: dict[str, Rule], settings: Settings, workspace: Workspace | None = None
) -> tuple[Project, list[Finding], list[str]]:
    """The project of one target, its findings (ignore comments applied) and rule errors."""
    project, findings, errors, _ = _analyse(target, rules, settings, workspace)
    return project, findings, errors


def _analyse(
    target: Target, rules: dict[str, Rule], settings: Settings, workspace: Workspace | None = None
) -> tuple[Project, list[Finding], list[str], list[tuple[Finding, Any]]]:
    workspace = workspace or Workspace(target.root, classifier_for(settings), settings.max_file_size)
    project = build_project(".", target.files, workspace, settings.debug, target.context)
    findings, errors = run_rules(project, rules, settings)
    kept, suppressed = suppress(findings, workspace.texts, rules, settings)
    return project, kept, errors, suppressed


def run_rules(project: Project, rules: dict[str, Rule], settings: Settings) -> tuple[list[Finding], list[str]]:
    """Run each rule over the project; stamp id, severity and practice on what it finds."""
    findings: list[Finding] = []
    errors: list[str] = []
    for rule in rules.values():
        options = {**rule.defaults(), **settings.options.get(rule.id, {})}
        try:
            for finding in rule.check(project, options):
                findings.append(stamp(finding, rule, settings))
        except Exception as e:  # one failing rule must not hide the others' findings
            if settings.debug:
                traceback.print_exc()
            errors.append(f"internal error in rule '{rule.id}' ({type(e).__name__}: {e}); please report it")
    return _dedupe(findings), errors


def stamp(finding: Finding, rule: Rule, settings: Settings) -> Finding:
    """``finding`` with the id, configured severity and practice of ``rule``."""
    severity = settings.severities.get(rule.id, rule.severity)
    return replace(finding, rule=rule.id, severity=severity, practice=rule.practice)


def suppress(
    findings: list[Finding], texts: Mapping[str, str], rules: dict[str, Rule], settings: Settings
) -> tuple[list[Finding], list[tuple[Finding, Any]]]:
    """Apply the ignore comments of the files read (``texts``), adding the findings of
    ``unused-ignore`` and ``invalid-ignore`` when those rules are selected; also the
    findings an ignore covers, each with that ignore (SARIF keeps them as suppressed)."""
    if not settings.ignores or not rules or not any("cdlint" in text for text in texts.values()):
        return findings, []
    from cdlint import suppress as suppression

    ignores = suppression.scan_all(texts)
    if not ignores:
        return findings, []
    known = set(rules) | suppression.META
    if any(r not in known for i in ignores for r in i.rules):
        known |= set(load_rules(warn=lambda message: None))
    ran = set(rules) - suppression.META
    today = settings.today or date.today()
    kept, suppressed, meta = suppression.apply(findings, ignores, ran, known, today, settings.require_reason)
    kept.extend(stamp(f, rules[f.rule], settings) for f in meta if f.rule in rules)
    return sorted(kept, key=lambda f: f.sort_key), suppressed


def _dedupe(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per rule and position: a job of a local reusable workflow is seen both
    in its own file and expanded into each caller."""
    seen, unique = set(), []
    for f in sorted(findings, key=lambda f: f.sort_key):
        identity = (f.rule, f.span)
        if identity not in seen:
            seen.add(identity)
            unique.append(f)
    return unique


def _join(prefix: str, path: str) -> str:
    return posixpath.normpath(posixpath.join(prefix, path)) if prefix else path


def _rebase(finding: Finding, prefix: str) -> Finding:
    if not prefix:
        return finding
    return replace(
        finding,
        span=_rebase_span(finding.span, prefix),
        evidence=tuple(Evidence(_rebase_span(e.span, prefix), e.note) for e in finding.evidence),
    )


def _rebase_span(span: Span, prefix: str) -> Span:
    return replace(span, path=_join(prefix, span.path))


def lint_file(
    path: str | Path, platform: str | None = None, rules: Iterable[Rule] | None = None, root: str | Path | None = None
) -> list[Finding]:
    """Findings for one pipeline file (the tests' entry point). ``root`` is the directory
    its includes resolve in (default: the file's repository root)."""
    path = Path(path).resolve()
    base = Path(root).resolve() if root else root_of(path.parent)
    rel = path.relative_to(base).as_posix()
    chosen = platform or detect(rel, path.read_text(encoding="utf-8", errors="replace")) or "github"
    selected = {r.id: r for r in rules} if rules is not None else load_rules()
    _, findings, errors = analyse(Target(base, ((rel, chosen),)), selected, Settings(rules=selected))
    if errors:
        raise RuntimeError("; ".join(errors))
    return sorted(findings, key=lambda f: f.sort_key)

"""Running cdlint: targets → projects → rules → findings → a Report.

Every step is a plain function call; nothing here writes output.
"""

from __future__ import annotations

import os
import posixpath
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from cdlint.classify import DEFAULT_TIERS, Classifier, Tiers
from cdlint.errors import ConfigError
from cdlint.finding import SEVERITIES, Evidence, Finding
from cdlint.model import Project, Span
from cdlint.parsers import PARSERS, detect, discover
from cdlint.project import build_project
from cdlint.report import Report, Suppressed
from cdlint.rule import Rule, load_rules
from cdlint.workspace import Workspace
from cdlint.yamlload import MAX_FILE_SIZE


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Target:
    """One project to analyse: its root, its files, how its paths are shown, whether its
    files were discovered (else named on the command line), and the text of files given
    other than on disk (``texts``: ``(path, content)``, a pipeline read from stdin)."""

    root: Path
    files: tuple[tuple[str, str], ...]
    prefix: str = ""
    discovered: bool = True
    texts: tuple[tuple[str, bytes], ...] = ()


def targets(paths: Sequence[str], platform: str | None = None, cwd: Path | None = None) -> list[Target]:
    """Group command-line paths into projects: each directory is one; explicit files
    share one rooted at the current directory (or at their repository when outside it)."""
    cwd = (cwd or Path.cwd()).resolve()
    if platform is not None and platform not in PARSERS:
        raise ConfigError(f"unknown platform '{platform}' (known: {', '.join(PARSERS)})")
    dirs = [p for p in paths if Path(p).is_dir()]
    files = [p for p in paths if not Path(p).is_dir()]
    for p in files:
        if not Path(p).exists():
            raise ConfigError(f"no such file or directory: {p}")
    found: list[Target] = []
    for d in dirs:
        root = Path(d)
        listed = discover(root)
        if platform:
            listed = [(rel, platform) for rel, _ in listed]
        prefix = "" if len(paths) == 1 else _display(d)
        found.append(Target(root, tuple(listed), prefix))
    by_root: dict[Path, list[tuple[str, str]]] = {}
    for f in files:
        real = Path(f).resolve()
        root = cwd if cwd in real.parents else _repository_root(real)
        rel = real.relative_to(root).as_posix()
        chosen = platform or detect(rel, _head(real)) or _fallback_platform(rel)
        by_root.setdefault(root, []).append((rel, chosen))
    for root, listed in sorted(by_root.items()):
        prefix = "" if root == cwd else _display(os.path.relpath(root, cwd))
        found.append(Target(root, tuple(sorted(set(listed))), prefix, discovered=False))
    return found


def stdin_target(name: str, data: bytes, platform: str | None = None, cwd: Path | None = None) -> Target:
    """A project of one pipeline read from stdin, analysed as if it were the file ``name``
    (for editors): its root and platform are found as for a file named on the command line,
    and its includes are read from that root."""
    cwd = (cwd or Path.cwd()).resolve()
    if platform is not None and platform not in PARSERS:
        raise ConfigError(f"unknown platform '{platform}' (known: {', '.join(PARSERS)})")
    real = (cwd / name).resolve()
    root = cwd if cwd in real.parents else _repository_root(real)
    rel = real.relative_to(root).as_posix()
    chosen = platform or detect(rel, data[:65536].decode("utf-8", "replace")) or _fallback_platform(rel)
    prefix = "" if root == cwd else _display(os.path.relpath(root, cwd))
    return Target(root, ((rel, chosen),), prefix, discovered=False, texts=((rel, data),))


def _display(path: str) -> str:
    normal = posixpath.normpath(path.replace(os.sep, "/"))
    return "" if normal == "." else normal


def _repository_root(path: Path) -> Path:
    parts = path.parts
    if ".github" in parts:
        index = len(parts) - 1 - parts[::-1].index(".github")
        return Path(*parts[:index])
    return path.parent


def _head(path: Path) -> str | None:
    try:
        with open(path, "rb") as handle:
            return handle.read(65536).decode("utf-8", "replace")
    except OSError:
        return None


def _fallback_platform(rel: str) -> str:
    """A file given explicitly that no parser claims is read as a GitHub workflow."""
    return "github"


def check(paths: Sequence[str], settings: Settings | None = None) -> Report:
    """Analyse the pipelines under ``paths`` and return the Report."""
    settings = settings or Settings()
    return check_targets(targets(paths, settings.platform), settings)


def check_targets(selected: Sequence[Target], settings: Settings) -> Report:
    """Analyse the projects ``selected`` (see :func:`targets`) and return the Report."""
    rules = settings.rules if settings.rules is not None else load_rules()
    projects, findings, files, errors, sources, suppressed = [], [], [], [], {}, []
    classifier = classifier_for(settings)
    for target in exclude(selected, settings.exclude):
        workspace = Workspace(target.root, classifier, settings.max_file_size)
        for path, data in target.texts:
            workspace.provide(path, data)
        project, found, problems, hidden = _analyse(target, rules, settings, workspace)
        projects.append(project)
        sources.update({_join(target.prefix, path): text for path, text in workspace.texts.items()})
        findings.extend(_rebase(f, target.prefix) for f in found)
        suppressed.extend(Suppressed(_rebase(f, target.prefix), i.reason, _rebase_span(i.span, target.prefix)) for f, i in hidden)
        errors.extend(problems)
        for pipeline in project.pipelines:
            files.append((_join(target.prefix, pipeline.path), pipeline.platform))
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
        tuple(findings), tuple(rules.values()), tuple(sorted(set(files))), tuple(projects), tuple(errors), sources,
        baselined=baselined, suppressed=tuple(sorted(suppressed, key=lambda s: s.finding.sort_key)),
    )


def classifier_for(settings: Settings) -> Classifier:
    """Classification with the settings' tiers and the user's signals."""
    from cdlint import classify

    if settings.tiers == DEFAULT_TIERS and not settings.signals:
        return classify.default()
    return Classifier(settings.tiers, settings.signals)


def exclude(found: Sequence[Target], patterns: Sequence[str]) -> list[Target]:
    """``found`` without the discovered files matching the gitignore-style ``patterns``
    (relative to each root). Files named on the command line are checked all the same."""
    if not patterns or all(not t.discovered for t in found):
        return list(found)
    import pathspec

    try:
        spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    except ValueError as e:  # pathspec's error for a pattern it cannot compile
        raise ConfigError(f"exclude: {e}") from None
    return [replace(t, files=tuple(f for f in t.files if not spec.match_file(f[0]))) if t.discovered else t for t in found]


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
    project = build_project(".", target.files, workspace, settings.debug)
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
            errors.append(f"rule '{rule.id}' failed: {type(e).__name__}: {e}")
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
    base = Path(root).resolve() if root else _repository_root(path)
    rel = path.relative_to(base).as_posix()
    chosen = platform or detect(rel, _head(path)) or _fallback_platform(rel)
    selected = {r.id: r for r in rules} if rules is not None else load_rules()
    _, findings, errors = analyse(Target(base, ((rel, chosen),)), selected, Settings(rules=selected))
    if errors:
        raise RuntimeError("; ".join(errors))
    return sorted(findings, key=lambda f: f.sort_key)


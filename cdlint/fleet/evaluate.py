"""One task: a source in, its store records out.

:func:`scan` runs in a worker (a local process, a Dask worker, or the calling
process): it fetches a git source, picks the commits to evaluate, writes each
commit's pipeline files into a scratch directory, runs ``cdlint check`` and the
maturity assessment through the engine, and returns compact records (JSON
text), never projects. Every failure becomes an error record; a task never raises.

A record is one JSON object: ``repository``, ``ref``, ``commit``, ``time`` (the
commit's committer time, ISO 8601 UTC), ``tool``, ``error`` (null, or why
there is no result), ``warnings`` (rules that failed), ``check`` (the ``check`` v1 document) and ``maturity`` (the
``maturity`` v1 document). Records hold nothing of the machine or the moment
that ran them, so any engine writes the same bytes.
"""

from __future__ import annotations

import contextlib
import functools
import json
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cdlint import __version__
from cdlint.engine import Settings, check_targets
from cdlint.targets import targets
from cdlint.fleet import git
from cdlint.fleet.history import History, select
from cdlint.fleet.inputs import Source, redact
from cdlint.maturity import MaturityReport, Model, Repository, assess
from cdlint.model import Project

TOOL = {"name": "cdlint", "version": __version__}


@dataclass(frozen=True)
class Options:
    """How every task of a run evaluates: engine settings, maturity model, where git
    sources are cached, the time allowed per source, and the history to read."""

    settings: Settings
    model: Model
    cache: str
    timeout: float = 600.0
    history: History | None = None


@dataclass(frozen=True)
class Task:
    """A source, and the commits of it already stored (not evaluated again)."""

    source: Source
    done: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Outcome:
    """What a task gives back: its records (JSON text, one per line), how many commits it
    skipped as already stored, and how many records are errors."""

    source: Source
    records: tuple[str, ...]
    skipped: int = 0
    failed: int = 0


class TaskTimeout(Exception):
    pass


def scan(task: Task, options: Options) -> Outcome:
    """Evaluate ``task.source`` (see the module docstring). Never raises."""
    source = task.source
    records: list[dict] = []
    skipped = 0
    try:
        with _alarm(options.timeout):
            deadline = git.Deadline(options.timeout)
            for commit, when, root, cleanup in _states(source, task.done, options, deadline):
                if commit is not None and commit in task.done:
                    skipped += 1
                    continue
                try:
                    records.append(evaluate(root, source, commit, when, options))
                except (TaskTimeout, git.GitError):
                    raise
                except Exception as e:  # one commit that breaks cdlint must not hide the others
                    records.append(error_record(source, f"internal error: {type(e).__name__}: {e}", commit, when))
                finally:
                    cleanup()
    except (TaskTimeout, git.GitError) as e:
        records.append(error_record(source, str(e)))
    except Exception as e:
        records.append(error_record(source, f"internal error: {type(e).__name__}: {e}"))
    lines = tuple(encode(r) for r in records)
    return Outcome(source, lines, skipped, sum(r["error"] is not None for r in records))


def _states(source: Source, done: frozenset[str], options: Options, deadline: git.Deadline) -> Iterator[tuple]:
    """``(commit, time, directory, cleanup)`` for each state of the source to evaluate."""
    history = options.history
    if source.kind == "directory":
        path = Path(source.location)
        if not path.is_dir():
            raise git.GitError(f"no such directory: {source.name}")
        if history is None:
            commit, when = _work_tree_head(path, deadline)
            yield commit, when, path, _nothing
            return
        repo, tip = path, _head_of(path, deadline)
        folder = git.prefix(path, deadline)
    else:
        repo, tip = git.fetch(source.location, source.ref, Path(options.cache), deadline,
                              history.since if history else None)
        folder = ""
    latest = (tip, git.commit_time(repo, tip, deadline))
    commits = select(latest, git.changes(repo, tip, history.since, deadline, folder), history) if history else [latest]
    todo = [(c, t) for c, t in commits if c not in done]
    listings = {c: git.tree(repo, c, deadline, folder) for c, _ in todo}
    git.prefetch(repo, (e.oid for entries in listings.values() for e in entries), deadline)
    for commit, when in commits:
        if commit in done:
            yield commit, when, None, _nothing
            continue
        scratch = Path(tempfile.mkdtemp(prefix="cdlint-fleet-"))
        try:
            git.write(repo, listings[commit], scratch, deadline)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        yield commit, when, scratch, functools.partial(shutil.rmtree, scratch, ignore_errors=True)


def _nothing() -> None:
    pass


def _head_of(path: Path, deadline: git.Deadline) -> str:
    try:
        return git.resolve(path, "HEAD", deadline)
    except git.GitError as e:
        raise git.GitError(f"--history needs a git repository: {e}") from None


def _work_tree_head(path: Path, deadline: git.Deadline) -> tuple[str | None, int | None]:
    """The commit a directory is at, when it is in a git work tree (looked up only then:
    a plain directory costs no git process)."""
    real = path.resolve()
    if not any((folder / ".git").exists() for folder in (real, *real.parents)):
        return None, None
    try:
        commit = git.resolve(path, "HEAD", deadline)
        return commit, git.commit_time(path, commit, deadline)
    except git.GitError:
        return None, None


@functools.cache
def _rules() -> dict:
    from cdlint.rule import load_rules

    return load_rules(warn=lambda message: None)


def evaluate(root: Path, source: Source, commit: str | None, when: int | None, options: Options) -> dict:
    """The record of the pipelines under ``root``, as ``source`` at ``commit``."""
    from cdlint.formatters.json_report import document
    from cdlint.maturity.render import json_document

    settings = options.settings
    if settings.rules is None:
        from dataclasses import replace

        settings = replace(settings, rules=_rules())
    # The source is the repository: its directory is the root, whatever lies above it; the
    # repositories nested in it are sources of their own (see inputs.from_argument).
    report = check_targets(targets([str(root)], settings.platform, own_roots=True)[:1], settings)
    project = report.projects[0] if report.projects else Project(root=source.name)
    repository = Repository(
        path=source.name,
        assessment=assess(project, report.findings, options.model),
        project=project,
        findings=report.findings,
        files=report.files,
        errors=report.errors,
    )
    return {
        **_head(source, commit, when),
        "error": None,
        "warnings": list(report.errors),
        "check": document(report),
        "maturity": json_document(MaturityReport(options.model, (repository,))),
    }


def error_record(source: Source, message: str, commit: str | None = None, when: int | None = None) -> dict:
    return {**_head(source, commit, when), "error": redact(message), "warnings": [], "check": None, "maturity": None}


def _head(source: Source, commit: str | None, when: int | None) -> dict:
    stamp = None if when is None else datetime.fromtimestamp(when, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"repository": source.name, "ref": source.ref, "commit": commit, "time": stamp, "tool": TOOL}


def encode(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """Stop the task after ``seconds`` where a signal can (the main thread of a process: the
    local engine); elsewhere (Dask's worker threads) git's deadlines and the engine's bound it."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise TaskTimeout(f"timed out after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

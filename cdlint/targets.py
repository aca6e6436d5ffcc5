"""What to analyse: the paths of a command line as repositories, each with its pipeline
files and the part of it to report on.

A directory given is analysed in its repository: the nearest directory, the one given or
one above it, holding ``.git`` or a platform's top-level pipelines (see
:func:`cdlint.discovery.root_of`); findings are reported only for files under the
directory given. Repositories nested in it are analysed on their own, each as if it
were given alone. A file given is read as the platform its name or content shows (or
``--platform``), in its repository, which it can link to (templates, includes,
reusable workflows, upstream pipelines); a file that is no pipeline is skipped.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cdlint.discovery import MAX_REPOSITORIES, Scan, Skipped, is_top, read_head, root_of, scan, within
from cdlint.errors import ConfigError
from cdlint.parsers import PARSERS, detection
from cdlint.values import value
from cdlint.yamlload import MAX_FILE_SIZE


@value
class Scope:
    """A path given on the command line (``argument``, as written) and the root-relative
    folder it names (``""``: the whole root), or the file (``file``: its pipeline is
    reported, with the files it includes)."""

    path: str
    argument: str
    file: bool = False


@value
class Target:
    """One repository to analyse: its root, its pipeline files, how its paths are shown
    (``prefix``), whether its files were discovered (else named on the command line), the
    text of files given other than on disk (``texts``: a pipeline read from stdin), the
    parts reported on (``scopes``; none: all of it), what discovery left out, the other
    pipeline files of the repository, read only when a file named links to them
    (``context``), and its own settings when its configuration is its own."""

    root: Path
    files: tuple[tuple[str, str], ...]
    prefix: str = ""
    discovered: bool = True
    texts: tuple[tuple[str, bytes], ...] = ()
    scopes: tuple[Scope, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    context: tuple[tuple[str, str], ...] = ()
    settings: Any = field(default=None, compare=False)


def _check_platform(platform: str | None) -> None:
    if platform is not None and platform not in PARSERS:
        raise ConfigError(f"unknown platform '{platform}' (known: {', '.join(PARSERS)})")


def targets(
    paths: Sequence[str],
    platform: str | None = None,
    cwd: Path | None = None,
    exclude_of: Callable[[Path], Sequence[str]] | None = None,
    own_roots: bool = False,
    max_file_size: int = MAX_FILE_SIZE,
) -> list[Target]:
    """The repositories to analyse for the command-line ``paths`` (see the module docstring).
    ``exclude_of(root)`` gives the ``exclude`` patterns of a repository's configuration;
    with ``own_roots`` each directory given is the root of its repository, whatever is above it."""
    cwd = (cwd or Path.cwd()).resolve()
    _check_platform(platform)
    exclude_of = exclude_of or (lambda root: ())
    for p in paths:
        if not os.path.lexists(p):
            raise ConfigError(f"no such file or directory: {p}")
    single = len(paths) == 1
    asked: dict[Path, _Asked] = {}
    for given in paths:
        path = Path(given)
        if path.is_dir():
            root = path.resolve() if own_roots else root_of(path)
            entry = asked.setdefault(root, _Asked())
            entry.folders.append(Scope(_relative(path.resolve(), root), given))
            if entry.display is None:
                entry.display = _display_of(given, path.resolve(), root, single)
        else:
            real = path.resolve()
            root = root_of(real.parent, fallback=cwd)
            entry = asked.setdefault(root, _Asked())
            entry.files.append(Scope(_relative(real, root), given, file=True))
            if entry.display is None:
                entry.display = _display(os.path.relpath(root, cwd)) if root != cwd else ""
    found: list[Target] = []
    for root, entry in asked.items():
        found.extend(_repository(root, entry, platform, exclude_of, max_file_size))
    return found


@dataclass
class _Asked:
    """What the command line asks of one repository: folders, files, and how to show its paths."""

    folders: list[Scope] = field(default_factory=list)
    files: list[Scope] = field(default_factory=list)
    display: str | None = None


def _repository(root: Path, entry: _Asked, platform: str | None, exclude_of, max_file_size: int) -> list[Target]:
    scopes = entry.folders
    named = [_named(root, scope.path, platform, max_file_size) for scope in entry.files]
    explicit = tuple((scope.path, chosen) for scope, (chosen, _) in zip(entry.files, named) if chosen)
    not_pipelines = tuple(skip for _, skip in named if skip is not None)
    prefix = entry.display or ""
    if not scopes:
        # Files named alone are read in their repository, its other pipelines only as the
        # files link to them; a folder that is no repository is not searched for those.
        context: tuple[tuple[str, str], ...] = ()
        if is_top(root):
            context = tuple(f for f in scan(root, exclude_of(root), None, max_file_size).files if f not in explicit)
        return [Target(root, explicit, prefix, False, scopes=tuple(entry.files), skipped=not_pipelines, context=context)]
    scanned = scan(root, exclude_of(root), platform, max_file_size)
    files = tuple(sorted(set(scanned.files) | set(explicit)))
    own = Target(root, files, prefix, True, scopes=tuple(scopes) + tuple(entry.files), skipped=scanned.skipped + not_pipelines)
    found = [own]
    nested = [r for r in scanned.repositories if any(within(r, s.path) for s in scopes)]
    found.extend(_nested(root, nested, prefix, scopes, platform, exclude_of, max_file_size))
    return found


def _nested(root: Path, pending: list[str], prefix: str, scopes: list[Scope], platform, exclude_of,
            max_file_size: int) -> list[Target]:
    """Each repository nested in ``root`` (and in those, at any depth) as a target of its own."""
    found: list[Target] = []
    queue = list(pending)
    while queue and len(found) < MAX_REPOSITORIES:
        rel = queue.pop(0)
        nested_root = root / rel
        argument = next(s.argument for s in scopes if within(rel, s.path))
        inner: Scan = scan(nested_root, exclude_of(nested_root), platform, max_file_size)
        display = posixpath.join(prefix, rel) if prefix else rel
        found.append(Target(nested_root, inner.files, display, True, scopes=(Scope("", argument),), skipped=inner.skipped))
        queue.extend(f"{rel}/{r}" for r in inner.repositories)
    return found


def _named(root: Path, rel: str, platform: str | None, max_file_size: int) -> tuple[str | None, Skipped | None]:
    """A file named on the command line: its platform (``--platform``, else its name, else its
    content), or why it is skipped."""
    if platform is not None:
        return platform, None
    chosen = detection.by_name(rel)
    if chosen is not None:
        return chosen, None
    try:
        text = read_head(root / rel, max_file_size, [lambda path, head: True])
    except OSError as e:
        return None, Skipped(rel, "unreadable", e.strerror or str(e), given=True)
    if text is None:
        return None, Skipped(rel, "not a regular file", given=True)
    chosen = detection.by_content(rel, text)
    return chosen, None if chosen else Skipped(rel, "not a pipeline", given=True)


def stdin_target(name: str, data: bytes, platform: str | None = None, cwd: Path | None = None,
                 exclude_of: Callable[[Path], Sequence[str]] | None = None) -> Target:
    """A project of one pipeline read from stdin, analysed as if it were the file ``name``
    (for editors): its root and platform are found as for a file named on the command line,
    and what it links to is read from that root."""
    cwd = (cwd or Path.cwd()).resolve()
    _check_platform(platform)
    real = (cwd / name).resolve()
    root = root_of(real.parent, fallback=cwd)
    rel = _relative(real, root)
    text = data[:MAX_FILE_SIZE].decode("utf-8", "replace")
    # The editor says what the text is by its name: an unknown one is read as a workflow.
    chosen = platform or detection.by_name(rel) or detection.by_content(rel, text) or "github"
    prefix = "" if root == cwd else _display(os.path.relpath(root, cwd))
    context: tuple[tuple[str, str], ...] = ()
    if root.is_dir() and is_top(root):
        scanned = scan(root, (exclude_of or (lambda r: ()))(root))
        context = tuple(f for f in scanned.files if f[0] != rel)
    return Target(root, ((rel, chosen),), prefix, discovered=False, texts=((rel, data),),
                  scopes=(Scope(rel, name, file=True),), context=context)


def _relative(path: Path, root: Path) -> str:
    rel = os.path.relpath(path, root).replace(os.sep, "/")
    return "" if rel == "." else rel


def _display(path: str) -> str:
    normal = posixpath.normpath(path.replace(os.sep, "/"))
    return "" if normal == "." else normal


def _display_of(given: str, real: Path, root: Path, single: bool) -> str:
    """How paths of ``root`` are shown: relative to it when one path is given, else behind
    the path given (``../other/.github/workflows`` analysed in ``../other``: ``../other``)."""
    if single:
        return ""
    return _display(posixpath.join(given.replace(os.sep, "/"), os.path.relpath(root, real).replace(os.sep, "/")))

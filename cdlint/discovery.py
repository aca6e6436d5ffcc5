"""Finding the pipeline files of a tree, and where each repository in it ends.

A repository begins at a directory holding ``.git`` (a directory, or a file for
worktrees and submodules): below a scanned root, such a directory is a repository of
its own, scanned on its own. Given a folder, :func:`root_of` finds where to analyse it:
the repository it is in, as git does, or the nearest folder above it that holds a
platform's top-level pipelines (a copy of a repository without its ``.git``, a sample).

Walking is bounded and never follows a symlinked directory (no loops, nothing outside
the root); a symlinked file counts only when it points inside the root; FIFOs, sockets
and devices are never opened. Dependency, tool and build-output folders and what
``.gitignore`` excludes are not searched. Where a name decides, nothing is read;
elsewhere the first KiB of a file tells whether to read it whole (see
:mod:`cdlint.parsers.detection`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence
from pathlib import Path

from cdlint.errors import ConfigError
from cdlint.parsers import detection
from cdlint.values import value
from cdlint.yamlload import MAX_FILE_SIZE

# Directories never searched for pipelines: version control, dependencies, build output, tool caches.
SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", "bower_components", "jspm_packages", "vendor", "third_party",
     "third-party", ".venv", "venv", ".tox", ".nox", "__pycache__", ".mypy_cache", ".pytest_cache",
     ".ruff_cache", "site-packages", ".terraform", ".gradle", ".m2", ".next", ".nuxt", ".svelte-kit",
     ".angular", ".parcel-cache", ".turbo", ".yarn", ".pnpm-store", ".cache", ".idea", ".vscode", "Pods",
     "Carthage", "DerivedData", ".build", ".dart_tool", ".eggs", "htmlcov", "coverage", ".nyc_output"}
)
# Names of a platform's pipelines at a repository's top: a directory holding one is the
# root of what it runs.
_TOP_NAMES = (".git", ".gitlab-ci.yml", "Jenkinsfile", "azure-pipelines.yml", "azure-pipelines.yaml", ".azure-pipelines")
# Bounds on hostile trees: directory entries visited, and repositories found, per scan.
MAX_ENTRIES = 2_000_000
MAX_REPOSITORIES = 10_000
MAX_IGNORE_FILE = 256 * 1024


@value
class Skipped:
    """A file or folder discovery left out, and why: ``excluded`` (the configuration's
    ``exclude``), ``not a pipeline`` (named or placed like one, its content is not),
    ``not a regular file`` (a FIFO, socket or device), ``outside the repository`` (a
    symlink leading out), ``unreadable`` (``detail`` says why), ``template`` (an Azure
    template, read where a pipeline uses it). ``given``: named on the command line."""

    path: str
    reason: str
    detail: str = ""
    given: bool = False


@value
class Scan:
    """What discovery found under one root: pipeline files ``(path, platform)`` (paths
    relative to the root, ``/``-separated, sorted), the repositories nested in it (their
    root-relative directories, not searched), and what it left out."""

    root: Path
    files: tuple[tuple[str, str], ...] = ()
    repositories: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = ()


def is_top(directory: Path) -> bool:
    """Whether ``directory`` is where a repository or its pipelines begin: it holds ``.git``,
    or pipelines where platforms look first (``.github/workflows``, ``.gitlab-ci.yml``,
    ``azure-pipelines.yml``, ``Jenkinsfile``)."""
    return any(os.path.lexists(directory / name) for name in _TOP_NAMES) or (directory / ".github" / "workflows").is_dir()


def root_of(directory: Path, fallback: Path | None = None) -> Path:
    """The root to analyse ``directory`` in: the nearest directory, ``directory`` itself or
    one above it, that :func:`is_top`; when there is none, ``fallback`` if ``directory`` is
    inside it, else ``directory`` itself."""
    real = directory.resolve()
    for candidate in (real, *real.parents):
        if is_top(candidate):
            return candidate
    if fallback is not None and (fallback == real or fallback in real.parents):
        return fallback
    return real


def within(path: str, folder: str) -> bool:
    """Whether the root-relative ``path`` is ``folder`` or lies under it (``""``: the root)."""
    return not folder or path == folder or path.startswith(folder.rstrip("/") + "/")


class _Ignored:
    """``.gitignore`` files met on the way down, each applying below its own directory,
    and the configuration's ``exclude`` patterns (relative to the root). pathspec is
    imported only when there are patterns."""

    def __init__(self, exclude: Sequence[str]) -> None:
        self.exclude = None
        if exclude:
            import pathspec

            try:
                self.exclude = pathspec.GitIgnoreSpec.from_lines(exclude)
            except ValueError as e:  # pathspec's error for a pattern it cannot compile
                raise ConfigError(f"exclude: {e}") from None
        # A pattern that re-includes (``!legacy/keep/**``) may reach into a folder another
        # excludes: then folders are searched and each file is judged.
        self.prune = not any(p.lstrip().startswith("!") for p in exclude)
        self.specs: dict[str, object] = {}

    def read(self, directory: str, path: Path, real_root: Path) -> None:
        """The patterns of an ignore file: a regular file inside the root, or none."""
        import pathspec

        try:
            real = path.resolve()
            if real_root != real and real_root not in real.parents:
                return
            text = read_head(real, MAX_IGNORE_FILE, [lambda name, head: True])
            if text is not None:
                self.specs[directory] = pathspec.GitIgnoreSpec.from_lines(text.splitlines())
        except (OSError, RuntimeError, ValueError):
            pass

    def excluded(self, rel: str, is_dir: bool) -> bool:
        if self.exclude is None or (is_dir and not self.prune):
            return False
        return self.exclude.match_file(rel + "/" if is_dir else rel)

    def ignored(self, rel: str, is_dir: bool) -> bool:
        for base, spec in self.specs.items():
            if within(rel, base) and rel != base:
                inner = rel[len(base) + 1:] if base else rel
                if spec.match_file(inner + "/" if is_dir else inner):
                    return True
        return False


def scan(root: Path, exclude: Sequence[str] = (), platform: str | None = None, max_file_size: int = MAX_FILE_SIZE) -> Scan:
    """The pipeline files under ``root`` (see the module docstring); with ``platform``, only
    that platform's, also files that could be one though discovery would not look into them."""
    root = Path(root)
    ignored = _Ignored(exclude)
    real_root = root.resolve()
    info = root / ".git" / "info" / "exclude"
    if info.is_file():
        ignored.read("", info, real_root)
    files: list[tuple[str, str]] = []
    repositories: list[str] = []
    skipped: list[Skipped] = []
    stack = [""]
    visited = 0
    while stack:
        rel_dir = stack.pop()
        directory = root / rel_dir if rel_dir else root
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as e:
            skipped.append(Skipped(rel_dir or ".", "unreadable", e.strerror or str(e)))
            continue
        names = {e.name for e in entries}
        if rel_dir and ".git" in names:
            if ignored.exclude is not None and ignored.exclude.match_file(rel_dir + "/"):
                skipped.append(Skipped(rel_dir, "excluded"))
            elif len(repositories) < MAX_REPOSITORIES:
                repositories.append(rel_dir)
            continue
        if ".gitignore" in names:
            ignored.read(rel_dir, directory / ".gitignore", real_root)
        subdirs = []
        for entry in entries:
            visited += 1
            if visited > MAX_ENTRIES:
                skipped.append(Skipped(rel_dir or ".", "unreadable", f"more than {MAX_ENTRIES} entries; the rest is not searched"))
                stack.clear()
                break
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if entry.name in SKIP_DIRS or ignored.ignored(rel, True):
                    continue
                if ignored.excluded(rel, True):
                    skipped.append(Skipped(rel, "excluded"))
                    continue
                subdirs.append(rel)
                continue
            if not detection.worth_a_look(entry.name):
                continue
            found = _file(root, real_root, rel, entry, ignored, platform, max_file_size)
            if isinstance(found, Skipped):
                skipped.append(found)
            elif found is not None:
                files.append((rel, found))
        stack.extend(reversed(subdirs))
    return Scan(root, tuple(sorted(files)), tuple(sorted(repositories)), tuple(skipped))


def _file(root: Path, real_root: Path, rel: str, entry: os.DirEntry, ignored: _Ignored, platform: str | None,
          max_file_size: int) -> str | Skipped | None:
    """The platform of the pipeline file ``rel``, why it is left out, or None (not a pipeline)."""
    named = detection.by_name(rel)
    looked = _looked_into(rel, platform) if named is None else ()
    if named is None and not looked:
        return None
    if platform is not None and named is not None and named != platform:
        return None
    if ignored.ignored(rel, False):
        return None
    if ignored.excluded(rel, False):
        return Skipped(rel, "excluded")
    try:
        if entry.is_symlink():
            target = (root / rel).resolve()
            if target != real_root and real_root not in target.parents:
                return Skipped(rel, "outside the repository") if named else None
            mode = os.stat(target).st_mode
        else:
            mode = entry.stat(follow_symlinks=False).st_mode
    except (OSError, RuntimeError) as e:
        return Skipped(rel, "unreadable", getattr(e, "strerror", None) or str(e)) if named else None
    if not stat.S_ISREG(mode):
        return Skipped(rel, "not a regular file") if named else None
    if named is not None:
        if not os.access(root / rel, os.R_OK):
            return Skipped(rel, "unreadable", "Permission denied")
        return named
    try:
        text = read_head(root / rel, max_file_size, [d.sniff for d in (detection.DETECTORS[p] for p in looked)])
    except OSError as e:
        return Skipped(rel, "unreadable", e.strerror or str(e))
    if text is None:
        return Skipped(rel, "not a pipeline") if platform is None and _likely(rel) else None
    chosen = detection.by_content(rel, text, looked)
    if chosen is None and "azure" in looked and detection.azure_template(rel, text):
        return Skipped(rel, "template")
    if chosen is None and platform is None and _likely(rel):
        return Skipped(rel, "not a pipeline")
    return chosen


def _looked_into(rel: str, platform: str | None) -> tuple[str, ...]:
    """The platforms whose pipeline the file ``rel`` may be by its content."""
    if platform is not None:
        detector = detection.DETECTORS[platform]
        return (platform,) if detector.candidate(rel) or detector.possible(rel) else ()
    return tuple(p for p, d in detection.DETECTORS.items() if d.candidate(rel))


def _likely(rel: str) -> bool:
    """Whether a file is named or placed as pipelines are (its content not being one is worth saying)."""
    return detection.azure_candidate(rel) or detection.jenkins_candidate(rel)


def read_head(path: Path, max_file_size: int, sniffs: Sequence[Callable[[str, str], bool]]) -> str | None:
    """The text of the file at ``path`` when its first KiB passes one of ``sniffs``
    (``sniff(path, head) -> bool``), else None. Opened without blocking (a FIFO swapped in
    meanwhile never hangs the run) and read up to ``max_file_size`` bytes."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        head = os.read(fd, detection.HEAD)
        if b"\0" in head:
            return None
        complete = len(head) < detection.HEAD
        shown = head if complete else head[: head.rfind(b"\n") + 1]
        text = shown.decode("utf-8", "replace")
        if not any(sniff(str(path), text) for sniff in sniffs):
            return None
        if complete:
            return text
        rest = bytearray(head)
        while len(rest) <= max_file_size:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            rest += chunk
        return bytes(rest[:max_file_size]).decode("utf-8", "replace")
    finally:
        os.close(fd)

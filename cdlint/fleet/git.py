"""Git sources: fetch the pipeline files into a cache, read them at any commit.

A git source is fetched into a bare partial clone in the cache (one per URL):
commits and trees only, shallow (``--depth 1``, or ``--shallow-since`` for
history), and no file contents until asked for. For each commit to evaluate,
the tree is listed, the pipeline paths are picked (:func:`wanted`), their blobs
are fetched in one request and written into a fresh scratch directory that the
engine analyses. Nothing is ever checked out, and the scratch directory holds
only regular files cdlint wrote itself.

A repository is untrusted: every git command has a deadline, symlinks and
submodules are never written, files over cdlint's size limit are cut at the
limit (cdlint reports them as too large, as on disk), the number and total size
of files per commit are bounded, transport is limited to https, http, ssh, git
and file, received objects are checked (``transfer.fsckObjects``), and hooks and
fsmonitor never run.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cdlint.discovery import SKIP_DIRS
from cdlint.parsers.detection import may_be_pipeline
from cdlint.yamlload import MAX_FILE_SIZE

MAX_FILES = 5000
MAX_TOTAL_BYTES = 64 * 1024 * 1024
MAX_LOG_COMMITS = 10000
SAFE = (
    "protocol.allow=never", "protocol.https.allow=always", "protocol.http.allow=always", "protocol.ssh.allow=always",
    "protocol.git.allow=always", "protocol.file.allow=always", "core.hooksPath=/dev/null", "core.fsmonitor=false",
    "transfer.fsckObjects=true", "core.symlinks=false", "advice.detachedHead=false",
)
_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C", "GIT_PROTOCOL_FROM_USER": "0"}
if "GIT_SSH_COMMAND" not in os.environ and "GIT_SSH" not in os.environ:
    _ENV["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"  # never wait for a password or a host key question
_LOG_HEADER = re.compile(r"^\x01([0-9a-f]{40,64}) (\d+)$")


class GitError(Exception):
    """A git command failed or ran out of time; the message is one line, without machine paths."""


@dataclass(frozen=True)
class Entry:
    path: str
    oid: str


def wanted(path: str) -> bool:
    """Whether a repository path may be read by cdlint: GitHub's ``.github`` folder, and any
    file that may be a pipeline or what one includes by its name or content (YAML, Groovy,
    Jenkinsfiles, scripts without an extension)."""
    parts = path.split("/")
    if any(p in SKIP_DIRS for p in parts[:-1]):
        return False
    return parts[0] == ".github" or may_be_pipeline(path)


class Deadline:
    """The time left for one repository's git commands."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self.seconds = seconds

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise GitError(f"timed out after {self.seconds:g} s")
        return left


def _git(repo: Path | None, config: tuple[str, ...] = ()) -> list[str]:
    command = ["git"]
    for option in (*SAFE, *config):
        command += ["-c", option]
    return command + (["-C", str(repo)] if repo is not None else [])


def run(args: list[str], repo: Path | None, deadline: Deadline, stdin: bytes | None = None,
        config: tuple[str, ...] = ()) -> bytes:
    """Output of ``git ARGS`` (in ``repo``), or GitError with git's last line of complaint."""
    command = _git(repo, config)
    try:
        done = subprocess.run(command + args, input=stdin, capture_output=True, timeout=deadline.left(),
                              env={**os.environ, **_ENV})
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} timed out after {deadline.seconds:g} s") from None
    except OSError as e:
        raise GitError(f"cannot run git: {e.strerror}") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        why = next((line for line in reversed(lines) if line.startswith(("fatal:", "error:"))), lines[-1] if lines else "")
        if repo is not None:
            why = why.replace(str(repo), "<repository>")
        raise GitError(f"git {args[0]} failed: {why.strip()}"[:500])
    return done.stdout


def cache_path(cache: Path, url: str) -> Path:
    return cache / (hashlib.sha256(url.encode()).hexdigest()[:24] + ".git")


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold ``path``'s lock file while the cache repository is written (one fetch at a time)."""
    try:
        import fcntl
    except ImportError:  # Windows: tasks of one URL are never run at once there
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def fetch(url: str, ref: str | None, cache: Path, deadline: Deadline, since: int | None = None) -> tuple[Path, str]:
    """Fetch ``ref`` (default: the remote's HEAD) of ``url`` into the cache; the cache
    repository and the commit fetched. With ``since`` (a Unix time) the history back to
    that time is fetched too (commits and trees only)."""
    repo = cache_path(cache, url)
    if not (repo / "HEAD").exists():
        run(["init", "--quiet", "--bare", str(repo)], None, deadline)
        for key, value in (("core.repositoryformatversion", "1"), ("remote.origin.url", url),
                           ("remote.origin.promisor", "true"), ("remote.origin.partialclonefilter", "blob:none"),
                           ("extensions.partialClone", "origin")):
            run(["config", key, value], repo, deadline)
    base = ["fetch", "--quiet", "--no-tags", "--filter=blob:none", "--no-write-fetch-head"]
    target = f"+{ref or 'HEAD'}:refs/cdlint/fetched"
    if since is not None:
        try:
            run([*base, f"--shallow-since={since}", "origin", target], repo, deadline)
            return repo, resolve(repo, "refs/cdlint/fetched", deadline)
        except GitError as e:
            if "no commits selected" not in str(e):
                raise
    run([*base, "--depth=1", "origin", target], repo, deadline)
    return repo, resolve(repo, "refs/cdlint/fetched", deadline)


def resolve(repo: Path, revision: str, deadline: Deadline) -> str:
    return run(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], repo, deadline).decode().strip()


def prefix(path: Path, deadline: Deadline) -> str:
    """Where the directory ``path`` is in its work tree (``''`` at the top, else ``dir/``)."""
    return run(["rev-parse", "--show-prefix"], path, deadline).decode("utf-8", "surrogateescape").strip()


def commit_time(repo: Path, commit: str, deadline: Deadline) -> int:
    return int(run(["show", "-s", "--format=%ct", commit], repo, deadline).decode().strip())


def changes(repo: Path, tip: str, since: int, deadline: Deadline, prefix: str = "") -> list[tuple[str, int]]:
    """``(commit, committer time)`` of the commits since ``since`` that changed a pipeline
    path (:func:`wanted`) under ``prefix`` (a folder, ``/``-terminated, or the whole tree),
    newest first, at most MAX_LOG_COMMITS of them looked at."""
    out = run(["log", "--no-renames", "--format=%x01%H %ct", "--name-only", "-z", f"--since={since}",
               f"--max-count={MAX_LOG_COMMITS}", tip, "--", f":(top,literal){prefix}" if prefix else "."], repo,
              deadline).decode("utf-8", "replace")
    found: list[tuple[str, int]] = []
    current: tuple[str, int] | None = None
    touched = False
    for token in out.split("\0"):
        token = token.strip("\n")
        header = _LOG_HEADER.match(token)
        if header:
            if current and touched:
                found.append(current)
            current, touched = (header[1], int(header[2])), False
        elif token.startswith(prefix) and not touched and wanted(token[len(prefix):]):
            touched = True
    if current and touched:
        found.append(current)
    return found


def tree(repo: Path, commit: str, deadline: Deadline, prefix: str = "") -> list[Entry]:
    """The pipeline files of ``commit`` under ``prefix`` (paths relative to it): regular files
    only (no symlinks or submodules)."""
    out = run(["ls-tree", "-r", "-z", "--full-tree", commit, *(["--", prefix] if prefix else [])], repo, deadline)
    entries = []
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, raw = record.partition(b"\t")
        mode, kind, oid = meta.decode().split(" ")
        path = raw.decode("utf-8", "surrogateescape")
        if not path.startswith(prefix):
            continue
        path = path[len(prefix):]
        if kind == "blob" and mode in ("100644", "100755") and _safe(path) and wanted(path):
            entries.append(Entry(path, oid))
            if len(entries) >= MAX_FILES:
                break
    return entries


def _safe(path: str) -> bool:
    parts = path.split("/")
    return not path.startswith("/") and all(p not in ("", ".", "..", ".git") for p in parts) and "\\" not in path


def prefetch(repo: Path, oids: Iterable[str], deadline: Deadline) -> None:
    """Fetch the blobs ``oids`` in one request, as git's own lazy fetch does one at a time.
    Only a partial clone (a cache repository) needs it."""
    wanted_oids = sorted(set(oids))
    if not wanted_oids or run(["config", "--default", "false", "--get", "remote.origin.promisor"], repo, deadline).strip() != b"true":
        return
    run(["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--recurse-submodules=no", "--filter=blob:none",
         "--stdin", "origin"], repo, deadline, stdin="".join(f"{oid}\n" for oid in wanted_oids).encode(),
        config=("fetch.negotiationAlgorithm=noop",))


def write(repo: Path, entries: list[Entry], root: Path, deadline: Deadline) -> None:
    """Write the blobs of ``entries`` under the empty directory ``root`` (which cdlint made)."""
    if not entries:
        return
    stdin = "".join(f"{e.oid}\n" for e in entries).encode()
    total = 0
    with subprocess.Popen(_git(repo) + ["cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, env={**os.environ, **_ENV}) as process:
        # Fed from a thread: git answers while it reads, and both pipes are bounded.
        feeder = threading.Thread(target=_feed, args=(process.stdin, stdin), daemon=True)
        feeder.start()
        try:
            assert process.stdout is not None
            for entry in entries:
                header = process.stdout.readline().split()
                if len(header) != 3 or header[1] != b"blob":
                    raise GitError(f"git cat-file: cannot read {entry.path}")
                size = int(header[2])
                keep = min(size, MAX_FILE_SIZE + 1)
                if total + keep > MAX_TOTAL_BYTES:
                    raise GitError(f"pipeline files larger than {MAX_TOTAL_BYTES} bytes in all")
                data = _read(process.stdout, keep)
                _read(process.stdout, size - keep + 1)  # the rest and the newline after it
                total += keep
                deadline.left()
                _create(root, entry.path, data)
        finally:
            process.kill()


def _feed(stream, data: bytes) -> None:
    try:
        stream.write(data)
        stream.close()
    except OSError:  # git stopped early; its output says why
        pass


def _read(stream, size: int) -> bytes:
    chunks = []
    while size > 0:
        chunk = stream.read(min(size, 1 << 20))
        if not chunk:
            raise GitError("git cat-file ended early")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _create(root: Path, path: str, data: bytes) -> None:
    target = root.joinpath(*path.split("/"))
    target.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(target, flags, 0o644)
    except FileExistsError:  # the same path twice on a case-insensitive file system: keep the first
        return
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)

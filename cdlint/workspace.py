"""Reading files under the scanned root, and nothing outside it.

Parsers reach included files, templates, composite actions and reusable
workflows only through a :class:`Workspace`: paths are resolved inside the
root (no ``..`` escapes, no symlinks out), read once, size-limited and
decoded the same way as the pipeline files themselves.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from cdlint import classify
from cdlint.classify import Classifier
from cdlint.errors import ParseError
from cdlint.files import Refused, read_bytes
from cdlint.model import Span
from cdlint.yamlload import MAX_FILE_SIZE, Document, decode, load

MAX_INCLUDE_DEPTH = 20


@dataclass
class Workspace:
    """The scanned root as parsers see it, with the settings that shape parsing."""

    root: Path | None = None
    classifier: Classifier = field(default_factory=lambda: classify.default())
    max_file_size: int = MAX_FILE_SIZE
    max_include_depth: int = MAX_INCLUDE_DEPTH
    # Jobs and steps that parsers copied in from reusable workflows and composite actions,
    # counted against the project's budgets.
    expanded_jobs: int = 0
    expanded_steps: int = 0
    _texts: dict[str, str] = field(default_factory=dict, repr=False)
    _yaml: dict[str, Document] = field(default_factory=dict, repr=False)
    _provided: dict[str, bytes] = field(default_factory=dict, repr=False)

    def normalize(self, path: str, base: str | None = None) -> str | None:
        """``path`` (relative to the directory of ``base``, or to the root when it starts
        with ``/`` or ``base`` is None) as a root-relative ``/``-path, or None if it leaves the root."""
        path = path.replace("\\", "/").strip()
        if path.startswith("/"):
            joined = path.lstrip("/")
        elif base is not None:
            joined = posixpath.join(posixpath.dirname(base), path)
        else:
            joined = path
        normal = posixpath.normpath(joined)
        if normal == ".." or normal.startswith("../") or normal.startswith("/"):
            return None
        return "" if normal == "." else normal

    def provide(self, path: str, data: bytes) -> None:
        """Read ``data`` as the content of the root-relative ``path`` (a file piped to stdin):
        decoded and limited like a file on disk, whether or not one is there."""
        self._provided[path] = data

    def exists(self, path: str) -> bool:
        """Whether something other than a directory is at ``path``: a FIFO or a device is
        there too, and reading it says why it is not read."""
        if path in self._provided:
            return True
        real = self._real(path)
        try:
            return real is not None and real.exists() and not real.is_dir()
        except OSError:  # a name too long, a loop
            return False

    def is_dir(self, path: str) -> bool:
        real = self._real(path)
        try:
            return real is not None and real.is_dir()
        except OSError:
            return False

    def _real(self, path: str) -> Path | None:
        if self.root is None:
            return None
        root = self.root.resolve()
        try:
            real = (root / path).resolve()
        except (OSError, RuntimeError):
            return None
        if real != root and root not in real.parents:
            return None
        return real

    def read_text(self, path: str, span: Span | None = None) -> str:
        """Text of a root-relative file; ParseError (at ``span``) when it is missing,
        outside the root, not a regular file, too big or not text."""
        if path in self._texts:
            return self._texts[path]
        where = span or Span(path, 1, 1)
        if path in self._provided:
            text = decode(self._provided[path], path, self.max_file_size)
            self._texts[path] = text
            return text
        real = self._real(path)
        if real is None:
            raise ParseError(f"'{path}' is outside the scanned directory", where)
        try:
            data = read_bytes(real, self.max_file_size)
        except Refused as e:
            raise ParseError(f"'{path}' {e.reason}", where) from None
        except (FileNotFoundError, NotADirectoryError):
            raise ParseError(f"'{path}' does not exist", where) from None
        except OSError as e:
            raise ParseError(f"cannot read '{path}': {e.strerror}", where) from None
        text = decode(data, path, self.max_file_size)
        self._texts[path] = text
        return text

    def load_yaml(self, path: str, span: Span | None = None) -> Document:
        """The YAML documents of a root-relative file (cached)."""
        if path not in self._yaml:
            self._yaml[path] = load(self.read_text(path, span), path)
        return self._yaml[path]

    @property
    def texts(self) -> dict[str, str]:
        """Every file read so far, by root-relative path."""
        return dict(self._texts)

    def glob(self, pattern: str) -> list[str]:
        """Root-relative files matching a ``/``-glob (``**`` spans directories), sorted."""
        if self.root is None:
            return []
        pattern = pattern.lstrip("/")
        fixed = []
        for part in pattern.split("/"):
            if any(c in part for c in "*?["):
                break
            fixed.append(part)
        start = "/".join(fixed[:-1] if len(fixed) == len(pattern.split("/")) else fixed)
        base = self._real(start) if start else self.root.resolve()
        if base is None or not base.is_dir():
            return []
        root = self.root.resolve()
        found = []
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if d != ".git")
            for name in filenames:
                rel = Path(dirpath, name).relative_to(root).as_posix()
                if _glob_match(rel, pattern):
                    found.append(rel)
        return sorted(found)


def _glob_match(path: str, pattern: str) -> bool:
    if "**" not in pattern:
        return path.count("/") == pattern.count("/") and fnmatch.fnmatchcase(path, pattern)
    return fnmatch.fnmatchcase(path, pattern.replace("**/", "*").replace("/**", "/*")) or fnmatch.fnmatchcase(
        path, pattern.replace("**/", "")
    )

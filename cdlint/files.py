"""Reading files a repository controls: regular files only, without blocking, up to a
size limit, and, when a root is given, only inside it once symlinks are followed.

A FIFO named like a configuration would block a plain ``open`` forever and a device
such as ``/dev/zero`` never ends, so files are opened non-blocking and judged by
``fstat`` of the descriptor that is then read, not by a ``stat`` of the name before.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


class Refused(Exception):
    """A file that is not read, and why (``reason`` reads after the file's name:
    "is not a regular file")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def inside(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> bool:
    """Whether ``path``, symlinks followed, is ``root`` or lies under it."""
    try:
        real, base = Path(path).resolve(), Path(root).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return False
    return real == base or base in real.parents


def read_bytes(path: str | os.PathLike[str], limit: int, root: str | os.PathLike[str] | None = None) -> bytes:
    """The content of the regular file at ``path``, at most ``limit`` bytes. Raises
    :class:`Refused` for a file outside ``root``, one that is not a regular file or one
    larger than ``limit``, and OSError when it cannot be read."""
    if root is not None and not inside(path, root):
        raise Refused("is outside the repository")
    descriptor = os.open(path, _FLAGS)
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise Refused("is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise Refused("is not a regular file")
        if info.st_size > limit:
            raise Refused(f"is larger than the {limit} byte limit")
        chunks, size = [], 0
        while True:
            chunk = os.read(descriptor, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # it grew while being read
                raise Refused(f"is larger than the {limit} byte limit")
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def read_text(path: str | os.PathLike[str], limit: int, root: str | os.PathLike[str] | None = None) -> str:
    """:func:`read_bytes` decoded as UTF-8 (UnicodeDecodeError when it is not)."""
    return read_bytes(path, limit, root).decode("utf-8")

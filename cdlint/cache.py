"""The user's cache directory, where cdlint keeps what is costly to work out again.

A cache is a convenience: one that cannot be read or written only means working it out
again. What it holds is trusted (it can spare a configuration its validation), so it is
read only from a regular file of bounded size, never from a relative directory (a
relative ``XDG_CACHE_HOME`` would put it in whatever repository is checked), and never
from inside the repository being checked.
"""

from __future__ import annotations

import os
from pathlib import Path

from cdlint.files import Refused, inside, read_bytes

MAX_CACHE_FILE = 16 * 1024 * 1024


def cache_dir() -> Path:
    """``$CDLINT_CACHE_DIR``, else ``$XDG_CACHE_HOME/cdlint``, else ``~/.cache/cdlint``;
    relative values are ignored, as the XDG Base Directory specification asks."""
    own = os.environ.get("CDLINT_CACHE_DIR")
    if own and os.path.isabs(own):
        return Path(own)
    base = os.environ.get("XDG_CACHE_HOME")
    if not base or not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cdlint"


def _usable(directory: Path, repository: str | os.PathLike[str] | None) -> bool:
    return os.path.isabs(directory) and (repository is None or not inside(directory, repository))


def read_cache(name: str, limit: int = MAX_CACHE_FILE, repository: str | os.PathLike[str] | None = None) -> str | None:
    """The text of the cache file ``name``, or None when there is none worth reading (not a
    regular file, larger than ``limit``, not UTF-8, or the cache lies inside ``repository``)."""
    directory = cache_dir()
    if not _usable(directory, repository):
        return None
    try:
        return read_bytes(directory / name, limit).decode("utf-8")
    except (OSError, Refused, UnicodeDecodeError):
        return None


def write_cache(name: str, text: str, repository: str | os.PathLike[str] | None = None) -> None:
    """Replace the cache file ``name`` with ``text`` (never writing through a symlink)."""
    directory = cache_dir()
    if not _usable(directory, repository):
        return
    from cdlint.output import write_file

    try:
        directory.mkdir(parents=True, exist_ok=True)
        write_file(directory / name, text)
    except OSError:
        pass

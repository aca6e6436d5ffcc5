"""Writing reports to files: all or nothing, and never through a symlink.

A report is written to a temporary file beside its target and renamed over it,
so a run that fails half-way leaves the previous file (or none), never half a
report. ``os.replace`` replaces a symlink at the target with the file itself
instead of writing to what the link points at, so a link planted in a
repository cannot make cdlint overwrite a file elsewhere.
"""

from __future__ import annotations

import os
import tempfile


def write_file(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` atomically; OSError when it cannot be."""
    target = os.fspath(path)
    directory = os.path.dirname(target) or "."
    descriptor, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        # mkstemp creates the file readable by its owner only; a report gets the usual mode.
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

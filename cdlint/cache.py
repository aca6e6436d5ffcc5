"""The user's cache directory, where cdlint keeps what is costly to work out again."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """``$CDLINT_CACHE_DIR``, else ``$XDG_CACHE_HOME/cdlint``, else ``~/.cache/cdlint``."""
    if os.environ.get("CDLINT_CACHE_DIR"):
        return Path(os.environ["CDLINT_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cdlint"

"""The parser registry: one entry per platform, and discovery of pipeline files.

Each platform has a detector in :mod:`cdlint.parsers.detection`
(``detect(path, text=None) -> bool``: whether a file is a pipeline of the platform,
by path when ``text`` is None, else by path and content; and optionally
``candidate(path) -> bool`` for files whose content has to be read to tell) and a
parser module exposing ``parse(text, path, workspace) -> Pipeline``. Parser modules
are imported only when a file of their platform is met.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from collections.abc import Callable
from types import ModuleType

from cdlint.parsers import detection

PARSERS: dict[str, str] = {
    "github": "cdlint.parsers.github",
    "gitlab": "cdlint.parsers.gitlab",
    "azure": "cdlint.parsers.azure",
    "jenkins": "cdlint.parsers.jenkins",
}

# Directories never searched for pipelines: dependencies, build output, tool caches.
SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", "bower_components", "vendor", "third_party", ".venv", "venv",
     ".tox", ".nox", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", ".terraform"}
)


# platform: (detect, candidate), tried in this order.
DETECTORS: dict[str, tuple[Callable[..., bool], Callable[[str], bool] | None]] = {
    "github": (detection.github, None),
    "gitlab": (detection.gitlab, None),
    "azure": (detection.azure, detection.azure_candidate),
    "jenkins": (detection.jenkins, detection.jenkins_candidate),
}


def parser(platform: str) -> ModuleType:
    return importlib.import_module(PARSERS[platform])


def detect(path: str, text: str | None = None) -> str | None:
    """The platform of a pipeline file, by its path and (when given) its content."""
    for platform, (detects, _) in DETECTORS.items():
        if detects(path, text):
            return platform
    return None


def discover(root: Path) -> list[tuple[str, str]]:
    """``(relative path, platform)`` of the pipeline files under ``root``, sorted."""
    found = []
    root = Path(root)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        for name in sorted(filenames):
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            platform = _platform_of(root, rel)
            if platform:
                found.append((rel, platform))
    return found


def _platform_of(root: Path, rel: str) -> str | None:
    for platform, (detects, needs_content) in DETECTORS.items():
        if detects(rel, None):
            return platform
        if needs_content and needs_content(rel):
            try:
                with open(root / rel, "rb") as handle:
                    head = handle.read(65536).decode("utf-8", "replace")
            except OSError:
                continue
            if detects(rel, head):
                return platform
    return None

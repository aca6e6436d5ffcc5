"""The parser registry: one entry per platform, and discovery of pipeline files.

Each parser module exposes ``detect(path, text=None) -> bool`` (whether a
file is a pipeline of its platform: by path when ``text`` is None, else by
path and content) and ``parse(text, path, workspace) -> Pipeline``. Modules
are imported only when a file of their platform is met.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType

PARSERS: dict[str, str] = {
    "github": "cdlint.parsers.github",
    "gitlab": "cdlint.parsers.gitlab",
    "azure": "cdlint.parsers.azure",
}

# Directories never searched for pipelines: dependencies, build output, tool caches.
SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", "bower_components", "vendor", "third_party", ".venv", "venv",
     ".tox", ".nox", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", ".terraform"}
)


def parser(platform: str) -> ModuleType:
    return importlib.import_module(PARSERS[platform])


def detect(path: str, text: str | None = None) -> str | None:
    """The platform of a pipeline file, by its path and (when given) its content."""
    for platform in PARSERS:
        if parser(platform).detect(path, text):
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
    for platform in PARSERS:
        module = parser(platform)
        if module.detect(rel, None):
            return platform
        needs_content = getattr(module, "candidate", None)
        if needs_content and needs_content(rel):
            try:
                with open(root / rel, "rb") as handle:
                    head = handle.read(65536).decode("utf-8", "replace")
            except OSError:
                continue
            if module.detect(rel, head):
                return platform
    return None

"""The parser registry: one entry per platform, and what makes a file a pipeline of one.

Each platform has a detector in :mod:`cdlint.parsers.detection` (by name, by content)
and a parser module exposing ``parse(text, path, workspace) -> Pipeline``. Parser
modules are imported only when a file of their platform is met. Walking a tree for
pipeline files is :mod:`cdlint.discovery`'s.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from cdlint.parsers import detection

PARSERS: dict[str, str] = {
    "github": "cdlint.parsers.github",
    "gitlab": "cdlint.parsers.gitlab",
    "azure": "cdlint.parsers.azure",
    "jenkins": "cdlint.parsers.jenkins",
}


def parser(platform: str) -> ModuleType:
    return importlib.import_module(PARSERS[platform])


def detect(path: str, text: str | None = None) -> str | None:
    """The platform of a pipeline file, by its name, else (when ``text`` is given) its content."""
    return detection.by_name(path) or (detection.by_content(path, text) if text is not None else None)


def discover(root: Path) -> list[tuple[str, str]]:
    """``(relative path, platform)`` of the pipeline files under ``root``, sorted."""
    from cdlint.discovery import scan

    return list(scan(Path(root)).files)

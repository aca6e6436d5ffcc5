"""Renderers: pure functions from a Report to text. ``--format`` chooses among the keys.

A formatter module is imported when its format is first used, so a run pays
only for the one it prints (the pre-commit path prints text).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from cdlint.report import Report

_MODULES = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "github": "github",
    "codequality": "codequality",
    "junit": "junit",
}


def _renderer(module: str) -> Callable[[Report], str]:
    def render(report: Report) -> str:
        return importlib.import_module(f"cdlint.formatters.{module}").render(report)

    render.__qualname__ = f"{module}.render"
    return render


FORMATTERS: dict[str, Callable[[Report], str]] = {name: _renderer(module) for name, module in _MODULES.items()}

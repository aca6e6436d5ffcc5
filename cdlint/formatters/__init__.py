"""Renderers: pure functions from a Report (and how to render it) to text.
``--format`` chooses among the keys of FORMATTERS.

A formatter module is imported when its format is first used, so a run pays
only for the one it prints (the pre-commit path prints text).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from cdlint.report import Report
from cdlint.values import value


@value
class RenderOptions:
    """How to render: ANSI colour, no summary line (``quiet``), the severity that fails the
    run (JUnit reports only those as failures) and the SARIF category (two runs in one
    repository with different categories do not replace each other's alerts)."""

    color: bool = False
    quiet: bool = False
    fail_on: str = "error"
    category: str = "cdlint"


DEFAULT = RenderOptions()

# format: (module, function)
_RENDERERS = {
    "text": ("text", "render"),
    "concise": ("text", "render_concise"),
    "json": ("json_report", "render"),
    "sarif": ("sarif", "render"),
    "github": ("github", "render"),
    "codequality": ("codequality", "render"),
    "junit": ("junit", "render"),
    "markdown": ("markdown", "render"),
}


def _renderer(module: str, function: str) -> Callable[..., str]:
    def render(report: Report, options: RenderOptions = DEFAULT) -> str:
        return getattr(importlib.import_module(f"cdlint.formatters.{module}"), function)(report, options)

    render.__qualname__ = f"{module}.{function}"
    return render


FORMATTERS: dict[str, Callable[..., str]] = {name: _renderer(*where) for name, where in _RENDERERS.items()}
# The forms of the text report, which colour and --statistics apply to.
TEXT_FORMATS = ("text", "concise")

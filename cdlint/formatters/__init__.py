"""Renderers: pure functions from a Report to text. ``--format`` chooses among the keys."""

from __future__ import annotations

from collections.abc import Callable

from cdlint.report import Report
from cdlint.formatters import json_report, sarif, text

FORMATTERS: dict[str, Callable[[Report], str]] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
}

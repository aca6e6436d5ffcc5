"""The Report every formatter renders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cdlint.finding import Finding
from cdlint.model import Project
from cdlint.rule import Rule


@dataclass(frozen=True)
class Report:
    """The result of a check: sorted findings, the rules that ran, the files read
    (``(path, platform)``), the projects analysed, the text of the files (for
    showing source lines), and how many findings the baseline hid."""

    findings: tuple[Finding, ...]
    rules: tuple[Rule, ...]
    files: tuple[tuple[str, str], ...]
    projects: tuple[Project, ...] = ()
    errors: tuple[str, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    baselined: int = 0

    def source_line(self, path: str, line: int) -> str | None:
        text = self.sources.get(path)
        if text is None:
            return None
        lines = text.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else None

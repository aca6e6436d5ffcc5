"""The Report every formatter renders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cdlint.finding import Finding
from cdlint.model import Project, Span
from cdlint.rule import Rule


@dataclass(frozen=True)
class Suppressed:
    """A finding an ignore comment covers: the finding, the comment's reason and where it is."""

    finding: Finding
    reason: str
    span: Span


@dataclass(frozen=True)
class Report:
    """The result of a check: sorted findings, the rules that ran, the files read
    (``(path, platform)``), the projects analysed, the text of the files (for
    showing source lines), how many findings the baseline hid, and the findings
    ignore comments cover (reported only where a format can mark them suppressed)."""

    findings: tuple[Finding, ...]
    rules: tuple[Rule, ...]
    files: tuple[tuple[str, str], ...]
    projects: tuple[Project, ...] = ()
    errors: tuple[str, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    baselined: int = 0
    suppressed: tuple[Suppressed, ...] = ()

    def source_line(self, path: str, line: int) -> str | None:
        text = self.sources.get(path)
        if text is None:
            return None
        lines = text.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else None

"""The Report every formatter renders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field

from cdlint.discovery import Skipped
from cdlint.finding import Finding
from cdlint.model import Project, Span
from cdlint.rule import Rule
from cdlint.values import value


@value
class Suppressed:
    """A finding an ignore comment covers: the finding, the comment's reason and where it is."""

    finding: Finding
    reason: str
    span: Span


@value
class ScanSummary:
    """What a run looked at besides the pipelines it analysed: how many files it read (the
    pipelines and what they include), what discovery left out and why, the templates read
    through the pipelines that use them (path → those pipelines), the paths given that hold
    no pipeline file, and notes on what a check of single files could not see."""

    read: int = 0
    skipped: tuple[Skipped, ...] = ()
    templates: tuple[tuple[str, tuple[str, ...]], ...] = ()
    empty: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def source_line(sources: Mapping[str, str], split: dict[str, list[str]], path: str, line: int) -> str | None:
    """Line ``line`` (1-based) of the source ``path``; ``split`` keeps each source's lines."""
    lines = split.get(path)
    if lines is None:
        text = sources.get(path)
        if text is None:
            return None
        lines = split[path] = text.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else None


@value
class Report:
    """The result of a check: sorted findings, the rules that ran, the files read
    (``(path, platform)``), the projects analysed, the text of the files (for
    showing source lines), how many findings the baseline hid, and the findings
    ignore comments cover (reported only where a format can mark them suppressed), and what
    the scan read and left out."""

    findings: tuple[Finding, ...]
    rules: tuple[Rule, ...]
    files: tuple[tuple[str, str], ...]
    projects: tuple[Project, ...] = ()
    errors: tuple[str, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    baselined: int = 0
    suppressed: tuple[Suppressed, ...] = ()
    scan: ScanSummary = field(default_factory=ScanSummary)
    # The lines of each source, split once (20,000 findings in one file are printed in
    # a moment, not in the time of 20,000 splits).
    _lines: dict[str, list[str]] = field(default_factory=dict, compare=False, repr=False)

    def source_line(self, path: str, line: int) -> str | None:
        return source_line(self.sources, self._lines, path, line)

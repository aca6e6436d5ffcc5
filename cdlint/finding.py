"""What a rule reports: a finding at a span, with the evidence that proves it."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Literal

from cdlint.model import Hop, Span
from cdlint.values import value

Severity = Literal["error", "warning", "note"]
SEVERITIES = ("error", "warning", "note")


@value(order=True)
class Evidence:
    """One piece of proof: a place in a file and what it shows."""

    span: Span
    note: str


@value
class Finding:
    """A violation at ``span``. Rules fill ``span``, ``message``, ``evidence`` and ``key``
    (the identity of what is flagged, e.g. a stage key, used for fingerprints);
    the engine stamps ``rule``, ``severity`` and ``practice``."""

    span: Span
    message: str
    evidence: tuple[Evidence, ...] = ()
    key: str = ""
    rule: str = ""
    severity: Severity = "error"
    practice: str = ""

    @property
    def sort_key(self) -> tuple:
        s = self.span
        return (s.path, s.line, s.column, self.rule, self.message, self.key)

    @property
    def fingerprint(self) -> str:
        """Stable across unrelated edits: rule, file, the flagged thing and what the evidence
        says, not line numbers."""
        identity = self.key or _NUMBERS.sub("#", self.message)
        notes = "\x1f".join(_NUMBERS.sub("#", e.note) for e in self.evidence)
        raw = "\x1e".join((self.rule, self.span.path, identity, notes))
        return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:32]


_NUMBERS = re.compile(r"(?<=[:\s(])\d+\b")


def distinct_fingerprints(findings: Iterable[Finding]) -> list[str]:
    """Each finding's fingerprint, made unique within the list for formats that key results by
    it (SARIF, GitLab Code Quality): the n-th repeat of a fingerprint (the same reference used
    by several jobs, say) gets the hash of ``fingerprint:n``."""
    seen: dict[str, int] = {}
    unique = []
    for finding in findings:
        fingerprint = finding.fingerprint
        repeat = seen.get(fingerprint, 0)
        seen[fingerprint] = repeat + 1
        unique.append(hashlib.sha256(f"{fingerprint}:{repeat}".encode()).hexdigest()[:32] if repeat else fingerprint)
    return unique


def path_evidence(hops: list[Hop]) -> tuple[Evidence, ...]:
    """Evidence for a graph path: each hop with where it is written, numbered ``a → b → c``."""
    return tuple(Evidence(h.span, f"{'→ ' if i else ''}{h.label}") for i, h in enumerate(hops))


def describe_path(hops: list[Hop]) -> str:
    return " → ".join(h.label for h in hops)

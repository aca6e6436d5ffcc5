"""Baselines: the findings a repository already has, recorded so that only new ones are reported.

A finding is recorded by its fingerprint (rule, file, the identity of what is
flagged and its normalized evidence; no line numbers), so it stays matched when
lines move. The file is version 1 JSON, sorted, one entry per finding, with
the message kept for the reader: a diff of it reads as the findings that came
and went.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from cdlint.errors import ConfigError
from cdlint.files import Refused, read_text
from cdlint.finding import Finding

VERSION = 1
# 200,000 findings of about 300 bytes each.
MAX_BASELINE_SIZE = 64 * 1024 * 1024


def render(findings: Iterable[Finding]) -> str:
    """The baseline file recording ``findings``."""
    entries = sorted(
        ({"path": f.span.path, "rule": f.rule, "fingerprint": f.fingerprint, "message": f.message} for f in findings),
        key=lambda e: (e["path"], e["rule"], e["fingerprint"], e["message"]),
    )
    return json.dumps({"version": VERSION, "tool": "cdlint", "findings": entries}, indent=2, ensure_ascii=False) + "\n"


def load(path: str | Path) -> Counter[str]:
    """How often each fingerprint is recorded in the baseline file at ``path``."""
    try:
        document = json.loads(read_text(path, MAX_BASELINE_SIZE))
    except FileNotFoundError:
        raise ConfigError(f"baseline file '{path}' does not exist (write one with --write-baseline)") from None
    except Refused as e:
        raise ConfigError(f"baseline file '{path}' {e.reason}; not read") from None
    except RecursionError:
        raise ConfigError(f"baseline file '{path}' is nested too deeply to be a cdlint baseline") from None
    except OSError as e:
        raise ConfigError(f"cannot read baseline file '{path}': {e.strerror or e}") from None
    except (UnicodeDecodeError, ValueError) as e:
        raise ConfigError(f"cannot read baseline file '{path}': {e}") from None
    if not isinstance(document, dict) or document.get("version") != VERSION:
        raise ConfigError(f"baseline file '{path}' is not a version {VERSION} cdlint baseline")
    entries = document.get("findings")
    if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries):
        raise ConfigError(f"baseline file '{path}': 'findings' must be a list of entries with a 'fingerprint'")
    return Counter(e["fingerprint"] for e in entries)


def subtract(findings: Iterable[Finding], baseline: Mapping[str, int]) -> tuple[list[Finding], int]:
    """The findings not recorded in ``baseline``, and how many were. A fingerprint recorded
    n times hides n findings, so a second copy of a known problem is still reported."""
    remaining = Counter(baseline)
    kept, hidden = [], 0
    for finding in findings:
        fingerprint = finding.fingerprint
        if remaining[fingerprint] > 0:
            remaining[fingerprint] -= 1
            hidden += 1
        else:
            kept.append(finding)
    return kept, hidden

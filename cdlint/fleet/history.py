"""Which past commits to evaluate: ``--since``, ``--every`` and ``--max-commits``.

The candidates are the commits that changed a pipeline file since a time, newest
first, and the tip. ``--every`` keeps at most one commit per interval (walking
back from the newest kept one), so a busy month costs no more than a quiet one;
``--max-commits`` keeps the newest of what is left. Pure functions of their
arguments (``now`` is passed in).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from cdlint.errors import ConfigError

UNITS = {"d": 86400, "w": 7 * 86400, "m": 30 * 86400, "y": 365 * 86400}
_DURATION = re.compile(r"^(\d{1,4})([dwmy])$")


@dataclass(frozen=True)
class History:
    """Evaluate commits since ``since`` (a Unix time), one per ``every`` seconds at most, the newest ``limit``."""

    since: int
    every: int = 0
    limit: int = 24


def duration(text: str) -> int:
    """Seconds in ``30d``, ``2w``, ``6m`` (30-day months) or ``1y``."""
    match = _DURATION.match(text.strip())
    if not match or int(match[1]) == 0:
        raise ConfigError(f"{text!r} is not a duration such as 30d, 2w, 6m or 1y")
    return int(match[1]) * UNITS[match[2]]


def since(text: str, now: datetime) -> int:
    """A Unix time from a date (``2024-01-31``), a date and time in ISO 8601, or a duration before ``now``."""
    if _DURATION.match(text.strip()):
        return int(now.timestamp()) - duration(text)
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"--since {text!r}: expected a date (2024-01-31) or a duration (1y, 6m, 30d)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())


def select(tip: tuple[str, int], changed: Sequence[tuple[str, int]], history: History) -> list[tuple[str, int]]:
    """The commits to evaluate, newest first: the tip, then the ``changed`` commits (newest
    first) since ``history.since``, thinned to one per ``history.every`` and cut at ``history.limit``."""
    kept = [tip]
    for commit, when in changed:
        if commit == tip[0] or when < history.since:
            continue
        if history.every and kept[-1][1] - when < history.every:
            continue
        kept.append((commit, when))
        if len(kept) >= history.limit:
            break
    return kept

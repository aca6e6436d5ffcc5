"""Regular expressions that users write: environment tiers in the configuration,
``--production-env``, their own signals and the rule options that are patterns.

They are matched with RE2 (the ``google-re2`` package), whose time grows linearly with
the text: with Python's backtracking engine, a pattern such as ``(a+)+$`` takes longer
than a run is worth on a 41-character environment name, and a repository chooses the
names. RE2 takes Python's syntax less lookarounds and backreferences (``(?=…)``,
``(?<!…)``, ``\\1``); a pattern that uses them is a configuration error that says so.
cdlint's own patterns stay with :mod:`re`, tested against adversarial input instead.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from cdlint.safetext import scrub

MISSING = "regular expressions from the configuration or the command line need the google-re2 package (pip install google-re2)"


class UserPattern:
    """A compiled user pattern with the methods cdlint calls on :class:`re.Pattern`
    (``search``, ``match``, ``fullmatch``) and its source as ``pattern``."""

    __slots__ = ("pattern", "flags", "_regex")

    def __init__(self, pattern: str, flags: int, regex: Any) -> None:
        self.pattern = pattern
        self.flags = flags
        self._regex = regex

    def search(self, text: str) -> Any:
        return self._regex.search(scrub(text))

    def match(self, text: str) -> Any:
        return self._regex.match(scrub(text))

    def fullmatch(self, text: str) -> Any:
        return self._regex.fullmatch(scrub(text))


class Alternatives:
    """Patterns tried in turn (cdlint's own, then the user's): the first match wins."""

    __slots__ = ("patterns",)

    def __init__(self, patterns: Sequence[Any]) -> None:
        self.patterns = tuple(patterns)

    def search(self, text: str) -> Any:
        return next((m for p in self.patterns if (m := p.search(text))), None)

    def match(self, text: str) -> Any:
        return next((m for p in self.patterns if (m := p.match(text))), None)

    def fullmatch(self, text: str) -> Any:
        return next((m for p in self.patterns if (m := p.fullmatch(text))), None)


def _re2():
    try:
        import re2
    except ImportError:
        return None
    return re2


def problem(pattern: str) -> str | None:
    """Why ``pattern`` is no regular expression cdlint can match in linear time, or None."""
    try:
        re.compile(pattern)
    except re.error as e:
        return str(e)
    except (RecursionError, OverflowError):
        return "nested too deeply"
    engine = _re2()
    if engine is None:
        return MISSING
    try:
        engine.compile(pattern, _options(engine, 0))
    except Exception as e:  # re2's own error type
        reason = e.args[0].decode("utf-8", "replace") if e.args and isinstance(e.args[0], bytes) else str(e)
        return f"{reason} (lookarounds and backreferences are not supported: they can take exponential time)"
    return None


@functools.lru_cache(maxsize=1024)
def compile(pattern: str, flags: int = 0) -> UserPattern:  # noqa: A001 - as re.compile
    """``pattern`` compiled for linear-time matching; ``flags``: ``re.IGNORECASE`` or 0.
    ValueError with the reason when RE2 cannot take it."""
    reason = problem(pattern)
    if reason is not None:
        raise ValueError(reason)
    engine = _re2()
    return UserPattern(pattern, flags, engine.compile(pattern, _options(engine, flags)))


def _options(engine, flags: int):
    options = engine.Options()
    options.log_errors = False  # RE2 would print its own message on stderr
    options.case_sensitive = not flags & re.IGNORECASE
    return options

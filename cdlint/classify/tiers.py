"""Environment tiers from names: the user's patterns first, then the signals' name table."""

from __future__ import annotations

import re
from collections.abc import Iterable

from cdlint import userregex
from cdlint.classify import text as texts

# From most to least guarded: a stage that may deploy to several environments is as
# guarded as the most guarded of them.
TIER_RANK = {t: i for i, t in enumerate(("production", "staging", "testing", "review", "development", "docs", "other"))}


class Tiers:
    """Environment tier inference: user patterns (tier, regular expression) first, then
    the default name table of the signals."""

    def __init__(self, overrides: Iterable[tuple[str, str]] = ()) -> None:
        """``overrides``: the user's (tier, pattern), matched in linear time (see
        :mod:`cdlint.userregex`); ValueError for a pattern it cannot take."""
        self.overrides = tuple((tier, userregex.compile(p, re.IGNORECASE)) for tier, p in overrides)
        self._table: list[tuple[str, re.Pattern[str]]] | None = None
        self._memo: dict[str, str] = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tiers) and [(t, p.pattern) for t, p in self.overrides] == [
            (t, p.pattern) for t, p in other.overrides
        ]

    def __hash__(self) -> int:
        return hash(tuple((t, p.pattern) for t, p in self.overrides))

    def table(self) -> list[tuple[str, re.Pattern[str]]]:
        if self._table is None:
            from cdlint.classify.signals import shipped

            self._table = shipped().tiers
        return self._table

    def __call__(self, name: str) -> str:
        found = self._memo.get(name)
        if found is None:
            found = self._tier(name)
            if len(self._memo) < 16384:
                self._memo[name] = found
        return found

    def _tier(self, name: str) -> str:
        name = name[: texts.MAX_NAME]
        for tier, pattern in self.overrides:
            if pattern.search(name):
                return tier
        # Identifiers such as Azure job names are camelCase: DeployProd, PreProdWestEurope.
        lowered = texts.hyphenated(texts.written_part(name))
        for tier, pattern in self.table():
            if pattern.search(lowered):
                return tier
        return "other"

    def strictest(self, names: Iterable[str]) -> str:
        """The most guarded tier among environment names (a matrix of environments that
        includes production deploys to production)."""
        return min((self(n) for n in names), key=TIER_RANK.__getitem__, default="other")


DEFAULT_TIERS = Tiers()

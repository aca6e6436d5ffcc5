"""Many regular expressions, matched fast: how a pattern's matches must begin and what
they must contain, read from its parse tree, so that most texts are ruled out by a
dictionary lookup or a substring test before any pattern runs, and a pattern is compiled
only when a text first needs it.

Each pattern carries a payload (the effect of a signal) that matching returns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cached_property
from typing import Any

from cdlint import userregex
from cdlint.values import value

# Beginnings are read up to this many characters, and no more than _MAX_STARTS of them.
_MAX_START = 3
_MAX_STARTS = 64


@value
class Source:
    """A pattern as written, with its payload and what is already known of it (the
    ``analyse`` result, kept in a cache), or None to work it out. ``user``: a pattern of
    the user's, compiled with RE2 (see :mod:`cdlint.userregex`) and never joined with
    cdlint's own into one backtracking regular expression."""

    payload: Any
    pattern: str
    flags: int = 0
    analysis: Mapping[str, Any] | None = None
    user: bool = False

    def known(self) -> Mapping[str, Any]:
        return self.analysis if self.analysis is not None else analyse(self.pattern, self.flags)


@value
class Compiled:
    """A compiled pattern and its payload, with texts one of which is in the lower-cased
    text of anything it matches (None when no such text is known)."""

    payload: Any
    regex: Any  # re.Pattern, or a UserPattern
    needles: tuple[str, ...] | None

    def possible(self, lowered: str) -> bool:
        return self.needles is None or self._contains(lowered) is not None

    @cached_property
    def _contains(self):
        return _finder(self.needles)


def analyse(pattern: str, flags: int = 0) -> dict[str, Any]:
    """What a pattern's matches begin with and contain, as plain data (for a JSON cache):
    ``starts``, lower-case beginnings one of which every match has (None: any), and
    ``needles``, lower-case texts one of which every match contains (None: none known)."""
    starts = starting_texts(pattern, flags)
    needles = needed_text(pattern, flags)
    return {
        "starts": None if starts is None else sorted(starts),
        "needles": None if needles is None else sorted(needles),
    }


def compile_grouped(sources: Iterable[Source], wrap=lambda p: p) -> list[Compiled]:
    """One compiled pattern per payload, flags and engine: the alternation of its patterns,
    each wrapped by ``wrap`` (``^(?:…)`` to anchor them)."""
    groups: dict[tuple[Any, int, bool], list[Source]] = {}
    for source in sources:
        groups.setdefault((source.payload, source.flags, source.user), []).append(source)
    found = []
    for (payload, flags, user), members in groups.items():
        joined = wrap("|".join(f"(?:{s.pattern})" for s in members))
        regex = userregex.compile(joined, flags) if user else re.compile(joined, flags)
        found.append(Compiled(payload, regex, _needles(members)))
    return found


def _needles(members: Sequence[Source]) -> tuple[str, ...] | None:
    """Texts one of which a match of any of ``members`` contains (None: not known)."""
    needles: set[str] = set()
    for source in members:
        needed = source.known()["needles"]
        if needed is None:
            return None
        needles |= set(needed)
    return tuple(sorted(needles))


def _finder(needles: Sequence[str]):
    """A search for any of ``needles`` in one pass, in C: testing them one by one in
    Python cost 3% of checking the whole corpus."""
    return re.compile("|".join(re.escape(n) for n in needles)).search


def _anchored(pattern: str) -> str:
    return "^(?:" + pattern + ")"


class CommandMatcher:
    """Anchored patterns, found by how a text begins and each compiled when a text first
    needs it: a run compiles the patterns of the programs its pipelines use and tries on
    each command only those whose beginning it has (``doc`` for ``docker push``).
    Patterns that can begin with anything (``\\S*gradlew``) are tried on every command,
    behind one pattern that rules most commands out at once."""

    def __init__(self, sources: Sequence[Source]) -> None:
        self._sources: list[Source] = []
        self._compiled: list[Compiled | None] = []
        self._by_start: dict[str, list[int]] = {}
        anywhere: dict[tuple[Any, int], list[Source]] = {}
        # The user's patterns that can begin anywhere: each tried on its own, in linear time.
        self._user_anywhere: list[Source] = []
        self._user_compiled: list[Compiled] | None = None
        for source in sources:
            starts = source.known()["starts"]
            if starts is None and source.user:
                self._user_anywhere.append(source)
                continue
            if starts is None:
                anywhere.setdefault((source.payload, source.flags), []).append(source)
                continue
            for start in starts:
                self._by_start.setdefault(start, []).append(len(self._sources))
            self._sources.append(source)
            self._compiled.append(None)
        self._lengths = sorted({len(start) for start in self._by_start})
        # The patterns that can begin anywhere, one alternation per payload (as
        # compile_grouped makes them), each with the texts one of which its matches contain.
        self._anywhere: list[tuple[Callable[[str], Any] | None, list[Source]]] = [
            (None if needles is None else _finder(needles), members)
            for needles, members in ((_needles(m), m) for m in anywhere.values())
        ]
        self._anywhere_compiled: list[Compiled | None] = [None] * len(self._anywhere)

    def _one(self, index: int) -> Compiled:
        compiled = self._compiled[index]
        if compiled is None:
            compiled = self._compiled[index] = compile_grouped([self._sources[index]], _anchored)[0]
        return compiled

    def _anywhere_payloads(self, text: str) -> list[Any]:
        # A pattern whose needed texts a command lacks cannot match it, and is neither
        # compiled nor tried (most commands hold none of them).
        found = []
        lowered = text.lower()
        for index, (contains, members) in enumerate(self._anywhere):
            if contains is not None and contains(lowered) is None:
                continue
            compiled = self._anywhere_compiled[index]
            if compiled is None:
                compiled = self._anywhere_compiled[index] = compile_grouped(members, _anchored)[0]
            if compiled.regex.match(text):
                found.append(compiled.payload)
        return found

    def payloads(self, text: str) -> list[Any]:
        """The payloads of the patterns that match at the start of ``text``."""
        if not text:
            return []
        found = self._anywhere_payloads(text)
        if self._user_anywhere:
            if self._user_compiled is None:
                self._user_compiled = compile_grouped(self._user_anywhere, _anchored)
            found += [c.payload for c in self._user_compiled if c.regex.match(text)]
        head = text[:_MAX_START].lower()
        candidates = [i for length in self._lengths for i in self._by_start.get(head[:length], ())]
        for index in sorted(set(candidates)) if len(self._lengths) > 1 else candidates:
            compiled = self._one(index)
            if compiled.regex.match(text):
                found.append(compiled.payload)
        return found


def _parse(pattern: str, flags: int):
    from re import _parser  # the parser the re module compiles with

    return _parser.parse(pattern, flags)


def starting_texts(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Lower-case texts of up to three characters one of which begins every match of
    ``pattern`` (``{"pod", "bui"}`` for ``(?:podman|buildah) build``), or None when a
    match can begin with anything."""
    try:
        states = _starts(list(_parse(pattern, flags)), _MAX_START)
    except Exception:  # anything the parser does not take: no shortcut for this pattern
        return None
    found = {text.lower() for text, _ in states}
    return None if "" in found or len(found) > _MAX_STARTS else frozenset(found)


def _starts(items: list, limit: int) -> list[tuple[str, bool]]:
    """(beginning, whether a match can be exactly that) for each way a parsed sequence
    can begin, cut at ``limit`` characters; ("", False) stands for any beginning."""
    states = [("", True)]
    for item in items:
        following: list[tuple[str, bool]] = []
        for text, complete in states:
            if not complete or len(text) >= limit:
                following.append((text[:limit], False))
                continue
            for more, ends in _item_starts(item, limit - len(text)):
                following.append((text + more, ends))
        states = list(dict.fromkeys(following))
        if len(states) > _MAX_STARTS:
            return [("", False)]
    return states


def _item_starts(item, limit: int) -> list[tuple[str, bool]]:
    from re import _constants as c

    op, value = item
    if op is c.LITERAL:
        return [(chr(value), True)]
    if op is c.IN and len(value) <= _MAX_STARTS and all(kind is c.LITERAL for kind, _ in value):
        return [(chr(arg), True) for _, arg in value]
    if op is c.SUBPATTERN:
        return _starts(list(value[-1]), limit)
    if op is c.BRANCH:
        return [state for alternative in value[1] for state in _starts(list(alternative), limit)]
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        once = [(text, False) for text, _ in _starts(list(value[2]), limit)]
        return [("", True), *once] if value[0] == 0 else once
    if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
        return [("", True)]  # zero-width
    return [("", False)]


def needed_text(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Lower-case texts one of which is in the lower-cased text of any match of
    ``pattern`` (``{"mvn"}`` for ``(?:\\S*/)?mvnw?\\b.*``), or None when none is known."""
    try:
        needed = _needed(list(_parse(pattern, flags)))
    except Exception:  # as in starting_texts
        return None
    if not needed or min(len(n) for n in needed) < 2:
        return None
    return frozenset(needed)


def _needed(items: list) -> set[str] | None:
    """Of a parsed sequence: the best set of texts one of which every match contains."""
    from re import _constants as c

    candidates: list[set[str]] = []
    run = ""
    for op, value in items:
        if op is c.LITERAL:
            run += chr(value).lower()
            continue
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue  # zero-width: the literals around it are adjacent
        if run:
            candidates.append({run})
            run = ""
        if op is c.SUBPATTERN:
            sub = _needed(list(value[-1]))
        elif op is c.BRANCH:
            alternatives = [_needed(list(a)) for a in value[1]]
            sub = None if any(not a for a in alternatives) else set().union(*alternatives)
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and value[0] >= 1:
            sub = _needed(list(value[2]))
        else:
            sub = None
        if sub:
            candidates.append(sub)
    if run:
        candidates.append({run})
    return max(candidates, key=lambda found: min(len(n) for n in found), default=None)

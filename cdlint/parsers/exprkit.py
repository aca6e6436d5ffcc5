"""What the platforms' condition readers share: tokenizing into a small recursive-descent
parser, and the algebra of the refs and events a condition limits a stage to.

GitHub (``ghexpr``), GitLab (``glexpr``) and Azure (``azexpr``) write conditions
differently, but each reading ends in the same question: which git refs and which
trigger kinds can run this? :class:`Limits` answers it for ``and``/``or``; ``None``
means "not limited" (or not readable, which is the safe reading for rules).
"""

from __future__ import annotations

import re

from cdlint.model import intersect
from cdlint.values import value


class Unreadable(Exception):
    """An expression the reader does not understand; callers fall back to 'unrestricted'."""


class TokenParser:
    """Tokens from one regular expression with named groups, and the peek/take of a
    recursive-descent parser over them. Subclasses write the grammar."""

    error: type[Exception] = Unreadable

    def __init__(self, token: re.Pattern[str], source: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(source):
            m = token.match(source, pos)
            if not m or m.end() == pos:
                if source[pos:].strip() == "":
                    break
                raise self.error(source[pos:])
            pos = m.end()
            if m.lastgroup:
                self.tokens.append((m.lastgroup, m[m.lastgroup]))
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise self.error(f"expected {value!r}" if value else "unexpected end")
        self.i += 1
        return tok

    def done(self, node):
        """``node`` if every token was read."""
        if self.peek() is not None:
            raise self.error("trailing tokens")
        return node

    def binary(self, operator: str, tag: str, operand):
        """``operand (operator operand)*`` as left-nested ``(tag, left, right)`` nodes."""
        node = operand()
        while self.peek() == ("op", operator):
            self.take()
            node = (tag, node, operand())
        return node


class LogicParser(TokenParser):
    """Conditions joined with ``||`` and ``&&`` (GitHub, GitLab): subclasses read
    what stands between them in ``conjunct``."""

    def parse(self):
        return self.done(self.or_())

    def or_(self):
        return self.binary("||", "or", self.and_)

    def and_(self):
        return self.binary("&&", "and", self.conjunct)

    def conjunct(self):
        raise NotImplementedError


def union(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """What either limit allows (not limited when either is not)."""
    if a is None or b is None:
        return None
    return a | b


@value
class Limits:
    """The refs and trigger kinds a condition allows, and the kinds it rules out."""

    refs: frozenset[str] | None = None
    events: frozenset[str] | None = None
    excl: frozenset[str] = frozenset()

    def both(self, other: Limits) -> Limits:
        return Limits(
            intersect(self.refs, other.refs, True), intersect(self.events, other.events), self.excl | other.excl
        )

    def either(self, other: Limits) -> Limits:
        return Limits(union(self.refs, other.refs), union(self.events, other.events), self.excl & other.excl)

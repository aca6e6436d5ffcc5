"""Every regular expression cdlint ships runs in time linear in its text (issue 15): each
signal pattern and each module-level pattern of cdlint and its rules meets 100 KB texts
made to make a backtracking engine go quadratic or worse (long runs of one character
class, separators that patterns split on, the pattern's own words over and over) and
must finish each within a bound far above linear time and far below quadratic.

A pattern over a text of 100 KB that backtracks quadratically takes tens of seconds; a
linear one takes milliseconds. The bound is checked on the clock with an interval timer,
which interrupts the regular expression engine.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import signal
import time
from re import _constants as c
from re import _parser

import pytest

import cdlint
import cdlint.rules
from cdlint.classify.signals import _MACRO, shipped

SIZE = 100_000
BOUND = 0.5  # seconds for one pattern on one text
pytestmark = [pytest.mark.slow, pytest.mark.hostile]

# Texts that have made patterns backtrack: runs of one class, and separators repeated.
GENERIC = ["a", "a:", "a-", "a/", "a.", "a ", "a\t", "a=", "a,", "-", "--", " ", "/", ".", ":", "$", "${{a", "${a",
           "$(a", "'", '"', "\\", "a\n", "\n", "aB", "A", "0", "to-", "deploy ", "deploy-", "deploy to ", "@", "a@"]


def _words(pattern: str, flags: int) -> set[str]:
    """The literal words a pattern is written with (``docker``, ``push``)."""
    found: set[str] = set()

    def walk(items) -> None:
        run = ""
        for op, value in items:
            if op is c.LITERAL:
                run += chr(value)
                continue
            if len(run) > 1:
                found.add(run)
            run = ""
            if op is c.SUBPATTERN:
                walk(value[-1])
            elif op is c.BRANCH:
                for alternative in value[1]:
                    walk(alternative)
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
                walk(value[2])
            elif op in (c.ASSERT, c.ASSERT_NOT):
                walk(value[1])
        if len(run) > 1:
            found.add(run)

    walk(_parser.parse(pattern, flags))
    return {w for w in found if w.strip()}


def texts_for(pattern: str, flags: int) -> list[str]:
    """Runs of one unit (``a:a:a:…``, ``mvn/mvn/…``), and one of the pattern's words before
    a long run (``${{`` and 100,000 spaces), each ending in a character no pattern wants."""
    words = sorted(_words(pattern, flags), key=lambda w: (-len(w), w))[:8]
    units = GENERIC + [f"{w}{sep}" for w in words for sep in (" ", "-", "_", "/", ":", "", "=")]
    texts = [(unit * (SIZE // len(unit) + 1))[:SIZE] + "!" for unit in units]
    texts += [w + filler * SIZE + "!" for w in words for filler in (" ", "a", "-", "/", "\n")]
    return texts


def shipped_patterns() -> list[tuple[str, str, int, str]]:
    """``(where, pattern, flags, how)`` of every signal pattern, as the classifier compiles
    it: commands are matched at the start of a command, the rest searched."""
    signals = shipped()
    found = []
    for index, entry in enumerate(signals.entries):
        flags = re.IGNORECASE if "i" in entry.get("flags", "") else 0
        for key in ("command", "script", "reference", "per_change", "branch_variable", "build_variable", "text"):
            if key in entry:
                how = "match" if key == "command" and not entry.get("refines") else "search"
                found.append((f"signal {index} {key}", signals.expand(entry[key]), flags, how))
        if "names" in entry:
            found.append((f"signal {index} names", rf"(?<![a-z0-9])(?:{entry['names']})(?![a-z])", 0, "search"))
        for name, value in (entry.get("inputs") or {}).items():
            found.append((f"signal {index} inputs.{name}", value, 0, "search"))
    for name, value in signals.macros.items():  # parts of commands, matched at their start
        found.append((f"macro {name}", value, 0, "match"))
    return found


def module_patterns() -> list[tuple[str, str, int, str]]:
    found = []
    for package in (cdlint, cdlint.rules):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if info.name.startswith("cdlint.fleet") or info.name == "cdlint.__main__":  # git output; the entry point
                continue
            module = importlib.import_module(info.name)
            for name, value in vars(module).items():
                if isinstance(value, re.Pattern) and isinstance(value.pattern, str) and not _MACRO.fullmatch(value.pattern):
                    found.append((f"{info.name}.{name}", value.pattern, value.flags, "search"))
    return found


# Module patterns only ever matched at one position (tokenizers, a program at the start of
# a command): tested as they are used.
MATCHED = {"cdlint.parsers.azexpr._TOKEN", "cdlint.parsers.ghexpr._TOKEN", "cdlint.parsers.glexpr._TOKEN",
           "cdlint.classify.deliveries._MVN"}
PATTERNS = shipped_patterns() + [(w, p, f, "match" if w in MATCHED else how) for w, p, f, how in module_patterns()]


class _Slow(Exception):
    pass


def _alarm(signum, frame):
    raise _Slow


@pytest.mark.parametrize("where,pattern,flags,how", PATTERNS, ids=[p[0] for p in PATTERNS])
def test_pattern_is_linear(where: str, pattern: str, flags: int, how: str) -> None:
    compiled = re.compile(pattern, flags)
    run = compiled.match if how == "match" else compiled.search
    previous = signal.signal(signal.SIGALRM, _alarm)
    slow = []
    try:
        for text in texts_for(pattern, flags):
            started = time.perf_counter()
            signal.setitimer(signal.ITIMER_REAL, BOUND * 4)
            try:
                run(text)
                elapsed = time.perf_counter() - started
            except _Slow:
                elapsed = float("inf")
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            if elapsed > BOUND:
                slow.append(f"{text[:12]!r}… ({elapsed:.2f} s)")
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert not slow, f"{where}: {pattern!r} backtracks on " + ", ".join(slow)

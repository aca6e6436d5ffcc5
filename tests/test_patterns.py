"""The shortcuts of pattern matching never change a result: a text a pattern matches
begins with one of the beginnings the pattern can have, and contains one of the texts
it needs."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdlint import classify
from cdlint.classify.patterns import CommandMatcher, Source, needed_text, starting_texts
from cdlint.classify.signals import examples, shipped_documents

SIGNALS = classify.default().signals
PATTERNS = [
    (SIGNALS.expand(e[key]), re.IGNORECASE if "i" in e.get("flags", "") else 0)
    for e in SIGNALS.entries
    for key in ("command", "script")
    if key in e
]
TEXTS = sorted({
    str(value)
    for example in examples(shipped_documents())
    for value in ([example.value] if isinstance(example.value, str) else [])
})


@pytest.mark.parametrize(
    ("pattern", "starts", "needles"),
    [
        (r"docker\s+push", {"doc"}, {"docker"}),
        (r"(?:buildah|podman)\s+(?:bud|build)\b", {"bui", "pod"}, {"buildah", "podman"}),
        (r"(?:/kaniko/)?executor\b", {"/ka", "exe"}, {"executor"}),
        (r"(?:python[\d.]*\s+-m\s+|py\s+-m\s+)?pip", {"pyt", "py", "pip"}, {"pip"}),
        (r"go\s+test", {"go"}, {"test"}),
        (r"(?:\S*[/\\])?mvnw?(?:\.cmd)?\b.*\bdeploy\b", None, {"deploy"}),
        (r"(?i)NPM", {"npm"}, {"npm"}),
        (r"(?:localhost|127\.0\.0\.1):\d+/", {"loc", "127"}, {"localhost", "127.0.0.1"}),
        (r"a*", None, None),
        (r"[^x]y", None, None),
        (r"x|yz", {"x", "yz"}, None),  # "x" is too short to look for
    ],
)
def test_how_a_pattern_begins_and_what_it_needs(pattern: str, starts: set | None, needles: set | None) -> None:
    assert starting_texts(pattern) == (None if starts is None else frozenset(starts))
    assert needed_text(pattern) == (None if needles is None else frozenset(needles))


def _agrees(pattern: str, flags: int, text: str) -> None:
    match = re.compile(pattern, flags).search(text)
    if match is None:
        return
    starts = starting_texts(pattern, flags)
    needles = needed_text(pattern, flags)
    if starts is not None and re.match(pattern, text, flags):
        assert any(text.lower().startswith(s) for s in starts), (pattern, text)
    if needles is not None:
        assert any(n in text.lower() for n in needles), (pattern, text)


@pytest.mark.parametrize(("pattern", "flags"), PATTERNS, ids=[p[:40] for p, _ in PATTERNS])
def test_shipped_patterns_agree_with_their_shortcuts_on_every_example(pattern: str, flags: int) -> None:
    for text in TEXTS:
        _agrees(pattern, flags, text)


@given(st.sampled_from(PATTERNS), st.sampled_from(TEXTS), st.text(max_size=8), st.text(max_size=8))
def test_shortcuts_hold_around_any_text(pattern_flags, text: str, before: str, after: str) -> None:
    pattern, flags = pattern_flags
    _agrees(pattern, flags, before + text + after)
    _agrees(pattern, flags, (before + text + after).upper())


def test_the_matcher_finds_what_trying_every_pattern_finds() -> None:
    sources = [Source(i, p, f) for i, (p, f) in enumerate(PATTERNS)]
    matcher = CommandMatcher(sources)
    for text in TEXTS:
        expected = sorted(i for i, (p, f) in enumerate(PATTERNS) if re.match(f"^(?:{p})", text, f))
        assert sorted(matcher.payloads(text)) == expected, text

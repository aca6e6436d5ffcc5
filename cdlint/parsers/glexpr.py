"""GitLab CI conditions (``rules:if``, ``only``/``except``), read for which pipelines they admit.

A condition is read once per kind of pipeline (:data:`KINDS`: the trigger
kinds of the model a GitLab pipeline source maps to). Under each kind it
yields two sets of git ref patterns: ``may``, the refs for which it can be
true (an over-approximation), and ``must``, the refs for which it is
certainly true (an under-approximation). ``rules:`` are first-match, so both
are needed: a rule admits what it *may* match among the refs no earlier rule
*must* have taken.

Refs are patterns as in :class:`cdlint.model.Condition`: ``refs/heads/main``,
``refs/heads/release/*``, ``refs/tags/*``, ``refs/heads/$default`` for the
default branch, and ``refs/pull/*`` for merge request pipelines. Variables
cdlint cannot know (project variables, ``$CI_PROJECT_PATH`` …) may be
anything, so a condition on them limits nothing; an expression that cannot
be read at all is read the same way.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from cdlint.parsers.exprkit import LogicParser, Unreadable

KINDS = ("push", "tag", "pull_request", "schedule", "manual", "api", "upstream")
HEADS, TAGS, PULLS = "refs/heads/*", "refs/tags/*", "refs/pull/*"

# The refs a pipeline of each kind can run for: a branch push, a tag push, a
# merge request; schedules, "Run pipeline", API and upstream runs pick a branch or a tag.
UNIVERSE: dict[str, frozenset[str]] = {
    "push": frozenset({HEADS}),
    "tag": frozenset({TAGS}),
    "pull_request": frozenset({PULLS}),
    "schedule": frozenset({HEADS, TAGS}),
    "manual": frozenset({HEADS, TAGS}),
    "api": frozenset({HEADS, TAGS}),
    "upstream": frozenset({HEADS, TAGS}),
}

# $CI_PIPELINE_SOURCE values → trigger kinds. A tag push has source "push" too.
SOURCES: dict[str, tuple[str, ...]] = {
    "push": ("push", "tag"),
    "merge_request_event": ("pull_request",),
    "external_pull_request_event": ("pull_request",),
    "schedule": ("schedule",),
    "web": ("manual",),
    "api": ("api",),
    "trigger": ("api",),
    "chat": ("api",),
    "webide": ("api",),
    "ondemand_dast_scan": ("api",),
    "ondemand_dast_validation": ("api",),
    "security_orchestration_policy": ("api",),
    "pipeline": ("upstream",),
    "parent_pipeline": ("upstream",),
}

# Ref keywords of ``only``/``except`` that name pipeline sources.
ONLY_SOURCES: dict[str, tuple[str, ...]] = {
    "merge_requests": ("pull_request",),
    "external_pull_requests": ("pull_request",),
    "schedules": ("schedule",),
    "web": ("manual",),
    "api": ("api",),
    "triggers": ("api",),
    "chat": ("api",),
    "pipelines": ("upstream",),
    "pushes": ("push", "tag"),
    "external": (),
}

# Variables that hold the pipeline's ref name, and the ref namespaces they name.
_REF_VARS = {
    "CI_COMMIT_BRANCH": ("refs/heads/",),
    "CI_COMMIT_TAG": ("refs/tags/",),
    "CI_COMMIT_REF_NAME": ("refs/heads/", "refs/tags/"),
    "CI_COMMIT_REF_SLUG": ("refs/heads/", "refs/tags/"),
    "CI_BUILD_REF_NAME": ("refs/heads/", "refs/tags/"),
    "CI_BUILD_TAG": ("refs/tags/",),
}
# Variables set exactly in merge request pipelines.
_MR_VARS = re.compile(r"CI_MERGE_REQUEST_\w+|CI_EXTERNAL_PULL_REQUEST_\w+")
_MR_ALWAYS_SET = {"CI_MERGE_REQUEST_IID", "CI_MERGE_REQUEST_ID", "CI_MERGE_REQUEST_PROJECT_ID",
                  "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
                  "CI_EXTERNAL_PULL_REQUEST_IID"}

EMPTY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Reading:
    """What a condition says, per pipeline kind: ``may`` and ``must`` ref sets, and the
    kinds it names explicitly (``$CI_PIPELINE_SOURCE == "schedule"``, ``only: [web]``)."""

    may: dict[str, frozenset[str]]
    must: dict[str, frozenset[str]]
    mentions: frozenset[str] = frozenset()
    readable: bool = True

    @staticmethod
    def always(mentions: frozenset[str] = frozenset()) -> Reading:
        return Reading(dict(UNIVERSE), dict(UNIVERSE), mentions)

    @staticmethod
    def unknown(mentions: frozenset[str] = frozenset(), readable: bool = True) -> Reading:
        return Reading(dict(UNIVERSE), {k: EMPTY for k in KINDS}, mentions, readable)

    @staticmethod
    def never() -> Reading:
        return Reading({k: EMPTY for k in KINDS}, {k: EMPTY for k in KINDS})

    def both(self, other: Reading) -> Reading:
        """Both conditions hold (``&&``, or ``if`` with ``changes``)."""
        return Reading(
            {k: meet(self.may[k], other.may[k]) for k in KINDS},
            {k: meet(self.must[k], other.must[k], exact=True) for k in KINDS},
            self.mentions | other.mentions,
            self.readable and other.readable,
        )

    def either(self, other: Reading) -> Reading:
        return Reading(
            {k: tidy(self.may[k] | other.may[k]) for k in KINDS},
            {k: tidy(self.must[k] | other.must[k]) for k in KINDS},
            self.mentions | other.mentions,
            self.readable and other.readable,
        )

    def negate(self) -> Reading:
        return Reading(
            {k: minus(UNIVERSE[k], self.must[k]) for k in KINDS},
            {k: minus(UNIVERSE[k], self.may[k], exact=True) for k in KINDS},
            self.mentions,
            self.readable,
        )


# --- ref pattern sets -----------------------------------------------------------


def covers(general: str, specific: str) -> bool:
    """Whether every ref matching ``specific`` matches ``general``."""
    return general == specific or fnmatch.fnmatchcase(specific, general)


@lru_cache(maxsize=65536)
def overlap(a: str, b: str) -> bool:
    """Whether some ref may match both patterns (the default branch may be any branch)."""
    if covers(a, b) or covers(b, a):
        return True
    for space in ("refs/heads/", "refs/tags/"):
        if a.startswith(space) and b.startswith(space):
            x, y = a[len(space):], b[len(space):]
            if "$default" in (x, y):
                return True
            return "*" in x and "*" in y
    return False


@lru_cache(maxsize=65536)
def tidy(refs: frozenset[str]) -> frozenset[str]:
    """Drop patterns another pattern of the set already covers."""
    return frozenset(r for r in refs if not any(o != r and covers(o, r) for o in refs))


@lru_cache(maxsize=65536)
def meet(a: frozenset[str], b: frozenset[str], exact: bool = False) -> frozenset[str]:
    """Refs in both sets: exact (only what both certainly share) or possible."""
    found = set()
    for x in a:
        for y in b:
            if covers(y, x):
                found.add(x)
            elif covers(x, y):
                found.add(y)
            elif not exact and overlap(x, y):
                found.add(x if "$default" not in x else y)
    return tidy(frozenset(found))


@lru_cache(maxsize=65536)
def minus(a: frozenset[str], b: frozenset[str], exact: bool = False) -> frozenset[str]:
    """Refs of ``a`` not in ``b``: patterns of ``a`` that ``b`` covers are dropped; with
    ``exact``, also those ``b`` may overlap (so the result is certainly outside ``b``)."""
    if exact:
        return frozenset(x for x in a if not any(overlap(x, y) for y in b))
    return frozenset(x for x in a if not any(covers(y, x) for y in b))


# --- expressions ----------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<var>\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)"
    r"|(?P<str>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')"
    r"|(?P<re>/(?:[^/\\]|\\.)*/[a-z]*)"
    r"|(?P<op>==|!=|=~|!~|&&|\|\||[()!])"
    r"|(?P<word>null|true|false|[A-Za-z0-9_.-]+))"
)


def read(expr: object, known: Mapping[str, str | None] | None = None) -> Reading:
    """Read a ``rules:if`` expression. ``known`` holds the variables whose value the file
    fixes (None: known to be unset); any other variable may hold anything."""
    if expr is None:
        return Reading.always()
    source = str(expr).strip()
    if not source:
        return Reading.always()
    parsed = _parse(source)
    if parsed is None:
        return Reading.unknown(_mentions_by_text(source), readable=False)
    known = known or {}
    # Jobs share their rules (templates, !reference): read each expression once per
    # value of the variables it uses.
    return _read(source, tuple((n, known[n]) for n in parsed[1] if n in known))


@lru_cache(maxsize=4096)
def _parse(source: str):
    """The expression's tree and the variables it names, or None when it cannot be read."""
    try:
        tree = _Parser(source).parse()
    except (Unreadable, RecursionError):
        return None
    names = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if node[0] == "var":
            names.append(node[1])
        else:
            stack.extend(c for c in node[1:] if isinstance(c, tuple))
    return tree, tuple(sorted(set(names)))


@lru_cache(maxsize=16384)
def _read(source: str, known: tuple[tuple[str, str | None], ...]) -> Reading:
    tree = _parse(source)[0]
    try:
        return _eval(_fill(tree, dict(known)))
    except (Unreadable, RecursionError, re.error):
        return Reading.unknown(_mentions_by_text(source), readable=False)


def _mentions_by_text(source: str) -> frozenset[str]:
    found = set()
    for value in re.findall(r"CI_PIPELINE_SOURCE\s*==\s*[\"']([a-z_]+)[\"']", source):
        found.update(SOURCES.get(value, ()))
    if _MR_VARS.search(source):
        found.add("pull_request")
    return frozenset(found)


class _Parser(LogicParser):
    def __init__(self, source: str) -> None:
        super().__init__(_TOKEN, source)

    def conjunct(self):
        if self.peek() == ("op", "!"):
            self.take()
            return ("not", self.conjunct())
        if self.peek() == ("op", "("):
            self.take()
            node = self.or_()
            self.take(")")
            return node
        left = self.operand()
        tok = self.peek()
        if tok and tok[1] in ("==", "!=", "=~", "!~"):
            self.take()
            return ("cmp", tok[1], left, self.operand())
        return ("truthy", left)

    def operand(self):
        kind, value = self.take()
        if kind == "var":
            return ("var", value.strip("${}"))
        if kind == "str":
            return ("lit", re.sub(r"\\(.)", r"\1", value[1:-1]))
        if kind == "re":
            return ("re", value)
        if kind == "word":
            return ("null",) if value == "null" else ("lit", value)
        raise Unreadable(value)


def _fill(node, known: Mapping[str, str | None]):
    """The tree with known variables replaced by their values."""
    if node[0] == "var":
        if node[1] in known and node[1] not in _REF_VARS and node[1] != "CI_PIPELINE_SOURCE":
            value = known[node[1]]
            return ("null",) if value is None else ("lit", value)
        return node
    if node[0] in ("lit", "re", "null"):
        return node
    return tuple(_fill(child, known) if isinstance(child, tuple) else child for child in node)


def _eval(node) -> Reading:
    op = node[0]
    if op == "and":
        return _eval(node[1]).both(_eval(node[2]))
    if op == "or":
        return _eval(node[1]).either(_eval(node[2]))
    if op == "not":
        return _eval(node[1]).negate()
    if op == "truthy":
        return _truthy(node[1])
    return _compare(node[1], node[2], node[3])


def _per_kind(fn) -> Reading:
    """A reading from ``fn(kind) -> (may, must)``."""
    may, must = {}, {}
    for k in KINDS:
        may[k], must[k] = fn(k)
    return Reading(may, must)


def _portion(namespaces: tuple[str, ...], kind: str) -> frozenset[str]:
    """The part of ``kind``'s refs under ``namespaces`` (where a ref variable is set)."""
    return frozenset(r for r in UNIVERSE[kind] if any(r.startswith(ns) for ns in namespaces))


def _truthy(operand) -> Reading:
    if operand[0] != "var":
        value = operand[1] if operand[0] == "lit" else ""
        return Reading.always() if operand[0] == "re" or value else Reading.never()
    name = operand[1]
    if name in _REF_VARS:
        spaces = _REF_VARS[name]
        mentions = frozenset({"tag"}) if spaces == ("refs/tags/",) else frozenset()

        def fn(k):
            if k == "pull_request":
                # Merge request pipelines run for the source branch: CI_COMMIT_REF_NAME is
                # set, CI_COMMIT_BRANCH and CI_COMMIT_TAG are not.
                full = UNIVERSE[k] if "refs/heads/" in spaces and len(spaces) > 1 else EMPTY
                return full, full
            part = _portion(spaces, k)
            return part, part

        return _with_mentions(_per_kind(fn), mentions)
    if _MR_VARS.fullmatch(name):
        certain = name in _MR_ALWAYS_SET
        return _with_mentions(
            _per_kind(lambda k: (UNIVERSE[k], UNIVERSE[k] if certain else EMPTY) if k == "pull_request" else (EMPTY, EMPTY)),
            frozenset({"pull_request"}),
        )
    if name == "CI_PIPELINE_SOURCE":
        return Reading.always()
    return Reading.unknown()


def _with_mentions(reading: Reading, mentions: frozenset[str]) -> Reading:
    return Reading(reading.may, reading.must, reading.mentions | mentions, reading.readable)


def _compare(cmp: str, left, right) -> Reading:
    if left[0] != "var" and right[0] == "var":
        left, right = right, left
    if cmp in ("!=", "!~"):
        return _compare("==" if cmp == "!=" else "=~", left, right).negate()
    if left[0] != "var":
        if left[0] in ("lit", "null") and right[0] in ("lit", "null"):
            return Reading.always() if left == right else Reading.never()
        if left[0] == "lit" and right[0] == "re" and cmp == "=~":
            return Reading.always() if _regex(right[1]).search(left[1]) else Reading.never()
        if left[0] == "null" and right[0] == "re":
            return Reading.never()
        return Reading.unknown()
    name = left[1]
    if name == "CI_PIPELINE_SOURCE":
        return _source(cmp, right)
    if name in _REF_VARS:
        return _ref_compare(name, cmp, right)
    if _MR_VARS.fullmatch(name):
        mentions = frozenset({"pull_request"})
        if right[0] == "null":
            return _with_mentions(_truthy(left).negate(), mentions)
        return _with_mentions(_per_kind(lambda k: (UNIVERSE[k], EMPTY) if k == "pull_request" else (EMPTY, EMPTY)), mentions)
    if name == "CI_DEFAULT_BRANCH" and right[0] == "var" and right[1] in _REF_VARS:
        return _ref_compare(right[1], cmp, ("var", "CI_DEFAULT_BRANCH"))
    return Reading.unknown()


def _source(cmp: str, right) -> Reading:
    if right[0] == "lit":
        kinds = set(SOURCES.get(right[1], ()))
    elif right[0] == "re" and cmp == "=~":
        pattern = _regex(right[1])
        kinds = {k for source, ks in SOURCES.items() if pattern.search(source) for k in ks}
    elif right[0] == "null":
        kinds = set()
    else:
        return Reading.unknown()
    reading = _per_kind(lambda k: (UNIVERSE[k], UNIVERSE[k]) if k in kinds else (EMPTY, EMPTY))
    return _with_mentions(reading, frozenset(kinds))


def _ref_compare(name: str, cmp: str, right) -> Reading:
    spaces = _REF_VARS[name]
    if right[0] == "null":
        return _truthy(("var", name)).negate()
    if right[0] == "var" and right[1] == "CI_DEFAULT_BRANCH" and cmp == "==":
        names, exact = ["$default"], True
        spaces = tuple(s for s in spaces if s == "refs/heads/")
    elif right[0] == "lit" and cmp == "==":
        names, exact = [right[1]], True
        if len(spaces) > 1:
            # CI_COMMIT_REF_NAME == "main" is written for the branch.
            spaces = ("refs/heads/",)
    elif right[0] == "re" and cmp == "=~":
        names, exact = regex_globs(right[1])
    else:
        return Reading.unknown()
    mentions = frozenset({"tag"}) if spaces == ("refs/tags/",) else frozenset()

    def fn(k):
        if k == "pull_request":
            # CI_COMMIT_REF_NAME holds a merge request's source branch; comparing it with a
            # branch name is written to pick branch pipelines, so it is read as such.
            return EMPTY, EMPTY
        found = frozenset(
            space + n for space in spaces for n in names if any(r.startswith(space) for r in UNIVERSE[k])
        )
        return tidy(found), tidy(found) if exact else EMPTY

    return _with_mentions(_per_kind(fn), mentions)


def _regex(literal: str) -> re.Pattern[str]:
    body, _, flags = literal[1:].rpartition("/")
    return re.compile(body, re.IGNORECASE if "i" in flags else 0)


_PLAIN = re.compile(r"\\[^A-Za-z0-9*?\[\]]|[^\\.^$*+?()\[\]{}|]")


def regex_globs(literal: str) -> tuple[list[str], bool]:
    """Globs that cover what a ``/regex/`` matches, and whether they match exactly that.

    ``/^release\\/.*$/`` is ``release/*`` exactly; ``/^(main|master)$/`` is two
    names; ``/^v\\d+/`` becomes ``v*``, which matches more than the regex. GitLab
    regexes are unanchored unless they say otherwise.
    """
    body, _, flags = literal[1:].rpartition("/")
    if "i" in flags:
        return ["*"], False
    start = "" if body.startswith("^") else "*"
    body = body.removeprefix("^")
    end = ""
    if body.endswith("$") and not body.endswith("\\$"):
        body = body[:-1]
    else:
        end = "*"
    alternatives, i = [""], 0
    while i < len(body):
        if body.startswith(".*", i) or body.startswith(".+", i):
            alternatives = [a + ("*" if body[i + 1] == "*" else "?*") for a in alternatives]
            i += 2
        elif body[i] == "." and not body.startswith((".?", ".{"), i):
            alternatives = [a + "?" for a in alternatives]
            i += 1
        elif body[i] == "(" and (close := body.find(")", i)) > 0 and _plain_choices(body[i + 1 : close]):
            choices = _plain_choices(body[i + 1 : close])
            alternatives = [a + c for a in alternatives for c in choices]
            i = close + 1
        elif (m := _PLAIN.match(body, i)) and not body.startswith(("?", "*", "+", "{"), m.end()):
            alternatives = [a + m[0][-1] for a in alternatives]
            i = m.end()
        else:
            return [start + a + "*" for a in alternatives], False
    return [start + a + end for a in alternatives], True


def _plain_choices(group: str) -> list[str]:
    """``a|b`` of a regex group as literal strings, or [] when it is more than that."""
    parts = group.removeprefix("?:").split("|")
    found = []
    for part in parts:
        pieces = _PLAIN.findall(part)
        if "".join(pieces) != part:
            return []
        found.append("".join(p[-1] for p in pieces))
    return found


# --- only / except ----------------------------------------------------------------


def read_only_refs(entries: list[str]) -> Reading:
    """What a list of ``only``/``except`` refs admits (their union)."""
    result = Reading.never()
    for entry in entries:
        result = result.either(_only_entry(entry))
    return result


def _only_entry(entry: str) -> Reading:
    entry = entry.strip()
    if entry == "branches":
        return _per_kind(lambda k: (_portion(("refs/heads/",), k),) * 2 if k != "pull_request" else (EMPTY, EMPTY))
    if entry == "tags":
        return _with_mentions(_per_kind(lambda k: (_portion(("refs/tags/",), k),) * 2), frozenset({"tag"}))
    if entry in ONLY_SOURCES:
        kinds = ONLY_SOURCES[entry]
        return _with_mentions(
            _per_kind(lambda k: (UNIVERSE[k], UNIVERSE[k]) if k in kinds else (EMPTY, EMPTY)), frozenset(kinds)
        )
    name, at, _project = entry.partition("@")
    spaces: tuple[str, ...] = ("refs/heads/",)
    if name.startswith("/") and name.rstrip("imsx").endswith("/") and len(name) > 1:
        try:
            re.compile(name[1:].rpartition("/")[0])
        except re.error:
            return Reading.unknown()
        # A regex may be written for branches or for tags (`/^v\d+/`).
        names, exact = regex_globs(name)
        spaces = ("refs/heads/", "refs/tags/")
    else:
        # A plain name matches a branch or a tag of that name; it is written for a branch.
        names, exact = [name], True
    exact = exact and not at

    def fn(k):
        if k == "pull_request":
            return EMPTY, EMPTY
        found = tidy(frozenset(
            space + n for space in spaces for n in names if any(r.startswith(space) for r in UNIVERSE[k])
        ))
        return found, found if exact else EMPTY

    return _per_kind(fn)

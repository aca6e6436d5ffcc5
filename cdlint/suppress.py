"""Inline suppressions: ``# cdlint: ignore[rule-id, other-id] reason`` (``//`` in Jenkinsfiles).

One regular expression runs over the raw lines of every file the Workspace
read, so the comment works the same on every platform and in included files,
without the parsers knowing about it. A comment after code covers its own
line; a comment alone on its line covers the next line that holds code (other
comment lines in between are skipped, so ignores can be stacked). An
ignore covers the findings that point at that line. ``until=YYYY-MM-DD``
makes it expire.

The engine runs this step after the rules, which is also where the
``unused-ignore`` and ``invalid-ignore`` findings come from: only here is it
known which ignores matched a finding.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from cdlint.finding import Finding
from cdlint.model import Span

UNUSED = "unused-ignore"
INVALID = "invalid-ignore"
META = frozenset({UNUSED, INVALID})

# A comment marker at the start of a line or after whitespace (YAML needs the space;
# so a "#" inside a word or URL is not a comment), then "cdlint: ignore".
IGNORE = re.compile(r"(?:^|(?<=\s))(?:#|//)\s*cdlint\s*:\s*ignore\b(?:\[(?P<ids>[^\]]*)\])?(?P<rest>.*)$")
_UNTIL = re.compile(r"(?:^|\s)until=(?P<date>\S*)")
_COMMENT_ONLY = re.compile(r"^\s*(?:#|//)")


@dataclass(frozen=True)
class Ignore:
    """One ignore comment: where it is, the line it covers (None when no line follows),
    the rule ids it names, its reason, and its expiry date (``until`` as written)."""

    span: Span
    target: int | None
    rules: tuple[str, ...]
    reason: str
    until: str | None = None
    subject: str = ""

    @property
    def expiry(self) -> date | None:
        """The date of ``until``; None when there is none or it is not a date."""
        if self.until is None or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", self.until):
            return None
        try:
            return date.fromisoformat(self.until)
        except ValueError:
            return None

    def active(self, today: date) -> bool:
        """Whether it suppresses findings: it names rules and has not expired."""
        if not self.rules:
            return False
        if self.until is None:
            return True
        expiry = self.expiry
        return expiry is not None and today <= expiry


def scan(path: str, text: str) -> list[Ignore]:
    """The ignore comments of one file."""
    if "cdlint" not in text:
        return []
    lines = text.splitlines()
    found = []
    code_after: list[int | None] | None = None
    for number, line in enumerate(lines, start=1):
        match = IGNORE.search(line)
        if match is None:
            continue
        target: int | None = number
        if not line[: match.start()].strip():
            if code_after is None:
                code_after = _code_after(lines)
            target = code_after[number]
        ids = match["ids"]
        rules = tuple(dict.fromkeys(r.strip() for r in ids.split(",") if r.strip())) if ids is not None else ()
        rest = match["rest"]
        until = _UNTIL.search(rest)
        if until:
            rest = rest[: until.start()] + " " + rest[until.end():]
        reason = rest.strip().lstrip(":-–—").strip()
        span = Span(path, number, match.start() + 1, number, len(line.rstrip()) + 1)
        subject = lines[target - 1].strip() if target else ""
        found.append(Ignore(span, target, rules, reason, until["date"] if until else None, subject))
    return found


def _code_after(lines: list[str]) -> list[int | None]:
    """For each line number, the number of the next line that holds code (None at the end),
    worked out in one pass from the end: 10,000 stacked comments are not searched 10,000 times."""
    found: list[int | None] = [None] * (len(lines) + 1)
    following = None
    for number in range(len(lines), 0, -1):
        found[number] = following
        line = lines[number - 1]
        if line.strip() and not _COMMENT_ONLY.match(line):
            following = number
    return found


def scan_all(texts: Mapping[str, str]) -> list[Ignore]:
    """The ignore comments of every file, in path order."""
    return [ignore for path in sorted(texts) for ignore in scan(path, texts[path])]


def apply(
    findings: Iterable[Finding],
    ignores: Iterable[Ignore],
    ran: Collection[str],
    known: Collection[str],
    today: date,
    require_reason: bool = False,
) -> tuple[list[Finding], list[tuple[Finding, Ignore]], list[Finding]]:
    """The findings no active ignore covers, the findings an ignore covers (each with the
    first ignore that does), and the ``unused-ignore`` / ``invalid-ignore`` findings about
    the ignores (rule ids set, severity left to the engine).

    ``ran`` are the rules whose findings were given: an ignore of another rule cannot be
    judged unused. ``known`` are all rule ids, to tell a typo from a disabled rule.
    """
    ignores = list(ignores)
    covering: dict[tuple[str, int], list[Ignore]] = {}
    for ignore in ignores:
        if ignore.target is not None and ignore.active(today):
            covering.setdefault((ignore.span.path, ignore.target), []).append(ignore)
    used: dict[Ignore, set[str]] = {}
    kept, suppressed = [], []
    for finding in findings:
        hits = [i for i in covering.get((finding.span.path, finding.span.line), ()) if finding.rule in i.rules]
        for ignore in hits:
            used.setdefault(ignore, set()).add(finding.rule)
        if hits:
            suppressed.append((finding, hits[0]))
        else:
            kept.append(finding)
    meta = []
    for ignore in ignores:
        for rule_id, message, kind in _problems(ignore, used.get(ignore, set()), ran, known, today, require_reason):
            # Naming unused-ignore or invalid-ignore in the comment itself accepts that finding.
            if rule_id not in ignore.rules:
                key = f"{'|'.join(ignore.rules)}#{kind}#{ignore.subject}"
                meta.append(Finding(ignore.span, message, key=key, rule=rule_id))
    return kept, suppressed, meta


def _problems(
    ignore: Ignore, used: set[str], ran: Collection[str], known: Collection[str], today: date, require_reason: bool
) -> Iterable[tuple[str, str, str]]:
    """``(rule id, message, kind)`` of what is wrong with one ignore comment."""
    if not ignore.rules:
        yield INVALID, "ignore comment names no rule: write 'cdlint: ignore[rule-id] reason'", "no-rule"
        return
    for rule_id in ignore.rules:
        if rule_id not in known:
            import difflib

            close = difflib.get_close_matches(rule_id, sorted(known), n=3, cutoff=0.6)
            hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
            yield INVALID, f"ignore names unknown rule '{rule_id}'{hint}", f"unknown:{rule_id}"
    names = ", ".join(f"'{r}'" for r in ignore.rules if r not in META)
    if ignore.until is not None:
        expiry = ignore.expiry
        if expiry is None:
            yield INVALID, f"ignore has an invalid date 'until={ignore.until}' (write until=YYYY-MM-DD), so it suppresses nothing", "bad-date"
            return
        if today > expiry:
            yield INVALID, f"ignore of {names} expired on {expiry.isoformat()}, so what it covers is reported again", "expired"
            return
    if require_reason and not ignore.reason:
        yield INVALID, f"ignore of {names} gives no reason: say why the finding is accepted", "no-reason"
    unused = [r for r in ignore.rules if r in ran and r not in META and r not in used]
    if unused:
        listed = ", ".join(f"'{r}'" for r in unused)
        where = "" if ignore.target is not None else " (no line follows it)"
        yield UNUSED, f"ignore of {listed} suppressed nothing{where}", "unused:" + ",".join(unused)

"""Signals: what commands, actions, tasks, library steps, job keywords, names and
environment names say about the work, read from data.

The shipped signals are the YAML files in ``cdlint/signals`` (one per kind of
matcher, described at the top of each), validated by
``schemas/signals.schema.json``; users add their own under ``signals:`` in the
configuration, validated by the same schema. Every entry carries ``examples`` and
``counterexamples`` that the tests (and, for the user's entries, the
configuration loader) run through classification.

An entry matches one thing, named by its key:

- ``command``: a regular expression matched at the start of one simple command of a
  shell script (wrappers such as ``sudo``, ``npx``, ``poetry run``, ``VAR=x``
  stripped); ``refines: test`` applies it only to commands already tagged ``test:…``
  (``pytest tests/integration`` is an integration test).
- ``script``: a regular expression searched anywhere in a script; ``in_calls: true``
  searches the arguments of actions, tasks and library steps too.
- ``action`` (GitHub), ``task`` (Azure Pipelines, without ``@N``), ``step`` (a
  Jenkins step or shared-library step): what is called, with optional conditions on
  its ``inputs`` (input → regular expression; a missing input reads as ""), for a task
  the values of its ``command`` input (``subcommand``; "" when it is absent), the inputs that hold shell commands
  (``scripts``) and inputs read as a command line (``arguments``: input → template).
- ``keyword``: what the platform says of a job by its keywords (GitLab ``pages``,
  ``artifacts:reports:junit`` as ``report:junit``, a Jenkins agent in a pod).
- ``name``: a word of a stage or step name; names are weak evidence.
- ``reference``: a template or include cdlint does not read, by its name.

What it means: ``tags`` (``kind`` or ``kind:detail``), and for a step that puts
something in front of users ``delivers`` (``deploy``, ``publish`` or ``docs``) and its
``target``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from cdlint import userregex
from cdlint.classify.patterns import CommandMatcher, Compiled, Source, analyse, compile_grouped
from cdlint.userregex import Alternatives
from cdlint.values import value

FILES = (
    "commands", "scripts", "actions", "tasks", "jenkins", "keywords", "names", "references", "environments", "deliveries",
    "channels",
)
MATCHERS = ("command", "script", "action", "task", "step", "keyword", "name", "reference")
# Inputs of any action, task or library step that hold shell commands by their name
# (``nick-fields/retry``'s ``command``, ``addnab/docker-run-action``'s ``run``). Other
# inputs are arguments or free text (prompts, messages, bodies): no evidence of work.
SCRIPT_INPUTS = frozenset({"run", "script", "scripts", "command", "commands", "cmd", "shell-command", "inlinescript", "inline"})
_MACRO = re.compile(r"\{([a-z_]+)\}")
# The key that marks the user's entries (from the configuration): their patterns are
# matched with RE2 (see cdlint.userregex), cdlint's own with re.
USER = "_user"


def compile_pattern(entry: Mapping[str, Any], pattern: str, flags: int = 0):
    """``pattern`` of ``entry`` compiled: with RE2 for the user's entries, else with re."""
    return userregex.compile(pattern, flags) if entry.get(USER) else re.compile(pattern, flags)


@value
class Effect:
    """What a matching signal means: tags, and what the step delivers and to where."""

    tags: frozenset[str]
    delivers: str | None = None
    target: str | None = None


@value
class Call:
    """A signal for a called action, task or library step."""

    effect: Effect
    inputs: tuple[tuple[str, re.Pattern[str]], ...] = ()
    command: frozenset[str] | None = None
    scripts: tuple[str, ...] = ()
    arguments: tuple[tuple[str, str], ...] = ()

    def applies(self, inputs: Mapping[str, str]) -> bool:
        if self.command is not None and inputs.get("command", inputs.get("action", "")).lower() not in self.command:
            return False
        return all(pattern.search(inputs.get(key, "") or "") for key, pattern in self.inputs)


@value
class Channel:
    """A sign that a delivery goes to a prerelease channel: ``text`` searched in what
    the delivering step runs, or ``word`` among the words of the stage's, pipeline's,
    environment's or pushed tag's names (``pipelines``: also of its pipeline's name and
    file). ``withheld``: nothing reaches users yet (a draft release). ``always``: it holds
    also where the environment is declared as production (a private feed)."""

    why: str
    text: re.Pattern[str] | None = None
    words: frozenset[str] = frozenset()
    withheld: bool = False
    pipelines: bool = True
    always: bool = False


def tag_set(value: str | Sequence[str]) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset(value.split())
    return frozenset(value)


def _effect(entry: Mapping[str, Any]) -> Effect:
    return Effect(tag_set(entry.get("tags", "")), entry.get("delivers"), entry.get("target"))


class Signals:
    """The compiled signals: the shipped ones, then the user's (``extra``)."""

    def __init__(self, entries: Sequence[Mapping[str, Any]], macros: Mapping[str, str] | None = None) -> None:
        self.entries = tuple(entries)
        self.macros = dict(macros or {})

    def expand(self, pattern: str) -> str:
        return _MACRO.sub(lambda m: self.macros.get(m[1], m[0]), pattern)

    def with_entries(self, extra: Sequence[Mapping[str, Any]]) -> Signals:
        """These signals and the user's ``extra``, whose patterns are matched in linear time."""
        return Signals([*self.entries, *({**e, USER: True} for e in extra)], self.macros) if extra else self

    def _compile(self, entry: Mapping[str, Any], pattern: str, flags: int = 0):
        return compile_pattern(entry, pattern, flags)

    def _of(self, key: str) -> list[Mapping[str, Any]]:
        return [e for e in self.entries if key in e]

    @cached_property
    def commands(self) -> CommandMatcher:
        """The command patterns, anchored, found by the first character of a command."""
        return CommandMatcher([self._source(e, "command") for e in self._of("command") if not e.get("refines")])

    @cached_property
    def refinements(self) -> list[tuple[str, Effect, re.Pattern[str]]]:
        found = []
        for entry in self._of("command"):
            if entry.get("refines"):
                flags = re.IGNORECASE if "i" in entry.get("flags", "") else 0
                found.append((entry["refines"], _effect(entry), self._compile(entry, self.expand(entry["command"]), flags)))
        return found

    @cached_property
    def script_patterns(self) -> list[Compiled]:
        return compile_grouped(self._source(e, "script") for e in self._of("script"))

    @cached_property
    def argument_patterns(self) -> list[Compiled]:
        return compile_grouped(self._source(e, "script") for e in self._of("script") if e.get("in_calls"))

    def _source(self, entry: Mapping[str, Any], key: str) -> Source:
        flags = re.IGNORECASE if "i" in entry.get("flags", "") else 0
        return Source(_effect(entry), self.expand(entry[key]), flags, entry.get(_ANALYSIS), bool(entry.get(USER)))

    def _calls(self, key: str) -> dict[str, list[Call]]:
        found: dict[str, list[Call]] = {}
        for entry in self._of(key):
            command = entry.get("subcommand")
            call = Call(
                _effect(entry),
                tuple((k.lower(), self._compile(entry, v)) for k, v in (entry.get("inputs") or {}).items()),
                None if command is None else frozenset(c.lower() for c in ([command] if isinstance(command, str) else command)),
                tuple(s.lower() for s in entry.get("scripts", ())),
                tuple((k.lower(), v) for k, v in (entry.get("arguments") or {}).items()),
            )
            found.setdefault(entry[key].lower().rstrip("/"), []).append(call)
        return found

    @cached_property
    def actions(self) -> dict[str, list[Call]]:
        return self._calls("action")

    @cached_property
    def tasks(self) -> dict[str, list[Call]]:
        return self._calls("task")

    @cached_property
    def steps(self) -> dict[str, list[Call]]:
        return self._calls("step")

    @cached_property
    def keywords(self) -> dict[str, Effect]:
        return {e["keyword"]: _effect(e) for e in self._of("keyword")}

    @cached_property
    def names(self) -> dict[str, Effect]:
        return {e["name"].lower(): _effect(e) for e in self._of("name")}

    @cached_property
    def references(self) -> list[tuple[Effect, re.Pattern[str]]]:
        return [(_effect(e), self._compile(e, e["reference"], re.IGNORECASE)) for e in self._of("reference")]

    @cached_property
    def tiers(self) -> list[tuple[str, re.Pattern[str]]]:
        """Environment tiers by name, in the order written: the first that matches wins."""
        found = []
        for e in self._of("tier"):
            if e.get(USER):
                # The same bounds without lookarounds, which RE2 has not.
                found.append((e["tier"], self._compile(e, rf"(?:^|[^a-z0-9])(?:{e['names']})(?:[^a-z]|$)")))
            else:
                found.append((e["tier"], re.compile(rf"(?<![a-z0-9])(?:{e['names']})(?![a-z])")))
        return found

    def _pattern(self, key: str, flags: int = 0):
        """The patterns of every ``key`` entry as one: cdlint's in one regular expression,
        the user's in another, matched in linear time."""
        own = [e[key] for e in self._of(key) if not e.get(USER)]
        users = [e[key] for e in self._of(key) if e.get(USER)]
        shipped = re.compile("|".join(f"(?:{p})" for p in own) or r"(?!)", flags)
        if not users:
            return shipped
        return Alternatives([shipped, userregex.compile("|".join(f"(?:{p})" for p in users), flags)])

    @cached_property
    def per_change(self) -> re.Pattern[str]:
        """Variables that make a name per branch, merge request or pull request."""
        return self._pattern("per_change", re.IGNORECASE)

    @cached_property
    def branch_variables(self) -> re.Pattern[str]:
        """Variables that hold a branch name (never a tag or a commit)."""
        return self._pattern("branch_variable")

    @cached_property
    def build_variables(self) -> re.Pattern[str]:
        """Variables that name one build (a commit, a run number)."""
        return self._pattern("build_variable")

    @cached_property
    def mutable_tags(self) -> frozenset[str]:
        """Image tags that name a moving target rather than one build."""
        return frozenset(t for e in self._of("mutable_tags") for t in e["mutable_tags"].split())

    @cached_property
    def delivery_kinds(self) -> dict[str, str]:
        """Tag or tag kind → what a step with it delivers (deploy, publish or docs)."""
        return {e["delivery"]: e["delivers"] for e in self._of("delivery")}

    def delivers(self, tag: str) -> str | None:
        kinds = self.delivery_kinds
        return kinds.get(tag) or kinds.get(tag.partition(":")[0])

    @cached_property
    def targets(self) -> list[tuple[str, re.Pattern[str]]]:
        """Where a delivering step goes, by what it runs: the first match wins."""
        return [(e["target"], self._compile(e, e["text"], re.IGNORECASE)) for e in self._of("target") if "text" in e]

    @cached_property
    def channels(self) -> list[Channel]:
        found = []
        for entry in self._of("channel"):
            text = entry.get("text")
            found.append(
                Channel(entry["channel"], self._compile(entry, text) if text else None, frozenset(entry.get("words", "").split()),
                        bool(entry.get("withheld")), entry.get("pipelines", True), bool(entry.get("always")))
            )
        return found

    @cached_property
    def channel_words(self) -> dict[str, Channel]:
        return {w: c for c in self.channels for w in c.words}


_CACHE = "signals-v4"


def _data_dir() -> Path:
    # The package is installed as files (importlib.resources would cost 4 ms of imports).
    return Path(__file__).resolve().parent.parent / "signals"


def _read_shipped() -> tuple[list[dict], dict[str, str]]:
    from cdlint.yamlload import load

    entries: list[dict] = []
    macros: dict[str, str] = {}
    for name in FILES:
        resource = _data_dir().joinpath(f"{name}.yaml")
        document = load(resource.read_text(encoding="utf-8"), f"cdlint/signals/{name}.yaml").value or {}
        macros.update(document.get("macros") or {})
        for entry in document.get("signals") or []:
            entries.append({k: _plain(v) for k, v in entry.items() if k not in ("examples", "counterexamples")})
    return entries, macros


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for name in FILES:
        digest.update(_data_dir().joinpath(f"{name}.yaml").read_bytes())
    return digest.hexdigest()


_shipped: Signals | None = None
# The key under which the cache keeps what is known of an entry's pattern.
_ANALYSIS = "_analysis"


def shipped() -> Signals:
    """The signals shipped with cdlint. Reading the YAML costs about 20 ms, so what it
    holds is kept in the user's cache directory by a hash of the files and reused."""
    global _shipped
    if _shipped is None:
        from cdlint.cache import read_cache, write_cache

        fingerprint = _fingerprint()
        # One file per content: installations with different signals (two versions in
        # pre-commit and in CI, say) would otherwise overwrite each other's on every run.
        name = f"{_CACHE}-{fingerprint[:16]}.json"
        data = None
        try:
            cached = json.loads(read_cache(name) or "{}")
            if cached.get("fingerprint") == fingerprint and isinstance(cached.get("entries"), list) \
                    and all(isinstance(e, dict) for e in cached["entries"]) and isinstance(cached.get("macros"), dict):
                data = cached
        except (ValueError, AttributeError, RecursionError):
            pass
        if data is None:
            entries, macros = _read_shipped()
            # Where each pattern can start and what its matches contain, worked out once with
            # the cache (reading 300 regular expressions costs about 10 ms a run).
            for entry in entries:
                key = "command" if "command" in entry and not entry.get("refines") else "script" if "script" in entry else None
                if key is not None:
                    expanded = _MACRO.sub(lambda m: macros.get(m[1], m[0]), entry[key])
                    entry[_ANALYSIS] = analyse(expanded, re.IGNORECASE if "i" in entry.get("flags", "") else 0)
            data = {"fingerprint": fingerprint, "entries": entries, "macros": macros}
            write_cache(name, json.dumps(data))
        _shipped = Signals(data["entries"], data["macros"])
    return _shipped


@value
class Example:
    """One example or counterexample of an entry, for the tests and the configuration loader."""

    entry: Mapping[str, Any]
    value: Any
    positive: bool
    where: str = ""


def examples(documents: Iterable[tuple[str, Mapping[str, Any]]]) -> list[Example]:
    """The examples and counterexamples of every entry of ``documents`` (name, document)."""
    found = []
    for where, document in documents:
        for index, entry in enumerate(document.get("signals") or []):
            clean = {k: v for k, v in entry.items() if k not in ("examples", "counterexamples")}
            for value in entry.get("examples") or []:
                found.append(Example(clean, value, True, f"{where}[{index}]"))
            for value in entry.get("counterexamples") or []:
                found.append(Example(clean, value, False, f"{where}[{index}]"))
    return found


def shipped_documents() -> list[tuple[str, dict]]:
    """The shipped signal files as loaded, with their examples (for the tests)."""
    from cdlint.yamlload import load

    found = []
    for name in FILES:
        path = f"cdlint/signals/{name}.yaml"
        found.append((path, _plain(load(_data_dir().joinpath(f"{name}.yaml").read_text(encoding="utf-8"), path).value)))
    return found


@dataclass
class Found:
    """Signals found in one piece of text, with the text each matched."""

    matches: list[tuple[Effect, str]] = field(default_factory=list)

    @property
    def tags(self) -> frozenset[str]:
        return frozenset(t for effect, _ in self.matches for t in effect.tags)

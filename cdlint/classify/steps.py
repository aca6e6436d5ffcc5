"""What one step does: its tags and their evidence, from the signals."""

from __future__ import annotations

import re
from collections.abc import Mapping

from cdlint.classify import text as texts
from cdlint.classify.signals import SCRIPT_INPUTS, Call, Effect, Signals
from cdlint.model import KINDS, Signal, Step

# Inputs of Azure tasks that hold shell commands or the path of a script to run.
TASK_SCRIPT_INPUTS = frozenset({
    "script", "inlinescript", "inline", "commands", "filepath", "scriptpath", "arguments", "goals", "tasks",
    "custom", "customcommand", "options",
})
# Arguments of a Jenkins shared-library step that hold Maven goals (``buildPlugin(goals:
# 'clean verify sonar:sonar')``): read as a Maven command line.
_GOAL_INPUTS = frozenset({"goals", "mavengoals", "maven_goals", "mvngoals"})


# Shell idioms that swallow the failure of the command before them, and `set +e`,
# which swallows every later failure unless the script reads the exit status.
_SWALLOW = re.compile(r"\|\|\s*(?:true\b|:(?=\s|$)|exit\s+0\b|echo\b)|;\s*exit\s+0\s*$", re.MULTILINE)
_SET_E_OFF = re.compile(r"\bset\s+\+e\b")
_STATUS_READ = re.compile(r"\$\{?\?|PIPESTATUS|\$LASTEXITCODE|\bset\s+-e\b")
_COMMAND_START = re.compile(r"&&|\|\||;|\bthen\b|\bdo\b|\belse\b|\n")


def kinds(tags) -> frozenset[str]:
    """The stage kinds among ``tags`` (the part before ``:``)."""
    return frozenset(k for k in (t.partition(":")[0] for t in tags) if k in KINDS)


class StepClassifier:
    """Classifies steps with one set of signals, remembering what each text gave."""

    def __init__(self, signals: Signals) -> None:
        self.signals = signals
        self._scripts: dict[str, tuple[tuple[str, str], ...]] = {}
        self._argument_cache: dict[str, frozenset[str]] = {}
        self._names: dict[str, tuple[tuple[str, str], ...]] = {}
        self._swallowed: dict[str, str | None] = {}
        self._steps: dict[tuple, tuple[tuple[str, str, str], ...]] = {}
        self._commands: dict[str, frozenset[str]] = {}
        self._name_tags: dict[str, frozenset[str]] = {}

    # --- text ------------------------------------------------------------------------

    def script(self, script: str) -> tuple[tuple[str, str], ...]:
        """(tag, matched text) for a shell script."""
        found = self._scripts.get(script)
        if found is None:
            found = self._script(script)
            if len(self._scripts) < 65536:
                self._scripts[script] = found
        return found

    def command(self, command: str) -> frozenset[str]:
        """The tags of one command (``docker push app:1.2``)."""
        tags = self._commands.get(command)
        if tags is None:
            signals = self.signals
            found = {t for effect in signals.commands.payloads(command) for t in effect.tags}
            for prefix, effect, pattern in signals.refinements:
                if any(t.startswith(prefix + ":") for t in found) and pattern.search(command):
                    found |= effect.tags
            tags = frozenset(found)
            if len(self._commands) < 65536:
                self._commands[command] = tags
        return tags

    def _script(self, script: str) -> tuple[tuple[str, str], ...]:
        signals = self.signals
        found: dict[str, str] = {}
        for command in texts.commands(script):
            for tag in self.command(command):
                found.setdefault(tag, command)
        joined = texts.continued(script)[: texts.MAX_COMMAND * 16]
        lowered = joined.lower()
        for compiled in signals.script_patterns:
            match = compiled.possible(lowered) and compiled.regex.search(joined)
            if match:
                for tag in compiled.payload.tags:
                    found.setdefault(tag, match[0])
        return tuple(sorted(found.items()))

    def script_tags(self, script: str) -> frozenset[str]:
        return frozenset(tag for tag, _ in self.script(script))

    def argument(self, value: str) -> frozenset[str]:
        """Tags an argument of a call shows by itself (a commit-based version, a rehearsal)."""
        found = self._argument_cache.get(value)
        if found is None:
            text = value[: texts.MAX_COMMAND]
            lowered = text.lower()
            found = frozenset(t for c in self.signals.argument_patterns if c.possible(lowered) and c.regex.search(text) for t in c.payload.tags)
            if len(self._argument_cache) < 65536:
                self._argument_cache[value] = found
        return found

    def name(self, name: str) -> tuple[tuple[str, str], ...]:
        """(tag, word) for the words of a name: single words and two-word phrases."""
        found = self._names.get(name)
        if found is None:
            table = self.signals.names
            words = texts.words(name)
            hits: dict[str, str] = {}
            for i, word in enumerate(words):
                for phrase in (word, f"{word} {words[i + 1]}" if i + 1 < len(words) else None):
                    effect = table.get(phrase) if phrase else None
                    if effect is not None:
                        for tag in effect.tags:
                            hits.setdefault(tag, phrase)
            found = tuple(sorted(hits.items()))
            if len(self._names) < 65536:
                self._names[name] = found
        return found

    def name_tags(self, name: str) -> frozenset[str]:
        found = self._name_tags.get(name)
        if found is None:
            found = frozenset(t for t, _ in self.name(name))
            if len(self._name_tags) < 65536:
                self._name_tags[name] = found
        return found

    def is_setup_name(self, name: str) -> bool:
        return "setup" in self.name_tags(name)

    # --- steps -----------------------------------------------------------------------

    def step(self, step: Step, platform: str) -> Step:
        """``step`` with its tags and their evidence."""
        key = (platform, step.name, step.run, step.uses, step.version, step.inputs)
        found = self._steps.get(key)
        if found is None:
            found = self._step(step, platform)
            if len(self._steps) < 65536:
                self._steps[key] = found
        if not found and not step.tags and not step.signals:
            return step
        signals = tuple(Signal(tag, source, text, step.span) for tag, source, text in found)
        # Built field by field: dataclasses.replace costs more than the rest of this.
        return Step(
            span=step.span, name=step.name, run=step.run, uses=step.uses, version=step.version, inputs=step.inputs,
            allow_failure=step.allow_failure, when=step.when, tags=frozenset(tag for tag, _, _ in found),
            origin=step.origin, signals=signals,
        )

    def _step(self, step: Step, platform: str) -> tuple[tuple[str, str, str], ...]:
        """(tag, source, text) of each signal of a step, by tag; the same for every step
        that names, runs and calls the same."""
        found: dict[str, tuple[str, str, str]] = {}

        def add(tags, source: str, text: str) -> None:
            for tag in tags:
                if tag not in found:
                    found[tag] = (tag, source, text[:200])

        known = False
        if step.run:
            for tag, matched in self.script(step.run):
                found.setdefault(tag, (tag, "command", matched[:200]))
            reason = self.swallowed(step.run)
            if reason:
                found["ignores-failure"] = ("ignores-failure", "command", reason)
        if step.uses:
            known = self._call(step, platform, add)
        if "rehearsal" in found:
            # A push to a local or test registry, or a dry run, rehearses a release: the
            # step publishes nothing anyone uses (and its name cannot make it publish).
            found = {t: s for t, s in found.items() if t != "publish" and not t.startswith("publish:")}
        # A name says what a step does only when nothing else does: an artifact upload
        # called "Publish drop" passes files along, a "Publish Test Results" step reports.
        known = known or any(not t.startswith(("version:", "image:")) and t != "ignores-failure" for t in found)
        if step.name and not known and not self.is_setup_name(step.name):
            for tag, word in self.name(step.name):
                if tag.partition(":")[0] in KINDS:
                    found.setdefault(tag, (tag, "name", word))
        return tuple(found[t] for t in sorted(found))

    def _call(self, step: Step, platform: str, add) -> bool:
        """Add the tags of a called action, task, library step or keyword; whether the
        signals know what is called (even when it does nothing cdlint tracks)."""
        inputs = {k.lower(): v for k, v in step.inputs}
        uses = step.uses or ""
        if platform == "gitlab":
            effect = self.signals.keywords.get(uses)
            if effect is not None:
                add(effect.tags, "keyword", uses)
            return effect is not None
        if platform == "github":
            return self._action(step, uses, inputs, add)
        if platform == "azure":
            return self._task(step, uses, inputs, add)
        return self._library_step(step, uses, inputs, add)

    def _apply(self, calls: list[Call], inputs: Mapping[str, str], source: str, label: str, add) -> None:
        for call in calls:
            if call.applies(inputs):
                add(call.effect.tags, source, label)
                for key in call.scripts:
                    if inputs.get(key):
                        for tag, matched in self.script(inputs[key]):
                            add((tag,), "command", matched)

    def _arguments(self, inputs: Mapping[str, str], add, skip=()) -> None:
        for key, value in inputs.items():
            if value and key not in skip:
                add(self.argument(f" {key}={value}"), "argument", f"{key}={value}")

    def _action(self, step: Step, uses: str, inputs: Mapping[str, str], add) -> bool:
        name = uses.partition("@")[0].lower().rstrip("/")
        if name.startswith("docker://"):
            # A container image run as an action (``docker://rhysd/actionlint:1.7.3``).
            name = name[len("docker://"):].partition(":")[0]
        if str(inputs.get("install-only", inputs.get("install_only", ""))).lower() == "true":
            return True
        parts = name.split("/")
        calls = None
        for n in range(len(parts), 0, -1):
            calls = self.signals.actions.get("/".join(parts[:n]))
            if calls is not None:
                break
        label = step.uses + (f"@{step.version}" if step.version else "")
        if calls:
            self._apply(calls, inputs, "action", label, add)
        for key in SCRIPT_INPUTS:
            if inputs.get(key):
                for tag, matched in self.script(inputs[key]):
                    add((tag,), "command", matched)
        self._arguments(inputs, add)
        return calls is not None

    def _task(self, step: Step, uses: str, inputs: Mapping[str, str], add) -> bool:
        name = uses.partition("@")[0].lower()
        if name.endswith((".yml", ".yaml")):
            # A step template cdlint could not read does what its name says.
            for effect, pattern in self.signals.references:
                if pattern.search(uses[:1024]):
                    add(effect.tags, "template", uses)
            return True
        calls = self.signals.tasks.get(name)
        label = uses + (f"@{step.version}" if step.version else "")
        if calls:
            self._apply(calls, inputs, "task", label, add)
        templates = {k: v for call in calls or () for k, v in call.arguments}
        for key in TASK_SCRIPT_INPUTS:
            value = inputs.get(key)
            if not value:
                continue
            template = templates.get(key, "{}")
            if template:
                for tag, matched in self.script(template.replace("{}", value)):
                    add((tag,), "command", matched)
        self._arguments(inputs, add, skip=TASK_SCRIPT_INPUTS)
        return calls is not None

    def _library_step(self, step: Step, uses: str, inputs: Mapping[str, str], add) -> bool:
        calls = self.signals.steps.get(uses.lower())
        label = uses
        if calls is not None:
            self._apply(calls, inputs, "step", label, add)
        elif not self.is_setup_name(uses):
            # A shared-library step known only by its name: ``deployToProd()`` deploys, but
            # ``publishBuildStatusReport()`` reports. The name is what runs, not a label.
            for tag, word in self.name(uses):
                add((tag,), "library step", f"{uses} ({word})")
        for key, value in inputs.items():
            if not value:
                continue
            if key in _GOAL_INPUTS:
                for tag, matched in self.script(f"mvn {value}"):
                    add((tag,), "argument", f"{key}: {matched}")
            elif key in SCRIPT_INPUTS:
                for tag, matched in self.script(value):
                    add((tag,), "command", matched)
        self._arguments(inputs, add)
        return calls is not None

    def swallowed(self, script: str) -> str | None:
        """How a script ignores the failure of the tests it runs (``|| true`` after a test
        command, ``set +e`` with no check of the exit status), or None. A script whose
        commands cdlint does not know as tests is read whole (a step named as a test)."""
        if script in self._swallowed:
            return self._swallowed[script]
        found = self._swallows(script)
        if len(self._swallowed) < 65536:
            self._swallowed[script] = found
        return found

    def _swallows(self, script: str) -> str | None:
        script = texts.continued(script)[: texts.MAX_COMMAND * 16]
        named_only = "test" not in kinds(self.script_tags(script))
        for match in _SWALLOW.finditer(script):
            command = _COMMAND_START.split(script[: match.start()])[-1]
            if named_only or "test" in kinds(self.script_tags(command)):
                return f"'{match[0].strip(' ;')}' swallows its failure"
        off = _SET_E_OFF.search(script)
        if off and not _STATUS_READ.search(script, off.end()):
            return "'set +e' ignores its failure"
        return None

    def work(self, step: Step, platform: str) -> frozenset[str]:
        """The stage kinds a step does (for parsers that group steps by whether they work)."""
        return kinds(self.step(step, platform).tags)


def effect_tags(effect: Effect | None) -> frozenset[str]:
    return effect.tags if effect else frozenset()

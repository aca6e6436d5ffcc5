"""Rules: a check function plus its metadata, found in ``cdlint.rules`` and plugins.

A rule module defines one ``@rule``-decorated function ``check(project, options)``
that yields :class:`~cdlint.finding.Finding` objects. Its docstring is the
user documentation: the first line is the summary, the rest says why it
matters, how to fix it, with a bad and a good example.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import field
from types import ModuleType
from typing import Any

from cdlint.errors import ConfigError
from cdlint.finding import SEVERITIES, Finding
from cdlint.values import value

ENTRY_POINT_GROUP = "cdlint.rules"


@value
class Rule:
    """A rule: its id (kebab-case, naming the smell), the practice it protects,
    its default severity, its options (JSON Schema properties) and its check."""

    id: str
    practice: str
    severity: str
    check: Callable[..., Iterator[Finding]]
    options: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    module: str = ""

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or "")

    @property
    def summary(self) -> str:
        return self.doc.splitlines()[0] if self.doc else self.id

    @property
    def help(self) -> str:
        """The documentation after the summary line."""
        return "\n".join(self.doc.splitlines()[1:]).strip()

    def defaults(self) -> dict[str, Any]:
        return {k: spec.get("default") for k, spec in self.options.items() if "default" in spec}


def tiers_option(default: list[str], description: str) -> dict[str, Any]:
    """The schema of a rule option that lists environment tiers (the model's tiers)."""
    from cdlint.model import TIERS

    return {"type": "array", "items": {"enum": list(TIERS)}, "default": default, "description": description}


def rule(
    id: str,
    practice: str,
    severity: str = "error",
    options: dict[str, Any] | None = None,
    tags: tuple[str, ...] = (),
) -> Callable[[Callable[..., Iterator[Finding]]], Rule]:
    """Declare a rule. Registers nothing: :func:`load_rules` finds ``Rule`` objects in modules."""
    if severity not in SEVERITIES:
        raise ValueError(f"rule {id!r}: severity must be one of {', '.join(SEVERITIES)}")

    def wrap(check: Callable[..., Iterator[Finding]]) -> Rule:
        return Rule(id, practice, severity, check, dict(options or {}), tuple(tags), check.__module__)

    return wrap


def _modules(package: ModuleType) -> Iterator[ModuleType]:
    yield package
    for info in sorted(pkgutil.iter_modules(getattr(package, "__path__", [])), key=lambda i: i.name):
        yield importlib.import_module(f"{package.__name__}.{info.name}")


def _load_plugin(entry_point, warn: Callable[[str], None]) -> ModuleType | None:
    try:
        return entry_point.load()
    except Exception as e:  # a broken plugin must not stop a run
        warn(f"rule plugin '{entry_point.name}' ({entry_point.value}) failed to load and is skipped: {type(e).__name__}: {e}")
        return None


def _environment() -> list[str]:
    """The entries of ``sys.path`` that are the installed environment: without the current
    directory, which ``python -c`` and embedding programs put first (a repository being
    checked could hold a ``*.dist-info`` there that names its own code as a plugin)."""
    try:
        here = os.path.realpath(os.curdir)
    except OSError:
        here = None
    return [entry for entry in sys.path if entry and os.path.realpath(entry) != here]


def _plugins_installed(paths: list[str]) -> bool:
    """Whether any installed distribution declares ``cdlint.rules`` entry points.

    A cheap look at ``*.dist-info/entry_points.txt`` on ``paths`` spares the
    pre-commit path the import of ``importlib.metadata`` when there are none.
    """
    marker = f"[{ENTRY_POINT_GROUP}]"
    for entry in paths:
        try:
            names = os.listdir(entry)
        except OSError:
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                try:
                    with open(os.path.join(entry, name, "entry_points.txt"), encoding="utf-8") as handle:
                        if marker in handle.read():
                            return True
                except OSError:
                    continue
    return False


def _entry_points(paths: list[str]) -> list:
    """The ``cdlint.rules`` entry points of the distributions on ``paths``, one distribution
    by name (the first found, as imports find it)."""
    from importlib.metadata import distributions

    seen, found = set(), []
    for distribution in distributions(path=paths):
        name = (distribution.metadata["Name"] or "").lower()
        if name in seen:
            continue
        seen.add(name)
        found.extend(ep for ep in distribution.entry_points if ep.group == ENTRY_POINT_GROUP)
    return found


def load_rules(plugins: bool = True, warn: Callable[[str], None] | None = None) -> dict[str, Rule]:
    """Built-in rules and those of installed plugins, by id (sorted)."""
    import cdlint.rules

    warn = warn or (lambda message: print(f"cdlint: {message}", file=sys.stderr))
    packages: list[ModuleType | None] = [cdlint.rules]
    paths = _environment() if plugins else []
    if plugins and _plugins_installed(paths):
        packages += [_load_plugin(ep, warn) for ep in _entry_points(paths)]
    found: dict[str, Rule] = {}
    for package in packages:
        if package is None:
            continue
        try:
            modules = list(_modules(package))
        except Exception as e:
            warn(f"rule plugin '{package.__name__}' failed to load and is skipped: {type(e).__name__}: {e}")
            continue
        for module in modules:
            for value in vars(module).values():
                if isinstance(value, Rule):
                    if value.id in found and found[value.id] is not value:
                        raise ConfigError(f"rule {value.id!r} is defined twice (again in {module.__name__})")
                    found[value.id] = value
    return dict(sorted(found.items()))

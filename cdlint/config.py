"""Configuration: ``.cdlint.yaml`` at the scanned root, ``[tool.cdlint]`` in its
``pyproject.toml``, or the file given with ``--config``.

One JSON Schema (``schemas/config.schema.json``, completed with an entry per
rule whose properties are that rule's options) validates every file of an
``extends`` chain before the chain is merged, so an error names the file, the
line and the path of the bad key: ``rules.x.environments[1]: expected string``.
jsonschema is imported only when a configuration file exists: a run without
one (a pre-commit hook in most repositories) does not pay for it, and a file
that validated once is remembered (by a hash of its content and the schema, in
the user's cache directory), so a pre-commit hook pays for it once.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import field
from pathlib import Path
from typing import Any, NamedTuple

from cdlint.cache import read_cache, write_cache
from cdlint.errors import ConfigError
from cdlint.files import Refused, inside, read_text
from cdlint.rule import Rule
from cdlint.values import value

CONFIG_FILES = (".cdlint.yaml", ".cdlint.yml")
PYPROJECT = "pyproject.toml"
PRESETS = ("recommended", "strict")
MAX_EXTENDS = 8
MAX_CONFIG_SIZE = 1024 * 1024
FAIL_ON = ("error", "warning", "note", "never")


@value
class Config:
    """A merged configuration. ``rules`` maps a rule id to ``"disable"`` or to the
    mapping given for it (``severity`` and options); ``files`` lists what was read,
    the user's file first; ``baseline`` is a path relative to the current directory."""

    files: tuple[str, ...] = ()
    rules: Mapping[str, Any] = field(default_factory=dict)
    fail_on: str | None = None
    format: str | None = None
    require_reason: bool = False
    baseline: str | None = None
    exclude: tuple[str, ...] = ()
    environments: tuple[tuple[str, tuple[str, ...]], ...] = ()
    signals: tuple[Mapping[str, Any], ...] = ()

    def select(self, registry: Mapping[str, Rule]) -> dict[str, Rule]:
        """The rules that run: every rule not disabled."""
        return {rule_id: r for rule_id, r in registry.items() if self.rules.get(rule_id) != "disable"}

    def severities(self) -> dict[str, str]:
        return {k: v["severity"] for k, v in self.rules.items() if isinstance(v, Mapping) and "severity" in v}

    def options(self) -> dict[str, dict[str, Any]]:
        return {
            k: {name: value for name, value in v.items() if name != "severity"}
            for k, v in self.rules.items()
            if isinstance(v, Mapping)
        }

    def tiers(self) -> list[tuple[str, str]]:
        """``(tier, regex)`` overrides for :class:`cdlint.classify.Tiers`, in the order written."""
        return [(tier, pattern) for tier, patterns in self.environments for pattern in patterns]


def find(roots: Iterable[Path]) -> Path | None:
    """The configuration file at the scanned roots: ``.cdlint.yaml``, ``.cdlint.yml``, or a
    ``pyproject.toml`` with a ``[tool.cdlint]`` table. Roots that hold different files are an error."""
    found: list[Path] = []
    for root in roots:
        candidate = _find_in(Path(root))
        if candidate is not None and all(candidate.resolve() != f.resolve() for f in found):
            found.append(candidate)
    if len(found) > 1:
        names = ", ".join(str(f) for f in found)
        raise ConfigError(f"the scanned directories have different configuration files ({names}); choose one with --config")
    return found[0] if found else None


def _find_in(root: Path) -> Path | None:
    for name in CONFIG_FILES:
        # A name that is there but no regular file (a FIFO, a symlink out of the
        # repository) is found, so that loading it says why it is not read.
        if os.path.lexists(root / name):
            return root / name
    pyproject = root / PYPROJECT
    if pyproject.is_file():
        try:
            text = read_text(pyproject, MAX_CONFIG_SIZE, root)
        except (OSError, UnicodeDecodeError, Refused):
            return None
        # A cheap look before parsing TOML: most pyproject files do not configure cdlint.
        if re.search(r"^\s*\[\s*tool\s*\.\s*cdlint\s*[\].]", text, re.MULTILINE):
            return pyproject
    return None


def load(path: Path | str, registry: Mapping[str, Rule], root: Path | str | None = None) -> Config:
    """Read, validate and merge ``path`` and the files it extends. ``root`` is the repository
    the configuration was found in: it, the files it extends and its baseline are read only
    inside it. A file named on the command line (``root`` None) is read wherever it is, and
    what it names only inside its own repository (or folder)."""
    path = Path(path)
    if root is None:
        from cdlint.discovery import root_of

        try:
            confined = root_of(path.resolve().parent)
        except (OSError, RuntimeError):
            confined = path.parent
        top = _file_source(path, None, confined)
    else:
        confined = Path(root).resolve()
        top = _file_source(path, confined, confined)
    merged, chain = _resolve(top, registry, ())
    return _config(merged, chain)


class _Source(NamedTuple):
    """A configuration file to read (a NamedTuple: cheaper to define than a dataclass, and
    this module is imported on every run). ``root``: where the files it names must lie."""

    ident: str
    display: str
    text: str
    directory: Path | None = None
    toml: bool = False
    root: Path | None = None


def _file_source(path: Path, within: Path | None, root: Path, extended_by: str | None = None) -> _Source:
    """The configuration file at ``path``, read only inside ``within`` (when given);
    ``extended_by``: the file whose ``extends`` names it."""
    shown = _relative(path)
    by = f" (extended by {extended_by})" if extended_by else ""
    try:
        text = read_text(path, MAX_CONFIG_SIZE, within)
    except FileNotFoundError:
        raise ConfigError(f"configuration file '{shown}' does not exist{by}") from None
    except Refused as e:
        where = f" {root}" if e.reason == "is outside the repository" else ""
        raise ConfigError(f"configuration file '{shown}'{by} {e.reason}{where}; not read") from None
    except UnicodeDecodeError:
        raise ConfigError(f"configuration file '{shown}'{by} is not UTF-8 text") from None
    except OSError as e:
        raise ConfigError(f"cannot read configuration file '{shown}'{by}: {e.strerror or e}") from None
    return _Source(str(path.resolve()), shown, text, path.resolve().parent, path.suffix == ".toml", root)


def _preset_source(name: str) -> _Source:
    from importlib.resources import files

    text = files("cdlint").joinpath("presets", f"{name}.yaml").read_text(encoding="utf-8")
    return _Source(f"preset:{name}", f"preset '{name}'", text)


def _resolve(
    source: _Source, registry: Mapping[str, Rule], chain: tuple[tuple[str, str], ...]
) -> tuple[dict, tuple[str, ...]]:
    """``source`` merged over what it extends, and the files read (``source`` first).
    ``chain`` holds the ``(ident, display)`` of the files that extend ``source``."""
    data, prefix = _parse(source)
    if chain and not set(data) <= set(schema(registry)["properties"]):
        # Said without quoting it: a file named by `extends` that is no configuration at all.
        raise ConfigError(f"configuration file '{source.display}' (extended by {chain[-1][1]}) is not a cdlint configuration")
    _validate(data, registry, source.display, prefix, source.root)
    chain = (*chain, (source.ident, source.display))
    base: dict = {}
    parents: tuple[str, ...] = ()
    parent = data.get("extends")
    if parent:
        if parent in PRESETS:
            target = _preset_source(parent)
        elif source.directory is None:
            raise ConfigError(f"{source.display}: extends: unknown preset '{parent}' (presets: {', '.join(PRESETS)})")
        else:
            target = _file_source(source.directory / parent, source.root, source.root, source.display)
        if target.ident in (ident for ident, _ in chain):
            cycle = " → ".join([*(display for _, display in chain), target.display])
            raise ConfigError(f"{source.display}: extends: the configuration files extend each other in a cycle ({cycle})")
        if len(chain) >= MAX_EXTENDS:
            raise ConfigError(f"{source.display}: extends: more than {MAX_EXTENDS} configuration files extend each other")
        base, parents = _resolve(target, registry, chain)
    if "baseline" in data and source.directory is not None:
        baseline = source.directory / data["baseline"]
        if source.root is not None and not inside(baseline, source.root):
            raise ConfigError(f"{source.display}: baseline: '{data['baseline']}' is outside the repository {source.root}")
        data = {**data, "baseline": _relative(baseline)}
    return _merge(base, data), (source.display, *parents)


def _relative(path: Path) -> str:
    """``path`` relative to the current directory when it is inside it, else absolute; as
    named, not where a symlink leads."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(os.getcwd()).as_posix()
    except ValueError:
        return str(absolute)


def _parse(source: _Source) -> tuple[dict, str]:
    """The configuration mapping of a file, and the prefix its key paths are shown with."""
    if source.toml:
        if sys.version_info >= (3, 11):
            import tomllib
        else:
            import tomli as tomllib
        try:
            document = tomllib.loads(source.text)
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{source.display}: {e}") from None
        except RecursionError:
            raise ConfigError(f"{source.display}: nested too deeply to read") from None
        data = document.get("tool", {}).get("cdlint")
        if data is None:
            raise ConfigError(f"{source.display}: has no [tool.cdlint] table")
        if not isinstance(data, dict):
            raise ConfigError(f"{source.display}: tool.cdlint: expected a table")
        return data, "tool.cdlint."
    from cdlint.errors import ParseError
    from cdlint.yamlload import load as load_yaml

    try:
        document = load_yaml(source.text, source.display)
    except ParseError as e:
        raise ConfigError(f"{e.span}: {e.message}") from None
    if document.problems:
        raise ConfigError("\n".join(f"{p.span}: {p.message}" for p in document.problems))
    data = document.value
    if data is None:
        return {}, ""
    if not isinstance(data, dict):
        raise ConfigError(f"{source.display}:1:1: expected a mapping of settings")
    _check_keys(data, source.display)
    return data, ""


def _check_keys(value: Any, where: str) -> None:
    """Every key of the settings is a string (YAML also has numbers, booleans, null)."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, item in node.items():
                if not isinstance(key, str):
                    span = node.key_span(key)
                    raise ConfigError(f"{where}:{span.line}:{span.column}: a key must be a string; quote it")
                stack.append(item)
        elif isinstance(node, list):
            stack.extend(node)


def _merge(base: dict, child: Mapping) -> dict:
    """``child`` over ``base``: scalars replace, ``exclude`` patterns add up (a later ``!pattern``
    re-includes), ``signals`` add up, ``environments`` replace per tier, and ``rules`` merge
    per rule."""
    merged = dict(base)
    for key, value in child.items():
        if key == "extends":
            continue
        if key in ("exclude", "signals"):
            merged[key] = [*(base.get(key) or []), *(value or [])]
        elif key == "environments":
            merged[key] = {**(base.get(key) or {}), **(value or {})}
        elif key == "rules":
            rules = dict(base.get(key) or {})
            for rule_id, setting in (value or {}).items():
                earlier = rules.get(rule_id)
                if setting == "disable" or not isinstance(earlier, Mapping):
                    rules[rule_id] = "disable" if setting == "disable" else dict(setting or {})
                else:
                    rules[rule_id] = {**earlier, **(setting or {})}
            merged[key] = rules
        else:
            merged[key] = value
    return merged


def _config(merged: dict, displays: tuple[str, ...]) -> Config:
    return Config(
        files=displays,
        rules=dict(merged.get("rules") or {}),
        fail_on=merged.get("fail-on"),
        format=merged.get("format"),
        require_reason=bool(merged.get("require-reason", False)),
        baseline=merged.get("baseline"),
        exclude=tuple(merged.get("exclude") or ()),
        environments=tuple((tier, tuple(patterns)) for tier, patterns in (merged.get("environments") or {}).items()),
        signals=tuple(merged.get("signals") or ()),
    )


def schema(registry: Mapping[str, Rule]) -> dict:
    """The configuration schema, with one entry under ``rules`` per rule of ``registry``."""
    from importlib.resources import files

    from cdlint.formatters import FORMATTERS
    from cdlint.model import TIERS

    document = json.loads(files("cdlint").joinpath("schemas", "config.schema.json").read_text(encoding="utf-8"))
    document["properties"]["format"]["enum"] = list(FORMATTERS)
    document["properties"]["environments"]["propertyNames"]["enum"] = list(TIERS)
    # `signals:` entries are those of the shipped signal files, one schema for both.
    signals = json.loads(files("cdlint").joinpath("schemas", "signals.schema.json").read_text(encoding="utf-8"))
    signals["$defs"]["entry"]["properties"]["tier"]["enum"] = list(TIERS)
    document["$defs"].update(signals["$defs"])
    document["properties"]["signals"]["items"] = {"$ref": "#/$defs/entry"}
    section = document["properties"]["rules"]
    section["properties"] = {rule_id: _rule_schema(registry[rule_id]) for rule_id in sorted(registry)}
    section["additionalProperties"] = False
    return document


def _rule_schema(rule: Rule) -> dict:
    return {
        "description": rule.summary,
        "if": {"type": "string"},
        "then": {"const": "disable"},
        "else": {
            "type": ["object", "null"],
            "additionalProperties": False,
            "properties": {"severity": {"$ref": "#/$defs/severity"}, **rule.options},
        },
    }


def _validate(data: Mapping, registry: Mapping[str, Rule], where: str, prefix: str, root: Path | None = None) -> None:
    full = schema(registry)
    key = _validation_key(data, full)
    if key in _valid_keys(root):
        return
    from jsonschema import Draft202012Validator, FormatChecker

    checker = FormatChecker()
    # A pattern is matched in linear time, with RE2: it must be one RE2 takes.
    checker.checks("regex")(lambda value: not isinstance(value, str) or _regex_problem(value) is None)
    validator = Draft202012Validator(full, format_checker=checker)
    messages: set[tuple] = set()
    for error in validator.iter_errors(data):
        messages.update(_describe(error, data, where, prefix))
    patterns = data.get("exclude")
    if not messages and patterns:
        import pathspec

        for index, pattern in enumerate(patterns):
            try:
                pathspec.GitIgnoreSpec.from_lines([pattern])
            except ValueError as e:
                messages.add(_located(data, ["exclude", index], where, prefix, f"not a gitignore pattern: {e}"))
    if not messages and data.get("signals"):
        messages.update(_check_signals(data, where, prefix))
    if messages:
        raise ConfigError("\n".join(text for _, text in sorted(messages)))
    _remember_valid(key, root)


_SIGNAL_PATTERNS = ("command", "script", "reference", "names", "per_change", "branch_variable", "build_variable", "text")


def _check_signals(data: Mapping, where: str, prefix: str) -> set[tuple]:
    """The user's signals compile with the shipped macros, and each classifies its examples
    as it says (and its counterexamples not)."""
    from cdlint.classify import Classifier
    from cdlint.classify.examples import check
    from cdlint.classify.signals import shipped

    from cdlint import userregex
    from cdlint.classify.signals import USER

    entries = [{**_plain(e), USER: True} for e in data["signals"]]
    messages: set[tuple] = set()
    macros = shipped()
    for index, entry in enumerate(entries):
        patterns = [([key], macros.expand(entry[key])) for key in _SIGNAL_PATTERNS if key in entry]
        patterns += [(["inputs", name], value) for name, value in (entry.get("inputs") or {}).items()]
        for path, pattern in patterns:
            reason = userregex.problem(pattern)
            if reason is not None:
                messages.add(_located(data, ["signals", index, *path], where, prefix, f"not a regular expression: {reason}"))
    if messages:
        return messages
    classifier = Classifier(extra=[{k: v for k, v in e.items() if k not in ("examples", "counterexamples")} for e in entries])
    for index, entry in enumerate(entries):
        clean = {k: v for k, v in entry.items() if k not in ("examples", "counterexamples")}
        for key, positive in (("examples", True), ("counterexamples", False)):
            for number, value in enumerate(entry.get(key) or []):
                problem = check(classifier, clean, value, positive)
                if problem:
                    messages.add(_located(data, ["signals", index, key, number], where, prefix, problem))
    return messages


def _regex_problem(pattern: str) -> str | None:
    from cdlint import userregex

    return userregex.problem(pattern)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# Hashes of configurations that validated, newest last: importing jsonschema and
# validating costs about 80 ms, most of a pre-commit run on one file.
_CACHE_FILE = "valid-configs-v1"
_CACHE_SIZE = 256
_HASH = re.compile(r"[0-9a-f]{64}")


def _validation_key(data: Mapping, full_schema: Mapping) -> str:
    from cdlint import __version__

    text = json.dumps([__version__, full_schema, data], sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def _valid_keys(root: Path | None) -> list[str]:
    text = read_cache(_CACHE_FILE, _CACHE_SIZE * 65, root)
    return [line for line in (text or "").split() if _HASH.fullmatch(line)]


def _remember_valid(key: str, root: Path | None) -> None:
    """Record a configuration that validated."""
    keys = [k for k in _valid_keys(root) if k != key][-(_CACHE_SIZE - 1):] + [key]
    write_cache(_CACHE_FILE, "\n".join(keys) + "\n", root)


_TYPES = {"string": "string", "array": "list", "object": "mapping", "boolean": "true or false",
          "integer": "integer", "number": "number"}


def _describe(error, data: Mapping, where: str, prefix: str) -> list[tuple[tuple, str]]:
    """Plain messages for one jsonschema error, each at the path and line of the bad key."""
    import difflib

    path = list(error.absolute_path)
    kind = error.validator
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        what = "unknown rule" if path == ["rules"] else "unknown option" if len(path) == 2 and path[0] == "rules" else "unknown key"
        found = []
        for key in sorted((k for k in error.instance if k not in allowed), key=str):
            close = difflib.get_close_matches(str(key), allowed, n=3, cutoff=0.6)
            hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
            if what == "unknown option" and not close:
                hint = f" (options: {', '.join(allowed)})"
            found.append(_located(data, [*path, key], where, prefix, f"{what}{hint}", key=True))
        return found
    if kind in ("type", "const") and len(path) == 2 and path[0] == "rules":
        message = "expected 'disable' or a mapping of 'severity' and options"
    elif kind == "type":
        wanted = [error.validator_value] if isinstance(error.validator_value, str) else list(error.validator_value)
        message = "expected " + " or ".join(_TYPES.get(t, t) for t in wanted if t != "null")
    elif kind == "enum" and error.instance is not None and list(error.relative_schema_path)[-2:-1] == ["propertyNames"]:
        message = f"unknown tier '{error.instance}' (tiers: {', '.join(error.validator_value)})"
        return [_located(data, [*path, error.instance], where, prefix, message, key=True)]
    elif kind == "enum":
        message = f"expected one of: {', '.join(str(v) for v in error.validator_value)} (got {json.dumps(error.instance)})"
    elif kind == "const":
        message = f"expected {json.dumps(error.validator_value)}"
    elif kind == "format" and error.validator_value == "regex":
        reason = _regex_problem(error.instance)
        message = f"{json.dumps(error.instance)} is not a regular expression" + (f": {reason}" if reason else "")
    else:
        message = error.message
    return [_located(data, path, where, prefix, message)]


def _located(data: Any, path: list, where: str, prefix: str, message: str, key: bool = False) -> tuple[tuple, str]:
    dotted = prefix + format_path(path) if path else prefix.rstrip(".") or "(top level)"
    position = _position(data, path, key)
    at = f"{where}:{position[0]}:{position[1]}" if position else where
    return (position or (0, 0), dotted), f"{at}: {dotted}: {message}"


def format_path(path: Iterable) -> str:
    """``['rules', 'x', 'environments', 1]`` as ``rules.x.environments[1]``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def _position(data: Any, path: list, key: bool) -> tuple[int, int] | None:
    """Line and column of the value (or key) at ``path`` when the file was YAML."""
    if not path:
        return None
    node = data
    for part in path[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    last = path[-1]
    if hasattr(node, "keys_at"):
        span = node.key_span(last) if key or last not in node.values_at else node.value_span(last)
        return span.line, span.column
    if hasattr(node, "items_at") and isinstance(last, int):
        span = node.item_span(last)
        return span.line, span.column
    return None


def effective(config: Config, registry: Mapping[str, Rule]) -> dict:
    """The configuration a run uses, with every rule's severity and options filled in."""
    rules: dict[str, Any] = {}
    for rule_id, r in registry.items():
        setting = config.rules.get(rule_id)
        if setting == "disable":
            rules[rule_id] = "disable"
            continue
        given = dict(setting or {})
        rules[rule_id] = {"severity": given.pop("severity", r.severity), **r.defaults(), **given}
    return {
        "fail-on": config.fail_on or "error",
        "format": config.format or "text",
        "require-reason": config.require_reason,
        "baseline": config.baseline,
        "exclude": list(config.exclude),
        "environments": {tier: list(patterns) for tier, patterns in config.environments},
        "rules": rules,
    }


def render(config: Config, registry: Mapping[str, Rule]) -> str:
    """The effective configuration as YAML, headed by the files it came from."""
    source = " → ".join(config.files) if config.files else "no configuration file: the defaults (preset 'recommended')"
    return f"# effective configuration; read from {source}\n" + dump(effective(config, registry))


def starter(registry: Mapping[str, Rule]) -> str:
    """The commented configuration ``cdlint init`` writes."""
    from cdlint.formatters import FORMATTERS

    lines = [
        "# cdlint configuration. Documentation: https://github.com/cdlint/cdlint#configuration",
        "# Print the configuration in effect, defaults included, with `cdlint config`.",
        "",
        "# A preset to start from: recommended (the defaults) or strict (warnings fail the",
        "# run, ignore comments need reasons); or a file, relative to this one.",
        "extends: recommended",
        "",
        "# Exit with 1 when a finding has at least this severity: error, warning, note, never.",
        "# fail-on: error",
        "",
        "# The report `cdlint check` prints (--format overrides it), one of:",
        f"# {', '.join(FORMATTERS)}.",
        "# format: text",
        "",
        "# Ignore comments (`# cdlint: ignore[rule-id] reason`) must give a reason.",
        "# require-reason: false",
        "",
        "# Findings recorded with `cdlint check --write-baseline FILE` are not reported.",
        "# baseline: .cdlint-baseline.json",
        "",
        "# Files for discovery to leave out: gitignore-style patterns relative to this directory.",
        "exclude:",
        "  # - legacy/**",
        "",
        "# Environment names of each tier, as regular expressions, where your names differ",
        "# from the ones cdlint recognises (production, prod, live, staging, qa, ...).",
        "environments:",
        "  # production: ['^(live|pypi)$']",
        "  # staging: ['^preprod-']",
        "",
        "# Per rule: disable, or a mapping of severity (error, warning, note) and options.",
        "# The defaults of every rule:",
        "rules:",
    ]
    for rule_id, r in registry.items():
        lines.append(f"  # {rule_id}: {_flow({'severity': r.severity, **r.defaults()})}")
    return "\n".join(lines) + "\n"


_PLAIN = re.compile(r"^[A-Za-z_./][A-Za-z0-9_./ *-]*$")
_RESERVED = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"})


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED and not text.endswith(" "):
        return text
    return json.dumps(text, ensure_ascii=False)


def _flow(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_scalar(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


def dump(data: Mapping, indent: int = 0) -> str:
    """``data`` as block YAML: nested mappings as blocks, lists and leaves in flow style."""
    out = []
    for key, value in data.items():
        pad = " " * indent
        if isinstance(value, Mapping) and value:
            out.append(f"{pad}{_scalar(key)}:\n" + dump(value, indent + 2))
        else:
            out.append(f"{pad}{_scalar(key)}: {_flow(value)}\n")
    return "".join(out)

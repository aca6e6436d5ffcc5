"""The maturity model as data: levels, categories and practices, loaded from YAML and
validated against ``model.schema.json`` and against what cdlint knows (detectors, rules).

A model that does not validate raises :class:`ModelError` naming the file, line and
key path of each fault (``model.yaml:42:5: practices[12].assessable: 'maybe' is not
one of ...``); the CLI turns it into exit code 2.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from cdlint.errors import ConfigError, ParseError
from cdlint.model import Span
from cdlint.yamlload import Map, Seq, decode, load

ASSESSABLE = ("yes", "partly", "no")


class ModelError(ConfigError):
    """A maturity model file that cannot be used, with where and why."""


@dataclass(frozen=True)
class Level:
    id: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class Practice:
    """One practice of the model: what it is, whether files can show it, what proves and
    what refutes it."""

    id: str
    name: str
    category: str
    level: str
    assessable: str
    description: str
    advice: str = ""
    evidence: tuple[str, ...] = ()
    refuted_by: tuple[str, ...] = ()
    applies_if: tuple[str, ...] = ()
    crosswalk: tuple[tuple[str, str], ...] = ()

    @property
    def is_assessable(self) -> bool:
        return self.assessable != "no"


@dataclass(frozen=True)
class Model:
    """A maturity model; levels are ordered from the lowest to the highest."""

    id: str
    name: str
    levels: tuple[Level, ...]
    categories: tuple[Category, ...]
    practices: tuple[Practice, ...]
    source: str = ""
    description: str = ""

    @cached_property
    def _rank(self) -> dict[str, int]:
        return {level.id: i for i, level in enumerate(self.levels)}

    def rank(self, level: str | None) -> int:
        """The position of a level (``-1`` for ``None``, below the lowest level)."""
        return -1 if level is None else self._rank[level]

    def has_level(self, level_id: str | None) -> bool:
        return level_id in self._rank

    def level(self, level_id: str) -> Level:
        return self.levels[self._rank[level_id]]

    def category(self, category_id: str) -> Category:
        return next(c for c in self.categories if c.id == category_id)

    def practices_of(self, category_id: str) -> list[Practice]:
        """The practices of a category, by level, in model order within a level."""
        found = [p for p in self.practices if p.category == category_id]
        return sorted(found, key=lambda p: self._rank[p.level])

    def detectors(self) -> list[str]:
        """Every detector the model uses, sorted."""
        return sorted({d for p in self.practices for d in (*p.evidence, *p.applies_if)})


SCHEMA_FILE = "model.schema.json"
DEFAULT_FILE = "model.yaml"


def schema() -> dict:
    return json.loads(files("cdlint.maturity").joinpath(SCHEMA_FILE).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def default_model() -> Model:
    """The Continuous Delivery Maturity Model shipped with cdlint. It is not validated here
    (jsonschema and the rules' registry cost 120 ms a run): the tests validate it."""
    text = files("cdlint.maturity").joinpath(DEFAULT_FILE).read_text(encoding="utf-8")
    return parse_model(text, "cdlint/maturity/model.yaml", validate=False)


def load_model(path: str | Path | None = None, known_rules: Iterable[str] | None = None) -> Model:
    """The model in ``path`` (the default model when ``None``), validated."""
    if path is None:
        return default_model()
    from cdlint.files import Refused, read_bytes
    from cdlint.yamlload import MAX_FILE_SIZE

    try:
        data = read_bytes(path, MAX_FILE_SIZE)
    except Refused as e:
        raise ModelError(f"maturity model {path} {e.reason}; not read") from None
    except OSError as e:
        raise ModelError(f"cannot read maturity model {path}: {e.strerror or e}") from None
    try:
        text = decode(data, str(path))
    except ParseError as e:
        raise ModelError(f"{e.span}: {e.message}") from None
    return parse_model(text, str(path), known_rules)


def parse_model(text: str, path: str, known_rules: Iterable[str] | None = None, validate: bool = True) -> Model:
    """A model from YAML text, validated against the schema and ``known_rules`` (default:
    the registry plus the catalog ids) unless ``validate`` is false (the shipped model)."""
    try:
        document = load(text, path)
    except ParseError as e:
        raise ModelError(f"{e.span}: {e.message}") from None
    if document.problems:
        raise ModelError("\n".join(f"{p.span}: {p.message}" for p in document.problems))
    data = document.value
    errors = _schema_errors(data, path) if validate else []
    if not errors and validate:
        if known_rules is None:
            from cdlint.rule import load_rules

            known_rules = set(load_rules())
        errors = _semantic_errors(data, path, set(known_rules))
    if errors:
        raise ModelError("\n".join(errors[:20]) + (f"\n… and {len(errors) - 20} more" if len(errors) > 20 else ""))
    return _build(data)


def _key_path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _locate(data: Any, parts: list[Any], path: str) -> Span:
    """Where the value at ``parts`` is written (its key, for a mapping entry)."""
    node, span = data, Span(path, 1, 1)
    for part in parts:
        if isinstance(node, Map) and part in node:
            span, node = node.key_span(part), node[part]
        elif isinstance(node, Seq) and isinstance(part, int) and 0 <= part < len(node):
            span, node = node.item_span(part), node[part]
        else:
            break
    return span


def _schema_errors(data: Any, path: str) -> list[str]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    errors = []
    for error in validator.iter_errors(data):
        for leaf in _leaves(error):
            parts = list(leaf.absolute_path)
            message = leaf.message
            if leaf.validator == "additionalProperties" and isinstance(leaf.instance, dict):
                allowed = set(leaf.schema.get("properties", {}))
                for extra in sorted(k for k in leaf.instance if k not in allowed):
                    at = parts + [extra]
                    errors.append((at, f"{_locate(data, at, path)}: {_key_path(at)}: unknown key '{extra}'"))
                continue
            if leaf.validator == "required":
                missing = message.split("'")[1] if "'" in message else ""
                message = f"missing required key '{missing}'" if missing else message
            errors.append((parts, f"{_locate(data, parts, path)}: {_key_path(parts)}: {message}"))
    ordered = sorted(errors, key=lambda e: ([str(p).zfill(6) if isinstance(p, int) else p for p in e[0]], e[1]))
    return list(dict.fromkeys(text for _, text in ordered))


def _leaves(error) -> Iterator:
    """The most specific errors under ``error`` (``if``/``then`` and ``allOf`` wrap them)."""
    if error.context:
        for sub in error.context:
            yield from _leaves(sub)
    else:
        yield error


def _semantic_errors(data: Map, path: str, known_rules: set[str]) -> list[str]:
    from cdlint.maturity.detectors import DETECTORS

    errors: list[str] = []

    def fault(parts: list[Any], message: str) -> None:
        errors.append(f"{_locate(data, parts, path)}: {_key_path(parts)}: {message}")

    for section in ("levels", "categories", "practices"):
        seen: set[str] = set()
        for i, item in enumerate(data[section]):
            if item["id"] in seen:
                fault([section, i, "id"], f"duplicate id '{item['id']}'")
            seen.add(item["id"])
    levels = [lv["id"] for lv in data["levels"]]
    categories = [c["id"] for c in data["categories"]]
    for i, practice in enumerate(data["practices"]):
        if practice["category"] not in categories:
            fault(["practices", i, "category"], f"unknown category '{practice['category']}' (known: {', '.join(categories)})")
        if practice["level"] not in levels:
            fault(["practices", i, "level"], f"unknown level '{practice['level']}' (known: {', '.join(levels)})")
        for j, name in enumerate(practice.get("evidence", ())):
            if name not in DETECTORS:
                fault(["practices", i, "evidence", j], f"unknown evidence detector '{name}' (known: {', '.join(sorted(DETECTORS))})")
        for j, name in enumerate(practice.get("applies-if", ())):
            if name not in DETECTORS:
                fault(["practices", i, "applies-if", j], f"unknown detector '{name}' (known: {', '.join(sorted(DETECTORS))})")
        for j, rule_id in enumerate(practice.get("refuted-by", ())):
            if rule_id not in known_rules:
                fault(["practices", i, "refuted-by", j], f"unknown rule '{rule_id}' (see 'cdlint rules')")
    return errors


def _build(data: Map) -> Model:
    return Model(
        id=data["id"],
        name=data["name"],
        source=data.get("source", ""),
        description=data.get("description", ""),
        levels=tuple(Level(lv["id"], lv["name"], lv.get("description", "")) for lv in data["levels"]),
        categories=tuple(Category(c["id"], c["name"], c.get("description", "")) for c in data["categories"]),
        practices=tuple(
            Practice(
                id=p["id"],
                name=p["name"],
                category=p["category"],
                level=p["level"],
                assessable=p["assessable"],
                description=p["description"],
                advice=p.get("advice", ""),
                evidence=tuple(p.get("evidence", ())),
                refuted_by=tuple(p.get("refuted-by", ())),
                applies_if=tuple(p.get("applies-if", ())),
                crosswalk=tuple(sorted((k, v) for k, v in (p.get("crosswalk") or {}).items())),
            )
            for p in data["practices"]
        ),
    )

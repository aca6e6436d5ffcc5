"""YAML with positions, for the three YAML platforms.

ruamel.yaml's C parser composes the node graph (each node has a start
mark); we build plain Python values from it ourselves: :class:`Map` and
:class:`Seq` are ``dict`` and ``list`` that remember where they and their keys
and items are written. Scalars are plain ``str``/``int``/``float``/``bool``/
``None`` under the YAML 1.2 core schema (so GitHub's ``on:`` stays a string).

Composing does not check duplicate keys, expand merge keys or bound aliases;
the builder here does, with the limits of DESIGN.md §6. A file the C parser
rejects is tried once more with ruamel's pure-Python parser (ruamel's bundled
libyaml has rejected GitLab's ``!reference [.job:name, script]``; the pure
scanner rejects a trailing tab that libyaml accepts).

Values built from aliases are shared, not copied: never mutate loaded values.
"""

from __future__ import annotations

import re
from typing import Any

from cdlint.errors import ParseError
from cdlint.model import Span
from cdlint.safetext import scrub
from cdlint.values import value

MAX_FILE_SIZE = 2 * 1024 * 1024
MAX_NODES = 500_000
MAX_DEPTH = 100


class Map(dict):
    """A YAML mapping that knows where it, its keys and its values are written."""

    __slots__ = ("path", "line", "column", "tag", "keys_at", "values_at")

    def span(self) -> Span:
        return Span(self.path, self.line, self.column)

    def key_span(self, key: Any) -> Span:
        line, column = self.keys_at.get(key, (self.line, self.column))
        return Span(self.path, line, column)

    def value_span(self, key: Any) -> Span:
        line, column = self.values_at.get(key, (self.line, self.column))
        return Span(self.path, line, column)


class Seq(list):
    """A YAML sequence that knows where it and its items are written."""

    __slots__ = ("path", "line", "column", "tag", "items_at")

    def span(self) -> Span:
        return Span(self.path, self.line, self.column)

    def item_span(self, index: int) -> Span:
        if 0 <= index < len(self.items_at):
            line, column = self.items_at[index]
            return Span(self.path, line, column)
        return self.span()


@value
class Document:
    """The documents of one YAML file, and the faults that did not stop reading it."""

    values: list[Any]
    problems: list[ParseError]

    @property
    def value(self) -> Any:
        return self.values[0] if self.values else None


def decode(data: bytes, path: str, max_size: int = MAX_FILE_SIZE) -> str:
    """Bytes of a pipeline file as text, or a ParseError saying why they are not text."""
    if len(data) > max_size:
        raise ParseError(f"file is {len(data)} bytes, larger than the {max_size} byte limit", Span(path, 1, 1))
    nul = data.find(b"\0")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise ParseError("file is binary (contains NUL bytes)", Span(path, line, 1))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise ParseError(f"file is not UTF-8 (byte 0x{data[e.start]:02x})", Span(path, line, column)) from None
    return text.removeprefix("\ufeff")


def load(text: str, path: str) -> Document:
    """Parse YAML text into positioned values; syntax errors raise ParseError."""
    _check_depth(text, path)
    try:
        nodes = _c_compose(text)
    except _YAML_ERRORS:
        nodes = None
    if nodes is None:
        try:
            nodes = _pure_compose(text)
        except _YAML_ERRORS as e:
            raise _parse_error(e, path, text) from None
    # Only an escape in a double-quoted scalar can write a lone surrogate.
    builder = _Builder(path, "\\u" in text or "\\U" in text)
    values = [builder.build(node, 0) for node in nodes]
    return Document(values, builder.problems)


_BRACKETS = re.compile(r"[\[\]{}]")
_COMPACT = re.compile(r"^[ \t]*(?:[-?][ \t]+){%d}" % MAX_DEPTH, re.MULTILINE)


def _check_depth(text: str, path: str) -> None:
    """ParseError when collections nest deeper than MAX_DEPTH, found before composing: the C
    composer recurses once per level and overflows the C stack at about 30,000 levels
    (``a: [[[[…``, 60 KB), a crash no exception can catch. Only flow brackets and compact
    block sequences (``- - - a``) nest that deep in a file of 2 MiB (nesting by indentation
    needs a line per level), so they are counted first, and the parser's events, which
    libyaml produces without recursion, only when that count comes near the limit."""
    if text.count("[") + text.count("{") <= MAX_DEPTH and not _COMPACT.search(text):
        return
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        depth = depth + 1 if match[0] in "[{" else max(0, depth - 1)
        deepest = max(deepest, depth)
    if deepest <= MAX_DEPTH and not _COMPACT.search(text):
        return
    loader = _c_loader(text)
    if loader is None:
        return  # the pure-Python composer raises RecursionError, which is caught
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            name = type(event).__name__
            if name in ("MappingStartEvent", "SequenceStartEvent"):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    raise ParseError(f"YAML nested deeper than {MAX_DEPTH} levels", Span(path, mark.line + 1, mark.column + 1))
            elif name in ("MappingEndEvent", "SequenceEndEvent"):
                depth -= 1
    except _YAML_ERRORS:
        return  # a syntax error: composing reports it
    finally:
        dispose = getattr(loader, "dispose", None)
        if dispose:
            dispose()


def _c_loader(text: str):
    try:
        from ruamel.yaml.cyaml import CParser
    except ImportError:
        return None
    from ruamel.yaml.resolver import Resolver

    class CLoader(CParser, Resolver):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Resolver.__init__(self, loadumper=self)

    return CLoader(text)


def _pure_compose(text: str) -> list:
    import warnings

    from ruamel.yaml import YAML

    # The pure composer warns about reused anchors, which YAML allows.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(YAML(typ="safe", pure=True).compose_all(text))


def _c_compose(text: str) -> list | None:
    loader = _c_loader(text)
    if loader is None:
        return None
    nodes = []
    try:
        while loader.check_node():
            nodes.append(loader.get_node())
    finally:
        dispose = getattr(loader, "dispose", None)
        if dispose:
            dispose()
    return nodes


def _yaml_errors() -> tuple[type[BaseException], ...]:
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    # The pure reader raises ReaderError (not marked) for unprintable characters;
    # RecursionError comes from very deep flow collections in the pure parser.
    return (MarkedYAMLError, YAMLError, RecursionError, ValueError)


_YAML_ERRORS = _yaml_errors()


def _parse_error(error: BaseException, path: str, text: str) -> ParseError:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    lines = str(error).strip().splitlines()
    problem = getattr(error, "problem", None) or (lines[-1] if lines else type(error).__name__)
    context = getattr(error, "context", None)
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    if mark is not None:
        return ParseError(message, _inside(text, path, mark.line + 1, mark.column + 1))
    position = getattr(error, "position", None) or 0
    return ParseError(message, _inside(text, path, text.count("\n", 0, position) + 1, 1))


def _inside(text: str, path: str, line: int, column: int) -> Span:
    """A span clamped into the file: errors at the end of the stream point at its last line."""
    lines = text.splitlines() or [""]
    if line > len(lines):
        return Span(path, len(lines), len(lines[-1]) + 1)
    return Span(path, line, min(column, len(lines[line - 1]) + 1))


_STR = "tag:yaml.org,2002:str"
_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}


def _scalar(tag: str, value: str) -> Any:
    if tag == _STR or not tag.startswith("tag:yaml.org,2002:"):
        return value
    kind = tag[18:]
    if kind == "null" and value in _NULLS:
        return None
    if kind == "bool":
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
    if kind == "int":
        try:
            text = value.replace("_", "")
            if text.startswith(("0o", "-0o", "+0o")):
                return int(text.replace("0o", ""), 8)
            return int(text, 0) if text.lstrip("+-").startswith(("0x", "0b")) else int(text)
        except ValueError:
            return value
    if kind == "float":
        lowered = value.lower()
        if lowered in (".inf", "+.inf"):
            return float("inf")
        if lowered == "-.inf":
            return float("-inf")
        if lowered == ".nan":
            return float("nan")
        try:
            return float(value.replace("_", ""))
        except ValueError:
            return value
    return value


class _Builder:
    """Builds values from composed nodes, bounding depth and alias expansion."""

    def __init__(self, path: str, escapes: bool = False) -> None:
        self.path = path
        self.escapes = escapes
        self.problems: list[ParseError] = []
        self.built: dict[int, Any] = {}
        self.sizes: dict[int, int] = {}
        self.expanded = 0

    def span(self, node) -> Span:
        return Span(self.path, node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise ParseError(f"YAML nested deeper than {MAX_DEPTH} levels", self.span(node))
        key = id(node)
        if key in self.built:
            # An alias: the value is shared, but its whole size counts against the
            # expansion bound, so a billion laughs fails fast instead of hanging a walker.
            self.expanded += self.sizes[key]
            if self.expanded > MAX_NODES:
                raise ParseError(
                    f"YAML aliases expand to more than {MAX_NODES} values (alias bomb?)", self.span(node)
                )
            return self.built[key]
        start = self.expanded
        self.expanded += 1
        if self.expanded > MAX_NODES:
            raise ParseError(f"YAML document has more than {MAX_NODES} values", self.span(node))
        kind = node.id
        if kind == "scalar":
            value = _scalar(str(node.tag), node.value)
            if self.escapes and isinstance(value, str):
                value = scrub(value)
        elif kind == "sequence":
            value = self._sequence(node, depth)
        else:
            value = self._mapping(node, depth)
        self.built[key] = value
        self.sizes[key] = max(1, self.expanded - start)
        return value

    def _sequence(self, node, depth: int) -> Seq:
        seq = Seq()
        seq.path, seq.line, seq.column = self.path, node.start_mark.line + 1, node.start_mark.column + 1
        seq.tag = _custom_tag(node)
        seq.items_at = []
        for item in node.value:
            seq.append(self.build(item, depth + 1))
            seq.items_at.append((item.start_mark.line + 1, item.start_mark.column + 1))
        return seq

    def _mapping(self, node, depth: int) -> Map:
        result = Map()
        result.path, result.line, result.column = self.path, node.start_mark.line + 1, node.start_mark.column + 1
        result.tag = _custom_tag(node)
        result.keys_at, result.values_at = {}, {}
        merged: list[Map] = []
        for key_node, value_node in node.value:
            if str(key_node.tag) == "tag:yaml.org,2002:merge":
                merged.extend(self._merge_sources(value_node, depth))
                continue
            key = self._key(key_node, depth)
            if key in result.keys_at:
                line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                first = result.keys_at[key][0]
                self.problems.append(
                    ParseError(f"duplicate key {key!r} (first on line {first})", Span(self.path, line, column))
                )
            result[key] = self.build(value_node, depth + 1)
            result.keys_at[key] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result.values_at[key] = (value_node.start_mark.line + 1, value_node.start_mark.column + 1)
        # YAML merge keys: explicit keys win, then earlier merged maps over later ones.
        for source in merged:
            for key, value in source.items():
                if key not in result:
                    result[key] = value
                    result.keys_at[key] = source.keys_at.get(key, (source.line, source.column))
                    result.values_at[key] = source.values_at.get(key, (source.line, source.column))
        return result

    def _merge_sources(self, node, depth: int) -> list[Map]:
        value = self.build(node, depth + 1)
        sources = value if isinstance(value, list) else [value]
        maps = [s for s in sources if isinstance(s, Map)]
        if len(maps) != len(sources):
            self.problems.append(ParseError("merge key '<<' needs a mapping or a list of mappings", self.span(node)))
        return maps

    def _key(self, node, depth: int) -> Any:
        if node.id == "scalar":
            key = _scalar(str(node.tag), node.value)
            if isinstance(key, float) and key != key:
                return node.value
            return scrub(key) if self.escapes and isinstance(key, str) else key
        # Complex keys (rare in pipelines) are kept as their source text so they stay hashable.
        value = self.build(node, depth + 1)
        return repr(value)


def _custom_tag(node) -> str | None:
    tag = str(node.tag) if node.tag is not None else None
    if not tag or tag.startswith("tag:yaml.org,2002:"):
        return None
    return tag

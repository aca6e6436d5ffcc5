"""What a Groovy expression of a Jenkinsfile is worth when the file itself writes it.

Literals (``'linux'``, ``[11, 17]``, ``[staging: 'stg.example.com']``, ``1..3``) and the
names bound to them (local variables, loop variables, method parameters), combined by
what Groovy does to them without running anything (``+``, indexing, ``.keySet()``,
``.split(',')``, ``"Build ${os}"``). What depends on the build (``env``, ``params``, a
step's output, a file read at run time) is unknown: ``None``. The Jenkins parser uses
this to expand loops over literal collections into the stages they make.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Union

from cdlint.parsers import groovy as g

# Collections larger than this are not built (a loop over them keeps one stage as repeated).
MAX_ITEMS = 256
MAX_DEPTH = 40


@dataclass(frozen=True)
class Entry:
    """A map entry, as a loop over a map binds it (``e.key``, ``e.value``)."""

    key: str
    value: "Value | None"


Value = Union[str, list, dict, Entry]


def evaluate(node: g.Node | None, scope: Mapping[str, "Value | None"], depth: int = 0) -> Value | None:
    """The value of ``node`` with the names of ``scope`` bound, or None when it is not known."""
    if node is None or depth > MAX_DEPTH:
        return None
    deeper = depth + 1
    if isinstance(node, g.Str):
        if not node.interpolated:
            return node.value
        parts = []
        for part in node.parts:
            piece = part if isinstance(part, str) else text(evaluate(part, scope, deeper))
            if piece is None:
                return None
            parts.append(piece)
        return "".join(parts)
    if isinstance(node, g.Number):
        return str(node.value)
    if isinstance(node, g.Bool):
        return "true" if node.value else "false"
    if isinstance(node, g.Name):
        return scope.get(node.id)
    if isinstance(node, g.ListLit):
        if len(node.items) > MAX_ITEMS:
            return None
        items = [evaluate(item, scope, deeper) for item in node.items]
        return None if any(i is None for i in items) else items
    if isinstance(node, g.MapLit):
        if len(node.entries) > MAX_ITEMS:
            return None
        found: dict[str, Value | None] = {}
        for key, value in node.entries:
            name = text(evaluate(key, scope, deeper))
            if name is None:
                return None
            found[name] = evaluate(value, scope, deeper)
        return found
    if isinstance(node, g.Cast):
        return evaluate(node.value, scope, deeper)
    if isinstance(node, g.Property):
        return _member(evaluate(node.obj, scope, deeper), node.name)
    if isinstance(node, g.Index):
        return _index(evaluate(node.obj, scope, deeper), evaluate(node.index, scope, deeper))
    if isinstance(node, g.Binary):
        return _binary(node.op, evaluate(node.left, scope, deeper), evaluate(node.right, scope, deeper))
    if isinstance(node, g.Call) and node.callee is not None and not node.named and node.closure is None:
        args = [evaluate(a, scope, deeper) for a in node.args]
        return _method(evaluate(node.callee, scope, deeper), node.name, args)
    return None


def text(value: Value | None) -> str | None:
    """A value as text in a name or a script (only scalars have one)."""
    return value if isinstance(value, str) else None


def items(value: Value | None) -> list[Value | None] | None:
    """What a loop over ``value`` binds, in order: a list's items, a map's entries."""
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return [Entry(k, v) for k, v in value.items()]
    return None


def _member(value: Value | None, name: str) -> Value | None:
    if isinstance(value, Entry):
        return value.key if name == "key" else value.value if name == "value" else None
    if isinstance(value, dict):
        return value.get(name)
    return None


def _index(value: Value | None, index: Value | None) -> Value | None:
    if isinstance(value, list) and isinstance(index, str) and index.lstrip("-").isdigit():
        position = int(index)
        return value[position] if -len(value) <= position < len(value) else None
    if isinstance(value, dict) and isinstance(index, str):
        return value.get(index)
    return None


def _binary(op: str, left: Value | None, right: Value | None) -> Value | None:
    if op == "+" and isinstance(left, str) and isinstance(right, str):
        return left + right
    if op == "+" and isinstance(left, list) and isinstance(right, list) and len(left) + len(right) <= MAX_ITEMS:
        return left + right
    if op in ("..", "..<") and isinstance(left, str) and isinstance(right, str):
        if not (left.lstrip("-").isdigit() and right.lstrip("-").isdigit()):
            return None
        low, high = int(left), int(right) + (op == "..")
        return [str(n) for n in range(low, high)] if 0 <= high - low <= MAX_ITEMS else None
    return None


def _method(value: Value | None, name: str, args: list[Value | None]) -> Value | None:
    if isinstance(value, dict):
        if name in ("keySet", "keys") and not args:
            return list(value)
        if name == "values" and not args and all(v is not None for v in value.values()):
            return list(value.values())
        if name == "entrySet" and not args:
            return items(value)
    if isinstance(value, (list, dict)) and name == "size" and not args:
        return str(len(value))
    if isinstance(value, list) and name in ("toList", "asList", "unique", "sort") and not args:
        return list(value)
    if isinstance(value, str):
        if name in ("trim", "toString") and not args:
            return value.strip() if name == "trim" else value
        if name in ("toLowerCase", "toUpperCase", "capitalize") and not args:
            return {"toLowerCase": value.lower(), "toUpperCase": value.upper(),
                    "capitalize": value[:1].upper() + value[1:]}[name]
        if name in ("split", "tokenize") and len(args) <= 1:
            separator = args[0] if args else None
            if args and not isinstance(separator, str):
                return None
            if not separator:
                parts = value.split()
            elif name == "tokenize":
                parts = _tokens(value, separator)
            else:
                # Groovy's split takes a regular expression and drops the empty strings at the end.
                try:
                    parts = re.split(separator, value)
                except re.error:
                    return None
                while parts and not parts[-1]:
                    parts.pop()
            return parts if len(parts) <= MAX_ITEMS else None
    return None


def _tokens(value: str, separators: str) -> list[str]:
    """Groovy's ``tokenize``: every character of ``separators`` separates, empty tokens dropped."""
    found, current = [], ""
    for char in value:
        if char in separators:
            if current:
                found.append(current)
            current = ""
        else:
            current += char
    if current:
        found.append(current)
    return found

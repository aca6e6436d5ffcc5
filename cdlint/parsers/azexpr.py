"""Azure Pipelines expressions: template expressions evaluated as far as the file decides them,
and runtime conditions read for what they say about when a job runs.

One grammar serves both (``${{ }}`` at compile time, ``$[ ]`` and ``condition:`` at run
time): literals, ``variables['X']`` / ``parameters.x.y`` references, and function calls.
:func:`evaluate` computes a compile-time value with Azure's type rules (``eq`` converts
its right side to the left side's type and compares strings ignoring case; a non-empty
string is true). Whatever depends on the run (predefined variables, status functions,
parameters a person picks when queueing) is :class:`Unknown`, and ``and``/``or``
short-circuit around it, so an undecidable ``${{ if }}`` is recognised as such.

:func:`read_condition` interprets a runtime condition abstractly, like ``ghexpr`` does
for GitHub: which status function governs it (Azure: a condition replaces the default
``succeeded()``, so a custom condition without a status function runs even when its
dependencies failed), which refs (``Build.SourceBranch``) and trigger kinds
(``Build.Reason``) it limits the job to.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cdlint.parsers.exprkit import Limits, TokenParser, intersect

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?(?:\d+(?:\.\d+)*|\.\d+))|(?P<op>[()\[\],.*])"
    r"|(?P<name>[A-Za-z_][\w-]*))"
)
# A template expression: ``${{ ... }}`` (no nested braces in Azure's syntax).
TEMPLATE = re.compile(r"\$\{\{((?:(?!\$\{\{)[^}]|\}(?!\}))*)\}\}")
_MACRO = re.compile(r"^\$\(([\w.]+)\)$")
MAX_LENGTH = 4000


class ExprError(Exception):
    """An expression cdlint cannot parse."""


class Unknown:
    """A value that depends on the run. ``source`` is the reference it stands for
    (``parameters.version``), ``choices`` the values it can take when the file lists them."""

    __slots__ = ("source", "choices")

    def __init__(self, source: str = "", choices: tuple[Any, ...] = ()) -> None:
        self.source = source
        self.choices = choices

    def __repr__(self) -> str:
        return f"Unknown({self.source!r})"


def parse(text: str):
    """The expression tree of ``text``; raises ExprError."""
    if len(text) > MAX_LENGTH:
        raise ExprError("expression too long")
    return _Parser(text).parse()


class _Parser(TokenParser):
    error = ExprError

    def __init__(self, source: str) -> None:
        super().__init__(_TOKEN, source)
        self.depth = 0

    def parse(self):
        if not self.tokens:
            raise ExprError("empty expression")
        node = self.expr()
        if self.peek() is not None:
            raise ExprError("trailing tokens")
        return node

    def expr(self):
        self.depth += 1
        if self.depth > 60:
            raise ExprError("expression nested too deeply")
        try:
            return self.primary()
        finally:
            self.depth -= 1

    def primary(self):
        kind, value = self.take()
        if kind == "str":
            return ("lit", value[1:-1].replace("''", "'"))
        if kind == "num":
            return ("lit", _number(value))
        if kind != "name":
            raise ExprError(value)
        lowered = value.lower()
        if lowered in ("true", "false"):
            return ("lit", lowered == "true")
        if lowered == "null":
            return ("lit", None)
        if self.peek() == ("op", "("):
            self.take()
            args = []
            if self.peek() != ("op", ")"):
                args.append(self.expr())
                while self.peek() == ("op", ","):
                    self.take()
                    args.append(self.expr())
            self.take(")")
            return ("call", lowered, args)
        segments: list = []
        while self.peek() in (("op", "."), ("op", "[")):
            if self.take()[1] == ".":
                kind, name = self.take()
                segments.append(("star",) if name == "*" else ("lit", name))
            else:
                if self.peek() == ("op", "*"):
                    self.take()
                    segments.append(("star",))
                else:
                    segments.append(self.expr())
                self.take("]")
        return ("ref", value, segments)


def _number(text: str):
    if text.count(".") >= 2:
        return text  # a version literal such as 1.2.3 compares as text
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        return text


def ref_text(node) -> str:
    """``variables['Build.SourceBranch']`` → ``build.sourcebranch``: the dotted, lowercased
    path of a reference, or '' when it is not a plain reference."""
    if node[0] != "ref":
        return ""
    parts = [node[1]]
    for seg in node[2]:
        if seg[0] != "lit" or not isinstance(seg[1], (str, int)):
            return ""
        parts.append(str(seg[1]))
    return ".".join(parts).lower()


# --- compile-time evaluation ------------------------------------------------


def evaluate(node, lookup: Callable[[str], Any]) -> Any:
    """The value of an expression tree. ``lookup(name)`` gives the value of a root name
    (``parameters``, ``variables``, a loop variable) or raises KeyError."""
    op = node[0]
    if op == "lit":
        return node[1]
    if op == "ref":
        try:
            value = lookup(node[1])
        except KeyError:
            return Unknown(ref_text(node) or node[1])
        for seg in node[2]:
            if isinstance(value, Unknown):
                return value
            if seg[0] == "star":
                value = _star(value)
                continue
            key = evaluate(seg, lookup)
            if isinstance(key, Unknown):
                return key
            value = member(value, key)
        return value
    if op == "call":
        return _call(node[1], node[2], lookup)
    return Unknown()


def plain(value: Any) -> Any:
    """A YAML scalar as Azure's template engine sees it: text. Only typed parameters
    (``type: boolean``, ``number``) hold booleans and numbers."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return to_text(value)
    return value


def member(value: Any, key: Any) -> Any:
    """``value[key]`` with Azure's leniency: a missing member is null, names ignore case.
    Members of YAML values (anything but a plain ``dict`` of typed values) are text."""
    if isinstance(value, Unknown):
        return value
    if hasattr(value, "member"):
        return value.member(key)
    typed = type(value) is dict
    if isinstance(value, Mapping):
        found = None
        if key in value:
            found = value[key]
        elif isinstance(key, str):
            lowered = key.lower()
            found = next((v for k, v in value.items() if isinstance(k, str) and k.lower() == lowered), None)
        return found if typed else plain(found)
    if isinstance(value, list):
        if isinstance(key, bool):
            return None
        try:
            index = int(key)
        except (TypeError, ValueError):
            return [member(v, key) for v in value]
        return plain(value[index]) if 0 <= index < len(value) else None
    return None


def _star(value: Any) -> Any:
    if isinstance(value, Mapping):
        return list(value.values())
    if isinstance(value, list):
        return list(value)
    return []


def truthy(value: Any) -> bool | Unknown:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        return value != ""
    return True


def to_text(value: Any) -> str:
    """A value as Azure writes it into a string."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float, str)):
        return str(value)
    return ""


def _to_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if value is None:
        return 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        if text == "":
            return 0.0
        try:
            return float(text)
        except ValueError:
            return None
    return None


def equal(left: Any, right: Any) -> bool | Unknown:
    """Azure's ``eq``: the right side is converted to the left side's type."""
    if isinstance(left, Unknown):
        return left
    if isinstance(right, Unknown):
        return right
    if isinstance(left, bool):
        return truthy(right) == left
    if isinstance(left, (int, float)):
        number = _to_number(right)
        return number is not None and number == float(left)
    if isinstance(left, str):
        if isinstance(right, (dict, list)):
            return False
        return to_text(right).casefold() == left.casefold()
    if left is None:
        return right is None or right == ""
    return left is right


def _compare(left: Any, right: Any) -> int | Unknown | None:
    if isinstance(left, Unknown):
        return left
    if isinstance(right, Unknown):
        return right
    if isinstance(left, (int, float)) and not isinstance(left, bool):
        number = _to_number(right)
        if number is None:
            return None
        return (float(left) > number) - (float(left) < number)
    if isinstance(left, str):
        a, b = left.casefold(), to_text(right).casefold()
        return (a > b) - (a < b)
    return None


def _not(value: bool | Unknown) -> bool | Unknown:
    return value if isinstance(value, Unknown) else not value


def _call(name: str, args: list, lookup) -> Any:
    if name in ("and", "or"):
        unknown = None
        for arg in args:
            value = truthy(evaluate(arg, lookup))
            if isinstance(value, Unknown):
                unknown = unknown or value
            elif value is (name == "or"):
                return value
        return unknown if unknown is not None else name == "and"
    if name == "not":
        return _not(truthy(evaluate(args[0], lookup))) if len(args) == 1 else Unknown()
    values = [evaluate(a, lookup) for a in args]
    if name == "xor" and len(values) == 2:
        a, b = truthy(values[0]), truthy(values[1])
        if isinstance(a, Unknown) or isinstance(b, Unknown):
            return Unknown()
        return a != b
    if name in ("eq", "ne") and len(values) == 2:
        result = equal(values[0], values[1])
        return result if name == "eq" else _not(result)
    if name in ("in", "notin") and values:
        found: bool | Unknown = False
        for candidate in values[1:]:
            result = equal(values[0], candidate)
            if result is True:
                found = True
                break
            if isinstance(result, Unknown):
                found = result
        return found if name == "in" else _not(found)
    if name in ("gt", "ge", "lt", "le") and len(values) == 2:
        order = _compare(values[0], values[1])
        if order is None or isinstance(order, Unknown):
            return order if isinstance(order, Unknown) else Unknown()
        return {"gt": order > 0, "ge": order >= 0, "lt": order < 0, "le": order <= 0}[name]
    if any(isinstance(v, Unknown) for v in values) and name not in ("coalesce", "iif", "length"):
        return next(v for v in values if isinstance(v, Unknown))
    if name in ("contains", "startswith", "endswith") and len(values) == 2:
        haystack, needle = values
        if name == "contains" and isinstance(haystack, list):
            return any(equal(item, needle) is True for item in haystack)
        a, b = to_text(haystack).casefold(), to_text(needle).casefold()
        return b in a if name == "contains" else (a.startswith(b) if name == "startswith" else a.endswith(b))
    if name == "containsvalue" and len(values) == 2:
        items = values[0].values() if isinstance(values[0], Mapping) else values[0]
        return isinstance(items, (list, type({}.values()))) and any(equal(i, values[1]) is True for i in items)
    if name == "coalesce":
        for value in values:
            if isinstance(value, Unknown):
                return value
            if value is not None and value != "":
                return value
        return None
    if name == "iif" and len(values) == 3:
        test = truthy(values[0])
        return test if isinstance(test, Unknown) else (values[1] if test else values[2])
    if name == "length" and len(values) == 1:
        value = values[0]
        if isinstance(value, Unknown):
            return value
        return len(value) if isinstance(value, (str, list, Mapping)) else 0
    if name == "format" and values:
        return _format(values)
    if name == "join" and len(values) == 2:
        items = values[1]
        if isinstance(items, list):
            return to_text(values[0]).join(to_text(i) for i in items)
        return to_text(items)
    if name == "replace" and len(values) == 3:
        return to_text(values[0]).replace(to_text(values[1]), to_text(values[2])) if values[1] else to_text(values[0])
    if name == "split" and len(values) == 2:
        sep = to_text(values[1])
        return to_text(values[0]).split(sep) if sep else [to_text(values[0])]
    if name in ("lower", "upper", "trim") and len(values) == 1:
        text = to_text(values[0])
        return text.lower() if name == "lower" else (text.upper() if name == "upper" else text.strip())
    if name == "converttojson" and len(values) == 1:
        try:
            return json.dumps(values[0], indent=2)
        except (TypeError, ValueError):
            return Unknown()
    return Unknown()


def _format(values: list) -> Any:
    template = to_text(values[0])
    out = []
    i = 0
    while i < len(template):
        ch = template[i]
        if template.startswith("{{", i) or template.startswith("}}", i):
            out.append(ch)
            i += 2
            continue
        if ch == "{":
            end = template.find("}", i)
            if end < 0:
                return Unknown()
            spec = template[i + 1:end]
            if not spec.isdigit():
                return Unknown()  # date formats ({0:yyyyMMdd}) and the like depend on the run
            index = int(spec) + 1
            if index >= len(values):
                return Unknown()
            out.append(to_text(values[index]))
            i = end + 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


# --- runtime conditions --------------------------------------------------------

# Build.Reason values → trigger kinds of the model.
REASONS = {
    "manual": ("manual",),
    "individualci": ("push", "tag"),
    "batchedci": ("push", "tag"),
    "schedule": ("schedule",),
    "pullrequest": ("pull_request",),
    "buildcompletion": ("upstream",),
    "resourcetrigger": ("upstream",),
    "validateshelveset": ("api",),
    "checkinshelveset": ("api",),
}
_BRANCH = "variables.build.sourcebranch"
_BRANCH_NAME = "variables.build.sourcebranchname"
_REASON = "variables.build.reason"
_STATUS = ("succeeded", "failed", "always", "canceled", "succeededorfailed")
_RESULT_OK = {"succeeded", "succeededwithissues"}


@dataclass(frozen=True)
class Reading:
    """What a condition says: ``when`` relative to what the job depends on, and the refs
    and trigger kinds it limits the job to (``events`` empty: it never runs)."""

    when: str = "on_success"
    refs: frozenset[str] | None = None
    events: frozenset[str] | None = None
    exclude_events: frozenset[str] = frozenset()


def strip(text: str) -> str:
    text = text.strip()
    for start, end in (("${{", "}}"), ("$[", "]")):
        if text.startswith(start) and text.endswith(end):
            return text[len(start):-len(end)].strip()
    return text


def read_condition(value: Any, variable: Callable[[str], Any] | None = None, guard: bool = False) -> Reading:
    """Interpret a ``condition:`` value (``guard``: a template ``${{ if }}`` around the job,
    which limits refs and events but says nothing about status)."""
    if isinstance(value, bool):
        return Reading() if value else Reading(events=frozenset())
    if value is None:
        return Reading()
    source = strip(str(value))
    try:
        tree = _substitute(parse(source), variable, 0)
    except (ExprError, RecursionError):
        if guard:
            return Reading()
        lowered = source.lower()
        if "always()" in lowered or "succeededorfailed()" in lowered:
            return Reading(when="always")
        if "failed()" in lowered or "canceled()" in lowered:
            return Reading(when="on_failure")
        return Reading(when="on_success" if "succeeded(" in lowered else "always")
    constant = evaluate(tree, _nothing)
    if constant is False and not guard:
        return Reading(events=frozenset())
    con = _constraint(tree)
    when = "on_success" if guard else _status(tree)
    return Reading(when=when, refs=con.refs, events=con.events, exclude_events=con.excl)


def combine(*readings: Reading) -> Reading:
    """All of ``readings`` must hold: refs and events intersect, exclusions add up, and the
    least gating status wins (a job that runs always stays ``always``)."""
    refs: frozenset[str] | None = None
    events: frozenset[str] | None = None
    excl: frozenset[str] = frozenset()
    when = next((r.when for r in readings if r.when != "on_success"), "on_success")
    for r in readings:
        refs = intersect(refs, r.refs, True)
        events = intersect(events, r.events)
        excl |= r.exclude_events
    return Reading(when=when, refs=refs, events=events, exclude_events=excl)


def _nothing(name: str) -> Any:
    raise KeyError(name)


def _substitute(node, variable: Callable[[str], Any] | None, depth: int):
    """Replace references to pipeline variables defined in the file by their values:
    ``isMain: $[eq(variables['Build.SourceBranch'], 'refs/heads/main')]`` makes
    ``eq(variables.isMain, true)`` a branch check. ``'$(Build.SourceBranch)'`` literals
    (macro syntax inside a condition) become references."""
    if depth > 8:
        return node
    op = node[0]
    if op == "lit" and isinstance(node[1], str):
        m = _MACRO.match(node[1].strip())
        if m:
            node = ("ref", "variables", [("lit", m[1])])
            op = "ref"
        else:
            return node
    if op == "ref":
        name = ref_text(node)
        if variable is None or not name.startswith("variables.") or name in (_BRANCH, _BRANCH_NAME, _REASON):
            return node
        value = variable(name[len("variables."):])
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("$[") and text.endswith("]"):
                try:
                    return _substitute(parse(text[2:-1]), variable, depth + 1)
                except ExprError:
                    return node
            if "$(" not in text and "${{" not in text:
                return ("lit", text)
        return node
    if op == "call":
        return ("call", node[1], [_substitute(a, variable, depth + 1) for a in node[2]])
    return node


def _status(tree) -> str:
    positive: set[str] = set()
    negative: set[str] = set()

    def visit(node, negated: bool) -> None:
        if node[0] != "call":
            return
        if node[1] == "not":
            for a in node[2]:
                visit(a, not negated)
            return
        if node[1] in _STATUS:
            (negative if negated else positive).add(node[1])
            return
        if _checks_success(node):
            (negative if negated else positive).add("succeeded")
            return
        for a in node[2]:
            visit(a, negated)

    visit(tree, False)
    if not positive and not negative:
        # Azure: a condition replaces the default succeeded(); without a status check
        # the job runs whatever happened to the jobs it depends on.
        return "always"
    if "always" in positive or "succeededorfailed" in positive:
        return "always"
    # not(canceled()) runs whatever happened, unless the condition also requires a
    # dependency to have succeeded (in(dependencies.Test.result, 'Succeeded')).
    if "canceled" in negative and "succeeded" not in positive:
        return "always"
    if "succeeded" in positive and "failed" in positive:
        return "always"
    if "failed" in positive or "canceled" in positive or "succeeded" in negative:
        return "on_failure"
    return "on_success"


def _checks_success(node) -> bool:
    """``in(dependencies.build.result, 'Succeeded', 'SucceededWithIssues')`` and friends."""
    name, args = node[1], node[2]
    if name not in ("eq", "in") or len(args) < 2:
        return False
    target = ref_text(args[0])
    if not target.endswith(".result") or not target.startswith(("dependencies.", "stagedependencies.")):
        return False
    wanted = {str(a[1]).lower() for a in args[1:] if a[0] == "lit"}
    return bool(wanted) and wanted <= _RESULT_OK | {"skipped"}


def _constraint(node) -> Limits:
    if node[0] != "call":
        return Limits()
    name, args = node[1], node[2]
    if name in ("and", "or") and args:
        parts = [_constraint(a) for a in args]
        result = parts[0]
        for part in parts[1:]:
            if name == "and":
                result = result.both(part)
            else:
                result = result.either(part)
        return result
    if name == "not" and len(args) == 1 and args[0][0] == "call":
        inner = args[0]
        flipped = {"eq": "ne", "ne": "eq", "in": "notin", "notin": "in"}.get(inner[1])
        if flipped:
            return _constraint(("call", flipped, inner[2]))
        return Limits()
    if len(args) < 2:
        return Limits()
    if name in ("eq", "ne") and len(args) == 2:
        # eq(variables.isMain, true) once isMain's own expression was substituted in.
        for inner, other in ((args[0], args[1]), (args[1], args[0])):
            if inner[0] == "call" and other[0] == "lit":
                positive = truthy(other[1]) is True and str(other[1]).lower() != "false"
                if positive == (name == "eq"):
                    return _constraint(inner)
                return _constraint(("call", "not", [inner]))
    target, values = ref_text(args[0]), args[1:]
    literals = [str(v[1]) for v in values if v[0] == "lit" and v[1] is not None]
    if not target and name in ("eq", "ne") and ref_text(args[1]) and args[0][0] == "lit":
        target, literals = ref_text(args[1]), [str(args[0][1])]
    if len(literals) != len(values):
        return Limits()
    if target == _REASON:
        kinds = frozenset(k for lit in literals for k in REASONS.get(lit.lower(), ("api",)))
        if name in ("eq", "in"):
            return Limits(events=kinds)
        if name in ("ne", "notin"):
            return Limits(excl=kinds)
        return Limits()
    if target == _BRANCH:
        if name in ("eq", "in"):
            return Limits(refs=frozenset(literals))
        if name == "startswith":
            return Limits(refs=frozenset(lit + "*" for lit in literals))
        if name == "contains" and literals and literals[0].startswith("refs/tags"):
            return Limits(refs=frozenset({"refs/tags/*"}))
        return Limits()
    if target == _BRANCH_NAME and name in ("eq", "in"):
        return Limits(refs=frozenset(r for lit in literals for r in (f"refs/heads/{lit}", f"refs/tags/{lit}")))
    return Limits()

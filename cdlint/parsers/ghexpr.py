"""GitHub Actions expressions (``if:`` conditions), read for what they say about when a job runs.

The expression is parsed into a small tree and interpreted abstractly: which
status function governs it (``always()``, ``failure()`` …), which refs and
events it limits the job to, and whether it requires the triggering
``workflow_run`` to have succeeded. Anything not understood leaves the job
unrestricted, which is the safe reading for the rules.
"""

from __future__ import annotations

import re

from cdlint.parsers.exprkit import Limits, LogicParser, Unreadable
from cdlint.values import value

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|0x[0-9a-fA-F]+)"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[<>!()\[\],.*])|(?P<name>[A-Za-z_][\w-]*))"
)

EVENT_KINDS = {
    "push": "push",
    "pull_request": "pull_request",
    "pull_request_target": "pull_request",
    "pull_request_review": "pull_request",
    "merge_group": "pull_request",
    "workflow_dispatch": "manual",
    "schedule": "schedule",
    "release": "tag",
    "create": "push",
    "workflow_run": "upstream",
    "workflow_call": "workflow_call",
    "repository_dispatch": "api",
    "deployment": "api",
    "deployment_status": "api",
}

_REF_CONTEXTS = {"github.ref", "env.github_ref", "github_ref"}
_REF_NAME_CONTEXTS = {"github.ref_name", "env.github_ref_name", "github_ref_name"}
_DEFAULT_BRANCH = {"github.event.repository.default_branch", "env.default_branch"}


@value
class Reading:
    """What an ``if:`` expression says."""

    when: str = "on_success"
    refs: frozenset[str] | None = None
    events: frozenset[str] | None = None
    exclude_events: frozenset[str] = frozenset()
    upstream_success: bool = False
    needs_success: frozenset[str] = frozenset()


def strip(expr: str) -> str:
    expr = expr.strip()
    if expr.startswith("${{") and expr.endswith("}}"):
        return expr[3:-2].strip()
    return expr


def read(expr: object, needs: tuple[str, ...] = (), called: bool = False) -> Reading:
    """Interpret a job's ``if:`` value; ``called`` for a job of a reusable workflow read
    where it is called, whose ``inputs`` the caller sets on whatever event it runs on."""
    if isinstance(expr, bool):
        return Reading() if expr else Reading(events=frozenset())
    if expr is None:
        return Reading()
    source = strip(str(expr))
    try:
        tree = _Parser(source).parse()
    except (Unreadable, RecursionError):
        return Reading(when=_status_by_text(source))
    when = _status(tree, needs)
    con = _constraint(_inputs_set(tree) if called else tree)
    return Reading(
        when=when,
        refs=con.refs,
        events=con.events,
        exclude_events=con.excl,
        upstream_success=_upstream_success(tree),
        needs_success=frozenset(_needs_checked(tree)),
    )


def _status_by_text(source: str) -> str:
    if "always()" in source or "!cancelled()" in source.replace(" ", ""):
        return "always"
    if "failure()" in source:
        return "on_failure"
    return "on_success"


class _Parser(LogicParser):
    def __init__(self, source: str) -> None:
        super().__init__(_TOKEN, source)

    def conjunct(self):
        node = self.unary()
        tok = self.peek()
        if tok and tok[1] in ("==", "!=", "<", ">", "<=", ">="):
            self.take()
            node = ("cmp", tok[1], node, self.unary())
        return node

    def unary(self):
        if self.peek() == ("op", "!"):
            self.take()
            return ("not", self.unary())
        return self.primary()

    def primary(self):
        tok = self.take()
        kind, value = tok
        if value == "(":
            node = self.or_()
            self.take(")")
            return node
        if kind == "str":
            return ("lit", value[1:-1].replace("''", "'"))
        if kind == "num":
            return ("lit", value)
        if kind == "name":
            if value in ("true", "false", "null"):
                return ("lit", value)
            if self.peek() == ("op", "("):
                self.take()
                args = []
                if self.peek() != ("op", ")"):
                    args.append(self.or_())
                    while self.peek() == ("op", ","):
                        self.take()
                        args.append(self.or_())
                self.take(")")
                return ("call", value.lower(), args)
            path = [value]
            while self.peek() in (("op", "."), ("op", "[")):
                if self.take()[1] == ".":
                    path.append(self.take()[1])
                else:
                    inner = self.or_()
                    self.take("]")
                    path.append(inner[1] if inner[0] == "lit" else "*")
            return ("ctx", ".".join(str(p) for p in path).lower())
        raise Unreadable(value)


def _walk(node):
    yield node
    for child in node[1:]:
        if isinstance(child, tuple):
            yield from _walk(child)
        elif isinstance(child, list):
            for c in child:
                yield from _walk(c)


def _status(tree, needs: tuple[str, ...]) -> str:
    positive: set[str] = set()
    negative: set[str] = set()

    def visit(node, negated: bool) -> None:
        if node[0] == "not":
            visit(node[1], not negated)
            return
        if node[0] == "call" and node[1] in ("always", "failure", "success", "cancelled"):
            (negative if negated else positive).add(node[1])
        for child in node[1:]:
            if isinstance(child, tuple):
                visit(child, negated)
            elif isinstance(child, list):
                for c in child:
                    visit(c, negated)

    visit(tree, False)
    # `!cancelled()` runs whatever happened, unless `!failure()` keeps a failed dependency out:
    # `!failure() && !cancelled()` runs after success or skips, which still gates.
    runs_anyway = (
        "always" in positive
        or ("cancelled" in negative and "failure" not in negative)
        or ("success" in positive and "failure" in positive)
    )
    if runs_anyway:
        checked = set(_needs_checked(tree))
        if needs and checked >= set(needs):
            return "on_success"
        return "always"
    if "failure" in positive or "cancelled" in positive:
        return "on_failure"
    return "on_success"


def _needs_checked(tree) -> list[str]:
    """Jobs whose result the expression requires to be 'success' (``needs.build.result == 'success'``)."""
    found = []
    for node in _walk(tree):
        if node[0] == "cmp" and node[1] == "==":
            for a, b in ((node[2], node[3]), (node[3], node[2])):
                if a[0] == "ctx" and b == ("lit", "success"):
                    parts = a[1].split(".")
                    if len(parts) == 3 and parts[0] == "needs" and parts[2] == "result":
                        found.append(parts[1])
    return found


def _upstream_success(tree) -> bool:
    for node in _walk(tree):
        if node[0] == "cmp" and node[1] == "==":
            for a, b in ((node[2], node[3]), (node[3], node[2])):
                if a == ("ctx", "github.event.workflow_run.conclusion") and b == ("lit", "success"):
                    return True
    return False


def _constraint(node) -> Limits:
    op = node[0]
    if op == "and":
        a, b = _constraint(node[1]), _constraint(node[2])
        return a.both(b)
    if op == "or":
        a, b = _constraint(node[1]), _constraint(node[2])
        return a.either(b)
    if op == "not":
        inner = node[1]
        if inner[0] == "cmp" and inner[1] in ("==", "!="):
            flipped = "!=" if inner[1] == "==" else "=="
            return _constraint(("cmp", flipped, inner[2], inner[3]))
        if inner[0] == "call" and inner[1] == "contains":
            events = _events_in(inner)
            if events is not None:
                return Limits(excl=events)
        return Limits()
    if op == "cmp":
        return _comparison(node)
    if op == "call":
        return _call(node)
    if op == "ctx":
        return _truthy(node[1])
    return Limits()


# The `inputs` context is filled only when a person or a caller starts the workflow
# (workflow_dispatch, workflow_call): on a push or a pull request an input is empty.
_INPUT_CONTEXTS = ("inputs.", "github.event.inputs.")
_INPUT_EVENTS = frozenset({"manual", "workflow_call"})


def _inputs_set(node):
    """``node`` with the inputs contexts made opaque: they no longer say who started the run."""
    if isinstance(node, tuple):
        if len(node) == 2 and node[0] == "ctx" and isinstance(node[1], str) and node[1].startswith(_INPUT_CONTEXTS):
            return ("ctx", "caller." + node[1])
        return tuple(_inputs_set(part) for part in node)
    if isinstance(node, list):
        return [_inputs_set(part) for part in node]
    return node


def _truthy(ctx: str) -> Limits:
    """What a context tested for truth limits: an input is set only when started by hand or
    by a caller; ``github.event.pull_request.merged`` is true only after the merge."""
    if ctx.startswith(_INPUT_CONTEXTS):
        return Limits(events=_INPUT_EVENTS)
    if ctx == "github.event.pull_request.merged":
        # A merged pull request runs the merged code, as a push to its base branch would.
        return Limits(events=frozenset(set(EVENT_KINDS.values()) - {"pull_request"}))
    return Limits()


def _comparison(node) -> Limits:
    _, cmp, left, right = node
    if right[0] == "ctx" and left[0] != "ctx":
        left, right = right, left
    if left[0] != "ctx":
        return Limits()
    ctx = left[1]
    ref = _ref_value(right)
    if cmp == "==":
        if ctx in _REF_CONTEXTS and ref is not None:
            return Limits(refs=frozenset({ref}))
        if ctx in _REF_NAME_CONTEXTS:
            if right[0] == "ctx" and right[1] in _DEFAULT_BRANCH:
                return Limits(refs=frozenset({"refs/heads/$default"}))
            if right[0] == "lit":
                return Limits(refs=frozenset({f"refs/heads/{right[1]}", f"refs/tags/{right[1]}"}))
        if ctx == "github.ref_type" and right[0] == "lit":
            return Limits(refs=frozenset({"refs/tags/*" if right[1] == "tag" else "refs/heads/*"}))
        if ctx == "github.event_name" and right[0] == "lit":
            return Limits(events=frozenset({EVENT_KINDS.get(right[1], "api")}))
        if right[0] == "lit" and right[1] not in ("", "false", "null"):
            return _truthy(ctx)
    elif cmp == "!=":
        if right[0] == "lit" and right[1] in ("", "false", "null") and ctx.startswith(_INPUT_CONTEXTS):
            return _truthy(ctx)
        if ctx == "github.event_name" and right[0] == "lit":
            kind = EVENT_KINDS.get(right[1], "api")
            if right[1] in ("pull_request", "pull_request_target"):
                return Limits(excl=frozenset({kind}))
            if kind in ("manual", "schedule", "push", "tag"):
                return Limits(excl=frozenset({kind}))
    return Limits()


def _ref_value(node) -> str | None:
    if node[0] == "lit":
        return node[1]
    if node[0] == "call" and node[1] == "format" and node[2] and node[2][0][0] == "lit":
        template = node[2][0][1]
        args = node[2][1:]
        if args and args[0][0] == "ctx" and args[0][1] in _DEFAULT_BRANCH:
            return template.replace("{0}", "$default")
    return None


def _call(node) -> Limits:
    name, args = node[1], node[2]
    if name == "startswith" and len(args) == 2 and args[0][0] == "ctx" and args[1][0] == "lit":
        ctx, prefix = args[0][1], args[1][1]
        if ctx in _REF_CONTEXTS:
            return Limits(refs=frozenset({prefix + "*"}))
        if ctx in _REF_NAME_CONTEXTS:
            return Limits(refs=frozenset({f"refs/heads/{prefix}*", f"refs/tags/{prefix}*"}))
    if name == "contains" and len(args) == 2:
        events = _events_in(node)
        if events is not None:
            return Limits(events=events)
        if args[0][0] == "ctx" and args[0][1] in _REF_CONTEXTS and args[1][0] == "lit":
            if args[1][1].startswith("refs/tags"):
                return Limits(refs=frozenset({"refs/tags/*"}))
    return Limits()


def _events_in(node) -> frozenset[str] | None:
    """``contains(fromJSON('["push", "workflow_dispatch"]'), github.event_name)`` and friends."""
    args = node[2]
    if len(args) != 2 or args[1] != ("ctx", "github.event_name"):
        return None
    haystack = args[0]
    if haystack[0] == "call" and haystack[1] == "fromjson" and haystack[2] and haystack[2][0][0] == "lit":
        names = re.findall(r'"([a-z_]+)"', haystack[2][0][1])
        return frozenset(EVENT_KINDS.get(n, "api") for n in names)
    if haystack[0] == "lit":
        return frozenset(EVENT_KINDS.get(n, "api") for n in re.findall(r"[a-z_]+", haystack[1]))
    return None

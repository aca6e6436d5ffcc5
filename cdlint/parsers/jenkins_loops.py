"""Stages a Jenkinsfile makes at run time from what it writes: loops over literal collections.

``for (p in ['linux', 'macos'])``, ``targets.each { name, host -> }``,
``jdks.collectEntries { [(it): { … }] }``, ``3.times { }`` and ``for (int i = 0; i <
suites.size(); i++)`` run their body once per item, so the stages inside, and those of the
closures they store for ``parallel`` or of the methods they call, are made once per item
with the item's name (``Build linux``, ``Build macos``). Expansion is bounded: at most
:data:`MAX_ITERATIONS` items a loop and :data:`MAX_STAGES` stages a file. Where the
collection is computed (``params.PLATFORMS.split(',')``, ``readYaml(…)``) or too big, the
body is read once and its stages are one representative each, marked ``repeated`` with
the loop variable as a matrix axis whose values are the collection's expression.

The reader (:class:`cdlint.parsers.jenkins._Reader`) mixes this in; names are bound in
``self.scope`` (see :mod:`cdlint.parsers.groovy_values`), and closures kept for later
carry the names bound where they were written.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from cdlint.parsers import groovy as g
from cdlint.parsers.groovy_values import Entry, Value, evaluate, items, text

MAX_ITERATIONS = 64
MAX_STAGES = 1000
# Where the loops around what is being read are kept in the scope: a key no Groovy name can be.
LOOPS = " loops"
ITERATING = frozenset({"each", "eachWithIndex", "forEach", "collect", "collectEntries", "times", "reverseEach"})


@dataclass(frozen=True)
class Loop:
    """A loop around the code being read: its variable, its collection as written, where it
    is, and whether its items are known (else its stages are one representative each)."""

    var: str
    source: str
    offset: int
    known: bool


@dataclass(frozen=True)
class Stored:
    """A closure kept for later (``branches[p] = { … }``), its label (the key it is stored
    under) and the names bound where it was written."""

    label: str
    closure: g.Closure
    scope: dict = field(default_factory=dict, compare=False)


class LoopReader:
    """Loops, bound names and stored closures for the Jenkins reader."""

    scope: dict[str, Value | None]
    text: str

    @contextlib.contextmanager
    def bound(self, names: dict) -> Iterator[None]:
        """Read with ``names`` bound (on top of what is bound already)."""
        saved = self.scope
        self.scope = {**saved, **names}
        try:
            yield
        finally:
            self.scope = saved

    def value(self, node: g.Node | None) -> Value | None:
        return evaluate(node, self.scope)

    def stored(self, label: str, closure: g.Closure) -> Stored:
        return Stored(label, closure, dict(self.scope))

    def bind(self, node: g.VarDecl | g.Assign) -> None:
        """What a declaration or assignment gives a name, known or not (``def os = p``)."""
        if isinstance(node, g.VarDecl):
            found = self.value(node.value) if node.value is not None else None
            if len(node.names) == 1:
                self.scope[node.names[0]] = found
            else:
                # def (platform, jdk) = it
                parts = found if isinstance(found, list) and len(found) == len(node.names) else [None] * len(node.names)
                self.scope.update(zip(node.names, parts))
        elif isinstance(node.target, g.Name):
            current = self.scope.get(node.target.id)
            if node.op == "=":
                self.scope[node.target.id] = self.value(node.value)
            elif node.op == "+=" and isinstance(current, (str, list)):
                added = self.value(node.value)
                self.scope[node.target.id] = current + added if type(added) is type(current) else None
            else:
                self.scope[node.target.id] = None

    def repeat(self, offset: int, var: str, collection: g.Node | None, bindings: list[dict] | None,
               read: Callable[[], None]) -> None:
        """Read a loop's body once per binding, or once as a representative when the items
        are unknown or too many, or the file has made enough stages."""
        loops = self.scope.get(LOOPS, ())
        source = self.text[collection.start:collection.end] if collection is not None else var
        unknown = {**{name: None for name in (bindings or [{}])[0]}, var: None,
                   LOOPS: (*loops, Loop(var, source, offset, known=False))}
        if bindings is None or len(bindings) > MAX_ITERATIONS or len(self.drafts) >= MAX_STAGES:
            with self.bound(unknown):
                read()
            return
        marker = Loop(var, source, offset, known=True)
        for binding in bindings:
            if len(self.drafts) >= MAX_STAGES:
                # Out of budget: the items left are one representative.
                with self.bound(unknown):
                    read()
                return
            with self.bound({**binding, LOOPS: (*loops, marker)}):
                read()

    def for_loop(self, node: g.For, ctx) -> None:
        """``for (x in xs)`` and ``for (int i = 0; i < n; i++)``."""
        if node.var is not None:
            found = items(self.value(node.iterable))
            bindings = None if found is None else [{node.var: item} for item in found]
            self.repeat(node.start, node.var, node.iterable, bindings, lambda: self.statements(node.body, ctx))
            return
        counter, numbers = self.counted(node)
        if counter is None:
            self.statements(node.body, ctx)
            return
        bindings = None if numbers is None else [{counter: str(n)} for n in numbers]
        self.repeat(node.start, counter, node.cond, bindings, lambda: self.statements(node.body, ctx))

    def counted(self, node: g.For) -> tuple[str | None, list[int] | None]:
        """The counter of ``for (int i = A; i < B; i++)`` and its values when A and B are known."""
        if len(node.init) != 1 or not isinstance(node.init[0], (g.VarDecl, g.Assign)) or not isinstance(node.cond, g.Binary):
            return None, None
        init = node.init[0]
        counter = init.names[0] if isinstance(init, g.VarDecl) and init.names else (
            init.target.id if isinstance(init, g.Assign) and isinstance(init.target, g.Name) else None)
        if counter is None:
            return None, None
        start = text(self.value(init.value))
        cond = node.cond
        if not (isinstance(cond.left, g.Name) and cond.left.id == counter and cond.op in ("<", "<=")):
            return counter, None
        end = text(self.value(cond.right))
        steps = [self.text[u.start:u.end].replace(" ", "") for u in node.update]
        if steps not in ([f"{counter}++"], [f"++{counter}"], [f"{counter}+=1"], [f"{counter}={counter}+1"]):
            return counter, None
        if start is None or end is None or not start.lstrip("-").isdigit() or not end.lstrip("-").isdigit():
            return counter, None
        last = int(end) + (cond.op == "<=")
        if not 0 <= last - int(start) <= MAX_ITERATIONS:
            return counter, None
        return counter, list(range(int(start), last))

    def iterate(self, node: g.Call, ctx) -> None:
        """``xs.each { x -> … }``, ``map.each { k, v -> … }``, ``n.times { … }`` … read as loops."""
        closure = node.closure
        params, bindings = self.closure_bindings(node)
        self.expression(node.callee, ctx)
        self.visited_closures[id(closure)] += 1
        self.repeat(node.start, params[0], node.callee, bindings, lambda: self.statements(closure.body, ctx))

    def closure_bindings(self, node: g.Call) -> tuple[list[str], list[dict] | None]:
        """The parameters of an iterating call's closure, and what each item binds them to."""
        params = [p.name for p in node.closure.params] or ["it"]
        if node.name == "times":
            count = text(self.value(node.callee))
            found = [str(n) for n in range(int(count))] if count is not None and count.isdigit() and int(count) <= 4096 else None
        else:
            found = items(self.value(node.callee))
        if found is None:
            return params, None
        bindings = []
        for index, item in enumerate(found):
            if isinstance(item, Entry) and len(params) >= 2 and node.name != "eachWithIndex":
                bindings.append({params[0]: item.key, params[1]: item.value})
            elif node.name == "eachWithIndex" and len(params) >= 2:
                bindings.append({params[0]: item, params[1]: str(index)})
            else:
                bindings.append({params[0]: item})
        return params, bindings

    def collected(self, call: g.Call) -> list[Stored]:
        """The closures ``xs.collectEntries { [(it): { … }] }`` (or ``collect``) makes, one per
        item, each labelled with its key and with the item bound."""
        found: list[Stored] = []
        closure = call.closure
        params, bindings = self.closure_bindings(call)

        def one() -> None:
            for statement in closure.body[:-1]:
                if isinstance(statement, (g.VarDecl, g.Assign)):
                    self.bind(statement)
            for last in closure.body[-1:]:
                last = last.value if isinstance(last, g.Return) else last
                entries = last.entries if isinstance(last, g.MapLit) else [(None, last)] if isinstance(last, (g.Closure, g.Call)) else []
                for key, item in entries:
                    label = self.literal(key) if key is not None else ""
                    if isinstance(item, g.Closure):
                        found.append(self.stored(label, item))
                    else:
                        found.extend(Stored(label or s.label, s.closure, s.scope) for s in self.returned_closures(item))

        self.visited_closures[id(closure)] += 1
        self.repeat(call.start, params[0], call.callee, bindings, one)
        return found

    def method_closures(self, call: g.Call) -> list[Stored]:
        """Closures a local method returns (``makeBranch(os)``), with its parameters bound to
        the call's arguments."""
        method = self.methods[call.name]
        names = self.arguments_of(method, call)
        found = []
        with self.bound(names):
            for node in method.body:
                if isinstance(node, g.Return) and isinstance(node.value, g.Closure):
                    found.append(self.stored(call.name, node.value))
                elif isinstance(node, g.Closure):
                    found.append(self.stored(call.name, node))
        return found

    def arguments_of(self, method: g.MethodDef, call: g.Call) -> dict:
        """A method's parameters bound to what a call passes (defaults where it passes nothing)."""
        values = [a for a in call.args if not isinstance(a, g.Closure)]
        named = {n.key: n.value for n in call.named}
        names: dict = {}
        for index, param in enumerate(method.params):
            given = values[index] if index < len(values) else named.get(param.name, param.default)
            names[param.name] = self.value(given) if given is not None else None
        return names

    def substituted(self, node: g.Str) -> str:
        """An interpolated string with the names known put in (``Build ${os}`` → ``Build linux``),
        the others kept as written."""
        parts = []
        for part in node.parts:
            if isinstance(part, str):
                parts.append(part)
                continue
            known = text(self.value(part))
            parts.append(known if known is not None else "${" + self.text[part.start:part.end] + "}")
        return "".join(parts)

"""Fast, error-tolerant parser for the Groovy used in Jenkinsfiles.

``parse(text)`` never raises and always returns a ``Module``.  Every node
has ``start``/``end`` character offsets (0-based, end exclusive) so that
``text[node.start:node.end]`` is the node's source.

The reference for what is valid is Groovy 2.4, the version Jenkins runs:
a ``{`` on the line after ``stage('x')`` is that call's closure argument;
a statement that starts with ``{`` is an error unless labelled; the block
after command arguments belongs to the last argument (``foo 'x' {}`` is
``foo(x({}))``).  Groovy 3 syntax (``!in``, ``!instanceof``, ``?=``,
``::``, ``do``/``while``) is parsed but reported as an error.  Errors never
stop the parse: a broken statement becomes an ``ErrorNode`` and parsing
resumes at the next statement.

Node set (all ``@dataclass(slots=True)`` subclasses of ``Node``):

Statements and declarations
    ``Module(body, errors, comments)`` - ``errors`` is a list of
    ``ParseError(offset, message)``, ``comments`` a list of
    ``Comment(start, end, text)``; neither is a ``Node``.
    ``VarDecl(names, type, value, modifiers, annotations)`` - ``type`` is
    None for ``def`` and untyped declarations; ``def (a, b) = x`` gives
    several names.  ``int a = 1, b = 2`` gives one VarDecl per name.
    ``MethodDef(name, params, body, return_type, modifiers, annotations)``
    ``ClassDef(name, kind, body, extends, implements, modifiers, annotations)``
    ``Param(name, type, default)`` for methods and closures (``type`` None
    when untyped or ``def``).
    ``If(cond, then, orelse)`` - ``else if`` nests an ``If`` in ``orelse``.
    ``For(var, iterable, body, init, cond, update)`` - ``for (x in xs)``
    fills var/iterable, ``for (;;)`` fills init/cond/update.
    ``While(cond, body, do_while)``, ``Switch(subject, cases)``,
    ``Case(values, body)`` (``default:`` has no values),
    ``Try(body, catches, final)``, ``Catch(types, name, body)``,
    ``Return(value)``, ``Throw(value)``, ``Break(label)``,
    ``Continue(label)``, ``Assert(cond, message)``,
    ``Import(name, alias, static, star)``, ``Package(name)``,
    ``Annotation(name, args, named)`` - annotations before a declaration
    are attached to it; elsewhere (``@Library('x') _``) they stand alone.
    ``ErrorNode(message)`` - source skipped while recovering from an error.

Expressions
    ``Call(callee, name, args, named, closure, op, parens)`` - ``name`` is
    the simple method name, ``callee`` the receiver of ``a.b()`` (None for
    ``b()``), ``op`` the receiver operator (``.``, ``?.``, ``*.``), and
    ``parens`` False for command syntax (``sh 'make'``).  A trailing
    closure goes to ``closure``; ``foo {a} {b}`` keeps the last one there
    and earlier ones in ``args``.  Calling something that is not a name
    (``closures[i]()``) gives ``name='call'`` with the expression as callee.
    ``NamedArg(key, value, key_expr)`` - ``key`` is the key's text;
    ``key_expr`` is set for computed keys like ``(expr): v``.
    ``Closure(params, body)``, ``Str(value, raw, parts, quote)``,
    ``Number(value, raw)``, ``Bool(value)``, ``Null()``, ``Name(id)``,
    ``Property(obj, name, op)`` (``op`` is ``.``, ``?.``, ``*.`` or ``.@``;
    ``safe`` tells whether it is ``?.``), ``MethodRef(obj, name)`` for
    ``obj.&name`` and ``obj::name``, ``Index(obj, index)`` (``a[1, 2]``
    indexes with a ``ListLit``), ``MapLit(entries)``, ``ListLit(items)``,
    ``Assign(target, op, value)``, ``Binary(op, left, right)`` (includes
    ``?:``, ``in``, ``instanceof``, ranges; the right side of
    ``instanceof`` is a ``Name`` holding the type text), ``Unary(op,
    operand, postfix)`` (``*`` is the spread operator), ``Ternary(cond,
    then, orelse)``, ``Cast(value, type, style)`` (style ``as`` or
    ``paren``), ``New(type, args, named, body)``.

Strings: ``Str.value`` has escapes decoded and interpolations kept as their
source text (``"a ${b}"`` gives ``a ${b}``); ``Str.parts`` alternates
decoded text and the parsed interpolation expressions; ``Str.quote`` is
``'``, ``"``, ``'''``, ``\"\"\"``, ``/`` or ``$/``, or ``''`` for a bare map
key such as ``[a: 1]``.

``iter_nodes(node)`` walks all descendants in pre-order (iteratively, so
deep trees are fine); ``child_nodes`` yields the direct children in field
order, which is source order except that a call's positional arguments come
before its named ones.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, fields
from typing import Iterator, Union

from cdlint.parsers.groovy_lexer import (
    EOF,
    ERROR,
    KEYWORDS,
    MAX_NESTING,
    NAME,
    NL,
    NUM,
    STR,
    Comment,
    Interp,
    Lexer,
    ParseError,
    Token,
    match_brackets,
)

__all__ = [
    "Annotation",
    "Assert",
    "Assign",
    "Binary",
    "Bool",
    "Break",
    "Call",
    "Case",
    "Cast",
    "Catch",
    "ClassDef",
    "Closure",
    "Comment",
    "Continue",
    "ErrorNode",
    "For",
    "If",
    "Import",
    "Index",
    "ListLit",
    "MapLit",
    "MethodDef",
    "MethodRef",
    "Module",
    "Name",
    "NamedArg",
    "New",
    "Node",
    "Null",
    "Number",
    "Package",
    "Param",
    "ParseError",
    "Property",
    "Return",
    "Str",
    "Switch",
    "Ternary",
    "Throw",
    "Try",
    "Unary",
    "VarDecl",
    "While",
    "child_nodes",
    "iter_nodes",
    "parse",
]


@dataclass(slots=True)
class Node:
    start: int
    end: int


@dataclass(slots=True)
class Module(Node):
    body: list[Node]
    errors: list[ParseError] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)


@dataclass(slots=True)
class ErrorNode(Node):
    message: str


@dataclass(slots=True)
class Name(Node):
    id: str


@dataclass(slots=True)
class Str(Node):
    value: str
    raw: str
    parts: list[Union[str, Node]]
    quote: str

    @property
    def interpolated(self) -> bool:
        return any(not isinstance(p, str) for p in self.parts)


@dataclass(slots=True)
class Number(Node):
    value: Union[int, float, str]
    raw: str


@dataclass(slots=True)
class Bool(Node):
    value: bool


@dataclass(slots=True)
class Null(Node):
    pass


@dataclass(slots=True)
class Param(Node):
    name: str
    type: Union[str, None] = None
    default: Union[Node, None] = None


@dataclass(slots=True)
class Closure(Node):
    params: list[Param]
    body: list[Node]


@dataclass(slots=True)
class NamedArg(Node):
    key: str
    value: Node
    key_expr: Union[Node, None] = None


@dataclass(slots=True)
class Call(Node):
    callee: Union[Node, None]
    name: str
    args: list[Node] = field(default_factory=list)
    named: list[NamedArg] = field(default_factory=list)
    closure: Union[Closure, None] = None
    op: str = ""
    parens: bool = True


@dataclass(slots=True)
class Property(Node):
    obj: Node
    name: str
    op: str = "."

    @property
    def safe(self) -> bool:
        return self.op == "?."


@dataclass(slots=True)
class MethodRef(Node):
    obj: Node
    name: str


@dataclass(slots=True)
class Index(Node):
    obj: Node
    index: Node


@dataclass(slots=True)
class MapLit(Node):
    entries: list[tuple[Node, Node]]


@dataclass(slots=True)
class ListLit(Node):
    items: list[Node]


@dataclass(slots=True)
class Assign(Node):
    target: Node
    op: str
    value: Node


@dataclass(slots=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(slots=True)
class Unary(Node):
    op: str
    operand: Node
    postfix: bool = False


@dataclass(slots=True)
class Ternary(Node):
    cond: Node
    then: Node
    orelse: Node


@dataclass(slots=True)
class Cast(Node):
    value: Node
    type: str
    style: str


@dataclass(slots=True)
class New(Node):
    type: str
    args: list[Node] = field(default_factory=list)
    named: list[NamedArg] = field(default_factory=list)
    body: Union[list[Node], None] = None


@dataclass(slots=True)
class Annotation(Node):
    name: str
    args: list[Node] = field(default_factory=list)
    named: list[NamedArg] = field(default_factory=list)


@dataclass(slots=True)
class VarDecl(Node):
    names: list[str]
    type: Union[str, None] = None
    value: Union[Node, None] = None
    modifiers: list[str] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)


@dataclass(slots=True)
class MethodDef(Node):
    name: str
    params: list[Param]
    body: list[Node]
    return_type: Union[str, None] = None
    modifiers: list[str] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)


@dataclass(slots=True)
class ClassDef(Node):
    name: str
    kind: str
    body: list[Node]
    extends: list[str] = field(default_factory=list)
    implements: list[str] = field(default_factory=list)
    modifiers: list[str] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)


@dataclass(slots=True)
class If(Node):
    cond: Node
    then: list[Node]
    orelse: list[Node] = field(default_factory=list)


@dataclass(slots=True)
class For(Node):
    var: Union[str, None]
    iterable: Union[Node, None]
    body: list[Node]
    init: list[Node] = field(default_factory=list)
    cond: Union[Node, None] = None
    update: list[Node] = field(default_factory=list)


@dataclass(slots=True)
class While(Node):
    cond: Node
    body: list[Node]
    do_while: bool = False


@dataclass(slots=True)
class Case(Node):
    values: list[Node]
    body: list[Node]


@dataclass(slots=True)
class Switch(Node):
    subject: Node
    cases: list[Case]


@dataclass(slots=True)
class Catch(Node):
    types: list[str]
    name: str
    body: list[Node]


@dataclass(slots=True)
class Try(Node):
    body: list[Node]
    catches: list[Catch]
    final: Union[list[Node], None] = None


@dataclass(slots=True)
class Return(Node):
    value: Union[Node, None] = None


@dataclass(slots=True)
class Throw(Node):
    value: Node


@dataclass(slots=True)
class Break(Node):
    label: Union[str, None] = None


@dataclass(slots=True)
class Continue(Node):
    label: Union[str, None] = None


@dataclass(slots=True)
class Assert(Node):
    cond: Node
    message: Union[Node, None] = None


@dataclass(slots=True)
class Import(Node):
    name: str
    alias: Union[str, None] = None
    static: bool = False
    star: bool = False


@dataclass(slots=True)
class Package(Node):
    name: str


_FIELDS_CACHE: dict[type, tuple[str, ...]] = {}


def _child_fields(cls: type) -> tuple[str, ...]:
    names = _FIELDS_CACHE.get(cls)
    if names is None:
        names = tuple(f.name for f in fields(cls) if f.name not in ("start", "end", "errors", "comments"))
        _FIELDS_CACHE[cls] = names
    return names


def child_nodes(node: Node) -> Iterator[Node]:
    """Yield the direct child nodes of ``node`` in field order."""
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, Node):
            yield value
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, Node):
                    yield item
                elif isinstance(item, tuple):
                    for sub in item:
                        if isinstance(sub, Node):
                            yield sub


def iter_nodes(node: Node) -> Iterator[Node]:
    """Yield every descendant of ``node`` (not ``node`` itself), pre-order."""
    stack = [iter([node])]
    first = True
    while stack:
        for child in stack[-1]:
            if first:
                first = False
            else:
                yield child
            stack.append(child_nodes(child))
            break
        else:
            stack.pop()


class _Bail(Exception):
    """Internal: abandon the current statement; recovery happens in the block loop."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


MODIFIERS = frozenset(
    "public private protected static final abstract synchronized transient volatile native strictfp".split()
)
PRIMITIVES = frozenset("boolean byte char short int long float double void".split())
_ASSIGN_OPS = frozenset("= += -= *= /= %= **= <<= >>= >>>= &= |= ^= ?=".split())
_BINARY_PREC = {
    "?": 2,
    "?:": 2,
    "||": 3,
    "&&": 4,
    "|": 5,
    "^": 6,
    "&": 7,
    "==": 8,
    "!=": 8,
    "<=>": 8,
    "===": 8,
    "!==": 8,
    "=~": 8,
    "==~": 8,
    "<": 9,
    "<=": 9,
    ">": 9,
    ">=": 9,
    "in": 9,
    "!in": 9,
    "instanceof": 9,
    "!instanceof": 9,
    "as": 9,
    "<<": 10,
    ">>": 10,
    ">>>": 10,
    "..": 10,
    "..<": 10,
    "+": 11,
    "-": 11,
    "*": 12,
    "/": 12,
    "%": 12,
    "**": 14,
}
_TERNARY_PREC = 2
_UNARY_PREC = 13
# Groovy 2.4 lets a ternary or elvis operator start a continuation line
# (a statement does not end before a line that begins with them); ``&&``,
# ``||`` and the other binary operators must end the previous line instead.
_NL_CONTINUATION_OPS = frozenset(("?", "?:"))
# Accepted by Groovy 3+ but not by Groovy 2.4, which is what Jenkins runs.
# They are parsed normally and reported as errors.
_GROOVY3_OPS = frozenset(("!in", "!instanceof", "?=", "::"))
_NL_CONTINUATION_POSTFIX = frozenset((".", "?.", "*.", ".&", ".@", "::"))
_STATEMENT_END = frozenset((NL, ";", "}", ")", "]", EOF))
# After a leading non-keyword name, these tokens rule out a declaration.
_PLAIN_STATEMENT_FOLLOWERS = frozenset((STR, NUM, "(", "{", "=", "+=", "-=", "?.", "*.", NL, ";", "}", EOF))
_CLOSER_OPENER = {")": "(", "]": "[", "}": "{"}
_OPENERS = frozenset("([{")
# Keywords that may start an argument of a paren-less command call.
_VALUE_START_KEYWORDS = frozenset(("new", "true", "false", "null", "this", "super"))
_STATEMENT_KEYWORDS = frozenset(
    "if for while do switch try return throw break continue assert import package".split()
)
_PARAM_SCAN_LIMIT = 200


def _token_text(tok: Token) -> str:
    if tok.kind == EOF:
        return "end of input"
    if tok.kind == NL:
        return "newline"
    if tok.kind == STR:
        return "string"
    return repr(tok.value)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        lexer = Lexer(text)
        self.toks = lexer.tokenize()
        match_brackets(self.toks)
        self.errors: list[ParseError] = lexer.errors
        self.comments = lexer.comments
        self.i = 0
        self.depth = 0
        # Brackets of the constructs currently being parsed; a block that
        # meets a closer belonging to one of these ends instead of eating it.
        self.open: list[str] = []
        # Groovy 2.4 (the version Jenkins runs) appends a ``{`` on a later
        # line to the expression before it as a closure argument, so
        # ``stage('x')`` NEWLINE ``{ ... }`` passes the closure to stage.
        # That holds for plain expression statements, assigned values and
        # declarations, but not for command calls or ``return`` values.
        self.nl_block_ok = False

    def peek(self, k: int = 0) -> Token:
        toks = self.toks
        j = self.i + k
        return toks[j] if j < len(toks) else toks[-1]

    def advance(self) -> Token:
        tok = self.toks[self.i]
        if self.i < len(self.toks) - 1:
            self.i += 1
        return tok

    def at(self, kind: str) -> bool:
        return self.toks[self.i].kind == kind

    def at_name(self, value: str) -> bool:
        tok = self.toks[self.i]
        return tok.kind == NAME and tok.value == value

    def expect(self, kind: str) -> Token:
        tok = self.toks[self.i]
        if tok.kind != kind:
            raise _Bail(tok.start, f"expected {kind!r}, found {_token_text(tok)}")
        return self.advance()

    def expect_name(self) -> Token:
        tok = self.toks[self.i]
        if tok.kind != NAME:
            raise _Bail(tok.start, f"expected a name, found {_token_text(tok)}")
        return self.advance()

    def skip_nl(self) -> None:
        toks = self.toks
        while toks[self.i].kind == NL:
            self.i += 1

    def prev_end(self) -> int:
        return self.toks[self.i - 1].end if self.i > 0 else 0

    def error(self, offset: int, message: str) -> None:
        self.errors.append(ParseError(offset, message))

    def groovy3(self, tok: Token) -> None:
        self.error(tok.start, f"{tok.value!r} needs Groovy 3; Jenkins runs Groovy 2.4")

    def enter(self) -> None:
        if self.depth >= MAX_NESTING:
            raise _Bail(self.peek().start, "nesting too deep")
        self.depth += 1

    def parse_block_body(self, closer: str | None, class_name: str | None = None, switch: bool = False) -> list[Node]:
        """Parse statements until ``closer`` (``}``), a ``case`` label in a
        switch, a closer owned by an enclosing construct, or end of input."""
        self.enter()
        saved_nl_block_ok = self.nl_block_ok
        try:
            body: list[Node] = []
            toks = self.toks
            while True:
                tok = toks[self.i]
                k = tok.kind
                if k == NL or k == ";":
                    self.i += 1
                    continue
                if k == EOF:
                    return body
                if k == "}":
                    if closer == "}":
                        return body
                    self.error(tok.start, "unmatched '}'")
                    body.append(ErrorNode(tok.start, tok.end, "unmatched '}'"))
                    self.advance()
                    continue
                if k == ")" or k == "]":
                    if _CLOSER_OPENER[k] in self.open:
                        return body
                    self.error(tok.start, f"unmatched {k!r}")
                    body.append(ErrorNode(tok.start, tok.end, f"unmatched {k!r}"))
                    self.advance()
                    continue
                if switch and k == NAME and tok.value in ("case", "default"):
                    return body
                start_i = self.i
                saved_open = len(self.open)
                saved_depth = self.depth
                try:
                    self.parse_statement_into(body, class_name)
                    tok = toks[self.i]
                    # ``nl_before`` without a newline token means an unclosed
                    # bracket made the lexer treat line breaks as whitespace;
                    # the line break still ends the statement.
                    if tok.kind not in _STATEMENT_END and not tok.nl_before and not (
                        switch and tok.kind == NAME and tok.value in ("case", "default")
                    ):
                        raise _Bail(tok.start, f"unexpected {_token_text(tok)}")
                except _Bail as bail:
                    del self.open[saved_open:]
                    self.depth = saved_depth
                    err_i = self.i
                    if len(body) and body[-1].start >= toks[start_i].start and err_i > start_i:
                        # The statement itself parsed; only what follows it is bad.
                        start_i = err_i
                    self.recover(start_i, err_i, bail, body)
        finally:
            self.depth -= 1
            self.nl_block_ok = saved_nl_block_ok

    def recover(self, from_i: int, err_i: int, bail: _Bail, body: list[Node]) -> None:
        """Skip the rest of a broken statement and record an error.

        Matched bracket pairs are skipped whole, so a bad expression inside
        ``foo(...)`` or a closure costs only its statement.  The skip stops
        at a statement separator, at a closer that belongs to an enclosing
        construct, or - once an unclosed bracket was seen, because then the
        lexer may have swallowed line breaks - at the first token that
        starts a new line after the error.
        """
        if not _already_reported(self.toks, err_i, bail):
            self.error(bail.offset, bail.message)
        toks = self.toks
        last = len(toks) - 1
        j = from_i
        unclosed = False
        while j < last:
            tok = toks[j]
            k = tok.kind
            if j > from_i:
                if k == NL or k == ";":
                    if j >= err_i:
                        break
                elif unclosed and tok.nl_before and j >= err_i:
                    break
            if k in _OPENERS:
                if tok.match > j:
                    j = tok.match + 1
                    continue
                unclosed = True
            elif k in _CLOSER_OPENER and tok.match >= 0:
                # Matched pairs were jumped over, so a matched closer met
                # here belongs to an enclosing construct.  Unmatched
                # closers are stray and skipped with the broken statement.
                break
            j += 1
        if j == from_i:
            j = min(from_i + 1, last)
        if j > from_i:
            body.append(ErrorNode(toks[from_i].start, toks[j - 1].end, bail.message))
        self.i = j

    def parse_braced_block(self, class_name: str | None = None) -> tuple[list[Node], int]:
        """Parse ``{ statements }``; return the statements and the end offset."""
        self.expect("{")
        self.open.append("{")
        body = self.parse_block_body("}", class_name)
        self.open.pop()
        return body, self.close("}")

    def close(self, closer: str) -> int:
        """Consume ``closer`` if present, else report it missing; return the end offset."""
        tok = self.toks[self.i]
        if tok.kind == closer:
            self.advance()
            return tok.end
        self.error(tok.start, f"missing {closer!r}")
        return self.prev_end()

    def parse_body(self) -> tuple[list[Node], int]:
        """The body of if/for/while: a braced block or a single statement."""
        self.skip_nl()
        if self.at("{"):
            return self.parse_braced_block()
        if self.at(";"):
            self.advance()
            return [], self.prev_end()
        out: list[Node] = []
        # ``if (a) if (b) ...`` nests without brackets; count it too.
        self.enter()
        try:
            self.parse_statement_into(out, None)
        finally:
            self.depth -= 1
        return out, self.prev_end()

    def parse_statement_into(self, out: list[Node], class_name: str | None) -> None:
        toks = self.toks
        labelled = False
        while toks[self.i].kind == NAME and toks[self.i + 1].kind == ":" and toks[self.i].value not in KEYWORDS:
            # Statement label (``outer: for ...``); the label itself is dropped.
            self.i += 2
            labelled = True
            self.skip_nl()
            if toks[self.i].kind in _STATEMENT_END:
                return
        start = toks[self.i].start
        if toks[self.i].kind == "{" and class_name is None and not labelled:
            # Groovy 2.4 rejects this ("Ambiguous expression could be either
            # a parameterless closure expression or an isolated open code
            # block"); keep the closure in the tree anyway.
            self.error(start, "ambiguous code block: a statement cannot start with '{' (label it, or join it to the line above)")
        first = toks[self.i]
        if (
            first.kind == NAME
            and first.value not in KEYWORDS
            and class_name is None
            and toks[self.i + 1].kind in _PLAIN_STATEMENT_FOLLOWERS
        ):
            # Fast path for the common ``sh 'x'``, ``stage(...)``, ``node {``
            # and ``x = ...`` statements: no declaration can start this way.
            self.nl_block_ok = True
            out.append(self.parse_command_or_expr())
            return
        annotations: list[Annotation] = []
        while self.at("@") and self.peek(1).kind == NAME and self.peek(1).value != "interface":
            annotations.append(self.parse_annotation())
            self.skip_nl()
        modifiers: list[str] = []
        while True:
            tok = self.peek()
            if tok.kind != NAME or tok.value not in MODIFIERS:
                break
            nxt = self.peek(1).kind
            if nxt in ("(", "{", ".", "=") or nxt in _STATEMENT_END:
                break
            modifiers.append(tok.value)
            self.advance()
        tok = self.peek()
        k, v = tok.kind, tok.value
        if k == "@" and self.peek(1).kind == NAME and self.peek(1).value == "interface":
            self.advance()
            out.append(self.parse_class(start, "@interface", modifiers, annotations))
            return
        if k == NAME:
            if v in ("class", "interface", "enum") or (v == "trait" and self.peek(1).kind == NAME):
                if self.peek(1).kind == NAME:
                    out.append(self.parse_class(start, v, modifiers, annotations))
                    return
            if v == "def":
                self.advance()
                self.parse_def_into(out, start, modifiers, annotations, class_name)
                return
            if v not in KEYWORDS or v in PRIMITIVES:
                if class_name is not None and v == class_name and self.peek(1).kind == "(":
                    out.append(self.parse_method(start, None, modifiers, annotations))
                    return
                kind, type_end = self.decl_lookahead(bool(modifiers or annotations), class_name is not None)
                if kind is not None:
                    type_text = self.text[tok.start : self.toks[type_end - 1].end]
                    self.i = type_end
                    if kind == "method":
                        out.append(self.parse_method(start, type_text, modifiers, annotations))
                    else:
                        self.parse_declarators_into(out, start, type_text, modifiers, annotations)
                    return
                if modifiers and k == NAME and v not in KEYWORDS:
                    nxt = self.peek(1).kind
                    if nxt == "(":
                        out.append(self.parse_method(start, None, modifiers, annotations))
                        return
                    if nxt == "=" or nxt in _STATEMENT_END or nxt == ",":
                        self.parse_declarators_into(out, start, None, modifiers, annotations)
                        return
            if not modifiers and v in _STATEMENT_KEYWORDS:
                out.extend(annotations)
                out.append(self.parse_keyword_statement(v))
                return
            if v in ("static", "synchronized") and not modifiers and self.peek(1).kind in ("{", "("):
                # ``static { }`` initialiser or ``synchronized (x) { }``: keep
                # the block as a call with a trailing closure.
                self.advance()
                name_tok = tok
                args: list[Node] = []
                named: list[NamedArg] = []
                if self.at("("):
                    self.parse_call_args(args, named)
                closure = self.parse_closure() if self.at("{") else None
                out.append(Call(name_tok.start, self.prev_end(), None, v, args, named, closure))
                return
        if modifiers:
            raise _Bail(tok.start, f"expected a declaration after {modifiers[-1]!r}")
        out.extend(annotations)
        self.nl_block_ok = True
        out.append(self.parse_command_or_expr())

    def parse_annotation(self) -> Annotation:
        at = self.expect("@")
        name = self.parse_qualified_name()
        args: list[Node] = []
        named: list[NamedArg] = []
        if self.at("("):
            self.parse_call_args(args, named)
        return Annotation(at.start, self.prev_end(), name, args, named)

    def parse_qualified_name(self) -> str:
        first = self.expect_name()
        end = first.end
        while self.at(".") and self.peek(1).kind == NAME:
            self.advance()
            end = self.advance().end
        return self.text[first.start : end]

    def scan_type(self, j: int) -> int:
        """If a type starts at token ``j``, return the index after it, else -1."""
        toks = self.toks
        last = len(toks) - 1
        tok = toks[j]
        if tok.kind != NAME or (tok.value in KEYWORDS and tok.value not in PRIMITIVES and tok.value != "def"):
            return -1
        j += 1
        while j + 1 <= last and toks[j].kind == "." and toks[j + 1].kind == NAME:
            j += 2
        if toks[j].kind == "<":
            depth = 0
            steps = 0
            while j < last and steps < _PARAM_SCAN_LIMIT:
                k = toks[j].kind
                steps += 1
                if k == "<":
                    depth += 1
                elif k == ">":
                    depth -= 1
                elif k == ">>":
                    depth -= 2
                elif k == ">>>":
                    depth -= 3
                elif k not in (NAME, ",", ".", "?", "&", "[", "]"):
                    return -1
                j += 1
                if depth <= 0:
                    break
            if depth > 0:
                return -1
        while j + 1 <= last and toks[j].kind == "[" and toks[j + 1].kind == "]":
            j += 2
        if toks[j].kind == "...":
            j += 1
        return j

    def parse_type(self) -> str:
        j = self.scan_type(self.i)
        if j < 0:
            tok = self.peek()
            raise _Bail(tok.start, f"expected a type, found {_token_text(tok)}")
        text = self.text[self.toks[self.i].start : self.toks[j - 1].end]
        self.i = j
        return text

    def decl_lookahead(self, has_modifiers: bool, in_class: bool) -> tuple[str | None, int]:
        """Decide whether a typed declaration starts here.

        Returns ("var" | "method", index after the type) or (None, -1).
        Groovy's own rule applies: ``echo x`` and ``checkout scm`` are
        command calls, not declarations of ``x`` with type ``echo``, because
        a lower-case type name without generics or array brackets only
        declares when an ``=`` follows.
        """
        toks = self.toks
        j = self.scan_type(self.i)
        if j < 0:
            return None, -1
        name_tok = toks[j]
        if name_tok.kind != NAME or name_tok.value in KEYWORDS:
            return None, -1
        type_last = toks[j - 1]
        simple = type_last.kind == NAME
        lower = (
            simple
            and not (type_last.value[:1].isupper())
            and type_last.value not in PRIMITIVES
            and type_last.value != "def"
        )
        after = self.peek(j - self.i + 1)
        if after.kind == "(":
            if lower and not has_modifiers:
                return None, -1
            close = after.match
            if close < 0:
                return None, -1
            k = close + 1
            while toks[k].kind == NL:
                k += 1
            if toks[k].kind == "{" or (toks[k].kind == NAME and toks[k].value == "throws"):
                return "method", j
            if in_class or has_modifiers:
                return "method", j
            return None, -1
        if after.kind == "=" or after.kind in _STATEMENT_END or after.kind == ",":
            if lower and after.kind != "=" and not has_modifiers:
                return None, -1
            return "var", j
        return None, -1

    def parse_def_into(
        self,
        out: list[Node],
        start: int,
        modifiers: list[str],
        annotations: list[Annotation],
        class_name: str | None,
    ) -> None:
        """After ``def``: a method, ``def (a, b) = ...`` or variables."""
        self.skip_nl()
        tok = self.peek()
        if tok.kind == "(":
            self.advance()
            self.open.append("(")
            names: list[str] = []
            while not self.at(")"):
                j = self.scan_type(self.i)
                if j > 0 and self.toks[j].kind == NAME:
                    self.i = j
                names.append(self.expect_name().value)
                if not self.at(","):
                    break
                self.advance()
            self.open.pop()
            self.expect(")")
            value = None
            if self.at("="):
                self.advance()
                self.skip_nl()
                self.nl_block_ok = True
                value = self.parse_command_or_expr()
            out.append(VarDecl(start, self.prev_end(), names, None, value, modifiers, annotations))
            return
        type_text = None
        j = self.scan_type(self.i)
        if j > 0 and self.toks[j].kind == NAME and self.toks[j].value not in KEYWORDS:
            if tok.value == "def":
                raise _Bail(tok.start, "unexpected 'def'")
            type_text = self.text[tok.start : self.toks[j - 1].end]
            self.i = j
        if self.peek().kind == NAME and self.peek(1).kind == "(":
            out.append(self.parse_method(start, type_text, modifiers, annotations))
            return
        if self.peek().kind == STR and self.peek(1).kind == "(":
            # def "quoted method name"() { } (Spock style)
            out.append(self.parse_method(start, type_text, modifiers, annotations))
            return
        self.parse_declarators_into(out, start, type_text, modifiers, annotations)

    def parse_declarators_into(
        self,
        out: list[Node],
        start: int,
        type_text: str | None,
        modifiers: list[str],
        annotations: list[Annotation],
    ) -> None:
        while True:
            name_tok = self.expect_name()
            value = None
            if self.at("="):
                self.advance()
                self.skip_nl()
                self.nl_block_ok = True
                value = self.parse_command_or_expr()
            out.append(VarDecl(start, self.prev_end(), [name_tok.value], type_text, value, modifiers, annotations))
            if not self.at(","):
                return
            self.advance()
            self.skip_nl()
            start = self.peek().start

    def parse_method(
        self,
        start: int,
        return_type: str | None,
        modifiers: list[str],
        annotations: list[Annotation],
    ) -> MethodDef:
        name_tok = self.advance()
        if name_tok.kind == STR:
            name = name_tok.value
        elif name_tok.kind == NAME:
            name = name_tok.value
        else:
            raise _Bail(name_tok.start, f"expected a method name, found {_token_text(name_tok)}")
        params = self.parse_params_parens()
        if self.at_name("throws"):
            self.advance()
            self.parse_type()
            while self.at(","):
                self.advance()
                self.parse_type()
        save = self.i
        self.skip_nl()
        if self.at("{"):
            body, end = self.parse_braced_block()
        else:
            # Abstract or interface method: no body.
            self.i = save
            body, end = [], self.prev_end()
        return MethodDef(start, end, name, params, body, return_type, modifiers, annotations)

    def parse_params_parens(self) -> list[Param]:
        self.expect("(")
        self.open.append("(")
        params: list[Param] = []
        while not self.at(")"):
            params.append(self.parse_param((")",)))
            if not self.at(","):
                break
            self.advance()
        self.open.pop()
        self.expect(")")
        return params

    def parse_param(self, enders: tuple[str, ...]) -> Param:
        """One formal parameter: ``[final] [Type] name [= default]``."""
        start = self.peek().start
        while self.at("@"):
            self.parse_annotation()
        while self.peek().kind == NAME and self.peek().value in MODIFIERS:
            self.advance()
        type_text = None
        j = self.scan_type(self.i)
        if j > 0 and self.toks[j].kind == NAME:
            # ``def`` means untyped, as for variables.
            if not (j == self.i + 1 and self.peek().value == "def"):
                type_text = self.text[self.peek().start : self.toks[j - 1].end]
            self.i = j
        name_tok = self.expect_name()
        default = None
        if self.at("="):
            self.advance()
            default = self.parse_expr()
        if self.peek().kind not in enders and not self.at(","):
            tok = self.peek()
            raise _Bail(tok.start, f"unexpected {_token_text(tok)} in parameter list")
        return Param(start, self.prev_end(), name_tok.value, type_text, default)

    def parse_class(self, start: int, kind: str, modifiers: list[str], annotations: list[Annotation]) -> ClassDef:
        self.advance()
        name = self.expect_name().value
        if self.at("<"):
            # Generic parameters: scan_type from the name skips ``<...>``.
            j = self.scan_type(self.i - 1)
            if j > self.i:
                self.i = j
        extends: list[str] = []
        implements: list[str] = []
        while self.peek().kind == NAME and self.peek().value in ("extends", "implements", "permits"):
            target = extends if self.peek().value == "extends" else implements
            self.advance()
            target.append(self.parse_type())
            while self.at(","):
                self.advance()
                target.append(self.parse_type())
        self.skip_nl()
        self.expect("{")
        self.open.append("{")
        body: list[Node] = []
        if kind == "enum":
            self.parse_enum_constants(body)
        body.extend(self.parse_block_body("}", class_name=name))
        self.open.pop()
        end = self.close("}")
        return ClassDef(start, end, name, kind, body, extends, implements, modifiers, annotations)

    def parse_enum_constants(self, body: list[Node]) -> None:
        self.skip_nl()
        while self.peek().kind == NAME and self.peek(1).kind in (",", "(", "{", ";", NL, "}"):
            tok = self.advance()
            node: Node = Name(tok.start, tok.end, tok.value)
            if self.at("("):
                args: list[Node] = []
                named: list[NamedArg] = []
                self.parse_call_args(args, named)
                node = Call(tok.start, self.prev_end(), None, tok.value, args, named)
            if self.at("{"):
                self.advance()
                self.open.append("{")
                self.parse_block_body("}", class_name=tok.value)
                self.open.pop()
                self.close("}")
                node.end = self.prev_end()
            body.append(node)
            self.skip_nl()
            if not self.at(","):
                break
            self.advance()
            self.skip_nl()

    def parse_keyword_statement(self, word: str) -> Node:
        tok = self.advance()
        start = tok.start
        self.nl_block_ok = False
        if word == "if":
            return self.parse_if(start)
        if word == "for":
            return self.parse_for(start)
        if word == "while":
            cond = self.parse_paren_condition()
            body, end = self.parse_body()
            return While(start, end, cond, body)
        if word == "do":
            self.groovy3(tok)
            body, _ = self.parse_body()
            self.skip_nl()
            if not self.at_name("while"):
                nxt = self.peek()
                raise _Bail(nxt.start, f"expected 'while', found {_token_text(nxt)}")
            self.advance()
            cond = self.parse_paren_condition()
            return While(start, self.prev_end(), cond, body, True)
        if word == "switch":
            return self.parse_switch(start)
        if word == "try":
            return self.parse_try(start)
        if word == "return":
            # Groovy does not accept a command call here: ``return foo bar``
            # is a syntax error.
            value = None if self.peek().kind in _STATEMENT_END else self.parse_expr()
            return Return(start, self.prev_end(), value)
        if word == "throw":
            value = self.parse_expr()
            return Throw(start, self.prev_end(), value)
        if word in ("break", "continue"):
            label = None
            if self.peek().kind == NAME and self.peek().value not in KEYWORDS:
                label = self.advance().value
            cls = Break if word == "break" else Continue
            return cls(start, self.prev_end(), label)
        if word == "assert":
            cond = self.parse_expr()
            message = None
            if self.at(":") or self.at(","):
                self.advance()
                message = self.parse_expr()
            return Assert(start, self.prev_end(), cond, message)
        if word == "import":
            static = False
            if self.at_name("static"):
                self.advance()
                static = True
            name = self.parse_qualified_name()
            star = False
            if self.at(".") and self.peek(1).kind == "*":
                self.advance()
                self.advance()
                star = True
            alias = None
            if self.at_name("as"):
                self.advance()
                alias = self.expect_name().value
            return Import(start, self.prev_end(), name, alias, static, star)
        # package
        name = self.parse_qualified_name()
        return Package(start, self.prev_end(), name)

    def parse_paren_condition(self) -> Node:
        self.skip_nl()
        self.expect("(")
        self.open.append("(")
        cond = self.parse_expr()
        self.open.pop()
        self.expect(")")
        return cond

    def parse_if(self, start: int) -> If:
        # ``else if`` chains are collected in a loop rather than by recursion
        # so that long chains cannot exhaust the Python stack.
        chain: list[If] = []
        while True:
            cond = self.parse_paren_condition()
            then, end = self.parse_body()
            node = If(start, end, cond, then, [])
            if chain:
                chain[-1].orelse = [node]
            chain.append(node)
            save = self.i
            while self.peek().kind in (NL, ";"):
                self.i += 1
            if not self.at_name("else"):
                self.i = save
                break
            self.advance()
            self.skip_nl()
            if self.at_name("if"):
                start = self.advance().start
                continue
            node.orelse, _ = self.parse_body()
            break
        end = self.prev_end()
        for node in chain:
            node.end = end
        return chain[0]

    def parse_for(self, start: int) -> For:
        self.skip_nl()
        lp = self.expect("(")
        self.open.append("(")
        close = lp.match
        classic = False
        if close > self.i:
            depth = 0
            for j in range(self.i, close):
                k = self.toks[j].kind
                if k in _OPENERS:
                    depth += 1
                elif k in _CLOSER_OPENER:
                    depth -= 1
                elif k == ";" and depth == 0:
                    classic = True
                    break
        if classic:
            init: list[Node] = []
            if not self.at(";"):
                self.parse_for_init_into(init)
            self.expect(";")
            cond = None if self.at(";") else self.parse_expr()
            self.expect(";")
            update: list[Node] = []
            while not self.at(")"):
                update.append(self.parse_expr())
                if not self.at(","):
                    break
                self.advance()
            self.open.pop()
            self.expect(")")
            body, end = self.parse_body()
            return For(start, end, None, None, body, init, cond, update)
        while self.peek().kind == NAME and self.peek().value in MODIFIERS:
            self.advance()
        j = self.scan_type(self.i)
        if j > 0 and self.toks[j].kind == NAME and self.toks[j].value != "in":
            self.i = j
        var = self.expect_name().value
        if self.at_name("in") or self.at(":"):
            self.advance()
        else:
            tok = self.peek()
            raise _Bail(tok.start, f"expected 'in', found {_token_text(tok)}")
        iterable = self.parse_expr()
        self.open.pop()
        self.expect(")")
        body, end = self.parse_body()
        return For(start, end, var, iterable, body)

    def parse_for_init_into(self, init: list[Node]) -> None:
        start = self.peek().start
        if self.at_name("def"):
            self.advance()
            self.parse_declarators_into(init, start, None, [], [])
            return
        j = self.scan_type(self.i)
        if j > 0 and self.toks[j].kind == NAME and self.toks[j + 1].kind in ("=", ";", ","):
            type_text = self.text[start : self.toks[j - 1].end]
            self.i = j
            self.parse_declarators_into(init, start, type_text, [], [])
            return
        while True:
            init.append(self.parse_expr())
            if not self.at(","):
                return
            self.advance()

    def parse_switch(self, start: int) -> Switch:
        subject = self.parse_paren_condition()
        self.skip_nl()
        self.expect("{")
        self.open.append("{")
        cases: list[Case] = []
        while True:
            while self.peek().kind in (NL, ";"):
                self.i += 1
            tok = self.peek()
            if tok.kind in ("}", ")", "]", EOF):
                break
            if tok.kind != NAME or tok.value not in ("case", "default"):
                # Statements before the first case label are not valid
                # Groovy; parse and drop them so the switch still closes.
                self.error(tok.start, "statement outside case in switch")
                before = self.i
                self.parse_block_body("}", switch=True)
                if self.i == before:
                    break
                continue
            self.advance()
            values: list[Node] = []
            if tok.value == "case":
                values.append(self.parse_expr())
                while self.at(","):
                    self.advance()
                    values.append(self.parse_expr())
            if not (self.at(":") or self.at("->")):
                nxt = self.peek()
                raise _Bail(nxt.start, f"expected ':', found {_token_text(nxt)}")
            colon_end = self.advance().end
            body = self.parse_block_body("}", switch=True)
            cases.append(Case(tok.start, body[-1].end if body else colon_end, values, body))
        self.open.pop()
        end = self.close("}")
        return Switch(start, end, subject, cases)

    def parse_try(self, start: int) -> Try:
        self.skip_nl()
        body, end = self.parse_braced_block()
        catches: list[Catch] = []
        final = None
        while True:
            save = self.i
            self.skip_nl()
            if self.at_name("catch"):
                ctok = self.advance()
                self.skip_nl()
                self.expect("(")
                self.open.append("(")
                types: list[str] = []
                while self.peek().kind == NAME and self.peek().value in MODIFIERS:
                    self.advance()
                if self.peek(1).kind == ")" or (self.at_name("def") and self.peek(2).kind == ")"):
                    if self.at_name("def"):
                        self.advance()
                    name = self.expect_name().value
                else:
                    types.append(self.parse_type())
                    while self.at("|"):
                        self.advance()
                        types.append(self.parse_type())
                    name = self.expect_name().value
                self.open.pop()
                self.expect(")")
                self.skip_nl()
                cbody, end = self.parse_braced_block()
                catches.append(Catch(ctok.start, end, types, name, cbody))
                continue
            if self.at_name("finally"):
                self.advance()
                self.skip_nl()
                final, end = self.parse_braced_block()
                break
            self.i = save
            break
        return Try(start, end, body, catches, final)

    def parse_command_or_expr(self) -> Node:
        """An expression, or a paren-less command call such as ``sh 'make'``,
        ``input message: 'x'`` or the chain ``a b c d`` (= ``a(b).c(d)``)."""
        expr = self.parse_expr()
        if isinstance(expr, (Name, Property)) and self.starts_command_arg():
            return self.parse_command(expr)
        if isinstance(expr, Call) and (expr.parens or expr.closure is not None) and self.starts_chain_element():
            # ``foo(1) bar 2`` continues as a chain: ``foo(1).bar(2)``, and
            # so does ``agent { } options { }`` written on one line.
            return self.parse_command_chain(expr)
        return expr

    def starts_command_arg(self) -> bool:
        tok = self.toks[self.i]
        k = tok.kind
        if k == STR or k == NUM or k == ERROR or k == "!" or k == "~":
            return True
        if k == NAME:
            return tok.value not in KEYWORDS or tok.value in _VALUE_START_KEYWORDS
        return False

    def starts_chain_element(self) -> bool:
        tok = self.toks[self.i]
        if tok.kind == NAME:
            return tok.value not in KEYWORDS
        return tok.kind == STR or tok.kind == NUM

    def parse_command(self, head: Node) -> Node:
        # A block after the arguments belongs to the last argument, as in
        # Groovy: ``foo 'x' { }`` calls ``x`` with the closure, and a ``{`` on
        # the next line is an error rather than an argument.
        self.nl_block_ok = False
        args: list[Node] = []
        named: list[NamedArg] = []
        self.parse_arg_list_into(args, named, closer=None)
        call = _make_call(head, head.start, self.prev_end(), args, named, None, parens=False)
        if self.starts_chain_element():
            return self.parse_command_chain(call)
        return call

    def parse_command_chain(self, receiver: Node) -> Node:
        """Command chain: ``a b c d`` means ``a(b).c(d)`` and ``a b c`` means
        ``a(b).c``; the names may also be strings or numbers."""
        while True:
            tok = self.advance()
            node: Node = Property(receiver.start, tok.end, receiver, tok.value)
            node = self.parse_postfix(node, receiver.start)
            if not (isinstance(node, (Name, Property)) and self.starts_command_arg()):
                return node
            args: list[Node] = []
            named: list[NamedArg] = []
            self.parse_arg_list_into(args, named, closer=None)
            receiver = _make_call(node, node.start, self.prev_end(), args, named, None, parens=False)
            if not self.starts_chain_element():
                return receiver

    def parse_expr(self, min_prec: int = 0) -> Node:
        self.enter()
        try:
            start = self.peek().start
            left = self.parse_unary()
            toks = self.toks
            while True:
                tok = toks[self.i]
                k = tok.kind
                if k == NL:
                    j = self.i + 1
                    while toks[j].kind == NL:
                        j += 1
                    if toks[j].kind in _NL_CONTINUATION_OPS and _BINARY_PREC[toks[j].kind] >= min_prec:
                        self.i = j
                        continue
                    return left
                if k == NAME:
                    op = tok.value if tok.value in ("in", "instanceof", "as") else None
                elif k == ERROR:
                    return left
                else:
                    op = k
                if op in _ASSIGN_OPS:
                    if min_prec > 1:
                        return left
                    if op in _GROOVY3_OPS:
                        self.groovy3(tok)
                    self.advance()
                    self.skip_nl()
                    value = self.parse_command_or_expr()
                    left = Assign(start, value.end, left, op, value)
                    continue
                prec = _BINARY_PREC.get(op) if op is not None else None
                if prec is None or prec < min_prec:
                    return left
                if op in _GROOVY3_OPS:
                    self.groovy3(tok)
                self.advance()
                self.skip_nl()
                if op == "?":
                    then = self.parse_expr(_TERNARY_PREC)
                    self.skip_nl()
                    self.expect(":")
                    self.skip_nl()
                    orelse = self.parse_expr(_TERNARY_PREC)
                    left = Ternary(start, orelse.end, left, then, orelse)
                elif op == "?:":
                    right = self.parse_expr(_TERNARY_PREC)
                    left = Binary(start, right.end, op, left, right)
                elif op == "as":
                    type_text = self.parse_type()
                    left = Cast(start, self.prev_end(), left, type_text, "as")
                elif op == "instanceof" or op == "!instanceof":
                    type_start = self.peek().start
                    type_text = self.parse_type()
                    left = Binary(start, self.prev_end(), op, left, Name(type_start, self.prev_end(), type_text))
                else:
                    right = self.parse_expr(prec + 1 if op != "**" else prec)
                    left = Binary(start, right.end, op, left, right)
        finally:
            self.depth -= 1

    def parse_unary(self) -> Node:
        tok = self.toks[self.i]
        k = tok.kind
        if k in ("-", "+", "!", "~", "++", "--"):
            self.advance()
            self.skip_nl()
            operand = self.parse_expr(_UNARY_PREC)
            return Unary(tok.start, operand.end, k, operand)
        if k == "(" and self.is_cast():
            self.advance()
            type_text = self.parse_type()
            self.expect(")")
            operand = self.parse_expr(_UNARY_PREC)
            return Cast(tok.start, operand.end, operand, type_text, "paren")
        node = self.parse_primary()
        return self.parse_postfix(node, tok.start)

    def is_cast(self) -> bool:
        """``(Type) expr`` - only when the parenthesised text is clearly a type."""
        j = self.scan_type(self.i + 1)
        if j < 0 or self.toks[j].kind != ")":
            return False
        first = self.toks[self.i + 1]
        last_name = self.toks[j - 1]
        looks_like_type = (
            first.value in PRIMITIVES
            or last_name.kind != NAME
            or (last_name.value[:1].isupper() and not last_name.value.isupper())
        )
        if not looks_like_type:
            return False
        nxt = self.toks[j + 1]
        if nxt.nl_before:
            return False
        if nxt.kind == NAME:
            return nxt.value not in KEYWORDS or nxt.value in _VALUE_START_KEYWORDS
        return nxt.kind in (STR, NUM, "(", "!", "~", "[")

    def parse_primary(self) -> Node:
        tok = self.toks[self.i]
        k = tok.kind
        if k == NAME:
            v = tok.value
            if v in KEYWORDS:
                if v == "true" or v == "false":
                    self.advance()
                    return Bool(tok.start, tok.end, v == "true")
                if v == "null":
                    self.advance()
                    return Null(tok.start, tok.end)
                if v == "new":
                    return self.parse_new()
                if v not in ("this", "super") and v not in PRIMITIVES:
                    raise _Bail(tok.start, f"unexpected keyword {v!r}")
            self.advance()
            return Name(tok.start, tok.end, v)
        if k == STR:
            self.advance()
            return self.make_str(tok)
        if k == NUM:
            self.advance()
            return Number(tok.start, tok.end, _number_value(tok.value), tok.value)
        if k == "(":
            return self.parse_paren()
        if k == "[":
            return self.parse_list_or_map()
        if k == "{":
            return self.parse_closure()
        if k == ERROR:
            # The lexer already reported it.
            self.advance()
            return ErrorNode(tok.start, tok.end, tok.value)
        raise _Bail(tok.start, f"expected an expression, found {_token_text(tok)}")

    def parse_postfix(self, node: Node, start: int) -> Node:
        toks = self.toks
        while True:
            tok = toks[self.i]
            k = tok.kind
            if k in (".", "?.", "*.", ".@"):
                self.advance()
                self.skip_nl()
                name_tok = toks[self.i]
                if name_tok.kind == NAME:
                    name = name_tok.value
                elif name_tok.kind == STR:
                    name = name_tok.value
                elif name_tok.kind == "<":
                    raise _Bail(name_tok.start, "explicit type arguments are not supported")
                else:
                    raise _Bail(name_tok.start, f"expected a property name, found {_token_text(name_tok)}")
                self.advance()
                node = Property(start, name_tok.end, node, name, k)
                if toks[self.i].kind == "(":
                    args: list[Node] = []
                    named: list[NamedArg] = []
                    self.parse_call_args(args, named)
                    node = _make_call(node, start, self.prev_end(), args, named, None, parens=True)
            elif k == ".&" or k == "::":
                if k == "::":
                    self.groovy3(tok)
                self.advance()
                name_tok = self.advance()
                if name_tok.kind != NAME:
                    raise _Bail(name_tok.start, f"expected a method name, found {_token_text(name_tok)}")
                node = MethodRef(start, name_tok.end, node, name_tok.value)
            elif k == "(":
                args = []
                named = []
                self.parse_call_args(args, named)
                node = _make_call(node, start, self.prev_end(), args, named, None, parens=True)
            elif k == "[":
                lb = self.advance()
                self.open.append("[")
                items: list[Node] = []
                pairs: list[tuple[Node, Node]] = []
                while not self.at("]"):
                    entry, key = self.parse_entry()
                    if key is not None and isinstance(entry, NamedArg):
                        pairs.append((key, entry.value))
                    else:
                        items.append(entry)
                    if not self.at(","):
                        break
                    self.advance()
                self.open.pop()
                rb = self.expect("]")
                if pairs:
                    # ``a[k: v]`` indexes with a map.
                    index: Node = MapLit(lb.start + 1, rb.start, pairs)
                    if items:
                        self.error(items[0].start, "list item in map index")
                elif not items:
                    # ``String[]`` used as a value: the array class.
                    index = ListLit(lb.start, rb.end, [])
                elif len(items) == 1:
                    index = items[0]
                else:
                    index = ListLit(items[0].start, items[-1].end, items)
                node = Index(start, rb.end, node, index)
            elif k == "{":
                # Groovy appends a block to whatever precedes it: a call
                # gains a closure argument, ``name {}`` calls name, and even
                # ``1 {}`` means ``1.call({})``.
                closure = self.parse_closure()
                if isinstance(node, Call) and (node.parens or node.closure is not None):
                    if node.closure is not None:
                        node.args.append(node.closure)
                    node.closure = closure
                    node.end = closure.end
                else:
                    node = _make_call(node, start, closure.end, [], [], closure, parens=False)
            elif k in ("++", "--"):
                self.advance()
                return Unary(start, tok.end, k, node, True)
            elif k == NL:
                j = self.i + 1
                while toks[j].kind == NL:
                    j += 1
                nk = toks[j].kind
                if nk in _NL_CONTINUATION_POSTFIX or (nk == "{" and self.nl_block_ok):
                    self.i = j
                    continue
                return node
            else:
                return node

    def parse_call_args(self, args: list[Node], named: list[NamedArg]) -> None:
        self.expect("(")
        self.open.append("(")
        self.parse_arg_list_into(args, named, closer=")")
        self.open.pop()
        tok = self.peek()
        if tok.kind == ")":
            self.advance()
            return
        if tok.kind in ("}", "]") and _CLOSER_OPENER[tok.kind] in self.open:
            self.error(tok.start, "missing ')'")
            return
        raise _Bail(tok.start, f"expected ',' or ')', found {_token_text(tok)}")

    def parse_arg_list_into(self, args: list[Node], named: list[NamedArg], closer: str | None) -> None:
        """Comma-separated positional and named arguments.

        ``closer`` is ``)`` inside parentheses and None for command calls,
        where the list ends at the first token that is not a comma.
        """
        while True:
            if closer is not None and self.at(closer):
                return
            entry, _ = self.parse_entry()
            if isinstance(entry, NamedArg):
                named.append(entry)
            else:
                args.append(entry)
            if not self.at(","):
                return
            self.advance()
            self.skip_nl()
            if closer is not None:
                # Groovy 2.4 ignores empty arguments: ``f(a,, b)`` is ``f(a, b)``.
                while self.at(","):
                    self.advance()

    def parse_entry(self) -> tuple[Node, Node | None]:
        """A list item or argument, or a ``key: value`` entry.

        Returns (node, key): for an entry ``node`` is a NamedArg and ``key``
        the key as a node (a bare word becomes a ``Str`` with quote ``''``);
        for a plain item ``key`` is None.
        """
        tok = self.toks[self.i]
        k = tok.kind
        nxt = self.peek(1)
        if nxt.kind == ":" and k in (NAME, STR, NUM):
            self.advance()
            self.advance()
            self.skip_nl()
            value = self.parse_expr()
            key: Node
            if k == STR:
                key = self.make_str(tok)
            elif k == NUM:
                key = Number(tok.start, tok.end, _number_value(tok.value), tok.value)
            else:
                key = Str(tok.start, tok.end, tok.value, tok.value, [tok.value], "")
            key_expr = key if isinstance(key, Str) and key.interpolated else None
            return NamedArg(tok.start, value.end, tok.value, value, key_expr), key
        if k == "*":
            self.advance()
            if self.at(":"):
                # Spread map entry ``*: otherMap``.
                self.advance()
                value = self.parse_expr()
                return NamedArg(tok.start, value.end, "*", value, None), Name(tok.start, tok.end, "*")
            value = self.parse_expr()
            return Unary(tok.start, value.end, "*", value), None
        value = self.parse_expr()
        if self.at(":"):
            self.advance()
            self.skip_nl()
            val = self.parse_expr()
            return NamedArg(tok.start, val.end, self.text[value.start : value.end], val, value), value
        return value, None

    def parse_paren(self) -> Node:
        lp = self.advance()
        self.open.append("(")
        first = self.parse_expr()
        if self.at(","):
            items = [first]
            while self.at(","):
                self.advance()
                items.append(self.parse_expr())
            self.open.pop()
            rp = self.expect(")")
            if not self.at("="):
                self.error(lp.start, "a parenthesised list is only allowed before '=' (multiple assignment)")
            return ListLit(lp.start, rp.end, items)
        self.open.pop()
        self.expect(")")
        return first

    def parse_list_or_map(self) -> Node:
        lb = self.advance()
        self.open.append("[")
        if self.at(":") and self.peek(1).kind == "]":
            self.advance()
            self.open.pop()
            rb = self.advance()
            return MapLit(lb.start, rb.end, [])
        entries: list[tuple[Node, Node | None]] = []
        while not self.at("]"):
            entries.append(self.parse_entry())
            if not self.at(","):
                break
            self.advance()
            while self.at(",") and self.peek(1).kind != "]":
                # Empty elements are ignored, as in argument lists.
                self.advance()
        self.open.pop()
        tok = self.peek()
        if tok.kind == "]":
            self.advance()
            end = tok.end
        elif tok.kind in (")", "}") and _CLOSER_OPENER[tok.kind] in self.open:
            self.error(tok.start, "missing ']'")
            end = self.prev_end()
        else:
            raise _Bail(tok.start, f"expected ',' or ']', found {_token_text(tok)}")
        if entries and entries[0][1] is not None:
            pairs: list[tuple[Node, Node]] = []
            for entry, key in entries:
                if key is not None and isinstance(entry, NamedArg):
                    pairs.append((key, entry.value))
                else:
                    self.error(entry.start, "list item in map literal")
            return MapLit(lb.start, end, pairs)
        items: list[Node] = []
        for entry, key in entries:
            if isinstance(entry, NamedArg):
                self.error(entry.start, "map entry in list literal")
                items.append(entry.value)
            else:
                items.append(entry)
        return ListLit(lb.start, end, items)

    def parse_closure(self) -> Closure:
        lb = self.expect("{")
        self.open.append("{")
        params: list[Param] = []
        if self.closure_has_params():
            self.skip_nl()
            while not self.at("->"):
                params.append(self.parse_param(("->",)))
                if not self.at(","):
                    break
                self.advance()
                self.skip_nl()
            self.expect("->")
        body = self.parse_block_body("}")
        self.open.pop()
        end = self.close("}")
        return Closure(lb.start, end, params, body)

    def closure_has_params(self) -> bool:
        """Look ahead for ``->`` before the first statement of a closure."""
        toks = self.toks
        j = self.i
        while toks[j].kind == NL:
            j += 1
        limit = j + _PARAM_SCAN_LIMIT
        depth = 0
        while j < limit:
            k = toks[j].kind
            if k == "->" and depth == 0:
                return True
            if k == "(" or k == "[":
                depth += 1
            elif k == ")" or k == "]":
                depth -= 1
                if depth < 0:
                    return False
            elif k in (NL, ";", "{", "}", EOF) and depth == 0:
                return False
            elif k == EOF:
                return False
            j += 1
        return False

    def parse_new(self) -> Node:
        new_tok = self.advance()
        type_start = self.peek().start
        j = self.scan_type(self.i)
        if j < 0:
            tok = self.peek()
            raise _Bail(tok.start, f"expected a type after 'new', found {_token_text(tok)}")
        # ``new int[3]``: scan_type stops before ``[3]``; array sizes become args.
        self.i = j
        type_text = self.text[type_start : self.toks[j - 1].end]
        args: list[Node] = []
        named: list[NamedArg] = []
        body = None
        if self.at("("):
            self.parse_call_args(args, named)
            if self.at("{"):
                body, _ = self.parse_braced_block(class_name=type_text)
        else:
            while self.at("["):
                self.advance()
                self.open.append("[")
                if not self.at("]"):
                    args.append(self.parse_expr())
                self.open.pop()
                self.expect("]")
                type_text += "[]"
            if self.at("{"):
                # Array initialiser ``new String[] {'a', 'b'}``.
                lb = self.advance()
                self.open.append("{")
                items: list[Node] = []
                self.skip_nl()
                while not self.at("}"):
                    items.append(self.parse_expr())
                    self.skip_nl()
                    if not self.at(","):
                        break
                    self.advance()
                    self.skip_nl()
                self.open.pop()
                rb = self.expect("}")
                args.append(ListLit(lb.start, rb.end, items))
        return New(new_tok.start, self.prev_end(), type_text, args, named, body)

    def make_str(self, tok: Token) -> Str:
        parts: list[str | Node] = []
        for part in tok.parts or [tok.value]:
            if isinstance(part, Interp):
                parts.append(self.parse_interpolation(part))
            else:
                parts.append(part)
        return Str(tok.start, tok.end, tok.value, self.text[tok.start : tok.end], parts, tok.quote)

    def parse_interpolation(self, interp: Interp) -> Node:
        saved = (self.toks, self.i, self.open)
        toks = interp.tokens
        match_brackets(toks)
        self.toks, self.i, self.open = toks, 0, []
        try:
            inner_start = toks[0].start
            if self.at("->"):
                self.advance()
                body = self.parse_block_body(None)
                return Closure(inner_start, body[-1].end if body else toks[0].end, [], body)
            body = self.parse_block_body(None)
            if len(body) == 1:
                return body[0]
            if not body:
                return Null(inner_start, inner_start)
            return Closure(body[0].start, body[-1].end, [], body)
        except _Bail as bail:
            self.error(bail.offset, bail.message)
            return ErrorNode(toks[0].start, toks[-1].start, bail.message)
        finally:
            self.toks, self.i, self.open = saved


def _already_reported(toks: list[Token], err_i: int, bail: _Bail) -> bool:
    """Whether the failure is at, or right after, an error token the lexer
    already reported; one stray character should cost one error."""
    if 0 <= err_i < len(toks) and toks[err_i].kind == ERROR and toks[err_i].start == bail.offset:
        return True
    return 0 < err_i < len(toks) and toks[err_i - 1].kind == ERROR


def _make_call(
    target: Node,
    start: int,
    end: int,
    args: list[Node],
    named: list[NamedArg],
    closure: Closure | None,
    parens: bool,
) -> Call:
    if isinstance(target, Name):
        return Call(start, end, None, target.id, args, named, closure, "", parens)
    if isinstance(target, Str):
        # Groovy calls a method named by the string: ``'x' {}`` is ``x({})``.
        return Call(start, end, None, target.value, args, named, closure, "", parens)
    if isinstance(target, Property):
        return Call(start, end, target.obj, target.name, args, named, closure, target.op, parens)
    return Call(start, end, target, "call", args, named, closure, "", parens)


def _number_value(raw: str) -> int | float | str:
    text = raw.replace("_", "")
    try:
        if text[:2] in ("0x", "0X"):
            return int(text[2:].rstrip("lLiIgG"), 16)
        if text[:2] in ("0b", "0B"):
            return int(text[2:].rstrip("lLiIgG"), 2)
        body = text.rstrip("lLiIgGdDfF")
        if any(ch in body for ch in ".eE") or text[-1:] in "dDfF":
            return float(body)
        return int(body)
    except ValueError:
        return raw


def parse(text: str) -> Module:
    """Parse Groovy source into a ``Module``; never raises."""
    old_limit = sys.getrecursionlimit()
    # Each nesting level costs a handful of Python frames; make sure the
    # explicit MAX_NESTING guard triggers before Python's own limit.
    needed = MAX_NESTING * 12 + 1000
    if old_limit < needed:
        sys.setrecursionlimit(needed)
    try:
        parser = _Parser(text)
        body = parser.parse_block_body(None)
        errors = sorted(set(parser.errors))
        return Module(0, len(text), body, errors, parser.comments)
    except RecursionError:
        return Module(0, len(text), [], [ParseError(0, "nesting too deep")], [])
    except Exception as exc:  # noqa: BLE001 - the contract is that parse() never raises
        return Module(0, len(text), [], [ParseError(0, f"internal parser error: {exc!r}")], [])
    finally:
        if old_limit < needed:
            sys.setrecursionlimit(old_limit)

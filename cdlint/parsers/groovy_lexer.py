"""Error-tolerant lexer for the Groovy subset used by Jenkinsfiles.

The lexer never raises.  Problems (unterminated strings or comments,
stray characters) become ``error`` tokens and entries in ``Lexer.errors``.

Token kinds: ``name`` (identifiers and keywords alike; the parser decides
what a keyword means in context), ``num``, ``str``, ``nl``, ``eof``,
``error``, and for punctuation the operator text itself (``(``, ``?.``,
``..<`` ...), so the parser can compare ``tok.kind == "("``.

Newlines are significant in Groovy, but only where a statement could end:
inside ``(...)`` and ``[...]`` they are plain whitespace, so the lexer
drops them there and emits ``nl`` only at the top level or directly inside
``{...}``.  Runs of newlines collapse into one token.  Every token still
records whether a line break preceded it (``nl_before``), which the parser
uses to resynchronise after errors.

String tokens carry ``parts``: decoded literal text (``str``) and
``Interp`` objects holding the already-lexed tokens of each ``${...}`` or
``$name.prop`` interpolation, with exact offsets into the original text.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from cdlint.safetext import scrub


class ParseError(NamedTuple):
    """A syntax problem: 0-based character offset and a message."""

    offset: int
    message: str


class Comment(NamedTuple):
    """A comment (``//``, ``/* */`` or a ``#!`` shebang) with its offsets."""

    start: int
    end: int
    text: str


class Token:
    __slots__ = ("kind", "value", "start", "end", "nl_before", "parts", "quote", "match")

    def __init__(self, kind: str, value: str, start: int, end: int, nl_before: bool = False) -> None:
        self.kind = kind
        self.value = value
        self.start = start
        self.end = end
        self.nl_before = nl_before
        self.parts: list[str | Interp] | None = None
        self.quote = ""
        # Index of the matching bracket token in the same token list; -1 when
        # the bracket is unmatched or the token is no bracket.  Filled in by
        # ``match_brackets``.
        self.match = -1

    def __repr__(self) -> str:
        return f"Token({self.kind!r}, {self.value!r}, {self.start}, {self.end})"


class Interp:
    """One interpolation inside a GString.

    ``start``/``end`` span the whole ``${...}`` or ``$name`` source; ``tokens``
    are the tokens of the embedded code (ending in an ``eof`` token) and
    ``braced`` tells the two forms apart.
    """

    __slots__ = ("start", "end", "tokens", "braced")

    def __init__(self, start: int, end: int, tokens: list[Token], braced: bool) -> None:
        self.start = start
        self.end = end
        self.tokens = tokens
        self.braced = braced


NAME, NUM, STR, NL, EOF, ERROR = "name", "num", "str", "nl", "eof", "error"

# Reserved words.  ``var``, ``yield``, ``trait``, ``record`` and friends are
# contextual in Groovy and are commonly used as variable names, so they are
# not listed.
KEYWORDS = frozenset(
    """abstract as assert boolean break byte case catch char class continue def
    default do double else enum extends false final finally float for if
    implements import in instanceof int interface long native new null package
    private protected public return short static strictfp super switch
    synchronized this throw throws transient true try void volatile while""".split()
)
# Keywords that are complete operands themselves: a ``/`` after them divides.
VALUE_KEYWORDS = frozenset(("this", "super", "true", "false", "null"))

MAX_NESTING = 200

OPERATORS = sorted(
    """>>>= >>> >>= <<= <=> ..< ==~ **= === !== ... ?. *. .& .@ ?: =~ == != <= >=
    && || ++ -- += -= *= /= %= &= |= ^= ** -> .. << >> :: ?= + - * / % = < > ! ~
    ? : . , ; ( ) [ ] { } @ & | ^""".split(),
    key=len,
    reverse=True,
)
_REST_OF_LINE_RE = re.compile(r"[^\r\n]*")
# Inside GStrings ``$`` ends an identifier: "$a$b" interpolates a and b.
_GSTRING_IDENT_RE = re.compile(r"[^\W\d]\w*")
# One regex finds the next token after whitespace (and backslash-newline
# continuations); the lexer dispatches on the name of the group that
# matched.  Slashes, quotes and ``$/`` need context and are finished by hand.
_MAIN_RE = re.compile(
    r"""
    [ \t\f\v\u00a0\ufeff]*(?:(?:\\\r?\n|\\\r)[ \t\f\v\u00a0\ufeff]*)*
    (?:
        (?P<name>(?:[^\W\d]|\$)(?:\w|\$)*)
      | (?P<op>"""
    + "|".join(re.escape(op) for op in OPERATORS if op not in ("/", "/="))
    + r""")
      | (?P<nl>\r\n|\r|\n)
      | (?P<plain>'(?!'')[^'\\\r\n]*'|"(?!"")[^"\\$\r\n]*")
      | (?P<str>['"])
      | (?P<slash>/)
      | (?P<num>
            0[xX][0-9a-fA-F](?:[0-9a-fA-F_]*[0-9a-fA-F])?[lLiIgG]?
          | 0[bB][01](?:[01_]*[01])?[lLiIgG]?
          | \d(?:[\d_]*\d)?(?:\.\d(?:[\d_]*\d)?)?(?:[eE][+-]?\d+)?[lLiIgGdDfF]?
        )
      | (?P<end>\Z)
      | (?P<other>.)
    )
    """,
    re.X | re.S,
)
_MEMBER_OPS = frozenset((".", "?.", "*.", ".&", ".@", "::"))
_OPERAND_END_OPS = frozenset((")", "]", "}", "++", "--"))
_NOT_IN_RE = re.compile(r"!(?:instanceof|in)(?![\w$])")

_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {")": "(", "]": "[", "}": "{"}

_SIMPLE_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "b": "\b",
    "r": "\r",
    "f": "\f",
    "s": " ",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "$": "$",
}

# Per string style: (opening, closing, interpolates, multiline, escape style)
_STRING_STYLES = {
    "'": ("'", "'", False, False, "std"),
    '"': ('"', '"', True, False, "std"),
    "'''": ("'''", "'''", False, True, "std"),
    '"""': ('"""', '"""', True, True, "std"),
    "/": ("/", "/", True, True, "slashy"),
    "$/": ("$/", "/$", True, True, "dollar"),
}
# Runs of characters that need no attention, per style.
_PLAIN_RUN = {
    "'": re.compile(r"[^'\\\r\n]+"),
    '"': re.compile(r'[^"\\$\r\n]+'),
    "'''": re.compile(r"[^'\\]+"),
    '"""': re.compile(r'[^"\\$]+'),
    "/": re.compile(r"[^/\\$]+"),
    "$/": re.compile(r"[^/$]+"),
}


class Lexer:
    """Turns Groovy source into a token list; see the module docstring."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.errors: list[ParseError] = []
        self.comments: list[Comment] = []
        self._depth = 0

    def tokenize(self) -> list[Token]:
        toks, _, _ = self._lex(0, interp=False, single_line=False)
        return toks

    def _error(self, offset: int, message: str) -> None:
        self.errors.append(ParseError(offset, message))

    def _lex(self, pos: int, interp: bool, single_line: bool) -> tuple[list[Token], int, bool]:
        """Lex from ``pos``.

        At the top level this runs to the end of the text.  For an
        interpolation (``interp``) it stops at the ``}`` that closes the
        ``${``, returning the position after it and True; it returns False
        when the interpolation is unterminated (end of text, or a line break
        inside a single-line string).
        """
        text = self.text
        n = len(text)
        toks: list[Token] = []
        stack: list[str] = []
        # Whether the previous token ends an operand.  Decides between a
        # slashy string and division for ``/`` (and ``$/``), and between
        # ``!in`` and ``!`` followed by a name.
        operand = False
        nl_before = pos == 0
        append = toks.append
        if pos == 0 and text.startswith("#!"):
            end = _line_end(text, 0)
            self.comments.append(Comment(0, end, text[0:end]))
            pos = end
        main = _MAIN_RE.match
        while True:
            m = main(text, pos)
            group = m.lastgroup
            pos = m.end()
            start = m.start(group)
            if group == "name":
                word = m.group(group)
                if word == "$" and not operand and text.startswith("/", pos):
                    tok, pos = self._string(start, "$/")
                    tok.nl_before = nl_before
                    append(tok)
                    operand = tok.kind == STR
                else:
                    after_dot = bool(toks) and toks[-1].kind in _MEMBER_OPS
                    append(Token(NAME, word, start, pos, nl_before))
                    operand = after_dot or word not in KEYWORDS or word in VALUE_KEYWORDS
            elif group == "op":
                op = m.group(group)
                if op == "!" and operand:
                    m = _NOT_IN_RE.match(text, start)
                    if m is not None:
                        op = m.group()
                        pos = m.end()
                if op in _OPENERS:
                    stack.append(op)
                elif op in _CLOSERS:
                    if interp and op == "}" and not stack:
                        append(Token(EOF, "", start, start, nl_before))
                        return toks, pos, True
                    opener = _CLOSERS[op]
                    if stack and stack[-1] == opener:
                        stack.pop()
                    elif opener in stack:
                        # Mismatched closer: assume the brackets opened
                        # after its partner were never closed.
                        while stack.pop() != opener:
                            pass
                append(Token(op, op, start, pos, nl_before))
                operand = op in _OPERAND_END_OPS
            elif group == "nl":
                if interp and single_line and not stack:
                    return toks, start, False
                if not stack or stack[-1] == "{":
                    if toks and toks[-1].kind != NL:
                        append(Token(NL, "\n", start, pos))
                    operand = False
                nl_before = True
                continue
            elif group == "plain":
                # Fast path: a one-line string without escapes or interpolation.
                value = text[start + 1 : pos - 1]
                tok = Token(STR, value, start, pos, nl_before)
                tok.parts = [value]
                tok.quote = text[start]
                append(tok)
                operand = True
            elif group == "str":
                c = text[start]
                style = c * 3 if text.startswith(c * 3, start) else c
                tok, pos = self._string(start, style)
                tok.nl_before = nl_before
                append(tok)
                operand = tok.kind == STR
            elif group == "slash":
                nxt = text[pos : pos + 1]
                if nxt == "/":
                    end = _line_end(text, start)
                    self.comments.append(Comment(start, end, text[start:end]))
                    pos = end
                    continue
                if nxt == "*":
                    end = text.find("*/", pos + 1)
                    if end < 0:
                        self._error(start, "unterminated comment")
                        append(Token(ERROR, "unterminated comment", start, n, nl_before))
                        self.comments.append(Comment(start, n, text[start:]))
                        pos = n
                        continue
                    end += 2
                    self.comments.append(Comment(start, end, text[start:end]))
                    pos = end
                    # A block comment spanning lines separates statements
                    # like a line break would.
                    if "\n" in text[start:end] or "\r" in text[start:end]:
                        if interp and single_line and not stack:
                            return toks, start, False
                        if (not stack or stack[-1] == "{") and toks and toks[-1].kind != NL:
                            append(Token(NL, "\n", start, end))
                            operand = False
                        nl_before = True
                    continue
                if operand:
                    if nxt == "=":
                        pos += 1
                    op = text[start:pos]
                    append(Token(op, op, start, pos, nl_before))
                    operand = False
                else:
                    tok, pos = self._string(start, "/")
                    tok.nl_before = nl_before
                    append(tok)
                    operand = tok.kind == STR
            elif group == "num":
                append(Token(NUM, m.group(group), start, pos, nl_before))
                operand = True
            elif group == "end":
                append(Token(EOF, "", n, n, True))
                return toks, n, not interp
            else:
                message = f"unexpected character {text[start]!r}"
                self._error(start, message)
                append(Token(ERROR, message, start, pos, nl_before))
                operand = False
            nl_before = False

    def _string(self, pos: int, style: str) -> tuple[Token, int]:
        """Scan a string literal of the given style starting at ``pos``."""
        text = self.text
        n = len(text)
        opening, closing, interpolates, multiline, escapes = _STRING_STYLES[style]
        plain = _PLAIN_RUN[style]
        start = pos
        i = pos + len(opening)
        parts: list[str | Interp] = []
        buf: list[str] = []
        value: list[str] = []
        self._depth += 1
        too_deep = self._depth > MAX_NESTING
        try:
            while True:
                if too_deep:
                    self._error(start, "strings nested too deeply")
                    return _error_token("strings nested too deeply", start, n), n
                if i >= n:
                    self._error(start, "unterminated string")
                    return _error_token("unterminated string", start, n), n
                m = plain.match(text, i)
                if m:
                    buf.append(m.group())
                    value.append(m.group())
                    i = m.end()
                    continue
                if text.startswith(closing, i):
                    i += len(closing)
                    break
                c = text[i]
                if c == "\n" or c == "\r":
                    if not multiline:
                        # Stop at the line break so the next line lexes normally.
                        self._error(start, "unterminated string")
                        return _error_token("unterminated string", start, i), i
                    buf.append(c)
                    value.append(c)
                    i += 1
                elif c == "\\" and escapes == "std":
                    decoded, i = _escape(text, i)
                    buf.append(decoded)
                    value.append(decoded)
                elif c == "\\" and escapes == "slashy":
                    # Slashy strings only escape the slash itself; every other
                    # backslash is literal, which is what makes them handy for
                    # regular expressions.
                    if text.startswith("\\/", i):
                        buf.append("/")
                        value.append("/")
                        i += 2
                    elif text.startswith("\\u", i) and _is_hex4(text, i + 2):
                        decoded = chr(int(text[i + 2 : i + 6], 16))
                        buf.append(decoded)
                        value.append(decoded)
                        i += 6
                    else:
                        buf.append("\\")
                        value.append("\\")
                        i += 1
                elif c == "$" and escapes == "dollar" and i + 1 < n and text[i + 1] in "$/":
                    buf.append(text[i + 1])
                    value.append(text[i + 1])
                    i += 2
                elif c == "$" and interpolates:
                    errors_before = len(self.errors)
                    interp, i2 = self._interpolation(i, single_line=not multiline)
                    if interp is None:
                        if i2 < 0:
                            buf.append("$")
                            value.append("$")
                            i += 1
                            continue
                        # Whatever went wrong inside the broken interpolation
                        # is one problem: this unterminated string.
                        del self.errors[errors_before:]
                        self._error(start, "unterminated string")
                        return _error_token("unterminated string", start, i2), i2
                    if buf:
                        parts.append(scrub("".join(buf)))
                        buf = []
                    parts.append(interp)
                    value.append(text[i:i2])
                    i = i2
                else:
                    # A closing-quote character that does not close this
                    # style (a lone ' inside ''' or a / inside $/ ... /$).
                    buf.append(c)
                    value.append(c)
                    i += 1
        finally:
            self._depth -= 1
        # Escapes write UTF-16 units: a pair is one character, a lone one is no character.
        if buf or not parts:
            parts.append(scrub("".join(buf)))
        tok = Token(STR, scrub("".join(value)), start, i)
        tok.parts = parts
        tok.quote = style
        return tok, i

    def _interpolation(self, i: int, single_line: bool) -> tuple[Interp | None, int]:
        """Scan an interpolation starting at the ``$`` at ``i``.

        Returns (Interp, end) on success, (None, -1) when the ``$`` does not
        start an interpolation, and (None, end) when it is unterminated.
        """
        text = self.text
        if text.startswith("${", i):
            toks, end, ok = self._lex(i + 2, interp=True, single_line=single_line)
            if not ok:
                return None, end
            return Interp(i, end, toks, True), end
        m = _GSTRING_IDENT_RE.match(text, i + 1)
        if m is None:
            return None, -1
        # "$a.b.c" interpolates the property path a.b.c; a dot not followed
        # by an identifier ("$file.") is literal text.
        toks = [Token(NAME, m.group(), m.start(), m.end())]
        end = m.end()
        while end + 1 < len(text) and text[end] == ".":
            m = _GSTRING_IDENT_RE.match(text, end + 1)
            if m is None:
                break
            toks.append(Token(".", ".", end, end + 1))
            toks.append(Token(NAME, m.group(), m.start(), m.end()))
            end = m.end()
        toks.append(Token(EOF, "", end, end))
        return Interp(i, end, toks, False), end


def _error_token(message: str, start: int, end: int) -> Token:
    return Token(ERROR, message, start, end)


def _line_end(text: str, pos: int) -> int:
    """Offset of the line break ending the line that contains ``pos``."""
    m = _REST_OF_LINE_RE.match(text, pos)
    return m.end() if m else pos


def _is_hex4(text: str, i: int) -> bool:
    return len(text) >= i + 4 and all(ch in "0123456789abcdefABCDEF" for ch in text[i : i + 4])


def _escape(text: str, i: int) -> tuple[str, int]:
    """Decode the backslash escape at ``i``; return (text, next index)."""
    if i + 1 >= len(text):
        return "\\", i + 1
    c = text[i + 1]
    if c in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[c], i + 2
    if c == "\n":
        # A backslash before a line break joins the lines.
        return "", i + 2
    if c == "\r":
        return "", i + 3 if text.startswith("\r\n", i + 1) else i + 2
    if c == "u":
        j = i + 2
        while j < len(text) and text[j] == "u":
            j += 1
        if _is_hex4(text, j):
            return chr(int(text[j : j + 4], 16)), j + 4
        return "\\u", i + 2
    if c in "01234567":
        j = i + 1
        limit = i + (4 if c in "0123" else 3)
        while j < limit and j < len(text) and text[j] in "01234567":
            j += 1
        return chr(int(text[i + 1 : j], 8)), j
    # Groovy rejects unknown escapes; keep them verbatim instead.
    return "\\" + c, i + 2


def match_brackets(toks: list[Token]) -> None:
    """Set ``Token.match`` for every bracket pair in ``toks``.

    Mismatches are resolved like the lexer does: a closer pairs with the
    nearest open partner, and brackets opened after that partner are left
    unmatched.
    """
    stack: list[int] = []
    for idx, tok in enumerate(toks):
        k = tok.kind
        if k in _OPENERS:
            stack.append(idx)
        elif k in _CLOSERS:
            opener = _CLOSERS[k]
            for depth in range(len(stack) - 1, -1, -1):
                if toks[stack[depth]].kind == opener:
                    j = stack[depth]
                    del stack[depth:]
                    tok.match = j
                    toks[j].match = idx
                    break


def tokenize(text: str) -> tuple[list[Token], list[ParseError], list[Comment]]:
    """Lex ``text``; return tokens (ending in ``eof``), errors and comments."""
    lexer = Lexer(text)
    toks = lexer.tokenize()
    return toks, lexer.errors, lexer.comments

"""Text from a repository made safe to hold and to print.

``scrub``: a string Python can encode. YAML and Groovy escapes can write lone UTF-16
surrogates (``"deploy\\uD800"``), and file names that are not UTF-8 reach Python as
surrogates (``\\xff.yml`` is ``"\\udcff.yml"``); neither encodes as UTF-8, so every
report would fail on them. A pair written as two escapes becomes its character, a lone
one U+FFFD.

``visible``: a string safe on a terminal and in a CI log. Control characters (ESC
sequences that clear the screen, set the clipboard (OSC 52) or hide links (OSC 8), a
newline that starts a GitHub workflow command on a line of its own) and the
bidirectional overrides that reorder what is shown are written as escapes (``\\x1b``).
"""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 controls but the tab, DEL, C1 controls, and the bidirectional embeddings, overrides
# and isolates (U+202A-U+202E, U+2066-U+2069).
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def scrub(text: str) -> str:
    """``text`` with surrogates paired into their characters and lone ones replaced."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with control characters written as escapes (``\\x1b``, ``\\x0a``), and lone
    surrogates replaced."""
    return _CONTROL.sub(_escape, scrub(text))

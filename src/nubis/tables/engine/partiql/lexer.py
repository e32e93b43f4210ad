"""The PartiQL tokenizer: statement text to a list of positioned tokens.

Token kinds: bare identifiers (keywords are bare identifiers compared case-insensitively by the parser), quoted
identifiers (``"name"``, ``""`` escapes a quote), string literals (``'text'``, ``''`` escapes a quote), numbers
(``12``, ``-`` is an operator, ``1.5``, ``.5``, ``1e3``), the parameter ``?`` and punctuation, with ``<<`` and
``>>`` as the bag brackets. ``--`` line comments and ``/* */`` block comments are skipped ([P] DynamoDB Local
accepts both). A character the lexer cannot read fails with the "wasn't well formed" envelope and nothing after
the colon, which is what AWS answers for a ``#`` comment or an unterminated block comment ([V]).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from nubis.tables.engine.partiql import messages
from nubis.tables.errors import ValidationException


class Kind(IntEnum):
    IDENT = 1
    QUOTED = 2
    STRING = 3
    NUMBER = 4
    PARAM = 5
    PUNCT = 6
    EOF = 7


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str
    """Identifier or literal text (unescaped), or the punctuation itself."""
    pos: int
    size: int = 0
    """How many characters of the statement the token spans (names and quoted names)."""

    def is_keyword(self, word: str) -> bool:
        return self.kind is Kind.IDENT and self.text.upper() == word


_PUNCT2 = ("<<", ">>", "<=", ">=", "<>", "!=", "||")
_PUNCT1 = "()[]{},.:;*=<>+-/%"


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with one ``EOF`` token.

    Raises:
        ValidationException: a character or literal the lexer cannot read.
    """
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise ValidationException(messages.not_well_formed())
            i = end + 2
            continue
        if c.isalpha() or c == "_":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] in "_$"):
                j += 1
            tokens.append(Token(Kind.IDENT, text[i:j], i, j - i))
            i = j
            continue
        if c in "'\"":
            body, j = _quoted(text, i, c)
            tokens.append(Token(Kind.STRING if c == "'" else Kind.QUOTED, body, i, j - i))
            i = j
            continue
        if c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            j = _number_end(text, i)
            tokens.append(Token(Kind.NUMBER, text[i:j], i))
            i = j
            continue
        if c == "?":
            tokens.append(Token(Kind.PARAM, "?", i))
            i += 1
            continue
        two = text[i : i + 2]
        if two in _PUNCT2:
            tokens.append(Token(Kind.PUNCT, two, i))
            i += 2
            continue
        if c in _PUNCT1:
            tokens.append(Token(Kind.PUNCT, c, i))
            i += 1
            continue
        raise ValidationException(messages.not_well_formed())
    tokens.append(Token(Kind.EOF, "", n))
    return tokens


def _quoted(text: str, start: int, quote: str) -> tuple[str, int]:
    parts: list[str] = []
    i = start + 1
    while True:
        end = text.find(quote, i)
        if end < 0:
            raise ValidationException(messages.not_well_formed())
        parts.append(text[i:end])
        if text.startswith(quote * 2, end):
            parts.append(quote)
            i = end + 2
            continue
        return "".join(parts), end + 1


def _number_end(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i].isdigit():
        i += 1
    if i < n and text[i] == ".":
        i += 1
        while i < n and text[i].isdigit():
            i += 1
    if i < n and text[i] in "eE":
        j = i + 1
        if j < n and text[j] in "+-":
            j += 1
        if j < n and text[j].isdigit():
            while j < n and text[j].isdigit():
                j += 1
            return j
    return i

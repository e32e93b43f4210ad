"""The tokenizer shared by all four expression languages, and AWS's syntax-error wording.

Tokens carry their source span because AWS's syntax error quotes the source around the offending token:
``Syntax error; token: "<tok>", near: "<prev tok .. next tok>"``, the slice running from the start of the token
before to the end of the token after, whitespace and all ([P] messages quoted in aws-cdk#7591 and
dazn-lambda-powertools#242: ``token: ":", near: "hits : incr"``). At the end of input the token is ``<EOF>`` and
the slice runs from the previous token to the end of the text.

Keywords (AND, OR, NOT, BETWEEN, IN, SET, REMOVE, ADD, DELETE) are plain ``NAME`` tokens; each parser decides which
words are keywords in its language, case-insensitively.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Final

from nubis.tables.errors import ValidationException


class TokenKind(IntEnum):
    NAME = 1
    NAME_REF = 2  # "#name"
    VALUE_REF = 3  # ":value"
    NUMBER = 4
    LPAREN = 5
    RPAREN = 6
    LBRACKET = 7
    RBRACKET = 8
    COMMA = 9
    DOT = 10
    EQ = 11
    NE = 12
    LT = 13
    LE = 14
    GT = 15
    GE = 16
    PLUS = 17
    MINUS = 18
    UNKNOWN = 19
    EOF = 20


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    text: str
    start: int
    end: int


_SINGLE: Final = {
    "(": TokenKind.LPAREN,
    ")": TokenKind.RPAREN,
    "[": TokenKind.LBRACKET,
    "]": TokenKind.RBRACKET,
    ",": TokenKind.COMMA,
    ".": TokenKind.DOT,
    "=": TokenKind.EQ,
    "+": TokenKind.PLUS,
    "-": TokenKind.MINUS,
}
_WORD_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_WORD_START: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_DIGITS: Final = frozenset("0123456789")
_SPACE: Final = frozenset(" \t\r\n")


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, always ending with one ``EOF`` token. Never raises: bad characters become
    ``UNKNOWN`` tokens so that the parser reports them with AWS's wording and context."""
    tokens: list[Token] = []
    append = tokens.append
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c in _SPACE:
            i += 1
            continue
        start = i
        if c in _WORD_START:
            i += 1
            while i < n and text[i] in _WORD_CHARS:
                i += 1
            append(Token(TokenKind.NAME, text[start:i], start, i))
        elif c in _DIGITS:
            i += 1
            while i < n and text[i] in _DIGITS:
                i += 1
            append(Token(TokenKind.NUMBER, text[start:i], start, i))
        elif c == "#" or c == ":":
            i += 1
            while i < n and text[i] in _WORD_CHARS:
                i += 1
            if i == start + 1:
                append(Token(TokenKind.UNKNOWN, c, start, i))
            else:
                append(Token(TokenKind.NAME_REF if c == "#" else TokenKind.VALUE_REF, text[start:i], start, i))
        elif c == "<":
            if i + 1 < n and text[i + 1] == "=":
                i += 2
                append(Token(TokenKind.LE, "<=", start, i))
            elif i + 1 < n and text[i + 1] == ">":
                i += 2
                append(Token(TokenKind.NE, "<>", start, i))
            else:
                i += 1
                append(Token(TokenKind.LT, "<", start, i))
        elif c == ">":
            if i + 1 < n and text[i + 1] == "=":
                i += 2
                append(Token(TokenKind.GE, ">=", start, i))
            else:
                i += 1
                append(Token(TokenKind.GT, ">", start, i))
        else:
            i += 1
            append(Token(_SINGLE.get(c, TokenKind.UNKNOWN), c, start, i))
    append(Token(TokenKind.EOF, "<EOF>", n, n))
    return tokens


def syntax_error(label: str, text: str, tokens: list[Token], index: int) -> ValidationException:
    """AWS's syntax error for the token at ``index``; ``label`` is e.g. ``ConditionExpression``."""
    bad = tokens[index]
    start = tokens[index - 1].start if index > 0 else bad.start
    if bad.kind == TokenKind.EOF:
        end = len(text)
    else:
        nxt = tokens[index + 1]
        end = bad.end if nxt.kind == TokenKind.EOF else nxt.end
    return ValidationException(f'Invalid {label}: Syntax error; token: "{bad.text}", near: "{text[start:end]}"')

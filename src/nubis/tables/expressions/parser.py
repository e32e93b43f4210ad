"""One hand-written recursive-descent parser for the four expression languages.

Why recursive descent: the languages are tiny, AWS reports the *first* offending token with its neighbours, and a
hand-written parser over a token list gives exactly that position for free (a generated PEG parser reports the
furthest failure instead). Precedence in conditions is ``NOT`` > ``AND`` > ``OR`` ([D] "Comparison operator and
function reference": "NOT, AND, OR" in order of precedence).

Grammars (keywords case-insensitive, function names case-sensitive)::

    condition  := or
    or         := and ("OR" and)*
    and        := not ("AND" not)*
    not        := "NOT" comparison | comparison
    comparison := operand (comparator operand | "BETWEEN" operand "AND" operand | "IN" "(" operand ("," operand)* ")")?
    operand    := "(" or ")" | ":value" | name "(" operand ("," operand)* ")" | path
    path       := (name | "#name") ("." (name | "#name") | "[" digits "]")*

    update     := (("SET" set ("," set)*) | ("REMOVE" path ("," path)*)
                   | ("ADD" | "DELETE") path ":value" ("," path ":value")*)+
    set        := path "=" ("(" value ")" | value)
    value      := term (("+" | "-") term)?
    term       := "(" uoperand ")" | uoperand
    uoperand   := ":value" | name "(" term ("," term)* ")" | path

    projection := path ("," path)*

The parser checks shape only. Names of functions, placeholders, reserved words, operand types and the rest are
``resolve``'s job, because AWS ranks those errors in an order that a parse cannot know until it has seen the whole
expression.
"""

from __future__ import annotations

from typing import Final, NoReturn

from nubis.tables import limits
from nubis.tables.errors import ValidationException
from nubis.tables.expressions import ast
from nubis.tables.expressions.tokens import Token, TokenKind, syntax_error, tokenize

_CONDITION_KEYWORDS: Final = frozenset({"AND", "OR", "NOT", "BETWEEN", "IN"})
_UPDATE_KEYWORDS: Final = frozenset({"SET", "REMOVE", "ADD", "DELETE"})
_COMPARATORS: Final = {
    TokenKind.EQ: "=",
    TokenKind.NE: "<>",
    TokenKind.LT: "<",
    TokenKind.LE: "<=",
    TokenKind.GT: ">",
    TokenKind.GE: ">=",
}


def check_text(label: str, text: str) -> None:
    """The checks AWS makes on the raw text before parsing: empty, then longer than 4 KB."""
    if not text.strip():
        # AWS: '' gives this message ([P] dynalite updateItem "empty UpdateExpression"); whitespace alone is treated
        # the same [?].
        raise ValidationException(f"Invalid {label}: The expression can not be empty;")
    if len(text) > limits.MAX_EXPRESSION_BYTES // 4:
        size = len(text.encode("utf-8"))
        if size > limits.MAX_EXPRESSION_BYTES:
            raise ValidationException(
                f"Invalid {label}: Expression size has exceeded the maximum allowed size; expression size: {size}"
            )


class _Parser:
    __slots__ = ("keywords", "label", "pos", "text", "tokens")

    def __init__(self, text: str, label: str, keywords: frozenset[str]) -> None:
        self.text = text
        self.label = label
        self.tokens: list[Token] = tokenize(text)
        self.pos = 0
        self.keywords = keywords

    # -- helpers -------------------------------------------------------------------------------------------

    def fail(self, index: int | None = None) -> NoReturn:
        raise syntax_error(self.label, self.text, self.tokens, self.pos if index is None else index)

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def is_word(self, word: str) -> bool:
        tok = self.tokens[self.pos]
        return tok.kind == TokenKind.NAME and tok.text.upper() == word

    def expect(self, kind: TokenKind) -> Token:
        tok = self.tokens[self.pos]
        if tok.kind != kind:
            self.fail()
        self.pos += 1
        return tok

    def is_identifier(self, tok: Token) -> bool:
        return tok.kind == TokenKind.NAME_REF or (tok.kind == TokenKind.NAME and tok.text.upper() not in self.keywords)

    def path(self) -> ast.Path:
        tok = self.peek()
        if not self.is_identifier(tok):
            self.fail()
        self.pos += 1
        elements: list[ast.PathElement] = [_element(tok)]
        tokens = self.tokens
        while True:
            kind = tokens[self.pos].kind
            if kind == TokenKind.DOT:
                self.pos += 1
                tok = self.peek()
                if not self.is_identifier(tok):
                    self.fail()
                self.pos += 1
                elements.append(_element(tok))
            elif kind == TokenKind.LBRACKET:
                self.pos += 1
                number = self.expect(TokenKind.NUMBER)
                self.expect(TokenKind.RBRACKET)
                elements.append(int(number.text))
            else:
                return ast.Path(tuple(elements))

    def finish(self) -> None:
        if self.peek().kind != TokenKind.EOF:
            self.fail()

    # -- conditions ----------------------------------------------------------------------------------------

    def condition(self) -> ast.Node:
        node = self.or_()
        if not _is_condition(node):
            self.fail()
        self.finish()
        return node

    def or_(self) -> ast.Node:
        left = self.and_()
        while self.is_word("OR"):
            if not _is_condition(left):
                self.fail()
            self.pos += 1
            right = self.and_()
            if not _is_condition(right):
                self.fail()
            left = ast.Or(left, right)
        return left

    def and_(self) -> ast.Node:
        left = self.not_()
        while self.is_word("AND"):
            if not _is_condition(left):
                self.fail()
            self.pos += 1
            right = self.not_()
            if not _is_condition(right):
                self.fail()
            left = ast.And(left, right)
        return left

    def not_(self) -> ast.Node:
        if self.is_word("NOT"):
            self.pos += 1
            inner = self.comparison()
            if not _is_condition(inner):
                self.fail()
            return ast.Not(inner)
        return self.comparison()

    def comparison(self) -> ast.Node:
        left = self.operand()
        tok = self.peek()
        op = _COMPARATORS.get(tok.kind)
        if op is not None:
            if _is_logical(left):
                self.fail()
            self.pos += 1
            right = self.operand_only()
            return ast.Compare(op, left, right)  # type: ignore[arg-type]
        if tok.kind == TokenKind.NAME:
            word = tok.text.upper()
            if word == "BETWEEN":
                if _is_logical(left):
                    self.fail()
                self.pos += 1
                low = self.operand_only()
                if not self.is_word("AND"):
                    self.fail()
                self.pos += 1
                high = self.operand_only()
                return ast.Between(left, low, high)
            if word == "IN":
                if _is_logical(left):
                    self.fail()
                self.pos += 1
                self.expect(TokenKind.LPAREN)
                options = [self.operand_only()]
                while self.peek().kind == TokenKind.COMMA:
                    self.pos += 1
                    options.append(self.operand_only())
                self.expect(TokenKind.RPAREN)
                return ast.In(left, tuple(options))
        return left

    def operand_only(self) -> ast.Node:
        node = self.operand()
        if _is_logical(node):
            self.fail(self.pos - 1)
        return node

    def operand(self) -> ast.Node:
        tok = self.peek()
        kind = tok.kind
        if kind == TokenKind.LPAREN:
            self.pos += 1
            inner = self.or_()
            self.expect(TokenKind.RPAREN)
            return ast.Paren(inner)
        if kind == TokenKind.VALUE_REF:
            self.pos += 1
            return ast.ValueRef(tok.text)
        if (
            kind == TokenKind.NAME
            and self.tokens[self.pos + 1].kind == TokenKind.LPAREN
            and tok.text.upper() not in self.keywords
        ):
            self.pos += 2
            args = [self.operand_only()]
            while self.peek().kind == TokenKind.COMMA:
                self.pos += 1
                args.append(self.operand_only())
            self.expect(TokenKind.RPAREN)
            return ast.Call(tok.text, tuple(args))
        return self.path()

    # -- update --------------------------------------------------------------------------------------------

    def update(self) -> ast.Update:
        sections: list[ast.Section] = []
        while True:
            tok = self.peek()
            if tok.kind == TokenKind.EOF and sections:
                return ast.Update(tuple(sections))
            word = tok.text.upper() if tok.kind == TokenKind.NAME else ""
            if word not in _UPDATE_KEYWORDS:
                self.fail()
            self.pos += 1
            actions: list[ast.Action] = [self.action(word)]
            while self.peek().kind == TokenKind.COMMA:
                self.pos += 1
                actions.append(self.action(word))
            sections.append(ast.Section(word, tuple(actions)))  # type: ignore[arg-type]

    def action(self, section: str) -> ast.Action:
        path = self.path()
        if section == "SET":
            self.expect(TokenKind.EQ)
            return ast.SetAction(path, self.set_value())
        if section == "REMOVE":
            return ast.RemoveAction(path)
        tok = self.expect(TokenKind.VALUE_REF)
        value = ast.ValueRef(tok.text)
        return ast.AddAction(path, value) if section == "ADD" else ast.DeleteAction(path, value)

    def set_value(self) -> ast.Node:
        if self.peek().kind == TokenKind.LPAREN:
            # "(" value ")" or a parenthesised first term: try the first, fall back to the second, whose error
            # (if any) is the one AWS reports.
            start = self.pos
            try:
                self.pos += 1
                value = self.arith()
                if self.peek().kind == TokenKind.RPAREN:
                    self.pos += 1
                    if self.peek().kind not in (TokenKind.PLUS, TokenKind.MINUS):
                        return value
            except ValidationException:
                pass
            self.pos = start
        return self.arith()

    def arith(self) -> ast.Node:
        left = self.term()
        kind = self.peek().kind
        if kind == TokenKind.PLUS or kind == TokenKind.MINUS:
            self.pos += 1
            right = self.term()
            return ast.Arith("+" if kind == TokenKind.PLUS else "-", left, right)
        return left

    def term(self) -> ast.Node:
        if self.peek().kind == TokenKind.LPAREN:
            self.pos += 1
            inner = self.update_operand()
            self.expect(TokenKind.RPAREN)
            return inner
        return self.update_operand()

    def update_operand(self) -> ast.Node:
        tok = self.peek()
        if tok.kind == TokenKind.VALUE_REF:
            self.pos += 1
            return ast.ValueRef(tok.text)
        if not self.is_identifier(tok):
            self.fail()
        if tok.kind == TokenKind.NAME and self.tokens[self.pos + 1].kind == TokenKind.LPAREN:
            self.pos += 2
            args = [self.term()]
            while self.peek().kind == TokenKind.COMMA:
                self.pos += 1
                args.append(self.term())
            self.expect(TokenKind.RPAREN)
            return ast.Call(tok.text, tuple(args))
        return self.path()

    # -- projection ----------------------------------------------------------------------------------------

    def projection(self) -> ast.Projection:
        paths = [self.path()]
        while self.peek().kind == TokenKind.COMMA:
            self.pos += 1
            paths.append(self.path())
        self.finish()
        return ast.Projection(tuple(paths))


def _element(tok: Token) -> ast.PathElement:
    return ast.NameRef(tok.text) if tok.kind == TokenKind.NAME_REF else tok.text


def _is_logical(node: ast.Node) -> bool:
    """A condition that can never be an operand (a comparison or a logical operator)."""
    while isinstance(node, ast.Paren):
        node = node.inner
    return isinstance(node, ast.CONDITIONS)


def _is_condition(node: ast.Node) -> bool:
    """Fit for a condition position: a function call qualifies (``resolve`` rejects ``size`` there)."""
    while isinstance(node, ast.Paren):
        node = node.inner
    return isinstance(node, ast.CONDITIONS) or isinstance(node, ast.Call)


def parse_condition(text: str, label: str = "ConditionExpression") -> ast.Node:
    """Parse a ConditionExpression or FilterExpression (``label`` names it in errors).

    Raises:
        ValidationException: empty or oversized text, or a syntax error, in AWS's wording.
    """
    check_text(label, text)
    return _Parser(text, label, _CONDITION_KEYWORDS).condition()


def parse_key_condition(text: str) -> ast.Node:
    """Parse a KeyConditionExpression: the condition grammar; ``keycondition`` narrows what it may contain."""
    return parse_condition(text, "KeyConditionExpression")


def parse_update(text: str) -> ast.Update:
    """Parse an UpdateExpression."""
    check_text("UpdateExpression", text)
    return _Parser(text, "UpdateExpression", _UPDATE_KEYWORDS).update()


def parse_projection(text: str) -> ast.Projection:
    """Parse a ProjectionExpression."""
    check_text("ProjectionExpression", text)
    return _Parser(text, "ProjectionExpression", frozenset()).projection()

"""A recursive-descent parser for DynamoDB's PartiQL: tokens to an ``ast.Parsed``.

Grammar (the subset DynamoDB documents, [D] "PartiQL - a SQL-compatible query language for Amazon DynamoDB")::

    statement  := (select | insert | update | delete | [NOT] EXISTS '(' select ')') [';'] EOF
    select     := SELECT ('*' | path {',' path}) FROM source [WHERE condition] [ORDER BY path [ASC|DESC] {, ...}]
    insert     := INSERT INTO source VALUE value
    update     := UPDATE source (SET path '=' operand {',' ...} | REMOVE path {',' path})+
                  [WHERE condition] [RETURNING (ALL|MODIFIED) (OLD|NEW) '*']
    delete     := DELETE FROM source [WHERE condition] [RETURNING ALL OLD '*']
    source     := name ['.' name]                 (a table, or "table"."index")
    condition  := and {OR and};  and := not {AND not};  not := NOT not | predicate
    predicate  := '(' condition ')' | operand [compare operand | [NOT] BETWEEN operand AND operand
                  | [NOT] IN ('[' | '(') operand {',' operand} (']' | ')') | IS [NOT] type]
    operand    := value | path | name '(' [operand {',' operand}] ')' | operand ('+'|'-') operand (SET only)
    value      := 'string' | number | TRUE | FALSE | NULL | MISSING | '?' | '[' ... ']' | '{' 'k': value ... '}'
                  | '<<' value {',' value} '>>'
    path       := name {'.' name | '[' integer ']'}

Why recursive descent: the language is small, every construct starts with a distinct token, and error wording
must follow AWS's at particular places (a missing term, a missing right-hand side, a leftover token), which is
easiest when each place is one function. Parses are cached by text (the tree is immutable; parameters are bound
later), bounded like every cache here.
"""

from __future__ import annotations

import functools
from decimal import Decimal

from nubis.tables.engine.partiql import ast, messages
from nubis.tables.engine.partiql.lexer import Kind, Token, tokenize
from nubis.tables.errors import ValidationException
from nubis.tables.values import normalize_number

PARSE_CACHE_SIZE = 512

KEYWORDS = frozenset(
    {
        "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "IS", "BETWEEN", "ORDER", "BY", "SET", "REMOVE",
        "VALUE", "VALUES", "INSERT", "INTO", "UPDATE", "DELETE", "RETURNING", "TRUE", "FALSE", "NULL", "MISSING",
        "AS", "ASC", "DESC", "EXISTS", "LIKE", "AT", "ON", "LIMIT",
    }
)  # fmt: skip

# PartiQL's type names after IS ([V]: INT4, INT8, DOUBLE PRECISION, CHARACTER VARYING parse; FOO does not).
_TYPE_NAMES = frozenset(
    {
        "NULL", "MISSING", "BOOL", "BOOLEAN", "SMALLINT", "INT", "INT2", "INT4", "INT8", "INTEGER", "INTEGER2",
        "INTEGER4", "INTEGER8", "BIGINT", "FLOAT", "REAL", "DOUBLE", "DECIMAL", "DEC", "NUMERIC", "STRING", "SYMBOL",
        "CHAR", "CHARACTER", "VARCHAR", "BLOB", "CLOB", "STRUCT", "TUPLE", "LIST", "SEXP", "BAG", "DATE", "TIME",
        "TIMESTAMP", "ANY",
    }
)  # fmt: skip
_TWO_WORD_TYPES = {"DOUBLE": "PRECISION", "CHARACTER": "VARYING"}

_COMPARE = {"=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_MAX_EXPONENT = 2**31 - 1


def parse(text: str) -> ast.Parsed:
    """Parse one statement.

    Raises:
        ValidationException: with AWS's "Statement wasn't well formed" wording.
    """
    return _parse_cached(text)


@functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
def _parse_cached(text: str) -> ast.Parsed:
    parser = _Parser(tokenize(text), text)
    statement = parser.statement()
    return ast.Parsed(statement, parser.parameters)


def _malformed(detail: str = "") -> ValidationException:
    return ValidationException(messages.not_well_formed(detail))


class _Parser:
    def __init__(self, tokens: list[Token], text: str = "") -> None:
        self.tokens = tokens
        self.text = text
        self.i = 0
        self.parameters = 0

    # -- token helpers ---------------------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.i]
        if token.kind is not Kind.EOF:
            self.i += 1
        return token

    def accept_keyword(self, word: str) -> bool:
        if self.peek().is_keyword(word):
            self.i += 1
            return True
        return False

    def expect_keyword(self, word: str, detail: str = messages.UNEXPECTED_TERM) -> None:
        if not self.accept_keyword(word):
            raise self.error_here(detail)

    def accept_punct(self, text: str) -> bool:
        token = self.peek()
        if token.kind is Kind.PUNCT and token.text == text:
            self.i += 1
            return True
        return False

    def expect_punct(self, text: str) -> None:
        if not self.accept_punct(text):
            raise self.error_here(messages.UNEXPECTED_TERM)

    def error_here(self, detail: str) -> ValidationException:
        """The wording for "a term was expected here", chosen by what stands there ([V] recorded cases)."""
        token = self.peek()
        if token.kind is Kind.EOF or (token.kind is Kind.PUNCT and token.text == ";"):
            return _malformed(detail)
        if token.kind is Kind.IDENT and token.text.upper() in KEYWORDS:
            if token.text.upper() in ("IS", "LIKE"):
                return _malformed(messages.UNEXPECTED_OPERATOR)
            return _malformed(messages.UNEXPECTED_KEYWORD)
        if token.kind is Kind.PUNCT and token.text in ("=", "<>", "!=", "<", "<=", ">", ">=", "+", "*", "/", "%"):
            return _malformed(messages.UNEXPECTED_OPERATOR)
        return _malformed(messages.LEFTOVER if detail == messages.LEFTOVER else detail)

    def at(self, token: Token) -> str:
        """``line:column:length`` of a token, counted from 1, as AWS appends it to some messages."""
        line = self.text.count("\n", 0, token.pos) + 1
        column = token.pos - (self.text.rfind("\n", 0, token.pos) + 1) + 1
        return f"{line}:{column}:{token.size or len(token.text)}"

    # -- statements ------------------------------------------------------------------------------------------

    def statement(self) -> ast.Statement:
        token = self.peek()
        result: ast.Statement
        if token.is_keyword("SELECT"):
            result = self.select()
        elif token.is_keyword("INSERT"):
            result = self.insert()
        elif token.is_keyword("UPDATE"):
            result = self.update()
        elif token.is_keyword("DELETE"):
            result = self.delete()
        elif token.is_keyword("EXISTS") or (token.is_keyword("NOT") and self.peek(1).is_keyword("EXISTS")):
            negated = self.accept_keyword("NOT")
            self.expect_keyword("EXISTS")
            self.expect_punct("(")
            if not self.peek().is_keyword("SELECT"):
                raise self.error_here(messages.UNEXPECTED_TERM)
            select = self.select()
            self.expect_punct(")")
            result = ast.Exists(select, negated)
        else:
            raise self.error_here(messages.UNEXPECTED_TERM)
        self.accept_punct(";")
        if self.peek().kind is not Kind.EOF:
            raise _malformed(messages.LEFTOVER)
        return result

    def name(self, detail: str) -> str:
        token = self.peek()
        if token.kind is Kind.QUOTED or (token.kind is Kind.IDENT and token.text.upper() not in KEYWORDS):
            self.i += 1
            return token.text
        raise self.error_here(detail)

    def source(self, detail: str, *, aliasable: bool = True) -> ast.Source:
        token = self.peek()
        if detail == messages.EXPECTED_SIMPLE_PATH and not (
            token.kind is Kind.QUOTED or (token.kind is Kind.IDENT and token.text.upper() not in KEYWORDS)
        ):
            raise _malformed(detail)  # [V] DELETE FROM with no table, whatever follows
        table = self.name(detail)
        index = None
        if self.accept_punct("."):
            index = self.name(detail)
        token = self.peek()
        if aliasable and (
            token.is_keyword("AS") or (token.kind in (Kind.IDENT, Kind.QUOTED) and token.text.upper() not in KEYWORDS)
        ):
            raise ValidationException(messages.ALIASING)  # [V] an alias, with or without AS, has its own message
        return ast.Source(table, index)

    def select(self) -> ast.Select:
        self.expect_keyword("SELECT")
        projection: tuple[ast.Path, ...] | None
        if self.accept_punct("*"):
            projection = None
            if self.peek().kind is Kind.PUNCT and self.peek().text == ",":
                raise ValidationException(messages.STAR_AND_OTHERS)
        else:
            paths = [self.projected()]
            while self.accept_punct(","):
                if self.accept_punct("*"):
                    raise ValidationException(messages.STAR_AND_OTHERS)
                paths.append(self.projected())
            projection = tuple(paths)
        self.expect_keyword("FROM")
        source = self.source(messages.UNEXPECTED_TERM)
        where = self.condition() if self.accept_keyword("WHERE") else None
        order: list[ast.OrderKey] = []
        if self.accept_keyword("ORDER"):
            self.expect_keyword("BY")
            while True:
                path = self.path()
                descending = False
                if self.accept_keyword("DESC"):
                    descending = True
                else:
                    self.accept_keyword("ASC")
                order.append(ast.OrderKey(path, descending))
                if not self.accept_punct(","):
                    break
        return ast.Select(source, projection, where, tuple(order))

    def projected(self) -> ast.Path:
        """One path of a SELECT list: a function there is refused ([V] "Unexpected path component at 1:8:16"),
        and so is an alias ([P] DynamoDB Local: "Aliasing is not supported", the table alias's message)."""
        token = self.peek()
        if token.kind is Kind.IDENT and self.peek(1).kind is Kind.PUNCT and self.peek(1).text == "(":
            raise ValidationException(messages.UNEXPECTED_PATH_COMPONENT.format(self.at(token)))
        path = self.path()
        if self.peek().is_keyword("AS"):
            raise ValidationException(messages.ALIASING)
        return path

    def insert(self) -> ast.Insert:
        self.expect_keyword("INSERT")
        self.expect_keyword("INTO")
        source = self.source(messages.EXPECTED_SIMPLE_PATH, aliasable=False)
        if not self.accept_keyword("VALUE"):
            raise _malformed(messages.LEFTOVER)  # [V] an alias on INSERT is a leftover token
        return ast.Insert(source, self.value("root", item_level=True))

    def update(self) -> ast.Update:
        self.expect_keyword("UPDATE")
        source = self.source(messages.EXPECTED_SIMPLE_PATH)
        actions: list[ast.SetAction | ast.RemoveAction] = []
        while True:
            if self.accept_keyword("SET"):
                while True:
                    path = self.path()
                    self.expect_punct("=")
                    actions.append(ast.SetAction(path, self.additive()))
                    if not self.accept_punct(","):
                        break
            elif self.accept_keyword("REMOVE"):
                while True:
                    actions.append(ast.RemoveAction(self.path()))
                    if not self.accept_punct(","):
                        break
            else:
                break
        if not actions:
            raise self.error_here(messages.UNEXPECTED_TERM)
        where = self.condition() if self.accept_keyword("WHERE") else None
        return ast.Update(source, tuple(actions), where, self.returning())

    def delete(self) -> ast.Delete:
        self.expect_keyword("DELETE")
        self.expect_keyword("FROM", messages.EXPECTED_SIMPLE_PATH)
        source = self.source(messages.EXPECTED_SIMPLE_PATH)
        where = self.condition() if self.accept_keyword("WHERE") else None
        returning = self.returning()
        if returning is not None and returning != "ALL_OLD":
            words = returning.replace("UPDATED", "MODIFIED").replace("_", " ")
            raise ValidationException(messages.INVALID_DELETE_RETURNING.format(words + " *"))
        return ast.Delete(source, where, returning)

    def returning(self) -> ast.Returning | None:
        if not self.accept_keyword("RETURNING"):
            return None
        if self.accept_keyword("ALL"):
            which = "ALL"
        elif self.accept_keyword("MODIFIED"):
            which = "UPDATED"
        else:
            raise self.error_here(messages.UNEXPECTED_TERM)
        if self.accept_keyword("OLD"):
            when = "OLD"
        elif self.accept_keyword("NEW"):
            when = "NEW"
        else:
            raise self.error_here(messages.UNEXPECTED_TERM)
        self.expect_punct("*")
        result: ast.Returning = f"{which}_{when}"  # type: ignore[assignment]
        return result

    # -- conditions ------------------------------------------------------------------------------------------

    def condition(self) -> ast.Condition:
        items = [self.conjunction()]
        while self.accept_keyword("OR"):
            items.append(self.conjunction(after_operator=True))
        return items[0] if len(items) == 1 else ast.Or(tuple(items))

    def conjunction(self, after_operator: bool = False) -> ast.Condition:
        items = [self.negation(after_operator)]
        while self.accept_keyword("AND"):
            items.append(self.negation(after_operator=True))
        return items[0] if len(items) == 1 else ast.And(tuple(items))

    def negation(self, after_operator: bool = False) -> ast.Condition:
        if self.accept_keyword("NOT"):
            return ast.Not(self.negation())
        return self.predicate(after_operator)

    def predicate(self, after_operator: bool = False) -> ast.Condition:
        if after_operator and self._at_end():
            raise _malformed(messages.MISSING_RHS)  # [V] a condition ending in AND / OR
        if self.accept_punct("("):
            inner = self.condition()
            self.expect_punct(")")
            return inner
        left = self.operand()
        token = self.peek()
        if token.kind is Kind.PUNCT and token.text in _COMPARE:
            self.i += 1
            return ast.Compare(_COMPARE[token.text], left, self.operand())  # type: ignore[arg-type]
        negated = False
        if token.is_keyword("NOT") and (self.peek(1).is_keyword("BETWEEN") or self.peek(1).is_keyword("IN")):
            self.i += 1
            negated = True
        result: ast.Condition
        if self.accept_keyword("BETWEEN"):
            low = self.operand()
            self.expect_keyword("AND", messages.MISSING_RHS)
            result = ast.Between(left, low, self.operand())
        elif self.accept_keyword("IN"):
            result = ast.In(left, self.in_list())
        elif self.accept_keyword("IS"):
            is_negated = self.accept_keyword("NOT")
            result = ast.Is(left, self.type_name(), is_negated)
        else:
            return left
        return ast.Not(result) if negated else result

    def _at_end(self) -> bool:
        token = self.peek()
        return token.kind is Kind.EOF or (token.kind is Kind.PUNCT and token.text in (";", ")"))

    def in_list(self) -> tuple[ast.Operand, ...]:
        if self.accept_punct("["):
            close = "]"
        elif self.accept_punct("("):
            close = ")"
        elif self._at_end():
            raise self.error_here(messages.UNEXPECTED_TERM)
        else:
            raise ValidationException(messages.IN_OPERANDS)  # [P] DynamoDB Local: ``x IN 1``
        items: list[ast.Operand] = []
        if not self.accept_punct(close):
            while True:
                items.append(self.operand())
                if not self.accept_punct(","):
                    break
            self.expect_punct(close)
        return tuple(items)

    def type_name(self) -> str:
        token = self.peek()
        if token.kind is not Kind.IDENT or token.text.upper() not in _TYPE_NAMES:
            raise _malformed(messages.EXPECTED_TYPE_NAME)
        self.i += 1
        word = token.text.upper()
        second = _TWO_WORD_TYPES.get(word)
        if second is not None and self.accept_keyword(second):
            word = f"{word} {second}"
        return word

    def _check_item_value(self) -> None:
        """An INSERT attribute whose value is a function call or MISSING: [V] ``Unsupported data type: set_add
        under key root at 1:60:7``; [P] DynamoDB Local says the same of MISSING."""
        token = self.peek()
        is_call = token.kind is Kind.IDENT and self.peek(1).kind is Kind.PUNCT and self.peek(1).text == "("
        if is_call or token.is_keyword("MISSING"):
            raise ValidationException(messages.UNSUPPORTED_ITEM_VALUE.format(token.text, self.at(token)))

    # -- operands --------------------------------------------------------------------------------------------

    def additive(self) -> ast.Operand:
        left = self.operand()
        while True:
            token = self.peek()
            if token.kind is Kind.PUNCT and token.text in ("+", "-"):
                self.i += 1
                left = ast.Arithmetic(token.text, left, self.operand())  # type: ignore[arg-type]
            else:
                return left

    def operand(self) -> ast.Operand:
        token = self.peek()
        if token.kind in (Kind.IDENT, Kind.QUOTED):
            word = token.text.upper() if token.kind is Kind.IDENT else ""
            if word in ("TRUE", "FALSE", "NULL", "MISSING"):
                return self.value("root")
            if token.kind is Kind.IDENT and self.peek(1).kind is Kind.PUNCT and self.peek(1).text == "(":
                if word in KEYWORDS and word != "EXISTS":
                    raise self.error_here(messages.UNEXPECTED_TERM)
                return self.call()
            return self.path()
        if token.kind in (Kind.STRING, Kind.NUMBER, Kind.PARAM) or (
            token.kind is Kind.PUNCT and token.text in ("[", "{", "<<", "-", "+")
        ):
            return self.value("root")
        raise self.error_here(messages.UNEXPECTED_TERM)

    def call(self) -> ast.Call:
        token = self.advance()
        name = token.text.lower()
        self.expect_punct("(")
        args: list[ast.Operand | ast.Select] = []
        if not self.accept_punct(")"):
            while True:
                args.append(self.select() if self.peek().is_keyword("SELECT") else self.additive())
                if not self.accept_punct(","):
                    break
            self.expect_punct(")")
        return ast.Call(name, tuple(args), self.at(token))

    def path(self) -> ast.Path:
        token = self.peek()
        if token.kind is Kind.PUNCT and token.text == "[":
            raise ValidationException(messages.PATH_STARTS_WITH_INDEX)
        first = token
        steps: list[str | int] = [self.name(messages.UNEXPECTED_TERM)]
        while True:
            if self.accept_punct("."):
                steps.append(self.name(messages.UNEXPECTED_TERM))
            elif self.peek().kind is Kind.PUNCT and self.peek().text == "[":
                self.i += 1
                index = self.advance()
                if index.kind is Kind.NUMBER and index.text.isdigit():
                    steps.append(int(index.text))
                elif index.kind is Kind.STRING:
                    steps.append(index.text)
                else:
                    raise _malformed(messages.UNEXPECTED_TERM)
                self.expect_punct("]")
            else:
                return ast.Path(tuple(steps), self.at(first))

    # -- values ----------------------------------------------------------------------------------------------

    def value(self, where: str, item_level: bool = False) -> ast.Value:
        """A literal or parameter; ``where`` is its descriptive path for number errors (``root``, ``root.x``).

        An INSERT's item is ``item_level``: each attribute's value is its own ``root`` ([V] ``{'pk': 1, 'm': {'x':
        1e126}}`` fails "under root.x", ``{'pk': 1, 'l': [1, 1e126]}`` "under root[1]").
        """
        token = self.advance()
        if token.kind is Kind.STRING:
            return ast.Literal({"S": token.text})
        if token.kind is Kind.NUMBER:
            return ast.Literal({"N": _number(token.text, where)})
        if token.kind is Kind.PUNCT and token.text in ("-", "+"):
            number = self.advance()
            if number.kind is not Kind.NUMBER:
                raise _malformed(messages.UNEXPECTED_TERM)
            text = ("-" if token.text == "-" else "") + number.text
            return ast.Literal({"N": _number(text, where)})
        if token.kind is Kind.PARAM:
            self.parameters += 1
            return ast.Param(self.parameters - 1)
        if token.kind is Kind.IDENT:
            word = token.text.upper()
            if word in ("TRUE", "FALSE"):
                return ast.Literal({"BOOL": word == "TRUE"})
            if word == "NULL":
                return ast.Literal({"NULL": True})
            if word == "MISSING":
                return ast.Literal({}, missing=True)
        if token.kind is Kind.PUNCT and token.text == "[":
            items: list[ast.Value] = []
            if not self.accept_punct("]"):
                while True:
                    items.append(self.value(f"{where}[{len(items)}]"))
                    if not self.accept_punct(","):
                        break
                self.expect_punct("]")
            return ast.ListValue(tuple(items))
        if token.kind is Kind.PUNCT and token.text == "{":
            entries: list[tuple[str, ast.Value]] = []
            seen: set[str] = set()
            if not self.accept_punct("}"):
                while True:
                    key = self.advance()
                    if key.kind is not Kind.STRING:
                        if key.kind is Kind.NUMBER:
                            raise ValidationException(messages.TUPLE_KEY_TYPE.format("NUMBER", where))
                        raise _malformed(messages.UNEXPECTED_TERM)
                    if key.text in seen:
                        raise ValidationException(messages.DUPLICATE_TUPLE_KEY.format(key.text, where))
                    seen.add(key.text)
                    self.expect_punct(":")
                    if item_level:
                        self._check_item_value()
                    entries.append((key.text, self.value("root" if item_level else f"{where}.{key.text}")))
                    if not self.accept_punct(","):
                        break
                self.expect_punct("}")
            return ast.MapValue(tuple(entries))
        if token.kind is Kind.PUNCT and token.text == "<<":
            bag: list[ast.Value] = []
            if not self.accept_punct(">>"):
                while True:
                    bag.append(self.value(where))
                    if not self.accept_punct(","):
                        break
                self.expect_punct(">>")
            return ast.BagValue(tuple(bag))
        self.i -= 1
        raise self.error_here(messages.UNEXPECTED_TERM)


def _number(text: str, where: str) -> str:
    """Canonical number text; AWS appends the value's path to the number errors ([V] "... under root")."""
    try:
        exponent = Decimal(text).as_tuple().exponent
    except ArithmeticError as exc:  # pragma: no cover - the lexer only admits decimal text
        raise _malformed() from exc
    if isinstance(exponent, int) and abs(exponent) > _MAX_EXPONENT:
        raise _malformed()  # [V] an exponent beyond 32 bits: nothing after the colon
    try:
        return normalize_number(text)
    except ValidationException as exc:
        raise ValidationException(f"{exc.message} under {where}") from exc

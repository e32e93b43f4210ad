"""The PartiQL lexer and parser: trees for the accepted forms, AWS's wording for the refused ones."""

from __future__ import annotations

import pytest

from nubis.tables.engine.partiql import ast
from nubis.tables.engine.partiql.lexer import Kind, tokenize
from nubis.tables.engine.partiql.parser import parse
from nubis.tables.errors import ValidationException

NWF = "Statement wasn't well formed, can't be processed: "


def test_tokens_cover_quotes_comments_numbers_and_bags() -> None:
    tokens = tokenize("SELECT \"a\"\"b\" -- note\n FROM 'it''s' /* c */ 1.5e3 <<?>>")
    kinds = [(t.kind, t.text) for t in tokens]
    assert kinds == [
        (Kind.IDENT, "SELECT"),
        (Kind.QUOTED, 'a"b'),
        (Kind.IDENT, "FROM"),
        (Kind.STRING, "it's"),
        (Kind.NUMBER, "1.5e3"),
        (Kind.PUNCT, "<<"),
        (Kind.PARAM, "?"),
        (Kind.PUNCT, ">>"),
        (Kind.EOF, ""),
    ]


def test_select_with_key_conditions_and_parameters() -> None:
    parsed = parse("select * from \"Music\" where Artist = ? and SongTitle between 'a' and ?;")
    assert parsed.parameter_count == 2
    select = parsed.statement
    assert isinstance(select, ast.Select)
    assert select.source == ast.Source("Music")
    assert select.projection is None
    assert select.where == ast.And(
        (
            ast.Compare("=", ast.Path(("Artist",)), ast.Param(0)),
            ast.Between(ast.Path(("SongTitle",)), ast.Literal({"S": "a"}), ast.Param(1)),
        )
    )


def test_select_on_an_index_with_nested_paths_and_order() -> None:
    select = parse('SELECT a.b[0], "c" FROM "t"."i" WHERE x IS NOT MISSING ORDER BY sk DESC').statement
    assert isinstance(select, ast.Select)
    assert select.source == ast.Source("t", "i")
    assert select.projection == (ast.Path(("a", "b", 0)), ast.Path(("c",)))
    assert select.where == ast.Is(ast.Path(("x",)), "MISSING", True)
    assert select.order_by == (ast.OrderKey(ast.Path(("sk",)), True),)


def test_literals_become_attribute_values() -> None:
    insert = parse(
        "INSERT INTO t VALUE {'pk': 'a', 'n': -1.50, 'b': true, 'z': null, 'l': [1, 'x'], 'ss': <<'a','b'>>, 'm': {}}"
    ).statement
    assert isinstance(insert, ast.Insert)
    assert isinstance(insert.value, ast.MapValue)
    entries = dict(insert.value.entries)
    assert entries["n"] == ast.Literal({"N": "-1.5"})
    assert entries["b"] == ast.Literal({"BOOL": True})
    assert entries["z"] == ast.Literal({"NULL": True})
    assert entries["l"] == ast.ListValue((ast.Literal({"N": "1"}), ast.Literal({"S": "x"})))
    assert entries["ss"] == ast.BagValue((ast.Literal({"S": "a"}), ast.Literal({"S": "b"})))
    assert entries["m"] == ast.MapValue(())


def test_update_with_set_remove_and_returning() -> None:
    update = parse(
        "UPDATE t SET a = ?, b = b + 1 SET c = list_append(c, [1]) REMOVE d WHERE pk = ? RETURNING MODIFIED OLD *"
    )
    statement = update.statement
    assert isinstance(statement, ast.Update)
    assert update.parameter_count == 2
    assert statement.returning == "UPDATED_OLD"
    assert [type(a).__name__ for a in statement.actions] == ["SetAction", "SetAction", "SetAction", "RemoveAction"]
    assert statement.actions[1] == ast.SetAction(
        ast.Path(("b",)), ast.Arithmetic("+", ast.Path(("b",)), ast.Literal({"N": "1"}))
    )


def test_exists_and_not_exists() -> None:
    assert parse("EXISTS(SELECT * FROM t WHERE pk = 1)").statement.negated is False  # type: ignore[union-attr]
    assert parse("NOT EXISTS (SELECT * FROM t WHERE pk = 1)").statement.negated is True  # type: ignore[union-attr]


@pytest.mark.V
@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("SELECT * FROM t WHERE pk = 1 foo", NWF + "Unexpected token after expression"),
        ("SELECT * FROM t WHERE pk = 1 e5", NWF + "Unexpected token after expression"),
        ("SELECT * FROM t WHERE pk = 1)", NWF + "Unexpected token after expression"),
        ("DELETE FROM t WHERE pk = 1 ORDER BY pk", NWF + "Unexpected token after expression"),
        ("SELECT * FROM t ORDER BY pk WHERE pk = 1", NWF + "Unexpected token after expression"),
        ("INSERT INTO \"t\" t VALUE {'pk': 'x'}", NWF + "Unexpected token after expression"),
        ("SELECT * FROM t WHERE pk = 1e2147483648", NWF),
        ("SELECT * FROM t WHERE pk = 1 # note", NWF),
        ("SELECT * FROM t WHERE pk = 1 /* note", NWF),
        ("SELECT * FROM \"t\" t WHERE pk = 'x'", "Aliasing is not supported"),
        ("SELECT * FROM \"t\" AS t WHERE pk = 'x'", "Aliasing is not supported"),
        ("UPDATE \"t\" t SET a = 3 WHERE pk = 'x'", "Aliasing is not supported"),
        ("DELETE FROM \"t\" t WHERE pk = 'x'", "Aliasing is not supported"),
        (
            "SELECT * FROM t WHERE pk = 1e126",
            "Number overflow. Attempting to store a number with magnitude larger than supported range under root",
        ),
        (
            "SELECT * FROM t WHERE pk = 1e-131",
            "Number underflow. Attempting to store a number with magnitude smaller than supported range under root",
        ),
        (
            "SELECT * FROM t WHERE pk = 123456789012345678901234567890123456789",
            "Attempting to store more than 38 significant digits in a Number under root",
        ),
        (
            "INSERT INTO t VALUE {'pk': 1, 'm': {'x': 1e126}}",
            "Number overflow. Attempting to store a number with magnitude larger than supported range under root.x",
        ),
        (
            "INSERT INTO t VALUE {'pk': 1, 'l': [1, 1e126]}",
            "Number overflow. Attempting to store a number with magnitude larger than supported range under root[1]",
        ),
        ("SELECT * FROM t WHERE", NWF + "Unexpected term"),
        ("SELECT * FROM t WHERE;", NWF + "Unexpected term"),
        ("SELECT * FROM t WHERE NOT", NWF + "Unexpected term"),
        ("SELECT * FROM t WHERE (", NWF + "Unexpected term"),
        ("UPDATE t SET a = 1 WHERE", NWF + "Unexpected term"),
        ("SELECT * FROM t WHERE pk = 'p1' AND", NWF + "Missing right-hand side expression of infix operator"),
        ("SELECT * FROM t WHERE pk = 'p1' OR", NWF + "Missing right-hand side expression of infix operator"),
        ("SELECT * FROM t WHERE ORDER BY pk", NWF + "Unexpected keyword"),
        ("SELECT * FROM t WHERE pk = 'a' AND x IS FOO", NWF + "Expected type name"),
        ("SELECT * FROM t WHERE IS NULL", NWF + "Unexpected operator"),
        ("SELECT * FROM t WHERE pk = LIKE", NWF + "Unexpected operator"),
        ("DELETE FROM", NWF + "Expected identifier for simple path"),
        ("DELETE FROM;", NWF + "Expected identifier for simple path"),
        ("DELETE FROM WHERE pk = 'a'", NWF + "Expected identifier for simple path"),
        ("SELECT * FROM", NWF + "Unexpected term"),
    ],
)
def test_refusals_use_aws_wording(statement: str, message: str) -> None:
    with pytest.raises(ValidationException) as info:
        parse(statement)
    assert info.value.message == message


@pytest.mark.P
def test_star_with_other_attributes_is_refused() -> None:
    with pytest.raises(ValidationException) as info:
        parse("SELECT *, a FROM t")
    assert info.value.message == "Other attributes should not be present in the projection when '*' is used."


@pytest.mark.P
def test_delete_returning_only_all_old() -> None:
    with pytest.raises(ValidationException) as info:
        parse("DELETE FROM t WHERE pk = 1 RETURNING ALL NEW *")
    assert info.value.message == (
        "Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed in DELETE statements."
    )


def test_parses_are_cached_by_text() -> None:
    assert parse("SELECT * FROM t") is parse("SELECT * FROM t")

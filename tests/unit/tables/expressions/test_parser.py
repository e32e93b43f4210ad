"""Parser edge cases: tree shapes, precedence, paths, the SET value grammar and syntax-error context."""

from __future__ import annotations

import pytest

from nubis.tables.errors import ValidationException
from nubis.tables.expressions import ast, parse_condition, parse_projection, parse_update
from nubis.tables.expressions.tokens import TokenKind, tokenize


def cmp(path: str, value: str, op: str = "=") -> ast.Compare:
    return ast.Compare(op, ast.Path((path,)), ast.ValueRef(value))  # type: ignore[arg-type]


def test_and_binds_tighter_than_or() -> None:
    tree = parse_condition("a = :a OR b = :b AND c = :c")
    assert tree == ast.Or(cmp("a", ":a"), ast.And(cmp("b", ":b"), cmp("c", ":c")))


def test_not_applies_to_the_next_comparison_only() -> None:
    tree = parse_condition("NOT a = :a AND b = :b")
    assert tree == ast.And(ast.Not(cmp("a", ":a")), cmp("b", ":b"))


def test_and_or_are_left_associative() -> None:
    tree = parse_condition("a = :a AND b = :b AND c = :c")
    assert tree == ast.And(ast.And(cmp("a", ":a"), cmp("b", ":b")), cmp("c", ":c"))


def test_keywords_are_case_insensitive() -> None:
    assert parse_condition("a = :a aNd b = :b") == parse_condition("a = :a AND b = :b")


def test_path_elements_keep_placeholders_and_indexes() -> None:
    tree = parse_condition("#a.b[3][0].#c = :v")
    assert isinstance(tree, ast.Compare)
    assert tree.left == ast.Path((ast.NameRef("#a"), "b", 3, 0, ast.NameRef("#c")))


def test_parentheses_are_kept_for_the_redundancy_check() -> None:
    tree = parse_condition("((a = :a))")
    assert tree == ast.Paren(ast.Paren(cmp("a", ":a")))


def test_function_call_as_operand_and_condition() -> None:
    tree = parse_condition("size(a) > :n AND begins_with(b, :p)")
    assert isinstance(tree, ast.And)
    assert tree.left == ast.Compare(">", ast.Call("size", (ast.Path(("a",)),)), ast.ValueRef(":n"))
    assert tree.right == ast.Call("begins_with", (ast.Path(("b",)), ast.ValueRef(":p")))


def test_in_collects_every_option() -> None:
    tree = parse_condition("a IN (:x, :y, b)")
    assert tree == ast.In(ast.Path(("a",)), (ast.ValueRef(":x"), ast.ValueRef(":y"), ast.Path(("b",))))


@pytest.mark.parametrize("text", ["a = :v OR", "a = = :v", "a BETWEEN :x", "a IN :x", "(a = :v", "a = :v)"])
def test_incomplete_conditions_are_syntax_errors(text: str) -> None:
    with pytest.raises(ValidationException, match=r"^Invalid ConditionExpression: Syntax error; "):
        parse_condition(text)


def test_syntax_error_quotes_previous_and_next_tokens() -> None:
    with pytest.raises(ValidationException) as info:
        parse_condition("a =  = b")
    assert info.value.message == 'Invalid ConditionExpression: Syntax error; token: "=", near: "=  = b"'


def test_whitespace_only_is_empty() -> None:
    with pytest.raises(ValidationException) as info:
        parse_condition(" \t\n")
    assert info.value.message == "Invalid ConditionExpression: The expression can not be empty;"


def test_size_limit_counts_utf8_bytes() -> None:
    text = "a = :v AND b = :w OR c = :" + "x" * 2036  # 2062 characters, under 4096 bytes
    parse_condition(text)
    with pytest.raises(ValidationException, match=r"expression size: 4103$"):
        parse_condition("a = :v OR #" + "é" * 2046)


def test_update_sections_keep_their_order() -> None:
    tree = parse_update("REMOVE a ADD b :b SET c = :c DELETE d :d")
    assert [s.name for s in tree.sections] == ["REMOVE", "ADD", "SET", "DELETE"]


def test_set_value_in_parentheses_may_hold_arithmetic() -> None:
    (section,) = parse_update("SET a = (b + :c)").sections
    (action,) = section.actions
    assert isinstance(action, ast.SetAction)
    assert action.value == ast.Arith("+", ast.Path(("b",)), ast.ValueRef(":c"))


def test_parenthesised_first_term_then_arithmetic() -> None:
    (section,) = parse_update("SET a = (b) - :c").sections
    (action,) = section.actions
    assert isinstance(action, ast.SetAction)
    assert action.value == ast.Arith("-", ast.Path(("b",)), ast.ValueRef(":c"))


def test_nested_update_functions() -> None:
    (section,) = parse_update("SET a = list_append(if_not_exists(a, :e), :v)").sections
    (action,) = section.actions
    assert isinstance(action, ast.SetAction)
    inner = ast.Call("if_not_exists", (ast.Path(("a",)), ast.ValueRef(":e")))
    assert action.value == ast.Call("list_append", (inner, ast.ValueRef(":v")))


def test_update_keywords_cannot_be_paths() -> None:
    with pytest.raises(ValidationException, match='token: "remove"'):
        parse_update("SET a = remove")


def test_projection_accepts_any_identifier() -> None:
    tree = parse_projection("name, a.b[2], #c")
    assert tree.paths == (ast.Path(("name",)), ast.Path(("a", "b", 2)), ast.Path((ast.NameRef("#c"),)))


def test_tokenizer_spans_and_unknown_characters() -> None:
    tokens = tokenize("a<>:v #")
    assert [(t.kind, t.text, t.start, t.end) for t in tokens] == [
        (TokenKind.NAME, "a", 0, 1),
        (TokenKind.NE, "<>", 1, 3),
        (TokenKind.VALUE_REF, ":v", 3, 5),
        (TokenKind.UNKNOWN, "#", 6, 7),
        (TokenKind.EOF, "<EOF>", 7, 7),
    ]

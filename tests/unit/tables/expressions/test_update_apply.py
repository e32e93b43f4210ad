"""Update application details the conformance data does not pin down."""

from __future__ import annotations

from nubis.tables.expressions import compile_expressions


def test_removing_several_list_elements_uses_original_positions() -> None:
    # Our documented choice: every index in one expression refers to the list as it was [?].
    compiled = compile_expressions(kind="UpdateItem", update_expression="REMOVE l[0], l[2]")
    assert compiled.update is not None
    item = {"l": {"L": [{"S": "a"}, {"S": "b"}, {"S": "c"}, {"S": "d"}]}}
    assert compiled.update(item) == {"l": {"L": [{"S": "b"}, {"S": "d"}]}}


def test_untouched_branches_are_shared_and_touched_ones_copied() -> None:
    compiled = compile_expressions(
        kind="UpdateItem", update_expression="SET m.x = :v", expression_attribute_values={":v": {"N": "1"}}
    )
    assert compiled.update is not None
    other = {"M": {"deep": {"S": "d"}}}
    item = {"m": {"M": {"x": {"N": "0"}}}, "o": other}
    new = compiled.update(item)
    assert new["o"] is other
    assert item["m"] == {"M": {"x": {"N": "0"}}}
    assert new["m"] == {"M": {"x": {"N": "1"}}}


def test_updated_top_level_names() -> None:
    compiled = compile_expressions(
        kind="UpdateItem",
        update_expression="SET a.b = :v REMOVE c ADD d :n DELETE e :s",
        expression_attribute_values={":v": {"S": "x"}, ":n": {"N": "1"}, ":s": {"SS": ["x"]}},
    )
    assert compiled.updated_top_level == frozenset({"a", "c", "d", "e"})


def test_projection_top_level_names() -> None:
    compiled = compile_expressions(
        kind="Scan", projection_expression="a.b, c[1], #d", expression_attribute_names={"#d": "x.y"}
    )
    assert compiled.projection_top_level == frozenset({"a", "c", "x.y"})


def test_condition_on_a_missing_item_sees_no_attributes() -> None:
    compiled = compile_expressions(kind="DeleteItem", condition_expression="attribute_not_exists(pk)")
    assert compiled.condition is not None
    assert compiled.condition(None) is True
    assert compiled.condition({"pk": {"S": "x"}}) is False

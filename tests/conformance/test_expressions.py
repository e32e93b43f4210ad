"""Runs the language-neutral expression cases in ``tests/conformance/expressions/*.json``.

Each case names the operation (``kind``), its request parameters under AWS's own names, the placeholders
(``names``, ``values``), the stored ``item`` (``null``: no item) and what to ``check``:

- ``condition`` / ``filter``: ``result`` is the boolean outcome for ``item``;
- ``update``: ``result`` is the new item; ``updated_old`` / ``updated_new`` (optional) are the ReturnValues;
- ``projection``: ``result`` is the projected item;
- ``key``: ``schema`` is ``{"hash": [name, type], "range": [name, type] | null}`` (or ``{"hashes": [...],
  "ranges": [...]}`` for a multi-attribute key), ``result`` the key range;
- ``compile``: only compiling is checked.

A case with ``error`` expects a ValidationException with exactly that message, from compiling or from applying.
``evidence`` starts with ``D`` (AWS documentation), ``V`` (a suite run against AWS) or ``P`` (a peer emulator:
dynalite's AWS-checked tests, DynamoDB Local) and becomes the marker.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nubis.tables.errors import ValidationException
from nubis.tables.expressions import compile_expressions

CASES_DIR = Path(__file__).parent / "expressions"
PARAMETERS = {
    "ConditionExpression": "condition_expression",
    "FilterExpression": "filter_expression",
    "ProjectionExpression": "projection_expression",
    "UpdateExpression": "update_expression",
    "KeyConditionExpression": "key_condition_expression",
    "Expected": "expected",
    "ConditionalOperator": "conditional_operator",
    "AttributeUpdates": "attribute_updates",
    "KeyConditions": "key_conditions",
    "QueryFilter": "query_filter",
    "ScanFilter": "scan_filter",
    "AttributesToGet": "attributes_to_get",
}
CHECKS = {"condition", "filter", "update", "projection", "key", "compile"}


def _load() -> list[Any]:
    params = []
    seen: set[str] = set()
    for path in sorted(CASES_DIR.glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8")):
            case_id = f"{path.stem}:{case['id']}"
            assert case_id not in seen, f"duplicate case id {case_id}"
            seen.add(case_id)
            marker = case["evidence"].split(" ", 1)[0]
            assert marker in ("D", "P", "V"), case_id
            params.append(pytest.param(case, id=case_id, marks=getattr(pytest.mark, marker)))
    return params


def _run(case: dict[str, Any]) -> Any:
    kwargs: dict[str, Any] = {PARAMETERS[k]: v for k, v in case.items() if k in PARAMETERS}
    if "names" in case:
        kwargs["expression_attribute_names"] = case["names"]
    if "values" in case:
        kwargs["expression_attribute_values"] = case["values"]
    compiled = compile_expressions(kind=case["kind"], **kwargs)
    check = case["check"]
    item: Any = case.get("item")
    if check == "condition":
        assert compiled.condition is not None
        return compiled.condition(item)
    if check == "filter":
        assert compiled.filter is not None
        return compiled.filter(item)
    if check == "projection":
        assert compiled.projection is not None
        return compiled.projection(item)
    if check == "update":
        assert compiled.update is not None and compiled.updated_paths is not None
        before = json.dumps(item, sort_keys=True)
        new = compiled.update(item)
        assert json.dumps(item, sort_keys=True) == before, "the update mutated its input"
        if "updated_old" in case:
            assert compiled.updated_paths(item) == case["updated_old"]
        if "updated_new" in case:
            assert compiled.updated_paths(new) == case["updated_new"]
        return new
    if check == "key":
        assert compiled.key_condition is not None
        schema = case["schema"]
        if "hashes" in schema:
            key_range = compiled.key_condition.for_keys(
                tuple(map(tuple, schema["hashes"])), tuple(map(tuple, schema["ranges"]))
            )
            return {
                "hash_value": key_range.hash_value,
                "hash_values": list(key_range.hash_values),
                "sort_op": key_range.sort_op,
                "sort_prefix": list(key_range.sort_prefix),
                "sort_values": list(key_range.sort_values),
            }
        key_range = compiled.key_condition.for_schema(
            tuple(schema["hash"]), tuple(schema["range"]) if schema.get("range") else None
        )
        return {
            "hash_value": key_range.hash_value,
            "sort_op": key_range.sort_op,
            "sort_values": list(key_range.sort_values),
        }
    return None


@pytest.mark.parametrize("case", _load())
def test_expression_case(case: dict[str, Any]) -> None:
    assert case["check"] in CHECKS
    if "error" in case:
        with pytest.raises(ValidationException) as info:
            _run(case)
        assert info.value.message == case["error"]
    else:
        assert _run(case) == case["result"]


def test_there_are_enough_cases() -> None:
    assert len(_load()) >= 250

"""JSON Schema draft 4 as REST models use it: each keyword's rule, references, and schemas refused at compile time.

Expected values come from the draft 4 validation specification (draft-fge-json-schema-validation-00), the dialect
API Gateway documents for models [D models-mappings-models.md].
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from nubis.gateway.json_schema import SchemaError, compile_schema, parse_json


def valid(schema: Mapping[str, Any], text: str, models: Mapping[str, Mapping[str, Any]] | None = None) -> bool:
    return compile_schema(schema, lambda ref: (models or {}).get(ref.rsplit("/", 1)[-1]))(parse_json(text))


@pytest.mark.D
@pytest.mark.parametrize(
    ("schema", "text", "ok"),
    [
        ({"type": "integer"}, "2020", True),
        ({"type": "integer"}, "2020.0", False),  # draft 4: an integer has no fraction part
        ({"type": "integer"}, "true", False),
        ({"type": "number"}, "1.5", True),
        ({"type": "number"}, "false", False),  # booleans are not numbers
        ({"type": "number"}, '"1"', False),
        ({"type": ["string", "null"]}, "null", True),
        ({"type": "object"}, "[]", False),
        ({"type": "array"}, "[]", True),
        ({"enum": [1, "a", [True]]}, "1.0", True),  # JSON equality: 1 == 1.0
        ({"enum": [1]}, "true", False),  # but true is not 1
        ({"enum": [{"a": [1, 2]}]}, '{"a": [1, 2]}', True),
        ({"multipleOf": 0.1}, "0.3", True),  # exact decimals, not binary floats
        ({"multipleOf": 0.1}, "0.35", False),
        ({"minimum": 2010}, "2010", True),
        ({"minimum": 2010, "exclusiveMinimum": True}, "2010", False),
        ({"maximum": 5, "exclusiveMaximum": True}, "4.9", True),
        ({"maximum": 5}, "6", False),
        ({"minimum": 5}, '"not a number"', True),  # a keyword ignores other types
        ({"minLength": 2, "maxLength": 3}, '"\\u00e9\\u00e9"', True),  # code points, not bytes
        ({"maxLength": 3}, '"abcd"', False),
        ({"pattern": "^[A-Z]{3}$"}, '"ABC"', True),
        ({"pattern": "[0-9]"}, '"ab1c"', True),  # searched, not anchored
        ({"pattern": "^[0-9]+$"}, '"12a"', False),
        ({"items": {"type": "string"}, "minItems": 1, "maxItems": 2}, '["a", "b"]', True),
        ({"items": {"type": "string"}}, '["a", 1]', False),
        ({"maxItems": 1}, "[1, 2]", False),
        ({"items": [{"type": "string"}, {"type": "integer"}]}, '["a", 1, null]', True),
        ({"items": [{"type": "string"}], "additionalItems": False}, '["a", 1]', False),
        ({"items": [{"type": "string"}], "additionalItems": {"type": "integer"}}, '["a", 1, 2]', True),
        ({"uniqueItems": True}, "[1, 1.0]", False),
        ({"uniqueItems": True}, '[1, true, "1"]', True),
        ({"required": ["a"], "minProperties": 1, "maxProperties": 2}, '{"a": 1, "b": 2}', True),
        ({"required": ["a"]}, '{"b": 1}', False),
        ({"maxProperties": 1}, '{"a": 1, "b": 2}', False),
        ({"properties": {"a": {"type": "string"}}}, '{"a": 1}', False),
        ({"properties": {"a": {"type": "string"}}, "additionalProperties": False}, '{"a": "x", "b": 1}', False),
        ({"patternProperties": {"^x-": {"type": "integer"}}, "additionalProperties": False}, '{"x-a": 1}', True),
        ({"patternProperties": {"^x-": {"type": "integer"}}}, '{"x-a": "1"}', False),
        ({"additionalProperties": {"type": "boolean"}}, '{"a": true, "b": 0}', False),
        ({"dependencies": {"card": ["billing"]}}, '{"card": 1}', False),
        ({"dependencies": {"card": {"required": ["cvv"]}}}, '{"card": 1, "cvv": 2}', True),
        ({"allOf": [{"type": "integer"}, {"minimum": 3}]}, "2", False),
        ({"anyOf": [{"type": "string"}, {"minimum": 3}]}, "4", True),
        ({"oneOf": [{"type": "integer"}, {"minimum": 3}]}, "4", False),  # both match: not exactly one
        ({"not": {"type": "null"}}, "null", False),
        ({"format": "email", "unknownKeyword": 1}, '"not an email"', True),  # annotations and unknowns pass
    ],
)
def test_keywords(schema: Mapping[str, Any], text: str, ok: bool) -> None:
    assert valid(schema, text) is ok


@pytest.mark.D
def test_refs_local_recursive_and_to_other_models() -> None:
    tree = {
        "definitions": {"leaf": {"type": "integer"}},
        "type": "object",
        "properties": {"value": {"$ref": "#/definitions/leaf"}, "children": {"type": "array", "items": {"$ref": "#"}}},
        "additionalProperties": False,
    }
    assert valid(tree, '{"value": 1, "children": [{"children": [{"value": 2}]}]}')
    assert not valid(tree, '{"children": [{"value": "x"}]}')
    models = {"Engine": {"type": "object", "required": ["cc"]}}
    car = {"properties": {"engine": {"$ref": "https://apigateway.amazonaws.com/restapis/abc/models/Engine"}}}
    assert valid(car, '{"engine": {"cc": 1}}', models) and not valid(car, '{"engine": {}}', models)
    assert valid({"$ref": "#/components/schemas/Engine"}, '{"cc": 2}', models)


@pytest.mark.D
@pytest.mark.parametrize(
    "schema",
    [
        {"pattern": "(unclosed"},
        {"type": "integer-ish"},
        {"$ref": "#/definitions/missing"},
        {"properties": {"a": {"$ref": "https://apigateway.amazonaws.com/restapis/x/models/Nope"}}},
        {"minLength": -1},
        {"enum": "a"},
        {"anyOf": []},
    ],
)
def test_schemas_that_cannot_compile_are_refused(schema: Mapping[str, Any]) -> None:
    with pytest.raises(SchemaError):
        compile_schema(schema, lambda ref: None)

"""REST request validation: what a method's validator checks, in which order, and the 400s it answers through the
REST pipeline [D api-gateway-method-request-validation.md; reference §2.4 BAD_REQUEST_*]; and how models are compiled
(JSON Schema draft 4 [D models-mappings-models.md], checked by ``jsonschema``): the draft, exact decimals, formats,
references between models, models refused at start-up. The keywords themselves are the library's to test.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping
from typing import Any

import pytest

from nubis.gateway.context import InvocationContext
from nubis.gateway.deployment import compile_deployments
from nubis.gateway.errors import GatewayConfigError
from nubis.gateway.pipelines import REST_PIPELINE
from nubis.gateway.request_validation import MethodValidation, compile_models, compile_validations
from nubis.gateway.responses import BadRequestBody, BadRequestParameters
from nubis.project.model import (
    Api,
    ApiKind,
    Integration,
    IntegrationResponse,
    IntegrationType,
    Method,
    Project,
    RequestValidator,
    Resource,
    Stage,
    api_id_for,
)

VEHICLE = {
    "type": "object",
    "required": ["make", "year"],
    "properties": {"make": {"type": "string"}, "year": {"type": "integer", "minimum": 2010}},
}
VALIDATORS = {
    "all": RequestValidator("all", validate_request_body=True, validate_request_parameters=True),
    "body": RequestValidator("body", validate_request_body=True),
    "params": RequestValidator("params", validate_request_parameters=True),
}
MOCK = Integration(
    type=IntegrationType.MOCK,
    request_templates={"application/json": '{"statusCode": 200}'},
    responses=(IntegrationResponse("200", response_templates={"application/json": '{"ok": true}'}),),
)
PARAMETERS = {
    "method.request.querystring.q": True,
    "method.request.header.X-Tenant": True,
    "method.request.querystring.optional": False,
    "method.request.path.id": True,
}


def rest_api(
    validator: str | None = "all",
    models: Mapping[str, str] | None = None,
    schemas: Mapping[str, Mapping[str, object]] | None = None,
) -> Api:
    method = Method(
        "POST",
        MOCK,
        request_parameters=PARAMETERS,
        request_validator=validator,
        request_models={"application/json": "Vehicle"} if models is None else models,
    )
    return Api(
        id=api_id_for("p", "v"),
        name="v",
        kind=ApiKind.REST,
        stages=(Stage("prod"),),
        resources=(Resource("/"), Resource("/vehicle"), Resource("/vehicle/{id}", {"POST": method})),
        request_validators=VALIDATORS,
        models={"Vehicle": VEHICLE} if schemas is None else schemas,
    )


ROUTE = "POST /vehicle/{id}"


def validation(api: Api) -> MethodValidation:
    return compile_validations(api)[ROUTE]


GOOD_HEADERS = [("X-Tenant", "t1"), ("Content-Type", "application/json")]
GOOD_BODY = b'{"make": "MINI", "year": 2020}'


@pytest.mark.D
def test_required_parameters_must_be_present_and_not_blank() -> None:
    check = validation(rest_api()).check
    check(GOOD_HEADERS, "q=1", GOOD_BODY)
    with pytest.raises(BadRequestParameters) as missing:
        check([("Content-Type", "application/json")], "", GOOD_BODY)
    # Names in the order of their keys (header before querystring) [P LS]; optional ones never reported.
    assert missing.value.message == "Missing required request parameters: [X-Tenant, q]"
    with pytest.raises(BadRequestParameters, match=r"\[X-Tenant, q\]"):
        check([("x-tenant", "  "), ("Content-Type", "application/json")], "q=", GOOD_BODY)  # blank is missing
    check([("x-tenant", "t")], "q=1&q=", GOOD_BODY)  # header names are case-insensitive


@pytest.mark.D
def test_parameters_are_checked_before_the_body() -> None:
    with pytest.raises(BadRequestParameters):
        validation(rest_api()).check([], "", b"not json")


@pytest.mark.D
@pytest.mark.parametrize(
    ("headers", "body", "ok"),
    [
        (GOOD_HEADERS, GOOD_BODY, True),
        (GOOD_HEADERS, b'{"make": "MINI", "year": 2009}', False),
        (GOOD_HEADERS, b'{"make": "MINI"}', False),
        (GOOD_HEADERS, b"{not json", False),
        (GOOD_HEADERS, b"\xff\xfe", False),
        (GOOD_HEADERS, b"", False),  # an empty body is validated as {} [P LS]: required properties missing
        ([("X-Tenant", "t")], b'{"make": "MINI", "year": 2009}', False),  # no Content-Type: application/json
        ([("X-Tenant", "t"), ("Content-Type", "application/json; charset=utf-8")], b"{}", False),
        ([("X-Tenant", "t"), ("Content-Type", "text/plain")], b"{not json", True),  # no model for this type
    ],
)
def test_the_body_matches_the_model_for_its_content_type(headers: list[tuple[str, str]], body: bytes, ok: bool) -> None:
    check = validation(rest_api()).check
    if ok:
        check(headers, "q=1", body)
    else:
        with pytest.raises(BadRequestBody):
            check(headers, "q=1", body)


@pytest.mark.D
def test_the_default_model_serves_every_content_type() -> None:
    check = validation(rest_api(models={"$default": "Vehicle"})).check
    with pytest.raises(BadRequestBody):
        check([("X-Tenant", "t"), ("Content-Type", "text/plain")], "q=1", b"{}")


@pytest.mark.D
def test_a_validator_checks_only_what_it_names() -> None:
    body_only = validation(rest_api("body"))
    assert body_only.required_parameters == ()
    body_only.check([], "", GOOD_BODY)
    params_only = validation(rest_api("params"))
    assert params_only.body_models is None
    params_only.check([("X-Tenant", "t")], "q=1", b"{not json")
    assert ROUTE not in compile_validations(rest_api(None))
    assert ROUTE not in compile_validations(rest_api("body", models={}))  # no model: nothing to check


def accepts(schema: Mapping[str, Any], body: str, models: Mapping[str, Mapping[str, Any]] | None = None) -> bool:
    """Whether a body-validating method whose model is ``schema`` (beside ``models``) accepts ``body``."""
    check = validation(rest_api("body", schemas={**(models or {}), "Vehicle": schema})).check
    try:
        check([("Content-Type", "application/json")], "", body.encode())
    except BadRequestBody:
        return False
    return True


@pytest.mark.D
@pytest.mark.parametrize(
    ("schema", "body", "ok"),
    [
        # Draft 4 [D]: an integer has no fraction part (draft 6 accepts 2020.0); exclusive bounds are booleans.
        ({"type": "integer"}, "2020", True),
        ({"type": "integer"}, "2020.0", False),
        ({"type": "integer"}, "true", False),
        ({"type": "number"}, "1.5", True),
        ({"minimum": 2010, "exclusiveMinimum": True}, "2010", False),
        ({"maximum": 5, "exclusiveMaximum": True}, "4.9", True),
        # Draft 4 whatever ``$schema`` says: this model would be refused as draft 6 (a boolean exclusiveMinimum).
        ({"$schema": "http://json-schema.org/draft-07/schema#", "minimum": 1, "exclusiveMinimum": True}, "1", False),
        ({"$ref": "#/definitions/a", "type": "string", "definitions": {"a": {"type": "integer"}}}, "1", True),
        # Exact decimals in the body and in the model, as the JSON was written.
        ({"multipleOf": 0.1}, "0.3", True),  # 0.3 / 0.1 is not an integer in binary floats
        ({"multipleOf": 0.1}, "0.35", False),
        ({"minimum": 0.1}, "0.1", True),  # the float 0.1 is above the decimal 0.1
        ({"maximum": 9007199254740992}, "9007199254740993.0", False),  # as a float it would equal the maximum
        ({"multipleOf": 0.1}, "1e30", False),  # beyond decimal precision: refused, not a 500 [?]
        ({"enum": [0.1, "a"]}, "0.10", True),
        # JSON equality and lengths.
        ({"enum": [1, "a"]}, "1.0", True),
        ({"enum": [1]}, "true", False),
        ({"uniqueItems": True}, "[1, 1.0]", False),
        ({"uniqueItems": True}, '[1, true, "1"]', True),
        ({"minLength": 2, "maxLength": 2}, '"\\u00e9\\u00e9"', True),  # code points, not bytes
        ({"pattern": "[0-9]"}, '"ab1c"', True),  # searched, not anchored
        # A keyword of each family, so a wrong validator class would show.
        ({"required": ["a"], "properties": {"a": {"type": "string"}}}, '{"a": 1}', False),
        ({"properties": {"a": {}}, "additionalProperties": False}, '{"a": 1, "b": 2}', False),
        ({"patternProperties": {"^x-": {"type": "integer"}}, "additionalProperties": False}, '{"x-a": 1}', True),
        ({"items": [{"type": "string"}], "additionalItems": False}, '["a", 1]', False),
        ({"dependencies": {"card": ["billing"]}}, '{"card": 1}', False),
        ({"oneOf": [{"type": "integer"}, {"minimum": 3}]}, "4", False),
        ({"not": {"type": "null"}}, "null", False),
        # ``format`` is an annotation: API Gateway does not enforce formats [?]. Unknown keywords are ignored.
        ({"format": "email", "unknownKeyword": 1}, '"not an email"', True),
        ({"format": "date-time"}, '"yesterday"', True),
    ],
)
def test_models_are_draft_4_with_exact_decimals(schema: Mapping[str, Any], body: str, ok: bool) -> None:
    assert accepts(schema, body) is ok


ENGINE = {
    "type": "object",
    "required": ["cc"],
    "properties": {"cc": {"$ref": "#/definitions/cc"}},
    "definitions": {"cc": {"type": "integer"}},  # resolved in Engine's own document, wherever Engine is used from
}


@pytest.mark.D
@pytest.mark.parametrize(
    "ref",
    [
        f"https://apigateway.amazonaws.com/restapis/{api_id_for('p', 'v')}/models/Engine",  # API Gateway's spelling
        "https://apigateway.amazonaws.com/restapis/abc123/models/Engine",  # the id of the API it was exported from
        "#/definitions/Engine",  # Swagger 2 import
        "#/components/schemas/Engine",  # OpenAPI 3 import
    ],
)
def test_a_ref_names_another_model_of_the_api(ref: str) -> None:
    car = {"type": "object", "properties": {"engine": {"$ref": ref}}}
    assert accepts(car, '{"engine": {"cc": 1200}}', {"Engine": ENGINE})
    assert not accepts(car, '{"engine": {"cc": "big"}}', {"Engine": ENGINE})
    assert not accepts(car, '{"engine": {}}', {"Engine": ENGINE})


@pytest.mark.D
def test_refs_inside_a_model_recursive_and_to_built_in_models() -> None:
    tree = {
        "definitions": {"leaf": {"type": "integer"}},
        "type": "object",
        "properties": {"value": {"$ref": "#/definitions/leaf"}, "children": {"type": "array", "items": {"$ref": "#"}}},
        "additionalProperties": False,
    }
    assert accepts(tree, '{"value": 1, "children": [{"children": [{"value": 2}]}]}')
    assert not accepts(tree, '{"children": [{"value": "x"}]}')
    # Models that refer to each other: Vehicle → Owner → Vehicle.
    owner = {
        "required": ["name"],
        "properties": {"cars": {"type": "array", "items": {"$ref": "#/definitions/Vehicle"}}},
    }
    vehicle = {"properties": {"owner": {"$ref": "#/definitions/Owner"}}}
    assert accepts(vehicle, '{"owner": {"name": "a", "cars": [{"owner": {"name": "b"}}]}}', {"Owner": owner})
    assert not accepts(vehicle, '{"owner": {"name": "a", "cars": [{"owner": {}}]}}', {"Owner": owner})
    # AWS's Error model exists in every REST API [D models-mappings-models.md].
    assert not accepts({"$ref": "#/definitions/Error"}, '{"message": 1}')


@pytest.mark.D
@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        ({"properties": {"a": {"pattern": "("}}}, "'(' is not a 'regex'"),
        ({"type": "integer-ish"}, "$.type: 'integer-ish'"),
        ({"minLength": -1}, "minimum of 0"),
        ({"enum": "a"}, "not of type 'array'"),
        ({"anyOf": []}, "non-empty"),
        ({"$ref": "#/definitions/missing"}, "'#/definitions/missing' names no model"),
        ({"properties": {"a": {"$ref": "https://apigateway.amazonaws.com/restapis/x/models/Nope"}}}, "names no model"),
        ({"$ref": 5}, "names no model"),
    ],
)
def test_a_model_that_cannot_compile_stops_the_deployment(schema: Mapping[str, Any], problem: str) -> None:
    project = Project(name="p", apis=(rest_api(schemas={"Vehicle": schema}),), format="openapi")
    with pytest.raises(GatewayConfigError, match=f"API 'v', model 'Vehicle': .*{re.escape(problem)}"):
        compile_deployments(project, account="1", region="r")


def test_every_model_is_compiled_once_bodies_are_validated() -> None:
    """Used or not, as AWS refuses a bad model when it is created [?]; an API that validates no body compiles none."""
    with pytest.raises(GatewayConfigError, match="model 'Unused'"):
        compile_validations(rest_api(schemas={"Vehicle": VEHICLE, "Unused": {"type": "nope"}}))
    assert compile_validations(rest_api("params", schemas={"Vehicle": {"type": "nope"}}))
    assert set(compile_models(rest_api())) == {"Vehicle", "Empty", "Error"}


def run(api: Api, headers: list[tuple[str, str]], query: str, body: bytes) -> tuple[int, dict[str, str], object]:
    (deployment,) = compile_deployments(Project(name="p", apis=(api,), format="openapi"), account="1", region="r")
    ctx = InvocationContext(
        deployment=deployment,
        invoker=None,  # type: ignore[arg-type]  # MOCK integrations invoke nothing
        method="POST",
        path="/prod/vehicle/7",
        stage_path="/vehicle/7",
        raw_query=query,
        headers=headers,
        body=body,
        domain_name="localhost",
        source_ip="127.0.0.1",
    )
    response = asyncio.run(REST_PIPELINE.run(ctx))
    return response.status, dict(response.headers), json.loads(response.body)


@pytest.mark.D
def test_the_rest_pipeline_answers_aws_400s_before_the_integration() -> None:
    api = rest_api()
    assert run(api, GOOD_HEADERS, "q=1", GOOD_BODY)[::2] == (200, {"ok": True})
    status, headers, body = run(api, GOOD_HEADERS, "q=1", b'{"make": "MINI", "year": 2009}')
    assert (status, body, headers["x-amzn-ErrorType"]) == (
        400,
        {"message": "Invalid request body"},
        "BadRequestException",
    )
    status, headers, body = run(api, GOOD_HEADERS, "", GOOD_BODY)
    assert (status, body) == (400, {"message": "Missing required request parameters: [q]"})
    assert headers["x-amzn-ErrorType"] == "BadRequestException" and "x-amzn-RequestId" in headers

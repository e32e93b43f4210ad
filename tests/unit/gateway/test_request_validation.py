"""REST request validation: what a method's validator checks, in which order, and the 400s it answers through the
REST pipeline [D api-gateway-method-request-validation.md; reference §2.4 BAD_REQUEST_*]."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping

import pytest

from nubis.gateway.context import InvocationContext
from nubis.gateway.deployment import compile_deployments
from nubis.gateway.errors import GatewayConfigError
from nubis.gateway.pipelines import REST_PIPELINE
from nubis.gateway.request_validation import MethodValidation, compile_validation
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


def validation(api: Api) -> MethodValidation:
    found = compile_validation(api, api.resources[2].methods["POST"])
    assert found is not None
    return found


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
    api = rest_api(None)
    assert compile_validation(api, api.resources[2].methods["POST"]) is None
    api = rest_api("body", models={})
    assert compile_validation(api, api.resources[2].methods["POST"]) is None  # no model: nothing to check


def test_a_model_that_cannot_compile_is_a_configuration_error() -> None:
    api = rest_api(schemas={"Vehicle": {"type": "object", "properties": {"a": {"pattern": "("}}}})
    with pytest.raises(GatewayConfigError, match="model 'Vehicle'"):
        compile_validation(api, api.resources[2].methods["POST"])


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

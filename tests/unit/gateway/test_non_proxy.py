"""REST non-proxy integrations through the REST pipeline, in process: request templates and passthrough, MOCK
status selection, Lambda non-proxy selection by ``errorMessage``, response templates by ``Accept``,
``responseParameters`` and overrides (reference §9.1). The function runtime is a stand-in that records events."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from nubis.gateway.context import InvocationContext
from nubis.gateway.deployment import compile_deployments, deployment_warnings
from nubis.gateway.pipelines import REST_PIPELINE
from nubis.project import LoadOptions
from nubis.project.loaders.serverless import load_serverless
from nubis.project.model import (
    Api,
    ApiKind,
    FunctionDef,
    Integration,
    IntegrationResponse,
    IntegrationType,
    Method,
    Project,
    Resource,
    Stage,
    api_id_for,
)


@dataclass
class Outcome:
    payload: bytes
    function_error: str | None = None


class FakeInvoker:
    """Runs ``handler(event)`` in process; a raised exception becomes Lambda's error document."""

    def __init__(self, handler: Callable[[Any], Any], delay: float = 0.0) -> None:
        self.handler = handler
        self.delay = delay
        self.payloads: list[bytes] = []

    async def invoke(self, name: str, payload: bytes = b"") -> Outcome:
        self.payloads.append(payload)
        if self.delay:
            await asyncio.sleep(self.delay)
        try:
            result = self.handler(json.loads(payload) if payload else {})
        except Exception as exc:
            document = {"errorMessage": str(exc), "errorType": type(exc).__name__, "requestId": "r", "stackTrace": []}
            return Outcome(json.dumps(document).encode(), "Unhandled")
        return Outcome(json.dumps(result).encode())


def echo(event: Any) -> Any:
    return event


FUNCTION = FunctionDef(name="fn", handler="app.handler", runtime="python3.11", code_dir=Path("."))


def lambda_integration(**fields: Any) -> Integration:
    return Integration(
        type=IntegrationType.AWS,
        uri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:fn/invocations",
        function="fn",
        http_method="POST",
        **fields,
    )


def api_with(methods: Mapping[str, Mapping[str, Method]], **fields: Any) -> Project:
    resources = [Resource("/")]
    for path, verbs in methods.items():
        resources = [r for r in resources if r.path != path] + [Resource(path, dict(verbs))]
    api = Api(
        id=api_id_for("p", "api"),
        name="api",
        kind=ApiKind.REST,
        stages=(Stage("dev", variables={"color": "blue"}),),
        resources=tuple(sorted(resources, key=lambda r: r.path)),
        **fields,
    )
    return Project(name="p", functions={"fn": FUNCTION}, apis=(api,), format="sam")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    project: Project,
    method: str,
    path: str,
    *,
    body: bytes = b"",
    headers: list[tuple[str, str]] | None = None,
    query: str = "",
    invoker: Any = None,
) -> Answer:
    (deployment,) = compile_deployments(project, account="123456789012", region="us-east-1")
    ctx = InvocationContext(
        deployment=deployment,
        invoker=invoker or FakeInvoker(echo),
        method=method,
        path=f"/dev{path}",
        stage_path=path,
        raw_query=query,
        headers=headers or [],
        body=body,
        domain_name="localhost:4566",
        source_ip="10.0.0.1",
    )
    response = asyncio.run(REST_PIPELINE.run(ctx))
    return Answer(response.status, {k.lower(): v for k, v in response.headers}, response.body)


def mock(request_template: str | None, *responses: IntegrationResponse) -> Method:
    templates = {} if request_template is None else {"application/json": request_template}
    return Method("GET", Integration(type=IntegrationType.MOCK, request_templates=templates, responses=responses))


# ---------------------------------------------------------------------------------------------- MOCK


@pytest.mark.D
def test_mock_request_template_picks_the_status_and_the_response_template_renders() -> None:
    """[D api-gateway-mock-integration.md]"""
    method = mock(
        '#if($input.params("scope") == "internal"){"statusCode": 200}#else{"statusCode": 500}#end',
        IntegrationResponse(
            "200",
            response_templates={"application/json": '{"stage": "$context.stage", "color": "$stageVariables.color"}'},
            response_parameters={"method.response.header.X-Static": "'yes'"},
        ),
        IntegrationResponse("503", selection_pattern="5\\d{2}", response_templates={"application/json": '{"no": 1}'}),
    )
    project = api_with({"/m": {"GET": method}})
    ok = call(project, "GET", "/m", query="scope=internal")
    assert (ok.status, ok.json(), ok.headers["x-static"]) == (200, {"stage": "dev", "color": "blue"}, "yes")
    assert ok.headers["content-type"] == "application/json"
    failed = call(project, "GET", "/m", query="scope=public")
    assert (failed.status, failed.json()) == (503, {"no": 1})


@pytest.mark.V
def test_mock_accepts_the_unquoted_status_cdk_writes() -> None:
    """``{statusCode: 200}`` is not JSON and AWS accepts it [V LS test_integration_mock_with_path_param]."""
    project = api_with(
        {"/m": {"GET": mock("{statusCode: 200}", IntegrationResponse("200", selection_pattern="2\\d{2}"))}}
    )
    answer = call(project, "GET", "/m")
    assert (answer.status, answer.body) == (200, b"")


@pytest.mark.P
def test_mock_without_a_status_is_a_configuration_error() -> None:
    """[P LS mock.py: "Unable to parse statusCode"]"""
    project = api_with({"/m": {"GET": mock('{"nothing": 1}', IntegrationResponse("200"))}})
    answer = call(project, "GET", "/m")
    assert (answer.status, answer.json()) == (500, {"message": "Internal server error"})
    assert answer.headers["x-amzn-errortype"] == "ApiConfigurationException"


@pytest.mark.V
@pytest.mark.parametrize("with_response_template", [True, False])
def test_a_response_override_set_in_the_request_template_applies(with_response_template: bool) -> None:
    """[V LS test_integration_mock_with_response_override_in_request_template]"""
    request = (
        "#set($context.responseOverride.status = 444)\n"
        '#set($context.responseOverride.header.foo = "bar")\n'
        '#set($context.responseOverride.custom = "is also passed around")\n'
        '{"statusCode": 200}'
    )
    response = (
        '{"statusOverride": "$context.responseOverride.status", "fooHeader": "$context.responseOverride.header.foo", '
        '"custom": "$context.responseOverride.custom"}'
    )
    templates = {"application/json": response} if with_response_template else {}
    project = api_with(
        {
            "/": {
                "GET": mock(
                    request, IntegrationResponse("200", selection_pattern="2\\d{2}", response_templates=templates)
                )
            }
        }
    )
    answer = call(project, "GET", "/")
    assert (answer.status, answer.headers["foo"]) == (444, "bar")
    if with_response_template:
        assert answer.json() == {"statusOverride": "444", "fooHeader": "bar", "custom": "is also passed around"}
    else:
        assert answer.body == b""


@pytest.mark.V
def test_request_overrides_reach_the_response_template() -> None:
    """[V LS test_integration_mock_with_request_overrides_in_response_template]"""
    request = (
        "#set($body = $util.base64Decode($input.params('testPath')))\n"
        "#set($context.requestOverride.path.body = $body)\n"
        '{"statusCode": 200}'
    )
    response = (
        "#set($body = $util.parseJson($context.requestOverride.path.body))\n"
        "#set($inputBody = $body.message)\n"
        '#if($inputBody == "path1"){"response": "path was path one"}'
        '#elseif($inputBody == "path2"){"response": "path was path two"}'
        '#else{"response": "this is the else clause"}#end'
    )
    method = mock(
        request,
        IntegrationResponse("200", selection_pattern="2\\d{2}", response_templates={"application/json": response}),
    )
    project = api_with({"/{testPath}": {"GET": method}})
    for message, expected in (
        ("path1", "path was path one"),
        ("path2", "path was path two"),
        ("x", "this is the else clause"),
    ):
        encoded = base64.b64encode(json.dumps({"message": message}).encode()).decode()
        assert call(project, "GET", f"/{encoded}").json() == {"response": expected}


@pytest.mark.D
def test_response_templates_follow_the_accept_header() -> None:
    """[D request-response-data-mappings.md "Select a VTL mapping template"]"""
    response = IntegrationResponse(
        "200", response_templates={"application/xml": "<a>xml</a>", "application/json": '{"a": "json"}'}
    )
    project = api_with({"/m": {"GET": mock('{"statusCode": 200}', response)}})
    assert call(project, "GET", "/m").body == b'{"a": "json"}'
    assert call(project, "GET", "/m", headers=[("Accept", "application/xml")]).body == b"<a>xml</a>"
    assert call(project, "GET", "/m", headers=[("Accept", "text/html")]).body == b"<a>xml</a>"  # the first one
    only_xml = IntegrationResponse("200", response_templates={"application/xml": "<a>xml</a>"})
    project = api_with({"/m": {"GET": mock('{"statusCode": 200}', only_xml)}})
    assert call(project, "GET", "/m").body == b"<a>xml</a>"


# ---------------------------------------------------------------------------------------------- passthrough


def passthrough_project(behavior: str | None, templates: Mapping[str, str]) -> Project:
    integration = lambda_integration(
        request_templates=templates, passthrough_behavior=behavior, responses=(IntegrationResponse("200"),)
    )
    return api_with({"/p": {"POST": Method("POST", integration)}})


@pytest.mark.D
@pytest.mark.parametrize(
    ("template_type", "content_type", "behavior", "outcome"),
    [
        ("application/json", None, "WHEN_NO_MATCH", "mapped"),
        ("application/json", None, "WHEN_NO_TEMPLATES", "mapped"),
        ("application/json", None, "NEVER", "mapped"),
        ("application/json", "application/json; charset=utf-8", "NEVER", "mapped"),
        ("application/json", "application/xml", "WHEN_NO_MATCH", "passed"),
        ("application/json", "application/xml", "WHEN_NO_TEMPLATES", 415),
        ("application/json", "application/xml", "NEVER", 415),
        ("application/xml", None, "WHEN_NO_MATCH", "passed"),
        ("application/xml", "application/json", "WHEN_NO_TEMPLATES", 415),
        ("application/xml", "application/json", "NEVER", 415),
        ("application/xml", "application/xml", "NEVER", "mapped"),
        (None, "application/json", "WHEN_NO_TEMPLATES", "passed"),
        (None, "application/json", None, "passed"),
        (None, "application/json", "NEVER", 415),
    ],
)
def test_passthrough_behaviours(
    template_type: str | None, content_type: str | None, behavior: str | None, outcome: object
) -> None:
    """The table of integration-passthrough-behaviors.md [D]; 415 is ``{"message": "Unsupported Media Type"}``
    with ``x-amzn-ErrorType: BadRequestException`` [D status; P LS error type]."""
    templates = {template_type: '{"mapped": true}'} if template_type else {}
    headers = [("Content-Type", content_type)] if content_type else []
    answer = call(passthrough_project(behavior, templates), "POST", "/p", body=b'{"passed": true}', headers=headers)
    if outcome == 415:
        assert (answer.status, answer.json()) == (415, {"message": "Unsupported Media Type"})
        assert answer.headers["x-amzn-errortype"] == "BadRequestException"
    else:
        assert (answer.status, answer.json()) == (200, {outcome: True})


# ---------------------------------------------------------------------------------------------- Lambda non-proxy


def raising_by_status(event: Any) -> Any:
    code = event["statusCode"]
    if code == "400":
        raise Exception("Error: Raising four hundred from within the Lambda function")
    if code == "500":
        raise Exception("Error: Raising five hundred from within the Lambda function")
    return "Pass"


@pytest.mark.V
def test_lambda_errors_select_integration_responses_by_error_message() -> None:
    """[V LS test_lambda_selection_patterns: 200 → "Pass"; errorMessage selects 405 and 502; the pattern "200" is
    not matched against a successful invocation]"""
    integration = lambda_integration(
        request_templates={"application/json": '{"statusCode": "$input.params(\'statusCode\')"}'},
        responses=(
            IntegrationResponse("200"),
            IntegrationResponse("405", selection_pattern=".*four hundred.*"),
            IntegrationResponse("502", selection_pattern=".+"),
            IntegrationResponse("504", selection_pattern="200"),
        ),
    )
    project = api_with({"/{statusCode}": {"GET": Method("GET", integration)}})
    invoker = FakeInvoker(raising_by_status)
    assert (
        call(project, "GET", "/200", invoker=invoker).status,
        call(project, "GET", "/200", invoker=invoker).json(),
    ) == (
        200,
        "Pass",
    )
    four = call(project, "GET", "/400", invoker=invoker)
    assert four.status == 405
    assert four.json()["errorMessage"] == "Error: Raising four hundred from within the Lambda function"
    assert set(four.json()) == {"errorMessage", "errorType", "requestId", "stackTrace"}
    assert call(project, "GET", "/500", invoker=invoker).status == 502


@pytest.mark.D
def test_bracketed_error_codes_with_the_serverless_patterns() -> None:
    """``raise Exception("[BadRequest] ...")`` with ``selectionPattern: "\\[BadRequest\\].*"`` → 400, and an error
    no pattern selects takes the default response [D handle-errors-in-lambda-integration.md]."""

    def handler(event: Any) -> Any:
        raise Exception(event["message"])

    integration = lambda_integration(
        responses=(
            IntegrationResponse("200"),
            IntegrationResponse(
                "400",
                selection_pattern=r"\[BadRequest\].*",
                response_templates={"application/json": "{\"error\": $input.json('$.errorMessage')}"},
            ),
        )
    )
    project = api_with({"/e": {"POST": Method("POST", integration)}})
    invoker = FakeInvoker(handler)
    bad = call(project, "POST", "/e", body=b'{"message": "[BadRequest] no name"}', invoker=invoker)
    assert (bad.status, bad.json()) == (400, {"error": "[BadRequest] no name"})
    other = call(project, "POST", "/e", body=b'{"message": "boom"}', invoker=invoker)
    assert (other.status, other.json()["errorMessage"]) == (200, "boom")


@pytest.mark.D
def test_no_matching_integration_response_is_a_configuration_error() -> None:
    """ "No match for output mapping and no default output mapping configured" [D, reference §9.1]."""

    def handler(event: Any) -> Any:
        raise Exception("boom")

    integration = lambda_integration(responses=(IntegrationResponse("400", selection_pattern="bad.*"),))
    project = api_with({"/e": {"GET": Method("GET", integration)}})
    answer = call(project, "GET", "/e", invoker=FakeInvoker(handler))
    assert (answer.status, answer.json()) == (500, {"message": "Internal server error"})
    assert answer.headers["x-amzn-errortype"] == "ApiConfigurationException"
    no_responses = api_with({"/e": {"GET": Method("GET", lambda_integration())}})
    assert call(no_responses, "GET", "/e").status == 500


@pytest.mark.P
def test_a_payload_that_is_not_json_is_refused_by_lambda() -> None:
    """Lambda's refusal is the integration response body [P ISSUE fluct/fluct#33]."""
    integration = lambda_integration(
        request_templates={"application/json": "{not json $input.body"}, responses=(IntegrationResponse("200"),)
    )
    project = api_with({"/e": {"POST": Method("POST", integration)}})
    invoker = FakeInvoker(echo)
    answer = call(project, "POST", "/e", body=b"{}", invoker=invoker)
    assert answer.status == 200 and answer.json()["Type"] == "User"
    assert answer.json()["message"].startswith("Could not parse request body into json")
    assert invoker.payloads == []


@pytest.mark.P
def test_lambda_non_proxy_times_out_with_504() -> None:
    """[P reference §2.3: REST integration timeout 504 "Endpoint request timed out"]"""
    integration = lambda_integration(timeout_in_millis=50, responses=(IntegrationResponse("200"),))
    project = api_with({"/slow": {"GET": Method("GET", integration)}})
    answer = call(project, "GET", "/slow", invoker=FakeInvoker(echo, delay=0.3))
    assert (answer.status, answer.json()) == (504, {"message": "Endpoint request timed out"})


@pytest.mark.D
def test_response_parameters_from_headers_body_context_and_literals() -> None:
    """[D request-response-data-mappings.md "Map Integration Response Data to Method Response Headers"]"""
    integration = lambda_integration(
        responses=(
            IntegrationResponse(
                "201",
                response_parameters={
                    "method.response.header.Location": "integration.response.body.redirect.url",
                    "method.response.header.X-Whole": "integration.response.body",
                    "method.response.header.X-Stage": "context.stage",
                    "method.response.header.X-Color": "stageVariables.color",
                    "method.response.header.X-Static": "'fixed'",
                    "method.response.header.X-Missing": "integration.response.body.nothing",
                    "method.response.header.Content-Type": "'text/plain'",
                },
                response_templates={"application/json": "$input.path('$.redirect.url')"},
            ),
        )
    )
    project = api_with({"/r": {"POST": Method("POST", integration)}})
    answer = call(project, "POST", "/r", body=b'{"redirect": {"url": "https://x.test/a"}}')
    assert answer.status == 201 and answer.body == b"https://x.test/a"
    assert answer.headers["location"] == "https://x.test/a"
    assert json.loads(answer.headers["x-whole"]) == {"redirect": {"url": "https://x.test/a"}}
    assert (answer.headers["x-stage"], answer.headers["x-color"], answer.headers["x-static"]) == (
        "dev",
        "blue",
        "fixed",
    )
    assert "x-missing" not in answer.headers and answer.headers["content-type"] == "text/plain"


@pytest.mark.D
def test_an_empty_response_template_passes_the_body_through() -> None:
    """ "To return the response payload unmapped ... set up an empty template" [D]."""
    integration = lambda_integration(
        responses=(IntegrationResponse("200", response_templates={"application/json": ""}),)
    )
    project = api_with({"/r": {"POST": Method("POST", integration)}})
    assert call(project, "POST", "/r", body=b'{"a": 1}').json() == {"a": 1}


def test_a_template_that_fails_answers_500() -> None:
    integration = lambda_integration(
        request_templates={"application/json": "$util.parseJson('{bad')"}, responses=(IntegrationResponse("200"),)
    )
    project = api_with({"/r": {"POST": Method("POST", integration)}})
    answer = call(project, "POST", "/r", body=b"{}")
    assert (answer.status, answer.headers["x-amzn-errortype"]) == (500, "ApiConfigurationException")


def test_deployment_warnings_name_templates_that_do_not_parse_and_aws_service_integrations() -> None:
    bad = lambda_integration(request_templates={"application/json": "#if($x"}, responses=(IntegrationResponse("200"),))
    service = Integration(type=IntegrationType.AWS, uri="arn:aws:apigateway:us-east-1:dynamodb:action/PutItem")
    project = api_with({"/bad": {"POST": Method("POST", bad)}, "/ddb": {"POST": Method("POST", service)}})
    warnings = deployment_warnings(project)
    assert any("POST /bad: the application/json request template does not parse" in w for w in warnings)
    assert any("POST /ddb: AWS service integrations" in w for w in warnings)
    assert call(project, "POST", "/bad", body=b"{}").status == 500
    assert call(project, "POST", "/ddb", body=b"{}").status == 500


# ---------------------------------------------------------------------------------------------- serverless.yml


SLS = """\
service: svc
provider:
  name: aws
  runtime: python3.11
  stage: dev
functions:
  fn:
    handler: app.handler
    events:
      - http:
          path: items/{id}
          method: post
          integration: lambda
"""


@pytest.mark.P
def test_serverless_lambda_integration_builds_the_framework_event(tmp_path: Path) -> None:
    """The event of a captured ``integration: lambda`` request, key for key [P SF apigateway.md "Example LAMBDA
    event"]; form bodies become objects, other content types are refused (passthrough NEVER)."""
    (tmp_path / "serverless.yml").write_text(SLS)
    project = load_serverless(tmp_path / "serverless.yml", LoadOptions(env={}))
    invoker = FakeInvoker(echo)
    answer = call(
        project,
        "POST",
        "/items/42",
        body=b'{"a": [1, "x"]}',
        headers=[("Content-Type", "application/json"), ("User-Agent", "t/1"), ("X-Quote", "it's")],
        query="q=1",
        invoker=invoker,
    )
    event = answer.json()
    assert list(event) == [
        "body",
        "method",
        "principalId",
        "stage",
        "cognitoPoolClaims",
        "enhancedAuthContext",
        "headers",
        "query",
        "path",
        "identity",
        "stageVariables",
        "requestPath",
    ]
    assert event["body"] == {"a": [1, "x"]}
    assert (event["method"], event["principalId"], event["stage"]) == ("POST", "", "dev")
    assert event["cognitoPoolClaims"] == {"sub": ""} and event["enhancedAuthContext"] == {}
    assert event["headers"]["X-Quote"] == "it's" and event["headers"]["User-Agent"] == "t/1"
    assert (event["query"], event["path"], event["stageVariables"]) == ({"q": "1"}, {"id": "42"}, {})
    assert event["identity"]["sourceIp"] == "10.0.0.1" and event["identity"]["userAgent"] == "t/1"
    assert event["identity"]["caller"] == "" and event["requestPath"] == "/items/{id}"

    form = call(
        project,
        "POST",
        "/items/1",
        body=b"a=1&b=hello+world&c",
        headers=[("Content-Type", "application/x-www-form-urlencoded")],
    )
    assert form.json()["body"] == {"a": "1", "b": "hello world", "c": ""}
    refused = call(project, "POST", "/items/1", body=b"x", headers=[("Content-Type", "text/plain")])
    assert refused.status == 415


@pytest.mark.P
@pytest.mark.parametrize(
    ("message", "status"),
    [
        ("[404] not found", 404),
        ("[400] bad", 400),
        ("ok [422]", 422),
        ("Task timed out after 3.00 seconds", 504),
        ("x", 200),
    ],
)
def test_serverless_default_status_codes(tmp_path: Path, message: str, status: int) -> None:
    """The framework's default integration responses for ``integration: lambda`` [P SF validate.js]."""
    (tmp_path / "serverless.yml").write_text(SLS)
    project = load_serverless(tmp_path / "serverless.yml", LoadOptions(env={}))

    def handler(event: Any) -> Any:
        raise Exception(message)

    answer = call(
        project,
        "POST",
        "/items/1",
        body=b"{}",
        headers=[("Content-Type", "application/json")],
        invoker=FakeInvoker(handler),
    )
    assert answer.status == status
    assert answer.json()["errorMessage"] == message


def test_a_successful_invocation_gets_the_default_response_even_with_a_catch_all_pattern() -> None:
    """Only a function error's ``errorMessage`` is matched against patterns [?]."""
    integration = lambda_integration(
        responses=(IntegrationResponse("200"), IntegrationResponse("500", selection_pattern=".*"))
    )
    project = api_with({"/ok": {"POST": Method("POST", integration)}})
    assert call(project, "POST", "/ok", body=b'{"a": 1}').status == 200


def test_an_override_status_that_is_not_an_http_status_is_ignored() -> None:
    """[?] what AWS does with ``$context.responseOverride.status = 650``."""
    template = '#set($context.responseOverride.status = 650){"statusCode": 200}'
    project = api_with({"/m": {"GET": mock(template, IntegrationResponse("201"))}})
    assert call(project, "GET", "/m").status == 201


def test_params_finds_a_header_named_in_another_case() -> None:
    """``$input.params('content-type')`` finds ``Content-Type`` [? lenient; the framework's CORS template tries both
    cases, which suggests AWS may not]."""
    template = '{"statusCode": 200}'
    response = IntegrationResponse("200", response_templates={"application/json": "$input.params('x-token')"})
    project = api_with({"/m": {"GET": mock(template, response)}})
    assert call(project, "GET", "/m", headers=[("X-Token", "t1")]).body == b"t1"

"""REST non-proxy integrations and mapping templates through a real ``nubis serve``: a SAM application with MOCK and
Lambda non-proxy methods written in OpenAPI (``gateway_projects/vtl_sam``), and a serverless.yml todos API in the
style of serverless/examples' PynamoDB app using ``integration: lambda`` (``gateway_projects/vtl_sls``). Expected
values come from ``shared/reference/gateway.md`` §9 and carry the marker of their evidence.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from nubis.testing import NubisServer

PROJECTS = Path(__file__).parent / "gateway_projects"


def _serve(tmp: Path, name: str) -> Iterator[tuple[NubisServer, httpx.Client]]:
    project = tmp / name
    shutil.copytree(PROJECTS / name, project)
    with NubisServer(tmp / "data", extra_args=["--storage", "memory:", str(project)]) as server:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            yield server, client


@pytest.fixture(scope="module")
def sam(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    for _server, client in _serve(tmp_path_factory.mktemp("vtlsam"), "vtl_sam"):
        yield client


@pytest.fixture(scope="module")
def sls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    for _server, client in _serve(tmp_path_factory.mktemp("vtlsls"), "vtl_sls"):
        yield client


# ---------------------------------------------------------------------------------------------- MOCK


@pytest.mark.D
def test_mock_answers_from_its_templates(sam: httpx.Client) -> None:
    """The request template picks the status, the response template renders ``$context``, ``$stageVariables`` and
    ``$input.params``, ``responseParameters`` map headers [D api-gateway-mock-integration.md, mapping reference]."""
    response = sam.get("/v1/mock/200", params={"q": "x"}, headers={"User-Agent": "vtl-test/1"})
    assert response.status_code == 200
    assert response.json() == {
        "stage": "v1",
        "resource": "/mock/{code}",
        "method": "GET",
        "greeting": "Hello",
        "code": "200",
        "agent": "vtl-test/1",
        "q": "x",
    }
    assert response.headers["X-Request-Id"] == response.headers["x-amzn-RequestId"]
    assert response.headers["X-Static"] == "static"


@pytest.mark.D
def test_mock_selects_the_integration_response_by_status_and_the_template_by_accept(sam: httpx.Client) -> None:
    """[D request-response-data-mappings.md "Select a VTL mapping template"]"""
    missing = sam.get("/v1/mock/404")
    assert (missing.status_code, missing.json()) == (404, {"message": "no such thing"})
    html = sam.get("/v1/mock/404", headers={"Accept": "text/html"})
    assert (html.status_code, html.text) == (404, "<p>no such thing</p>")
    assert html.headers["content-type"] == "application/json"  # no header mapping sets it [P LS method_response]


@pytest.mark.D
def test_mock_with_no_matching_response_is_500(sam: httpx.Client) -> None:
    """A 500 from the template matches no ``selectionPattern`` and there is no default [D]."""
    response = sam.get("/v1/mock/500")
    assert (response.status_code, response.json()) == (500, {"message": "Internal server error"})
    assert response.headers["x-amzn-ErrorType"] == "ApiConfigurationException"


# ---------------------------------------------------------------------------------------------- Lambda non-proxy


@pytest.mark.D
def test_lambda_non_proxy_request_and_response_templates(sam: httpx.Client) -> None:
    """The rendered request template is the event; the response template maps the result; a header comes from a
    field of the result [D set-up-lambda-custom-integrations.md, request-response-data-mappings.md]."""
    response = sam.post("/v1/greet/Ada", json={"polite": True, "tags": ["a", "b"]})
    assert response.status_code == 200
    assert response.json() == {"message": "Hello, Ada!", "tags": ["a", "b"]}
    assert response.headers["X-Greeting-Length"] == "11"
    plain = sam.post("/v1/greet/Bob", json={"tags": []})
    assert plain.json() == {"message": "Hello, Bob.", "tags": []}


@pytest.mark.D
def test_lambda_error_message_selects_the_400_response(sam: httpx.Client) -> None:
    """``raise Exception("[BadRequest] ...")`` with ``selectionPattern: "\\[BadRequest\\].*"`` → 400
    [D handle-errors-in-lambda-integration.md]."""
    response = sam.post("/v1/greet/nobody", json={"tags": []})
    assert response.status_code == 400
    assert response.json() == {"error": "[BadRequest] there is no one to greet: 'nobody'"}


@pytest.mark.D
def test_passthrough_never_refuses_other_media_types(sam: httpx.Client) -> None:
    """``passthroughBehavior: never`` and no template for ``text/plain`` → 415 [D integration-passthrough-behaviors]."""
    response = sam.post("/v1/greet/Ada", content=b"hi", headers={"Content-Type": "text/plain"})
    assert (response.status_code, response.json()) == (415, {"message": "Unsupported Media Type"})
    assert response.headers["x-amzn-ErrorType"] == "BadRequestException"


@pytest.mark.D
def test_without_templates_the_body_passes_through_and_the_result_is_the_body(sam: httpx.Client) -> None:
    """``WHEN_NO_MATCH`` (the default) with no templates: the body is the event; no response template: the result
    is the response body [D integration-passthrough-behaviors.md; V LS test_lambda_aws_integration]."""
    response = sam.post("/v1/echo", content=b'{"message": "hello world"}')
    assert (response.status_code, response.json()) == (200, {"message": "hello world"})


@pytest.mark.V
def test_response_template_overrides_status_and_headers(sam: httpx.Client) -> None:
    """``$context.responseOverride.status`` and ``.header.X`` set by the response template [V LS
    test_lambda_aws_integration_response_with_mapping_templates; D apigateway-override-request-response-parameters]."""
    response = sam.post("/v1/teapot", json={"a": 1})
    assert (response.status_code, response.json()) == (418, {"a": 1})
    assert response.headers["X-Teapot"] == "short and stout"
    refused = sam.post("/v1/teapot", content=b"a", headers={"Content-Type": "text/plain"})
    assert refused.status_code == 415  # when_no_templates, and the method has templates


# ---------------------------------------------------------------------------------------------- integration: lambda


@pytest.mark.P
def test_serverless_integration_lambda_todos(sls: httpx.Client) -> None:
    """The PynamoDB todos app's flow: create through a Lambda proxy, then ``integration: lambda`` methods read the
    framework's event (``event["path"]``, ``event["body"]`` as an object) and return the response body. A returned
    ``{"statusCode": 404, ...}`` is just a body (200), as on AWS; ``[404]`` in an error message selects 404 through
    the framework's default status codes [P SF apigateway.md "Lambda Integration"; SF validate.js]."""
    created = sls.post("/dev/todos", json={"text": "Learn VTL"})
    assert created.status_code == 201
    todo = created.json()
    todo_id = todo["todo_id"]
    assert todo == {"todo_id": todo_id, "text": "Learn VTL", "checked": False}

    got = sls.get(f"/dev/todos/{todo_id}")
    assert got.status_code == 200
    assert (
        got.json()["statusCode"] == 200
        and got.json()["body"] == f'{{"todo_id": "{todo_id}", "text": "Learn VTL", "checked": false}}'
    )

    updated = sls.put(f"/dev/todos/{todo_id}", json={"checked": True})
    assert (updated.status_code, updated.json()) == (200, {"todo_id": todo_id, "text": "Learn VTL", "checked": True})
    refused = sls.put(f"/dev/todos/{todo_id}", json={})
    assert refused.status_code == 422 and refused.json()["errorMessage"] == "[422] Couldn't update the todo item."
    form = sls.put(
        f"/dev/todos/{todo_id}",
        content=b"text=Form+text",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.json()["text"] == "Form text"

    deleted = sls.delete(f"/dev/todos/{todo_id}")
    assert (deleted.status_code, deleted.json(), deleted.headers["X-Deleted"]) == (200, {"deleted": todo_id}, todo_id)
    again = sls.delete(f"/dev/todos/{todo_id}")
    assert (again.status_code, again.json()) == (404, {"message": "[404] TODO was not found"})

    missing = sls.get(f"/dev/todos/{todo_id}")
    assert missing.status_code == 200  # the handler returned a dict: it is the body
    assert missing.json()["statusCode"] == 404
    assert sls.put("/dev/todos/nope", json={"text": "x"}).status_code == 404

    other = sls.put(f"/dev/todos/{todo_id}", content=b"x", headers={"Content-Type": "text/plain"})
    assert other.status_code == 415  # the framework's passthrough NEVER

    preflight = sls.options(f"/dev/todos/{todo_id}", headers={"Origin": "https://x.test"})
    assert preflight.status_code == 200 and preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert sls.get(f"/dev/todos/{todo_id}").headers["Access-Control-Allow-Origin"] == "*"

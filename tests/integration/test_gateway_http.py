"""HTTP and HTTP_PROXY integrations through a real ``nubis serve``: a SAM template with a REST API and an HTTP API
whose routes proxy to a small uvicorn backend (``http_backend/backend.py``) on a free port. Expected values come
from ``shared/reference/gateway.md`` §1.5, §2.3-2.5 and §8.1 and carry the marker of their evidence.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from nubis.testing import NubisServer, free_port

BACKEND = Path(__file__).parent / "http_backend" / "backend.py"

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  RestApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Variables:
        target: echo
      DefinitionBody:
        openapi: "3.0.1"
        info: {title: httprest, version: "1"}
        paths:
          /proxy/{proxy+}:
            x-amazon-apigateway-any-method:
              x-amazon-apigateway-integration:
                type: http_proxy
                httpMethod: ANY
                uri: "http://127.0.0.1:PORT/echo/{proxy}"
                requestParameters:
                  integration.request.path.proxy: method.request.path.proxy
          /staged:
            get:
              x-amazon-apigateway-integration:
                type: http_proxy
                httpMethod: GET
                uri: "http://127.0.0.1:PORT/${stageVariables.target}/staged"
          /bytes:
            get:
              x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:PORT/bytes"}
          /slow:
            get:
              x-amazon-apigateway-integration:
                {type: http_proxy, httpMethod: GET, timeoutInMillis: 500, uri: "http://127.0.0.1:PORT/slow"}
          /down:
            get:
              x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:DOWN/x"}
          /plain:
            get:
              x-amazon-apigateway-integration:
                type: http
                httpMethod: GET
                uri: "http://127.0.0.1:PORT/status/{code}"
                requestParameters:
                  integration.request.path.code: method.request.querystring.code
                responses:
                  default:
                    statusCode: "200"
                  "4\\\\d{2}":
                    statusCode: "400"
                    responseParameters:
                      method.response.header.X-From: integration.response.header.x-backend
          /plain-echo/{id}:
            post:
              x-amazon-apigateway-integration:
                type: http
                httpMethod: PUT
                uri: "http://127.0.0.1:PORT/echo/{id}"
                requestParameters:
                  integration.request.path.id: method.request.path.id
                  integration.request.querystring.mapped: "'yes'"
                  integration.request.header.X-Stage: stageVariables.target
                responses:
                  default: {statusCode: "200"}
          /templated/{id}:
            post:
              x-amazon-apigateway-integration:
                type: http
                httpMethod: POST
                uri: "http://127.0.0.1:PORT/echo/{id}"
                requestParameters:
                  integration.request.path.id: method.request.path.id
                requestTemplates:
                  application/json: |
                    #set($context.requestOverride.querystring.from = "template")
                    #set($context.requestOverride.header.X-Override = $input.path('$.who'))
                    #set($context.requestOverride.path.id = "over-$input.params('id')")
                    {"who": "$input.path('$.who')", "stage": "$context.stage"}
                responses:
                  default:
                    statusCode: "200"
                    responseParameters:
                      method.response.header.X-Backend: integration.response.header.x-backend
                      method.response.header.X-Path: integration.response.body.path
                    responseTemplates:
                      application/json: |
                        #set($echo = $input.path('$'))
                        {"path": "$echo.path", "query": "$echo.query", "sent": $echo.body,
                         "headers": $input.json('$.headers')}
  HttpApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefinitionBody:
        openapi: "3.0.1"
        info: {title: httphttp, version: "1"}
        paths:
          /svc/{proxy+}:
            x-amazon-apigateway-any-method:
              x-amazon-apigateway-integration:
                {type: http_proxy, httpMethod: ANY, payloadFormatVersion: "1.0", uri: "http://127.0.0.1:PORT/echo/{proxy}"}
          /rewrite/{id}:
            get:
              x-amazon-apigateway-integration:
                type: http_proxy
                httpMethod: GET
                payloadFormatVersion: "1.0"
                uri: "http://127.0.0.1:PORT/unused"
                requestParameters:
                  overwrite:path: "echo/items/$request.path.id"
                  append:header.x-added: static
                  remove:header.x-secret: "''"
          /hslow:
            get:
              x-amazon-apigateway-integration:
                {type: http_proxy, httpMethod: GET, payloadFormatVersion: "1.0", timeoutInMillis: 500,
                 uri: "http://127.0.0.1:PORT/slow"}
          /hdown:
            get:
              x-amazon-apigateway-integration:
                {type: http_proxy, httpMethod: GET, payloadFormatVersion: "1.0", uri: "http://127.0.0.1:DOWN/x"}
"""


@pytest.fixture(scope="module")
def backend_port() -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen([sys.executable, str(BACKEND), str(port)])
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/status/200", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory, backend_port: int) -> Iterator[httpx.Client]:
    tmp = tmp_path_factory.mktemp("httpint")
    project = tmp / "project"
    project.mkdir()
    text = TEMPLATE.replace("PORT", str(backend_port)).replace("DOWN", str(free_port()))
    (project / "template.yaml").write_text(text)
    with NubisServer(tmp / "data", extra_args=["--storage", "memory:", str(project)]) as server:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            yield client


def _headers(echo: dict[str, object]) -> dict[str, str]:
    pairs = echo["headers"]
    assert isinstance(pairs, list)
    return {k: v for k, v in pairs}


# ---------------------------------------------------------------------------------------------- REST HTTP_PROXY


@pytest.mark.D
def test_rest_http_proxy_substitutes_the_greedy_path_and_forwards_query_and_headers(gateway: httpx.Client):
    response = gateway.get("/prod/proxy/a/b%2Bc/d?x=1&x=2&y=z%20w", headers={"X-Custom": "v", "Max-Forwards": "3"})
    assert response.status_code == 200
    echo = response.json()
    assert echo["method"] == "GET"
    assert echo["path"] == "/echo/a/b%2Bc/d"  # greedy value raw, escapes kept [V reference §1.1]
    assert echo["query"] == "x=1&x=2&y=z%20w"
    headers = _headers(echo)
    assert headers["x-custom"] == "v"
    assert headers["host"].startswith("127.0.0.1:")  # the backend's host, not the API's
    assert headers["x-forwarded-for"] == "127.0.0.1"  # §1.5 [P LS]
    assert "max-forwards" not in headers  # dropped before any integration, §1.5 [P LS header_utils]
    assert response.headers["x-backend"] == "yes"
    assert "x-amzn-RequestId" in response.headers


@pytest.mark.V
def test_rest_http_proxy_remaps_backend_connection_headers(gateway: httpx.Client):
    """[V LS snapshot TestApiGatewayHeaderRemapping; reference §2.5]: Content-Length, Date and Server come back as
    x-amzn-Remapped-*."""
    response = gateway.get("/prod/proxy/x")
    assert response.headers["x-amzn-Remapped-server"] == "uvicorn"
    assert "x-amzn-Remapped-date" in response.headers
    assert int(response.headers["x-amzn-Remapped-content-length"]) == len(response.content)


def test_rest_http_proxy_passes_method_body_and_status_through(gateway: httpx.Client):
    echo = gateway.post("/prod/proxy/items", content=b"\x00\x01payload\xff").json()
    assert echo["method"] == "POST"
    assert echo["body"].encode("latin-1") == b"\x00\x01payload\xff"
    assert gateway.delete("/prod/proxy/items/1").json()["method"] == "DELETE"
    binary = gateway.get("/prod/bytes")
    assert binary.status_code == 200 and binary.content == bytes(range(256))


@pytest.mark.D
def test_rest_stage_variables_reach_the_integration_uri(gateway: httpx.Client):
    assert gateway.get("/prod/staged").json()["path"] == "/echo/staged"  # [D stage-variables.md]


@pytest.mark.D
def test_rest_integration_timeout_is_504(gateway: httpx.Client):
    started = time.monotonic()
    response = gateway.get("/prod/slow")
    assert time.monotonic() - started < 2.5
    assert response.status_code == 504
    assert response.json() == {"message": "Endpoint request timed out"}
    assert response.headers["x-amzn-ErrorType"] == "InternalServerErrorException"


@pytest.mark.P
def test_rest_unreachable_backend_is_504_network_error(gateway: httpx.Client):
    """INTEGRATION_FAILURE is 504 [D supported-gateway-response-types.md]; message from a captured AWS answer."""
    response = gateway.get("/prod/down")
    assert response.status_code == 504
    assert response.json() == {"message": "Network error communicating with endpoint"}
    assert response.headers["x-amzn-ErrorType"] == "InternalServerErrorException"


# ---------------------------------------------------------------------------------------------- REST HTTP


@pytest.mark.D
def test_rest_http_integration_selects_the_integration_response_by_status(gateway: httpx.Client):
    ok = gateway.get("/prod/plain?code=201")
    assert ok.status_code == 200 and ok.json() == {"status": "set"}
    client_error = gateway.get("/prod/plain?code=418")
    assert client_error.status_code == 400
    assert client_error.headers["X-From"] == "yes"


@pytest.mark.D
def test_rest_http_integration_sends_only_mapped_parameters(gateway: httpx.Client):
    echo = gateway.post("/prod/plain-echo/7?dropped=1", content=b"body", headers={"X-Not-Mapped": "v"}).json()
    assert echo["method"] == "PUT"
    assert echo["path"] == "/echo/7"
    assert echo["query"] == "mapped=yes"
    headers = _headers(echo)
    assert headers["x-stage"] == "echo"
    assert "x-not-mapped" not in headers
    assert echo["body"] == "body"


@pytest.mark.D
def test_rest_http_integration_renders_templates_and_applies_request_overrides(gateway: httpx.Client):
    """The request template is the body sent, ``$context.requestOverride`` replaces the mapped path, query string
    and headers, the response template maps the backend's answer [D apigateway-override-request-response-parameters.md,
    request-response-data-mappings.md]."""
    response = gateway.post("/prod/templated/7", json={"who": "ada"}, headers={"X-Not-Mapped": "v"})
    assert response.status_code == 200
    answer = response.json()
    sent_headers = {k: v for k, v in answer.pop("headers")}
    assert answer == {"path": "/echo/over-7", "query": "from=template", "sent": {"who": "ada", "stage": "prod"}}
    assert sent_headers["x-override"] == "ada" and sent_headers["content-type"] == "application/json"
    assert "x-not-mapped" not in sent_headers
    assert response.headers["X-Backend"] == "yes"
    assert response.headers["X-Path"] == "/echo/over-7"


# ---------------------------------------------------------------------------------------------- HTTP APIs


@pytest.mark.D
def test_http_api_proxy_substitutes_proxy_and_passes_the_answer_through(gateway: httpx.Client):
    response = gateway.patch("/svc/a/b?q=1&q=2", content=json.dumps({"k": 1}), headers={"X-Custom": "v"})
    assert response.status_code == 200
    echo = response.json()
    assert (echo["method"], echo["path"], echo["query"]) == ("PATCH", "/echo/a/b", "q=1&q=2")
    assert json.loads(echo["body"]) == {"k": 1}
    assert _headers(echo)["x-custom"] == "v"
    assert response.headers["x-backend"] == "yes"
    assert response.headers["server"] != "" and "apigw-requestid" in response.headers


@pytest.mark.D
def test_http_api_parameter_mapping_rewrites_path_and_headers(gateway: httpx.Client):
    """[D http-api-parameter-mapping.md]: overwrite:path, append:header, remove:header."""
    echo = gateway.get("/rewrite/42?keep=1", headers={"X-Secret": "s"}).json()
    assert echo["path"] == "/echo/items/42"
    assert echo["query"] == "keep=1"
    headers = _headers(echo)
    assert headers["x-added"] == "static"
    assert "x-secret" not in headers


@pytest.mark.D
def test_http_api_timeout_and_unreachable_backend_are_503(gateway: httpx.Client):
    for path in ("/hslow", "/hdown"):
        response = gateway.get(path)
        assert response.status_code == 503, path
        assert response.json() == {"message": "Service Unavailable"}

"""The gateway through a real ``nubis serve PROJECT``: a Serverless Framework project (REST ``http`` and HTTP API
``httpApi`` events, a DynamoDB table) and a SAM application (stage variables, binary media types, an integration
timeout, an HTTP API with payload 1.0). Expected shapes come from ``shared/reference/gateway.md`` §1-3 and carry
the evidence marker of the rule they rely on.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest

from nubis.project.discover import load_project
from nubis.testing import NubisServer

PROJECTS = Path(__file__).parent / "gateway_projects"
CLF = re.compile(r"^\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000$")
SHORT_ID = re.compile(r"^[A-Za-z0-9_-]{15}=$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

REST_EVENT_KEYS = {
    "resource",
    "path",
    "httpMethod",
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
    "stageVariables",
    "requestContext",
    "body",
    "isBase64Encoded",
}
REST_CONTEXT_KEYS = {
    "accountId",
    "apiId",
    "deploymentId",
    "domainName",
    "domainPrefix",
    "extendedRequestId",
    "httpMethod",
    "identity",
    "path",
    "protocol",
    "requestId",
    "requestTime",
    "requestTimeEpoch",
    "resourceId",
    "resourcePath",
    "stage",
}
IDENTITY_KEYS = {
    "accessKey",
    "accountId",
    "caller",
    "cognitoAuthenticationProvider",
    "cognitoAuthenticationType",
    "cognitoIdentityId",
    "cognitoIdentityPoolId",
    "principalOrgId",
    "sourceIp",
    "user",
    "userAgent",
    "userArn",
}


class Running:
    def __init__(self, server: NubisServer, project: Path) -> None:
        self.server = server
        self.project = load_project(project)
        self.http = httpx.Client(base_url=server.url, timeout=30)

    def api_id(self, kind: str) -> str:
        assert self.project is not None
        return next(api.id for api in self.project.apis if api.kind.value == kind)


def _serve(tmp: Path, name: str) -> Iterator[Running]:
    project = tmp / name
    shutil.copytree(PROJECTS / name, project)
    with NubisServer(tmp / "data", extra_args=["--storage", "memory:", str(project)]) as server:
        running = Running(server, project)
        yield running
        running.http.close()


@pytest.fixture(scope="module")
def sls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    yield from _serve(tmp_path_factory.mktemp("sls"), "sls")


@pytest.fixture(scope="module")
def sam(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    yield from _serve(tmp_path_factory.mktemp("sam"), "sam")


# ---------------------------------------------------------------------------------------------- serving


def test_serve_prints_each_endpoint_url(sam: Running):
    log = sam.server.log_path.read_text()
    url = sam.server.url
    assert f"REST API samrest stage prod: {url}/prod" in log
    assert f"HTTP API sam stage live: {url}/live" in log
    assert f"{sam.api_id('REST')}.execute-api.localhost:{sam.server.port}/prod" in log


def test_host_based_routing_selects_the_api(sam: Running):
    api_id = sam.api_id("REST")
    response = sam.http.get("/prod/echo/x", headers={"host": f"{api_id}.execute-api.localhost"})
    event = response.json()
    assert event["requestContext"]["apiId"] == api_id
    assert event["requestContext"]["domainName"] == f"{api_id}.execute-api.localhost"
    assert event["requestContext"]["domainPrefix"] == api_id


def test_the_event_loop_is_not_blocked_by_a_running_function(sam: Running):
    slow: dict[str, int] = {}
    thread = threading.Thread(target=lambda: slow.update(status=sam.http.get("/prod/slow").status_code))
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    assert sam.http.get("/prod/echo/fast").status_code == 200
    assert time.monotonic() - started < 0.9
    thread.join()
    assert slow["status"] == 504


def test_aws_protocol_requests_still_reach_the_tables_and_lambda_apis(sls: Running):
    listed = sls.http.get("/2015-03-31/functions/").json()
    assert {f["FunctionName"] for f in listed["Functions"]} >= {"gwsls-dev-echo", "gwsls-dev-notes"}


def test_handler_boto3_reaches_the_project_table_and_tables_survive_a_restart(
    sls: Running, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
):
    rest = sls.http.put("/dev/notes/n1", content="from rest")
    assert rest.status_code == 200, rest.text
    assert rest.json() == {"id": "n1", "text": "from rest"}
    http = sls.http.put("/notes/n2", content="from http", headers={"content-type": "text/plain"})
    assert http.json() == {"id": "n2", "text": "from http"}
    ddb = boto3.client(
        "dynamodb",
        endpoint_url=sls.server.url,
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
    )
    item = ddb.get_item(TableName="gwsls-dev-notes", Key={"id": {"S": "n2"}})["Item"]
    assert item["text"] == {"S": "from http"}


def test_table_creation_is_idempotent_on_restart(tmp_path: Path):
    project = tmp_path / "sls"
    shutil.copytree(PROJECTS / "sls", project)
    data = tmp_path / "data"
    with NubisServer(data, extra_args=[str(project)]) as server:
        assert httpx.put(f"{server.url}/dev/notes/keep", content="kept", timeout=30).status_code == 200
    with NubisServer(data, extra_args=[str(project)]) as server:
        ddb = boto3.client(
            "dynamodb",
            endpoint_url=server.url,
            region_name="us-east-1",
            aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key="secret",
        )
        assert ddb.list_tables()["TableNames"] == ["gwsls-dev-notes"]
        assert ddb.get_item(TableName="gwsls-dev-notes", Key={"id": {"S": "keep"}})["Item"]["text"] == {"S": "kept"}


# ---------------------------------------------------------------------------------------------- HTTP APIs


@pytest.mark.D
def test_http_payload_2_0_has_aws_shape(sls: Running):
    response = sls.http.get(
        "/items/42?a=1&a=2&b=x%20y",
        headers=[("X-Multi", "v1"), ("X-Multi", "v2"), ("Cookie", "c1=v1; c2=v2"), ("User-Agent", "tester/1")],
    )
    assert response.status_code == 200
    event = response.json()
    assert set(event) == {
        "version",
        "routeKey",
        "rawPath",
        "rawQueryString",
        "cookies",
        "headers",
        "queryStringParameters",
        "pathParameters",
        "requestContext",
        "isBase64Encoded",
    }
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /items/{id}"
    assert event["rawPath"] == "/items/42"
    assert event["rawQueryString"] == "a=1&a=2&b=x%20y"
    assert event["cookies"] == ["c1=v1", "c2=v2"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-multi"] == "v1,v2"
    assert all(name == name.lower() for name in event["headers"])
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x y"}
    assert event["pathParameters"] == {"id": "42"}
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert set(context) == {
        "accountId",
        "apiId",
        "domainName",
        "domainPrefix",
        "http",
        "requestId",
        "routeKey",
        "stage",
        "time",
        "timeEpoch",
    }
    assert context["http"] == {
        "method": "GET",
        "path": "/items/42",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "tester/1",
    }
    assert context["apiId"] == sls.api_id("HTTP")
    assert re.fullmatch(r"\d{12}", context["accountId"])
    assert context["routeKey"] == "GET /items/{id}"
    assert context["stage"] == "$default"
    assert CLF.match(context["time"])
    assert isinstance(context["timeEpoch"], int)
    assert SHORT_ID.match(context["requestId"])
    assert response.headers["apigw-requestid"] == context["requestId"]


@pytest.mark.D
def test_http_payload_2_0_omits_empty_collections_and_carries_a_text_body(sls: Running):
    event = sls.http.post("/anything", content='{"k": 1}', headers={"content-type": "application/json"}).json()
    assert event["routeKey"] == "$default"
    assert event["rawQueryString"] == ""
    for absent in ("cookies", "queryStringParameters", "pathParameters", "stageVariables"):
        assert absent not in event
    assert event["body"] == '{"k": 1}'
    assert event["isBase64Encoded"] is False


@pytest.mark.P
def test_http_payload_2_0_base64_encodes_non_text_bodies(sls: Running):
    data = bytes(range(256))
    event = sls.http.post("/anything", content=data, headers={"content-type": "application/octet-stream"}).json()
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == data


@pytest.mark.D
@pytest.mark.parametrize(
    ("method", "path", "route_key"),
    [
        ("GET", "/items/special", "GET /items/special"),
        ("GET", "/items/7", "GET /items/{id}"),
        ("POST", "/items/7", "ANY /items/{proxy+}"),
        ("GET", "/items/a/b", "ANY /items/{proxy+}"),
        ("GET", "/files/a/b.txt", "GET /files/{proxy+}"),
        ("DELETE", "/elsewhere", "$default"),
    ],
)
def test_http_route_priority(sls: Running, method: str, path: str, route_key: str):
    event = sls.http.request(method, path).json()
    assert event["routeKey"] == route_key


@pytest.mark.D
def test_http_no_route_is_404_not_found(sam: Running):
    response = sam.http.get("/live/nothing")
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}
    assert sam.http.post("/live/v1/1").status_code == 404


@pytest.mark.D
@pytest.mark.parametrize(
    ("result", "status", "content_type", "body"),
    [
        ({"hello": "world"}, 200, "application/json", b'{"hello":"world"}'),
        ("Hello from Lambda!", 200, "application/json", b"Hello from Lambda!"),
        (
            {"statusCode": 201, "headers": {"content-type": "text/html"}, "body": "<p>made</p>"},
            201,
            "text/html",
            b"<p>made</p>",
        ),
        (
            {"statusCode": 200, "headers": {"content-type": "image/png"}, "body": "AAEC", "isBase64Encoded": True},
            200,
            "image/png",
            b"\x00\x01\x02",
        ),
    ],
)
def test_http_payload_2_0_response_inference(sls: Running, result, status: int, content_type: str, body: bytes):
    response = sls.http.post("/respond", content=json.dumps(result), headers={"content-type": "application/json"})
    assert response.status_code == status
    assert response.headers["content-type"] == content_type
    assert response.content == body


@pytest.mark.D
def test_http_payload_2_0_cookies_become_set_cookie_headers(sls: Running):
    result = {"statusCode": 200, "cookies": ["a=1", "b=2; Path=/"], "body": "ok"}
    response = sls.http.post("/respond", content=json.dumps(result), headers={"content-type": "application/json"})
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2; Path=/"]


@pytest.mark.D
@pytest.mark.parametrize("path", ["/boom", "/respond"])
def test_http_function_error_or_bad_status_is_500(sls: Running, path: str):
    response = sls.http.request(
        "GET" if path == "/boom" else "POST",
        path,
        content='{"statusCode": "abc"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}


@pytest.mark.P
def test_http_cors_preflight_is_answered_by_the_gateway(sls: Running):
    response = sls.http.options(
        "/items/1",
        headers={"origin": "https://app.example.com", "access-control-request-method": "POST"},
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "https://app.example.com"
    assert response.headers["access-control-allow-methods"] == "GET,POST"
    assert response.headers["access-control-allow-headers"] == "content-type,x-custom"
    assert response.headers["access-control-max-age"] == "600"
    other = sls.http.options(
        "/items/1", headers={"origin": "https://evil.test", "access-control-request-method": "GET"}
    )
    assert "access-control-allow-origin" not in other.headers


@pytest.mark.D
def test_http_cors_headers_are_added_to_integration_responses(sls: Running):
    response = sls.http.get("/items/1", headers={"origin": "https://app.example.com"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://app.example.com"
    assert response.headers["access-control-expose-headers"] == "X-Trace"


@pytest.mark.D
def test_http_payload_1_0_and_stage_variables(sam: Running):
    response = sam.http.get("/live/v1/5?x=1&x=2")
    event = response.json()
    assert set(event) == REST_EVENT_KEYS | {"version"}
    assert event["version"] == "1.0"
    assert event["resource"] == "/v1/{id}"
    assert event["path"] == "/live/v1/5"
    assert event["pathParameters"] == {"id": "5"}
    assert event["stageVariables"] == {"flavour": "mint"}
    assert event["queryStringParameters"] == {"x": "2"}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"]}
    context = event["requestContext"]
    assert context["stage"] == "live"
    assert context["resourceId"] is None
    assert context["authorizer"] == {"claims": None, "scopes": None}
    assert response.headers["apigw-requestid"] == context["requestId"]


# ---------------------------------------------------------------------------------------------- REST APIs


@pytest.mark.V
def test_rest_payload_1_0_has_aws_shape(sls: Running):
    response = sls.http.get(
        "/dev/items/42?a=1&a=2&q=a%2Bb+c", headers={"User-Agent": "tester/1", "tEsT-HEADeR": "aValUE"}
    )
    assert response.status_code == 200
    event = response.json()
    assert set(event) == REST_EVENT_KEYS
    # Header names keep the client's casing [V LS snapshot: "tEsT-HEADeR"]; ASGI would have lowercased them.
    assert event["headers"]["tEsT-HEADeR"] == "aValUE"
    assert "test-header" not in event["headers"]
    assert event["multiValueHeaders"]["User-Agent"] == ["tester/1"]
    assert event["resource"] == "/items/{id}"
    assert event["path"] == "/items/42"
    assert event["httpMethod"] == "GET"
    assert event["queryStringParameters"] == {"a": "2", "q": "a+b c"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "q": ["a+b c"]}
    assert event["pathParameters"] == {"id": "42"}
    assert event["stageVariables"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert set(context) == REST_CONTEXT_KEYS
    assert set(context["identity"]) == IDENTITY_KEYS
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "tester/1"
    assert context["identity"]["accessKey"] is None
    assert context["path"] == "/dev/items/42"
    assert context["resourcePath"] == "/items/{id}"
    assert context["httpMethod"] == "GET"
    assert context["stage"] == "dev"
    assert context["protocol"] == "HTTP/1.1"
    assert context["apiId"] == sls.api_id("REST")
    assert re.fullmatch(r"[a-z0-9]{6}", context["resourceId"])
    assert CLF.match(context["requestTime"])
    assert isinstance(context["requestTimeEpoch"], int)
    assert UUID.match(context["requestId"])
    assert SHORT_ID.match(context["extendedRequestId"])
    assert response.headers["x-amzn-RequestId"] == context["requestId"]
    assert response.headers["x-amz-apigw-id"] == context["extendedRequestId"]


@pytest.mark.V
def test_rest_greedy_path_keeps_inner_double_slash_and_drops_trailing_slash(sls: Running):
    event = sls.http.post("/dev/proxy-value//double/", content="payload").json()
    assert event["resource"] == "/{proxy+}"
    assert event["path"] == "/proxy-value//double/"
    assert event["pathParameters"] == {"proxy": "proxy-value//double"}
    assert event["requestContext"]["path"] == "/dev/proxy-value//double/"
    assert event["body"] == "payload"
    assert event["isBase64Encoded"] is False


@pytest.mark.V
def test_rest_doubled_slashes_around_the_stage(sls: Running):
    # [V LS snapshot: invocation-hardcoded, -payload-with-prepended-slash, -...-prepended-slash-to-stage]
    after = sls.http.get("/dev//items/special").json()
    assert after["resource"] == "/items/special"
    assert after["path"] == "/items/special"
    assert after["requestContext"]["path"] == "/dev//items/special"
    greedy = sls.http.post("/dev//proxy-value", content="x").json()
    assert greedy["pathParameters"] == {"proxy": "proxy-value"}
    assert greedy["path"] == "/proxy-value"
    assert greedy["requestContext"]["path"] == "/dev//proxy-value"
    # http.client sends the target as written (httpx would read "//dev" as a host).
    connection = http.client.HTTPConnection("127.0.0.1", sls.server.port, timeout=30)
    connection.request("POST", "//dev/proxy-value", body=b"x")
    before = connection.getresponse()
    assert before.status == 200
    event = json.loads(before.read())
    connection.close()
    assert event["path"] == "/proxy-value"
    assert event["requestContext"]["path"] == "/dev/proxy-value"


@pytest.mark.V
def test_rest_literal_resource_beats_parameter(sls: Running):
    assert sls.http.get("/dev/items/special").json()["resource"] == "/items/special"


@pytest.mark.V
@pytest.mark.parametrize(("method", "path"), [("GET", "/prod/nothing"), ("POST", "/prod/slow"), ("GET", "/prod")])
def test_rest_unknown_path_or_method_is_403_missing_authentication_token(sam: Running, method: str, path: str):
    response = sam.http.request(method, path)
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert UUID.match(response.headers["x-amzn-RequestId"])


@pytest.mark.D
def test_rest_cors_options_mock_integration(sls: Running):
    response = sls.http.options("/dev/items/1", headers={"origin": "https://x.test"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-methods"] == "OPTIONS,GET"
    assert "X-Amz-Date" in response.headers["access-control-allow-headers"]
    assert response.content == b""


@pytest.mark.V
@pytest.mark.parametrize(
    ("result", "status", "headers"),
    [
        ({"statusCode": 200}, 200, {"content-type": "application/json"}),
        ({"statusCode": 200, "headers": {"test-header": "value", "header-bool": True}}, 200, {"header-bool": "true"}),
        (
            {"statusCode": 200, "multiValueHeaders": {"test-multi": ["value1", "value2"]}},
            200,
            {"test-multi": "value1, value2"},
        ),
        (
            {
                "statusCode": 200,
                "multiValueHeaders": {"test-multi": ["value-multi"]},
                "headers": {"test-multi": "value-solo"},
            },
            200,
            {"test-multi": "value-multi, value-solo"},
        ),
        ({"statusCode": "201"}, 201, {}),
        ({"headers": {"test-header": "value"}}, 200, {"test-header": "value"}),
        ({"statusCode": 200, "body": "aGk=", "isBase64Encoded": True}, 200, {}),
    ],
)
def test_rest_proxy_result_formats(sls: Running, result, status: int, headers: dict[str, str]):
    response = sls.http.post("/dev/respond", content=json.dumps(result), headers={"content-type": "application/json"})
    assert response.status_code == status
    for name, value in headers.items():
        assert response.headers[name] == value
    if result.get("isBase64Encoded"):
        assert response.content == b"aGk="  # no binaryMediaTypes match: the literal base64 text


@pytest.mark.D
@pytest.mark.parametrize("url", ["/dev/respond", "/respond"], ids=["rest", "http-api"])
def test_multi_value_set_cookie_leaves_as_separate_lines(sls: Running, url: str):
    # Several Set-Cookie lines are what multiValueHeaders exists for [D AWS blog; ISSUE serverless-http#168].
    result = {"statusCode": 200, "multiValueHeaders": {"Set-Cookie": ["a=1; Path=/", "b=2"]}}
    response = sls.http.post(url, content=json.dumps(result), headers={"content-type": "application/json"})
    if url == "/respond":  # payload 2.0 ignores multiValueHeaders [D]: nothing to split
        assert "set-cookie" not in response.headers
        return
    assert response.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2"]
    assert dict(response.cookies) == {"a": "1", "b": "2"}


@pytest.mark.V
@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": 200, "wrongValue": "value"},
        {},
        "justAString",
        {"statusCode": "test"},
        {"multiValueHeaders": {"x": "v"}},
    ],
)
def test_rest_malformed_proxy_result_is_502(sls: Running, result):
    response = sls.http.post("/dev/respond", content=json.dumps(result), headers={"content-type": "application/json"})
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}


@pytest.mark.P
def test_rest_function_error_is_502(sls: Running):
    response = sls.http.get("/dev/boom")
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}


@pytest.mark.V
def test_an_event_over_lambdas_6_mb_is_413_request_too_long(sls: Running):
    # A captured AWS response (REST) [ISSUE koki-develop/lgtm-generator#10]; HTTP APIs answer 413 too [?].
    body = b"x" * (6 * 1024 * 1024)  # under the gateway's 10 MB, but the event around it is over Lambda's 6 MB
    rest = sls.http.post("/dev/respond", content=body)
    assert rest.status_code == 413
    assert rest.json() == {"message": "Request Too Long"}
    assert rest.headers["x-amzn-ErrorType"] == "BadRequestException"
    http_api = sls.http.post("/respond", content=body)
    assert http_api.status_code == 413
    assert http_api.json() == {"message": "Request Too Long"}
    assert "x-amzn-ErrorType" not in http_api.headers


@pytest.mark.P
def test_rest_integration_timeout_is_504(sam: Running):
    started = time.monotonic()
    response = sam.http.get("/prod/slow")
    assert response.status_code == 504
    assert response.json() == {"message": "Endpoint request timed out"}
    assert time.monotonic() - started < 2.5


@pytest.mark.D
def test_rest_body_over_10_mb_is_413(sls: Running):
    response = sls.http.post("/dev/respond", content=b"x" * (10 * 1024 * 1024 + 1))
    assert response.status_code == 413
    at_limit = sls.http.post("/dev/respond", content=b'"' + b"x" * 1000 + b'"')
    assert at_limit.status_code == 502  # a string result: reached the function, malformed for REST


def _padded_to(client: httpx.Client, url: str, total: int) -> httpx.Request:
    """A GET whose request line and header values come to ``total`` bytes (AWS's measure)."""
    request = client.build_request("GET", url, headers={"x-pad": ""})
    line = len("GET") + len(request.url.raw_path) + len("  HTTP/1.1")
    values = sum(len(value) for _name, value in request.headers.raw)
    request.headers["x-pad"] = "p" * (total - line - values)
    return request


@pytest.mark.D
@pytest.mark.parametrize("url", ["/dev/items/a?q=1", "/items/a?q=1"], ids=["rest", "http-api"])
def test_header_values_over_10240_bytes_are_431(sls: Running, url: str):
    # The limit [D limits.md]; status and text as users report them from API Gateway [P].
    at_limit = sls.http.send(_padded_to(sls.http, url, 10_240))
    assert at_limit.status_code == 200
    assert at_limit.json()["headers"]["x-pad"].startswith("ppp")
    over = sls.http.send(_padded_to(sls.http, url, 10_241))
    assert over.status_code == 431
    assert over.text == "HTTP header is larger than 10240 bytes."
    assert "x-amzn-ErrorType" not in over.headers
    assert "x-amzn-RequestId" in over.headers or "apigw-requestid" in over.headers


@pytest.mark.D
@pytest.mark.parametrize("prefix", ["/dev/items/", "/items/"], ids=["rest", "http-api"])
def test_a_url_over_10240_characters_is_414(sls: Running, prefix: str):
    too_long = sls.http.get(prefix + "a" * (10_241 - len(prefix)))
    assert too_long.status_code == 414
    assert too_long.text == "An HTTP line is larger than 10240 bytes."
    assert sls.http.get(prefix + "a").status_code == 200  # the server is fine for the next request


@pytest.mark.D
def test_rest_stage_variables_reach_the_handler(sam: Running):
    event = sam.http.get("/prod/echo/x").json()
    assert event["stageVariables"] == {"color": "blue"}
    assert event["requestContext"]["stage"] == "prod"
    assert event["pathParameters"] == {"proxy": "x"}


@pytest.mark.D
def test_rest_binary_media_types_round_trip(sam: Running):
    data = bytes(range(256)) * 4
    response = sam.http.post(
        "/prod/echo/img", content=data, headers={"content-type": "image/png", "accept": "image/png"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content == data
    text = sam.http.post("/prod/echo/txt", content="plain", headers={"content-type": "text/plain"}).json()
    assert (text["body"], text["isBase64Encoded"]) == ("plain", False)


def test_a_bad_project_file_stops_serve_with_its_file_and_line(tmp_path: Path):
    import subprocess
    import sys

    (tmp_path / "serverless.yml").write_text("service: bad\nprovider:\n  name: aws\nfunctions:\n  f: {handler: [\n")
    done = subprocess.run(
        [sys.executable, "-m", "nubis", "serve", str(tmp_path), "--data-dir", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "nubis serve: serverless.yml:" in done.stderr


def test_pipelined_gateway_requests_are_answered_in_order_whichever_path_each_takes(sls: Running):
    # Plain requests are answered without ASGI (nubis.listener), a chunked one through it: one connection, in order.
    import socket

    from .test_listener import Reader

    assert sls.project is not None
    rest = next(api for api in sls.project.apis if api.kind.value == "REST").stages[0].name
    batch = (
        b"GET /items/1?x=%41&y=1 HTTP/1.1\r\nHost: localhost\r\n\r\n"
        b"HEAD /items/2 HTTP/1.1\r\nHost: localhost\r\n\r\n"
        b"POST /items/3 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
        b"POST /items/4 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"6\r\nchunky\r\n0\r\n\r\n" + f"GET /{rest}/items/5 HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()
    )
    with socket.create_connection(("127.0.0.1", sls.server.port), timeout=30) as sock:
        sock.sendall(batch)
        reader = Reader(sock)
        first = reader.response()
        head = reader.response(to_head=True)
        third, fourth, fifth = reader.response(), reader.response(), reader.response()
    assert [r[0] for r in (first, head, third, fourth, fifth)] == [200] * 5
    event = json.loads(first[2])
    assert event["rawPath"] == "/items/1" and event["rawQueryString"] == "x=%41&y=1"
    assert event["queryStringParameters"] == {"x": "A", "y": "1"}
    assert int(head[1]["content-length"]) > 0 and head[2] == b""
    assert json.loads(third[2])["body"] == "hello"
    assert json.loads(fourth[2])["body"] == "chunky"
    assert json.loads(fifth[2])["path"] == "/items/5"
    assert all("apigw-requestid" in r[1] or "x-amzn-requestid" in r[1] for r in (first, third, fourth, fifth))


# ---------------------------------------------------------------------------------------------- transport headers

TRACE_ROOT = re.compile(r"^Root=1-([0-9a-f]{8})-[0-9a-f]{24}$")
CLIENT_TRACE = "Root=1-3152b799-8954dae64eda91bc9a23a7e8;Parent=7fa8c0f79203be72;Sampled=1"  # LS test's value


@pytest.mark.V
def test_http_api_events_carry_content_length_and_rest_events_do_not(sls: Running, sam: Running):
    """[V GO apigw-v2-request-no-authorizer.json: a curl GET shows "content-length": "0"; LS snapshot: REST none]."""
    posted = sls.http.post("/anything", content='{"k": 1}', headers={"content-type": "application/json"}).json()
    assert posted["headers"]["content-length"] == "8"
    assert sls.http.get("/items/1").json()["headers"]["content-length"] == "0"
    assert sam.http.get("/live/v1/5").json()["headers"]["content-length"] == "0"  # HTTP API payload 1.0
    rest = sls.http.post("/dev/anything", content="payload").json()
    assert {name.lower() for name in rest["headers"]}.isdisjoint({"content-length"})
    assert {name.lower() for name in rest["multiValueHeaders"]}.isdisjoint({"content-length"})


@pytest.mark.V
def test_responses_have_no_server_header_but_keep_date(sls: Running):
    """API Gateway sends no Server header (LS lists ``$..server`` among its own differences) [V LS
    test_invocation_trace_id snapshot]."""
    for response in (sls.http.get("/items/1"), sls.http.get("/dev/items/1"), sls.http.get("/nowhere/at/all")):
        assert "server" not in response.headers
        assert response.headers["date"].endswith(" GMT")
    chunked = sls.http.post("/items/1", content=iter([b"chunked"]))  # through ASGI rather than the direct path
    assert chunked.status_code == 200 and "server" not in chunked.headers


@pytest.mark.P
def test_rest_cors_true_preflight_omits_allow_credentials(sls: Running):
    """``cors: true`` sends Access-Control-Allow-Credentials only when allowCredentials is true [P SF
    lib/plugins/aws/package/compile/events/api-gateway/lib/cors.js]."""
    response = sls.http.options("/dev/items/1", headers={"origin": "https://x.test"})
    assert response.status_code == 200
    assert "access-control-allow-credentials" not in response.headers


@pytest.mark.D
def test_http_api_path_and_path_parameters_are_decoded(sls: Running, sam: Running):
    """[D http-api-develop-routes.md: HTTP APIs decode URL-encoded request parameters]; the query is as sent."""
    event = sls.http.get("/items/space%20value?q=a%20b").json()
    assert event["routeKey"] == "GET /items/{id}"
    assert event["rawPath"] == "/items/space value"
    assert event["requestContext"]["http"]["path"] == "/items/space value"
    assert event["pathParameters"] == {"id": "space value"}
    assert event["rawQueryString"] == "q=a%20b"
    slashed = sls.http.get("/items/a%2Fb").json()  # routing sees the decoded path: two segments
    assert (slashed["routeKey"], slashed["pathParameters"]) == ("ANY /items/{proxy+}", {"proxy": "a/b"})
    one = sam.http.get("/live/v1/caf%C3%A9%2B1").json()  # payload 1.0
    assert (one["path"], one["pathParameters"]) == ("/live/v1/café+1", {"id": "café+1"})


@pytest.mark.V
def test_rest_path_and_path_parameters_stay_encoded(sls: Running):
    """[V LS test_lambda_aws_proxy_integration: ``/proxy-value/api/user/test%2Balias@gmail.com``]."""
    event = sls.http.get("/dev/items/space%20value").json()
    assert event["path"] == "/items/space%20value"
    assert event["pathParameters"] == {"id": "space%20value"}
    assert event["requestContext"]["path"] == "/dev/items/space%20value"


def _root_epoch(value: str) -> int:
    found = TRACE_ROOT.match(value)
    assert found is not None, value
    return int(found.group(1), 16)


@pytest.mark.V
def test_rest_lambda_proxy_trace_header_reaches_the_function_and_comes_back(sls: Running):
    """[V LS test_invocation_trace_id, test_lambda_aws_proxy_integration]: the gateway adds ``X-Amzn-Trace-Id``;
    a client's is kept, a Root without Parent gets a generated Parent; AWS_PROXY responses echo it."""
    response = sls.http.get("/dev/items/1")
    event = response.json()
    sent = event["headers"]["X-Amzn-Trace-Id"]
    assert abs(_root_epoch(sent) - time.time()) < 60
    assert event["multiValueHeaders"]["X-Amzn-Trace-Id"] == [sent]
    assert response.headers["x-amzn-trace-id"] == sent

    response = sls.http.get("/dev/items/1", headers={"x-amzn-trace-id": CLIENT_TRACE})
    assert response.json()["headers"]["X-Amzn-Trace-Id"] == CLIENT_TRACE
    assert "x-amzn-trace-id" not in response.json()["headers"]
    assert response.headers["x-amzn-trace-id"] == CLIENT_TRACE

    root = CLIENT_TRACE.split(";")[0]
    echoed = sls.http.get("/dev/items/1", headers={"x-amzn-trace-id": root}).headers["x-amzn-trace-id"]
    fields = echoed.split(";")
    assert fields[0] == root
    assert re.fullmatch(r"Parent=[0-9a-f]{16}", fields[1]) and fields[1] != "Parent=7fa8c0f79203be72"


@pytest.mark.V
def test_rest_mock_responses_have_no_trace_header(sls: Running):
    """[V LS test_invocation_trace_id: MOCK responses carry none, even when the client sent one]."""
    for headers in ({}, {"x-amzn-trace-id": CLIENT_TRACE}):
        response = sls.http.options("/dev/items/1", headers=headers)
        assert response.status_code == 200
        assert "x-amzn-trace-id" not in response.headers


@pytest.mark.V
def test_http_api_events_carry_a_lowercase_trace_header(sls: Running, sam: Running):
    """[V GO apigw-v2-request-no-authorizer.json: ``"x-amzn-trace-id": "Root=1-5e9f0c65-..."``]; HTTP API
    responses add none (reference §2.5)."""
    response = sls.http.get("/items/1")
    assert abs(_root_epoch(response.json()["headers"]["x-amzn-trace-id"]) - time.time()) < 60
    assert "x-amzn-trace-id" not in response.headers
    kept = sls.http.get("/items/1", headers={"X-Amzn-Trace-Id": CLIENT_TRACE}).json()["headers"]
    assert kept["x-amzn-trace-id"] == CLIENT_TRACE
    assert TRACE_ROOT.match(sam.http.get("/live/v1/5").json()["headers"]["x-amzn-trace-id"])  # payload 1.0

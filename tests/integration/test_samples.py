"""Public sample applications run unmodified against ``nubis serve``: the Serverless Framework's examples and AWS's
serverless-patterns (issue #6; the candidates and what each exercises are in ``shared/reference/gateway.md`` §11).

Nothing of theirs is committed here. Each test extracts its application from a local git mirror of the sample
repository into a temporary folder (``git archive``), serves it, and drives the flow its README describes with
httpx, checking stored items with boto3 where the README does. The mirrors are bare git directories under
``$NUBIS_SAMPLES_MIRROR`` (default ``/work/.mirror``), one per repository, named ``owner+name`` (``<dir>/repo`` or
``<dir>/repo/.git``), as the project's fetch step leaves them; a repository that is not there skips its tests and
says which one and where it was looked for (``pytest -ra`` lists the reasons).

Each app is read at the commit the reference notes were written against (§0) when the mirror has it, else at the
mirror's HEAD. Endpoint URLs come from the stack ``Outputs`` that ``nubis serve`` prints with local URLs, as a user
reads them from ``sam deploy``; serverless.yml apps are reached at the stage URLs it prints.

Left out, and why: serverless-test-samples' Python apps all import aws_lambda_powertools and aws_xray_sdk (not
installed); serverless/examples' PynamoDB apps pin their models to ``https://dynamodb.eu-central-1.amazonaws.com``
(``http://localhost:8000`` when ``ENV`` is set), so they cannot reach Nubis unmodified; their ``integration: lambda``
flow is exercised by ``gateway_projects/vtl_sls`` in ``test_gateway_vtl.py``.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import httpx
import pytest

from nubis.testing import NubisServer

MIRROR = Path(os.environ.get("NUBIS_SAMPLES_MIRROR", "/work/.mirror"))
PINNED = {
    "serverless/examples": "22865199326008b9f863cb1ad28bfdddae9a7473",
    "aws-samples/serverless-patterns": "fb7b5d06c27d8abb1bd35e52ab7523acf4baab7b",
}
OUTPUT = re.compile(r"^Nubis output (\S+): (.*)$", re.M)
REST_ERROR = {"message": "Internal server error"}


def _git_dir(repo: str) -> Path | None:
    base = MIRROR / repo.replace("/", "+")
    for candidate in (base / "repo", base / "repo" / ".git", base):
        if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
            return candidate
    return None


def extract(repo: str, folder: str, dest: Path) -> Path:
    """``folder`` of ``repo`` written under ``dest``, or the test skipped with the reason."""
    git_dir = _git_dir(repo)
    if git_dir is None:
        pytest.skip(
            f"sample repository {repo} is not fetched: no git directory under {MIRROR / repo.replace('/', '+')} "
            "(set NUBIS_SAMPLES_MIRROR to the folder holding the mirrors)"
        )
    if shutil.which("git") is None:
        pytest.skip("git is not installed: the samples are read from their git mirrors")
    git = ["git", "--git-dir", str(git_dir)]
    pinned = PINNED.get(repo, "HEAD")
    if subprocess.run([*git, "cat-file", "-e", f"{pinned}^{{commit}}"], capture_output=True).returncode != 0:
        pinned = "HEAD"
    # The tree of the folder itself, so that paths come out relative to it; git may warn on stderr about large
    # files of other folders that the snapshot left out.
    archive = subprocess.run([*git, "archive", "--format=tar", f"{pinned}:{folder}"], capture_output=True)
    if archive.returncode != 0 or not archive.stdout:
        pytest.skip(f"{repo} has no folder {folder!r} at {pinned}: {archive.stderr.decode(errors='replace')[:200]}")
    target = dest / folder
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return target


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., NubisServer]]:
    """``serve(repo, folder, *args)`` → a running ``nubis serve`` on the extracted app (stopped after the test)."""
    running: list[NubisServer] = []

    def start(repo: str, folder: str, *args: str) -> NubisServer:
        project = extract(repo, folder, tmp_path / "apps")
        server = NubisServer(tmp_path / "data", extra_args=["--storage", "memory:", *args, str(project)])
        running.append(server.start())
        return server

    yield start
    for server in running:
        server.stop()


def outputs(server: NubisServer) -> dict[str, str]:
    return dict(OUTPUT.findall(server.log_path.read_text()))


def dynamodb(server: NubisServer):
    return boto3.resource(
        "dynamodb",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
    )


def function_log(server: NubisServer, name: str) -> str:
    path = server.data_dir / "functions" / "logs" / f"{name}.log"
    return path.read_text() if path.exists() else ""


# ------------------------------------------------------------------------------------ serverless/examples


@pytest.mark.D
def test_serverless_rest_api_with_dynamodb_todos(serve):
    """aws-python-rest-api-with-dynamodb: ``http`` events with ``cors: true``, a todos CRUD over a table named
    ``${self:service}-${opt:stage, self:provider.stage}``. The file sets neither ``provider.stage`` nor
    ``provider.region``, so Serverless v3 needs both options (ISSUE serverless/examples#689), as ``serverless deploy
    --stage dev --region us-east-1`` would."""
    options = ("--stage", "dev", "--region", "us-east-1")
    server = serve("serverless/examples", "aws-python-rest-api-with-dynamodb", *options)
    assert f"REST API dev-serverless-rest-api-with-dynamodb stage dev: {server.url}/dev" in server.log_path.read_text()
    table = dynamodb(server).Table("serverless-rest-api-with-dynamodb-dev")
    with httpx.Client(base_url=f"{server.url}/dev", timeout=30) as http:
        # curl --data sends a form content type; the handler reads the body as JSON all the same.
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        created = http.post("/todos", content='{ "text": "Learn Serverless" }', headers=form)
        assert created.status_code == 200
        todo = created.json()
        assert todo["text"] == "Learn Serverless" and todo["checked"] is False
        assert todo["createdAt"] == todo["updatedAt"]
        assert table.get_item(Key={"id": todo["id"]})["Item"]["text"] == "Learn Serverless"

        http.post("/todos", content='{ "text": "Deploy my first service" }', headers=form)
        listed = http.get("/todos")
        assert listed.status_code == 200
        assert sorted(t["text"] for t in listed.json()) == ["Deploy my first service", "Learn Serverless"]

        assert http.get(f"/todos/{todo['id']}").json() == todo

        updated = http.put(f"/todos/{todo['id']}", content='{ "text": "Learn Serverless", "checked": true }')
        assert updated.status_code == 200
        assert updated.json()["checked"] is True and isinstance(updated.json()["updatedAt"], int)
        stored = table.get_item(Key={"id": todo["id"]})["Item"]
        assert stored["checked"] is True and stored["updatedAt"] == updated.json()["updatedAt"]

        deleted = http.delete(f"/todos/{todo['id']}")
        assert (deleted.status_code, deleted.content) == (200, b"")
        assert "Item" not in table.get_item(Key={"id": todo["id"]})

        # The handlers raise for a missing item or a todo without text: a function error is REST's 502.
        gone = http.get(f"/todos/{todo['id']}")
        assert (gone.status_code, gone.json()) == (502, REST_ERROR)
        assert gone.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
        assert http.post("/todos", content="{}").status_code == 502

        # cors: true → an OPTIONS MOCK method per path, answering the preflight.
        preflight = http.options(
            "/todos", headers={"Origin": "https://example.com", "Access-Control-Request-Method": "POST"}
        )
        assert preflight.status_code == 200
        assert preflight.headers["Access-Control-Allow-Origin"] == "*"
        assert {"GET", "POST", "OPTIONS"} <= set(preflight.headers["Access-Control-Allow-Methods"].split(","))

        missing = http.get("/nothing-here")
        assert (missing.status_code, missing.json()) == (403, {"message": "Missing Authentication Token"})


@pytest.mark.D
def test_serverless_http_api_with_dynamodb_todos(serve):
    """aws-python-http-api-with-dynamodb: the same app on ``httpApi`` events (payload 2.0, ``$default`` stage at
    the root) with ``provider.httpApi.cors: true``."""
    server = serve("serverless/examples", "aws-python-http-api-with-dynamodb")
    table = dynamodb(server).Table("serverless-http-api-dynamodb-dev")
    with httpx.Client(base_url=server.url, timeout=30) as http:
        created = http.post("/todos", json={"text": "Learn Serverless"})
        assert created.status_code == 200
        todo = created.json()
        assert (todo["text"], todo["checked"]) == ("Learn Serverless", False)
        assert created.headers["apigw-requestid"]

        assert [t["id"] for t in http.get("/todos").json()] == [todo["id"]]
        assert http.get(f"/todos/{todo['id']}").json() == todo

        updated = http.put(f"/todos/{todo['id']}", json={"text": "Learn Serverless", "checked": True})
        assert updated.status_code == 200 and updated.json()["checked"] is True
        assert table.get_item(Key={"id": todo["id"]})["Item"]["checked"] is True

        assert http.delete(f"/todos/{todo['id']}").status_code == 200
        assert table.scan()["Items"] == []
        gone = http.get(f"/todos/{todo['id']}")  # the handler raises: HTTP APIs answer 500
        assert (gone.status_code, gone.json()) == (500, {"message": "Internal Server Error"})

        preflight = http.options(
            "/todos", headers={"Origin": "https://example.com", "Access-Control-Request-Method": "PUT"}
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "*"
        cors = http.get("/todos", headers={"Origin": "https://example.com"})
        assert cors.headers["access-control-allow-origin"] == "*"

        missing = http.get("/nothing-here")
        assert (missing.status_code, missing.json()) == (404, {"message": "Not Found"})


@pytest.mark.D
def test_serverless_rest_api_hello_echoes_the_proxy_event(serve):
    """aws-python-rest-api: ``GET /`` on the ``dev`` stage returns the REST (payload 1.0) event it received."""
    server = serve("serverless/examples", "aws-python-rest-api")
    response = httpx.get(f"{server.url}/dev/", params={"q": "1"}, timeout=30)
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Go Serverless v3.0! Your function executed successfully!"
    event = body["input"]
    assert (event["resource"], event["path"], event["httpMethod"]) == ("/", "/", "GET")
    assert event["queryStringParameters"] == {"q": "1"}
    assert event["requestContext"]["stage"] == "dev"
    assert event["requestContext"]["path"] == "/dev/"


@pytest.mark.D
def test_serverless_http_api_hello_echoes_the_v2_event(serve):
    """aws-python-http-api: ``GET /`` returns the HTTP API payload 2.0 event it received."""
    server = serve("serverless/examples", "aws-python-http-api")
    response = httpx.get(f"{server.url}/", params={"q": "1"}, timeout=30)
    assert response.status_code == 200
    event = response.json()["input"]
    assert (event["version"], event["routeKey"], event["rawPath"]) == ("2.0", "GET /", "/")
    assert event["rawQueryString"] == "q=1" and event["queryStringParameters"] == {"q": "1"}
    assert event["requestContext"]["stage"] == "$default"
    assert event["requestContext"]["http"]["method"] == "GET"


# ------------------------------------------------------------------------- aws-samples/serverless-patterns


@pytest.mark.D
def test_patterns_apigw_lambda_dynamodb_post_stores_the_item(serve):
    """apigw-lambda-dynamodb: ``SimpleTable`` named ``WeatherData``, ``POST /`` on the implicit REST API puts an
    item; the README reads the endpoint from the stack outputs and checks the table."""
    server = serve("aws-samples/serverless-patterns", "apigw-lambda-dynamodb")
    endpoint = outputs(server)["EndpointUrl"]
    assert endpoint == f"{server.url}/Prod"
    log = server.log_path.read_text()
    assert "Nubis warning: function WeatherFunction declares python3.14" in log  # runs all the same
    response = httpx.post(endpoint, timeout=30)  # the console's Test button: no body
    assert (response.status_code, response.text) == (200, "Successfully inserted data!")
    item = dynamodb(server).Table("WeatherData").get_item(Key={"id": "1"})["Item"]
    assert item == {"id": "1", "Weather": "Sunny"}
    wrong_method = httpx.get(endpoint, timeout=30)
    assert (wrong_method.status_code, wrong_method.json()) == (403, {"message": "Missing Authentication Token"})


@pytest.mark.D
def test_patterns_http_api_inline_code_answers_every_route(serve):
    """apigw-http-api-lambda-python: an implicit HTTP API (``HttpApi`` event without a path: the ``$default``
    route) in front of a function written as ``InlineCode``; the only output is the API id."""
    server = serve("aws-samples/serverless-patterns", "apigw-http-api-lambda-python")
    api_id = outputs(server)["HttpApiEndpoint"]
    assert re.fullmatch(r"[a-z0-9]{10}", api_id)
    # The README's https://{api-id}.execute-api.{region}.amazonaws.com/, here by host on the local listener.
    host = {"Host": f"{api_id}.execute-api.localhost:{server.port}"}
    for path in ("/", "/any/path"):
        response = httpx.get(f"{server.url}{path}", headers=host, timeout=30)
        assert (response.status_code, response.text) == (200, "Hello World! This is the HTTP API")
    assert (server.data_dir / "functions" / "inline").is_dir()


@pytest.mark.D
def test_patterns_rest_api_without_network_is_a_502(serve):
    """apigw-rest-api-lambda-python (the old ``sam init`` hello world): the handler calls checkip.amazonaws.com
    with ``requests`` and re-raises on failure. Here ``requests`` is not installed and there is no outbound network,
    so the invocation fails and REST answers 502 ``Internal server error``, as it would on AWS."""
    server = serve("aws-samples/serverless-patterns", "apigw-rest-api-lambda-python")
    found = outputs(server)
    assert found["HelloWorldApi"] == f"{server.url}/Prod/hello/"
    assert found["HelloWorldFunctionIamRole"].startswith("arn:aws:iam::000000000000:role/")
    response = httpx.get(found["HelloWorldApi"], timeout=30)
    assert (response.status_code, response.json()) == (502, REST_ERROR)
    log = function_log(server, "apigw-rest-api-lambda-python-HelloWorldFunction")
    assert "No module named 'requests'" in log or "ConnectionError" in log


@pytest.mark.D
def test_patterns_data_validation_rejects_bodies_outside_the_model(serve):
    """apigw-data-validation: ``Models`` + ``RequestModel{ValidateBody: true}`` on ``POST /vehicle``; the gateway
    refuses a body that does not match the model before the function runs [D api-gateway-method-request-validation]."""
    server = serve("aws-samples/serverless-patterns", "apigw-data-validation")
    url = outputs(server)["ProcessApi"] + "vehicle"
    assert url == f"{server.url}/Prod/vehicle"
    vehicle = {"make": "MINI", "model": "Countryman", "year": 2020}
    with httpx.Client(timeout=30) as http:
        valid = http.post(url, json=vehicle)
        assert valid.status_code == 200
        assert valid.json() == {"message": "Data validation succeeded", "data": vehicle}
        for body in (
            {**vehicle, "year": 2009},  # the README's case: below the minimum
            {"make": "MINI", "model": "Countryman"},  # a required property missing
            {**vehicle, "color": "yellow"},  # not in the enum
            {**vehicle, "year": "2020"},  # not an integer
        ):
            refused = http.post(url, json=body)
            assert (refused.status_code, refused.json()) == (400, {"message": "Invalid request body"}), body
            # The gateway's answer, not the function's (which has the same body for a body that is not JSON).
            assert refused.headers["x-amzn-ErrorType"] == "BadRequestException"
        not_json = http.post(url, content=b"{not json", headers={"Content-Type": "application/json"})
        assert not_json.status_code == 400 and not_json.headers["x-amzn-ErrorType"] == "BadRequestException"

        # The model is for application/json: another content type is not validated [D].
        other = http.post(url, json={**vehicle, "year": 2009}, headers={"Content-Type": "text/plain"})
        assert other.status_code == 200 and other.json()["data"]["year"] == 2009


@pytest.mark.D
def test_patterns_rest_regional_inline_code(serve):
    """apigw-rest-regional-lambda: a named ``AWS::Serverless::Api`` (stage ``prod``) and an ``InlineCode``
    function; the output is the regional endpoint URL."""
    server = serve("aws-samples/serverless-patterns", "apigw-rest-regional-lambda")
    endpoint = outputs(server)["EndpointUrl"]
    assert endpoint == f"{server.url}/prod"
    response = httpx.get(endpoint, timeout=30)
    assert response.status_code == 200
    assert response.json() == {"message": "Hello World! This is the regional API"}


@pytest.mark.P
def test_patterns_mapping_template_overrides_the_lambda_answer(serve):
    """apigw-mappingtemplate-lambda: an ``AWS::Include``d OpenAPI body (``Fn::Sub`` inside) with a non-proxy Lambda
    integration (``type: aws``, ``passthroughBehavior: when_no_templates``, ``contentHandling: CONVERT_TO_TEXT``) on
    ``x-amazon-apigateway-any-method``; the response template finds "error" in the function's answer, sets
    ``$context.responseOverride.status = 400`` and rewrites fields of ``$input.path('$')`` that ``$input.json`` then
    prints. The function always answers ``{"statuscode": 200, "body": "error1"}``, so every call gets what the
    README shows: 400, ``statuscode`` 650 and ``body`` "changed" [P README]."""
    server = serve("aws-samples/serverless-patterns", "apigw-mappingtemplate-lambda")
    endpoint = outputs(server)["API"]
    assert endpoint == f"{server.url}/dev"
    with httpx.Client(timeout=30) as http:
        for response in (http.post(f"{endpoint}/"), http.get(f"{endpoint}/"), http.post(f"{endpoint}/", json={"a": 1})):
            assert response.status_code == 400
            assert response.json() == {"statuscode": 650, "body": "changed"}
            assert response.headers["content-type"] == "application/json"
        # when_no_templates and no request template: any content type passes through to the function...
        text = {"Content-Type": "text/plain"}
        assert http.put(f"{endpoint}/", content=b'{"x": 1}', headers=text).status_code == 400
        # ...unless it is not JSON: Lambda refuses it, and its refusal is what the template maps [P ISSUE
        # fluct/fluct#33].
        refused = http.put(f"{endpoint}/", content=b"x", headers=text)
        assert refused.status_code == 200 and refused.json()["Type"] == "User"
    log = server.log_path.read_text()
    assert "ANY / is defined by the OpenAPI definition and by a function's Api event" in log

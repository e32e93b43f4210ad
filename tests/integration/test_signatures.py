"""``nubis serve --verify-signatures``: real SDKs against a server that checks who signed.

One server (the chat WebSocket project, a ``tables`` function, in-memory storage) knows a permanent key given with
``--credentials`` and a temporary one given in ``NUBIS_CREDENTIALS``. boto3, the AWS CLI and handlers' own boto3
must get through with the right key and get AWS's errors otherwise, on DynamoDB (400), the Lambda API and
``@connections`` (403). The verifier's rules one by one are in ``tests/unit/tables/wire/test_auth.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.auth
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from websockets.sync.client import connect

from nubis.testing import NubisServer
from tests.integration.conftest import create_items_table

APP = Path(__file__).parent / "functions_app"
CHAT = Path(__file__).parent / "websocket_projects" / "chat"
PERMANENT = ("AKIDSIGNED", "signed-secret")
TEMPORARY = ("ASIASIGNED", "temporary-secret", "temporary-token")
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
    "Key and signing method. Consult the service documentation for details."
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NubisServer]:
    tmp = tmp_path_factory.mktemp("signed")
    project = tmp / "chat"
    shutil.copytree(CHAT, project)
    args = [str(project), "--storage", "memory:", "--verify-signatures", "--credentials", ":".join(PERMANENT)]
    args += ["--function", f"tables=handlers.tables:timeout=30,code={APP}"]
    saved = os.environ.get("NUBIS_CREDENTIALS")
    os.environ["NUBIS_CREDENTIALS"] = ":".join(TEMPORARY)
    try:
        running = NubisServer(tmp / "data", extra_args=args).start()
    finally:
        if saved is None:
            del os.environ["NUBIS_CREDENTIALS"]
        else:
            os.environ["NUBIS_CREDENTIALS"] = saved
    try:
        yield running
    finally:
        running.stop()


def client(server: NubisServer, service: str = "dynamodb", key: tuple[str, ...] = PERMANENT, **kwargs: Any) -> Any:
    token = key[2] if len(key) > 2 else None
    return boto3.client(
        service,
        endpoint_url=kwargs.pop("endpoint_url", server.url),
        region_name="us-east-1",
        aws_access_key_id=key[0],
        aws_secret_access_key=key[1],
        aws_session_token=token,
        config=Config(retries={"max_attempts": 1}, read_timeout=30),
    )


def refused(call: Any) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as info:
        call()
    response = info.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def test_the_right_key_works(server):
    ddb = client(server)
    name = create_items_table(ddb, "signed")
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "n": {"N": "5"}})
    assert ddb.get_item(TableName=name, Key={"pk": {"S": "a"}, "sk": {"S": "1"}})["Item"]["n"] == {"N": "5"}
    assert name in client(server, key=TEMPORARY).list_tables()["TableNames"]


@pytest.mark.V  # ttsuruoka/php-simple-amazon-dynamodb#1: DynamoDB's type, status and message
def test_a_wrong_secret_gets_invalid_signature(server):
    assert refused(client(server, key=(PERMANENT[0], "wrong")).list_tables) == (
        400,
        "InvalidSignatureException",
        MISMATCH,
    )


@pytest.mark.V  # yegor256/s3auth#237: DynamoDB answers 400 with this message
def test_an_unknown_key_gets_unrecognized_client(server):
    assert refused(client(server, key=("AKIDNOBODY", "x")).list_tables) == (
        400,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )


@pytest.mark.P  # dynalite's notes of AWS's answers: the token's own message has no full stop
def test_a_temporary_key_without_its_token_is_unrecognized(server):
    assert refused(client(server, key=TEMPORARY[:2]).list_tables) == (
        400,
        "UnrecognizedClientException",
        "The security token included in the request is invalid",
    )


@pytest.mark.V  # aws-sdk-js#254 and others: "Signature expired: ... (... - 5 min.)"
def test_a_stale_signature_has_expired(server, monkeypatch):
    stale = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=10)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *args, **kwargs: stale)
    status, code, message = refused(client(server).list_tables)
    assert (status, code) == (400, "InvalidSignatureException")
    assert message.startswith(f"Signature expired: {stale:%Y%m%dT%H%M%SZ} is now earlier than ")
    assert message.endswith(" - 5 min.)")


def aws_cli(server: NubisServer, secret: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": PERMANENT[0], "AWS_SECRET_ACCESS_KEY": secret}
    env.update(AWS_DEFAULT_REGION="us-east-1", AWS_MAX_ATTEMPTS="1")
    cli = Path(sys.executable).with_name("aws")
    command = [str(cli), "dynamodb", *args, "--endpoint-url", server.url, "--output", "json"]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60, check=False)


def test_the_aws_cli_with_the_right_key_works_and_with_a_wrong_one_fails(server):
    name = create_items_table(client(server), "signed")
    item = '{"pk": {"S": "cli"}, "sk": {"S": "1"}}'
    assert aws_cli(server, PERMANENT[1], "put-item", "--table-name", name, "--item", item).returncode == 0
    got = aws_cli(server, PERMANENT[1], "get-item", "--table-name", name, "--key", item)
    assert json.loads(got.stdout)["Item"]["pk"] == {"S": "cli"}
    wrong = aws_cli(server, "wrong", "list-tables")
    assert wrong.returncode != 0 and "(InvalidSignatureException)" in wrong.stderr


def test_the_health_check_stays_open(server):
    with urllib.request.urlopen(server.url + "/", timeout=10) as response:
        assert response.status == 200


@pytest.mark.V  # iann0036/iamlive#58: Lambda answers UnrecognizedClientException with 403
def test_the_lambda_api_checks_signatures_too(server):
    assert "tables" in [f["FunctionName"] for f in client(server, "lambda").list_functions()["Functions"]]
    assert refused(client(server, "lambda", key=("AKIDNOBODY", "x")).list_functions) == (
        403,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )
    assert refused(client(server, "lambda", key=(PERMANENT[0], "wrong")).list_functions)[:2] == (
        403,
        "InvalidSignatureException",
    )
    with pytest.raises(urllib.error.HTTPError) as unsigned:
        urllib.request.urlopen(server.url + "/2015-03-31/functions/", timeout=10)
    with unsigned.value:  # the error holds the response's socket open
        assert unsigned.value.code == 403
        assert unsigned.value.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_boto3_in_a_handler_signs_with_the_servers_function_key(server):
    ddb = client(server)
    name = create_items_table(ddb, "signed")
    response = client(server, "lambda").invoke(FunctionName="tables", Payload=json.dumps({"table": name, "key": "k"}))
    body = response["Payload"].read()
    assert "FunctionError" not in response, body
    assert json.loads(body) == {"by": "lambda"}
    assert ddb.get_item(TableName=name, Key={"pk": {"S": "k"}, "sk": {"S": "v"}})["Item"]["by"] == {"S": "lambda"}


def test_connections_checks_signatures_and_handlers_get_through(server):
    with connect(f"ws://127.0.0.1:{server.port}/dev") as ws:
        ws.send(json.dumps({"action": "push"}))  # the handler calls @connections with its own key
        assert json.loads(ws.recv(timeout=30)) == {"pushed": True, "sourceIp": "127.0.0.1", "otherIsGone": True}
        ws.send(json.dumps({"action": "echo"}))
        connection_id = json.loads(ws.recv(timeout=30))["requestContext"]["connectionId"]
        endpoint = f"{server.url}/dev"
        api = client(server, "apigatewaymanagementapi", endpoint_url=endpoint)
        assert api.get_connection(ConnectionId=connection_id)["Identity"]["SourceIp"] == "127.0.0.1"
        wrong = client(server, "apigatewaymanagementapi", key=(PERMANENT[0], "wrong"), endpoint_url=endpoint)
        status, code, message = refused(lambda: wrong.post_to_connection(ConnectionId=connection_id, Data=b"x"))
        assert (status, code, message) == (403, "InvalidSignatureException", MISMATCH)

"""The HTTP transport's requests (headers, SigV4, body) and its reading of answers (CRC32, errors, failures).

The signature is checked by an independent SigV4 computation written here from AWS's specification
[D "Create a signed AWS API request" (SigV4)], not by botocore, which signs.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import zlib
from typing import Any

import httpx
import orjson
import pytest

from nubis.client import AsyncClient, Client, ConditionalCheckFailedException, Retry, TransportError
from nubis.client.transports.http import AsyncHttpTransport, HttpTransport, aws_endpoint, resolve_region

pytestmark = pytest.mark.D

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def verify_sigv4(request: httpx.Request, secret: str) -> dict[str, str]:
    """Recompute the signature of ``request``; returns the parsed Authorization parts when it matches."""
    algorithm, _, rest = request.headers["authorization"].partition(" ")
    assert algorithm == "AWS4-HMAC-SHA256"
    parts = dict(p.strip().split("=", 1) for p in rest.split(","))
    access_key, date, region, service, terminator = parts["Credential"].split("/")
    signed = parts["SignedHeaders"].split(";")
    canonical_headers = "".join(f"{h}:{' '.join(request.headers[h].split())}\n" for h in signed)
    canonical = "\n".join(
        [
            "POST",
            request.url.path or "/",
            "",
            canonical_headers,
            parts["SignedHeaders"],
            hashlib.sha256(request.content).hexdigest(),
        ]
    )
    amz_date = request.headers["x-amz-date"]
    scope = f"{date}/{region}/{service}/{terminator}"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret}".encode(), date), region), service), terminator)
    assert hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest() == parts["Signature"]
    return {"access_key": access_key, "region": region, "service": service, "signed": parts["SignedHeaders"]}


def ok(body: dict[str, Any], crc: bool = True) -> httpx.Response:
    content = orjson.dumps(body)
    headers = {"x-amz-crc32": str(zlib.crc32(content))} if crc else {}
    return httpx.Response(200, content=content, headers=headers)


def sync_client(handler: Any, credentials: Any = ("AKID", SECRET), region: str = "eu-west-1", **kw: Any) -> Client:
    transport = HttpTransport(
        "http://nubis.test:8000/", credentials, client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    return Client(transport, region=region, **kw)


def test_requests_are_signed_dynamodb_json_and_nothing_else_of_ours():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok({"Item": {"pk": {"S": "a"}}})

    client = sync_client(handler)
    assert client.get_item(TableName="t", Key={"pk": {"S": "a"}}) == {"Item": {"pk": {"S": "a"}}}
    request = seen[0]
    assert request.method == "POST" and str(request.url) == "http://nubis.test:8000/"
    assert request.headers["x-amz-target"] == "DynamoDB_20120810.GetItem"
    assert request.headers["content-type"] == "application/x-amz-json-1.0"
    assert orjson.loads(request.content) == {"TableName": "t", "Key": {"pk": {"S": "a"}}}
    assert not [h for h in request.headers if "nubis" in h.lower()]
    parts = verify_sigv4(request, SECRET)
    assert parts == {
        "access_key": "AKID",
        "region": "eu-west-1",
        "service": "dynamodb",
        "signed": "content-type;host;x-amz-date;x-amz-target",
    }


def test_session_tokens_are_sent_and_signed():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok({})

    sync_client(handler, credentials=("AKID", SECRET, "TOKEN")).describe_limits()
    assert seen[0].headers["x-amz-security-token"] == "TOKEN"
    assert "x-amz-security-token" in verify_sigv4(seen[0], SECRET)["signed"]


def test_error_bodies_become_client_errors():
    body = {
        "__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
        "message": "no",
        "Item": {"a": {"S": "1"}},
    }
    client = sync_client(lambda request: httpx.Response(400, content=orjson.dumps(body)))
    with pytest.raises(ConditionalCheckFailedException) as caught:
        client.put_item(TableName="t", Item={"a": {"S": "1"}})
    assert caught.value.item == {"a": {"S": "1"}} and caught.value.response == body


def test_a_crc32_mismatch_is_a_retried_transport_error():
    answers = iter([httpx.Response(200, content=b"{}", headers={"x-amz-crc32": "1"}), ok({"TableNames": []})])
    delays: list[float] = []
    client = sync_client(lambda request: next(answers), retry=Retry(jitter=lambda: 0.0), sleep=delays.append)
    assert client.list_tables() == {"TableNames": []}
    assert delays == [0.0]
    once = sync_client(
        lambda request: httpx.Response(200, content=b"{}", headers={"x-amz-crc32": "1"}), retry=Retry(max_attempts=1)
    )
    with pytest.raises(TransportError, match="CRC32"):
        once.list_tables()


def test_answers_without_crc32_are_accepted():
    assert sync_client(lambda request: ok({"TableNames": ["x"]}, crc=False)).list_tables() == {"TableNames": ["x"]}


def test_connection_failures_are_transport_errors():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = sync_client(refuse, retry=Retry(max_attempts=2, jitter=lambda: 0.0), sleep=lambda s: None)
    with pytest.raises(TransportError, match="ConnectError") as caught:
        client.describe_limits()
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


def test_async_transport_signs_and_parses_the_same_way():
    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok({"TableNames": []})

    async def main() -> dict[str, Any]:
        transport = AsyncHttpTransport(
            "http://nubis.test", ("AKID", SECRET), client=httpx.AsyncClient(transport=httpx.MockTransport(handler))
        )
        client = AsyncClient(transport, region="ap-south-1")
        try:
            return dict(await client.list_tables())
        finally:
            await transport.aclose()

    assert asyncio.run(main()) == {"TableNames": []}
    assert verify_sigv4(seen[0], SECRET)["region"] == "ap-south-1"


def test_aws_endpoint_and_region_resolution(monkeypatch):
    assert aws_endpoint("eu-central-1") == "https://dynamodb.eu-central-1.amazonaws.com"
    assert resolve_region("us-west-2") == "us-west-2"
    monkeypatch.setenv("AWS_REGION", "sa-east-1")
    assert resolve_region(None) == "sa-east-1"
    client = Client.http(credentials=("a", "b"))
    try:
        assert client.region == "sa-east-1"
        assert client.transport.endpoint_url == "https://dynamodb.sa-east-1.amazonaws.com/"  # type: ignore[attr-defined]
    finally:
        client.close()


@pytest.fixture
def no_aws_config(monkeypatch, tmp_path):
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in (
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)


def test_credentials_default_to_the_standard_chain(no_aws_config, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "FROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok({})

    sync_client(handler, credentials=None).describe_limits()
    assert verify_sigv4(seen[0], SECRET)["access_key"] == "FROMENV"


def test_missing_credentials_and_region_fail_at_construction(no_aws_config):
    with pytest.raises(ValueError, match="no AWS credentials"):
        HttpTransport("http://nubis.test")
    with pytest.raises(ValueError, match="no AWS region"):
        Client.http("http://nubis.test", credentials=("a", "b"))


def test_from_env_reads_the_sdk_variables(no_aws_config, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-north-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "a")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "b")
    with Client.from_env() as client:
        assert client.region == "eu-north-1"
        assert client.transport.endpoint_url == "http://127.0.0.1:9/"  # type: ignore[attr-defined]

    async def main() -> str:
        async with AsyncClient.from_env() as client:
            return client.region

    assert asyncio.run(main()) == "eu-north-1"

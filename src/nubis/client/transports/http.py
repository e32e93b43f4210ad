"""``HttpTransport`` and ``AsyncHttpTransport``: DynamoDB's JSON protocol over HTTP, signed with SigV4.

One request, in order:

1. The body is ``orjson.dumps(request)``; headers are ``X-Amz-Target: DynamoDB_20120810.<Operation>`` and
   ``Content-Type: application/x-amz-json-1.0``, nothing else of ours, so the same transport talks to a Nubis
   server, AWS DynamoDB itself or any compatible endpoint.
2. botocore's ``SigV4Auth`` signs it (service ``dynamodb``, the request's region) with frozen credentials taken
   per request, so refreshing credentials (SSO, assumed roles, instance profiles) keep working. Signing is
   botocore's; we do not hand-write SigV4.
3. httpx sends it on a keep-alive pool (``Accept-Encoding: identity``: DynamoDB's ``x-amz-crc32`` covers the bytes
   it sends, so they are not to be decompressed first).
4. ``x-amz-crc32``, when present, must match the body (a mismatch is a ``TransportError``, retried, as in botocore);
   a 200 body is decoded with orjson; anything else becomes the ``ClientError`` its ``__type`` names.

The sync and async classes share everything except the send itself (``_HttpBase``).
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Mapping
from typing import Any

import httpx
import orjson
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, ReadOnlyCredentials

from nubis.client.errors import TransportError, error_from_body, error_from_text
from nubis.client.types import OperationRequest, Response

__all__ = ["AsyncHttpTransport", "CredentialsLike", "HttpTransport", "aws_endpoint", "resolve_region"]

TARGET_PREFIX = "DynamoDB_20120810."
CONTENT_TYPE = "application/x-amz-json-1.0"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
"""botocore's 60 s read timeout; a shorter connect timeout, because a dead endpoint should fail fast."""

CredentialsLike = Credentials | tuple[str, str] | tuple[str, str, str]
"""botocore credentials, or ``(access_key, secret_key)`` / ``(access_key, secret_key, session_token)``."""


def aws_endpoint(region: str) -> str:
    """AWS DynamoDB's public endpoint for ``region``."""
    return f"https://dynamodb.{region}.amazonaws.com"


def resolve_region(region: str | None) -> str:
    """``region``, else the standard configuration's (``AWS_REGION``, ``AWS_DEFAULT_REGION``, the profile's).

    Raises:
        ValueError: no region is configured anywhere.
    """
    if region:
        return region
    env = os.environ.get("AWS_REGION")
    if env:
        return env
    import botocore.session

    configured = botocore.session.get_session().get_config_variable("region")
    if not configured:
        raise ValueError("no AWS region given or configured (pass region=..., or set AWS_REGION)")
    return str(configured)


def _credentials(credentials: CredentialsLike | None) -> Credentials:
    if isinstance(credentials, Credentials):
        return credentials
    if credentials is not None:
        return Credentials(*credentials)
    import botocore.session

    found = botocore.session.get_session().get_credentials()
    if found is None:
        raise ValueError(
            "no AWS credentials found by botocore's standard chain (environment, shared files, SSO, container "
            "or instance roles); pass credentials=(access_key, secret_key) — any pair works against Nubis"
        )
    return found


class _HttpBase:
    """What the two HTTP transports share: building the signed request and reading the answer."""

    def __init__(self, endpoint_url: str, credentials: CredentialsLike | None) -> None:
        self.endpoint_url = endpoint_url.rstrip("/") + "/"
        self._credentials = _credentials(credentials)

    def _build(self, request: OperationRequest) -> tuple[bytes, dict[str, str]]:
        body = orjson.dumps(request.body)
        aws = AWSRequest(
            method="POST",
            url=self.endpoint_url,
            data=body,
            headers={"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET_PREFIX + request.operation},
        )
        frozen: ReadOnlyCredentials = self._credentials.get_frozen_credentials()
        SigV4Auth(frozen, "dynamodb", request.region).add_auth(aws)
        return body, dict(aws.headers.items())

    @staticmethod
    def _parse(status: int, headers: Mapping[str, str], content: bytes) -> Response:
        expected = headers.get("x-amz-crc32")
        if expected is not None and expected.isdigit() and int(expected) != zlib.crc32(content):
            raise TransportError(f"CRC32 mismatch: header {expected}, body {zlib.crc32(content)}")
        if status == 200:
            if not content:
                return {}
            try:
                decoded: Any = orjson.loads(content)
            except orjson.JSONDecodeError as exc:
                raise TransportError(f"undecodable response body: {exc}") from exc
            if not isinstance(decoded, dict):
                raise TransportError("response body is not a JSON object")
            return decoded
        try:
            error_body: Any = orjson.loads(content) if content else {}
        except orjson.JSONDecodeError:
            raise error_from_text(status, content) from None
        raise error_from_body(status, error_body if isinstance(error_body, dict) else {})


class HttpTransport(_HttpBase):
    """A blocking ``Transport`` over ``httpx.Client``.

    Args:
        endpoint_url: the service's base URL (``http://127.0.0.1:8000`` for Nubis, ``aws_endpoint(region)`` for AWS).
        credentials: as ``CredentialsLike``; ``None`` resolves botocore's standard credential chain once, here.
        timeout: httpx's timeout.
        client: an ``httpx.Client`` to send with (tests pass one with ``httpx.MockTransport``); the transport
            closes it either way.
    """

    def __init__(
        self,
        endpoint_url: str,
        credentials: CredentialsLike | None = None,
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        client: httpx.Client | None = None,
    ) -> None:
        super().__init__(endpoint_url, credentials)
        self._client = client or httpx.Client(timeout=timeout, headers={"Accept-Encoding": "identity"})

    def handle_request(self, request: OperationRequest) -> Response:
        body, headers = self._build(request)
        try:
            answer = self._client.post(self.endpoint_url, content=body, headers=headers)
        except httpx.TransportError as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        return self._parse(answer.status_code, answer.headers, answer.content)

    def close(self) -> None:
        self._client.close()


class AsyncHttpTransport(_HttpBase):
    """An ``AsyncTransport`` over ``httpx.AsyncClient``; arguments as ``HttpTransport``."""

    def __init__(
        self,
        endpoint_url: str,
        credentials: CredentialsLike | None = None,
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(endpoint_url, credentials)
        self._client = client or httpx.AsyncClient(timeout=timeout, headers={"Accept-Encoding": "identity"})

    async def handle_async_request(self, request: OperationRequest) -> Response:
        body, headers = self._build(request)
        try:
            answer = await self._client.post(self.endpoint_url, content=body, headers=headers)
        except httpx.TransportError as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        return self._parse(answer.status_code, answer.headers, answer.content)

    async def aclose(self) -> None:
        await self._client.aclose()

"""HTTP and HTTP_PROXY integrations: send the request to an HTTP backend with ``httpx.AsyncClient`` and hand back
its answer (reference §2.3-2.5, §3.2).

- The backend request is built by ``mapping.http_request`` (path, ``{proxy}`` substitution, query, headers).
- The whole exchange is bounded by the integration timeout (``timeoutInMillis``: REST 29 s, HTTP APIs 30 s):
  past it REST answers 504 ``Endpoint request timed out`` and HTTP APIs 503 ``Service Unavailable``.
- A backend that cannot be reached: REST 504 ``Network error communicating with endpoint`` (INTEGRATION_FAILURE),
  HTTP APIs 503 ``Service Unavailable``. A URI that is not a valid http(s) URL: REST 500 (API_CONFIGURATION_ERROR),
  HTTP APIs 500.
- REST ``HTTP_PROXY`` passes status, headers and body through; the backend's ``Connection``, ``Content-Length``,
  ``Date`` and ``Server`` come back as ``x-amzn-Remapped-<name>``, and ``Transfer-Encoding``, ``Content-Encoding``
  and ``Via`` are dropped [LS method_response.py; V LS snapshot TestApiGatewayHeaderRemapping]. Redirects are not
  followed, as on AWS.
- REST ``HTTP`` (non-proxy): the integration response whose ``selectionPattern`` matches the backend status (else
  the default one) gives the status and the ``responseParameters`` headers; the backend body is passed through
  (mapping templates are not evaluated yet). Without integration responses the backend answer passes through.
- HTTP APIs pass the backend's answer through, hop-by-hop headers dropped.

Bodies are read whole (10 MB limit applies on the way in); ``httpx`` decodes any content encoding, which is why
``Content-Encoding`` never goes back to the client.
"""

from __future__ import annotations

import asyncio
import logging
import re

import httpx

from nubis.gateway.context import HttpResponse, InvocationContext
from nubis.gateway.mapping.http_request import BackendRequest, http_api_backend_request, rest_backend_request
from nubis.gateway.mapping.parameters import resolve_response_headers
from nubis.gateway.responses import (
    ApiConfigurationError,
    IntegrationNetworkFailure,
    IntegrationTimeout,
    InternalServerError,
    ServiceUnavailable,
)
from nubis.project.model import ApiKind, IntegrationType

logger = logging.getLogger(__name__)

REMAPPED = frozenset({"connection", "content-length", "date", "server"})
DROPPED_REST_PROXY = frozenset({"transfer-encoding", "content-encoding", "via"})
DROPPED_HTTP_API = frozenset({"connection", "keep-alive", "transfer-encoding", "content-encoding", "content-length"})


class HttpIntegration:
    """One ``httpx.AsyncClient`` per event loop, kept for its connection pool."""

    def __init__(self) -> None:
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client = httpx.AsyncClient(
                trust_env=False,
                follow_redirects=False,
                timeout=None,
                limits=httpx.Limits(max_connections=512, max_keepalive_connections=128),
            )
            self._loop = loop
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def invoke(self, ctx: InvocationContext) -> None:
        assert ctx.match is not None
        integration = ctx.match.integration
        http_api = ctx.deployment.kind is ApiKind.HTTP
        proxy = http_api or integration.type is IntegrationType.HTTP_PROXY
        request = http_api_backend_request(ctx) if http_api else rest_backend_request(ctx, proxy=proxy)
        timeout = ctx.deployment.api.integration_timeout_ms(integration) / 1000
        response = await self._send(request, timeout, http_api=http_api)
        raw_headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw]
        if http_api:
            headers = [(k, v) for k, v in raw_headers if k.lower() not in DROPPED_HTTP_API]
            ctx.response = HttpResponse(response.status_code, headers, response.content)
        elif proxy:
            ctx.response = HttpResponse(response.status_code, _remap(raw_headers), response.content)
        else:
            ctx.response = _integration_response(ctx, response.status_code, raw_headers, response.content)

    async def _send(self, request: BackendRequest, timeout: float, *, http_api: bool) -> httpx.Response:
        try:
            async with asyncio.timeout(timeout):
                return await self.client().request(
                    request.method, request.url, headers=request.headers, content=request.body or None
                )
        except TimeoutError as exc:
            raise (ServiceUnavailable() if http_api else IntegrationTimeout()) from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            logger.warning("integration URI %s is not usable: %s", request.url, exc)
            raise (InternalServerError() if http_api else ApiConfigurationError()) from exc
        except httpx.HTTPError as exc:
            logger.warning("HTTP integration %s %s failed: %r", request.method, request.url, exc)
            raise (ServiceUnavailable() if http_api else IntegrationNetworkFailure()) from exc


def _remap(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, value in headers:
        lower = name.lower()
        if lower in DROPPED_REST_PROXY:
            continue
        out.append((f"x-amzn-Remapped-{name}", value) if lower in REMAPPED else (name, value))
    return out


def _integration_response(
    ctx: InvocationContext, status: int, headers: list[tuple[str, str]], body: bytes
) -> HttpResponse:
    assert ctx.match is not None
    integration = ctx.match.integration
    if not integration.responses:
        return HttpResponse(status, _remap(headers), body)
    chosen = None
    for response in integration.responses:
        if response.selection_pattern is None:
            chosen = chosen or response
        elif re.fullmatch(response.selection_pattern, str(status)):
            chosen = response
            break
    if chosen is None:
        raise ApiConfigurationError()  # no integration response matches [D; LS select_integration_response]
    backend = {name: value for name, value in headers}
    out = resolve_response_headers(
        chosen.response_parameters, stage_variables=ctx.deployment.stage_variables, integration_headers=backend
    )
    if not any(k.lower() == "content-type" for k, _ in out):
        out.append(("Content-Type", "application/json"))
    return HttpResponse(int(chosen.status_code), out, body)

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
- REST ``HTTP`` (non-proxy): the body sent is the mapped integration request (``handlers/integration_request``:
  a rendered template or the body passed through, with ``$context.requestOverride`` applied); the backend's answer
  becomes the endpoint response that ``handlers/integration_response`` maps, selecting by its status code.
- HTTP APIs pass the backend's answer through, hop-by-hop headers dropped.

Bodies are read whole (10 MB limit applies on the way in); ``httpx`` decodes any content encoding, which is why
``Content-Encoding`` never goes back to the client.
"""

from __future__ import annotations

import asyncio
import logging

import httpx

from nubis.gateway.context import EndpointResponse, HttpResponse, InvocationContext
from nubis.gateway.mapping.http_request import BackendRequest, http_api_backend_request, rest_backend_request
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


class HttpBackends:
    """One ``httpx.AsyncClient`` per event loop, kept for its connection pool; each gateway app owns one."""

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


class HttpIntegration:
    """Stateless: the connection pool is the app's (``ctx.backends``)."""

    async def invoke(self, ctx: InvocationContext) -> None:
        assert ctx.match is not None
        integration = ctx.match.integration
        http_api = ctx.deployment.kind is ApiKind.HTTP
        proxy = http_api or integration.type is IntegrationType.HTTP_PROXY
        if http_api:
            request = http_api_backend_request(ctx)
        else:
            request = rest_backend_request(ctx, proxy=proxy, mapped=ctx.integration_request)
        timeout = ctx.deployment.api.integration_timeout_ms(integration) / 1000
        assert ctx.backends is not None, "HTTP integrations need the app's backends (GatewayApp sets them)"
        response = await _send(ctx.backends.client(), request, timeout, http_api=http_api)
        raw_headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw]
        if http_api:
            headers = [(k, v) for k, v in raw_headers if k.lower() not in DROPPED_HTTP_API]
            ctx.response = HttpResponse(response.status_code, headers, response.content)
        elif proxy:
            ctx.response = HttpResponse(response.status_code, _remap(raw_headers), response.content)
        else:
            status = response.status_code
            ctx.endpoint_response = EndpointResponse(status, raw_headers, response.content, str(status))


async def _send(
    client: httpx.AsyncClient, request: BackendRequest, timeout: float, *, http_api: bool
) -> httpx.Response:
    try:
        async with asyncio.timeout(timeout):
            return await client.request(
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

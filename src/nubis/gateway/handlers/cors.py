"""``cors`` for HTTP APIs with a CORS configuration [D http-api-cors.md]: the gateway answers every preflight
itself (204 [P MS]) and sets the CORS headers on integration responses, replacing any the integration set.
An origin not allowed gets no CORS headers [P MS]. REST APIs have no gateway CORS (their OPTIONS methods are MOCK
integrations), so this step does nothing for them.
"""

from __future__ import annotations

from nubis.gateway.context import HttpResponse, InvocationContext
from nubis.project.model import Cors

CORS_HEADERS = (
    "access-control-allow-origin",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-expose-headers",
    "access-control-allow-credentials",
    "access-control-max-age",
)


def _allowed_origin(cors: Cors, origin: str | None) -> str | None:
    if origin is None:
        return None
    if "*" in cors.allow_origins:
        return "*"
    return origin if origin in cors.allow_origins else None


async def preflight(ctx: InvocationContext) -> None:
    cors = ctx.deployment.api.cors
    if cors is None or ctx.method != "OPTIONS" or ctx.header("access-control-request-method") is None:
        return
    headers: list[tuple[str, str]] = []
    origin = _allowed_origin(cors, ctx.header("origin"))
    if origin is not None:
        headers.append(("access-control-allow-origin", origin))
        if cors.allow_methods:
            headers.append(("access-control-allow-methods", ",".join(cors.allow_methods)))
        if cors.allow_headers:
            headers.append(("access-control-allow-headers", ",".join(h.lower() for h in cors.allow_headers)))
        if cors.allow_credentials:
            headers.append(("access-control-allow-credentials", "true"))
        if cors.max_age is not None:
            headers.append(("access-control-max-age", str(cors.max_age)))
    ctx.response = HttpResponse(204, headers, b"")


async def add_cors_headers(ctx: InvocationContext) -> None:
    cors = ctx.deployment.api.cors
    response = ctx.response
    if cors is None or response is None or (response.status == 204 and ctx.method == "OPTIONS"):
        return
    response.drop(*CORS_HEADERS)
    origin = _allowed_origin(cors, ctx.header("origin"))
    if origin is None:
        return
    response.headers.append(("access-control-allow-origin", origin))
    if cors.expose_headers:
        response.headers.append(("access-control-expose-headers", ",".join(cors.expose_headers)))
    if cors.allow_credentials:
        response.headers.append(("access-control-allow-credentials", "true"))

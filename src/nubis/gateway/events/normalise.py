"""Request normalisation shared by every payload (reference §1.5)."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from urllib.parse import unquote_plus

from nubis.gateway.context import InvocationContext
from nubis.project.model import ApiKind

DROPPED_HEADERS = frozenset(
    {
        "connection",
        "content-length",
        "content-md5",
        "expect",
        "max-forwards",
        "proxy-authenticate",
        "server",
        "te",
        "transfer-encoding",
        "trailer",
        "upgrade",
        "www-authenticate",
    }
)
"""Headers that never reach the integration as the client sent them (LS header_utils.py, built from AWS's REST
tests) [P]; HTTP APIs then add their own ``content-length`` (``forwarded_headers``)."""

_DROPPED_AND_TRACE = DROPPED_HEADERS | {"x-amzn-trace-id"}
"""The same, when the gateway puts its own trace header in place of the client's."""

TEXT_TYPES = ("application/json", "application/xml", "application/javascript")


def forwarded_headers(ctx: InvocationContext, *, trace: bool = True) -> list[tuple[str, str]]:
    """The request headers an integration sees: hop-by-hop ones dropped, ``X-Forwarded-*`` added [P LS], and
    (``trace``) the client's ``X-Amzn-Trace-Id`` replaced by the gateway's, which it always adds [V LS snapshot
    test_lambda_aws_proxy_integration; GO apigw-v2-request-no-authorizer.json].

    HTTP APIs also pass the body's ``content-length``, ``"0"`` for a body-less GET (the GO fixture's curl GET,
    which sends no Content-Length, shows ``"content-length": "0"``) [V GO apigw-v2-request-no-authorizer.json];
    REST events have none [V LS snapshot].
    """
    dropped = _DROPPED_AND_TRACE if trace and ctx.trace_id else DROPPED_HEADERS
    headers: list[tuple[str, str]] = []
    names: set[str] = set()
    forwarded_for: str | None = None
    for name, value in ctx.headers:  # one pass: this runs for every proxied request
        lower = name.lower()
        if lower in dropped:
            continue
        if lower == "x-forwarded-for":
            forwarded_for = value if forwarded_for is None else f"{forwarded_for},{value}"
            continue
        names.add(lower)
        headers.append((name, value))
    headers.append(("X-Forwarded-For", f"{forwarded_for}, {ctx.source_ip}" if forwarded_for else ctx.source_ip))
    if "x-forwarded-proto" not in names:
        headers.append(("X-Forwarded-Proto", "http"))
    if "x-forwarded-port" not in names:
        port = ctx.domain_name.rpartition(":")[2] if ":" in ctx.domain_name else "80"
        headers.append(("X-Forwarded-Port", port))
    if ctx.deployment.kind is ApiKind.HTTP:
        headers.append(("content-length", str(len(ctx.body))))
    if trace and ctx.trace_id:
        headers.append(("X-Amzn-Trace-Id", ctx.trace_id))  # REST keeps this casing; HTTP API events lowercase it
    return headers


def query_pairs(raw_query: str) -> list[tuple[str, str]]:
    """Decoded query pairs in order (``+`` is a space, ``%2B`` a plus) [V LS params-encoding]."""
    pairs: list[tuple[str, str]] = []
    for part in raw_query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((unquote_plus(key), unquote_plus(value)))
    return pairs


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def matches_media_types(content_type: str | None, patterns: Iterable[str]) -> bool:
    """Whether a media type matches an entry of ``binaryMediaTypes`` (exact, ``type/*`` or ``*/*``) [D]."""
    kind = media_type(content_type)
    if not kind:
        return False
    major = kind.split("/", 1)[0]
    for pattern in patterns:
        pattern = pattern.lower()
        if pattern in ("*/*", kind) or (pattern.endswith("/*") and pattern[:-2] == major):
            return True
    return False


def encode_body(body: bytes, as_base64: bool) -> str:
    if as_base64:
        return base64.b64encode(body).decode()
    return body.decode("utf-8", errors="replace")


def domain_prefix(domain_name: str) -> str:
    return domain_name.split(".", 1)[0].split(":", 1)[0]


def body_is_binary(content_type: str | None) -> bool:
    """HTTP APIs have no ``binaryMediaTypes``: ``text/*`` and JSON/XML/JavaScript bodies go as text, everything
    else (no Content-Type, forms, multipart) as base64 [P ministack#766, serverless-offline#1776]."""
    kind = media_type(content_type)
    return not (kind.startswith("text/") or kind in TEXT_TYPES)

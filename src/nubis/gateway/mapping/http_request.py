"""The request an HTTP or HTTP_PROXY integration sends to its backend, built from the client's request (pure).

REST [D setup-http-integrations.md, api-gateway-proxy-integration; reference §3.2, §8.1]:

- ``HTTP_PROXY``: the client's method (or the integration's ``httpMethod`` unless ``ANY``), headers (hop-by-hop
  ones dropped, ``X-Forwarded-*`` added, §1.5), query string and body go through unchanged.
- ``HTTP`` (non-proxy): only what ``requestParameters`` maps is sent (headers, query string), then what the request
  template set in ``$context.requestOverride.{header,querystring,path}`` replaces it [D
  apigateway-override-request-response-parameters.md]; the body is the mapped one (the rendered template, or the
  body passed through), sent with the template's media type as ``Content-Type`` [?].
- ``{name}`` in the URI is ``integration.request.path.name``: its mapped source
  (``method.request.path.proxy``, ``'literal'``, ``stageVariables.x``, ``context.requestId``), else the path
  parameter of the same name. A greedy ``{proxy+}`` value is substituted raw, slashes and escapes included.
- ``${stageVariables.x}`` anywhere in the URI is the stage variable [D stage-variables.md].

HTTP APIs [D http-api-develop-integrations-http.md]: the request goes through as for REST ``HTTP_PROXY``; the URI
is used as written (the route path is not appended) with ``{name}`` from the route's path parameters (``{proxy}``
for ``{proxy+}``); ``requestParameters`` ``overwrite:path``, ``append|overwrite|remove:header.X`` and
``...:querystring.X`` with ``$request.path.x``, ``$request.header.x``, ``$request.querystring.x``,
``$context.requestId``, ``$stageVariables.x`` or literal values [D http-api-parameter-mapping.md].
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from nubis.gateway.context import IntegrationRequest, InvocationContext
from nubis.gateway.events.normalise import forwarded_headers, query_pairs
from nubis.gateway.mapping.jsonpath import read_body_field
from nubis.gateway.mapping.templates import request_override

STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")
URI_PARAMETER = re.compile(r"\{([A-Za-z0-9_.-]+)\}")
PATH_SAFE = "/!$&'()*+,;=:@~"
"""Characters a URL path segment may hold unescaped (RFC 3986 pchar, with ``/``), besides letters and digits."""
HTTP_API_VARIABLE = re.compile(
    r"\$\{?(request\.(?:path|header|querystring)|context|stageVariables)\.([A-Za-z0-9_-]+)\}?"
)


@dataclass(frozen=True, slots=True)
class BackendRequest:
    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes


def _method(ctx: InvocationContext, configured: str | None) -> str:
    if configured is None or configured.upper() == "ANY":
        return ctx.method
    return configured.upper()


def _query_values(ctx: InvocationContext) -> dict[str, str]:
    values: dict[str, list[str]] = {}
    for key, value in query_pairs(ctx.raw_query):
        values.setdefault(key, []).append(value)
    return {k: ",".join(v) for k, v in values.items()}


def _rest_source(ctx: InvocationContext, source: str) -> str | None:
    """A REST ``requestParameters`` source [D request-response-data-mappings.md]."""
    assert ctx.match is not None
    if len(source) >= 2 and source.startswith("'") and source.endswith("'"):
        return source[1:-1]
    kind, _, name = source.rpartition(".")
    if kind == "method.request.path":
        return ctx.match.path_parameters.get(name)
    if kind == "method.request.querystring":
        pairs = [v for k, v in query_pairs(ctx.raw_query) if k == name]
        return pairs[-1] if pairs else None
    if kind == "method.request.header":
        return ctx.header(name)
    if kind == "stageVariables":
        return ctx.deployment.stage_variables.get(name)
    if kind == "context":
        return _context_value(ctx, name)
    if source == "method.request.body":
        return ctx.body.decode("utf-8", errors="replace")
    if source.startswith("method.request.body."):
        return read_body_field(ctx.body, source[len("method.request.body.") :])
    return None


def _context_value(ctx: InvocationContext, name: str) -> str | None:
    values = {
        "requestId": ctx.request_id,
        "extendedRequestId": ctx.extended_request_id,
        "stage": ctx.deployment.stage.name,
        "apiId": ctx.deployment.api.id,
        "httpMethod": ctx.method,
        "domainName": ctx.domain_name,
        "requestTime": ctx.request_time,
        "requestTimeEpoch": str(ctx.request_time_epoch),
    }
    return values.get(name)


def _http_api_value(ctx: InvocationContext, expression: str) -> str:
    """An HTTP API mapping value: variables substituted into the text, unknown ones left empty."""
    assert ctx.match is not None
    match = ctx.match
    queries = _query_values(ctx)

    def substitute(found: re.Match[str]) -> str:
        kind, name = found.group(1), found.group(2)
        value: str | None
        if kind == "request.path":
            value = match.path_parameters.get(name)
        elif kind == "request.header":
            value = ctx.header(name)
        elif kind == "request.querystring":
            value = queries.get(name)
        elif kind == "stageVariables":
            value = ctx.deployment.stage_variables.get(name)
        else:
            value = _context_value(ctx, name)
        return value or ""

    return HTTP_API_VARIABLE.sub(substitute, expression)


def _uri(template: str, stage_variables: Mapping[str, str], path_values: Mapping[str, str]) -> str:
    uri = STAGE_VARIABLE.sub(lambda m: stage_variables.get(m.group(1), ""), template)
    scheme, netloc, path, query, fragment = urlsplit(uri)
    path = URI_PARAMETER.sub(lambda m: path_values.get(m.group(1), ""), path)
    return urlunsplit((scheme, netloc, path, query, fragment))


def _join_query(uri: str, pairs: list[tuple[str, str]], raw: str = "") -> str:
    parts = [raw] if raw else []
    parts += [f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs]
    if not parts:
        return uri
    separator = "&" if "?" in uri else "?"
    return uri + separator + "&".join(parts)


def _proxy_headers(ctx: InvocationContext) -> list[tuple[str, str]]:
    """The client's headers for the backend; its HTTP client sets ``Host`` and ``Content-Length`` itself."""
    return [(k, v) for k, v in forwarded_headers(ctx) if k.lower() not in ("host", "content-length")]


def set_header(headers: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    """``headers`` with ``name`` (any case) replaced by one ``name: value``."""
    return [*((k, v) for k, v in headers if k.lower() != name.lower()), (name, value)]


def rest_backend_request(
    ctx: InvocationContext, *, proxy: bool, mapped: IntegrationRequest | None = None
) -> BackendRequest:
    """The backend request of a REST ``HTTP_PROXY`` (``proxy``) or ``HTTP`` integration; ``mapped`` is the
    non-proxy request after its template."""
    assert ctx.match is not None
    integration = ctx.match.integration
    path_values: dict[str, str] = dict(ctx.match.path_parameters)
    headers = _proxy_headers(ctx) if proxy else []
    added_query: dict[str, str] = {}
    for target, source in integration.request_parameters.items():
        kind, _, name = target.rpartition(".")
        value = _rest_source(ctx, source)
        if value is None:
            continue
        if kind == "integration.request.path":
            path_values[name] = value
        elif kind == "integration.request.querystring":
            added_query[name] = value
        elif kind == "integration.request.header":
            headers = set_header(headers, name, value)
    body = ctx.body
    if mapped is not None and not proxy:
        body = mapped.body
        if mapped.content_type and not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", mapped.content_type))
        override = request_override(mapped.templates)
        path_values.update(override.path)
        added_query.update(override.querystring)
        for name, value in override.header.items():
            headers = set_header(headers, name, value)
    uri = _uri(integration.uri, ctx.deployment.stage_variables, path_values)
    url = _join_query(uri, list(added_query.items()), ctx.raw_query if proxy else "")
    return BackendRequest(_method(ctx, integration.http_method), url, headers, body)


def http_api_backend_request(ctx: InvocationContext) -> BackendRequest:
    """The backend request of an HTTP API ``HTTP_PROXY`` integration."""
    assert ctx.match is not None
    integration = ctx.match.integration
    headers = _proxy_headers(ctx)
    query = query_pairs(ctx.raw_query)
    raw_query: str | None = ctx.raw_query
    path_override: str | None = None
    for target, expression in integration.request_parameters.items():
        action, _, where = target.partition(":")
        value = _http_api_value(ctx, expression)
        if where == "path" and action == "overwrite":
            path_override = value
            continue
        kind, _, name = where.partition(".")
        if kind == "header":
            if action in ("overwrite", "remove"):
                headers = [(k, v) for k, v in headers if k.lower() != name.lower()]
            if action in ("overwrite", "append"):
                headers.append((name, value))
        elif kind == "querystring":
            raw_query = None
            if action in ("overwrite", "remove"):
                query = [(k, v) for k, v in query if k != name]
            if action in ("overwrite", "append"):
                query.append((name, value))
    # Path parameters arrive decoded (HTTP APIs decode the path); re-escape what a URL path cannot hold [?].
    path_values = {k: quote(v, safe=PATH_SAFE) for k, v in ctx.match.path_parameters.items()}
    uri = _uri(integration.uri, ctx.deployment.stage_variables, path_values)
    if path_override is not None:
        scheme, netloc, _path, _query, fragment = urlsplit(uri)
        uri = urlunsplit((scheme, netloc, "/" + path_override.lstrip("/"), _query, fragment))
    url = _join_query(uri, [], raw_query) if raw_query is not None else _join_query(uri, query)
    return BackendRequest(_method(ctx, integration.http_method), url, headers, ctx.body)

"""Response parameter mapping for REST non-proxy integrations, and the status a MOCK integration's request picks
(pure).

``responseParameters`` map ``method.response.header.X`` from [D request-response-data-mappings.md]:

::

    'static value'                         the text between the quotes
    integration.response.header.Y          a backend header (any case)
    integration.response.multivalueheader.Y  all of its values, comma-joined
    integration.response.body              the whole integration response body
    integration.response.body.<JSONPath>   a field of it, "$." omitted (a.b[0]); objects and arrays as JSON [?]
    stageVariables.x / context.x.y         a stage variable, a $context value

A source that resolves to nothing leaves the header out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from nubis.gateway.mapping.jsonpath import read_body_field
from nubis.gateway.mapping.vtl_values import MISSING

__all__ = ["HEADER_PREFIX", "mock_status_code", "resolve_response_headers"]

HEADER_PREFIX = "method.response.header."
_BODY = "integration.response.body"
_STATUS_CODE = re.compile(r"""["']?statusCode["']?\s*:\s*["']?(\d{3})\b""")


def _body_value(body: bytes, path: str | None) -> str | None:
    if path is None:
        return body.decode("utf-8", errors="replace")
    return read_body_field(body, path)


def _context_value(context: Mapping[str, Any] | None, dotted: str) -> str | None:
    value: Any = context
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    if value is None or value is MISSING or isinstance(value, Mapping):
        return None
    return str(value)


def resolve_response_headers(
    parameters: Mapping[str, str],
    *,
    stage_variables: Mapping[str, str],
    integration_headers: Sequence[tuple[str, str]] = (),
    body: bytes = b"",
    context: Mapping[str, Any] | None = None,
) -> list[tuple[str, str]]:
    """Response headers from ``responseParameters`` (``{"method.response.header.X": "'v'"}``)."""
    headers: list[tuple[str, str]] = []
    for target, source in parameters.items():
        if not target.startswith(HEADER_PREFIX):
            continue
        name = target[len(HEADER_PREFIX) :]
        value: str | None = None
        if len(source) >= 2 and source.startswith("'") and source.endswith("'"):
            value = source[1:-1]
        elif source.startswith("stageVariables."):
            value = stage_variables.get(source[len("stageVariables.") :])
        elif source.startswith("context."):
            value = _context_value(context, source[len("context.") :])
        elif source.startswith("integration.response.header."):
            wanted = source[len("integration.response.header.") :].lower()
            value = next((v for k, v in integration_headers if k.lower() == wanted), None)
        elif source.startswith("integration.response.multivalueheader."):
            wanted = source[len("integration.response.multivalueheader.") :].lower()
            values = [v for k, v in integration_headers if k.lower() == wanted]
            value = ",".join(values) if values else None
        elif source == _BODY:
            value = _body_value(body, None)
        elif source.startswith(_BODY + "."):
            value = _body_value(body, source[len(_BODY) + 1 :])
        if value is not None:
            headers.append((name, value))
    return headers


def mock_status_code(rendered: bytes | None) -> int | None:
    """The status a MOCK integration's (rendered) request picks: ``{"statusCode": 200}``; 200 when the
    integration has no request template [?]; None when the body names no status (API Gateway's 500, "Unable to
    parse statusCode"). The unquoted form ``{statusCode: 200}`` that CDK generates for CORS is accepted, as AWS
    accepts it [V LS test_integration_mock_with_path_param]."""
    if rendered is None:
        return 200
    try:
        data = orjson.loads(rendered)
    except orjson.JSONDecodeError:
        found = _STATUS_CODE.search(rendered.decode("utf-8", errors="replace"))
        return int(found.group(1)) if found else None
    status = data.get("statusCode") if isinstance(data, dict) else None
    if isinstance(status, int) and not isinstance(status, bool):
        return status
    if isinstance(status, str) and status.isdigit():
        return int(status)  # as a number in quotes: accepted, as before VTL rendering [?]
    return None

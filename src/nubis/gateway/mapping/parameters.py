"""Response parameter mapping for REST integrations: ``method.response.header.X`` ← a static ``'value'``, a
``stageVariables.x`` or an ``integration.response.header.Y`` [D request-response-data-mappings.md].

This first version serves what framework-generated CORS methods need (static values); other sources resolve to
nothing and are left out. TODO(#6): ``integration.response.body`` JSONPath sources.
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson

HEADER_PREFIX = "method.response.header."


def resolve_response_headers(
    parameters: Mapping[str, str],
    *,
    stage_variables: Mapping[str, str],
    integration_headers: Mapping[str, str] | None = None,
) -> list[tuple[str, str]]:
    """Response headers from ``responseParameters`` (``{"method.response.header.X": "'v'"}``)."""
    headers: list[tuple[str, str]] = []
    lowered = {k.lower(): v for k, v in (integration_headers or {}).items()}
    for target, source in parameters.items():
        if not target.startswith(HEADER_PREFIX):
            continue
        name = target[len(HEADER_PREFIX) :]
        value: str | None = None
        if len(source) >= 2 and source.startswith("'") and source.endswith("'"):
            value = source[1:-1]
        elif source.startswith("stageVariables."):
            value = stage_variables.get(source[len("stageVariables.") :])
        elif source.startswith("integration.response.header."):
            value = lowered.get(source[len("integration.response.header.") :].lower())
        if value is not None:
            headers.append((name, value))
    return headers


def mock_status_code(template: str | None) -> int:
    """The status a MOCK integration's request template selects (``{"statusCode": 200}``); 200 without one.

    The template is read as JSON after dropping VTL lines, which covers the templates frameworks generate.
    """
    if not template:
        return 200
    text = "\n".join(line for line in template.splitlines() if not line.lstrip().startswith("#"))
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        return 500
    status = data.get("statusCode") if isinstance(data, dict) else None
    if isinstance(status, int) and not isinstance(status, bool):
        return status
    if isinstance(status, str) and status.isdigit():
        return int(status)
    return 500

"""Which template and which integration response apply to a REST non-proxy request (pure).

Request template [D request-response-data-mappings.md "Select a VTL mapping template",
integration-passthrough-behaviors.md]: keyed by the request's media type (``Content-Type`` without parameters,
``application/json`` when absent). No template for it: ``WHEN_NO_MATCH`` (the default) passes the body through,
``WHEN_NO_TEMPLATES`` passes it through only when the integration has no templates at all, ``NEVER`` refuses; a
refusal is 415 ``Unsupported Media Type``.

Integration response [D handle-errors-in-lambda-integration.md; V LS test_lambda_selection_patterns,
test_http_integration_status_code_selection]: the first response (in definition order) whose ``selectionPattern``
matches the selection value as a whole (a Java regex, ``String.matches``) wins, else the one without a pattern
(``default``); none → 500 (API_CONFIGURATION_ERROR). The selection value is a Lambda function error's
``errorMessage``, or the HTTP status for other integrations. A successful Lambda invocation has none and gets the
default response [? a pattern such as ``.*`` is not tried against it].

Response template [D same page]: keyed by the request's ``Accept`` media type, ``application/json`` when absent; no
match → the first template; no templates → the body passes through. An empty template also passes the body through
("set up an empty template ... to return the response payload unmapped" [D]).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from nubis.gateway.events.normalise import media_type
from nubis.gateway.responses import ApiConfigurationError, UnsupportedMediaType
from nubis.project.model import IntegrationResponse

__all__ = ["select_integration_response", "select_request_template", "select_response_template"]

DEFAULT_MEDIA_TYPE = "application/json"


def _by_media_type(templates: Mapping[str, str], kind: str) -> str | None:
    if kind in templates:
        return templates[kind]
    for key, template in templates.items():
        if media_type(key) == kind:
            return template
    return None


def select_request_template(
    templates: Mapping[str, str], passthrough_behavior: str | None, content_type: str | None
) -> str | None:
    """The request template to render, or None to pass the body through.

    Raises:
        UnsupportedMediaType: no template for the media type and the passthrough behaviour refuses it.
    """
    kind = media_type(content_type) or DEFAULT_MEDIA_TYPE
    template = _by_media_type(templates, kind)
    if template is not None:
        return template or None
    behavior = passthrough_behavior or "WHEN_NO_MATCH"
    if behavior == "NEVER" or (behavior == "WHEN_NO_TEMPLATES" and templates):
        raise UnsupportedMediaType()
    return None


def select_integration_response(
    responses: Sequence[IntegrationResponse], selection_value: str | None
) -> IntegrationResponse:
    """The integration response for a selection value (None: a successful Lambda invocation).

    Raises:
        ApiConfigurationError: none matches and there is no default.
    """
    default: IntegrationResponse | None = None
    for response in responses:
        pattern = response.selection_pattern
        if not pattern:
            default = default or response
        elif selection_value is not None and _matches(pattern, selection_value):
            return response
    if default is None:
        # "No match for output mapping and no default output mapping configured" (the execution log's words).
        raise ApiConfigurationError()
    return default


def _matches(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return False


def select_response_template(templates: Mapping[str, str], accept: str | None) -> str | None:
    """The response template to render, or None to pass the body through."""
    if not templates:
        return None
    kinds = [media_type(part) for part in (accept or "").split(",")]
    for kind in [k for k in kinds if k and k != "*/*"] or [DEFAULT_MEDIA_TYPE]:
        template = _by_media_type(templates, kind)
        if template is not None:
            return template or None
    return next(iter(templates.values())) or None

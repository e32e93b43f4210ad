"""``integration_response`` (REST non-proxy): the endpoint response becomes the method response.

In order [D api-gateway-integration-settings-integration-response.md; V LS snapshots cited in ``mapping/``]:

1. select the integration response by the selection value (``mapping/selection.py``; none → 500);
2. its ``responseParameters`` give the headers (backend headers never pass through on their own);
3. its response template for the request's ``Accept`` renders the body (none → the body passes through), with
   ``contentHandling`` ``CONVERT_TO_BINARY`` decoding base64 and ``CONVERT_TO_TEXT`` encoding a non-UTF-8 body;
4. ``$context.responseOverride`` (set by the request or the response template) replaces the status and headers;
5. ``Content-Type`` is ``application/json`` unless a header mapping or an override set it.
"""

from __future__ import annotations

import base64
import binascii
import logging

from nubis.gateway.context import HttpResponse, InvocationContext
from nubis.gateway.mapping.http_request import set_header
from nubis.gateway.mapping.parameters import resolve_response_headers
from nubis.gateway.mapping.selection import select_integration_response, select_response_template
from nubis.gateway.mapping.templates import render_template, response_override
from nubis.gateway.mapping.vtl import MappingTemplateError
from nubis.gateway.responses import ApiConfigurationError

logger = logging.getLogger(__name__)


def _convert(body: bytes, content_handling: str | None) -> bytes:
    if content_handling == "CONVERT_TO_BINARY":
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ApiConfigurationError() from exc
    if content_handling == "CONVERT_TO_TEXT":
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(body)
    return body


async def map_integration_response(ctx: InvocationContext) -> None:
    endpoint = ctx.endpoint_response
    request = ctx.integration_request
    if endpoint is None or request is None:
        return
    assert ctx.match is not None
    state = request.templates
    chosen = select_integration_response(ctx.match.integration.responses, endpoint.selection_value)
    headers = resolve_response_headers(
        chosen.response_parameters,
        stage_variables=ctx.deployment.stage_variables,
        integration_headers=endpoint.headers,
        body=endpoint.body,
        context=state.context,
    )
    body = endpoint.body
    text = select_response_template(chosen.response_templates, ctx.header("accept"))
    if text is not None:
        template = ctx.deployment.templates.get(text)
        if template is None:
            logger.error("request %s: a response template of %s does not parse", ctx.request_id, ctx.match.route_key)
            raise ApiConfigurationError()
        try:
            body = render_template(template, body.decode("utf-8", errors="replace"), state).encode()
        except MappingTemplateError as exc:
            logger.warning("request %s: the response template failed: %s", ctx.request_id, exc)
            raise ApiConfigurationError() from exc
    body = _convert(body, chosen.content_handling)
    status = int(chosen.status_code)
    override_status, override_headers = response_override(state)
    for name, value in override_headers:
        headers = set_header(headers, name, value)
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    ctx.response = HttpResponse(override_status or status, headers, body)

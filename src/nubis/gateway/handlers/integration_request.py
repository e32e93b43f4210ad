"""``integration_request`` (REST non-proxy: ``AWS``, ``HTTP``, ``MOCK``): the request template for the request's
media type is rendered (or the body passed through, or 415, by ``passthroughBehavior``), giving the body the
integration sends; proxy integrations skip this step (they never apply templates [D]).

The body a template reads (``$input.body``) is text. ``contentHandling`` converts first
[D api-gateway-payload-encodings-workflow.md]: a binary body (its ``Content-Type`` in ``binaryMediaTypes``) goes
through as is, or base64-encoded with ``CONVERT_TO_TEXT``; a text body goes through as is, or base64-decoded with
``CONVERT_TO_BINARY``. A template that fails is API Gateway's 500 ("Unable to transform request").
"""

from __future__ import annotations

import base64
import binascii
import logging

from nubis.gateway.context import IntegrationRequest, InvocationContext
from nubis.gateway.deployment import NON_PROXY
from nubis.gateway.events.normalise import matches_media_types, media_type
from nubis.gateway.mapping.selection import DEFAULT_MEDIA_TYPE, select_request_template
from nubis.gateway.mapping.templates import new_template_state, render_template
from nubis.gateway.mapping.vtl import MappingTemplateError
from nubis.gateway.responses import ApiConfigurationError
from nubis.project.model import ApiKind

logger = logging.getLogger(__name__)


def _convert(body: bytes, *, binary: bool, content_handling: str | None) -> bytes:
    if binary:
        return base64.b64encode(body) if content_handling == "CONVERT_TO_TEXT" else body
    if content_handling == "CONVERT_TO_BINARY":
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ApiConfigurationError() from exc
    return body


async def map_integration_request(ctx: InvocationContext) -> None:
    assert ctx.match is not None
    integration = ctx.match.integration
    if ctx.deployment.kind is not ApiKind.REST or integration.type not in NON_PROXY:
        return
    content_type = ctx.header("content-type")
    text = select_request_template(integration.request_templates, integration.passthrough_behavior, content_type)
    binary = matches_media_types(content_type, ctx.deployment.api.binary_media_types)
    body = _convert(ctx.body, binary=binary, content_handling=integration.content_handling)
    state = new_template_state(ctx)
    if text is None:
        ctx.integration_request = IntegrationRequest(body, state, rendered=False, content_type=content_type)
        return
    template = ctx.deployment.templates.get(text)
    if template is None:
        logger.error("request %s: the request template of %s does not parse", ctx.request_id, ctx.match.route_key)
        raise ApiConfigurationError()
    try:
        rendered = render_template(template, body.decode("utf-8", errors="replace"), state)
    except MappingTemplateError as exc:
        logger.warning("request %s: the request template failed: %s", ctx.request_id, exc)
        raise ApiConfigurationError() from exc
    ctx.integration_request = IntegrationRequest(
        rendered.encode(), state, rendered=True, content_type=media_type(content_type) or DEFAULT_MEDIA_TYPE
    )

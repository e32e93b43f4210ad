"""``gateway_errors``, the exception handler: a catalogued gateway response becomes AWS's body and
``x-amzn-ErrorType``; anything else is logged with its request id and becomes the API kind's generic 500.
"""

from __future__ import annotations

import logging

from nubis.gateway.context import HttpResponse, InvocationContext
from nubis.gateway.responses import ApiConfigurationError, GatewayResponseError, InternalServerError
from nubis.project.model import ApiKind

logger = logging.getLogger(__name__)


def render_gateway_error(ctx: InvocationContext, exc: Exception) -> None:
    http_api = ctx.deployment.kind is ApiKind.HTTP
    if not isinstance(exc, GatewayResponseError):
        logger.error("request %s failed", ctx.request_id, exc_info=exc)
        exc = InternalServerError() if http_api else ApiConfigurationError()
    headers = [("Content-Type", exc.content_type)]
    if exc.error_type is not None and not http_api:
        headers.append(("x-amzn-ErrorType", exc.error_type))
    ctx.response = HttpResponse(exc.status, headers, exc.body())

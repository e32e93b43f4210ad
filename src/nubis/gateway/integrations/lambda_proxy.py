"""Lambda proxy (``AWS_PROXY``): build the event, invoke through the ``Invoker`` within the integration timeout
(``invocation.py``), read the result."""

from __future__ import annotations

import logging

import orjson

from nubis.gateway.context import InvocationContext
from nubis.gateway.events.http_v2 import build_http_v2_event, parse_v2_result
from nubis.gateway.events.normalise import matches_media_types
from nubis.gateway.events.rest_v1 import build_rest_v1_event, parse_v1_result
from nubis.gateway.events.shapes import MalformedResultError
from nubis.gateway.integrations.invocation import invoke_within
from nubis.gateway.responses import (
    IntegrationFailure,
    IntegrationTimeout,
    InternalServerError,
    ServiceUnavailable,
)
from nubis.project.model import ApiKind

logger = logging.getLogger(__name__)


class LambdaProxyIntegration:
    async def invoke(self, ctx: InvocationContext) -> None:
        assert ctx.match is not None
        deployment = ctx.deployment
        integration = ctx.match.integration
        http_api = deployment.kind is ApiKind.HTTP
        version = (integration.payload_format_version or "2.0") if http_api else "1.0"
        failure = InternalServerError if http_api else IntegrationFailure
        function = deployment.function_for(integration)
        if function is None:
            raise failure()
        if version == "2.0":
            payload = orjson.dumps(build_http_v2_event(ctx))
        else:
            payload = orjson.dumps(build_rest_v1_event(ctx, http_api=http_api))
        timeout = deployment.api.integration_timeout_ms(integration) / 1000
        result = await invoke_within(ctx.invoker, function, payload, timeout, failure)
        if result is None:
            raise ServiceUnavailable() if http_api else IntegrationTimeout()
        if result.function_error is not None:
            # A function error (including its own timeout): REST 502, HTTP 500 [ISSUE serverless#8671; D].
            raise failure()
        try:
            if version == "2.0":
                ctx.response = parse_v2_result(result.payload)
            else:
                accept = (ctx.header("accept") or "").split(",", 1)[0]
                binary_ok = http_api or matches_media_types(accept, deployment.api.binary_media_types)
                ctx.response = parse_v1_result(result.payload, binary_ok=binary_ok)
        except MalformedResultError as exc:
            logger.warning("function %s returned a malformed result: %s", function, exc)
            raise failure() from exc
        if not http_api:
            # REST Lambda proxy responses carry the trace header the function was called with; MOCK ones do not
            # [V LS test_invocation_trace_id]. HTTP APIs add none (reference §2.5).
            response = ctx.response
            assert response is not None
            response.drop("x-amzn-trace-id")
            response.headers.append(("X-Amzn-Trace-Id", ctx.trace_id))

"""Lambda proxy (``AWS_PROXY``): build the event, invoke through the ``Invoker``, read the result.

The invocation is awaited on the event loop, never blocking it. The integration timeout (``timeoutInMillis``,
REST default 29 s, HTTP 30 s) is a wait, not a cancellation: as on AWS the function keeps running after the
client got its 504/503.
"""

from __future__ import annotations

import asyncio
import logging

import orjson

from nubis.gateway.context import InvocationContext, InvocationOutcome
from nubis.gateway.events.http_v2 import build_http_v2_event, parse_v2_result
from nubis.gateway.events.normalise import matches_media_types
from nubis.gateway.events.rest_v1 import build_rest_v1_event, parse_v1_result
from nubis.gateway.events.shapes import MalformedResultError
from nubis.gateway.responses import (
    IntegrationFailure,
    IntegrationTimeout,
    InternalServerError,
    ServiceUnavailable,
)
from nubis.project.model import ApiKind

logger = logging.getLogger(__name__)


def _consume(task: asyncio.Task[InvocationOutcome]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.warning("late invocation failed: %s", task.exception())


def _wake(waiter: asyncio.Future[None], _: object = None) -> None:
    if not waiter.done():
        waiter.set_result(None)


async def _finished_within(
    loop: asyncio.AbstractEventLoop, task: asyncio.Task[InvocationOutcome], seconds: float
) -> bool:
    """Wait for ``task`` at most ``seconds``, never cancelling it: ``asyncio.wait`` without its set bookkeeping
    (a third of its cost, on every proxied request)."""
    waiter: asyncio.Future[None] = loop.create_future()
    task.add_done_callback(lambda _: _wake(waiter))
    timer = loop.call_later(seconds, _wake, waiter)
    try:
        await waiter
    finally:
        timer.cancel()
    return task.done()


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
        loop = asyncio.get_running_loop()
        task = loop.create_task(ctx.invoker.invoke(function, payload))
        if not await _finished_within(loop, task, timeout):
            task.add_done_callback(_consume)
            raise ServiceUnavailable() if http_api else IntegrationTimeout()
        try:
            result = task.result()
        except Exception as exc:
            logger.warning("function %s could not be invoked: %s", function, exc)
            raise failure() from exc
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

"""Invoking a function within the integration timeout, for both Lambda integrations (proxy and non-proxy).

The invocation is awaited on the event loop, never blocking it. The integration timeout (``timeoutInMillis``,
REST default 29 s, HTTP 30 s) is a wait, not a cancellation: as on AWS the function keeps running after the
client got its 504/503.
"""

from __future__ import annotations

import asyncio
import logging

from nubis.functions.invoker import MAX_SYNC_PAYLOAD
from nubis.gateway.context import InvocationOutcome, Invoker
from nubis.gateway.responses import GatewayResponseError, LambdaRequestTooLong

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


async def invoke_within(
    invoker: Invoker, function: str, payload: bytes, seconds: float, failure: type[GatewayResponseError]
) -> InvocationOutcome | None:
    """The invocation's outcome, or None when it did not finish within ``seconds`` (it keeps running).

    Raises:
        LambdaRequestTooLong: the event is over Lambda's synchronous payload limit (nothing is invoked).
        failure: the function could not be invoked (the invoker raised; logged here).
    """
    if len(payload) > MAX_SYNC_PAYLOAD:
        raise LambdaRequestTooLong()
    loop = asyncio.get_running_loop()
    task = loop.create_task(invoker.invoke(function, payload))
    try:
        finished = await _finished_within(loop, task, seconds)
    finally:
        if not task.done():  # timed out, or the request itself was cancelled: the invocation runs on alone
            task.add_done_callback(_consume)
    if not finished:
        return None
    try:
        return task.result()
    except Exception as exc:
        logger.warning("function %s could not be invoked: %s", function, exc)
        raise failure() from exc

"""The handler chain: request handlers in order until one sets a response, then response handlers; an exception
goes to the exception handler, which renders it, and the response handlers still run (LocalStack's chain).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from nubis.gateway.context import HttpResponse, InvocationContext

logger = logging.getLogger(__name__)

Handler = Callable[[InvocationContext], Awaitable[None]]
"""A request or response step: reads and sets fields of the context."""
ExceptionHandler = Callable[[InvocationContext, Exception], None]


@dataclass(frozen=True, slots=True)
class HandlerChain:
    request: Sequence[Handler]
    exception: ExceptionHandler
    response: Sequence[Handler]

    async def run(self, ctx: InvocationContext) -> HttpResponse:
        try:
            for handler in self.request:
                await handler(ctx)
                if ctx.response is not None:
                    break
        except Exception as exc:
            self.exception(ctx, exc)
        if ctx.response is None:
            ctx.response = HttpResponse(500, [], b"")
        for handler in self.response:
            try:
                await handler(ctx)
            except Exception:
                logger.exception("response handler %s failed (request %s)", handler, ctx.request_id)
        return ctx.response

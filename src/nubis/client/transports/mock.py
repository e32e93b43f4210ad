"""``MockTransport``: a transport from a plain function, for tests of everything above the seam.

The handler gets each ``OperationRequest`` and returns a response body or raises a ``ClientError`` (build one
with ``error_from_body`` to mimic any DynamoDB answer). The same object serves ``Client`` and ``AsyncClient``;
an async handler may return an awaitable, which the async side awaits. Every request is kept in ``requests``,
in order, so tests can assert what was sent.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, cast

from nubis.client.types import OperationRequest, Response

__all__ = ["MockTransport"]

Handler = Callable[[OperationRequest], Response | Awaitable[Response]]


class MockTransport:
    """A ``Transport`` and ``AsyncTransport`` that calls ``handler``."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[OperationRequest] = []

    def handle_request(self, request: OperationRequest) -> Response:
        self.requests.append(request)
        result = self.handler(request)
        if inspect.isawaitable(result):
            raise TypeError("an async handler needs AsyncClient")
        return result

    async def handle_async_request(self, request: OperationRequest) -> Response:
        self.requests.append(request)
        result: Any = self.handler(request)
        if inspect.isawaitable(result):
            result = await result
        return cast(Response, result)

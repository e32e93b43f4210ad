"""``InProcessTransport``: calls a ``nubis.tables`` engine directly, with no HTTP and no JSON.

The only module of ``nubis.client`` that touches ``nubis.tables``, and only when a transport is built, so importing
the client stays light and works where the engine is not wanted (against AWS). The engine is typed by the
``EngineLike`` protocol rather than imported.

What the HTTP path does around the engine is done here too, so both transports behave alike:

1. ``wire.validate`` checks the request's shape (the engine assumes it was checked, as over HTTP).
2. ``Engine.execute`` (sync) or ``Engine.execute_async`` (async: writes await the storage future, long reads run
   on the engine's reader pool) runs the operation.
3. A catalogue error is rendered into the body the wire would send (``__type``, ``message`` when non-empty, its
   extra fields) and mapped by ``errors.error_from_body``: the same class and fields as over HTTP, raised
   ``from`` the engine's exception. Anything else is AWS's generic ``InternalServerError``, logged with its
   traceback (as ``wire.errors`` does).

Responses are the engine's own objects (fresh per call), not copies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from nubis.client.errors import ClientError, error_from_body
from nubis.client.types import OperationRequest, Response

__all__ = ["EngineLike", "InProcessTransport"]

logger = logging.getLogger(__name__)


class EngineLike(Protocol):
    """What the transport needs of ``nubis.tables.engine.Engine``."""

    def execute(self, operation: str, region: str, request: dict[str, Any], /) -> dict[str, Any]: ...

    async def execute_async(self, operation: str, region: str, request: dict[str, Any], /) -> dict[str, Any]: ...


class InProcessTransport:
    """A ``Transport`` and ``AsyncTransport`` over an engine in this process.

    Args:
        engine: the engine; the caller keeps owning it (see ``open`` for one the transport owns).
        validate: check request shapes as the HTTP front end does (turn off only to measure the engine alone).
    """

    def __init__(self, engine: EngineLike, *, validate: bool = True) -> None:
        from nubis.tables.errors import DynamoDBError
        from nubis.tables.wire.validate import validate_request

        self.engine = engine
        self._catalogue_error = DynamoDBError
        self._validate: Callable[[str, Any], None] | None = validate_request if validate else None
        self._close: Callable[[], None] | None = None

    @classmethod
    def open(cls, storage_url: str = "memory:") -> InProcessTransport:
        """A transport over a new engine on ``storage_url`` (``memory:``, ``sqlite:path``); ``close`` closes it."""
        from nubis.tables.engine.engine import Engine
        from nubis.tables.open import open_storage

        engine = Engine(open_storage(storage_url))
        transport = cls(engine)
        transport._close = engine.close
        return transport

    def close(self) -> None:
        """Close the engine if ``open`` made it; an engine passed in is its owner's to close."""
        if self._close is not None:
            close, self._close = self._close, None
            close()

    def handle_request(self, request: OperationRequest) -> Response:
        try:
            if self._validate is not None:
                self._validate(request.operation, request.body)
            return self.engine.execute(request.operation, request.region, request.body)
        except Exception as exc:
            raise self._map(exc, request) from exc

    async def handle_async_request(self, request: OperationRequest) -> Response:
        try:
            if self._validate is not None:
                self._validate(request.operation, request.body)
            return await self.engine.execute_async(request.operation, request.region, request.body)
        except Exception as exc:
            raise self._map(exc, request) from exc

    def _map(self, exc: Exception, request: OperationRequest) -> ClientError:
        if isinstance(exc, self._catalogue_error):
            body: dict[str, Any] = {"__type": exc.type_name}
            if exc.message:
                body["message"] = exc.message
            body.update(exc.extra_fields())
            return error_from_body(exc.status, body)
        logger.error("internal error in %s (in-process)", request.operation, exc_info=exc)
        return error_from_body(
            500, {"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": "Internal server error"}
        )

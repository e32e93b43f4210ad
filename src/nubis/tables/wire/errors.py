"""Renders catalogue errors as DynamoDB's JSON error bodies; anything else becomes InternalServerError.

The one place where an exception becomes ``(status, body)`` for the DynamoDB protocol. Unexpected exceptions are
logged with their traceback and the request id, and the client sees AWS's generic 500 body.
"""

from __future__ import annotations

import logging
from typing import Any

from nubis.tables.errors import DynamoDBError, InternalServerError

logger = logging.getLogger(__name__)


def error_body(exc: DynamoDBError) -> dict[str, Any]:
    body: dict[str, Any] = {"__type": exc.type_name}
    if exc.message:
        body["message"] = exc.message
    body.update(exc.extra_fields())
    return body


def render_exception(exc: BaseException, request_id: str, operation: str) -> tuple[int, dict[str, Any]]:
    if isinstance(exc, DynamoDBError):
        return exc.status, error_body(exc)
    logger.error("internal error in %s (request %s)", operation, request_id, exc_info=exc)
    internal = InternalServerError()
    return internal.status, error_body(internal)

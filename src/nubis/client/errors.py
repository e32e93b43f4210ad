"""The errors the client raises: DynamoDB's error responses as one class per AWS ``__type``, plus our own.

    Exception
    ├── ClientError                               DynamoDB answered with an error (``.code``, ``.message``,
    │   │                                         ``.response``, ``.status``); unknown codes stay ``ClientError``
    │   ├── ValidationException
    │   ├── SerializationException
    │   ├── UnknownOperationException
    │   ├── MissingAuthenticationTokenException / IncompleteSignatureException / InvalidSignatureException
    │   ├── UnrecognizedClientException / AccessDeniedException
    │   ├── ConditionalCheckFailedException       ``.item`` (with ReturnValuesOnConditionCheckFailure=ALL_OLD)
    │   ├── TransactionCanceledException          ``.reasons`` (one ``{Code, Message?, Item?}`` per action)
    │   ├── TransactionConflictException / TransactionInProgressException
    │   ├── IdempotentParameterMismatchException / DuplicateItemException
    │   ├── ResourceNotFoundException / ResourceInUseException / LimitExceededException
    │   ├── ItemCollectionSizeLimitExceededException
    │   ├── ProvisionedThroughputExceededException / ThrottlingException / RequestLimitExceeded
    │   ├── InternalServerError / ServiceUnavailable
    ├── TransportError                            no DynamoDB answer: connection failure, timeout, bad CRC32
    ├── UnprocessedItemsError                     ``batch_*_all`` retried unprocessed items and gave up
    └── WaiterError                               ``wait_table_*`` polled and gave up

AWS's own names are kept for AWS's errors (as boto3's ``client.exceptions`` does), so code written against boto3
catches the same names. Both transports build these through ``error_from_body``: the HTTP transport from the JSON
error body, the in-process one from the engine's catalogue error rendered the way the wire renders it. So the two
raise the same class with the same fields, which is what lets the models library ignore the transport.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "AccessDeniedException",
    "ClientError",
    "ConditionalCheckFailedException",
    "DuplicateItemException",
    "IdempotentParameterMismatchException",
    "IncompleteSignatureException",
    "InternalServerError",
    "InvalidSignatureException",
    "ItemCollectionSizeLimitExceededException",
    "LimitExceededException",
    "MissingAuthenticationTokenException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "ResourceInUseException",
    "ResourceNotFoundException",
    "SerializationException",
    "ServiceUnavailable",
    "ThrottlingException",
    "TransactionCanceledException",
    "TransactionConflictException",
    "TransactionInProgressException",
    "TransportError",
    "UnknownOperationException",
    "UnprocessedItemsError",
    "UnrecognizedClientException",
    "ValidationException",
    "WaiterError",
    "error_from_body",
]


class ClientError(Exception):
    """DynamoDB answered with an error.

    Attributes:
        code: the short ``__type`` (the part after ``#``), e.g. ``"ConditionalCheckFailedException"``.
        message: AWS's message (``message`` or ``Message`` in the body; ``""`` when absent).
        response: the whole decoded error body, ``__type`` included, so fields this class does not name
            (``Item``, ``CancellationReasons``...) stay reachable.
        status: the HTTP status (the catalogue's status for the in-process transport).
    """

    def __init__(self, code: str, message: str, response: dict[str, Any], *, status: int = 400) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message
        self.response = response
        self.status = status


class ValidationException(ClientError):
    """The request breaks a rule of the API or of the table (shape, expression, key schema)."""


class SerializationException(ClientError):
    """The body was not the JSON DynamoDB expects."""


class UnknownOperationException(ClientError):
    """The target names no operation this endpoint serves."""


class MissingAuthenticationTokenException(ClientError):
    """The request carried no SigV4 signature."""


class IncompleteSignatureException(ClientError):
    """The signature lacked a part."""


class InvalidSignatureException(ClientError):
    """The signature did not verify."""


class UnrecognizedClientException(ClientError):
    """AWS does not know the access key."""


class AccessDeniedException(ClientError):
    """IAM refused the call."""


class ConditionalCheckFailedException(ClientError):
    """A ConditionExpression was false; ``item`` is the current item when the request asked for it."""

    def __init__(self, code: str, message: str, response: dict[str, Any], *, status: int = 400) -> None:
        super().__init__(code, message, response, status=status)
        self.item: dict[str, Any] | None = response.get("Item")


class TransactionCanceledException(ClientError):
    """A transaction was cancelled; ``reasons`` has one ``{"Code", "Message"?, "Item"?}`` per action, in order.

    ``Code`` is ``"None"`` for the actions that were fine, so the failing action is found by position.
    """

    def __init__(self, code: str, message: str, response: dict[str, Any], *, status: int = 400) -> None:
        super().__init__(code, message, response, status=status)
        self.reasons: list[dict[str, Any]] = list(response.get("CancellationReasons") or [])


class TransactionConflictException(ClientError):
    """Another transaction holds one of the items."""


class TransactionInProgressException(ClientError):
    """A transaction with the same client token is still running."""


class IdempotentParameterMismatchException(ClientError):
    """A client token was reused with a different request."""


class DuplicateItemException(ClientError):
    """A PartiQL INSERT found the item already there."""


class ResourceNotFoundException(ClientError):
    """The table or index does not exist (or is not ACTIVE yet)."""


class ResourceInUseException(ClientError):
    """The table exists already, or is being created, updated or deleted."""


class LimitExceededException(ClientError):
    """Too many concurrent control-plane operations, or too many tables."""


class ItemCollectionSizeLimitExceededException(ClientError):
    """An item collection of a table with local indexes passed 10 GB."""


class ProvisionedThroughputExceededException(ClientError):
    """Throttled by the table's capacity; the client retries it."""


class ThrottlingException(ClientError):
    """Throttled by the control plane; the client retries it."""


class RequestLimitExceeded(ClientError):
    """Throttled by the account's limit; the client retries it."""


class InternalServerError(ClientError):
    """DynamoDB failed; the client retries it."""


class ServiceUnavailable(ClientError):
    """DynamoDB was unavailable (503); the client retries it."""


class TransportError(Exception):
    """The request got no usable answer (connection refused or reset, timeout, CRC32 mismatch).

    Not a ``ClientError``: there is no AWS code. The client retries it, as botocore does, because DynamoDB's
    writes are safe to repeat (conditions decide, and transactions carry an idempotency token).
    """


class UnprocessedItemsError(Exception):
    """``batch_write_all`` or ``batch_get_all`` still had unprocessed requests after its last retry.

    Attributes:
        unprocessed: what was never processed, in the wire shape of ``UnprocessedItems`` or ``UnprocessedKeys``.
    """

    def __init__(self, message: str, unprocessed: dict[str, Any]) -> None:
        super().__init__(message)
        self.unprocessed = unprocessed


class WaiterError(Exception):
    """A ``wait_table_*`` helper polled its maximum number of times without seeing the state it waits for."""


_CLASSES: dict[str, type[ClientError]] = {
    cls.__name__: cls
    for cls in (
        ValidationException,
        SerializationException,
        UnknownOperationException,
        MissingAuthenticationTokenException,
        IncompleteSignatureException,
        InvalidSignatureException,
        UnrecognizedClientException,
        AccessDeniedException,
        ConditionalCheckFailedException,
        TransactionCanceledException,
        TransactionConflictException,
        TransactionInProgressException,
        IdempotentParameterMismatchException,
        DuplicateItemException,
        ResourceNotFoundException,
        ResourceInUseException,
        LimitExceededException,
        ItemCollectionSizeLimitExceededException,
        ProvisionedThroughputExceededException,
        ThrottlingException,
        RequestLimitExceeded,
        InternalServerError,
        ServiceUnavailable,
    )
}

_XML_CODE = re.compile(rb"^\s*<(\w+)\s*/?>")


def error_from_body(status: int, body: dict[str, Any]) -> ClientError:
    """The exception for a decoded DynamoDB error body.

    ``__type`` is cut after its last ``#`` (``com.amazonaws.dynamodb.v20120810#ResourceNotFoundException`` →
    ``ResourceNotFoundException``), as botocore does; the message is ``message`` or ``Message`` (DynamoDB uses
    both spellings). A body without ``__type`` is named from its status: ``InternalServerError`` for 500,
    ``ServiceUnavailable`` for 503, otherwise ``"HTTP <status>"`` as a plain ``ClientError``.

    Args:
        status: the HTTP status of the answer.
        body: the decoded JSON error body (``{}`` when it was not JSON).

    Returns:
        The most specific ``ClientError`` subclass for the code.
    """
    raw_type = body.get("__type")
    if isinstance(raw_type, str) and raw_type:
        code = raw_type.rpartition("#")[2]
    elif status == 503:
        code = "ServiceUnavailable"
    elif status >= 500:
        code = "InternalServerError"
    else:
        code = f"HTTP {status}"
    message = body.get("message", body.get("Message", ""))
    cls = _CLASSES.get(code, ClientError)
    return cls(code, message if isinstance(message, str) else str(message), body, status=status)


def error_from_text(status: int, content: bytes) -> ClientError:
    """The exception for a non-JSON error body, such as DynamoDB's ``<UnknownOperationException/>`` (404)."""
    match = _XML_CODE.match(content)
    body: dict[str, Any] = {"__type": match.group(1).decode("ascii")} if match else {}
    return error_from_body(status, body)

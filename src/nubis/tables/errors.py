"""The catalogue of DynamoDB errors: one class per AWS ``__type``, rendered only by ``wire.errors``.

    DynamoDBError
    ├── ValidationException                      400 com.amazon.coral.validate#
    ├── SerializationException                   400 com.amazon.coral.service#
    ├── UnknownOperationException                400 com.amazon.coral.service#
    ├── MissingAuthenticationTokenException      400 com.amazon.coral.service#
    ├── IncompleteSignatureException             400 com.amazon.coral.service#
    ├── InvalidSignatureException                400 com.amazon.coral.service#
    ├── UnrecognizedClientException              400 com.amazon.coral.service#
    ├── ConditionalCheckFailedException          400 (carries the item when asked)
    ├── ResourceNotFoundException                400
    ├── ResourceInUseException                   400
    ├── LimitExceededException                   400
    ├── ItemCollectionSizeLimitExceededException 400
    ├── TransactionCanceledException             400 (carries cancellation reasons)
    ├── TransactionConflictException             400
    ├── TransactionInProgressException           400
    ├── IdempotentParameterMismatchException     400
    ├── DuplicateItemException                   400
    ├── ProvisionedThroughputExceededException   400
    ├── RequestLimitExceeded                     400
    └── InternalServerError                      500

The ``__type`` prefixes are what DynamoDB sends ([V] botocore strips everything up to ``#``; the prefixes are the
ones DynamoDB and DynamoDB Local put on the wire).
"""

from __future__ import annotations

from typing import Any, ClassVar

DYNAMODB = "com.amazonaws.dynamodb.v20120810#"
CORAL_VALIDATE = "com.amazon.coral.validate#"
CORAL_SERVICE = "com.amazon.coral.service#"


class DynamoDBError(Exception):
    """An error DynamoDB itself would return; ``wire.errors`` turns it into ``{"__type", "message"}``."""

    prefix: ClassVar[str] = DYNAMODB
    status: ClassVar[int] = 400
    default_message: ClassVar[str] = ""

    def __init__(self, message: str | None = None) -> None:
        self.message = self.default_message if message is None else message
        super().__init__(self.message)

    @property
    def type_name(self) -> str:
        return self.prefix + type(self).__name__

    def extra_fields(self) -> dict[str, Any]:
        """Fields the wire body carries besides ``__type`` and ``message``."""
        return {}


class ValidationException(DynamoDBError):
    prefix = CORAL_VALIDATE


class SerializationException(DynamoDBError):
    prefix = CORAL_SERVICE


class UnknownOperationException(DynamoDBError):
    prefix = CORAL_SERVICE
    default_message = ""


class MissingAuthenticationTokenException(DynamoDBError):
    prefix = CORAL_SERVICE
    status = 400
    default_message = "Request is missing Authentication Token"


class IncompleteSignatureException(DynamoDBError):
    prefix = CORAL_SERVICE


class InvalidSignatureException(DynamoDBError):
    prefix = CORAL_SERVICE


class UnrecognizedClientException(DynamoDBError):
    """An unknown access key, or a session token that does not belong to the key."""

    prefix = CORAL_SERVICE
    default_message = "The security token included in the request is invalid."


class ConditionalCheckFailedException(DynamoDBError):
    default_message = "The conditional request failed"

    def __init__(self, message: str | None = None, item: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.item = item

    def extra_fields(self) -> dict[str, Any]:
        return {} if self.item is None else {"Item": self.item}


class ResourceNotFoundException(DynamoDBError):
    default_message = "Requested resource not found"


class ResourceInUseException(DynamoDBError):
    pass


class LimitExceededException(DynamoDBError):
    pass


class ItemCollectionSizeLimitExceededException(DynamoDBError):
    default_message = "Item collection size limit exceeded"


class CancellationReason:
    """One entry of ``CancellationReasons``: ``Code`` ``None`` means that action was fine."""

    __slots__ = ("code", "item", "message")

    def __init__(self, code: str = "None", message: str | None = None, item: dict[str, Any] | None = None) -> None:
        self.code = code
        self.message = message
        self.item = item

    def to_wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {"Code": self.code}
        if self.message is not None:
            out["Message"] = self.message
        if self.item is not None:
            out["Item"] = self.item
        return out


class TransactionCanceledException(DynamoDBError):
    def __init__(self, reasons: list[CancellationReason]) -> None:
        codes = ", ".join(r.code for r in reasons)
        super().__init__(f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]")
        self.reasons = reasons

    def extra_fields(self) -> dict[str, Any]:
        return {"CancellationReasons": [r.to_wire() for r in self.reasons]}


class TransactionConflictException(DynamoDBError):
    default_message = "Transaction is ongoing for the item"


class TransactionInProgressException(DynamoDBError):
    default_message = "Transaction is ongoing for the item"


class IdempotentParameterMismatchException(DynamoDBError):
    default_message = "Request parameters do not match the previous request with the same client token"


class DuplicateItemException(DynamoDBError):
    default_message = "Duplicate primary key exists in table"


class ProvisionedThroughputExceededException(DynamoDBError):
    default_message = "The level of configured provisioned throughput for the table was exceeded"


class RequestLimitExceeded(DynamoDBError):
    default_message = "Throughput exceeds the current throughput limit for your account"


class InternalServerError(DynamoDBError):
    status = 500
    default_message = "Internal server error"


def invalid_parameters(detail: str) -> ValidationException:
    """AWS's most common wording for a request that names things the table does not allow."""
    return ValidationException(f"One or more parameter values were invalid: {detail}")


def invalid_parameter_values(detail: str) -> ValidationException:
    """The other wording AWS uses (key attribute checks): "values are not valid" rather than "were invalid"."""
    return ValidationException(f"One or more parameter values are not valid. {detail}")

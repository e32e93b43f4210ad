"""``nubis.client``: a low-level DynamoDB client, one interface over the in-process engine and HTTP (SigV4).

``Client`` and ``AsyncClient`` take and return DynamoDB's wire shapes, as boto3's low-level client does, and add
what every caller otherwise rewrites: retries with backoff, pagination, batch chunking with unprocessed-item
retries, and table waiters. The HTTP transports (``HttpTransport``, ``AsyncHttpTransport``) are loaded on first
use, so importing the client does not import httpx or botocore.
"""

from typing import TYPE_CHECKING, Any

from nubis.client._flows import Retry
from nubis.client.async_client import AsyncClient
from nubis.client.client import Client
from nubis.client.errors import (
    AccessDeniedException,
    ClientError,
    ConditionalCheckFailedException,
    DuplicateItemException,
    IdempotentParameterMismatchException,
    IncompleteSignatureException,
    InternalServerError,
    InvalidSignatureException,
    ItemCollectionSizeLimitExceededException,
    LimitExceededException,
    MissingAuthenticationTokenException,
    ProvisionedThroughputExceededException,
    RequestLimitExceeded,
    ResourceInUseException,
    ResourceNotFoundException,
    SerializationException,
    ServiceUnavailable,
    ThrottlingException,
    TransactionCanceledException,
    TransactionConflictException,
    TransactionInProgressException,
    TransportError,
    UnknownOperationException,
    UnprocessedItemsError,
    UnrecognizedClientException,
    ValidationException,
    WaiterError,
)
from nubis.client.transports.base import AsyncTransport, Transport
from nubis.client.transports.inprocess import InProcessTransport
from nubis.client.transports.mock import MockTransport
from nubis.client.types import OperationRequest

if TYPE_CHECKING:
    from nubis.client.transports.http import AsyncHttpTransport, HttpTransport

__all__ = [
    "AccessDeniedException",
    "AsyncClient",
    "AsyncHttpTransport",
    "AsyncTransport",
    "Client",
    "ClientError",
    "ConditionalCheckFailedException",
    "DuplicateItemException",
    "HttpTransport",
    "IdempotentParameterMismatchException",
    "InProcessTransport",
    "IncompleteSignatureException",
    "InternalServerError",
    "InvalidSignatureException",
    "ItemCollectionSizeLimitExceededException",
    "LimitExceededException",
    "MissingAuthenticationTokenException",
    "MockTransport",
    "OperationRequest",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "ResourceInUseException",
    "ResourceNotFoundException",
    "Retry",
    "SerializationException",
    "ServiceUnavailable",
    "ThrottlingException",
    "TransactionCanceledException",
    "TransactionConflictException",
    "TransactionInProgressException",
    "Transport",
    "TransportError",
    "UnknownOperationException",
    "UnprocessedItemsError",
    "UnrecognizedClientException",
    "ValidationException",
    "WaiterError",
]

_LAZY = {"HttpTransport", "AsyncHttpTransport"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from nubis.client.transports import http

        return getattr(http, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

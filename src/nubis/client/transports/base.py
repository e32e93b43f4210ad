"""The transport seam: ``Transport`` and ``AsyncTransport``, one method each (httpx's ``handle_request`` split).

A transport turns an ``OperationRequest`` into the decoded response body, or raises a ``ClientError`` (DynamoDB
answered with an error) or a ``TransportError`` (no usable answer). Retries, pagination, batching and waiting
live above the seam, in ``_flows``, so every transport gets them and none re-implements them. Closing is not
part of the seam: whoever builds a transport owns it (the ``Client.http`` factory hands it to the client).
"""

from __future__ import annotations

from typing import Protocol

from nubis.client.types import OperationRequest, Response

__all__ = ["AsyncTransport", "Transport"]


class Transport(Protocol):
    """Sends one operation, blocking."""

    def handle_request(self, request: OperationRequest) -> Response:
        """Send ``request`` and return the decoded response.

        Raises:
            ClientError: DynamoDB answered with an error (the subclass named by its ``__type``).
            TransportError: no usable answer arrived.
        """
        ...


class AsyncTransport(Protocol):
    """Sends one operation on the running event loop."""

    async def handle_async_request(self, request: OperationRequest) -> Response:
        """Send ``request`` and return the decoded response; raises as ``Transport.handle_request`` does."""
        ...

"""Transports: the seam under the client. One method each; the client never asks which one it has."""

from nubis.client.transports.base import AsyncTransport, Transport
from nubis.client.transports.inprocess import InProcessTransport
from nubis.client.transports.mock import MockTransport

__all__ = ["AsyncTransport", "InProcessTransport", "MockTransport", "Transport"]

"""The HTTP listener: uvicorn's httptools protocol, with each response leaving in one ``send`` system call.

uvicorn writes a response's head and its body with two ``transport.write`` calls, and uvloop sends each at once:
two system calls per response, and on loopback two segments, each waking the client (wrk, an SDK) to read half
an answer. Every Nubis response is small and whole (DynamoDB, Lambda and gateway answers are built before the
first byte is sent), so the protocol below holds writes until the response is complete, or until the end of
the loop iteration for anything streamed, and sends them together. At 5-10 k requests/s that is a measurable
share of a core (``bench/gateway.py``, ``bench/tables.sh``).

Everything else is uvicorn's: parsing, keep-alive, flow control, WebSocket upgrades (the upgraded protocol gets
the plain transport).
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class _BatchingTransport:
    """A transport whose writes wait until ``flush`` (called at response end, close, or the next loop turn)."""

    __slots__ = ("_loop", "_pending", "_scheduled", "transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._scheduled = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        self._pending.append(bytes(data))
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self.flush)

    def writelines(self, chunks: Any) -> None:
        for chunk in chunks:
            self.write(chunk)

    def flush(self) -> None:
        self._scheduled = False
        pending = self._pending
        if not pending:
            return
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        pending.clear()
        if not self.transport.is_closing():
            self.transport.write(data)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def write_eof(self) -> None:
        self.flush()
        self.transport.write_eof()

    def get_write_buffer_size(self) -> int:
        return self.transport.get_write_buffer_size() + sum(map(len, self._pending))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


class NubisHttpProtocol(HttpToolsProtocol):
    """uvicorn's ``--http httptools`` protocol with one system call per response (see the module docstring)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        # uvloop's transports do not subclass asyncio.Transport: only the interface is relied on.
        super().connection_made(cast(asyncio.Transport, _BatchingTransport(transport, self.loop)))

    def handle_websocket_upgrade(self) -> None:
        # The WebSocket protocol gets the plain transport: its frames need no batching here.
        batching = self.transport
        if isinstance(batching, _BatchingTransport):
            batching.flush()
            self.transport = batching.transport
        super().handle_websocket_upgrade()

    def on_response_complete(self) -> None:
        batching = self.transport
        if isinstance(batching, _BatchingTransport):
            batching.flush()
        super().on_response_complete()

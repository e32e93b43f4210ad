"""The HTTP listener: uvicorn's httptools protocol, with each response leaving in one ``send`` system call.

uvicorn writes a response's head and its body with two ``transport.write`` calls, and uvloop sends each at once:
two system calls per response, and on loopback two segments, each waking the client (wrk, an SDK) to read half
an answer. Every Nubis response is small and whole (DynamoDB, Lambda and gateway answers are built before the
first byte is sent), so the protocol below holds writes until the response is complete, or until the end of
the loop iteration for anything streamed, and sends them together. At 5-10 k requests/s that is a measurable
share of a core (``bench/gateway.py``, ``bench/tables.sh``).

A request the app can answer whole, without ASGI, skips it: the app's ``direct_handler(scope)`` names a
``DirectHandler`` for it (the table service for a POST with a DynamoDB target, the gateway for an API route), and
the protocol reads the body, awaits ``answer(scope, body)`` and writes the response itself. ASGI's per-request
objects (a cycle, an event, the receive/send messages, header checks for a response the app built) cost about
30 µs of a DynamoDB request's 80 ([bench] ``bench/tables.sh``, GetItem at C=32). Only plain requests qualify: no
body or a ``Content-Length`` within the handler's ``max_body``, no ``Expect``, no upgrade; anything else takes the
ASGI path, which has the full rules (413, 100-continue, chunked bodies). A direct request keeps its place in
uvicorn's pipeline, so pipelined responses leave in order whichever path each took.

The scope also carries the header names as the client sent them (``nubis.header_names``): ASGI lowercases them,
and API Gateway's REST events keep their casing.

Everything else is uvicorn's: parsing, keep-alive, flow control, WebSocket upgrades (the upgraded protocol gets
the plain transport).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, Protocol, cast
from urllib.parse import unquote

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

logger = logging.getLogger(__name__)

Headers = list[tuple[bytes, bytes]]


class DirectHandler(Protocol):
    """What answers a request without ASGI: whole, from its scope (method, path, headers, query, client) and body.

    The app names it: ``app.direct_handler(scope) -> DirectHandler | None``.
    """

    max_body: int

    async def answer(self, scope: dict[str, Any], body: bytes) -> tuple[int, Headers, bytes]: ...


class _DirectCycle:
    """One direct request, in the shape uvicorn's protocol expects of its current cycle and pipeline entries."""

    __slots__ = (
        "body",
        "disconnected",
        "handler",
        "keep_alive",
        "more_body",
        "on_response",
        "protocol",
        "response_complete",
        "scope",
        "waiter",
    )

    def __init__(
        self, protocol: NubisHttpProtocol, handler: DirectHandler, scope: dict[str, Any], keep_alive: bool
    ) -> None:
        self.protocol = protocol
        self.handler = handler
        self.scope = scope
        self.keep_alive = keep_alive
        self.body: list[bytes] = []
        self.more_body = True
        self.disconnected = False
        self.response_complete = False
        self.waiter: asyncio.Future[None] | None = None
        self.on_response = protocol.on_response_complete

    @property
    def message_event(self) -> _DirectCycle:
        """uvicorn sets its cycle's ``message_event`` when the connection drops: ``set`` below stands in."""
        return self

    def set(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def run_asgi(self, app: Any) -> None:
        """Named as uvicorn's cycle method, since uvicorn starts pipelined requests through it."""
        try:
            if self.more_body and not self.disconnected:
                self.waiter = self.protocol.loop.create_future()
                await self.waiter
            if self.disconnected:
                return
            body = self.body[0] if len(self.body) == 1 else b"".join(self.body)
            self.body = []
            try:
                status, headers, payload = await self.handler.answer(self.scope, body)
            except Exception:
                logger.exception("Exception in a direct handler")
                status, headers, payload = (
                    500,
                    [(b"content-type", b"text/plain; charset=utf-8")],
                    b"Internal Server Error",
                )
                self.keep_alive = False
            if self.disconnected:
                return
            self._write(status, headers, payload)
        finally:
            self.on_response = _nothing

    def _write(self, status: int, headers: Sequence[tuple[bytes, bytes]], payload: bytes) -> None:
        protocol = self.protocol
        content = [STATUS_LINE.get(status) or b"HTTP/1.1 %d \r\n" % status]
        for name, value in protocol.server_state.default_headers:
            content += (name, b": ", value, b"\r\n")
        has_length = False
        for name, value in headers:
            content += (name, b": ", value, b"\r\n")
            has_length = has_length or name == b"content-length"
        if not has_length:
            content.append(b"content-length: %d\r\n" % len(payload))
        if not self.keep_alive:
            content.append(b"connection: close\r\n")
        content += (b"\r\n", payload)
        transport: Any = protocol.transport
        if type(transport) is _BatchingTransport and not transport.pending:
            transport.transport.write(b"".join(content))  # whole already: no need to wait for the loop turn
        else:
            transport.write(b"".join(content))
        self.response_complete = True
        if not self.keep_alive:
            transport.close()
        self.on_response()


def _nothing() -> None:
    return None


class _BatchingTransport:
    """A transport whose writes wait until ``flush`` (called at response end, close, or the next loop turn)."""

    __slots__ = ("_loop", "_scheduled", "pending", "transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self._loop = loop
        self.pending: list[bytes] = []
        self._scheduled = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        self.pending.append(bytes(data))
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self.flush)

    def writelines(self, chunks: Any) -> None:
        for chunk in chunks:
            self.write(chunk)

    def flush(self) -> None:
        self._scheduled = False
        pending = self.pending
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
        return self.transport.get_write_buffer_size() + sum(map(len, self.pending))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


class NubisHttpProtocol(HttpToolsProtocol):
    """uvicorn's ``--http httptools`` protocol with one system call per response (see the module docstring)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        # uvloop's transports do not subclass asyncio.Transport: only the interface is relied on.
        super().connection_made(cast(asyncio.Transport, _BatchingTransport(transport, self.loop)))
        self._direct = getattr(self.app, "direct_handler", None)
        self._idle_since: float | None = None

    def on_message_begin(self) -> None:
        super().on_message_begin()
        # ASGI lowercases header names; API Gateway's REST events keep the client's casing, so the names as sent
        # ride along, in the same order as ``scope["headers"]`` [reference §1.1].
        self._header_names: list[bytes] = []
        self.scope["nubis.header_names"] = self._header_names  # type: ignore[typeddict-unknown-key]

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_names.append(name)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        handler = self._direct_handler()
        if handler is None:
            super().on_headers_complete()
            return
        keep_alive = self.scope["http_version"] != "1.0" and self.parser.should_keep_alive()
        cycle = _DirectCycle(self, handler, cast(Any, self.scope), keep_alive)
        existing = self.cycle
        self.cycle = cast(Any, cycle)
        if existing is None or existing.response_complete:
            self._start(cycle, self.app)
        else:
            self.flow.pause_reading()
            self.pipeline.appendleft((cast(Any, cycle), self.app))

    def _direct_handler(self) -> DirectHandler | None:
        """The handler that answers this request without ASGI, if it is a plain one the app claims.

        The scope is completed as uvicorn would (method, path, query) for the app to decide on.
        """
        if self._direct is None or self.root_path or self.expect_100_continue or self.parser.should_upgrade():
            return None  # root_path: uvicorn's --root-path (Nubis never sets it), prefixing left to uvicorn
        length = 0
        for name, value in self.headers:
            if name == b"content-length":
                if not value.isdigit():
                    return None
                length = int(value)
            elif name == b"transfer-encoding":
                return None
        scope: dict[str, Any] = cast(Any, self.scope)
        scope["method"] = self.parser.get_method().decode("ascii")
        http_version = self.parser.get_http_version()
        if http_version != "1.1":
            scope["http_version"] = http_version
        url = self.url
        if url == b"/":
            scope["path"], scope["raw_path"], scope["query_string"] = "/", b"/", b""
        else:
            parsed = httptools.parse_url(url)
            raw_path = parsed.path
            path = raw_path.decode("ascii")
            scope["path"] = unquote(path) if "%" in path else path
            scope["raw_path"] = raw_path
            scope["query_string"] = parsed.query or b""
        handler: DirectHandler | None = self._direct(scope)
        if handler is None or length > handler.max_body:
            return None
        return handler

    def _start(self, cycle: Any, app: Any) -> None:
        """Run a cycle (uvicorn's or a direct one) as a task the server waits for at shutdown."""
        task = self.loop.create_task(cycle.run_asgi(app))
        task.add_done_callback(self.tasks.discard)
        self.tasks.add(task)

    def on_body(self, body: bytes) -> None:
        cycle: Any = self.cycle
        if type(cycle) is _DirectCycle:
            cycle.body.append(body)
        else:
            super().on_body(body)

    def on_message_complete(self) -> None:
        cycle: Any = self.cycle
        if type(cycle) is _DirectCycle:
            cycle.more_body = False
            cycle.set()
        else:
            super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        # The WebSocket protocol gets the plain transport: its frames need no batching here.
        batching = self.transport
        if isinstance(batching, _BatchingTransport):
            batching.flush()
            self.transport = batching.transport
        super().handle_websocket_upgrade()

    def on_response_complete(self) -> None:
        """uvicorn's, with a keep-alive timer that is re-armed only when it fires (see ``_keep_alive_check``)."""
        transport: Any = self.transport
        if type(transport) is _BatchingTransport:
            transport.flush()
        self.server_state.total_requests += 1
        if transport.is_closing():
            return
        self.flow.resume_reading()
        if self.pipeline:
            self._start(*self.pipeline.pop())
            return
        self._idle_since = self.loop.time()
        if self.timeout_keep_alive_task is None:
            self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self._keep_alive_check)

    def _unset_keepalive_if_required(self) -> None:
        # uvicorn cancels its timer on every request and arms a new one after every response: a timer-heap push
        # and a cancelled handle per request. Marking the connection busy is enough; the timer checks on firing.
        self._idle_since = None

    def _keep_alive_check(self) -> None:
        """Close a connection idle for the keep-alive timeout; re-arm for the rest of it when it was busy since."""
        self.timeout_keep_alive_task = None
        since = self._idle_since
        if since is None or self.transport.is_closing():
            return  # busy now: the next response arms the timer again
        remaining = since + self.timeout_keep_alive - self.loop.time()
        if remaining > 0:
            self.timeout_keep_alive_task = self.loop.call_later(remaining, self._keep_alive_check)
        else:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.timeout_keep_alive_task is not None:
            self.timeout_keep_alive_task.cancel()
            self.timeout_keep_alive_task = None
        super().connection_lost(exc)

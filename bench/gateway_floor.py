"""bench/gateway_floor.py — the floor of any gateway that runs its functions out of process, for bench/gateway.py.

It is the ceiling app (uvicorn, uvloop, httptools, one process) plus the one thing design.md requires of a Nubis
function call: a round trip to a warm worker process. Per request it encodes a tiny event (path and headers),
writes it to an idle worker over a socket pair (orjson both ways, as Nubis does), awaits the worker's result and
answers its body. No routing, no Lambda event fields, no response mapping, no timeouts, no logs: whatever Nubis
does beyond this is its own cost, and no out-of-process design can go faster than this row on the same machine.

``python bench/gateway_floor.py PORT [WORKERS]`` (default 8 workers: more than C=32 needs to keep every worker
busy; fewer measured slower on 2 cores). Workers are forked before the server starts and exit with it.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import socket
import struct
import sys
from typing import Any

import orjson

LENGTH = struct.Struct("!I")


def hello(event: dict[str, Any], context: object) -> dict[str, Any]:
    return {"statusCode": 200, "body": json.dumps({"ok": True})}


def serve_worker(sock: socket.socket) -> None:
    """A worker: blocking reads of one event at a time, as a Lambda execution environment takes them."""
    stream = sock.makefile("rb", buffering=65536)
    while True:
        header = stream.read(LENGTH.size)
        if len(header) < LENGTH.size:
            return
        (size,) = LENGTH.unpack(header)
        event = orjson.loads(stream.read(size))
        result = orjson.dumps(hello(event, None))
        sock.sendall(LENGTH.pack(len(result)) + result)


class WorkerLink(asyncio.Protocol):
    """The gateway's end of one worker's socket: one call in flight, its answer resolves ``pending``."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.pending: asyncio.Future[bytes] | None = None
        self.transport: Any = None  # uvloop's transports do not subclass asyncio.Transport

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) < LENGTH.size:
            return
        (size,) = LENGTH.unpack_from(self.buffer)
        if len(self.buffer) < LENGTH.size + size:
            return
        body = bytes(self.buffer[LENGTH.size : LENGTH.size + size])
        del self.buffer[: LENGTH.size + size]
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.set_result(body)


class Floor:
    """An ASGI app handing every request to an idle worker (waiting in line when all are busy)."""

    def __init__(self, sockets: list[socket.socket]) -> None:
        self.sockets = sockets
        self.idle: collections.deque[WorkerLink] = collections.deque()
        self.waiting: collections.deque[asyncio.Future[None]] = collections.deque()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                loop = asyncio.get_running_loop()
                for sock in self.sockets:
                    _transport, link = await loop.connect_accepted_socket(WorkerLink, sock)
                    self.idle.append(link)
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        loop = asyncio.get_running_loop()
        while not self.idle:
            turn = loop.create_future()
            self.waiting.append(turn)
            await turn
        link = self.idle.popleft()
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        event = orjson.dumps({"rawPath": scope["path"], "headers": headers})
        link.pending = loop.create_future()
        link.transport.write(LENGTH.pack(len(event)) + event)
        result = orjson.loads(await link.pending)
        self.idle.append(link)
        if self.waiting:
            self.waiting.popleft().set_result(None)
        body = result["body"].encode()
        head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": result["statusCode"], "headers": head})
        await send({"type": "http.response.body", "body": body})


def main() -> None:
    port = int(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    sockets = []
    for _ in range(count):
        parent, child = socket.socketpair()
        if os.fork() == 0:
            parent.close()
            serve_worker(child)
            os._exit(0)
        child.close()
        sockets.append(parent)
    import uvicorn

    uvicorn.run(
        Floor(sockets), host="127.0.0.1", port=port, loop="uvloop", http="httptools", log_level="warning", lifespan="on"
    )


if __name__ == "__main__":
    main()

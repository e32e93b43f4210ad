"""The listener's batching transport: a response's head and body leave in one write, in order, and nothing is
held past a close, a response's end or the loop turn."""

from __future__ import annotations

import asyncio
from typing import Any

from nubis.listener import _BatchingTransport


class _Recorder:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 1) if name == "peername" else default


def test_writes_of_one_turn_leave_together_in_order() -> None:
    async def scenario() -> list[bytes]:
        recorder = _Recorder()
        transport = _BatchingTransport(recorder, asyncio.get_running_loop())  # type: ignore[arg-type]
        transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        transport.write(b"body")
        assert recorder.writes == [] and transport.get_write_buffer_size() == 23
        await asyncio.sleep(0)  # the loop turn flushes what a response end did not
        transport.write(b"next")
        transport.flush()  # a response end flushes at once
        assert transport.get_extra_info("peername") == ("127.0.0.1", 1)  # everything else is the transport's
        return recorder.writes

    assert asyncio.run(scenario()) == [b"HTTP/1.1 200 OK\r\n\r\nbody", b"next"]


def test_close_sends_what_is_pending_first() -> None:
    async def scenario() -> _Recorder:
        recorder = _Recorder()
        transport = _BatchingTransport(recorder, asyncio.get_running_loop())  # type: ignore[arg-type]
        transport.write(b"last words")
        transport.close()
        await asyncio.sleep(0)
        return recorder

    recorder = asyncio.run(scenario())
    assert recorder.writes == [b"last words"] and recorder.closed

"""AWS's WebSocket limits as Nubis applies them: the settings that turn them off, and the ASGI server options that
enforce the frame and message sizes below the application."""

from __future__ import annotations

import math

import pytest
from websockets.exceptions import PayloadTooBig
from websockets.frames import Frame, Opcode
from websockets.server import ServerProtocol

from nubis.gateway.websocket.limits import (
    MAX_FRAME_BYTES,
    MAX_MESSAGE_BYTES,
    WebSocketLimits,
    frame_limits_supported,
    uvicorn_websocket_options,
)


def test_zero_turns_a_limit_off():
    assert WebSocketLimits.from_seconds(0, 0) == WebSocketLimits(math.inf, math.inf)
    assert WebSocketLimits.from_seconds(1.5, 2) == WebSocketLimits(1.5, 2.0)


def test_uvicorn_runs_the_sans_io_protocol_with_both_limits():
    assert frame_limits_supported()  # the versions this project is tested with
    assert uvicorn_websocket_options() == {
        "ws": "websockets-sansio",
        "ws_max_size": (MAX_MESSAGE_BYTES, MAX_FRAME_BYTES),
        "ws_ping_interval": None,  # API Gateway does not ping clients [P]
    }


HANDSHAKE = (
    b"GET /dev HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


def _server(data_frames: list[Frame]) -> ServerProtocol:
    """The protocol uvicorn builds from these options, past its handshake, after receiving ``data_frames``
    (masked, as clients send them)."""
    server = ServerProtocol(max_size=uvicorn_websocket_options()["ws_max_size"])
    server.receive_data(HANDSHAKE)
    [request] = server.events_received()
    server.send_response(server.accept(request))
    for frame in data_frames:
        server.receive_data(frame.serialize(mask=True))
    return server


def _text(size: int, *, fin: bool = True, first: bool = True) -> Frame:
    return Frame(Opcode.TEXT if first else Opcode.CONT, b"x" * size, fin=fin)


@pytest.mark.D
def test_one_frame_over_32_kb_fails_with_1009():
    server = _server([_text(MAX_FRAME_BYTES + 1)])
    assert isinstance(server.parser_exc, PayloadTooBig)
    assert server.close_sent is not None and server.close_sent.code == 1009


@pytest.mark.D
def test_a_128_kb_message_in_32_kb_frames_passes():
    frames = [_text(MAX_FRAME_BYTES, fin=i == 3, first=i == 0) for i in range(4)]
    server = _server(frames)
    assert server.parser_exc is None
    assert [len(event.data) for event in server.events_received() if isinstance(event, Frame)] == [MAX_FRAME_BYTES] * 4


@pytest.mark.D
def test_a_message_over_128_kb_in_small_frames_fails_with_1009():
    frames = [_text(MAX_FRAME_BYTES, fin=False, first=i == 0) for i in range(4)] + [_text(1, first=False)]
    server = _server(frames)
    assert server.close_sent is not None and server.close_sent.code == 1009

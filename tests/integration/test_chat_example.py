"""The chat example: connections kept in a table, messages broadcast through @connections to every client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from nubis.testing import NubisServer

CHAT = Path(__file__).resolve().parents[2] / "examples" / "chat"


@pytest.mark.D
def test_chat_broadcasts_to_every_connected_client(tmp_path):
    with NubisServer(tmp_path / "data", extra_args=[str(CHAT)]) as server:
        url = f"ws://127.0.0.1:{server.port}/dev"
        with pytest.raises(InvalidStatus), connect(url):
            pass  # no name: the $connect handler refuses the handshake
        with connect(f"{url}?name=cy"):
            pass  # connects, then leaves: its row is deleted on $disconnect
        with connect(f"{url}?name=ana") as ana, connect(f"{url}?name=bo") as bo:
            ana.send(json.dumps({"action": "send", "text": "hello"}))
            expected = {"from": "ana", "text": "hello"}
            assert json.loads(ana.recv(timeout=10)) == expected
            assert json.loads(bo.recv(timeout=10)) == expected
            bo.send(json.dumps({"action": "send", "text": "hi ana"}))
            assert json.loads(ana.recv(timeout=10)) == {"from": "bo", "text": "hi ana"}

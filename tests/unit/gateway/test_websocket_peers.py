"""``@connections`` across the processes of one server: a call for a connection another process holds is answered
by that process, through its Unix socket (two registries in one event loop stand for two processes here)."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import orjson
import pytest

from nubis.gateway.websocket.connections import Connection, ConnectionRegistry
from nubis.gateway.websocket.management import ConnectionsApi
from nubis.gateway.websocket.peers import PeerLink, socket_folder


def _connection(registry: ConnectionRegistry, sent: list[MutableMapping[str, Any]]) -> Connection:
    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    connection = Connection(registry.new_id(), "api", "dev", "10.0.0.1", "ua/1", time.time(), send)
    registry.add(connection)
    return connection


@pytest.mark.D
def test_a_call_for_a_siblings_connection_is_answered_by_the_sibling():
    async def scenario() -> None:
        with tempfile.TemporaryDirectory(prefix="nubis-peers-") as folder:
            holder, other = ConnectionRegistry(), ConnectionRegistry()
            holder_link, other_link = PeerLink(Path(folder), holder), PeerLink(Path(folder), other)
            await holder_link.start()
            await other_link.start()
            assert holder.tag != other.tag
            sent: list[MutableMapping[str, Any]] = []
            connection = _connection(holder, sent)
            api = ConnectionsApi(other, other_link)  # the process the call reached

            assert (await api.handle("POST", connection.id, b"hello")).status == 200
            assert sent == [{"type": "websocket.send", "text": "hello"}]
            info = await api.handle("GET", connection.id, b"")
            assert info.status == 200 and orjson.loads(info.body)["identity"]["sourceIp"] == "10.0.0.1"
            assert (await api.handle("DELETE", connection.id, b"")).status == 204
            assert sent[-1]["type"] == "websocket.close"
            gone = await api.handle("POST", connection.id, b"late")
            assert (gone.status, gone.error_type, gone.body) == (410, "GoneException", b"")

            unknown = await api.handle("POST", other.tag + "AAAAAAAAAAA=", b"x")  # its own tag: not forwarded
            assert unknown.status == 410
            holder_link.close()  # the holder has exited: its connections are Gone
            again = _connection(ConnectionRegistry(), [])
            assert (await api.handle("POST", holder.tag + again.id[4:], b"x")).status == 410
            other_link.close()

    asyncio.run(scenario())


def test_long_folders_get_a_short_socket_folder(tmp_path: Path):
    deep = tmp_path / ("x" * 120)
    assert len(str(socket_folder(deep) / "abcd.sock")) <= 100
    assert socket_folder(Path("/tmp/short")) == Path("/tmp/short")

"""Connections held by sibling server processes (``nubis serve --workers N``).

The processes share one listening port, so a ``@connections`` call, a handler's included, lands on any of them. A
connection id starts with the tag of the process holding it (``ConnectionRegistry.new_id``); each process that
holds connections listens on a Unix socket named by its tag in a folder the processes share, and a call for
another process's connection is forwarded there and answered as if it were local. No socket under that tag (the
process has exited) means Gone, as for any closed connection.

One request per Unix connection; each way, one JSON line then the raw body::

    → {"method": "POST", "id": "AbCd...=", "length": 5}\\nhello
    ← {"status": 200, "type": null, "length": 0}\\n
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import hashlib
import logging
import os
import re
import tempfile
from pathlib import Path

import orjson

from nubis.gateway.websocket.connections import ConnectionRegistry
from nubis.gateway.websocket.management import ConnectionsApi, Reply

logger = logging.getLogger(__name__)

_TAG = re.compile(r"^[A-Za-z0-9_-]{4}$")
_MAX_SOCKET_PATH = 100
"""AF_UNIX paths hold about 104-108 bytes, depending on the system."""
FORWARD_TIMEOUT = 30.0


def socket_folder(base: Path) -> Path:
    """``base``, or a short folder under the temporary directory named after it when ``base`` would make socket
    paths too long."""
    if len(str(base / "abcd.sock")) <= _MAX_SOCKET_PATH:
        return base
    digest = hashlib.sha256(str(base.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"nubis-ws-{digest}"


def _private_folder(folder: Path) -> None:
    """Create ``folder`` for this user alone (or make it so), never use another user's: the sockets in it take
    ``@connections`` calls without signatures, and a folder under ``/tmp`` could have been made by someone else."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.stat()
    if info.st_uid != os.getuid():
        raise PermissionError(f"{folder} belongs to another user: refusing to put this server's sockets in it")
    if info.st_mode & 0o077:
        folder.chmod(0o700)


class PeerLink:
    """This process's socket for its siblings, and the way to theirs."""

    def __init__(self, folder: Path, registry: ConnectionRegistry) -> None:
        self.folder = socket_folder(folder)
        self.registry = registry
        self.local = ConnectionsApi(registry)
        """Answers siblings' calls; never forwards again."""
        self._server: asyncio.Server | None = None
        self._starting = asyncio.Lock()

    async def start(self) -> None:
        """Listen, once, before this process hands out its first connection id."""
        if self._server is not None:
            return
        async with self._starting:
            if self._server is not None:
                return
            _private_folder(self.folder)
            while (self.folder / f"{self.registry.tag}.sock").exists():
                self.registry.retag()
            path = self.folder / f"{self.registry.tag}.sock"
            previous = os.umask(0o077)  # the socket: this user only, as its folder
            try:
                self._server = await asyncio.start_unix_server(self._serve, path=str(path))
            finally:
                os.umask(previous)
            atexit.register(path.unlink, missing_ok=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            header = orjson.loads(await reader.readline())
            body = await reader.readexactly(int(header["length"]))
            reply = await self.local.handle(str(header["method"]), str(header["id"]), body)
            writer.write(orjson.dumps({"status": reply.status, "type": reply.error_type, "length": len(reply.body)}))
            writer.write(b"\n" + reply.body)
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, orjson.JSONDecodeError, KeyError, ValueError) as exc:
            logger.warning("a forwarded @connections call failed: %s", exc)
        finally:
            writer.close()

    async def forward(self, method: str, connection_id: str, body: bytes) -> Reply | None:
        """The holder's answer, or None when no live process holds the id."""
        tag = connection_id[:4]
        if not _TAG.match(tag):
            return None
        try:
            async with asyncio.timeout(FORWARD_TIMEOUT):
                reader, writer = await asyncio.open_unix_connection(str(self.folder / f"{tag}.sock"))
                try:
                    writer.write(orjson.dumps({"method": method, "id": connection_id, "length": len(body)}))
                    writer.write(b"\n" + body)
                    await writer.drain()
                    header = orjson.loads(await reader.readline())
                    reply_body = await reader.readexactly(int(header["length"]))
                finally:
                    writer.close()
        except (OSError, TimeoutError, asyncio.IncompleteReadError, orjson.JSONDecodeError, KeyError, ValueError):
            return None  # no such process (any more): Gone
        return Reply(int(header["status"]), header["type"], reply_body)

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(OSError):
                (self.folder / f"{self.registry.tag}.sock").unlink()
            self._server = None

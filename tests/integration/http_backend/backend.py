"""A small HTTP backend for the gateway's HTTP and HTTP_PROXY integration tests: ``python backend.py PORT``.

``/echo/...`` answers with what it received (method, raw path, raw query, headers, body as latin-1); ``/slow``
sleeps 3 s; ``/status/{code}`` answers that status; ``/bytes`` answers every byte value.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import uvicorn


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    path: str = scope["raw_path"].decode("latin-1")
    status, headers, data = 200, [(b"content-type", b"application/json"), (b"x-backend", b"yes")], b""
    if path.startswith("/echo"):
        data = json.dumps(
            {
                "method": scope["method"],
                "path": path,
                "query": scope["query_string"].decode("latin-1"),
                "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]],
                "body": body.decode("latin-1"),
            }
        ).encode()
    elif path == "/slow":
        await asyncio.sleep(3)
        data = b'{"slow": true}'
    elif path.startswith("/status/"):
        status = int(path.rsplit("/", 1)[1])
        data = b'{"status": "set"}'
    elif path == "/bytes":
        headers = [(b"content-type", b"application/octet-stream")]
        data = bytes(range(256))
    else:
        status, data = 404, b'{"backend": "no such path"}'
    headers.append((b"content-length", str(len(data)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", lifespan="off", ws="none")

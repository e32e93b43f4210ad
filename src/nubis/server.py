"""Composes Nubis: opens the engine on its storage, builds the shared AWS-protocol endpoint, runs uvicorn.

One HTTP endpoint serves every AWS-protocol API Nubis implements; the dispatcher routes by what AWS's SDKs send
(``X-Amz-Target`` for DynamoDB; Lambda's REST paths and ``@connections`` come with their issues). Anything else
gets a JSON 404 that names the endpoint's purpose.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import orjson

from nubis.settings import Settings
from nubis.tables.engine.engine import Engine
from nubis.tables.open import open_storage
from nubis.tables.wire.app import DynamoDBApp, Receive, Scope, Send, is_dynamodb_request

logger = logging.getLogger(__name__)


def open_engine(settings: Settings) -> Engine:
    url = settings.storage_url
    if url.startswith("sqlite:"):
        Path(url[len("sqlite:") :]).parent.mkdir(parents=True, exist_ok=True)
    return Engine(open_storage(url, durability=settings.durability), account=settings.account)


class NubisApp:
    """The shared endpoint: lifespan owns the engine; HTTP requests are dispatched by protocol."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine: Engine | None = None
        self.dynamodb: DynamoDBApp | None = None

    def start(self) -> None:
        if self.engine is None:
            self.engine = open_engine(self.settings)
            self.dynamodb = DynamoDBApp(self.engine, default_region=self.settings.region)

    def stop(self) -> None:
        if self.engine is not None:
            self.engine.close()
            self.engine = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        self.start()
        assert self.dynamodb is not None
        if is_dynamodb_request(scope) or (scope["method"] == "GET" and scope["path"] == "/"):
            await self.dynamodb(scope, receive, send)
            return
        if scope["method"] == "POST" and scope["path"] == "/":
            # A POST to the root without a known target: DynamoDB's answer ([P] dynalite index.js).
            await self.dynamodb(scope, receive, send)
            return
        body = orjson.dumps({"message": f"Nubis has no API at {scope['method']} {scope['path']}"})
        await send(
            {
                "type": "http.response.start",
                "status": 404,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    self.start()
                except Exception as exc:
                    logger.exception("startup failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app() -> NubisApp:
    """uvicorn's factory for worker processes: settings come from the environment."""
    return NubisApp(Settings.from_env())


def serve(settings: Settings) -> None:
    import os

    import uvicorn

    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    config: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "access_log": False,
        "lifespan": "on",
        "http": "httptools",
        "timeout_graceful_shutdown": 10,
    }
    try:
        import uvloop  # noqa: F401

        config["loop"] = "uvloop"
    except ImportError:  # pragma: no cover - Windows
        config["loop"] = "asyncio"
    print(f"Nubis tables endpoint: http://{settings.host}:{settings.port}  (data: {settings.storage_url})", flush=True)
    if settings.workers > 1:
        os.environ.update(settings.to_env())
        uvicorn.run("nubis.server:create_app", factory=True, workers=settings.workers, **config)
    else:
        uvicorn.run(NubisApp(settings), **config)

"""Composes Nubis: opens the engine on its storage, builds the shared AWS-protocol endpoint, runs uvicorn.

One HTTP endpoint serves every AWS-protocol API Nubis implements; the dispatcher routes by what AWS's SDKs send
(``X-Amz-Target`` for DynamoDB, ``/2015-03-31/functions`` for Lambda; ``@connections`` comes with its issue).
Anything else gets a JSON 404 that names the endpoint's purpose.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import orjson

from nubis.functions.api import LambdaApp, is_lambda_request
from nubis.functions.invoker import FunctionRuntime, RuntimeConfig
from nubis.functions.spec import parse_function_option
from nubis.settings import Settings
from nubis.tables.engine.engine import Engine
from nubis.tables.open import open_storage
from nubis.tables.wire.app import DynamoDBApp, Receive, Scope, Send, is_dynamodb_request

logger = logging.getLogger(__name__)


def open_engine(settings: Settings) -> Engine:
    url = settings.storage_url
    if url.startswith("sqlite:"):
        Path(url[len("sqlite:") :]).parent.mkdir(parents=True, exist_ok=True)
    return Engine(
        open_storage(url, durability=settings.durability),
        account=settings.account,
        ttl_interval=settings.ttl_interval or None,
    )


def open_functions(settings: Settings) -> FunctionRuntime:
    """The function runtime: declared functions, boto3 in handlers pointed back at this endpoint."""
    specs = [
        parse_function_option(line, base_dir=settings.project_dir)
        for line in settings.functions.splitlines()
        if line.strip()
    ]
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    delays = tuple(float(part) for part in settings.async_retry_delays.split(",") if part.strip())
    config = RuntimeConfig(
        region=settings.region,
        account=settings.account,
        endpoint_url=f"http://{host}:{settings.port}",
        log_dir=Path(settings.data_dir).resolve() / "functions" / "logs",
        reload=settings.reload == "on" or (settings.reload == "auto" and bool(specs)),
        async_retry_delays=delays,
    )
    return FunctionRuntime(specs, config)


class NubisApp:
    """The shared endpoint: lifespan owns the engine; HTTP requests are dispatched by protocol."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine: Engine | None = None
        self.dynamodb: DynamoDBApp | None = None
        self.functions: FunctionRuntime | None = None
        self.lambda_api: LambdaApp | None = None

    def start(self) -> None:
        if self.engine is None:
            self.engine = open_engine(self.settings)
            self.dynamodb = DynamoDBApp(self.engine, default_region=self.settings.region)
        if self.functions is None:
            self.functions = open_functions(self.settings)
            self.lambda_api = LambdaApp(self.functions)

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
        if is_lambda_request(scope):
            assert self.lambda_api is not None
            await self.lambda_api(scope, receive, send)
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
                if self.functions is not None:
                    await self.functions.aclose()
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
    for line in filter(None, (line.strip() for line in settings.functions.splitlines())):
        print(f"Nubis function: {line}", flush=True)
    if settings.workers > 1:
        os.environ.update(settings.to_env())
        uvicorn.run("nubis.server:create_app", factory=True, workers=settings.workers, **config)
    else:
        uvicorn.run(NubisApp(settings), **config)

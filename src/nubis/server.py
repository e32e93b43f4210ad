"""Composes Nubis: loads the project, opens the engine on its storage, starts the functions, builds the gateway
and the shared AWS-protocol endpoint, runs uvicorn.

One HTTP endpoint serves every AWS-protocol API Nubis implements and the project's APIs. The dispatcher routes by
what AWS's SDKs send first (``X-Amz-Target`` for DynamoDB, ``/2015-03-31/functions`` for Lambda; ``@connections``
and WebSocket handshakes go to the gateway), then to the gateway when a project API claims the request (by host
or stage path). Anything else gets a JSON 404 that names the endpoint's purpose.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import orjson

from nubis.functions.api import LambdaApp, is_lambda_request
from nubis.functions.invoker import FunctionRuntime, RuntimeConfig
from nubis.functions.spec import RUNTIMES, FunctionSpec, parse_function_option
from nubis.gateway.app import GatewayApp
from nubis.gateway.websocket import WebSocketLimits
from nubis.gateway.websocket.limits import uvicorn_websocket_options
from nubis.project.discover import load_project
from nubis.project.model import FunctionDef, Project, TableDef
from nubis.settings import Settings
from nubis.tables.engine.engine import Engine
from nubis.tables.errors import ResourceInUseException
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


def function_spec(function: FunctionDef) -> FunctionSpec:
    """A project function as the runtime runs it, under its deployed name (``{service}-{stage}-{name}``)."""
    return FunctionSpec(
        name=function.deployed_name,
        handler=function.handler,
        code_dir=function.code_dir,
        runtime=function.runtime if function.runtime in RUNTIMES else "python3.11",
        timeout=float(function.timeout),
        memory=function.memory,
        environment=dict(function.environment),
        reserved_concurrency=function.reserved_concurrency,
    )


def create_tables(engine: Engine, tables: tuple[TableDef, ...], region: str) -> None:
    """Create the project's tables; one that exists (a restart) is kept as it is."""
    for table in tables:
        try:
            engine.create_table(region, dict(table.create_table))
        except ResourceInUseException:
            continue
        if table.time_to_live is not None:
            engine.update_time_to_live(
                region, {"TableName": table.table_name, "TimeToLiveSpecification": dict(table.time_to_live)}
            )


def open_project(settings: Settings) -> Project | None:
    """The project in ``settings.project_dir``, or None when the folder defines none (tables only)."""
    return load_project(Path(settings.project_dir))


def open_functions(settings: Settings, project: Project | None = None) -> FunctionRuntime:
    """The function runtime: declared functions, boto3 in handlers pointed back at this endpoint."""
    specs = [
        parse_function_option(line, base_dir=settings.project_dir)
        for line in settings.functions.splitlines()
        if line.strip()
    ]
    declared = {spec.name for spec in specs}
    if project is not None:
        specs += [function_spec(f) for f in project.functions.values() if f.deployed_name not in declared]
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

    def __init__(self, settings: Settings, project: Project | None = None) -> None:
        self.settings = settings
        self.project = project
        self._project_loaded = project is not None
        self.engine: Engine | None = None
        self.dynamodb: DynamoDBApp | None = None
        self.functions: FunctionRuntime | None = None
        self.lambda_api: LambdaApp | None = None
        self.gateway: GatewayApp | None = None

    def start(self) -> None:
        if not self._project_loaded:
            self.project = open_project(self.settings)
            self._project_loaded = True
        if self.engine is None:
            self.engine = open_engine(self.settings)
            self.dynamodb = DynamoDBApp(self.engine, default_region=self.settings.region)
            if self.project is not None:
                create_tables(self.engine, self.project.tables, self.settings.region)
        if self.functions is None:
            self.functions = open_functions(self.settings, self.project)
            self.lambda_api = LambdaApp(self.functions)
            if self.project is not None and self.project.apis:
                self.gateway = GatewayApp(
                    self.project,
                    self.functions,
                    account=self.settings.account,
                    region=self.settings.region,
                    websocket_limits=WebSocketLimits.from_seconds(
                        self.settings.websocket_idle_timeout, self.settings.websocket_max_duration
                    ),
                    # Sibling processes (--workers N) answer @connections calls for each other's connections.
                    websocket_peers=Path(self.settings.data_dir).resolve() / "run" / "websocket"
                    if self.settings.workers > 1
                    else None,
                )

    def stop(self) -> None:
        if self.engine is not None:
            self.engine.close()
            self.engine = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] == "websocket":
            self.start()
            if self.gateway is not None and self.gateway.claims(scope):
                await self.gateway(scope, receive, send)
            else:
                await send({"type": "websocket.close", "code": 1008})  # refused before the upgrade: 403
            return
        if scope["type"] != "http":
            return
        self.start()
        assert self.dynamodb is not None
        if is_dynamodb_request(scope):
            await self.dynamodb(scope, receive, send)
            return
        if is_lambda_request(scope):
            assert self.lambda_api is not None
            await self.lambda_api(scope, receive, send)
            return
        if self.gateway is not None and self.gateway.claims(scope):
            await self.gateway(scope, receive, send)
            return
        if scope["path"] == "/" and scope["method"] in ("GET", "POST"):
            # The health check, and a POST to the root without a known target: DynamoDB's answer ([P] dynalite).
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
                if self.gateway is not None:
                    self.gateway.websockets.close()
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
        **uvicorn_websocket_options(),  # API Gateway: 128 KB messages, 32 KB frames (both close 1009), no pings
    }
    try:
        import uvloop  # noqa: F401

        config["loop"] = "uvloop"
    except ImportError:  # pragma: no cover - Windows
        config["loop"] = "asyncio"
    project = open_project(settings)
    base_url = f"http://{settings.host}:{settings.port}"
    print(f"Nubis tables endpoint: {base_url}  (data: {settings.storage_url})", flush=True)
    for line in filter(None, (line.strip() for line in settings.functions.splitlines())):
        print(f"Nubis function: {line}", flush=True)
    if project is not None:
        print(f"Nubis project: {project.name} ({project.source_file})", flush=True)
        for function in project.functions.values():
            print(f"Nubis function: {function.deployed_name} ({function.handler})", flush=True)
        for table in project.tables:
            print(f"Nubis table: {table.table_name}", flush=True)
        for api in project.apis:
            for stage in api.stages:
                path = "" if stage.name == "$default" else f"/{stage.name}"
                host = f"http://{api.id}.execute-api.localhost:{settings.port}{path}"
                print(
                    f"Nubis {api.kind.value} API {api.name} stage {stage.name}: {base_url}{path}  ({host})", flush=True
                )
        for warning in project.warnings:
            print(f"Nubis warning: {warning}", flush=True)
    if settings.workers > 1:
        os.environ.update(settings.to_env())
        uvicorn.run("nubis.server:create_app", factory=True, workers=settings.workers, **config)
    else:
        uvicorn.run(NubisApp(settings, project), **config)

"""Composes Nubis: loads the project, opens the engine on its storage, starts the functions, builds the gateway
and the shared AWS-protocol endpoint, runs uvicorn.

One HTTP endpoint serves every AWS-protocol API Nubis implements and the project's APIs. The dispatcher routes by
what AWS's SDKs send first (``X-Amz-Target`` for DynamoDB, ``/2015-03-31/functions`` for Lambda; ``@connections``
and WebSocket handshakes go to the gateway), then to the gateway when a project API claims the request (by host
or stage path). Anything else gets a JSON 404 that names the endpoint's purpose.

With ``verify_signatures`` one ``SignatureVerifier`` checks every AWS-protocol request (DynamoDB, the Lambda API,
``@connections``), each app answering a refusal in its own protocol; handlers' boto3 signs with a random key of
the server's (``function_credentials``), as a Lambda function signs with its execution role's.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import os
import re
import secrets
import string
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson

from nubis.functions.api import LambdaApp, is_lambda_request
from nubis.functions.invoker import FunctionRuntime, RuntimeConfig
from nubis.functions.spec import RUNTIMES, FunctionSpec, parse_function_option
from nubis.gateway.app import GatewayApp
from nubis.gateway.deployment import deployment_warnings
from nubis.gateway.websocket import WebSocketLimits
from nubis.gateway.websocket.limits import uvicorn_websocket_options
from nubis.listener import NubisHttpProtocol
from nubis.project import LoadOptions
from nubis.project.discover import load_project
from nubis.project.model import ApiKind, FunctionDef, Project, TableDef
from nubis.settings import Settings
from nubis.tables.engine.engine import Engine
from nubis.tables.errors import DynamoDBError, ResourceInUseException
from nubis.tables.open import open_storage
from nubis.tables.wire.app import DynamoDBApp, Receive, Scope, Send, is_dynamodb_request
from nubis.tables.wire.auth import Credential, SignatureVerifier, parse_credentials

logger = logging.getLogger(__name__)


def open_engine(settings: Settings) -> Engine:
    url = settings.storage_url
    if url.startswith("sqlite:"):
        Path(url[len("sqlite:") :]).parent.mkdir(parents=True, exist_ok=True)
    return Engine(
        open_storage(url, durability=settings.durability, shared=settings.workers > 1),
        account=settings.account,
        ttl_interval=settings.ttl_interval or None,
    )


def inline_code_dir(function: FunctionDef, data_dir: Path) -> Path:
    """The folder of a function defined inline (SAM ``InlineCode``): ``index.py`` under the data directory, the file
    name AWS gives inline code [D AWS::Lambda::Function Code]. Rewritten only when the source changed, and
    atomically, since several server processes may start at once."""
    assert function.inline_code is not None
    folder = data_dir.resolve() / "functions" / "inline" / function.deployed_name
    target = folder / "index.py"
    if not target.is_file() or target.read_text(encoding="utf-8") != function.inline_code:
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".index.py.{os.getpid()}"
        partial.write_text(function.inline_code, encoding="utf-8")
        partial.replace(target)
    return folder


def function_spec(function: FunctionDef, data_dir: Path | None = None) -> FunctionSpec:
    """A project function as the runtime runs it, under its deployed name (``{service}-{stage}-{name}``)."""
    code_dir = function.code_dir
    if function.inline_code is not None:
        code_dir = inline_code_dir(function, data_dir or Path(".nubis"))
    return FunctionSpec(
        name=function.deployed_name,
        handler=function.handler,
        code_dir=code_dir,
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
    options = LoadOptions(stage=settings.stage or None, region=settings.project_region or None)
    return load_project(Path(settings.project_dir), options)


def runtime_warnings(project: Project) -> list[str]:
    """One line per declared runtime other than this server's Python, naming its functions: they run here all the
    same (reference §12: an older or newer declared runtime is never refused)."""
    host = f"{sys.version_info.major}.{sys.version_info.minor}"
    by_runtime: dict[str, list[str]] = {}
    for function in project.functions.values():
        if function.runtime != f"python{host}":
            by_runtime.setdefault(function.runtime, []).append(function.deployed_name)
    return [
        f"function{'s' if len(names) > 1 else ''} {', '.join(names)} declare{'' if len(names) > 1 else 's'} "
        f"{runtime}; {'they run' if len(names) > 1 else 'it runs'} on this server's Python {host}"
        for runtime, names in by_runtime.items()
    ]


_EXECUTE_API = re.compile(r"^(https|wss)://([a-z0-9]{10})\.execute-api\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?(?=/|$)")


def local_outputs(project: Project, base_url: str) -> dict[str, Any]:
    """The project's ``Outputs`` as a local deployment shows them: an ``https://{api}.execute-api.{region}.
    amazonaws.com/...`` (or ``wss://``) URL of one of the project's APIs becomes this server's URL (reference §11,
    §12). The path form (``http://127.0.0.1:4566/Prod/...``) is used when the path alone reaches that API (the
    gateway's rule: the first API with a stage of the path's first segment, then an HTTP API's ``$default``);
    otherwise the host form ``http://{api}.execute-api.localhost:4566/...``."""
    ids = {api.id: api for api in project.apis}
    base = urlsplit(base_url)
    out: dict[str, Any] = {}
    for name, value in project.outputs.items():
        found = _EXECUTE_API.match(value) if isinstance(value, str) else None
        if found is None or found.group(2) not in ids:
            out[name] = value
            continue
        api = ids[found.group(2)]
        rest = value[found.end() :]
        websocket = found.group(1) == "wss"
        scheme = "ws" if websocket else base.scheme
        segment = rest.lstrip("/").split("/", 1)[0]
        same_kind = [a for a in project.apis if (a.kind is ApiKind.WEBSOCKET) == websocket]
        owner = next((a for a in same_kind if a.stage(segment) is not None), None)
        if owner is None and not websocket:
            owner = next((a for a in same_kind if a.kind is ApiKind.HTTP and a.stage("$default")), None)
        host = base.netloc if owner is api else f"{api.id}.execute-api.localhost:{base.port}"
        out[name] = f"{scheme}://{host}{rest}"
    return out


def with_function_credentials(settings: Settings) -> Settings:
    """``settings`` with a random handler key when signatures are verified and none was drawn yet.

    ``serve`` calls this before it starts worker processes, so that they all share one key.
    """
    if not settings.verify_signatures or settings.function_credentials:
        return settings
    upper = string.ascii_uppercase + string.digits
    access_key = "ASIA" + "".join(secrets.choice(upper) for _ in range(16))
    secret = secrets.token_urlsafe(30)
    return dataclasses.replace(settings, function_credentials=f"{access_key}:{secret}:{secrets.token_urlsafe(48)}")


def open_verifier(settings: Settings) -> SignatureVerifier | None:
    """The signature verifier for ``verify_signatures``: the configured keys plus the handlers' key."""
    if not settings.verify_signatures:
        return None
    return SignatureVerifier(parse_credentials(settings.credentials) + parse_credentials(settings.function_credentials))


def rest_json_authenticator(
    verifier: SignatureVerifier, service: str
) -> Callable[[Scope, bytes], tuple[str, str] | None]:
    """The verifier as the Lambda API and ``@connections`` take it: a refusal's AWS type and message, or None."""

    def authenticate(scope: Scope, body: bytes) -> tuple[str, str] | None:
        try:
            verifier.verify(scope, body, service)
        except DynamoDBError as exc:
            return type(exc).__name__, exc.message
        return None

    return authenticate


def open_functions(settings: Settings, project: Project | None = None) -> FunctionRuntime:
    """The function runtime: declared functions, boto3 in handlers pointed back at this endpoint."""
    specs = [
        parse_function_option(line, base_dir=settings.project_dir)
        for line in settings.functions.splitlines()
        if line.strip()
    ]
    declared = {spec.name for spec in specs}
    if project is not None:
        data_dir = Path(settings.data_dir)
        specs += [function_spec(f, data_dir) for f in project.functions.values() if f.deployed_name not in declared]
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
    if settings.function_credentials:
        role: Credential = parse_credentials(settings.function_credentials)[0]
        config = dataclasses.replace(
            config,
            access_key_id=role.access_key,
            secret_access_key=role.secret_key,
            session_token=role.session_token or "",
        )
    return FunctionRuntime(specs, config)


class NubisApp:
    """The shared endpoint: lifespan owns the engine; HTTP requests are dispatched by protocol."""

    def __init__(self, settings: Settings, project: Project | None = None, *, freeze_heap: bool = False) -> None:
        """``freeze_heap``: a server process of its own (``serve``), whose start-up objects live as long as it does
        (see ``_lifespan``); never for an app embedded in another program, such as a test process."""
        self.settings = with_function_credentials(settings)
        self._freeze_heap = freeze_heap
        self.verifier = open_verifier(self.settings)
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
            self.dynamodb = DynamoDBApp(self.engine, default_region=self.settings.region, verifier=self.verifier)
            if self.project is not None:
                create_tables(self.engine, self.project.tables, self.settings.region)
        if self.functions is None:
            self.functions = open_functions(self.settings, self.project)
            verifier = self.verifier
            self.lambda_api = LambdaApp(
                self.functions, authenticate=None if verifier is None else rest_json_authenticator(verifier, "lambda")
            )
            if self.project is not None and self.project.apis:
                self.gateway = GatewayApp(
                    self.project,
                    self.functions,
                    account=self.settings.account,
                    region=self.settings.region,
                    websocket_limits=WebSocketLimits.from_seconds(
                        self.settings.websocket_idle_timeout,
                        self.settings.websocket_max_duration,
                        self.settings.websocket_binary_frames,
                    ),
                    authenticate=None if verifier is None else rest_json_authenticator(verifier, "execute-api"),
                    # Sibling processes (--workers N) answer @connections calls for each other's connections.
                    websocket_peers=Path(self.settings.data_dir).resolve() / "run" / "websocket"
                    if self.settings.workers > 1
                    else None,
                )

    def stop(self) -> None:
        if self.engine is not None:
            self.engine.close()
            self.engine = None

    def direct_handler(self, scope: Scope) -> DynamoDBApp | GatewayApp | None:
        """The app that answers this plain HTTP request whole, without ASGI (``nubis.listener``): DynamoDB's for a
        POST with its target, the gateway's for an HTTP or REST API route; the dispatch of ``__call__``."""
        if self.dynamodb is None:
            self.start()
        if is_dynamodb_request(scope):
            return self.dynamodb if scope["method"] == "POST" else None
        if self.gateway is None or is_lambda_request(scope):
            return None
        if self.gateway.claims(scope) and not scope.get("nubis.websocket"):
            return self.gateway
        return None

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
                if self._freeze_heap:
                    # Everything built so far (modules, the engine, the project) lives until exit: out of the
                    # collector's sight, full collections scan only what requests left behind. They paused the
                    # loop 27-45 ms, twice a second under writes: PutItem C=32 p99 28 -> 16 ms ([bench]).
                    gc.collect()
                    gc.freeze()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.gateway is not None:
                    await self.gateway.aclose()
                if self.functions is not None:
                    await self.functions.aclose()
                self.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app() -> NubisApp:
    """uvicorn's factory for worker processes: settings come from the environment."""
    return NubisApp(Settings.from_env(), freeze_heap=True)


def serve(settings: Settings) -> None:
    import uvicorn

    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    settings = with_function_credentials(settings)
    config: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "access_log": False,
        "lifespan": "on",
        "http": NubisHttpProtocol,
        "proxy_headers": False,  # Nubis is the edge: X-Forwarded-* are the client's headers, passed on as such
        "server_header": False,  # API Gateway sends no Server header [V LS test_invocation_trace_id snapshot]
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
    if settings.verify_signatures:
        keys = ", ".join(c.access_key for c in parse_credentials(settings.credentials))
        print(f"Nubis verifies SigV4 signatures: keys {keys}", flush=True)
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
        for output, value in local_outputs(project, base_url).items():
            print(f"Nubis output {output}: {value}", flush=True)
        for warning in (*project.warnings, *runtime_warnings(project), *deployment_warnings(project)):
            print(f"Nubis warning: {warning}", flush=True)
    if settings.workers > 1:
        os.environ.update(settings.to_env())
        uvicorn.run("nubis.server:create_app", factory=True, workers=settings.workers, **config)
    else:
        uvicorn.run(NubisApp(settings, project, freeze_heap=True), **config)

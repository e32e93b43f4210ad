"""``WebSocketGateway``: serves a project's WebSocket APIs at ``ws://HOST:PORT/{stage}`` (or by host,
``{api-id}.execute-api.localhost``) and their ``@connections`` API, all sharing one connection registry (and, with
several server processes, reaching the siblings' registries through ``peers.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

from nubis.gateway.asgi import Receive, Scope, Send
from nubis.gateway.context import Invoker
from nubis.gateway.websocket.connections import ConnectionRegistry
from nubis.gateway.websocket.limits import WebSocketLimits
from nubis.gateway.websocket.management import Authenticate, ConnectionsApi, ManagementApi, is_management_path
from nubis.gateway.websocket.peers import PeerLink
from nubis.gateway.websocket.selection import compile_route_selection
from nubis.gateway.websocket.session import Session, WebSocketDeployment
from nubis.project.model import ApiKind, Project

HOST_PATTERN = re.compile(r"^([a-z0-9]{10})\.execute-api\.")


def compile_websocket_deployments(project: Project) -> tuple[WebSocketDeployment, ...]:
    functions = {key: f.deployed_name for key, f in project.functions.items()}
    deployments: list[WebSocketDeployment] = []
    for api in project.apis:
        if api.kind is not ApiKind.WEBSOCKET:
            continue
        select = compile_route_selection(api.route_selection_expression or "$request.body.action")
        routes = {route.route_key: route for route in api.routes}
        deployments.extend(WebSocketDeployment(api, stage, routes, select, functions) for stage in api.stages)
    return tuple(deployments)


def _host(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"host":
            return str(value.decode("latin-1"))
    server = scope.get("server")
    return f"{server[0]}:{server[1]}" if server else "localhost"


class WebSocketGateway:
    """``peers``: the folder the sibling processes of one server (``--workers N``) share, so that an
    ``@connections`` call reaching one process can be answered by the process holding the connection."""

    def __init__(
        self,
        project: Project,
        invoker: Invoker,
        limits: WebSocketLimits | None = None,
        peers: Path | None = None,
        *,
        authenticate: Authenticate | None = None,
    ) -> None:
        self.deployments = compile_websocket_deployments(project)
        self.invoker = invoker
        self.limits = limits or WebSocketLimits()
        self.registry = ConnectionRegistry()
        self.peers = PeerLink(peers, self.registry) if peers is not None and self.deployments else None
        self.management = ManagementApi(ConnectionsApi(self.registry, self.peers), authenticate=authenticate)

    def close(self) -> None:
        if self.peers is not None:
            self.peers.close()

    def resolve(self, scope: Scope) -> WebSocketDeployment | None:
        path = scope["path"].rstrip("/") or "/"
        candidates = self.deployments
        found = HOST_PATTERN.match(_host(scope))
        if found is not None:
            candidates = tuple(d for d in candidates if d.api.id == found.group(1))
            if path == "/" and len(candidates) == 1:
                return candidates[0]
        for deployment in candidates:
            if path == f"/{deployment.stage.name}":
                return deployment
        return None

    def claims(self, scope: Scope) -> bool:
        """A WebSocket handshake for one of our stages, or an ``@connections`` request."""
        if not self.deployments:
            return False
        if scope["type"] == "websocket":
            return self.resolve(scope) is not None
        raw: bytes = scope.get("raw_path") or scope["path"].encode()
        return is_management_path(raw.decode("latin-1").split("?", 1)[0])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.management(scope, receive, send)
            return
        deployment = self.resolve(scope)
        if deployment is None:
            await send({"type": "websocket.close", "code": 1008})
            return
        if self.peers is not None:
            await self.peers.start()  # before this process hands out its first connection id
        await Session(deployment, self.invoker, self.registry, self.limits, scope, _host(scope)).run(receive, send)

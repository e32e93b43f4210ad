"""The gateway's ASGI entry: find the API and stage a request is for, build its context, run its pipeline.

URLs [reference §3, §12]: a REST API stage at ``/{stage}/...``; an HTTP API's ``$default`` stage at ``/...`` and
its other stages at ``/{stage}/...``; and any API by host, ``{api-id}.execute-api.localhost[:port]``. Without a
host match the first API (in project order) with a stage of the path's first segment wins, then an HTTP API's
``$default`` stage.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote_to_bytes

from nubis.gateway.asgi import Receive, Scope, Send, read_body
from nubis.gateway.context import InvocationContext, Invoker
from nubis.gateway.deployment import Deployment, compile_deployments
from nubis.gateway.integrations.http import HttpBackends
from nubis.gateway.pipelines import HTTP_PIPELINE, REST_PIPELINE
from nubis.gateway.responses import MAX_PAYLOAD
from nubis.gateway.websocket import WebSocketGateway, WebSocketLimits
from nubis.gateway.websocket.management import Authenticate
from nubis.project.model import ApiKind, Project

HOST_PATTERN = re.compile(r"^([a-z0-9]{10})\.execute-api\.")


def _host(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"host":
            return str(value.decode("latin-1"))
    server = scope.get("server")
    return f"{server[0]}:{server[1]}" if server else "localhost"


def _one_leading_slash(path: str) -> str:
    """``//dev/x`` as ``/dev/x``: REST ignores slashes doubled at the start [V LS snapshot, prepended slashes]."""
    return "/" + path.lstrip("/") if path.startswith("//") else path


def _percent_decoded(path: str) -> str:
    """A latin-1 request path with its %-escapes decoded as UTF-8 (``+`` stays a plus: it is not a query)."""
    if "%" not in path:
        return path
    return unquote_to_bytes(path.encode("latin-1")).decode("utf-8", errors="replace")


class GatewayApp:
    """Serves a project's HTTP and REST APIs; ``claims(scope)`` tells the server whether a request is ours."""

    def __init__(
        self,
        project: Project,
        invoker: Invoker,
        *,
        account: str,
        region: str,
        websocket_limits: WebSocketLimits | None = None,
        authenticate: Authenticate | None = None,
        websocket_peers: Path | None = None,
    ) -> None:
        self.project = project
        self.invoker = invoker
        self.deployments: Sequence[Deployment] = compile_deployments(project, account=account, region=region)
        self.websockets = WebSocketGateway(
            project, invoker, websocket_limits, websocket_peers, authenticate=authenticate
        )
        self.backends = HttpBackends()

    async def aclose(self) -> None:
        """At shutdown: close the integrations' pooled connections (HTTP backends) and the WebSocket peer link."""
        self.websockets.close()
        await self.backends.aclose()

    def resolve(self, scope: Scope) -> tuple[Deployment, str] | None:
        """The deployment a request is for and the path inside its stage, or None."""
        raw: bytes = scope.get("raw_path") or scope["path"].encode()
        path = raw.decode("latin-1").split("?", 1)[0] or "/"
        path = _one_leading_slash(path)  # "//stage/..." still reaches the stage
        candidates: Sequence[Deployment] = self.deployments
        found = HOST_PATTERN.match(_host(scope))
        if found is not None:
            candidates = [d for d in self.deployments if d.api.id == found.group(1)]
        first = path.split("/", 2)[1] if path.count("/") >= 1 else ""
        for deployment in candidates:
            if deployment.stage.name == first:
                rest = path[len(first) + 1 :]
                return deployment, rest or "/"
        for deployment in candidates:
            if deployment.kind is ApiKind.HTTP and deployment.stage.name == "$default":
                return deployment, path
        return None

    def claims(self, scope: Scope) -> bool:
        """Whether a project API serves this request; the answer is kept in the scope for ``__call__``."""
        if self.websockets.claims(scope):
            scope["nubis.websocket"] = True
            return True
        if scope["type"] != "http":
            return False
        resolved = self.resolve(scope)
        scope["nubis.gateway"] = resolved
        return resolved is not None

    max_body = MAX_PAYLOAD
    """The largest body ``answer`` takes; the listener leaves bigger ones to ``__call__``, which answers 413."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("nubis.websocket") or scope["type"] == "websocket":
            await self.websockets(scope, receive, send)
            return
        body = await read_body(receive, MAX_PAYLOAD)
        status, headers, payload = await self.answer(scope, body)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    async def answer(self, scope: Scope, body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """The response to an HTTP or REST API request whose body has been read (the listener calls this directly
        for plain requests, ``nubis.listener``)."""
        resolved = scope["nubis.gateway"] if "nubis.gateway" in scope else self.resolve(scope)
        assert resolved is not None, "the server only sends requests the gateway claims"
        deployment, stage_path = resolved
        raw: bytes = scope.get("raw_path") or scope["path"].encode()
        path = raw.decode("latin-1").split("?", 1)[0] or "/"
        if deployment.kind is ApiKind.HTTP:
            # HTTP APIs decode the path for routing and the event (``%2F`` is a slash, ``rawPath`` and pathParameters
            # decoded) [D http-api-develop-routes.md]; REST keeps it as sent [V LS snapshot, reference §1.1].
            path, stage_path = _percent_decoded(path), _percent_decoded(stage_path)
        else:
            # REST: slashes doubled before the stage are dropped, and right after it they do not take part in routing
            # ("/dev//items" is "/items"; requestContext.path keeps them) [V LS snapshot, prepended-slash events].
            path, stage_path = _one_leading_slash(path), _one_leading_slash(stage_path)
        raw_headers = scope.get("headers", ())
        names = scope.get("nubis.header_names")  # as sent (``nubis.listener``); ASGI's are lowercased
        if names is None or len(names) != len(raw_headers):
            names = [k for k, _v in raw_headers]
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, (_, v) in zip(names, raw_headers, strict=True)]
        client = scope.get("client")
        ctx = InvocationContext(
            deployment=deployment,
            invoker=self.invoker,
            backends=self.backends,
            method=scope["method"],
            path=path,
            stage_path=stage_path,
            raw_query=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            body=body,
            domain_name=_host(scope),
            source_ip=client[0] if client else "127.0.0.1",
        )
        pipeline = HTTP_PIPELINE if deployment.kind is ApiKind.HTTP else REST_PIPELINE
        response = await pipeline.run(ctx)
        data = b"" if scope["method"] == "HEAD" else response.body
        out = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers if k.lower() != "content-length"]
        out.append((b"content-length", b"%d" % len(response.body)))
        return response.status, out, data

"""One WebSocket connection from handshake to ``$disconnect``: a coroutine on the event loop per connection.

::

    handshake ── $connect (2xx → accept 101, else refuse with the status) ── register
    loop: receive frame ─┬─ text → select route → invoke (a task per message) → reply if two-way
                         ├─ binary → close 1003
                         ├─ idle timeout / maximum duration → close 1001
                         └─ client close, drop, DeleteConnection, server stop → leave the loop
    unregister ── $disconnect (always, best effort)

Messages are handled in tasks so that a slow route never stops the loop from noticing a close; AWS also runs
routes of one connection concurrently [D].
"""

from __future__ import annotations

import asyncio
import base64
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson

from nubis.gateway.asgi import Receive, Scope, Send
from nubis.gateway.context import Invoker
from nubis.gateway.events.websocket import (
    EventType,
    WebSocketEventInput,
    build_websocket_event,
    connect_status,
    error_frame,
    reply_body,
)
from nubis.gateway.ids import clf_time, short_id
from nubis.gateway.websocket.connections import Connection, ConnectionGone, ConnectionRegistry
from nubis.gateway.websocket.limits import GOING_AWAY, UNSUPPORTED_DATA, WebSocketLimits
from nubis.project.model import Api, Route, Stage

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WebSocketDeployment:
    """A WebSocket API on one stage, compiled once: routes by key, the selection function, function names."""

    api: Api
    stage: Stage
    routes: dict[str, Route]
    select: Callable[[str], str | None]
    functions: dict[str, str]

    def function_for(self, route: Route) -> str | None:
        integration = route.integration
        if integration is None:
            return None
        name = integration.function
        if name is None and integration.uri and ":function:" in integration.uri:
            name = integration.uri.split(":function:", 1)[1].split("/", 1)[0].split(":", 1)[0]
        if name is None:
            return None
        for key, value in self.stage.variables.items():
            name = name.replace("${stageVariables." + key + "}", value)
        return self.functions.get(name, name)


class Session:
    __slots__ = (
        "deployment",
        "domain_name",
        "invoker",
        "limits",
        "registry",
        "scope",
        "source_ip",
        "tasks",
        "user_agent",
    )

    def __init__(
        self,
        deployment: WebSocketDeployment,
        invoker: Invoker,
        registry: ConnectionRegistry,
        limits: WebSocketLimits,
        scope: Scope,
        domain_name: str,
    ) -> None:
        self.deployment = deployment
        self.invoker = invoker
        self.registry = registry
        self.limits = limits
        self.scope = scope
        self.domain_name = domain_name
        client = scope.get("client")
        self.source_ip: str = client[0] if client else "127.0.0.1"
        self.user_agent = next((v for k, v in self._headers() if k.lower() == "user-agent"), None)
        self.tasks: set[asyncio.Task[None]] = set()

    def _headers(self) -> list[tuple[str, str]]:
        """The handshake's headers, decoded when an event needs them (not kept per connection)."""
        return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in self.scope.get("headers", ())]

    # -- events and invocations -----------------------------------------------------------------------------
    def _event(
        self, connection: Connection, route_key: str, event_type: EventType, **extra: Any
    ) -> WebSocketEventInput:
        now = time.time()
        request_id = short_id()
        return WebSocketEventInput(
            route_key=route_key,
            event_type=event_type,
            connection_id=connection.id,
            connected_at=int(connection.connected_at * 1000),
            request_id=request_id,
            extended_request_id=request_id,
            request_time=clf_time(now),
            request_time_epoch=int(now * 1000),
            stage=self.deployment.stage.name,
            api_id=self.deployment.api.id,
            domain_name=self.domain_name,
            source_ip=self.source_ip,
            user_agent=self.user_agent,
            authorizer=connection.authorizer,
            stage_variables=self.deployment.stage.variables,
            **extra,
        )

    async def _invoke(self, route: Route, source: WebSocketEventInput) -> bytes | None:
        """The function's result, or None on a function error, a timeout or a missing function."""
        function = self.deployment.function_for(route)
        if function is None:
            return None
        assert route.integration is not None
        timeout = self.deployment.api.integration_timeout_ms(route.integration) / 1000
        task = asyncio.ensure_future(self.invoker.invoke(function, orjson.dumps(build_websocket_event(source))))
        done, _ = await asyncio.wait({task}, timeout=timeout)
        if not done:
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
            logger.warning("route %s of %s timed out", route.route_key, self.deployment.api.name)
            return None
        try:
            result = task.result()
        except Exception as exc:
            logger.warning("function %s could not be invoked: %s", function, exc)
            return None
        if result.function_error is not None:
            return None
        return result.payload

    # -- the connection's life ------------------------------------------------------------------------------
    async def run(self, receive: Receive, send: Send) -> None:
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        now = time.time()
        connection = Connection(
            id=self.registry.new_id(),
            api_id=self.deployment.api.id,
            stage=self.deployment.stage.name,
            source_ip=self.source_ip,
            user_agent=self.user_agent,
            connected_at=now,
            send_asgi=send,
        )
        if not await self._handshake(connection, send):
            return
        self.registry.add(connection)
        code, reason = 1006, ""
        try:
            code, reason = await self._loop(connection, receive)
        finally:
            connection.closed = True
            self.registry.remove(connection.id)
            await self._disconnect(connection, code, reason)

    async def _handshake(self, connection: Connection, send: Send) -> bool:
        route = self.deployment.routes.get("$connect")
        status, headers = 200, dict[str, str]()
        if route is not None:
            raw_query = self.scope.get("query_string", b"").decode("latin-1")
            source = self._event(
                connection,
                "$connect",
                "CONNECT",
                headers=self._connect_headers(),
                query=parse_qsl(raw_query, keep_blank_values=True),
            )
            payload = await self._invoke(route, source)
            status, headers = (500, {}) if payload is None else connect_status(payload)
        if not 200 <= status < 300:
            # AWS: a non-2xx $connect result rejects the upgrade with that status [D websocket-connect-route].
            if "websocket.http.response" in self.scope.get("extensions", {}):
                await send({"type": "websocket.http.response.start", "status": status, "headers": []})
                await send({"type": "websocket.http.response.body", "body": b""})
            else:
                await send({"type": "websocket.close", "code": 1008})
            return False
        accept: dict[str, Any] = {"type": "websocket.accept"}
        chosen = next((v for k, v in headers.items() if k.lower() == "sec-websocket-protocol"), None)
        if chosen:
            # The gateway never picks a subprotocol itself; the handler must return it [D; ISSUE s-o#1176].
            accept["subprotocol"] = chosen
        await send(accept)
        return True

    def _connect_headers(self) -> list[tuple[str, str]]:
        raw = self._headers()
        names = {k.lower() for k, _ in raw}
        headers = [(k.title() if k.islower() else k, v) for k, v in raw if k.lower() != "x-forwarded-for"]
        forwarded = next((v for k, v in raw if k.lower() == "x-forwarded-for"), None)
        headers.append(("X-Forwarded-For", f"{forwarded}, {self.source_ip}" if forwarded else self.source_ip))
        if "x-forwarded-port" not in names:
            server = self.scope.get("server")
            headers.append(("X-Forwarded-Port", str(server[1]) if server else "80"))
        if "x-forwarded-proto" not in names:
            headers.append(("X-Forwarded-Proto", "http"))
        return headers

    async def _loop(self, connection: Connection, receive: Receive) -> tuple[int, str]:
        """Until the connection ends; returns the close code and reason ``$disconnect`` reports.

        One timer per connection (``asyncio.timeout_at``) stands for both limits, and the session waits on ``receive``
        alone: a close by the gateway (DeleteConnection) comes back through it as a ``websocket.disconnect``. An idle
        connection holds no other task, future or timer. A message either way counts as activity (frames sent
        through ``@connections`` too; pings do not) [P ISSUE andyrichardson/subscriptionless#3]: the timer moves on
        with each message received, and when it fires after frames were sent meanwhile it is set again.
        """
        loop = asyncio.get_running_loop()
        too_old = loop.time() + self.limits.max_duration

        def deadline() -> float | None:
            idle_end = loop.time() + (connection.last_active_at + self.limits.idle_timeout - time.time())
            end = min(too_old, idle_end)
            return None if math.isinf(end) else end  # both limits off: no timer at all

        while True:
            try:
                async with asyncio.timeout_at(deadline()) as timer:
                    while True:
                        message = await receive()
                        if message["type"] == "websocket.disconnect":
                            if connection.close_code is not None:
                                return connection.close_code, ""
                            # uvicorn reports a lost TCP connection (no close frame) as 1005; RFC 6455 and
                            # AWS's disconnectStatusCode call that 1006, abnormal closure.
                            code = int(message.get("code") or 1006)
                            return (1006 if code == 1005 else code), str(message.get("reason") or "")
                        text: str | None = message.get("text")
                        binary = text is None
                        if binary:
                            if self.limits.binary_frames != "base64":
                                await connection.close(UNSUPPORTED_DATA)
                                return UNSUPPORTED_DATA, ""
                            text = base64.b64encode(message.get("bytes") or b"").decode("ascii")
                        connection.touch()
                        timer.reschedule(deadline())
                        assert text is not None
                        task = asyncio.ensure_future(self._message(connection, text, binary=binary))
                        self.tasks.add(task)
                        task.add_done_callback(self.tasks.discard)
            except TimeoutError:
                if loop.time() < too_old and time.time() < connection.last_active_at + self.limits.idle_timeout:
                    continue  # a frame went out meanwhile: not idle yet
                await connection.close(GOING_AWAY, "Going away")
                return GOING_AWAY, ""

    async def _message(self, connection: Connection, text: str, *, binary: bool = False) -> None:
        routes = self.deployment.routes
        key = None if binary else self.deployment.select(text)
        if key is None or key not in routes or key in ("$connect", "$disconnect"):
            key = "$default"
        route = routes.get(key)
        source = self._event(connection, key, "MESSAGE", body=text, base64_encoded=binary, message_id=short_id())
        try:
            if route is None:
                # No route and no $default: an error frame, the connection stays open [D; ISSUE s-w-c-a#24].
                await connection.send_text(error_frame("Forbidden", connection.id, source.request_id))
                return
            payload = await self._invoke(route, source)
            if payload is None:
                await connection.send_text(error_frame("Internal server error", connection.id, source.request_id))
                return
            if route.route_response_selection_expression:
                reply = reply_body(payload)
                if reply is not None:
                    await connection.send_text(reply)
        except ConnectionGone:
            return
        except Exception:
            logger.exception("WebSocket message on %s failed", connection.id)

    async def _disconnect(self, connection: Connection, code: int, reason: str) -> None:
        route = self.deployment.routes.get("$disconnect")
        if route is None:
            return
        source = self._event(
            connection,
            "$disconnect",
            "DISCONNECT",
            headers=self._headers(),
            disconnect_status_code=code,
            disconnect_reason=reason,
        )
        try:
            await self._invoke(route, source)
        except Exception:
            logger.exception("$disconnect of %s failed", connection.id)

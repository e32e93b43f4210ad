"""``InvocationContext``: one request's journey through a pipeline, its inputs and each step's output.

The app fills the request fields; ``parse`` sets the ids and times; ``route`` sets ``match``; for REST non-proxy
integrations ``integration_request`` sets ``integration_request``, the integration sets ``endpoint_response`` and
``integration_response`` turns it into ``response``; proxy integrations set ``response`` themselves; response
handlers adjust ``response``. Fields start empty and each step sets its own once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from nubis.gateway.deployment import Deployment
    from nubis.gateway.mapping.templates import TemplateState


class InvocationOutcome(Protocol):
    """What the gateway reads of an invocation (``nubis.functions.InvocationResult`` has it)."""

    payload: bytes
    function_error: str | None


class Invoker(Protocol):
    """The part of ``nubis.functions.Invoker`` the gateway uses; declared here so that the pure modules that
    read the context never depend on the function runtime."""

    async def invoke(self, name: str, payload: bytes = b"") -> InvocationOutcome: ...


class Backends(Protocol):
    """The HTTP client an app keeps for its HTTP integrations (``integrations.http.HttpBackends``): its pooled
    connections belong to the app, which closes them at shutdown. Typed loosely: the pure modules that read the
    context must not depend on httpx."""

    def client(self) -> Any:
        """The ``httpx.AsyncClient`` of the running event loop."""


@dataclass(slots=True)
class HttpResponse:
    """What goes back to the client."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lower = name.lower()
        for key, value in self.headers:
            if key.lower() == lower:
                return value
        return None

    def drop(self, *names: str) -> None:
        lowered = {n.lower() for n in names}
        self.headers = [(k, v) for k, v in self.headers if k.lower() not in lowered]


@dataclass(slots=True)
class RouteMatch:
    """The route step's output: what matched and the path parameters."""

    route_key: str
    """HTTP APIs: the route key (``GET /items/{id}``, ``$default``). REST: ``METHOD /resource``."""
    resource_path: str | None
    """REST (and HTTP payload 1.0's ``resource``): the resource path template."""
    integration: Any
    """The ``nubis.project.model.Integration`` of the matched route or method."""
    path_parameters: dict[str, str]
    resource_id: str | None = None


@dataclass(slots=True)
class IntegrationRequest:
    """REST non-proxy: the request after its mapping (the rendered template, or the body passed through)."""

    body: bytes
    templates: TemplateState
    """``$context`` and the rest, shared with the response template (overrides set here are read there)."""
    rendered: bool
    """Whether a request template produced ``body`` (a MOCK integration reads its status from it)."""
    content_type: str | None = None
    """The media type the body is sent as (the template's key, or the request's ``Content-Type``)."""


@dataclass(slots=True)
class EndpointResponse:
    """REST non-proxy: what the backend answered, before the integration response maps it."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    selection_value: str | None
    """What ``selectionPattern``s are matched against: a Lambda error's ``errorMessage`` (None on success), an HTTP
    status for other integrations."""


@dataclass(slots=True)
class InvocationContext:
    deployment: Deployment
    invoker: Invoker
    method: str
    path: str
    """The request path, stage included (``/dev/items/1``): as sent for REST APIs, percent-decoded for HTTP APIs."""
    stage_path: str
    """The path inside the stage (``/items/1``), the one routes match against (decoded as ``path`` is)."""
    raw_query: str
    headers: list[tuple[str, str]]
    """Request headers in arrival order, names as received."""
    body: bytes
    domain_name: str
    source_ip: str
    protocol: str = "HTTP/1.1"
    request_id: str = ""
    extended_request_id: str = ""
    request_time: str = ""
    request_time_epoch: int = 0
    trace_id: str = ""
    """The ``X-Amzn-Trace-Id`` value the integration sees (``ids.trace_header``)."""
    match: RouteMatch | None = None
    integration_request: IntegrationRequest | None = None
    endpoint_response: EndpointResponse | None = None
    response: HttpResponse | None = None
    backends: Backends | None = None
    """Where HTTP integrations get their client; None only in contexts built without an app (unit tests)."""
    state: dict[str, Any] = field(default_factory=dict)
    _by_name: dict[str, str] | None = None

    def header(self, name: str) -> str | None:
        """A request header by name, any case; repeated headers joined with commas (as API Gateway joins them)."""
        by_name = self._by_name
        if by_name is None:
            by_name = {}
            for key, value in self.headers:
                lower = key.lower()
                by_name[lower] = f"{by_name[lower]},{value}" if lower in by_name else value
            self._by_name = by_name
        return by_name.get(name.lower())

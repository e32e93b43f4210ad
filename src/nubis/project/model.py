"""The definition model: what a project defines, independent of the file format it came from.

Every loader (serverless.yml, SAM/CloudFormation, OpenAPI, Python) produces these objects and the gateway, the
console and the exporter consume them; none of them sees a file. The objects are frozen and validated on
construction, so a ``Project`` that exists is one the gateway can compile without re-checking (house principle 3,
"compile at definition time").

::

    Project ─┬─ functions: {name: FunctionDef}
             ├─ tables:    (TableDef …)           a CreateTable request in DynamoDB's wire shape
             └─ apis:      (Api …)
                  Api(kind=REST)       resources: (Resource(path, methods={verb: Method(integration, auth…)}) …)
                  Api(kind=HTTP)       routes:    (Route("GET /notes/{id}", integration) …), cors
                  Api(kind=WEBSOCKET)  routes:    (Route("$connect") …), route_selection_expression
                  all kinds            stages, authorizers, binary media types, api keys, usage plans

Names follow AWS's vocabulary in Python casing (``Integration.timeout_in_millis`` is ``timeoutInMillis``). Values
that AWS spells in upper case (``AWS_PROXY``, ``TOKEN``) are ``StrEnum`` members with AWS's spelling.

Validation errors are raised without a location; the loader that built the object adds the file, line and key.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from nubis.project.errors import ProjectError

__all__ = [
    "BUILTIN_MODELS",
    "Api",
    "ApiKey",
    "ApiKind",
    "AuthorizationType",
    "Authorizer",
    "AuthorizerType",
    "Cors",
    "EventSummary",
    "FunctionDef",
    "GatewayResponse",
    "Integration",
    "IntegrationResponse",
    "IntegrationType",
    "Method",
    "MethodResponse",
    "PayloadFormatVersion",
    "Project",
    "RequestValidator",
    "Resource",
    "Route",
    "Stage",
    "TableDef",
    "UsagePlan",
    "api_id_for",
    "frozen_map",
    "lambda_invocation_uri",
]

PayloadFormatVersion = Literal["1.0", "2.0"]

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
"""Methods a route or resource method may name, besides ``ANY`` [D http-api-develop-routes.md]."""

REST_TIMEOUT_MS = (50, 29_000)
"""REST integration timeout bounds, default 29 s [D limits.md]."""
HTTP_TIMEOUT_MS = (50, 30_000)
"""HTTP API integration timeout bounds, default 30 s [D limits.md]."""

BUILTIN_MODELS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "Empty": MappingProxyType(
            {"$schema": "http://json-schema.org/draft-04/schema#", "title": "Empty Schema", "type": "object"}
        ),
        "Error": MappingProxyType(
            {
                "$schema": "http://json-schema.org/draft-04/schema#",
                "title": "Error Schema",
                "type": "object",
                "properties": {"message": {"type": "string"}},
            }
        ),
    }
)
"""The models API Gateway creates in every REST API [D models-mappings-models.md]."""

_SEGMENT = re.compile(r"^(?:[A-Za-z0-9_\-.,:~@!$&'()*=;%]+|\{[A-Za-z0-9_.\-]+\}|\{[A-Za-z0-9_.\-]+\+\})$")
_STAGE_NAME = re.compile(r"^[A-Za-z0-9_\-]{1,128}$")
_WS_ROUTE = re.compile(r"^\S+$")
_HANDLER = re.compile(r"^[^\s]+\.[A-Za-z_][A-Za-z0-9_]*$")


def frozen_map(value: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """A read-only mapping, so that frozen dataclasses are frozen all the way down."""
    return MappingProxyType(dict(value or {}))


def api_id_for(project: str, logical_id: str) -> str:
    """A stable 10-character API id (AWS's id shape) derived from the project and the API's logical id.

    Stable ids keep invoke URLs (``{id}.execute-api.localhost``) the same across restarts.
    """
    digest = hashlib.sha256(f"{project}\0{logical_id}".encode()).digest()
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[b % len(alphabet)] for b in digest[:10])


def lambda_invocation_uri(function_arn: str, region: str) -> str:
    """The integration URI API Gateway uses for a Lambda function [D api-gateway-swagger-extensions-integration]."""
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def _err(message: str, code: str = "bad-value") -> ProjectError:
    return ProjectError(code, message)


class ApiKind(StrEnum):
    """The three API Gateway products: REST (v1), HTTP and WebSocket (v2)."""

    REST = "REST"
    HTTP = "HTTP"
    WEBSOCKET = "WEBSOCKET"


class IntegrationType(StrEnum):
    AWS_PROXY = "AWS_PROXY"
    AWS = "AWS"
    HTTP = "HTTP"
    HTTP_PROXY = "HTTP_PROXY"
    MOCK = "MOCK"


class AuthorizerType(StrEnum):
    """Authorizer objects. ``TOKEN``/``REQUEST`` are Lambda authorizers; IAM is an authorization *type*, not an
    authorizer object (``AuthorizationType.AWS_IAM``), as in API Gateway."""

    JWT = "JWT"
    TOKEN = "TOKEN"
    REQUEST = "REQUEST"
    COGNITO_USER_POOLS = "COGNITO_USER_POOLS"


class AuthorizationType(StrEnum):
    NONE = "NONE"
    AWS_IAM = "AWS_IAM"
    CUSTOM = "CUSTOM"
    COGNITO_USER_POOLS = "COGNITO_USER_POOLS"
    JWT = "JWT"


@dataclass(frozen=True, slots=True)
class EventSummary:
    """One trigger of a function as written in the file (``http GET /notes``, ``Schedule rate(5 minutes)``)."""

    kind: str
    """The event type as the format spells it: ``http``, ``httpApi``, ``websocket``, ``Api``, ``DynamoDB``..."""
    detail: str = ""
    """A short human description (route key, schedule, table)."""
    properties: Mapping[str, Any] = field(default_factory=frozen_map)
    """The event's resolved properties, for event types the gateway does not serve (streams, schedules)."""


@dataclass(frozen=True, slots=True)
class FunctionDef:
    """A function: handler code plus the settings the function runtime needs."""

    name: str
    """The key in the project (serverless function key or SAM logical id)."""
    handler: str
    """``module.func`` or ``path/module.func`` (serverless), relative to ``code_dir``."""
    runtime: str
    code_dir: Path
    timeout: int = 3
    """Seconds (Lambda: 1..900; SAM default 3, serverless default 6)."""
    memory: int = 128
    """MB (Lambda: 128..10240)."""
    environment: Mapping[str, str] = field(default_factory=frozen_map)
    reserved_concurrency: int | None = None
    function_name: str | None = None
    """The deployed name (``{service}-{stage}-{name}``), which appears in ARNs and ``context.function_name``."""
    events: tuple[EventSummary, ...] = ()
    inline_code: str | None = None
    """SAM ``InlineCode`` (CloudFormation ``Code.ZipFile``): the source that AWS writes to a file named ``index``
    (``index.py``), so the handler is ``index.<function>`` [D AWS::Lambda::Function Code]. The server writes it to a
    folder of its own; ``code_dir`` is then unused."""

    def __post_init__(self) -> None:
        if not self.name:
            raise _err("a function needs a name", "missing-key")
        if not _HANDLER.match(self.handler):
            raise _err(f"handler {self.handler!r} must look like 'module.function'", "bad-handler")
        if not 1 <= self.timeout <= 900:
            raise _err(f"timeout {self.timeout} must be between 1 and 900 seconds")
        if not 128 <= self.memory <= 10_240:
            raise _err(f"memory size {self.memory} must be between 128 and 10240 MB")
        if self.reserved_concurrency is not None and self.reserved_concurrency < 0:
            raise _err("reserved concurrency must be zero or more")
        for key, value in self.environment.items():
            if not isinstance(value, str):
                raise _err(f"environment variable {key} must be a string, not {type(value).__name__}", "bad-type")
        object.__setattr__(self, "environment", frozen_map(self.environment))

    @property
    def deployed_name(self) -> str:
        return self.function_name or self.name


@dataclass(frozen=True, slots=True)
class IntegrationResponse:
    """REST non-proxy integration response (``x-amazon-apigateway-integration.responses``)."""

    status_code: str
    selection_pattern: str | None = None
    """The regex matched against the Lambda error message or HTTP status; None is the ``default`` response."""
    response_parameters: Mapping[str, str] = field(default_factory=frozen_map)
    response_templates: Mapping[str, str] = field(default_factory=frozen_map)
    content_handling: str | None = None

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[1-5]\d\d", self.status_code):
            raise _err(f"integration response status code {self.status_code!r} must be a 3-digit HTTP status")
        object.__setattr__(self, "response_parameters", frozen_map(self.response_parameters))
        object.__setattr__(self, "response_templates", frozen_map(self.response_templates))


@dataclass(frozen=True, slots=True)
class Integration:
    """Where a method or route sends the request.

    For Lambda (``AWS_PROXY``, or ``AWS`` with a Lambda URI) ``function`` names the project function when the
    loader could tie the URI to one; ``uri`` keeps what the file said (it may hold ``${stageVariables.x}``).
    """

    type: IntegrationType
    uri: str | None = None
    function: str | None = None
    http_method: str | None = None
    """The method used towards the backend (POST for Lambda)."""
    payload_format_version: PayloadFormatVersion | None = None
    """HTTP API Lambda proxy: 1.0 or 2.0. REST proxy is always 1.0 (left None)."""
    timeout_in_millis: int | None = None
    """None means the API kind's default (REST 29 000, HTTP 30 000)."""
    request_templates: Mapping[str, str] = field(default_factory=frozen_map)
    request_parameters: Mapping[str, str] = field(default_factory=frozen_map)
    responses: tuple[IntegrationResponse, ...] = ()
    response_parameters: Mapping[str, Mapping[str, str]] = field(default_factory=frozen_map)
    """HTTP APIs: response parameter mappings per status code (``{"200": {"append:header.x": "v"}}``)."""
    passthrough_behavior: str | None = None
    content_handling: str | None = None
    credentials: str | None = None
    integration_subtype: str | None = None
    connection_type: str | None = None
    cache_key_parameters: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.type in (IntegrationType.HTTP, IntegrationType.HTTP_PROXY) and not self.uri:
            raise _err(f"an {self.type} integration needs a uri", "missing-key")
        if self.type is IntegrationType.AWS_PROXY and not (self.uri or self.function):
            raise _err("an AWS_PROXY integration needs a function or a uri", "missing-key")
        if self.payload_format_version not in (None, "1.0", "2.0"):
            raise _err(f"payloadFormatVersion must be 1.0 or 2.0, not {self.payload_format_version!r}")
        if self.passthrough_behavior is not None and self.passthrough_behavior not in (
            "WHEN_NO_MATCH",
            "WHEN_NO_TEMPLATES",
            "NEVER",
        ):
            raise _err(
                f"passthroughBehavior {self.passthrough_behavior!r} must be when_no_match, when_no_templates or never"
            )
        object.__setattr__(self, "request_templates", frozen_map(self.request_templates))
        object.__setattr__(self, "request_parameters", frozen_map(self.request_parameters))
        object.__setattr__(
            self, "response_parameters", frozen_map({k: frozen_map(v) for k, v in self.response_parameters.items()})
        )


@dataclass(frozen=True, slots=True)
class MethodResponse:
    status_code: str
    response_parameters: Mapping[str, bool] = field(default_factory=frozen_map)
    """``method.response.header.X`` → required."""
    response_models: Mapping[str, str] = field(default_factory=frozen_map)

    def __post_init__(self) -> None:
        object.__setattr__(self, "response_parameters", frozen_map(self.response_parameters))
        object.__setattr__(self, "response_models", frozen_map(self.response_models))


def _check_auth(authorization_type: AuthorizationType, authorizer: str | None, what: str) -> None:
    needs = authorization_type in (
        AuthorizationType.CUSTOM,
        AuthorizationType.COGNITO_USER_POOLS,
        AuthorizationType.JWT,
    )
    if needs and not authorizer:
        raise _err(f"{what} with authorization {authorization_type} needs an authorizer", "missing-key")
    if not needs and authorizer:
        raise _err(f"{what} names authorizer {authorizer!r} but its authorization type is {authorization_type}")


@dataclass(frozen=True, slots=True)
class Method:
    """A REST method on a resource (``GET`` on ``/notes/{id}``; ``ANY`` catches verbs not defined)."""

    http_method: str
    integration: Integration
    authorization_type: AuthorizationType = AuthorizationType.NONE
    authorizer: str | None = None
    authorization_scopes: tuple[str, ...] = ()
    api_key_required: bool = False
    request_parameters: Mapping[str, bool] = field(default_factory=frozen_map)
    """``method.request.{path|querystring|header}.X`` → required."""
    request_validator: str | None = None
    request_models: Mapping[str, str] = field(default_factory=frozen_map)
    """Content type (or ``$default``) → the name of the API model the body must match when the method's validator
    validates bodies [D api-gateway-method-request-validation.md]."""
    operation_name: str | None = None
    method_responses: tuple[MethodResponse, ...] = ()

    def __post_init__(self) -> None:
        if self.http_method not in (*HTTP_METHODS, "ANY"):
            raise _err(f"method {self.http_method!r} is not one of {', '.join((*HTTP_METHODS, 'ANY'))}")
        _check_auth(self.authorization_type, self.authorizer, f"method {self.http_method}")
        object.__setattr__(self, "request_parameters", frozen_map(self.request_parameters))
        object.__setattr__(self, "request_models", frozen_map(self.request_models))


@dataclass(frozen=True, slots=True)
class Resource:
    """A REST resource: a path in the tree and the methods on it. The root ``/`` always exists."""

    path: str
    methods: Mapping[str, Method] = field(default_factory=frozen_map)

    def __post_init__(self) -> None:
        check_path(self.path, greedy_allowed=True)
        for verb, method in self.methods.items():
            if verb != method.http_method:
                raise _err(f"method key {verb!r} differs from its http_method {method.http_method!r}")
        object.__setattr__(self, "methods", frozen_map(self.methods))

    @property
    def path_part(self) -> str:
        return "" if self.path == "/" else self.path.rsplit("/", 1)[1]

    @property
    def parent_path(self) -> str | None:
        if self.path == "/":
            return None
        parent = self.path.rsplit("/", 1)[0]
        return parent or "/"


def check_path(path: str, *, greedy_allowed: bool) -> None:
    """A path is ``/`` or ``/seg/...`` where a segment is a literal, ``{name}`` or (last only) ``{name+}``.

    AWS: path parameters must be whole segments, and a greedy parameter must end the path [D known-issues].
    """
    if path == "/":
        return
    if not path.startswith("/") or path.endswith("/"):
        raise _err(f"path {path!r} must start with '/' and not end with '/'", "bad-path")
    segments = path[1:].split("/")
    names: set[str] = set()
    for i, segment in enumerate(segments):
        if not _SEGMENT.match(segment):
            raise _err(f"path {path!r}: segment {segment!r} is not a literal, {{name}} or {{name+}}", "bad-path")
        if segment.startswith("{"):
            name = segment.strip("{}+")
            if name in names:
                raise _err(f"path {path!r} names parameter {name!r} twice", "bad-path")
            names.add(name)
            if segment.endswith("+}") and (not greedy_allowed or i != len(segments) - 1):
                raise _err(f"path {path!r}: a greedy parameter {segment} must be the last segment", "bad-path")


@dataclass(frozen=True, slots=True)
class Route:
    """An HTTP API route (``GET /notes/{id}``, ``ANY /{proxy+}``, ``$default``) or a WebSocket route
    (``$connect``, ``$disconnect``, ``$default``, or a custom key such as ``sendMessage``)."""

    route_key: str
    integration: Integration | None
    authorization_type: AuthorizationType = AuthorizationType.NONE
    authorizer: str | None = None
    authorization_scopes: tuple[str, ...] = ()
    api_key_required: bool = False
    operation_name: str | None = None
    route_response_selection_expression: str | None = None
    request_parameters: Mapping[str, bool] = field(default_factory=frozen_map)

    def __post_init__(self) -> None:
        _check_auth(self.authorization_type, self.authorizer, f"route {self.route_key!r}")
        object.__setattr__(self, "request_parameters", frozen_map(self.request_parameters))

    @property
    def method(self) -> str | None:
        """``GET`` for ``GET /x``; None for ``$default`` and WebSocket routes."""
        verb, sep, _ = self.route_key.partition(" ")
        return verb if sep else None

    @property
    def path(self) -> str | None:
        _, sep, path = self.route_key.partition(" ")
        return path if sep else None


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    variables: Mapping[str, str] = field(default_factory=frozen_map)
    description: str | None = None
    throttling_burst_limit: int | None = None
    throttling_rate_limit: float | None = None

    def __post_init__(self) -> None:
        if self.name != "$default" and not _STAGE_NAME.match(self.name):
            raise _err(f"stage name {self.name!r} may only hold letters, digits, '-' and '_' (1-128)", "bad-stage")
        for key, value in self.variables.items():
            if not re.fullmatch(r"[A-Za-z0-9_]+", key):
                raise _err(f"stage variable name {key!r} may only hold letters, digits and '_'")
            if not isinstance(value, str):
                raise _err(f"stage variable {key} must be a string", "bad-type")
        object.__setattr__(self, "variables", frozen_map(self.variables))


@dataclass(frozen=True, slots=True)
class Cors:
    """HTTP API ``CorsConfiguration`` (``x-amazon-apigateway-cors``); API Gateway answers preflights itself."""

    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    allow_credentials: bool = False
    max_age: int | None = None

    def __post_init__(self) -> None:
        if self.max_age is not None and not -1 <= self.max_age <= 86_400:
            raise _err("CORS maxAge must be between -1 and 86400 seconds")
        if self.allow_credentials and "*" in self.allow_origins:
            # AWS rejects this combination on import [D http-api-cors.md].
            raise _err("CORS allowCredentials cannot be used with allowOrigins '*'")


@dataclass(frozen=True, slots=True)
class Authorizer:
    """An authorizer object. ``function`` is the project function for Lambda authorizers."""

    name: str
    type: AuthorizerType
    identity_source: tuple[str, ...] = ()
    function: str | None = None
    authorizer_uri: str | None = None
    issuer: str | None = None
    audience: tuple[str, ...] = ()
    provider_arns: tuple[str, ...] = ()
    result_ttl_in_seconds: int = 300
    identity_validation_expression: str | None = None
    payload_format_version: PayloadFormatVersion | None = None
    """HTTP API Lambda authorizers: 1.0 or 2.0."""
    enable_simple_responses: bool = False

    def __post_init__(self) -> None:
        if self.type is AuthorizerType.JWT and not self.issuer:
            raise _err(f"JWT authorizer {self.name!r} needs an issuer", "missing-key")
        if self.type is AuthorizerType.COGNITO_USER_POOLS and not self.provider_arns:
            raise _err(f"Cognito authorizer {self.name!r} needs providerARNs", "missing-key")
        if self.type in (AuthorizerType.TOKEN, AuthorizerType.REQUEST) and not (self.function or self.authorizer_uri):
            raise _err(f"Lambda authorizer {self.name!r} needs a function", "missing-key")
        if not 0 <= self.result_ttl_in_seconds <= 3600:
            raise _err("authorizerResultTtlInSeconds must be between 0 and 3600")
        if len(self.audience) > 50:
            raise _err("a JWT authorizer allows at most 50 audiences")


@dataclass(frozen=True, slots=True)
class ApiKey:
    name: str
    value: str | None = None
    """None: generated when the gateway starts."""
    enabled: bool = True

    def __post_init__(self) -> None:
        if self.value is not None and not re.fullmatch(r"[A-Za-z0-9]{20,128}", self.value):
            raise _err(f"API key {self.name!r}: a value must be 20-128 letters or digits")


@dataclass(frozen=True, slots=True)
class UsagePlan:
    name: str
    stages: tuple[str, ...] = ()
    api_keys: tuple[str, ...] = ()
    throttle_burst_limit: int | None = None
    throttle_rate_limit: float | None = None
    quota_limit: int | None = None
    quota_period: str | None = None
    quota_offset: int = 0

    def __post_init__(self) -> None:
        if self.quota_period is not None and self.quota_period not in ("DAY", "WEEK", "MONTH"):
            raise _err(f"usage plan quota period {self.quota_period!r} must be DAY, WEEK or MONTH")


@dataclass(frozen=True, slots=True)
class GatewayResponse:
    """A customised gateway response (``DEFAULT_4XX``, ``MISSING_AUTHENTICATION_TOKEN``, ...)."""

    response_type: str
    status_code: str | None = None
    response_parameters: Mapping[str, str] = field(default_factory=frozen_map)
    response_templates: Mapping[str, str] = field(default_factory=frozen_map)


@dataclass(frozen=True, slots=True)
class RequestValidator:
    name: str
    validate_request_body: bool = False
    validate_request_parameters: bool = False


@dataclass(frozen=True, slots=True)
class Api:
    """One API of any kind. REST APIs use ``resources``; HTTP and WebSocket APIs use ``routes``."""

    id: str
    name: str
    kind: ApiKind
    logical_id: str = ""
    stages: tuple[Stage, ...] = ()
    resources: tuple[Resource, ...] = ()
    routes: tuple[Route, ...] = ()
    cors: Cors | None = None
    binary_media_types: tuple[str, ...] = ()
    authorizers: Mapping[str, Authorizer] = field(default_factory=frozen_map)
    api_key_source: str = "HEADER"
    api_keys: tuple[ApiKey, ...] = ()
    usage_plans: tuple[UsagePlan, ...] = ()
    gateway_responses: Mapping[str, GatewayResponse] = field(default_factory=frozen_map)
    request_validators: Mapping[str, RequestValidator] = field(default_factory=frozen_map)
    models: Mapping[str, Mapping[str, Any]] = field(default_factory=frozen_map)
    """REST models: name → JSON schema (draft 4). ``Empty`` and ``Error`` exist in every REST API, as AWS creates
    them [D models-mappings-models.md]."""
    route_selection_expression: str | None = None
    api_key_selection_expression: str | None = None
    description: str | None = None
    version: str | None = None
    minimum_compression_size: int | None = None
    disable_execute_api_endpoint: bool = False

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9]{10}", self.id):
            raise _err(f"API id {self.id!r} must be 10 lowercase letters or digits")
        if not self.stages:
            raise _err(f"API {self.name!r} has no stage", "missing-key")
        names = [s.name for s in self.stages]
        if len(set(names)) != len(names):
            raise _err(f"API {self.name!r} has duplicate stage names")
        if self.kind is ApiKind.REST:
            self._check_rest()
        else:
            self._check_routes()
        used = [r.authorizer for r in self.routes] + [m.authorizer for r in self.resources for m in r.methods.values()]
        for name in used:
            if name and name not in self.authorizers:
                raise _err(f"unknown authorizer {name!r}", "unknown-reference")
        if self.api_key_source not in ("HEADER", "AUTHORIZER"):
            raise _err(f"apiKeySource {self.api_key_source!r} must be HEADER or AUTHORIZER")
        if self.minimum_compression_size is not None and not 0 <= self.minimum_compression_size <= 10_485_760:
            raise _err("minimumCompressionSize must be between 0 and 10485760")
        object.__setattr__(self, "authorizers", frozen_map(self.authorizers))
        object.__setattr__(self, "gateway_responses", frozen_map(self.gateway_responses))
        object.__setattr__(self, "request_validators", frozen_map(self.request_validators))
        object.__setattr__(self, "models", frozen_map({k: frozen_map(v) for k, v in self.models.items()}))

    def _check_rest(self) -> None:
        if self.routes:
            raise _err("a REST API has resources, not routes")
        if "$default" in (s.name for s in self.stages):
            raise _err("a REST API has no $default stage", "bad-stage")
        paths = {r.path for r in self.resources}
        if "/" not in paths:
            raise _err("a REST API's resources must include the root '/'")
        for resource in self.resources:
            parent = resource.parent_path
            if parent is not None and parent not in paths:
                raise _err(f"resource {resource.path!r} has no parent resource {parent!r}")
            for method in resource.methods.values():
                _check_timeout(method.integration, REST_TIMEOUT_MS)
                if method.request_validator and method.request_validator not in self.request_validators:
                    raise _err(f"unknown request validator {method.request_validator!r}", "unknown-reference")
                for model in method.request_models.values():
                    if model not in self.models and model not in BUILTIN_MODELS:
                        raise _err(
                            f"{method.http_method} {resource.path}: unknown model {model!r}", "unknown-reference"
                        )
        siblings: dict[str | None, str] = {}
        for resource in self.resources:
            part = resource.path_part
            if part.startswith("{"):
                # AWS: one variable path part per parent ("A sibling resource already has a variable path part").
                other = siblings.setdefault(resource.parent_path, part)
                if other != part:
                    raise _err(f"resources {other!r} and {part!r} are variable siblings under {resource.parent_path!r}")

    def _check_routes(self) -> None:
        if self.resources:
            raise _err(f"a {self.kind} API has routes, not resources")
        seen: set[str] = set()
        for route in self.routes:
            if route.route_key in seen:
                raise _err(f"route {route.route_key!r} is defined twice", "duplicate-route")
            seen.add(route.route_key)
            if self.kind is ApiKind.HTTP:
                if route.route_key != "$default":
                    method, sep, path = route.route_key.partition(" ")
                    if not sep or method not in (*HTTP_METHODS, "ANY"):
                        raise _err(f"route key {route.route_key!r} must be '$default' or 'METHOD /path'", "bad-route")
                    check_path(path, greedy_allowed=True)
                if route.integration is not None:
                    _check_timeout(route.integration, HTTP_TIMEOUT_MS)
            else:
                key = route.route_key
                if key.startswith("$") and key not in ("$connect", "$disconnect", "$default"):
                    raise _err(f"WebSocket route {key!r}: only $connect, $disconnect and $default may start with '$'")
                if not _WS_ROUTE.match(key):
                    raise _err(f"WebSocket route key {key!r} must not be empty or hold spaces", "bad-route")
                if key != "$connect" and (
                    route.authorization_type is not AuthorizationType.NONE or route.api_key_required
                ):
                    raise _err(f"WebSocket route {key!r}: authorization and API keys apply to $connect only")
        if self.kind is ApiKind.WEBSOCKET and not self.route_selection_expression:
            raise _err("a WebSocket API needs a route selection expression", "missing-key")

    def resource(self, path: str) -> Resource | None:
        for resource in self.resources:
            if resource.path == path:
                return resource
        return None

    def children(self, path: str) -> tuple[Resource, ...]:
        return tuple(r for r in self.resources if r.parent_path == path)

    def route(self, route_key: str) -> Route | None:
        for route in self.routes:
            if route.route_key == route_key:
                return route
        return None

    def stage(self, name: str) -> Stage | None:
        for stage in self.stages:
            if stage.name == name:
                return stage
        return None

    def integration_timeout_ms(self, integration: Integration) -> int:
        """The timeout that applies: the integration's own or the kind's default (REST 29 s, HTTP 30 s)."""
        if integration.timeout_in_millis is not None:
            return integration.timeout_in_millis
        return HTTP_TIMEOUT_MS[1] if self.kind is ApiKind.HTTP else REST_TIMEOUT_MS[1]

    def integrations(self) -> tuple[Integration, ...]:
        found = [m.integration for r in self.resources for m in r.methods.values()]
        found += [r.integration for r in self.routes if r.integration is not None]
        return tuple(found)


def _check_timeout(integration: Integration, bounds: tuple[int, int]) -> None:
    timeout = integration.timeout_in_millis
    if timeout is not None and not bounds[0] <= timeout <= bounds[1]:
        raise _err(f"timeoutInMillis {timeout} must be between {bounds[0]} and {bounds[1]}")


@dataclass(frozen=True, slots=True)
class TableDef:
    """A DynamoDB table declared in the project, as the CreateTable request that creates it.

    ``create_table`` is in DynamoDB's wire shape (``TableName``, ``KeySchema``, ``AttributeDefinitions``,
    ``BillingMode``, ``ProvisionedThroughput``, ``GlobalSecondaryIndexes``, ``LocalSecondaryIndexes``,
    ``StreamSpecification``, ``SSESpecification``, ``TableClass``, ``DeletionProtectionEnabled``, ``Tags``) so the
    server can hand it to the table service unchanged. TTL is not part of CreateTable (it is UpdateTimeToLive), so
    it is kept apart in ``time_to_live``.
    """

    logical_id: str
    create_table: Mapping[str, Any]
    time_to_live: Mapping[str, Any] | None = None
    """``{"AttributeName": ..., "Enabled": bool}`` as UpdateTimeToLive's ``TimeToLiveSpecification``."""

    def __post_init__(self) -> None:
        request = self.create_table
        name = request.get("TableName")
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]{3,255}", name):
            raise _err(f"table name {name!r} must be 3-255 letters, digits, '_', '-' or '.'")
        defined = {a["AttributeName"]: a["AttributeType"] for a in request.get("AttributeDefinitions", ())}
        for attr_type in defined.values():
            if attr_type not in ("S", "N", "B"):
                raise _err(f"attribute type {attr_type!r} must be S, N or B")
        used: set[str] = set()
        schemas = [("table", request.get("KeySchema", ()))]
        for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            schemas.extend((f"index {x.get('IndexName')}", x.get("KeySchema", ())) for x in request.get(kind, ()))
        for owner, schema in schemas:
            types = [k.get("KeyType") for k in schema]
            if types not in (["HASH"], ["HASH", "RANGE"]):
                raise _err(f"{owner}: KeySchema must be one HASH key, optionally followed by one RANGE key")
            for element in schema:
                attr = element["AttributeName"]
                used.add(attr)
                if attr not in defined:
                    raise _err(f"{owner}: key attribute {attr!r} is not in AttributeDefinitions")
        unused = set(defined) - used
        if unused:
            # DynamoDB: "Number of attributes in KeySchema does not exactly match number of attributes defined".
            raise _err(f"AttributeDefinitions lists attributes no key uses: {', '.join(sorted(unused))}")
        mode = request.get("BillingMode", "PROVISIONED")
        if mode not in ("PROVISIONED", "PAY_PER_REQUEST"):
            raise _err(f"BillingMode {mode!r} must be PROVISIONED or PAY_PER_REQUEST")
        if mode == "PROVISIONED" and "ProvisionedThroughput" not in request:
            raise _err("a PROVISIONED table needs ProvisionedThroughput", "missing-key")
        object.__setattr__(self, "create_table", frozen_map(request))

    @property
    def table_name(self) -> str:
        return str(self.create_table["TableName"])


@dataclass(frozen=True, slots=True)
class Project:
    """Everything one definition file defines."""

    name: str
    functions: Mapping[str, FunctionDef] = field(default_factory=frozen_map)
    apis: tuple[Api, ...] = ()
    tables: tuple[TableDef, ...] = ()
    source_file: Path | None = None
    format: str = "python"
    """``serverless``, ``sam``, ``openapi`` or ``python``."""
    stage: str | None = None
    region: str = "us-east-1"
    outputs: Mapping[str, Any] = field(default_factory=frozen_map)
    warnings: tuple[str, ...] = ()
    """Features read but not served (reported at start-up, never silently ignored)."""

    def __post_init__(self) -> None:
        for key, function in self.functions.items():
            if key != function.name:
                raise _err(f"function key {key!r} differs from its name {function.name!r}")
        ids = [api.id for api in self.apis]
        if len(set(ids)) != len(ids):
            raise _err("two APIs have the same id")
        names = [t.table_name for t in self.tables]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise _err(f"two tables are named {', '.join(sorted(dupes))}", "duplicate-table")
        if self.format != "openapi":
            for api in self.apis:
                for integration in api.integrations():
                    if integration.function and integration.function not in self.functions:
                        if "${" not in integration.function:
                            raise _err(
                                f"API {api.name!r} integrates function {integration.function!r}, which is not defined",
                                "unknown-reference",
                            )
                for authorizer in api.authorizers.values():
                    if authorizer.function and authorizer.function not in self.functions:
                        raise _err(
                            f"authorizer {authorizer.name!r} uses undefined function {authorizer.function!r}",
                            "unknown-reference",
                        )
        object.__setattr__(self, "functions", frozen_map(self.functions))
        object.__setattr__(self, "outputs", frozen_map(self.outputs))

    def api(self, name_or_id: str) -> Api | None:
        for api in self.apis:
            if name_or_id in (api.id, api.name, api.logical_id):
                return api
        return None

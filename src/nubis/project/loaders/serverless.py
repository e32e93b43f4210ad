"""serverless.yml (Serverless Framework v3 syntax) → ``Project``.

The steps, in order:

1. read the file (lines kept for errors) and resolve Serverless variables (``_variables``);
2. evaluate ``resources`` as CloudFormation (tables, ``Outputs``), where ``Ref``/``Fn::GetAtt`` also reach the
   names Serverless generates (``HelloLambdaFunction``, ``ApiGatewayRestApi``, ``HttpApi``, ``WebsocketsApi``);
3. build functions (provider defaults: timeout 6 s, memory 1024 MB, environment merged) and their events into at
   most three APIs, named as the framework names them [D SF apigateway.md, http-api.md, websocket.md]:

   - ``http`` events → one REST API ``{stage}-{service}`` on stage ``{stage}`` (Lambda proxy by default;
     ``integration: lambda|http|mock`` get the templates, passthrough and integration responses the framework
     generates, ``_serverless_integration``; ``cors`` becomes an ``OPTIONS`` method with a MOCK integration, as the
     framework generates it; ``request.parameters`` or ``request.schemas`` attach the framework's request
     validator, and schemas become models);
   - ``httpApi`` events → one HTTP API ``{stage}-{service}`` on the ``$default`` stage (payload 2.0 by default);
   - ``websocket`` events → one WebSocket API ``{stage}-{service}-websockets`` on stage ``{stage}``.

Unknown keys, plugins and event types Nubis does not serve are reported as warnings, never silently dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nubis.project._source import read_document
from nubis.project.loaders._cloudformation import (
    FUNCTION_TYPES,
    TABLE_TYPES,
    ResourceRef,
    StackContext,
    Template,
    table_def,
)
from nubis.project.loaders._options import LoadOptions
from nubis.project.loaders._read import (
    At,
    as_bool,
    as_int,
    as_list,
    as_map,
    as_opt_str,
    as_str,
    as_str_list,
)
from nubis.project.loaders._serverless_integration import (
    integration_responses,
    passthrough_behavior,
    request_templates,
)
from nubis.project.loaders._variables import VariableResolver
from nubis.project.loaders.openapi import build_resources
from nubis.project.model import (
    HTTP_METHODS,
    Api,
    ApiKey,
    ApiKind,
    AuthorizationType,
    Authorizer,
    AuthorizerType,
    Cors,
    EventSummary,
    FunctionDef,
    Integration,
    IntegrationResponse,
    IntegrationType,
    Method,
    MethodResponse,
    PayloadFormatVersion,
    Project,
    RequestValidator,
    Route,
    Stage,
    TableDef,
    UsagePlan,
    api_id_for,
    lambda_invocation_uri,
)

__all__ = ["CORS_DEFAULT_HEADERS", "load_serverless"]

CORS_DEFAULT_HEADERS = (
    "Content-Type",
    "X-Amz-Date",
    "Authorization",
    "X-Api-Key",
    "X-Amz-Security-Token",
    "X-Amz-User-Agent",
    "X-Amzn-Trace-Id",
)
"""Headers ``cors: true`` allows [D SF apigateway.md; reference §5.8]."""

_KNOWN_TOP = {
    "service",
    "frameworkVersion",
    "provider",
    "functions",
    "resources",
    "custom",
    "plugins",
    "package",
    "useDotenv",
    "variablesResolutionMode",
    "configValidationMode",
    "deprecationNotificationMode",
    "disabledDeprecations",
    "org",
    "app",
    "params",
    "layers",
    "outputs",
    "stages",
}


def normalized_name(name: str) -> str:
    """The framework's logical-id spelling of a function name (``get-note`` → ``GetDashnote``)."""
    text = name.replace("-", "Dash").replace("_", "Underscore")
    return text[:1].upper() + text[1:]


@dataclass
class _RestCors:
    origins: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
    allow_credentials: bool = False
    max_age: int | None = None
    cache_control: str | None = None


@dataclass
class _Build:
    service: str
    stage: str
    region: str
    account_id: str
    warnings: list[str]
    rest_methods: dict[str, dict[str, Method]] = field(default_factory=dict)
    rest_cors: dict[str, _RestCors] = field(default_factory=dict)
    rest_authorizers: dict[str, Authorizer] = field(default_factory=dict)
    http_routes: list[Route] = field(default_factory=list)
    http_authorizers: dict[str, Authorizer] = field(default_factory=dict)
    ws_routes: list[Route] = field(default_factory=list)
    ws_authorizers: dict[str, Authorizer] = field(default_factory=dict)
    http_payload: PayloadFormatVersion = "2.0"
    provider_schemas: Mapping[str, Any] = field(default_factory=dict)
    """``provider.apiGateway.request.schemas``: models that events name by id."""
    rest_models: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    rest_validators: dict[str, RequestValidator] = field(default_factory=dict)

    def request_validator(self) -> str:
        """The one validator the framework creates for the API, checking bodies and parameters [D SF apigateway.md
        "Request Schema Validators"; the framework's request-validator.js]."""
        name = f"{self.service}-{self.stage} | Validate request body and querystring parameters"
        self.rest_validators[name] = RequestValidator(
            name, validate_request_body=True, validate_request_parameters=True
        )
        return name

    def function_arn(self, deployed: str) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{deployed}"


def load_serverless(path: Path, options: LoadOptions | None = None, base: Path | None = None) -> Project:
    """Loads a serverless.yml.

    Args:
        path: the file.
        options: ``stage``/``region`` are the ``--stage``/``--region`` options (``${opt:...}``).
        base: the project folder, for file names in errors.

    Raises:
        ProjectError: with the file, line and key of the problem.
    """
    options = options or LoadOptions()
    doc = read_document(path, base)
    root = At(doc)
    if not isinstance(doc.data, Mapping):
        raise root.error("bad-type", "serverless.yml must be a mapping (service, provider, functions...)")
    resolver = VariableResolver(
        doc,
        {"stage": options.stage, "region": options.region},
        options.environment(),
        options.account_id,
        path.parent,
    )
    data = as_map(root, resolver.resolve_all())
    warnings = [f"{doc.file}: {key}: unknown top-level key, ignored" for key in data if key not in _KNOWN_TOP]
    service_value = data.get("service")
    if isinstance(service_value, Mapping):  # v1 form: service: {name: ...}
        service_value = service_value.get("name")
    service = as_str(root / "service", service_value, "service")
    provider_at = root / "provider"
    provider = as_map(provider_at, data.get("provider"), "provider")
    if not provider:
        raise provider_at.error("missing-key", "provider is required (provider: {name: aws, runtime: python3.12})")
    if provider.get("name") != "aws":
        raise (provider_at / "name").error("bad-value", f"provider.name must be 'aws', not {provider.get('name')!r}")
    stage = resolver.stage(provider_at)
    region = resolver.region(provider_at)
    plugins = data.get("plugins")
    plugins = plugins.get("modules") if isinstance(plugins, Mapping) else plugins
    warnings += [f"{doc.file}: plugins: {p} is not run by Nubis" for p in as_str_list(root / "plugins", plugins)]

    build = _Build(service, stage, region, options.account_id, warnings)
    g_at = provider_at / "apiGateway"
    gateway_request = as_map(g_at / "request", as_map(g_at, provider.get("apiGateway")).get("request"), "request")
    build.provider_schemas = as_map(g_at / "request" / "schemas", gateway_request.get("schemas"), "schemas")
    functions_raw = as_map(root / "functions", data.get("functions"), "functions")
    deployed = {
        key: as_str(root / "functions" / key / "name", spec.get("name"), "name")
        if isinstance(spec, Mapping) and spec.get("name") is not None
        else f"{service}-{stage}-{key}"
        for key, spec in functions_raw.items()
    }

    # Names the framework generates, reachable from resources through Ref / Fn::GetAtt.
    rest_id = api_id_for(service, "ApiGatewayRestApi")
    http_id = api_id_for(service, "HttpApi")
    ws_id = api_id_for(service, "WebsocketsApi")
    extra = {
        f"{normalized_name(key)}LambdaFunction": ResourceRef(name, {"Arn": build.function_arn(name)})
        for key, name in deployed.items()
    }
    extra["ApiGatewayRestApi"] = ResourceRef(rest_id, {"RootResourceId": f"{rest_id}-root"[:10]})
    extra["HttpApi"] = ResourceRef(http_id, {"ApiEndpoint": f"https://{http_id}.execute-api.{region}.amazonaws.com"})
    extra["WebsocketsApi"] = ResourceRef(ws_id, {})
    resources_at = root / "resources"
    resources = as_map(resources_at, data.get("resources"), "resources")
    template = Template(
        doc,
        ("resources",),
        resources,
        StackContext(f"{service}-{stage}", region, options.account_id),
        extra=extra,
        base=path.parent,
    )
    tables = _tables(template, resources_at, warnings)

    # The provider's API settings (authorizers, payload version) first: events refer to them.
    _http_api_settings(build, provider_at / "httpApi", as_map(provider_at / "httpApi", provider.get("httpApi")))
    provider_env = _environment(template, provider_at / "environment", provider.get("environment"))
    functions: dict[str, FunctionDef] = {}
    for key, spec in functions_raw.items():
        functions[key] = _function(
            build, template, root / "functions" / key, key, spec, provider, provider_env, deployed, path.parent
        )

    apis = _apis(build, root, provider)
    outputs_at = resources_at / "Outputs"
    outputs: dict[str, Any] = {}
    for name, output in as_map(outputs_at, resources.get("Outputs"), "Outputs").items():
        output = as_map(outputs_at / name, output, "output")
        outputs[name] = template.resolve(output.get("Value"), outputs_at / name / "Value")
    with root.located():
        return Project(
            name=service,
            functions=functions,
            apis=apis,
            tables=tables,
            source_file=path,
            format="serverless",
            stage=stage,
            region=region,
            outputs=outputs,
            warnings=tuple(warnings),
        )


def _tables(template: Template, at: At, warnings: list[str]) -> tuple[TableDef, ...]:
    tables = []
    for logical_id, spec in template.resources.items():
        r_at = at / "Resources" / logical_id
        spec = as_map(r_at, spec, "resource")
        rtype = as_str(r_at / "Type", spec.get("Type"), "Type")
        if not template.resource_enabled(logical_id):
            continue
        if rtype in TABLE_TYPES:
            props = as_map(
                r_at / "Properties", template.resolve(spec.get("Properties"), r_at / "Properties"), "Properties"
            )
            name = as_str(r_at, template.physical_id(logical_id, r_at), "table name")
            tables.append(table_def(logical_id, rtype, props, name, r_at / "Properties", warnings.append))
        elif rtype not in FUNCTION_TYPES:
            warnings.append(f"{at.doc.file}: resources.Resources.{logical_id}: {rtype} is not created locally")
    return tuple(tables)


def _environment(template: Template, at: At, value: Any) -> dict[str, str]:
    env = {}
    for key, raw in as_map(at, value, "environment").items():
        resolved = template.resolve(raw, at / key)
        if resolved is None:
            continue
        if isinstance(resolved, bool):
            env[key] = "true" if resolved else "false"
        else:
            env[key] = as_str(at / key, resolved, f"environment variable {key}")
    return env


def _function(
    build: _Build,
    template: Template,
    at: At,
    key: str,
    spec: Any,
    provider: Mapping[str, Any],
    provider_env: Mapping[str, str],
    deployed: Mapping[str, str],
    folder: Path,
) -> FunctionDef:
    spec = as_map(at, spec, f"function {key}")
    if "image" in spec:
        raise (at / "image").error("unsupported", "container image functions are not supported; use a handler")
    handler = as_str(at / "handler", spec.get("handler"), "handler")
    runtime = spec.get("runtime", provider.get("runtime"))
    if runtime is None:
        raise (at / "runtime").error(
            "missing-key", "no runtime: set provider.runtime (e.g. python3.12) or a function runtime"
        )
    environment = {**provider_env, **_environment(template, at / "environment", spec.get("environment"))}
    reserved = spec.get("reservedConcurrency")
    events = []
    for i, event in enumerate(as_list(at / "events", spec.get("events"), "events")):
        e_at = at / "events" / i
        event = as_map(e_at, event, "event")
        if len(event) != 1:
            raise e_at.error("bad-value", "an event is a mapping with exactly one key (http, httpApi, websocket, ...)")
        ((kind, value),) = event.items()
        events.append(_event(build, e_at / kind, kind, value, key, deployed[key]))
    with at.located():
        return FunctionDef(
            name=key,
            handler=handler,
            runtime=as_str(at / "runtime", runtime, "runtime"),
            code_dir=folder,
            timeout=as_int(at / "timeout", spec.get("timeout", provider.get("timeout", 6)), "timeout"),
            memory=as_int(at / "memorySize", spec.get("memorySize", provider.get("memorySize", 1024)), "memorySize"),
            environment=environment,
            reserved_concurrency=None if reserved is None else as_int(at / "reservedConcurrency", reserved),
            function_name=deployed[key],
            events=tuple(events),
        )


def _event(build: _Build, at: At, kind: str, value: Any, function: str, deployed: str) -> EventSummary:
    if kind == "http":
        return _http_event(build, at, value, function, deployed)
    if kind == "httpApi":
        return _http_api_event(build, at, value, function, deployed)
    if kind == "websocket":
        return _websocket_event(build, at, value, function, deployed)
    build.warnings.append(
        f"{at.doc.file}: {'.'.join(str(p) for p in at.path)}: {kind} events are not triggered locally"
    )
    return EventSummary(kind=kind, properties=dict(value) if isinstance(value, Mapping) else {"value": value})


def _lambda_proxy(build: _Build, function: str, deployed: str, version: PayloadFormatVersion | None) -> Integration:
    return Integration(
        type=IntegrationType.AWS_PROXY,
        uri=lambda_invocation_uri(build.function_arn(deployed), build.region),
        function=function,
        http_method="POST",
        payload_format_version=version,
    )


def _rest_path(at: At, value: Any) -> str:
    text = as_str(at, value, "path").strip()
    return "/" + text.strip("/") if text.strip("/") else "/"


def _request_schemas(build: _Build, at: At, value: Any, path: str, verb: str) -> dict[str, str]:
    """``request.schemas``: content type → model. A string names a model of ``provider.apiGateway.request.schemas``
    (its ``name``, else its id); a mapping is the schema, or ``{schema, name}``; a model without a name is named
    after the method and content type, as the framework's logical ids are [D SF apigateway.md "Request Schema
    Validators"]."""
    out: dict[str, str] = {}
    for content_type, config in as_map(at, value, "request.schemas").items():
        c_at = at / content_type
        if isinstance(config, str) and config in build.provider_schemas:
            provider_model = build.provider_schemas[config]
            p_spec = as_map(c_at, provider_model, "schema")
            definition, name = (p_spec["schema"], p_spec.get("name")) if "schema" in p_spec else (p_spec, None)
            name = name or config
        elif isinstance(config, str):
            try:
                definition, name = json.loads(config), None
            except ValueError as exc:
                raise c_at.error(
                    "bad-value", f"schema {config!r} is neither JSON nor a provider.apiGateway.request.schemas id"
                ) from exc
        else:
            spec = as_map(c_at, config, "schema")
            definition, name = (spec["schema"], spec.get("name")) if "schema" in spec else (spec, None)
        if name is None:
            name = re.sub(r"[^A-Za-z0-9]", "", f"{path.title()}{verb.title()}{content_type.title()}") + "Model"
        build.rest_models[as_str(c_at, name, "model name")] = as_map(c_at, definition, "schema")
        out[content_type] = name
    return out


def _http_event(build: _Build, at: At, value: Any, function: str, deployed: str) -> EventSummary:
    if isinstance(value, str):
        method_text, _, path_text = value.strip().partition(" ")
        spec: Mapping[str, Any] = {"method": method_text, "path": path_text}
    else:
        spec = as_map(at, value, "http event")
    path = _rest_path(at / "path", spec.get("path"))
    verb = as_str(at / "method", spec.get("method"), "method").upper()
    verb = "ANY" if verb == "*" else verb
    if verb not in (*HTTP_METHODS, "ANY"):
        raise (at / "method").error(
            "bad-value", f"method {verb!r} is not one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY"
        )
    integration_name = str(spec.get("integration", "lambda-proxy")).lower()
    request = as_map(at / "request", spec.get("request"), "request")
    r_at = at / "request"
    if integration_name in ("lambda-proxy", "lambda_proxy", "aws_proxy", "aws-proxy"):
        integration = _lambda_proxy(build, function, deployed, None)
    elif integration_name in ("lambda", "aws", "http", "mock"):
        lambda_defaults = integration_name in ("lambda", "aws")
        templates = request_templates(r_at, request, lambda_defaults=lambda_defaults, authorizer=spec.get("authorizer"))
        responses = integration_responses(
            at / "response", spec.get("response"), lambda_defaults=lambda_defaults, cors=spec.get("cors")
        )
        common: dict[str, Any] = {
            "request_templates": templates,
            "passthrough_behavior": passthrough_behavior(r_at, request, lambda_defaults=lambda_defaults),
            "content_handling": as_opt_str(r_at / "contentHandling", request.get("contentHandling")),
        }
        if integration_name == "mock":
            # Without a response block the framework generates no integration response (a MOCK that answers 500
            # [?]); Nubis keeps answering 200, as the CORS-style mocks people write expect.
            integration = Integration(
                type=IntegrationType.MOCK,
                responses=responses or (IntegrationResponse(status_code="200"),),
                **common,
            )
        elif integration_name == "http":
            integration = Integration(
                type=IntegrationType.HTTP,
                uri=as_str(r_at / "uri", request.get("uri"), "request.uri"),
                http_method=as_str(r_at / "method", request.get("method", verb), "request.method").upper(),
                responses=responses or (),
                **common,
            )
        else:
            integration = Integration(
                type=IntegrationType.AWS,
                uri=lambda_invocation_uri(build.function_arn(deployed), build.region),
                function=function,
                http_method="POST",
                responses=responses or (),
                **common,
            )
    elif integration_name in ("http-proxy", "http_proxy"):
        integration = Integration(
            type=IntegrationType.HTTP_PROXY,
            uri=as_str(r_at / "uri", request.get("uri"), "request.uri"),
            http_method=verb if verb != "ANY" else "ANY",
        )
    else:
        raise (at / "integration").error(
            "bad-value", f"integration {integration_name!r} must be lambda-proxy, lambda, http, http-proxy or mock"
        )
    params: dict[str, bool] = {}
    p_at = at / "request" / "parameters"
    for group, where in (("querystrings", "querystring"), ("headers", "header"), ("paths", "path")):
        for name, required in as_map(p_at / group, as_map(p_at, request.get("parameters")).get(group), group).items():
            if isinstance(required, Mapping):
                required = required.get("required", False)
            params[f"method.request.{where}.{name}"] = as_bool(p_at / group / name, required, "required")
    models = _request_schemas(build, at / "request" / "schemas", request.get("schemas"), path, verb)
    # The framework attaches its validator to a method with parameters or schemas (its request-validator.js).
    validator = build.request_validator() if request.get("parameters") or models else None
    auth_type, authorizer, scopes = _rest_authorizer(build, at / "authorizer", spec.get("authorizer"))
    with at.located():
        method = Method(
            http_method=verb,
            integration=integration,
            authorization_type=auth_type,
            authorizer=authorizer,
            authorization_scopes=scopes,
            api_key_required=as_bool(at / "private", spec.get("private", False), "private"),
            request_parameters=params,
            request_validator=validator,
            request_models=models,
            operation_name=as_opt_str(at / "operationId", spec.get("operationId")),
        )
    methods = build.rest_methods.setdefault(path, {})
    if verb in methods:
        raise at.error("duplicate-route", f"{verb} {path} is defined by two http events")
    methods[verb] = method
    if spec.get("cors"):
        _collect_cors(build, at / "cors", path, verb, spec["cors"])
    if spec.get("async"):
        build.warnings.append(f"{at.doc.file}: async http events are invoked synchronously by Nubis")
    return EventSummary(kind="http", detail=f"{verb} {path}")


def _rest_authorizer(build: _Build, at: At, value: Any) -> tuple[AuthorizationType, str | None, tuple[str, ...]]:
    if value is None:
        return AuthorizationType.NONE, None, ()
    spec: Mapping[str, Any] = {"name": value} if isinstance(value, str) else as_map(at, value, "authorizer")
    atype = str(spec.get("type", "")).lower()
    if str(spec.get("name", "")).lower() == "aws_iam" or atype == "aws_iam":
        return AuthorizationType.AWS_IAM, None, ()
    arn = as_opt_str(at / "arn", spec.get("arn"))
    name = as_opt_str(at / "name", spec.get("name"))
    if name and name.startswith("arn:"):
        arn, name = name, None
    scopes = as_str_list(at / "scopes", spec.get("scopes"))
    ttl = as_int(at / "resultTtlInSeconds", spec.get("resultTtlInSeconds", 300), "resultTtlInSeconds")
    identity = as_opt_str(at / "identitySource", spec.get("identitySource"))
    if atype == "cognito_user_pools" or (arn and ":cognito-idp:" in arn):
        if not arn:
            raise at.error("missing-key", "a COGNITO_USER_POOLS authorizer needs an arn (the user pool ARN)")
        name = name or arn.rsplit("/", 1)[-1]
        with at.located():
            build.rest_authorizers[name] = Authorizer(
                name=name,
                type=AuthorizerType.COGNITO_USER_POOLS,
                identity_source=(identity or "method.request.header.Authorization",),
                provider_arns=(arn,),
                result_ttl_in_seconds=ttl,
            )
        return AuthorizationType.COGNITO_USER_POOLS, name, scopes
    kind = AuthorizerType.REQUEST if atype == "request" else AuthorizerType.TOKEN
    if name is None and arn is None:
        raise at.error("missing-key", "an authorizer needs a name (a function of this service) or an arn")
    auth_name = name or arn.rsplit(":", 1)[-1] if arn else name
    assert auth_name is not None
    default_identity = "method.request.header.Authorization" if kind is AuthorizerType.TOKEN else ""
    sources = tuple(s.strip() for s in (identity or default_identity).split(",") if s.strip())
    with at.located():
        build.rest_authorizers[auth_name] = Authorizer(
            name=auth_name,
            type=kind,
            identity_source=sources,
            function=name,
            authorizer_uri=None if arn is None else lambda_invocation_uri(arn, build.region),
            result_ttl_in_seconds=ttl,
            identity_validation_expression=as_opt_str(
                at / "identityValidationExpression", spec.get("identityValidationExpression")
            ),
        )
    return AuthorizationType.CUSTOM, auth_name, scopes


def _collect_cors(build: _Build, at: At, path: str, verb: str, value: Any) -> None:
    cors = build.rest_cors.setdefault(path, _RestCors())
    if value is True:
        spec: Mapping[str, Any] = {}
    else:
        spec = as_map(at, value, "cors")
    origins = (
        as_str_list(at / "origins", spec.get("origins")) or as_str_list(at / "origin", spec.get("origin")) or ("*",)
    )
    headers = as_str_list(at / "headers", spec.get("headers")) or CORS_DEFAULT_HEADERS
    cors.origins += [o for o in origins if o not in cors.origins]
    cors.headers += [h for h in headers if h not in cors.headers]
    cors.methods.append(verb)
    cors.allow_credentials = cors.allow_credentials or as_bool(
        at / "allowCredentials", spec.get("allowCredentials", False)
    )
    if "maxAge" in spec:
        cors.max_age = as_int(at / "maxAge", spec["maxAge"], "maxAge")
    if "cacheControl" in spec:
        cors.cache_control = as_str(at / "cacheControl", spec["cacheControl"], "cacheControl")


def rest_cors_method(
    origins: list[str],
    headers: list[str],
    methods: list[str],
    allow_credentials: bool,
    max_age: int | None = None,
    cache_control: str | None = None,
) -> Method:
    """The ``OPTIONS`` method frameworks add for REST CORS: a MOCK integration whose response sets the headers.

    With several origins, the static header carries the first and a response template echoes the request's
    ``Origin`` when it is one of them (the framework's approach; [D SF apigateway.md], template wording ours).
    """
    allowed = ["OPTIONS", *(m for m in methods if m != "OPTIONS")]
    if "ANY" in allowed:
        allowed = ["OPTIONS", "DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"]
    params = {
        "method.response.header.Access-Control-Allow-Origin": f"'{origins[0]}'",
        "method.response.header.Access-Control-Allow-Headers": f"'{','.join(headers)}'",
        "method.response.header.Access-Control-Allow-Methods": f"'{','.join(dict.fromkeys(allowed))}'",
    }
    if allow_credentials:  # omitted when false [P SF lib/plugins/aws/package/compile/events/api-gateway/lib/cors.js]
        params["method.response.header.Access-Control-Allow-Credentials"] = "'true'"
    if max_age is not None:
        params["method.response.header.Access-Control-Max-Age"] = f"'{max_age}'"
    if cache_control is not None:
        params["method.response.header.Cache-Control"] = f"'{cache_control}'"
    template = ""
    if len(origins) > 1:
        patterns = [o.replace(".", "\\.").replace("*", ".+") for o in origins]
        checks = " || ".join(f'$origin.matches("{p}")' for p in patterns)
        template = (
            '#set($origin = $input.params("Origin"))\n'
            '#if($origin == "") #set($origin = $input.params("origin")) #end\n'
            f"#if({checks}) #set($context.responseOverride.header.Access-Control-Allow-Origin = $origin) #end"
        )
    return Method(
        http_method="OPTIONS",
        integration=Integration(
            type=IntegrationType.MOCK,
            request_templates={"application/json": '{"statusCode": 200}'},
            responses=(
                IntegrationResponse(
                    status_code="200",
                    response_parameters=params,
                    response_templates={"application/json": template},
                ),
            ),
        ),
        method_responses=(MethodResponse(status_code="200", response_parameters=dict.fromkeys(params, False)),),
    )


def _http_api_event(build: _Build, at: At, value: Any, function: str, deployed: str) -> EventSummary:
    if isinstance(value, str):
        text = value.strip()
        if text == "*":
            spec: Mapping[str, Any] = {"method": "*", "path": "*"}
        else:
            method_text, _, path_text = text.partition(" ")
            spec = {"method": method_text, "path": path_text.strip()}
    else:
        spec = as_map(at, value, "httpApi event")
    method = as_str(at / "method", spec.get("method", "*"), "method").upper()
    path = as_str(at / "path", spec.get("path", "*"), "path").strip()
    if path == "*":
        route_key = "$default"
    else:
        if not path.startswith("/"):
            raise (at / "path").error("bad-path", f"httpApi path {path!r} must start with '/'")
        route_key = f"{'ANY' if method == '*' else method} {path}"
    version = build.http_payload
    auth_type = AuthorizationType.NONE
    authorizer = None
    scopes: tuple[str, ...] = ()
    auth = spec.get("authorizer")
    if auth is not None:
        a_at = at / "authorizer"
        auth_spec: Mapping[str, Any] = {"name": auth} if isinstance(auth, str) else as_map(a_at, auth, "authorizer")
        if str(auth_spec.get("type", "")).lower() == "aws_iam":
            auth_type = AuthorizationType.AWS_IAM
        else:
            authorizer = as_str(a_at / "name", auth_spec.get("name"), "authorizer name")
            if authorizer not in build.http_authorizers:
                raise (a_at / "name").error(
                    "unknown-reference", f"authorizer {authorizer!r} is not in provider.httpApi.authorizers"
                )
            declared = build.http_authorizers[authorizer]
            auth_type = AuthorizationType.JWT if declared.type is AuthorizerType.JWT else AuthorizationType.CUSTOM
            scopes = as_str_list(a_at / "scopes", auth_spec.get("scopes"))
    if any(r.route_key == route_key for r in build.http_routes):
        raise at.error("duplicate-route", f"httpApi route {route_key!r} is defined twice")
    with at.located():
        build.http_routes.append(
            Route(
                route_key=route_key,
                integration=_lambda_proxy(build, function, deployed, version),
                authorization_type=auth_type,
                authorizer=authorizer,
                authorization_scopes=scopes,
            )
        )
    return EventSummary(kind="httpApi", detail=route_key)


def _websocket_event(build: _Build, at: At, value: Any, function: str, deployed: str) -> EventSummary:
    spec: Mapping[str, Any] = {"route": value} if isinstance(value, str) else as_map(at, value, "websocket event")
    route_key = as_str(at / "route", spec.get("route"), "route")
    auth_type = AuthorizationType.NONE
    authorizer = None
    auth = spec.get("authorizer")
    if auth is not None:
        a_at = at / "authorizer"
        if route_key != "$connect":
            raise a_at.error("bad-value", "a websocket authorizer is allowed on the $connect route only")
        auth_spec: Mapping[str, Any] = {"name": auth} if isinstance(auth, str) else as_map(a_at, auth, "authorizer")
        name = as_opt_str(a_at / "name", auth_spec.get("name"))
        arn = as_opt_str(a_at / "arn", auth_spec.get("arn"))
        if name and name.startswith("arn:"):
            arn, name = name, None
        if not name and not arn:
            raise a_at.error("missing-key", "a websocket authorizer needs a name (a function) or an arn")
        authorizer = name or str(arn).rsplit(":", 1)[-1]
        identity = as_str_list(a_at / "identitySource", auth_spec.get("identitySource")) or (
            "route.request.header.Auth",
        )
        with a_at.located():
            build.ws_authorizers[authorizer] = Authorizer(
                name=authorizer,
                type=AuthorizerType.REQUEST,
                identity_source=identity,
                function=name,
                authorizer_uri=None if arn is None else lambda_invocation_uri(arn, build.region),
                result_ttl_in_seconds=0,
            )
        auth_type = AuthorizationType.CUSTOM
    if any(r.route_key == route_key for r in build.ws_routes):
        raise at.error("duplicate-route", f"websocket route {route_key!r} is defined twice")
    with at.located():
        build.ws_routes.append(
            Route(
                route_key=route_key,
                integration=_lambda_proxy(build, function, deployed, None),
                authorization_type=auth_type,
                authorizer=authorizer,
                route_response_selection_expression=as_opt_str(
                    at / "routeResponseSelectionExpression", spec.get("routeResponseSelectionExpression")
                ),
            )
        )
    return EventSummary(kind="websocket", detail=route_key)


def _http_api_settings(build: _Build, at: At, http_api: Mapping[str, Any]) -> None:
    payload = http_api.get("payload", "2.0")
    text = f"{payload:.1f}" if isinstance(payload, float) else str(payload)
    if text not in ("1.0", "2.0"):
        raise (at / "payload").error("bad-value", f"provider.httpApi.payload must be '1.0' or '2.0', not {payload!r}")
    build.http_payload = "1.0" if text == "1.0" else "2.0"
    a_at = at / "authorizers"
    for name, spec in as_map(a_at, http_api.get("authorizers"), "authorizers").items():
        s_at = a_at / name
        spec = as_map(s_at, spec, "authorizer")
        kind = str(spec.get("type", "jwt")).lower()
        with s_at.located():
            if kind == "jwt":
                build.http_authorizers[name] = Authorizer(
                    name=name,
                    type=AuthorizerType.JWT,
                    identity_source=as_str_list(s_at / "identitySource", spec.get("identitySource"))
                    or ("$request.header.Authorization",),
                    issuer=as_str(s_at / "issuerUrl", spec.get("issuerUrl"), "issuerUrl"),
                    audience=as_str_list(s_at / "audience", spec.get("audience")),
                )
            elif kind == "request":
                function = as_opt_str(s_at / "functionName", spec.get("functionName"))
                arn = as_opt_str(s_at / "functionArn", spec.get("functionArn"))
                version = str(spec.get("payloadVersion", "2.0"))
                build.http_authorizers[name] = Authorizer(
                    name=name,
                    type=AuthorizerType.REQUEST,
                    identity_source=as_str_list(s_at / "identitySource", spec.get("identitySource")),
                    function=function,
                    authorizer_uri=None if arn is None else lambda_invocation_uri(arn, build.region),
                    result_ttl_in_seconds=as_int(s_at / "resultTtlInSeconds", spec.get("resultTtlInSeconds", 0)),
                    payload_format_version="1.0" if version == "1.0" else "2.0",
                    enable_simple_responses=as_bool(
                        s_at / "enableSimpleResponses", spec.get("enableSimpleResponses", False)
                    ),
                )
            else:
                raise (s_at / "type").error("bad-value", f"httpApi authorizer type {kind!r} must be jwt or request")


def _http_cors(at: At, value: Any, routes: list[Route]) -> Cors | None:
    if value in (None, False):
        return None
    spec: Mapping[str, Any] = {} if value is True else as_map(at, value, "cors")
    methods = as_str_list(at / "allowedMethods", spec.get("allowedMethods"))
    if not methods:
        # Framework default: OPTIONS plus the methods the routes use; '*' when a route takes any method [?].
        used = [r.method or "*" for r in routes]
        methods = ("*",) if "*" in used or "ANY" in used else tuple(dict.fromkeys(["OPTIONS", *(m for m in used if m)]))
    max_age = spec.get("maxAge")
    with at.located():
        return Cors(
            allow_origins=as_str_list(at / "allowedOrigins", spec.get("allowedOrigins")) or ("*",),
            allow_methods=methods,
            allow_headers=as_str_list(at / "allowedHeaders", spec.get("allowedHeaders")) or CORS_DEFAULT_HEADERS,
            expose_headers=as_str_list(at / "exposedResponseHeaders", spec.get("exposedResponseHeaders")),
            allow_credentials=as_bool(at / "allowCredentials", spec.get("allowCredentials", False)),
            max_age=None if max_age is None else as_int(at / "maxAge", max_age),
        )


def _apis(build: _Build, root: At, provider: Mapping[str, Any]) -> tuple[Api, ...]:
    """Assembles the APIs from what the functions' events collected into ``build``."""
    provider_at = root / "provider"
    http_api = as_map(provider_at / "httpApi", provider.get("httpApi"), "httpApi")
    apis = []
    service, stage = build.service, build.stage
    if build.rest_methods:
        gateway = as_map(provider_at / "apiGateway", provider.get("apiGateway"), "apiGateway")
        g_at = provider_at / "apiGateway"
        for path, cors in build.rest_cors.items():
            if "OPTIONS" not in build.rest_methods[path]:
                with (root / "functions").located():
                    build.rest_methods[path]["OPTIONS"] = rest_cors_method(
                        cors.origins,
                        cors.headers,
                        cors.methods,
                        cors.allow_credentials,
                        cors.max_age,
                        cors.cache_control,
                    )
        keys, plans = _api_keys(build, g_at, gateway)
        compression = gateway.get("minimumCompressionSize")
        with provider_at.located():
            apis.append(
                Api(
                    id=api_id_for(service, "ApiGatewayRestApi"),
                    name=as_str(provider_at / "apiName", provider.get("apiName", f"{stage}-{service}")),
                    kind=ApiKind.REST,
                    logical_id="ApiGatewayRestApi",
                    stages=(Stage(name=stage),),
                    resources=build_resources(build.rest_methods),
                    binary_media_types=as_str_list(g_at / "binaryMediaTypes", gateway.get("binaryMediaTypes")),
                    authorizers=build.rest_authorizers,
                    api_key_source=as_str(g_at / "apiKeySourceType", gateway.get("apiKeySourceType", "HEADER")).upper(),
                    api_keys=keys,
                    usage_plans=plans,
                    request_validators=build.rest_validators,
                    models=build.rest_models,
                    minimum_compression_size=None
                    if compression is None
                    else as_int(g_at / "minimumCompressionSize", compression),
                )
            )
    if build.http_routes:
        h_at = provider_at / "httpApi"
        with h_at.located():
            apis.append(
                Api(
                    id=api_id_for(service, "HttpApi"),
                    name=as_str(h_at / "name", http_api.get("name", f"{stage}-{service}")),
                    kind=ApiKind.HTTP,
                    logical_id="HttpApi",
                    stages=(Stage(name="$default"),),
                    routes=tuple(build.http_routes),
                    cors=_http_cors(h_at / "cors", http_api.get("cors"), build.http_routes),
                    authorizers=build.http_authorizers,
                    disable_execute_api_endpoint=as_bool(
                        h_at / "disableDefaultEndpoint", http_api.get("disableDefaultEndpoint", False)
                    ),
                )
            )
    if build.ws_routes:
        with provider_at.located():
            apis.append(
                Api(
                    id=api_id_for(service, "WebsocketsApi"),
                    name=as_str(
                        provider_at / "websocketsApiName",
                        provider.get("websocketsApiName", f"{stage}-{service}-websockets"),
                    ),
                    kind=ApiKind.WEBSOCKET,
                    logical_id="WebsocketsApi",
                    stages=(Stage(name=stage),),
                    routes=tuple(build.ws_routes),
                    authorizers=build.ws_authorizers,
                    route_selection_expression=as_str(
                        provider_at / "websocketsApiRouteSelectionExpression",
                        provider.get("websocketsApiRouteSelectionExpression", "$request.body.action"),
                    ),
                )
            )
    return tuple(apis)


def _api_keys(build: _Build, at: At, gateway: Mapping[str, Any]) -> tuple[tuple[ApiKey, ...], tuple[UsagePlan, ...]]:
    keys: list[ApiKey] = []
    by_plan: dict[str | None, list[str]] = {}

    def add_key(k_at: At, item: Any, plan: str | None) -> None:
        if isinstance(item, str):
            key = ApiKey(name=item)
        else:
            spec = as_map(k_at, item, "api key")
            with k_at.located():
                key = ApiKey(
                    name=as_str(k_at / "name", spec.get("name"), "name"),
                    value=as_opt_str(k_at / "value", spec.get("value")),
                    enabled=as_bool(k_at / "enabled", spec.get("enabled", True)),
                )
        keys.append(key)
        by_plan.setdefault(plan, []).append(key.name)

    for i, item in enumerate(as_list(at / "apiKeys", gateway.get("apiKeys"), "apiKeys")):
        k_at = at / "apiKeys" / i
        if isinstance(item, Mapping) and len(item) == 1 and isinstance(next(iter(item.values())), list):
            ((plan, plan_keys),) = item.items()  # {planName: [keys]}
            for j, sub in enumerate(plan_keys):
                add_key(k_at / plan / j, sub, plan)
        else:
            add_key(k_at, item, None)
    plans: list[UsagePlan] = []
    raw_plan = gateway.get("usagePlan")
    plan_specs: list[tuple[str, At, Mapping[str, Any]]] = []
    if isinstance(raw_plan, list):
        for i, item in enumerate(raw_plan):
            for name, spec in as_map(at / "usagePlan" / i, item, "usage plan").items():
                plan_specs.append((name, at / "usagePlan" / i / name, as_map(at / "usagePlan" / i / name, spec)))
    elif raw_plan is not None or keys:
        plan_specs.append((f"{build.service}-{build.stage}", at / "usagePlan", as_map(at / "usagePlan", raw_plan)))
    for name, p_at, spec in plan_specs:
        quota = as_map(p_at / "quota", spec.get("quota"), "quota")
        throttle = as_map(p_at / "throttle", spec.get("throttle"), "throttle")
        plan_keys = by_plan.get(name, []) if len(plan_specs) > 1 else [k.name for k in keys]
        with p_at.located():
            plans.append(
                UsagePlan(
                    name=name,
                    stages=(build.stage,),
                    api_keys=tuple(plan_keys),
                    throttle_burst_limit=None
                    if "burstLimit" not in throttle
                    else as_int(p_at / "throttle" / "burstLimit", throttle["burstLimit"]),
                    throttle_rate_limit=None if "rateLimit" not in throttle else float(throttle["rateLimit"]),
                    quota_limit=None if "limit" not in quota else as_int(p_at / "quota" / "limit", quota["limit"]),
                    quota_period=as_opt_str(p_at / "quota" / "period", quota.get("period")),
                    quota_offset=as_int(p_at / "quota" / "offset", quota.get("offset", 0)),
                )
            )
    return tuple(keys), tuple(plans)

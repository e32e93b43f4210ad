"""OpenAPI 3 and Swagger 2 with API Gateway's ``x-amazon-apigateway-*`` extensions → an ``Api``.

Read as API Gateway's import reads them [D api-gateway-swagger-extensions*.md, http-api-open-api.md]:

- each operation's ``x-amazon-apigateway-integration`` (``aws_proxy``/``aws``/``http``/``http_proxy``/``mock``, the
  Lambda invocation ARN ``arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/ARN/invocations`` → the
  function, templates, parameters, responses, passthrough behaviour, timeout); a ``$ref`` to
  ``components/x-amazon-apigateway-integrations`` (HTTP APIs) is followed;
- ``x-amazon-apigateway-any-method`` → ``ANY``; for HTTP APIs the path ``/$default`` is the ``$default`` route;
- security schemes with ``x-amazon-apigateway-authorizer`` (token, request, cognito_user_pools, jwt), the
  ``api_key`` scheme (→ API key required), ``x-amazon-apigateway-auth``/``awsSigv4`` (→ IAM); root-level ``security``
  is ignored, as API Gateway ignores it [D known-issues];
- root extensions: binary media types, api key source, CORS (HTTP), gateway responses, request validators,
  minimum compression size, endpoint configuration;
- ``${AWS::Region}``, ``${AWS::AccountId}``, ``${AWS::Partition}`` in strings are substituted, as import does [D].

Which kind: REST unless told otherwise or the document carries HTTP-only features (``x-amazon-apigateway-cors``,
``x-amazon-apigateway-importexport-version``, a ``payloadFormatVersion``, a JWT authorizer). Swagger 2 is REST only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from nubis.project._source import Document, read_document
from nubis.project.errors import ProjectError
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
from nubis.project.model import (
    BUILTIN_MODELS,
    HTTP_TIMEOUT_MS,
    REST_TIMEOUT_MS,
    Api,
    ApiKind,
    AuthorizationType,
    Authorizer,
    AuthorizerType,
    Cors,
    GatewayResponse,
    Integration,
    IntegrationResponse,
    IntegrationType,
    Method,
    MethodResponse,
    PayloadFormatVersion,
    Project,
    RequestValidator,
    Resource,
    Route,
    Stage,
    api_id_for,
    check_path,
)

__all__ = [
    "api_from_openapi",
    "build_resources",
    "function_from_uri",
    "load_openapi",
    "parse_authorizer",
    "parse_cors",
    "parse_integration",
    "stage_from_document",
]

OPERATIONS = {
    "get": "GET",
    "put": "PUT",
    "post": "POST",
    "delete": "DELETE",
    "options": "OPTIONS",
    "head": "HEAD",
    "patch": "PATCH",
    "x-amazon-apigateway-any-method": "ANY",
}
_INTEGRATION_TYPES = {t.value.lower(): t for t in IntegrationType}
_LAMBDA_URI = re.compile(r"^arn:aws[\w-]*:apigateway:[^:]*:lambda:path/[^/]+/functions/(?P<fn>.+)/invocations$")
_AUTHORIZER_TYPES = {
    "token": AuthorizerType.TOKEN,
    "request": AuthorizerType.REQUEST,
    "cognito_user_pools": AuthorizerType.COGNITO_USER_POOLS,
    "jwt": AuthorizerType.JWT,
}


def function_from_uri(uri: str, functions: Mapping[str, str]) -> str | None:
    """The project function a Lambda integration URI calls, or None when the URI is not Lambda's.

    ``functions`` maps deployed function names to project keys; an unknown name is returned as is (it may be a
    ``${stageVariables.fn}`` reference resolved per request).
    """
    match = _LAMBDA_URI.match(uri)
    target = match.group("fn") if match else uri if uri.startswith("arn:aws") and ":lambda:" in uri else None
    if target is None:
        return None
    if ":function:" in target:
        target = target.split(":function:", 1)[1].split(":", 1)[0]
    return functions.get(target, target)


def _version(at: At, value: Any) -> PayloadFormatVersion | None:
    if value is None:
        return None
    text = f"{value:.1f}" if isinstance(value, float) else str(value)
    if text == "1.0":
        return "1.0"
    if text == "2.0":
        return "2.0"
    raise at.error("bad-value", f"payloadFormatVersion must be '1.0' or '2.0', not {value!r}")


def _str_map(at: At, value: Any, what: str) -> dict[str, str]:
    return {str(k): as_str(at / str(k), v, f"{what} value") for k, v in as_map(at, value, what).items()}


def parse_integration(at: At, spec: Any, *, kind: ApiKind, functions: Mapping[str, str]) -> Integration:
    """Reads one ``x-amazon-apigateway-integration`` object."""
    spec = as_map(at, spec, "x-amazon-apigateway-integration")
    type_text = as_str(at / "type", spec.get("type"), "integration type").lower()
    itype = _INTEGRATION_TYPES.get(type_text)
    if itype is None:
        raise (at / "type").error(
            "bad-value", f"integration type {type_text!r} must be aws, aws_proxy, http, http_proxy or mock"
        )
    uri = as_opt_str(at / "uri", spec.get("uri"), "uri")
    function = (
        function_from_uri(uri, functions) if uri and itype in (IntegrationType.AWS_PROXY, IntegrationType.AWS) else None
    )
    responses: list[IntegrationResponse] = []
    response_parameters: dict[str, dict[str, str]] = {}
    r_at = at / "responses"
    for pattern, response in as_map(r_at, spec.get("responses"), "responses").items():
        p_at = r_at / pattern
        response = as_map(p_at, response, "integration response")
        if kind is ApiKind.HTTP:
            # HTTP APIs: responseParameters keyed by status code [D http-api-parameter-mapping.md].
            response_parameters[pattern] = _str_map(p_at, response, "response parameters")
            continue
        with p_at.located():
            responses.append(
                IntegrationResponse(
                    status_code=as_str(p_at / "statusCode", response.get("statusCode", "200"), "statusCode"),
                    selection_pattern=None if pattern == "default" else pattern,
                    response_parameters=_str_map(
                        p_at / "responseParameters", response.get("responseParameters"), "responseParameters"
                    ),
                    response_templates=_str_map(
                        p_at / "responseTemplates", response.get("responseTemplates"), "responseTemplates"
                    ),
                    content_handling=as_opt_str(p_at / "contentHandling", response.get("contentHandling")),
                )
            )
    if kind is ApiKind.HTTP and "responseParameters" in spec:
        for status, params in as_map(
            at / "responseParameters", spec["responseParameters"], "responseParameters"
        ).items():
            response_parameters[str(status)] = _str_map(
                at / "responseParameters" / str(status), params, "responseParameters"
            )
    passthrough = as_opt_str(at / "passthroughBehavior", spec.get("passthroughBehavior"))
    timeout = spec.get("timeoutInMillis")
    if timeout is not None:
        low, high = HTTP_TIMEOUT_MS if kind is ApiKind.HTTP else REST_TIMEOUT_MS
        if not low <= as_int(at / "timeoutInMillis", timeout) <= high:
            raise (at / "timeoutInMillis").error(
                "bad-value", f"timeoutInMillis {timeout} must be between {low} and {high}"
            )
    with at.located():
        return Integration(
            type=itype,
            uri=uri,
            function=function,
            http_method=as_opt_str(at / "httpMethod", spec.get("httpMethod")),
            payload_format_version=_version(at / "payloadFormatVersion", spec.get("payloadFormatVersion")),
            timeout_in_millis=None if timeout is None else as_int(at / "timeoutInMillis", timeout, "timeoutInMillis"),
            request_templates=_str_map(at / "requestTemplates", spec.get("requestTemplates"), "requestTemplates"),
            request_parameters=_str_map(at / "requestParameters", spec.get("requestParameters"), "requestParameters"),
            responses=tuple(responses),
            response_parameters=response_parameters,
            passthrough_behavior=None if passthrough is None else passthrough.upper(),
            content_handling=as_opt_str(at / "contentHandling", spec.get("contentHandling")),
            credentials=as_opt_str(at / "credentials", spec.get("credentials")),
            integration_subtype=as_opt_str(at / "integrationSubtype", spec.get("integrationSubtype")),
            connection_type=as_opt_str(at / "connectionType", spec.get("connectionType")),
            cache_key_parameters=as_str_list(at / "cacheKeyParameters", spec.get("cacheKeyParameters")),
        )


def _identity_source(at: At, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return as_str_list(at, value, "identitySource")


def parse_authorizer(
    at: At, name: str, scheme: Mapping[str, Any], *, kind: ApiKind, functions: Mapping[str, str]
) -> Authorizer | None:
    """Reads a security scheme carrying ``x-amazon-apigateway-authorizer``; None for other schemes."""
    ext = scheme.get("x-amazon-apigateway-authorizer")
    if ext is None:
        return None
    e_at = at / "x-amazon-apigateway-authorizer"
    ext = as_map(e_at, ext, "x-amazon-apigateway-authorizer")
    type_text = as_str(e_at / "type", ext.get("type"), "authorizer type").lower()
    atype = _AUTHORIZER_TYPES.get(type_text)
    if atype is None:
        raise (e_at / "type").error(
            "bad-value", f"authorizer type {type_text!r} must be token, request, cognito_user_pools or jwt"
        )
    uri = as_opt_str(e_at / "authorizerUri", ext.get("authorizerUri"))
    jwt = as_map(e_at / "jwtConfiguration", ext.get("jwtConfiguration"), "jwtConfiguration")
    issuer = as_opt_str(e_at / "jwtConfiguration" / "issuer", jwt.get("issuer"))
    if issuer is None and scheme.get("type") == "openIdConnect" and isinstance(scheme.get("openIdConnectUrl"), str):
        issuer = str(scheme["openIdConnectUrl"]).removesuffix("/.well-known/openid-configuration")
    identity = _identity_source(e_at / "identitySource", ext.get("identitySource"))
    if not identity and atype in (AuthorizerType.TOKEN, AuthorizerType.COGNITO_USER_POOLS):
        identity = ("method.request.header.Authorization",)
    if not identity and atype is AuthorizerType.JWT:
        identity = ("$request.header.Authorization",)
    ttl = ext.get("authorizerResultTtlInSeconds")
    # AWS: REST authorizer results are cached 300 s by default [D]; HTTP API Lambda authorizers cache only when a
    # TTL is set [?].
    default_ttl = 300 if kind is ApiKind.REST else 0
    with e_at.located():
        return Authorizer(
            name=name,
            type=atype,
            identity_source=identity,
            function=function_from_uri(uri, functions) if uri else None,
            authorizer_uri=uri,
            issuer=issuer,
            audience=as_str_list(e_at / "jwtConfiguration" / "audience", jwt.get("audience")),
            provider_arns=as_str_list(e_at / "providerARNs", ext.get("providerARNs")),
            result_ttl_in_seconds=default_ttl if ttl is None else as_int(e_at / "authorizerResultTtlInSeconds", ttl),
            identity_validation_expression=as_opt_str(
                e_at / "identityValidationExpression", ext.get("identityValidationExpression")
            ),
            payload_format_version=_version(
                e_at / "authorizerPayloadFormatVersion", ext.get("authorizerPayloadFormatVersion")
            ),
            enable_simple_responses=as_bool(e_at / "enableSimpleResponses", ext.get("enableSimpleResponses", False)),
        )


def _pointer(root: Mapping[str, Any], ref: str, at: At) -> tuple[Any, At]:
    if not ref.startswith("#/"):
        raise at.error("unsupported", f"$ref {ref!r}: only references inside the document (#/...) are supported")
    node: Any = root
    path: list[str | int] = []
    for part in ref[2:].split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or key not in node:
            raise at.error("unknown-reference", f"$ref {ref!r} points at nothing")
        node = node[key]
        path.append(key)
    return node, At(at.doc, tuple(path))


def _detect_kind(spec: Mapping[str, Any], swagger: bool) -> ApiKind:
    if swagger:
        return ApiKind.REST
    if "x-amazon-apigateway-cors" in spec or "x-amazon-apigateway-importexport-version" in spec:
        return ApiKind.HTTP
    for item in (spec.get("paths") or {}).values():
        for op in (item or {}).values() if isinstance(item, Mapping) else ():
            integration = op.get("x-amazon-apigateway-integration") if isinstance(op, Mapping) else None
            if isinstance(integration, Mapping) and "payloadFormatVersion" in integration:
                return ApiKind.HTTP
    schemes = (
        ((spec.get("components") or {}).get("securitySchemes") or {})
        if isinstance(spec.get("components"), Mapping)
        else {}
    )
    for scheme in schemes.values():
        ext = scheme.get("x-amazon-apigateway-authorizer") if isinstance(scheme, Mapping) else None
        if isinstance(ext, Mapping) and str(ext.get("type", "")).lower() == "jwt":
            return ApiKind.HTTP
    return ApiKind.REST


def _substitute_aws(value: Any, region: str, account: str) -> Any:
    if isinstance(value, str):
        return (
            value.replace("${AWS::Region}", region)
            .replace("${AWS::AccountId}", account)
            .replace("${AWS::Partition}", "aws")
        )
    if isinstance(value, Mapping):
        return {k: _substitute_aws(v, region, account) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute_aws(v, region, account) for v in value]
    return value


def stage_from_document(spec: Mapping[str, Any]) -> str | None:
    """The stage an exported document names (OAS3 ``servers[0].variables.basePath.default``, Swagger ``basePath``)."""
    base: Any = spec.get("basePath")
    servers = spec.get("servers")
    if isinstance(servers, list) and servers and isinstance(servers[0], Mapping):
        variables = servers[0].get("variables")
        if isinstance(variables, Mapping) and isinstance(variables.get("basePath"), Mapping):
            base = variables["basePath"].get("default")
    if isinstance(base, str) and base.strip("/"):
        return base.strip("/")
    return None


def api_from_openapi(
    at: At,
    spec: Any,
    *,
    project: str,
    logical_id: str,
    stages: tuple[Stage, ...],
    kind: ApiKind | None = None,
    name: str | None = None,
    functions: Mapping[str, str] | None = None,
    region: str = "us-east-1",
    account_id: str = "000000000000",
    warn: Callable[[str], None] | None = None,
    extra_methods: Mapping[str, Mapping[str, Method]] | None = None,
    extra_routes: tuple[Route, ...] = (),
    api_overrides: Mapping[str, Any] | None = None,
) -> Api:
    """Builds an ``Api`` from an OpenAPI document.

    Args:
        at: where the document sits (a file root, or ``Resources.X.Properties.DefinitionBody`` in SAM).
        spec: the (resolved) document.
        project: project name, for the API id.
        logical_id: the API's logical id (file name stem for a standalone document).
        stages: the API's stages.
        kind: REST or HTTP; None detects it.
        name: overrides ``info.title``.
        functions: deployed function name → project function key.
        extra_methods: REST methods added by SAM events, by path.
        extra_routes: HTTP routes added by SAM events.
        api_overrides: fields set by the enclosing resource (SAM ``Cors``, ``BinaryMediaTypes``...).
    """
    spec = as_map(at, spec, "OpenAPI document")
    spec = _substitute_aws(spec, region, account_id)
    functions = functions or {}
    note = warn or (lambda _msg: None)
    swagger = str(spec.get("swagger", "")) == "2.0"
    if not swagger and not str(spec.get("openapi", "")).startswith("3"):
        raise at.error("not-openapi", "not an OpenAPI 3 ('openapi: 3.0.x') or Swagger 2 ('swagger: \"2.0\"') document")
    kind = kind or _detect_kind(spec, swagger)
    if swagger and kind is ApiKind.HTTP:
        raise at.error("bad-value", "HTTP APIs accept OpenAPI 3.0 only, not Swagger 2")
    info = as_map(at / "info", spec.get("info"), "info")
    title = name or as_opt_str(at / "info" / "title", info.get("title")) or logical_id

    if swagger:
        schemes_at = at / "securityDefinitions"
        schemes = as_map(schemes_at, spec.get("securityDefinitions"), "securityDefinitions")
    else:
        components = as_map(at / "components", spec.get("components"), "components")
        schemes_at = at / "components" / "securitySchemes"
        schemes = as_map(schemes_at, components.get("securitySchemes"), "securitySchemes")
    authorizers: dict[str, Authorizer] = {}
    api_key_schemes: set[str] = set()
    iam_schemes: set[str] = set()
    for scheme_name, scheme in schemes.items():
        s_at = schemes_at / scheme_name
        scheme = as_map(s_at, scheme, "security scheme")
        authorizer = parse_authorizer(s_at, scheme_name, scheme, kind=kind, functions=functions)
        if authorizer is not None:
            authorizers[scheme_name] = authorizer
        elif str(scheme.get("x-amazon-apigateway-authtype", "")).lower() == "awssigv4":
            iam_schemes.add(scheme_name)
        elif scheme.get("type") == "apiKey":
            api_key_schemes.add(scheme_name)
    if "security" in spec:
        note(f"{at.doc.file}: root-level 'security' is ignored by API Gateway; set it per operation")

    validators: dict[str, RequestValidator] = {}
    v_at = at / "x-amazon-apigateway-request-validators"
    for v_name, v_spec in as_map(
        v_at, spec.get("x-amazon-apigateway-request-validators"), "request validators"
    ).items():
        v_spec = as_map(v_at / v_name, v_spec, "request validator")
        validators[v_name] = RequestValidator(
            name=v_name,
            validate_request_body=as_bool(
                v_at / v_name / "validateRequestBody", v_spec.get("validateRequestBody", False)
            ),
            validate_request_parameters=as_bool(
                v_at / v_name / "validateRequestParameters", v_spec.get("validateRequestParameters", False)
            ),
        )
    default_validator = as_opt_str(
        at / "x-amazon-apigateway-request-validator", spec.get("x-amazon-apigateway-request-validator")
    )

    models = _models(at, spec, swagger) if kind is ApiKind.REST else {}
    models.update((api_overrides or {}).get("models", {}))  # SAM Models, which the body's $refs may name

    reusable: Mapping[str, Any] = {}
    if not swagger:
        components = as_map(at / "components", spec.get("components"), "components")
        reusable = as_map(at / "components", components.get("x-amazon-apigateway-integrations"), "integrations")

    methods_by_path: dict[str, dict[str, Method]] = {}
    routes: list[Route] = []
    paths_at = at / "paths"
    for path, item in as_map(paths_at, spec.get("paths"), "paths").items():
        item_at = paths_at / path
        item = as_map(item_at, item, "path item")
        if not (kind is ApiKind.HTTP and path == "/$default"):
            with item_at.located():
                check_path(path, greedy_allowed=True)
        path_params = item.get("parameters")
        for key, operation in item.items():
            verb = OPERATIONS.get(key)
            if verb is None:
                if key not in ("parameters", "summary", "description", "servers", "$ref") and not key.startswith("x-"):
                    note(f"{at.doc.file}: paths.{path}.{key}: not an operation API Gateway serves; ignored")
                continue
            op_at = item_at / key
            operation = as_map(op_at, operation, "operation")
            integration_spec = operation.get("x-amazon-apigateway-integration")
            i_at = op_at / "x-amazon-apigateway-integration"
            if isinstance(integration_spec, Mapping) and "$ref" in integration_spec:
                ref = as_str(i_at / "$ref", integration_spec["$ref"], "$ref")
                integration_spec, i_at = _pointer(spec, ref, i_at / "$ref")
                if not isinstance(integration_spec, Mapping) or ref.rsplit("/", 1)[-1] not in reusable:
                    raise i_at.error(
                        "unknown-reference", f"$ref {ref!r} is not an x-amazon-apigateway-integrations entry"
                    )
            integration = (
                None
                if integration_spec is None
                else parse_integration(i_at, integration_spec, kind=kind, functions=functions)
            )
            auth_type, auth_name, scopes, key_required = _security(
                op_at, operation, authorizers, api_key_schemes, iam_schemes
            )
            request_parameters = _parameters(op_at, spec, [*(path_params or []), *(operation.get("parameters") or [])])
            operation_name = as_opt_str(op_at / "operationId", operation.get("operationId"))
            if kind is ApiKind.REST:
                if integration is None:
                    # AWS: a deployment fails with "No integration defined for method".
                    raise op_at.error("missing-integration", f"{verb} {path} has no x-amazon-apigateway-integration")
                with op_at.located():
                    method = Method(
                        http_method=verb,
                        integration=integration,
                        authorization_type=auth_type,
                        authorizer=auth_name,
                        authorization_scopes=scopes,
                        api_key_required=key_required,
                        request_parameters=request_parameters,
                        request_validator=as_opt_str(
                            op_at / "x-amazon-apigateway-request-validator",
                            operation.get("x-amazon-apigateway-request-validator", default_validator),
                        ),
                        request_models=_request_models(op_at, spec, operation, swagger, models, f"{verb} {path}"),
                        operation_name=operation_name,
                        method_responses=_method_responses(op_at, operation.get("responses")),
                    )
                methods_by_path.setdefault(path, {})[verb] = method
            else:
                route_key = "$default" if path == "/$default" else f"{verb} {path}"
                with op_at.located():
                    routes.append(
                        Route(
                            route_key=route_key,
                            integration=integration,
                            authorization_type=auth_type,
                            authorizer=auth_name,
                            authorization_scopes=scopes,
                            operation_name=operation_name,
                            request_parameters=request_parameters,
                        )
                    )

    overrides = dict(api_overrides or {})
    cors = overrides.pop("cors", None)
    if cors is None and "x-amazon-apigateway-cors" in spec:
        cors = parse_cors(at / "x-amazon-apigateway-cors", spec["x-amazon-apigateway-cors"])
    gateway_responses: dict[str, GatewayResponse] = {}
    g_at = at / "x-amazon-apigateway-gateway-responses"
    for g_type, g_spec in as_map(g_at, spec.get("x-amazon-apigateway-gateway-responses"), "gateway responses").items():
        gr_at = g_at / g_type
        g_spec = as_map(gr_at, g_spec, "gateway response")
        status = g_spec.get("statusCode")
        gateway_responses[g_type] = GatewayResponse(
            response_type=g_type,
            status_code=None if status is None else as_str(gr_at / "statusCode", status),
            response_parameters=_str_map(
                gr_at / "responseParameters", g_spec.get("responseParameters"), "responseParameters"
            ),
            response_templates=_str_map(
                gr_at / "responseTemplates", g_spec.get("responseTemplates"), "responseTemplates"
            ),
        )
    endpoint = as_map(
        at / "x-amazon-apigateway-endpoint-configuration", spec.get("x-amazon-apigateway-endpoint-configuration")
    )
    compression = spec.get("x-amazon-apigateway-minimum-compression-size")
    fields: dict[str, Any] = {
        "id": api_id_for(project, logical_id),
        "name": title,
        "kind": kind,
        "logical_id": logical_id,
        "stages": stages,
        "cors": cors,
        "binary_media_types": as_str_list(
            at / "x-amazon-apigateway-binary-media-types", spec.get("x-amazon-apigateway-binary-media-types")
        ),
        "authorizers": authorizers,
        "api_key_source": as_str(
            at / "x-amazon-apigateway-api-key-source", spec.get("x-amazon-apigateway-api-key-source", "HEADER")
        ).upper(),
        "gateway_responses": gateway_responses,
        "request_validators": validators,
        "models": models,
        "description": as_opt_str(at / "info" / "description", info.get("description")),
        "version": as_opt_str(at / "info" / "version", info.get("version")),
        "minimum_compression_size": None if compression is None else as_int(at, compression),
        "disable_execute_api_endpoint": as_bool(
            at / "x-amazon-apigateway-endpoint-configuration", endpoint.get("disableExecuteApiEndpoint", False)
        ),
    }
    for path, extra in (extra_methods or {}).items():
        defined = methods_by_path.setdefault(path, {})
        for verb, method in extra.items():
            if verb not in defined:
                defined[verb] = method
                continue
            # SAM adds an event's integration only to a method the definition lacks: for one it has, SAM refuses
            # an inline body and cannot see an AWS::Include one, so the definition's integration is what AWS serves
            # [? sample apigw-mappingtemplate-lambda declares both and deploys].
            note(
                f"{at.doc.file}: {verb} {path} is defined by the OpenAPI definition and by a function's Api event; "
                "the definition's integration is used"
            )
    if kind is ApiKind.REST:
        fields["resources"] = build_resources(methods_by_path)
    else:
        known = {r.route_key for r in extra_routes}
        fields["routes"] = (*(r for r in routes if r.route_key not in known), *extra_routes)
    for key, value in overrides.items():
        if key in ("authorizers", "models", "request_validators"):
            fields[key] = {**fields[key], **value}
        elif key == "binary_media_types":
            fields[key] = tuple(dict.fromkeys((*fields[key], *value)))
        else:
            fields[key] = value
    with at.located():
        return Api(**fields)


def build_resources(methods_by_path: Mapping[str, Mapping[str, Method]]) -> tuple[Resource, ...]:
    """The REST resource tree: every path, each of its ancestors, and the root ``/``, sorted by path."""
    paths: set[str] = {"/"}
    for path in methods_by_path:
        parts = path.strip("/").split("/") if path != "/" else []
        for i in range(1, len(parts) + 1):
            paths.add("/" + "/".join(parts[:i]))
    return tuple(Resource(path=p, methods=dict(methods_by_path.get(p, {}))) for p in sorted(paths))


def parse_cors(at: At, value: Any, *, pascal_case: bool = False) -> Cors:
    """Reads an HTTP API CORS configuration: OpenAPI spells its keys ``allowOrigins``, SAM ``AllowOrigins``."""

    def key(name: str) -> str:
        return name[0].upper() + name[1:] if pascal_case else name

    spec = as_map(at, value, "CorsConfiguration" if pascal_case else "CORS configuration")

    def strings(name: str) -> tuple[str, ...]:
        return as_str_list(at / key(name), spec.get(key(name)))

    max_age = spec.get(key("maxAge"))
    with at.located():
        return Cors(
            allow_origins=strings("allowOrigins"),
            allow_methods=strings("allowMethods"),
            allow_headers=strings("allowHeaders"),
            expose_headers=strings("exposeHeaders"),
            allow_credentials=as_bool(at / key("allowCredentials"), spec.get(key("allowCredentials"), False)),
            max_age=None if max_age is None else as_int(at / key("maxAge"), max_age),
        )


def _security(
    at: At,
    operation: Mapping[str, Any],
    authorizers: Mapping[str, Authorizer],
    api_key_schemes: set[str],
    iam_schemes: set[str],
) -> tuple[AuthorizationType, str | None, tuple[str, ...], bool]:
    auth_type = AuthorizationType.NONE
    authorizer: str | None = None
    scopes: tuple[str, ...] = ()
    key_required = False
    s_at = at / "security"
    for i, requirement in enumerate(as_list(s_at, operation.get("security"), "security")):
        for scheme, scheme_scopes in as_map(s_at / i, requirement, "security requirement").items():
            if scheme in api_key_schemes:
                key_required = True
            elif scheme in iam_schemes:
                auth_type = AuthorizationType.AWS_IAM
            elif scheme in authorizers:
                authorizer = scheme
                auth_type = {
                    AuthorizerType.JWT: AuthorizationType.JWT,
                    AuthorizerType.COGNITO_USER_POOLS: AuthorizationType.COGNITO_USER_POOLS,
                }.get(authorizers[scheme].type, AuthorizationType.CUSTOM)
                scopes = as_str_list(s_at / i / scheme, scheme_scopes, "scopes")
            else:
                raise (s_at / i / scheme).error("unknown-reference", f"security scheme {scheme!r} is not declared")
    auth = operation.get("x-amazon-apigateway-auth")
    if isinstance(auth, Mapping) and str(auth.get("type", "")).upper() == "AWS_IAM":
        auth_type = AuthorizationType.AWS_IAM
    return auth_type, authorizer, scopes, key_required


_IN = {"path": "path", "query": "querystring", "header": "header"}


def _parameters(at: At, root: Mapping[str, Any], params: list[Any]) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for i, param in enumerate(params):
        p_at = at / "parameters" / i
        if isinstance(param, Mapping) and "$ref" in param:
            param, p_at = _pointer(root, as_str(p_at / "$ref", param["$ref"]), p_at)
        param = as_map(p_at, param, "parameter")
        where = _IN.get(str(param.get("in")))
        if where is None:
            continue
        name = as_str(p_at / "name", param.get("name"), "parameter name")
        out[f"method.request.{where}.{name}"] = where == "path" or as_bool(
            p_at / "required", param.get("required", False)
        )
    return out


def _models(at: At, spec: Mapping[str, Any], swagger: bool) -> dict[str, Mapping[str, Any]]:
    """REST models: import makes one per schema of ``definitions`` (Swagger 2) or ``components.schemas``."""
    if swagger:
        s_at = at / "definitions"
        schemas = as_map(s_at, spec.get("definitions"), "definitions")
    else:
        components = as_map(at / "components", spec.get("components"), "components")
        s_at = at / "components" / "schemas"
        schemas = as_map(s_at, components.get("schemas"), "schemas")
    models = {name: as_map(s_at / name, schema, "schema") for name, schema in schemas.items()}
    # An export writes AWS's own Empty and Error models when methods use them; they are not models of the API.
    return {name: schema for name, schema in models.items() if BUILTIN_MODELS.get(name) != schema}


def _model_ref(at: At, schema: Any, models: dict[str, Mapping[str, Any]], inline_name: str) -> str:
    """The model a body schema names: ``{$ref: '#/.../Name'}`` → Name; an inline schema becomes a model of its own,
    as import creates one."""
    schema = as_map(at, schema, "schema")
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if name not in models and name not in BUILTIN_MODELS:
            raise (at / "$ref").error("unknown-reference", f"$ref {ref!r} names no schema of this document")
        return name
    name, suffix = inline_name, 1
    while name in models and models[name] is not schema:  # POST /a_b and POST /a-b make the same name
        suffix += 1
        name = f"{inline_name}{suffix}"
    models[name] = schema
    return name


def _request_models(
    at: At,
    root: Mapping[str, Any],
    operation: Mapping[str, Any],
    swagger: bool,
    models: dict[str, Mapping[str, Any]],
    route: str,
) -> dict[str, str]:
    """Content type → model of an operation's body: OAS3 ``requestBody.content``; Swagger 2 the ``in: body``
    parameter for each of ``consumes`` (the operation's, else the document's, else ``application/json``)."""
    base = re.sub(r"[^A-Za-z0-9]", "", route.title()) + "Body"
    out: dict[str, str] = {}
    if swagger:
        consumes = as_str_list(at / "consumes", operation.get("consumes", root.get("consumes"))) or (
            "application/json",
        )
        for i, param in enumerate(as_list(at / "parameters", operation.get("parameters"))):
            p_at = at / "parameters" / i
            if isinstance(param, Mapping) and "$ref" in param:
                param, p_at = _pointer(root, as_str(p_at / "$ref", param["$ref"]), p_at)
            if isinstance(param, Mapping) and param.get("in") == "body" and "schema" in param:
                name = _model_ref(p_at / "schema", param["schema"], models, base)
                out.update(dict.fromkeys(consumes, name))
        return out
    body = operation.get("requestBody")
    if body is None:
        return out
    b_at = at / "requestBody"
    if isinstance(body, Mapping) and "$ref" in body:
        body, b_at = _pointer(root, as_str(b_at / "$ref", body["$ref"]), b_at)
    content = as_map(b_at / "content", as_map(b_at, body, "requestBody").get("content"), "content")
    for i, (mime, media) in enumerate(content.items()):
        media = as_map(b_at / "content" / mime, media, "media type")
        if "schema" in media:
            inline = base if i == 0 else f"{base}{i + 1}"
            out[mime] = _model_ref(b_at / "content" / mime / "schema", media["schema"], models, inline)
    return out


def _method_responses(at: At, value: Any) -> tuple[MethodResponse, ...]:
    out = []
    r_at = at / "responses"
    for status, response in as_map(r_at, value, "responses").items():
        if not re.fullmatch(r"[1-5]\d\d", status):
            continue
        response = as_map(r_at / status, response, "response")
        headers = as_map(r_at / status / "headers", response.get("headers"), "headers")
        models: dict[str, str] = {}
        for mime, media in as_map(r_at / status / "content", response.get("content"), "content").items():
            schema = media.get("schema") if isinstance(media, Mapping) else None
            if isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
                models[mime] = schema["$ref"].rsplit("/", 1)[-1]
        out.append(
            MethodResponse(
                status_code=status,
                response_parameters={f"method.response.header.{h}": False for h in headers},
                response_models=models,
            )
        )
    return tuple(out)


def load_openapi(path: Path, options: LoadOptions | None = None, base: Path | None = None) -> Project:
    """Loads a standalone OpenAPI/Swagger file as a project with one API.

    The stage is ``options.stage``, else the one the document names (an export's ``basePath``), else ``dev`` for
    REST and ``$default`` for HTTP. Functions are not defined by an OpenAPI document, so Lambda integrations name
    functions the project does not define; that is reported as a warning, not an error.
    """
    options = options or LoadOptions()
    doc: Document = read_document(path, base)
    warnings: list[str] = []
    at = At(doc)
    spec = as_map(at, doc.data, "OpenAPI document")
    swagger = str(spec.get("swagger", "")) == "2.0"
    kind = _detect_kind(spec, swagger)
    stage = options.stage or stage_from_document(spec) or ("dev" if kind is ApiKind.REST else "$default")
    project_name = options.stack_name or (path.parent.name if path.parent.name else path.stem)
    region = options.region or "us-east-1"
    try:
        stages = (Stage(name=stage),)
    except ProjectError as exc:
        raise exc.located(doc.file, None, None) from exc
    api = api_from_openapi(
        at,
        spec,
        project=project_name,
        logical_id=path.stem,
        stages=stages,
        kind=kind,
        region=region,
        account_id=options.account_id,
        warn=warnings.append,
    )
    missing = sorted({i.function for i in api.integrations() if i.function})
    if missing:
        warnings.append(
            f"{doc.file}: Lambda integrations call functions an OpenAPI file does not define: {', '.join(missing)}"
        )
    return Project(
        name=project_name,
        apis=(api,),
        source_file=path,
        format="openapi",
        stage=stage,
        region=region,
        warnings=tuple(warnings),
    )

"""An ``Api`` → OpenAPI 3 with API Gateway's extensions.

REST APIs are written the way ``aws apigateway get-export --export-type oas30 --parameters extensions=integrations``
writes them, HTTP APIs the way ``aws apigatewayv2 export-api --specification OAS30`` does [D api-gateway-export-api.md,
http-api-export.md]: ``servers`` with a ``basePath`` variable holding the stage, one operation per method with its
``x-amazon-apigateway-integration``, ``ANY`` as ``x-amazon-apigateway-any-method``, the HTTP ``$default`` route as the
path ``/$default`` [?], authorizers as ``components.securitySchemes`` with ``x-amazon-apigateway-authorizer``, API
keys as the ``api_key`` scheme, IAM as the ``sigv4`` scheme, and the root extensions (binary media types, CORS,
gateway responses, request validators).

Why it matters beyond ``nubis export``: the console's documentation page is built from this document, and the
output is read back by ``loaders.openapi`` to the same routes, integrations and authorizers (tested as a round trip).
WebSocket APIs have no OpenAPI form, as in API Gateway.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from nubis.project.errors import ProjectError
from nubis.project.model import (
    BUILTIN_MODELS,
    Api,
    ApiKind,
    AuthorizationType,
    Authorizer,
    AuthorizerType,
    FunctionDef,
    Integration,
    Method,
    Route,
    lambda_invocation_uri,
)

__all__ = ["export_openapi", "export_openapi_text"]

_IN = {"path": "path", "querystring": "query", "header": "header"}


def export_openapi(
    api: Api,
    *,
    stage: str | None = None,
    region: str = "us-east-1",
    account_id: str = "000000000000",
    functions: Mapping[str, FunctionDef] | None = None,
) -> dict[str, Any]:
    """The OpenAPI 3 document of ``api``.

    Args:
        api: a REST or HTTP API.
        stage: the stage named in ``servers`` (default: the API's first stage).
        region, account_id: used in URLs and in Lambda ARNs built for integrations that name only a function.
        functions: the project's functions, to build those ARNs from deployed names.

    Raises:
        ProjectError: ``export-unsupported`` for a WebSocket API.
    """
    if api.kind is ApiKind.WEBSOCKET:
        raise ProjectError("export-unsupported", f"API {api.name!r} is a WebSocket API, which has no OpenAPI export")
    stage_name = stage or api.stages[0].name
    base_path = "" if stage_name == "$default" else stage_name
    doc: dict[str, Any] = {
        "openapi": "3.0.1",
        "info": {"title": api.name, "version": api.version or "1.0"},
        "servers": [
            {
                "url": f"https://{api.id}.execute-api.{region}.amazonaws.com/{{basePath}}",
                "variables": {"basePath": {"default": base_path}},
            }
        ],
        "paths": {},
    }
    if api.description:
        doc["info"]["description"] = api.description
    ctx = _Context(region, account_id, functions or {})
    schemes: dict[str, Any] = {}
    if api.kind is ApiKind.REST:
        for resource in api.resources:
            if resource.methods:
                doc["paths"][resource.path] = {
                    _op_key(verb): _rest_operation(method, ctx, schemes) for verb, method in resource.methods.items()
                }
    else:
        doc["x-amazon-apigateway-importexport-version"] = "1.0"
        for route in api.routes:
            path = "/$default" if route.route_key == "$default" else str(route.path)
            verb = "ANY" if route.route_key == "$default" else str(route.method)
            doc["paths"].setdefault(path, {})[_op_key(verb)] = _http_operation(route, ctx, schemes)
    for name, authorizer in api.authorizers.items():
        schemes[name] = _scheme(authorizer, api.kind, ctx)
    if schemes:
        doc["components"] = {"securitySchemes": schemes}
    if api.kind is ApiKind.REST:
        used = {m for r in api.resources for method in r.methods.values() for m in method.request_models.values()}
        models = {**{n: BUILTIN_MODELS[n] for n in sorted(used) if n in BUILTIN_MODELS}, **api.models}
        if models:
            doc.setdefault("components", {})["schemas"] = {name: _plain(schema) for name, schema in models.items()}
    if api.binary_media_types:
        doc["x-amazon-apigateway-binary-media-types"] = list(api.binary_media_types)
    if api.api_key_source != "HEADER":
        doc["x-amazon-apigateway-api-key-source"] = api.api_key_source
    if api.cors is not None:
        cors = api.cors
        out: dict[str, Any] = {}
        for key, value in (
            ("allowOrigins", cors.allow_origins),
            ("allowMethods", cors.allow_methods),
            ("allowHeaders", cors.allow_headers),
            ("exposeHeaders", cors.expose_headers),
        ):
            if value:
                out[key] = list(value)
        out["allowCredentials"] = cors.allow_credentials
        if cors.max_age is not None:
            out["maxAge"] = cors.max_age
        doc["x-amazon-apigateway-cors"] = out
    if api.gateway_responses:
        doc["x-amazon-apigateway-gateway-responses"] = {
            name: _drop_empty(
                {
                    "statusCode": g.status_code,
                    "responseParameters": dict(g.response_parameters),
                    "responseTemplates": dict(g.response_templates),
                }
            )
            for name, g in api.gateway_responses.items()
        }
    if api.request_validators:
        doc["x-amazon-apigateway-request-validators"] = {
            name: {
                "validateRequestBody": v.validate_request_body,
                "validateRequestParameters": v.validate_request_parameters,
            }
            for name, v in api.request_validators.items()
        }
    if api.minimum_compression_size is not None:
        doc["x-amazon-apigateway-minimum-compression-size"] = api.minimum_compression_size
    if api.disable_execute_api_endpoint:
        doc["x-amazon-apigateway-endpoint-configuration"] = {"disableExecuteApiEndpoint": True}
    return doc


def export_openapi_text(api: Api, *, output: str = "json", **kwargs: Any) -> str:
    """The export as JSON (``output="json"``) or YAML (``"yaml"``), as ``get-export`` offers both."""
    doc = export_openapi(api, **kwargs)
    if output == "yaml":
        import yaml

        return str(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    return json.dumps(doc, indent=2)


class _Context:
    def __init__(self, region: str, account_id: str, functions: Mapping[str, FunctionDef]) -> None:
        self.region = region
        self.account_id = account_id
        self.functions = functions

    def lambda_uri(self, function: str) -> str:
        deployed = self.functions[function].deployed_name if function in self.functions else function
        return lambda_invocation_uri(f"arn:aws:lambda:{self.region}:{self.account_id}:function:{deployed}", self.region)


def _op_key(verb: str) -> str:
    return "x-amazon-apigateway-any-method" if verb == "ANY" else verb.lower()


def _drop_empty(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if v not in (None, {}, [], ())}


def _integration(integration: Integration, ctx: _Context) -> dict[str, Any]:
    uri = integration.uri
    if uri is None and integration.function is not None:
        uri = ctx.lambda_uri(integration.function)
    responses: dict[str, Any] = {}
    for response in integration.responses:
        responses[response.selection_pattern if response.selection_pattern is not None else "default"] = _drop_empty(
            {
                "statusCode": response.status_code,
                "responseParameters": dict(response.response_parameters),
                "responseTemplates": dict(response.response_templates),
                "contentHandling": response.content_handling,
            }
        )
    out = {
        "type": integration.type.value.lower(),
        "httpMethod": integration.http_method,
        "uri": uri,
        "payloadFormatVersion": integration.payload_format_version,
        "passthroughBehavior": None
        if integration.passthrough_behavior is None
        else integration.passthrough_behavior.lower(),
        "timeoutInMillis": integration.timeout_in_millis,
        "requestTemplates": dict(integration.request_templates),
        "requestParameters": dict(integration.request_parameters),
        "responses": responses,
        "responseParameters": {k: dict(v) for k, v in integration.response_parameters.items()},
        "contentHandling": integration.content_handling,
        "credentials": integration.credentials,
        "integrationSubtype": integration.integration_subtype,
        "connectionType": integration.connection_type,
        "cacheKeyParameters": list(integration.cache_key_parameters),
    }
    return _drop_empty(out)


def _security(
    authorization_type: AuthorizationType,
    authorizer: str | None,
    scopes: tuple[str, ...],
    api_key_required: bool,
    schemes: dict[str, Any],
) -> list[dict[str, list[str]]]:
    security: list[dict[str, list[str]]] = []
    if api_key_required:
        schemes["api_key"] = {"type": "apiKey", "name": "x-api-key", "in": "header"}
        security.append({"api_key": []})
    if authorization_type is AuthorizationType.AWS_IAM:
        schemes["sigv4"] = {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "x-amazon-apigateway-authtype": "awsSigv4",
        }
        security.append({"sigv4": []})
    elif authorizer is not None:
        security.append({authorizer: list(scopes)})
    return security


def _plain(value: Any) -> Any:
    """A model schema as plain dicts and lists (the model keeps read-only mappings)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _rest_operation(method: Method, ctx: _Context, schemes: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {}
    if method.operation_name:
        op["operationId"] = method.operation_name
    parameters = []
    for key, required in method.request_parameters.items():
        _, _, where, name = key.split(".", 3)
        parameters.append({"name": name, "in": _IN[where], "required": required, "schema": {"type": "string"}})
    if parameters:
        op["parameters"] = parameters
    if method.request_models:
        op["requestBody"] = {
            "content": {
                mime: {"schema": {"$ref": f"#/components/schemas/{model}"}}
                for mime, model in method.request_models.items()
            }
        }
    responses: dict[str, Any] = {}
    for response in method.method_responses:
        entry: dict[str, Any] = {"description": f"{response.status_code} response"}
        headers = {
            key.removeprefix("method.response.header."): {"schema": {"type": "string"}}
            for key in response.response_parameters
        }
        if headers:
            entry["headers"] = headers
        responses[response.status_code] = entry
    op["responses"] = responses
    security = _security(
        method.authorization_type, method.authorizer, method.authorization_scopes, method.api_key_required, schemes
    )
    if security:
        op["security"] = security
    if method.request_validator:
        op["x-amazon-apigateway-request-validator"] = method.request_validator
    op["x-amazon-apigateway-integration"] = _integration(method.integration, ctx)
    return op


def _http_operation(route: Route, ctx: _Context, schemes: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {}
    if route.operation_name:
        op["operationId"] = route.operation_name
    op["responses"] = {"default": {"description": f"Default response for {route.route_key}"}}
    security = _security(route.authorization_type, route.authorizer, route.authorization_scopes, False, schemes)
    if security:
        op["security"] = security
    if route.integration is not None:
        op["x-amazon-apigateway-integration"] = _integration(route.integration, ctx)
    return op


def _scheme(authorizer: Authorizer, kind: ApiKind, ctx: _Context) -> dict[str, Any]:
    uri = authorizer.authorizer_uri
    if uri is None and authorizer.function is not None:
        uri = ctx.lambda_uri(authorizer.function)
    ext: dict[str, Any] = {"type": authorizer.type.value.lower()}
    if authorizer.type is AuthorizerType.JWT:
        ext["identitySource"] = ", ".join(authorizer.identity_source)
        ext["jwtConfiguration"] = _drop_empty({"issuer": authorizer.issuer, "audience": list(authorizer.audience)})
        return {"type": "oauth2", "flows": {}, "x-amazon-apigateway-authorizer": ext}
    header = next(
        (s.rsplit(".", 1)[1] for s in authorizer.identity_source if ".header." in s),
        "Unused",
    )
    ext.update(
        _drop_empty(
            {
                "authorizerUri": uri,
                "identitySource": ", ".join(authorizer.identity_source),
                "identityValidationExpression": authorizer.identity_validation_expression,
                "providerARNs": list(authorizer.provider_arns),
                "authorizerPayloadFormatVersion": authorizer.payload_format_version,
            }
        )
    )
    ext["authorizerResultTtlInSeconds"] = authorizer.result_ttl_in_seconds
    if kind is ApiKind.HTTP and authorizer.type is AuthorizerType.REQUEST:
        ext["enableSimpleResponses"] = authorizer.enable_simple_responses
    authtype = "cognito_user_pools" if authorizer.type is AuthorizerType.COGNITO_USER_POOLS else "custom"
    return {
        "type": "apiKey",
        "name": header,
        "in": "header",
        "x-amazon-apigateway-authtype": authtype,
        "x-amazon-apigateway-authorizer": ext,
    }

"""What the Serverless Framework (v3) generates for non-proxy ``http`` events (``integration: lambda``, ``http``,
``mock``): request templates, passthrough behaviour and integration responses [D SF apigateway.md "Lambda
Integration"; the framework's lib/plugins/aws/package/compile/events/api-gateway/lib/validate.js and
method/integration.js, read for the rules below].

- ``integration: lambda`` gets the framework's two default request templates (``application/json`` and
  ``application/x-www-form-urlencoded``), which build the event users' handlers read (``body``, ``method``,
  ``principalId``, ``stage``, ``cognitoPoolClaims``, ``enhancedAuthContext``, ``headers``, ``query``, ``path``,
  ``identity``, ``stageVariables``, ``requestPath``); ``request.template`` entries replace them by content type
  (``null`` removes one). Its passthrough behaviour is ``NEVER`` unless ``request.passThrough`` says otherwise.
- ``http``/``mock`` get only the templates written, and API Gateway's default passthrough (``WHEN_NO_MATCH``).
- Integration responses: ``response.statusCodes`` (each with ``pattern``, ``template``, ``headers``), or, for
  ``lambda`` without them, the framework's defaults (200, and 400/401/403/404/422/500/502/504 selected by
  ``[400]``-style markers in the error message, 504 also by Lambda's timeout message). A list without a
  ``pattern: ''`` entry gets the default 200. ``response.headers`` and ``response.template`` apply to every status
  code, ``response.contentHandling`` to 2xx ones; ``cors`` adds ``Access-Control-Allow-Origin``.

The templates below are written for Nubis; their output (the event) is the framework's, key for key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nubis.project.loaders._read import At, as_map, as_opt_str, as_str, as_str_list
from nubis.project.model import IntegrationResponse

__all__ = [
    "DEFAULT_FORM_TEMPLATE",
    "DEFAULT_JSON_TEMPLATE",
    "DEFAULT_STATUS_CODES",
    "integration_responses",
    "passthrough_behavior",
    "request_templates",
]

_EVENT = r"""#define( $loop )
{
#foreach( $key in $map.keySet() )
#set( $k = $util.escapeJavaScript($key) )
#set( $v = $util.escapeJavaScript($map.get($key)).replaceAll("\\'", "'") )
"$k": "$v"#if( $foreach.hasNext ),#end
#end
}
#end
{
"body": $body,
"method": "$context.httpMethod",
"principalId": "$context.authorizer.principalId",
"stage": "$context.stage",
"cognitoPoolClaims": {
extraCognitoPoolClaims"sub": "$context.authorizer.claims.sub"
},
#set( $map = $context.authorizer )
"enhancedAuthContext": $loop,
#set( $map = $input.params().header )
"headers": $loop,
#set( $map = $input.params().querystring )
"query": $loop,
#set( $map = $input.params().path )
"path": $loop,
#set( $map = $context.identity )
"identity": $loop,
#set( $map = $stageVariables )
"stageVariables": $loop,
"requestPath": "$context.resourcePath"
}
"""

DEFAULT_JSON_TEMPLATE = '#set( $body = $input.json("$") )\n' + _EVENT
"""``integration: lambda``'s ``application/json`` template: the body as JSON."""

DEFAULT_FORM_TEMPLATE = (
    r"""#define( $body )
{
#foreach( $token in $input.path('$').split('&') )
#set( $keyVal = $token.split('=') )
#set( $keyValSize = $keyVal.size() )
#if( $keyValSize >= 1 )
#set( $key = $util.escapeJavaScript($util.urlDecode($keyVal[0])) )
#if( $keyValSize >= 2 )
#set( $val = $util.escapeJavaScript($util.urlDecode($keyVal[1])).replaceAll("\\'", "'") )
#else
#set( $val = '' )
#end
"$key": "$val"#if( $foreach.hasNext ),#end
#end
#end
}
#end
"""
    + _EVENT
)
"""``integration: lambda``'s ``application/x-www-form-urlencoded`` template: the form fields as a JSON object."""

DEFAULT_STATUS_CODES: tuple[tuple[str, str], ...] = (
    ("200", ""),
    ("400", r"[\s\S]*\[400\][\s\S]*"),
    ("401", r"[\s\S]*\[401\][\s\S]*"),
    ("403", r"[\s\S]*\[403\][\s\S]*"),
    ("404", r"[\s\S]*\[404\][\s\S]*"),
    ("422", r"[\s\S]*\[422\][\s\S]*"),
    ("500", r"[\s\S]*(Process\s?exited\s?before\s?completing\s?request|\[500\])[\s\S]*"),
    ("502", r"[\s\S]*\[502\][\s\S]*"),
    ("504", r"([\s\S]*\[504\][\s\S]*)|(.*Task timed out after \d+\.\d+ seconds$)"),
)
"""``integration: lambda``'s integration responses when ``response.statusCodes`` is not given: status code and
``selectionPattern`` ('' is the default response)."""


def _claims(authorizer: Any) -> str:
    """What replaces ``extraCognitoPoolClaims``: one ``"claim": "$context.authorizer.claims.claim",`` per
    ``authorizer.claims`` entry (``a:b`` reads ``claims['a:b']`` into ``"b"``)."""
    if not isinstance(authorizer, Mapping):
        return ""
    lines = []
    for claim in authorizer.get("claims") or ():
        text = str(claim)
        if ":" in text:
            lines.append(f'"{text.split(":", 1)[1]}": "$context.authorizer.claims[\'{text}\']",')
        else:
            lines.append(f'"{text}": "$context.authorizer.claims.{text}",')
    return "".join(lines)


def request_templates(at: At, request: Mapping[str, Any], *, lambda_defaults: bool, authorizer: Any) -> dict[str, str]:
    """The integration's ``requestTemplates``: the defaults (``integration: lambda``), then ``request.template``."""
    templates: dict[str, str] = {}
    if lambda_defaults:
        templates = {
            "application/json": DEFAULT_JSON_TEMPLATE,
            "application/x-www-form-urlencoded": DEFAULT_FORM_TEMPLATE,
        }
    t_at = at / "template"
    for content_type, template in as_map(t_at, request.get("template"), "request.template").items():
        if template is None:
            templates.pop(content_type, None)
        else:
            templates[content_type] = as_str(t_at / content_type, template, "request template")
    claims = _claims(authorizer)
    return {key: value.replace("extraCognitoPoolClaims", claims) for key, value in templates.items()}


def passthrough_behavior(at: At, request: Mapping[str, Any], *, lambda_defaults: bool) -> str | None:
    value = as_opt_str(at / "passThrough", request.get("passThrough"))
    if value is not None:
        return value.upper()
    return "NEVER" if lambda_defaults else None


def _templates(at: At, value: Any) -> dict[str, str]:
    if isinstance(value, str):
        return {"application/json": value}
    return {k: as_str(at / k, v, "response template") for k, v in as_map(at, value, "template").items()}


def _headers(at: At, value: Any) -> dict[str, str]:
    return {
        f"method.response.header.{name}": as_str(at / name, source, "response header")
        for name, source in as_map(at, value, "headers").items()
    }


def integration_responses(
    at: At, response: Any, *, lambda_defaults: bool, cors: Any
) -> tuple[IntegrationResponse, ...] | None:
    """The integration responses for the event's ``response`` block, or None when the framework generates none
    (``http``/``mock`` without a ``response`` block)."""
    if response is None and not lambda_defaults:
        return None
    spec = as_map(at, response, "response")
    codes_at = at / "statusCodes"
    status_codes: list[tuple[str, Mapping[str, Any]]]
    if "statusCodes" in spec:
        status_codes = [
            (str(code), as_map(codes_at / str(code), config, "status code"))
            for code, config in as_map(codes_at, spec["statusCodes"], "statusCodes").items()
        ]
        if not any(config.get("pattern") == "" for _, config in status_codes):
            status_codes.append(("200", {"pattern": ""}))
    else:
        status_codes = [(code, {"pattern": pattern}) for code, pattern in DEFAULT_STATUS_CODES]
    shared_headers: dict[str, str] = {}
    if cors:
        cors_spec = cors if isinstance(cors, Mapping) else {}
        origins = as_str_list(at, cors_spec.get("origins")) if isinstance(cors, Mapping) else ()
        origin = ",".join(origins) if origins else str(cors_spec.get("origin", "*"))
        shared_headers["method.response.header.Access-Control-Allow-Origin"] = f"'{origin}'"
        if cors_spec.get("allowCredentials"):
            shared_headers["method.response.header.Access-Control-Allow-Credentials"] = "'true'"
    shared_headers.update(_headers(at / "headers", spec.get("headers")))
    shared_templates = _templates(at / "template", spec.get("template")) if "template" in spec else {}
    content_handling = as_opt_str(at / "contentHandling", spec.get("contentHandling"))
    responses = []
    for code, config in status_codes:
        c_at = codes_at / code
        with c_at.located():
            responses.append(
                IntegrationResponse(
                    status_code=code,
                    selection_pattern=str(config.get("pattern") or "") or None,
                    response_parameters={**shared_headers, **_headers(c_at / "headers", config.get("headers"))},
                    response_templates={**shared_templates, **_templates(c_at / "template", config.get("template"))},
                    content_handling=content_handling if code.startswith("2") else None,
                )
            )
    return tuple(responses)

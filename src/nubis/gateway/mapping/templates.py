"""The variables API Gateway gives a mapping template, and the rendering of one template (pure).

::

    $input           body · json(path) · path(path) · params() · params(name)           InputVariable
    $context         the request's context, requestOverride, responseOverride            a VtlMap per invocation
    $stageVariables  the stage's variables ($stageVariables.x, $stageVariables['x'])
    $util            escapeJavaScript · parseJson · urlEncode · urlDecode · base64Encode · base64Decode

[D api-gateway-mapping-template-reference.md for the list.] One ``TemplateState`` per invocation: the request and
response templates share ``$context``, so what a request template sets there (``requestOverride``,
``responseOverride``, or any key) is what the response template reads and what the response gets
[V LS test_integration_mock_with_request_overrides_in_response_template,
test_integration_mock_with_response_override_in_request_template, test_integration_mock_with_vtl_map_assignation].
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from nubis.gateway.context import InvocationContext
from nubis.gateway.events.normalise import domain_prefix, forwarded_headers, query_pairs
from nubis.gateway.mapping.jsonpath import NOT_FOUND, read
from nubis.gateway.mapping.vtl import CompiledTemplate, MappingTemplateError
from nubis.gateway.mapping.vtl_values import (
    MISSING,
    JavaString,
    VtlMap,
    java_string,
    json_document,
    json_text,
    to_vtl,
)

__all__ = [
    "IDENTITY_KEYS",
    "InputVariable",
    "RequestOverride",
    "TemplateState",
    "UtilVariable",
    "escape_javascript",
    "new_template_state",
    "render_template",
    "request_override",
    "response_override",
]

IDENTITY_KEYS = (
    "cognitoIdentityPoolId",
    "accountId",
    "cognitoIdentityId",
    "caller",
    "sourceIp",
    "accessKey",
    "cognitoAuthenticationType",
    "cognitoAuthenticationProvider",
    "userArn",
    "userAgent",
    "user",
)
"""``$context.identity``'s keys, in the order a captured ``integration: lambda`` event lists them; absent values are
empty strings there [P SF apigateway.md "Example LAMBDA event"]."""


def escape_javascript(value: Any) -> JavaString:
    """``$util.escapeJavaScript``: JavaScript string escaping as Java's commons-lang does it. Single quotes become
    ``\\'`` (not valid JSON, which is why templates add ``.replaceAll("\\\\'","'")``) [D]; ``"``, ``\\`` and ``/``
    are escaped, control characters and everything outside ASCII become ``\\uXXXX`` (upper-case hex, UTF-16 units)
    [? commons-lang StringEscapeUtils]."""
    text = java_string(value)
    out: list[str] = []
    for char in text:
        code = ord(char)
        if code > 0xFFFF:
            high, low = divmod(code - 0x10000, 0x400)
            out.append(f"\\u{0xD800 + high:04X}\\u{0xDC00 + low:04X}")
        elif code > 0x7F:
            out.append(f"\\u{code:04X}")
        elif code < 32:
            out.append(_CONTROL.get(char) or f"\\u{code:04X}")
        else:
            out.append(_ESCAPED.get(char, char))
    return JavaString("".join(out))


_CONTROL = {"\b": "\\b", "\n": "\\n", "\t": "\\t", "\f": "\\f", "\r": "\\r"}
_ESCAPED = {"'": "\\'", '"': '\\"', "\\": "\\\\", "/": "\\/"}


class UtilVariable:
    """``$util`` [D api-gateway-mapping-template-reference.md]. Text is UTF-8 throughout."""

    __slots__ = ()

    def escapeJavaScript(self, value: Any) -> JavaString:
        return escape_javascript(value)

    def parseJson(self, value: Any) -> Any:
        """A JSON text as template values (objects print ``{k=v}``, arrays as JSON) [D]."""
        try:
            return to_vtl(json_document(java_string(value)))
        except ValueError as exc:
            raise MappingTemplateError(f"$util.parseJson: {exc}") from exc

    def urlEncode(self, value: Any) -> JavaString:
        """``java.net.URLEncoder``: space as ``+``, ``%XX`` for the rest [V LS url-encode snapshot]; letters,
        digits and ``.-*_`` kept, as Java keeps them (``~`` encoded) [?]."""
        return JavaString(quote_plus(java_string(value), safe="*").replace("~", "%7E"))

    def urlDecode(self, value: Any) -> JavaString:
        return JavaString(unquote_plus(java_string(value)))

    def base64Encode(self, value: Any) -> JavaString:
        return JavaString(base64.b64encode(java_string(value).encode()).decode())

    def base64Decode(self, value: Any) -> JavaString:
        try:
            return JavaString(base64.b64decode(java_string(value)).decode("utf-8", errors="replace"))
        except (binascii.Error, ValueError) as exc:
            raise MappingTemplateError(f"$util.base64Decode: {exc}") from exc


UTIL = UtilVariable()


class InputVariable:
    """``$input`` for one payload (the method request's in a request template, the integration response's in a
    response template). ``path`` and ``json`` read one parsed tree, so what a template changes with ``#set`` in what
    ``$input.path`` returned shows in a later ``$input.json`` [P sample apigw-mappingtemplate-lambda README]."""

    __slots__ = ("_body", "_document", "_params")

    def __init__(self, body: str, params: VtlMap) -> None:
        self._body = body
        self._params = params
        self._document: Any = None

    @property
    def body(self) -> JavaString:
        """The raw payload; ``{}`` when there is none [V LS test_input_body_formatting]."""
        return JavaString(self._body or "{}")

    def _root(self) -> Any:
        if self._document is None:
            text = self._body or "{}"
            try:
                self._document = to_vtl(json_document(text))
            except ValueError:
                # Not JSON: the root is the text itself (the Serverless Framework's form template splits
                # $input.path('$') on '&').
                self._document = JavaString(text)
        return self._document

    def path(self, path: Any = "$") -> Any:
        """What a JSONPath selects, as template values; nothing (``MISSING``) when absent [V LS]."""
        found = read(self._root(), java_string(path) or "$")
        return MISSING if found is NOT_FOUND else found

    def json(self, path: Any = "$") -> JavaString:
        """The JSON text of what a JSONPath selects; ``""`` when absent [P LS template_mapping.py]."""
        found = read(self._root(), java_string(path) or "$")
        return JavaString('""' if found is NOT_FOUND else json_text(found))

    def params(self, name: Any = None) -> Any:
        """All parameters (``{path={...}, querystring={...}, header={...}}``), or one by name, searched in path,
        query string then headers; ``""`` when absent [D]."""
        if name is None:
            return self._params
        key = java_string(name)
        for where in ("path", "querystring", "header"):
            values: VtlMap = self._params[where]
            if key in values:
                return values[key]
        lowered = key.lower()
        for header, value in self._params["header"].items():
            if header.lower() == lowered:  # a header named in another case [? lenient]
                return value
        return JavaString("")


@dataclass(slots=True)
class TemplateState:
    """What one invocation's templates share."""

    context: VtlMap
    """``$context``, including the overrides templates set."""
    stage_variables: VtlMap
    params: VtlMap
    """``$input.params()`` of the method request."""
    util: UtilVariable = field(default=UTIL)


def _identity(ctx: InvocationContext) -> VtlMap:
    identity = VtlMap((key, JavaString("")) for key in IDENTITY_KEYS)
    identity["sourceIp"] = JavaString(ctx.source_ip)
    identity["userAgent"] = JavaString(ctx.header("user-agent") or "")
    return identity


def new_template_state(ctx: InvocationContext) -> TemplateState:
    """``$context``, ``$stageVariables`` and the request parameters for a matched REST request."""
    assert ctx.match is not None
    deployment = ctx.deployment
    text = JavaString
    context = VtlMap(
        accountId=text(deployment.account),
        apiId=text(deployment.api.id),
        authorizer=VtlMap(),
        deploymentId=text(deployment.deployment_id),
        domainName=text(ctx.domain_name),
        domainPrefix=text(domain_prefix(ctx.domain_name)),
        extendedRequestId=text(ctx.extended_request_id),
        httpMethod=text(ctx.method),
        identity=_identity(ctx),
        path=text(ctx.path),
        protocol=text(ctx.protocol),
        requestId=text(ctx.request_id),
        requestTime=text(ctx.request_time),
        requestTimeEpoch=ctx.request_time_epoch,
        resourceId=text(ctx.match.resource_id or ""),
        resourcePath=text(ctx.match.resource_path or ""),
        stage=text(deployment.stage.name),
        requestOverride=VtlMap(header=VtlMap(), path=VtlMap(), querystring=VtlMap()),
        responseOverride=VtlMap(header=VtlMap(), status=None),
    )
    querystring = VtlMap()
    for key, value in query_pairs(ctx.raw_query):
        querystring[key] = text(value)  # a repeated key keeps its last value, as the proxy event's map does
    header = VtlMap()
    for name, value in forwarded_headers(ctx, trace=False):  # the method request's: the trace is added later [P LS]
        header[name] = text(f"{header[name]},{value}" if name in header else value)
    params = VtlMap(
        path=VtlMap((k, text(v)) for k, v in ctx.match.path_parameters.items()),
        querystring=querystring,
        header=header,
    )
    stage_variables = VtlMap((k, text(v)) for k, v in deployment.stage_variables.items())
    return TemplateState(context=context, stage_variables=stage_variables, params=params)


def render_template(template: CompiledTemplate, body: str, state: TemplateState) -> str:
    """Renders one template over a payload.

    Raises:
        MappingTemplateError: the template failed.
    """
    namespace = {
        "input": InputVariable(body, state.params),
        "context": state.context,
        "stageVariables": state.stage_variables,
        "util": state.util,
    }
    return template.render(namespace)


@dataclass(frozen=True, slots=True)
class RequestOverride:
    """``$context.requestOverride``: what the integration request uses instead of its mapped parameters [D]."""

    header: Mapping[str, str]
    path: Mapping[str, str]
    querystring: Mapping[str, str]


def _text_map(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {java_string(k): java_string(v) for k, v in value.items() if v is not None}


def request_override(state: TemplateState) -> RequestOverride:
    override = state.context.get("requestOverride")
    if not isinstance(override, Mapping):
        override = {}
    return RequestOverride(
        header=_text_map(override.get("header")),
        path=_text_map(override.get("path")),
        querystring=_text_map(override.get("querystring")),
    )


def response_override(state: TemplateState) -> tuple[int | None, list[tuple[str, str]]]:
    """``$context.responseOverride``: the status and headers the method response gets instead [D]. A status
    that is not an HTTP status is ignored [?]."""
    override = state.context.get("responseOverride")
    if not isinstance(override, Mapping):
        return None, []
    status: int | None = None
    raw = override.get("status")
    if raw is not None and raw is not MISSING:
        try:
            status = int(java_string(raw))
        except ValueError:
            status = None
        if status is not None and not 100 <= status <= 599:
            status = None
    headers = list(_text_map(override.get("header")).items())
    return status, headers

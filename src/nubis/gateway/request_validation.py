"""REST request validation: a method's request validator, required parameters and body models, compiled into a
``MethodValidation`` when the deployment is built and checked before the integration runs.

What AWS checks [D api-gateway-method-request-validation.md]:

1. with ``validateRequestParameters``: every ``method.request.{path|querystring|header}.X`` marked required is
   present and not blank (presence only, no type or format). Failure: 400 ``BAD_REQUEST_PARAMETERS``,
   ``Missing required request parameters: [a, b]``, names in the order of their keys [P LS method_request.py];
2. with ``validateRequestBody``: the body matches the model for the request's content type, else the ``$default``
   model; with neither, the body is not validated. Failure: 400 ``BAD_REQUEST_BODY``, ``Invalid request body``.

Parameters are checked before the body [P LS]. A request without ``Content-Type`` is taken as
``application/json``, as API Gateway does when it picks a mapping template [D integration-passthrough-behaviors.md;
? for validation], and an empty body is validated as ``{}`` [P LS].
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from nubis.gateway.errors import GatewayConfigError
from nubis.gateway.events.normalise import media_type, query_pairs
from nubis.gateway.json_schema import Check, SchemaError, compile_schema, parse_json
from nubis.gateway.responses import BadRequestBody, BadRequestParameters
from nubis.project.model import BUILTIN_MODELS, Api, Method

__all__ = ["MethodValidation", "compile_validation"]

_LOCATIONS = ("path", "querystring", "header")


@dataclass(frozen=True, slots=True)
class MethodValidation:
    """What one method checks; empty parts check nothing."""

    required_parameters: tuple[tuple[str, str], ...] = ()
    """(location, name) of each required parameter, in message order; empty unless parameters are validated."""
    body_models: Mapping[str, Check] | None = None
    """Content type (or ``$default``) → compiled model; None unless bodies are validated."""

    def check(self, headers: list[tuple[str, str]], raw_query: str, body: bytes) -> None:
        """Raises ``BadRequestParameters`` or ``BadRequestBody`` for a request the method refuses."""
        if self.required_parameters:
            missing = _missing(self.required_parameters, headers, raw_query)
            if missing:
                raise BadRequestParameters(f"Missing required request parameters: [{', '.join(missing)}]")
        if self.body_models:
            content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
            kind = media_type(content_type) or "application/json"
            model = self.body_models.get(kind) or self.body_models.get("$default")
            if model is not None and not _body_matches(model, body):
                raise BadRequestBody()


def _missing(required: tuple[tuple[str, str], ...], headers: list[tuple[str, str]], raw_query: str) -> list[str]:
    present_headers = {k.lower() for k, v in headers if v.strip()}
    present_query = {k for k, v in query_pairs(raw_query) if v.strip()}
    missing = []
    for location, name in required:
        if location == "header" and name.lower() not in present_headers:
            missing.append(name)
        elif location == "querystring" and name not in present_query:
            missing.append(name)
        # A path parameter always has a value once the resource matched: {name} never matches an empty segment.
    return missing


def _body_matches(model: Check, body: bytes) -> bool:
    try:
        document = parse_json(body.decode("utf-8")) if body.strip() else {}
    except ValueError:  # not UTF-8, or not JSON
        return False
    return model(document)


def _model_resolver(api: Api) -> Callable[[str], Mapping[str, Any] | None]:
    def resolve(ref: str) -> Mapping[str, Any] | None:
        """``#/definitions/X``, ``#/components/schemas/X`` or ``https://apigateway.amazonaws.com/restapis/{id}/
        models/X``: the model named by the last segment."""
        name = ref.rstrip("/").rsplit("/", 1)[-1]
        return api.models.get(name) or BUILTIN_MODELS.get(name)

    return resolve


def compile_validation(api: Api, method: Method) -> MethodValidation | None:
    """The checks of ``method`` (None when its validator checks nothing).

    Raises:
        GatewayConfigError: a model the method uses cannot be compiled (AWS refuses such a model when it is created).
    """
    if method.request_validator is None:
        return None
    validator = api.request_validators[method.request_validator]
    required: tuple[tuple[str, str], ...] = ()
    if validator.validate_request_parameters:
        parts = (key.split(".", 3) for key, is_required in sorted(method.request_parameters.items()) if is_required)
        required = tuple((part[2], part[3]) for part in parts if len(part) == 4 and part[2] in _LOCATIONS)
    body_models: dict[str, Check] | None = None
    if validator.validate_request_body:
        body_models = {}
        resolve = _model_resolver(api)
        for content_type, name in method.request_models.items():
            schema = api.models.get(name) or BUILTIN_MODELS[name]
            try:
                body_models[content_type.lower()] = compile_schema(schema, resolve)
            except SchemaError as exc:
                raise GatewayConfigError(f"API {api.name!r}, model {name!r}: {exc}") from exc
    if not required and not body_models:
        return None
    return MethodValidation(required_parameters=required, body_models=body_models)

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

Models are JSON Schema draft 4 [D models-mappings-models.md], checked by the ``jsonschema`` library's
``Draft4Validator`` whatever their ``$schema`` says. What this module adds to it:

- numbers are ``Decimal`` in models and bodies alike, so ``multipleOf: 0.1`` accepts ``0.3`` and ``minimum: 0.1``
  accepts ``0.1``; ``2020.0`` stays a number that is not a draft 4 integer;
- ``format`` is an annotation: no format checker is given, as API Gateway does not enforce formats [?];
- ``$ref`` between models: every model of the API sits in one ``referencing.Registry`` under its API Gateway URL,
  ``https://apigateway.amazonaws.com/restapis/{api}/models/{Model}``. A reference that does not resolve as written
  (``#/definitions/Model`` or ``#/components/schemas/Model`` from an imported document, or a model URL with another
  API id) is rewritten to the URL of the model named by its last segment, as import rewrites them [?];
- every model of the API is compiled with the first method that validates bodies: a model that is not a valid
  draft 4 schema, or names a model the API does not have, stops the deployment (AWS refuses it on creation [?]).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from jsonschema import Draft4Validator
from jsonschema.exceptions import SchemaError
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT4

from nubis.gateway.errors import GatewayConfigError
from nubis.gateway.events.normalise import media_type, query_pairs
from nubis.gateway.responses import BadRequestBody, BadRequestParameters
from nubis.project.model import BUILTIN_MODELS, Api

if TYPE_CHECKING:
    from referencing._core import Resolver  # documented, but not re-exported by ``referencing``

__all__ = ["Check", "MethodValidation", "compile_models", "compile_validations"]

Check = Callable[[Any], bool]
"""A compiled model: true when a parsed JSON document (decimals as ``Decimal``) matches it."""

_LOCATIONS = ("path", "querystring", "header")
_MODEL_URL = "https://apigateway.amazonaws.com/restapis/{api}/models/{name}"


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
        return model(json.loads(body.decode("utf-8"), parse_float=Decimal) if body.strip() else {})
    # ValueError: not UTF-8, or not JSON. InvalidOperation: ``multipleOf`` of a number whose quotient has more
    # digits than the decimal precision (``1e30`` by ``0.1``), refused rather than answered 500 [?].
    except (ValueError, InvalidOperation):
        return False


def compile_validations(api: Api) -> dict[str, MethodValidation]:
    """Route key (``POST /vehicle/{id}``) → the checks of that method, for each method whose validator checks
    something.

    Raises:
        GatewayConfigError: a model of the API cannot be compiled (see ``compile_models``).
    """
    validations: dict[str, MethodValidation] = {}
    models: dict[str, Check] | None = None
    for resource in api.resources:
        for verb, method in resource.methods.items():
            if method.request_validator is None:
                continue
            validator = api.request_validators[method.request_validator]
            required: tuple[tuple[str, str], ...] = ()
            if validator.validate_request_parameters:
                keys = sorted(key for key, is_required in method.request_parameters.items() if is_required)
                parts = (key.split(".", 3) for key in keys)
                required = tuple((part[2], part[3]) for part in parts if len(part) == 4 and part[2] in _LOCATIONS)
            body_models: dict[str, Check] | None = None
            if validator.validate_request_body:
                models = compile_models(api) if models is None else models
                body_models = {kind.lower(): models[name] for kind, name in method.request_models.items()}
            if required or body_models:
                validations[f"{verb} {resource.path}"] = MethodValidation(required, body_models)
    return validations


def compile_models(api: Api) -> dict[str, Check]:
    """Every model of ``api``, its own and AWS's built-in ``Empty`` and ``Error``, compiled once.

    Raises:
        GatewayConfigError: a model is not a valid draft 4 schema, or a ``$ref`` in it names nothing.
    """
    schemas = {name: _json_copy(schema) for name, schema in {**BUILTIN_MODELS, **api.models}.items()}
    urls = {name: _MODEL_URL.format(api=api.id, name=name) for name in schemas}
    # In this order: the reference walk needs schemas that are valid draft 4, and rewrites them in place; the
    # registry holds the same dicts, so the requests follow the rewritten references.
    for name, schema in schemas.items():
        try:
            Draft4Validator.check_schema(schema)  # with its format checker: a ``pattern`` must compile
        except SchemaError as exc:
            raise GatewayConfigError(f"API {api.name!r}, model {name!r}: {exc.json_path}: {exc.message}") from exc
    registry: Registry[Any] = Registry().with_resources(
        (urls[name], DRAFT4.create_resource(schema)) for name, schema in schemas.items()
    )
    for name, schema in schemas.items():
        resource = DRAFT4.create_resource(schema)
        try:
            _rewrite_refs(resource, registry.resolver_with_root(resource), urls)
        except LookupError as exc:
            raise GatewayConfigError(f"API {api.name!r}, model {name!r}: {exc.args[0]}") from exc
    return {name: Draft4Validator(schema, registry=registry).is_valid for name, schema in schemas.items()}


def _json_copy(value: Any) -> Any:
    """A mutable copy of a model, with floats as the decimals they were written as."""
    if isinstance(value, Mapping):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_copy(item) for item in value]
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def _rewrite_refs(resource: Resource[Any], resolver: Resolver[Any], urls: Mapping[str, str]) -> None:
    """Points each ``$ref`` of the schema that does not resolve as written at the model named by its last segment.

    Raises:
        LookupError: a ``$ref`` names no model of the API.
    """
    contents = resource.contents
    if "$ref" in contents:
        ref = contents["$ref"]
        if not (isinstance(ref, str) and _resolves(resolver, ref)):
            name = ref.rstrip("/").rsplit("/", 1)[-1] if isinstance(ref, str) else ""
            if name not in urls:
                raise LookupError(f"$ref {ref!r} names no model of this API")
            contents["$ref"] = urls[name]
    for sub in resource.subresources():
        _rewrite_refs(sub, resolver.in_subresource(sub), urls)


def _resolves(resolver: Resolver[Any], ref: str) -> bool:
    try:
        resolver.lookup(ref)
    except Unresolvable:
        return False
    return True

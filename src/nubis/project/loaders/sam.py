"""AWS SAM ``template.yaml`` (and plain CloudFormation) → ``Project``.

The steps, in order:

1. read the template; evaluate ``Parameters`` (defaults, overrides, AllowedValues), ``Conditions`` and ``Mappings``
   lazily through ``_cloudformation.Template``; resources whose ``Condition`` is false are skipped;
2. merge ``Globals`` into each resource (``Function``, ``Api``, ``HttpApi``, ``SimpleTable``): the resource's value
   wins, maps merge, lists add up [D SAMDG globals];
3. functions (``AWS::Serverless::Function``; Timeout 3 s and MemorySize 128 MB by default) and their events:
   ``Api`` events join the API their ``RestApiId`` names or the implicit ``ServerlessRestApi`` (stages ``Prod`` and
   ``Stage``); ``HttpApi`` events join their ``ApiId`` or the implicit ``ServerlessHttpApi`` (``$default`` stage,
   payload 2.0); other events are summarised and reported as not triggered locally;
4. ``AWS::Serverless::Api``/``HttpApi`` with ``DefinitionBody``/``DefinitionUri`` (OpenAPI, via ``loaders.openapi``),
   ``Cors`` (REST: OPTIONS MOCK methods as SAM generates them; HTTP: ``CorsConfiguration``), ``BinaryMediaTypes``
   (``~1`` stands for ``/``), ``Auth`` (authorizers, default authorizer, API keys and usage plans),
   ``GatewayResponses``, stage ``Variables``; ``AWS::ApiGateway::RestApi`` with a ``Body``; WebSocket APIs written
   with raw ``AWS::ApiGatewayV2::{Api,Route,Integration,Stage,Authorizer}`` (SAM has no WebSocket resource);
5. tables: ``AWS::Serverless::SimpleTable`` and ``AWS::DynamoDB::Table`` as CreateTable requests; ``Outputs``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nubis.project._source import read_document
from nubis.project.errors import format_key_path
from nubis.project.loaders._cloudformation import API_TYPES, TABLE_TYPES, ResourceRef, StackContext, Template, table_def
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
from nubis.project.loaders.openapi import OPERATIONS, api_from_openapi, build_resources, function_from_uri, parse_cors
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
    GatewayResponse,
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

__all__ = ["load_sam"]

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
IMPLICIT_REST = "ServerlessRestApi"
IMPLICIT_HTTP = "ServerlessHttpApi"

_QUIET = frozenset(
    {
        "AWS::IAM::Role",
        "AWS::IAM::Policy",
        "AWS::Lambda::Permission",
        "AWS::Logs::LogGroup",
        "AWS::Serverless::Connector",
        "AWS::ApiGateway::Deployment",
        "AWS::ApiGateway::Stage",
        "AWS::ApiGateway::Account",
        "AWS::ApiGatewayV2::Deployment",
        "AWS::ApiGatewayV2::Stage",
        "AWS::ApiGatewayV2::Route",
        "AWS::ApiGatewayV2::Integration",
        "AWS::ApiGatewayV2::Authorizer",
        "AWS::ApiGatewayV2::RouteResponse",
    }
)


def _is_intrinsic(value: Any) -> bool:
    return isinstance(value, Mapping) and len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref", "Condition"))


def merge_globals(global_value: Any, value: Any) -> Any:
    """SAM's Globals rule: the resource's value wins for scalars, maps merge, lists add up."""
    if isinstance(global_value, Mapping) and isinstance(value, Mapping):
        if _is_intrinsic(global_value) or _is_intrinsic(value):
            return value
        merged = dict(global_value)
        for key, item in value.items():
            merged[key] = merge_globals(global_value[key], item) if key in global_value else item
        return merged
    if isinstance(global_value, list) and isinstance(value, list):
        return [*global_value, *value]
    return value


@dataclass
class _Events:
    rest: dict[str, dict[str, dict[str, Method]]] = field(default_factory=dict)
    """API logical id → path → verb → method."""
    http: dict[str, list[Route]] = field(default_factory=dict)
    rest_auth: dict[str, list[tuple[str, str, At, Mapping[str, Any]]]] = field(default_factory=dict)
    """API logical id → (path, verb, where, Auth) to apply once the API's authorizers are known."""
    http_auth: dict[str, list[tuple[int, At, Mapping[str, Any]]]] = field(default_factory=dict)
    rest_validators: dict[str, dict[str, RequestValidator]] = field(default_factory=dict)
    """API logical id → the request validators its events' ``RequestModel`` settings generate."""
    rest_models: dict[str, list[tuple[At, str, str, str]]] = field(default_factory=dict)
    """API logical id → (where, model as written, path, verb), checked against the API's ``Models``."""


class _Loader:
    def __init__(self, path: Path, options: LoadOptions, base: Path | None) -> None:
        self.path = path
        self.doc = read_document(path, base)
        self.root = At(self.doc)
        self.data = as_map(self.root, self.doc.data, "template")
        self.options = options
        self.region = options.region or "us-east-1"
        self.stack = options.stack_name or re.sub(r"[^A-Za-z0-9-]", "-", path.parent.resolve().name) or "stack"
        self.warnings: list[str] = []
        self.globals = as_map(self.root / "Globals", self.data.get("Globals"), "Globals")
        http_id = api_id_for(self.stack, IMPLICIT_HTTP)
        extra = {
            IMPLICIT_REST: ResourceRef(api_id_for(self.stack, IMPLICIT_REST), {"RootResourceId": "root"}),
            IMPLICIT_HTTP: ResourceRef(
                http_id, {"ApiEndpoint": f"https://{http_id}.execute-api.{self.region}.amazonaws.com"}
            ),
        }
        self.template = Template(
            self.doc,
            (),
            self.data,
            StackContext(self.stack, self.region, options.account_id),
            overrides=options.parameter_overrides,
            extra=extra,
            base=path.parent,
        )
        self.resources_at = self.root / "Resources"
        self.events = _Events()
        self.deployed: dict[str, str] = {}
        self.api_ids: dict[str, str] = {}

    # -- helpers --------------------------------------------------------------------------------------------------

    def warn(self, at: At, message: str) -> None:
        self.warnings.append(f"{self.doc.file}: {format_key_path(at.path)}: {message}")

    def resources(self, *types: str) -> list[tuple[str, At, Mapping[str, Any]]]:
        out = []
        for logical_id, spec in self.template.resources.items():
            r_at = self.resources_at / logical_id
            spec = as_map(r_at, spec, "resource")
            if spec.get("Type") in types and self.template.resource_enabled(logical_id):
                out.append((logical_id, r_at, spec))
        return out

    def props(self, r_at: At, spec: Mapping[str, Any], global_key: str | None) -> Mapping[str, Any]:
        raw = as_map(r_at / "Properties", spec.get("Properties"), "Properties")
        if global_key and global_key in self.globals:
            raw = merge_globals(as_map(self.root / "Globals" / global_key, self.globals[global_key]), raw)
        return as_map(r_at / "Properties", self.template.resolve(raw, r_at / "Properties"), "Properties")

    def function_key(self, arn: str) -> str | None:
        return function_from_uri(arn, {v: k for k, v in self.deployed.items()})

    def api_logical(self, at: At, value: Any, implicit: str) -> str:
        if value is None:
            return implicit
        resolved = as_str(at, value, "API reference")
        for logical, api_id in self.api_ids.items():
            if resolved in (api_id, logical):
                return logical
        raise at.error("unknown-reference", f"{resolved!r} is not an API of this template (use !Ref MyApi)")

    # -- the load -------------------------------------------------------------------------------------------------

    def load(self) -> Project:
        transform = self.data.get("Transform")
        transforms = as_str_list(self.root / "Transform", transform)
        if transforms and SAM_TRANSFORM not in transforms:
            raise (self.root / "Transform").error(
                "unsupported", f"unknown Transform {transforms}; expected {SAM_TRANSFORM}"
            )
        if "Resources" not in self.data:
            raise self.root.error("missing-key", "a template needs Resources")
        for logical_id, spec in self.template.resources.items():
            spec = as_map(self.resources_at / logical_id, spec, "resource")
            rtype = as_str(self.resources_at / logical_id / "Type", spec.get("Type"), "Type")
            if rtype in API_TYPES:
                self.api_ids[logical_id] = api_id_for(self.stack, logical_id)
        self.api_ids[IMPLICIT_REST] = api_id_for(self.stack, IMPLICIT_REST)
        self.api_ids[IMPLICIT_HTTP] = api_id_for(self.stack, IMPLICIT_HTTP)
        functions_spec = self.resources("AWS::Serverless::Function")
        for logical_id, r_at, spec in functions_spec:
            self.deployed[logical_id] = as_str(r_at, self.template.physical_id(logical_id, r_at), "function name")
            self.generated_role(logical_id, spec)
        functions = {logical_id: self.function(logical_id, r_at, spec) for logical_id, r_at, spec in functions_spec}
        for _logical_id, r_at, _spec in self.resources("AWS::Lambda::Function"):
            self.warn(r_at, "AWS::Lambda::Function is not run locally; use AWS::Serverless::Function with CodeUri")
        apis = [*self.rest_apis(), *self.http_apis(), *self.websocket_apis()]
        tables = self.tables()
        known = {
            "AWS::Serverless::Function",
            "AWS::Serverless::Api",
            "AWS::Serverless::HttpApi",
            "AWS::ApiGateway::RestApi",
            "AWS::ApiGatewayV2::Api",
            "AWS::Lambda::Function",
            *TABLE_TYPES,
            *_QUIET,
        }
        for logical_id, spec in self.template.resources.items():
            rtype = str(spec.get("Type")) if isinstance(spec, Mapping) else ""
            if rtype not in known:
                self.warn(self.resources_at / logical_id, f"{rtype} is not created locally")
        outputs: dict[str, Any] = {}
        o_at = self.root / "Outputs"
        for name, output in as_map(o_at, self.data.get("Outputs"), "Outputs").items():
            output = as_map(o_at / name, output, "output")
            if "Condition" in output and not self.template.condition(
                str(output["Condition"]), o_at / name / "Condition"
            ):
                continue
            outputs[name] = self.template.resolve(output.get("Value"), o_at / name / "Value")
        with self.root.located():
            return Project(
                name=self.stack,
                functions=functions,
                apis=tuple(apis),
                tables=tables,
                source_file=self.path,
                format="sam",
                stage=None,
                region=self.region,
                outputs=outputs,
                warnings=tuple(self.warnings),
            )

    # -- functions ------------------------------------------------------------------------------------------------

    def generated_role(self, logical_id: str, spec: Mapping[str, Any]) -> None:
        """The execution role SAM generates as ``<function>Role`` when the function names no ``Role``, so that
        ``!GetAtt HelloWorldFunctionRole.Arn`` in Outputs resolves [D SAMDG
        sam-specification-generated-resources-function]."""
        props = spec.get("Properties")
        declared = isinstance(props, Mapping) and "Role" in props
        in_globals = isinstance(self.globals.get("Function"), Mapping) and "Role" in self.globals["Function"]
        role = f"{logical_id}Role"
        if declared or in_globals or role in self.template.resources:
            return
        name = f"{self.stack}-{role}"[:64]
        arn = f"arn:aws:iam::{self.options.account_id}:role/{name}"
        self.template.extra[role] = ResourceRef(name, {"Arn": arn})

    def function(self, logical_id: str, r_at: At, spec: Mapping[str, Any]) -> FunctionDef:
        props = self.props(r_at, spec, "Function")
        p_at = r_at / "Properties"
        if props.get("PackageType") == "Image":
            raise (p_at / "PackageType").error(
                "unsupported", "container image functions are not supported; use CodeUri and Handler"
            )
        inline = None
        if "InlineCode" in props:
            if "CodeUri" in props:
                raise (p_at / "InlineCode").error("bad-value", "a function has either CodeUri or InlineCode, not both")
            inline = as_str(p_at / "InlineCode", props["InlineCode"], "InlineCode")
        code_uri = props.get("CodeUri", ".")
        if not isinstance(code_uri, str):
            raise (p_at / "CodeUri").error("unsupported", "CodeUri must be a local folder (S3 locations are not read)")
        if code_uri.startswith("s3://"):
            raise (p_at / "CodeUri").error(
                "unsupported", f"CodeUri {code_uri!r} is in S3; Nubis runs code from a local folder"
            )
        env = as_map(p_at / "Environment", props.get("Environment"), "Environment")
        variables = {}
        for key, value in as_map(p_at / "Environment" / "Variables", env.get("Variables"), "Variables").items():
            v_at = p_at / "Environment" / "Variables" / key
            variables[key] = ("true" if value else "false") if isinstance(value, bool) else as_str(v_at, value, key)
        events = []
        for name, event in as_map(p_at / "Events", props.get("Events"), "Events").items():
            events.append(self.event(logical_id, p_at / "Events" / name, event))
        reserved = props.get("ReservedConcurrentExecutions")
        with p_at.located():
            return FunctionDef(
                name=logical_id,
                handler=as_str(p_at / "Handler", props.get("Handler"), "Handler"),
                runtime=as_str(p_at / "Runtime", props.get("Runtime"), "Runtime"),
                code_dir=(self.path.parent / code_uri),
                timeout=as_int(p_at / "Timeout", props.get("Timeout", 3), "Timeout"),
                memory=as_int(p_at / "MemorySize", props.get("MemorySize", 128), "MemorySize"),
                environment=variables,
                reserved_concurrency=None
                if reserved is None
                else as_int(p_at / "ReservedConcurrentExecutions", reserved),
                function_name=self.deployed[logical_id],
                events=tuple(events),
                inline_code=inline,
            )

    def lambda_proxy(self, function: str, version: PayloadFormatVersion | None) -> Integration:
        arn = f"arn:aws:lambda:{self.region}:{self.options.account_id}:function:{self.deployed[function]}"
        return Integration(
            type=IntegrationType.AWS_PROXY,
            uri=lambda_invocation_uri(arn, self.region),
            function=function,
            http_method="POST",
            payload_format_version=version,
        )

    def event(self, function: str, e_at: At, event: Any) -> EventSummary:
        event = as_map(e_at, event, "event")
        etype = as_str(e_at / "Type", event.get("Type"), "event Type")
        p_at = e_at / "Properties"
        props = as_map(p_at, event.get("Properties"), "event Properties")
        if etype == "Api":
            path = as_str(p_at / "Path", props.get("Path"), "Path")
            verb = as_str(p_at / "Method", props.get("Method"), "Method").upper()
            verb = "ANY" if verb in ("ANY", "X-AMAZON-APIGATEWAY-ANY-METHOD", "*") else verb
            if verb not in (*HTTP_METHODS, "ANY"):
                raise (p_at / "Method").error("bad-value", f"Method {verb!r} is not an HTTP method or ANY")
            api = self.api_logical(p_at / "RestApiId", props.get("RestApiId"), IMPLICIT_REST)
            params: dict[str, bool] = {}
            for i, item in enumerate(
                as_list(p_at / "RequestParameters", props.get("RequestParameters"), "RequestParameters")
            ):
                if isinstance(item, str):
                    params[item] = False
                else:
                    for name, opts in as_map(p_at / "RequestParameters" / i, item).items():
                        params[name] = as_bool(
                            p_at / "RequestParameters" / i / name, as_map(p_at, opts).get("Required", False)
                        )
            models, validator = self.request_model(api, p_at / "RequestModel", props.get("RequestModel"), path, verb)
            with e_at.located():
                method = Method(
                    http_method=verb,
                    integration=self.lambda_proxy(function, None),
                    request_parameters=params,
                    request_models=models,
                    request_validator=validator,
                )
            by_path = self.events.rest.setdefault(api, {}).setdefault(path, {})
            if verb in by_path:
                raise e_at.error("duplicate-route", f"{verb} {path} is defined twice on {api}")
            by_path[verb] = method
            self.events.rest_auth.setdefault(api, []).append(
                (path, verb, p_at / "Auth", as_map(p_at / "Auth", props.get("Auth")))
            )
            return EventSummary(kind="Api", detail=f"{verb} {path}", properties=props)
        if etype == "HttpApi":
            api = self.api_logical(p_at / "ApiId", props.get("ApiId"), IMPLICIT_HTTP)
            if "Path" not in props and "Method" not in props:
                route_key = "$default"
            else:
                verb = as_str(p_at / "Method", props.get("Method", "ANY"), "Method").upper()
                verb = "ANY" if verb in ("*", "X-AMAZON-APIGATEWAY-ANY-METHOD") else verb
                route_key = f"{verb} {as_str(p_at / 'Path', props.get('Path'), 'Path')}"
            version_raw = props.get("PayloadFormatVersion", "2.0")
            version_text = f"{version_raw:.1f}" if isinstance(version_raw, float) else str(version_raw)
            if version_text not in ("1.0", "2.0"):
                raise (p_at / "PayloadFormatVersion").error("bad-value", "PayloadFormatVersion must be '1.0' or '2.0'")
            integration = self.lambda_proxy(function, "1.0" if version_text == "1.0" else "2.0")
            if "TimeoutInMillis" in props:
                with (p_at / "TimeoutInMillis").located():
                    integration = replace(
                        integration, timeout_in_millis=as_int(p_at / "TimeoutInMillis", props["TimeoutInMillis"])
                    )
            routes = self.events.http.setdefault(api, [])
            if any(r.route_key == route_key for r in routes):
                raise e_at.error("duplicate-route", f"route {route_key!r} is defined twice on {api}")
            with e_at.located():
                routes.append(Route(route_key=route_key, integration=integration))
            self.events.http_auth.setdefault(api, []).append(
                (len(routes) - 1, p_at / "Auth", as_map(p_at / "Auth", props.get("Auth")))
            )
            return EventSummary(kind="HttpApi", detail=route_key, properties=props)
        self.warn(e_at, f"{etype} events are not triggered locally")
        return EventSummary(kind=etype, properties=props)

    def request_model(self, api: str, at: At, value: Any, path: str, verb: str) -> tuple[dict[str, str], str | None]:
        """An ``Api`` event's ``RequestModel`` as SAM translates it: the body model for ``application/json`` (the
        name lower-cased, as SAM writes it into the definition), and with ``ValidateBody``/``ValidateParameters``
        a validator named ``body-only``, ``params-only``, ``body-and-params`` or ``no-validation``, the one unset
        counting as false [D SAMDG sam-property-function-requestmodel; SAM translator ``get_validator_name``]."""
        if value is None:
            return {}, None
        spec = as_map(at, value, "RequestModel")
        model = as_str(at / "Model", spec.get("Model"), "RequestModel.Model")
        self.events.rest_models.setdefault(api, []).append((at / "Model", model, path, verb))
        models = {"application/json": model.lower()}
        body, params = spec.get("ValidateBody"), spec.get("ValidateParameters")
        if body is None and params is None:
            return models, None
        validate_body = as_bool(at / "ValidateBody", False if body is None else body)
        validate_params = as_bool(at / "ValidateParameters", False if params is None else params)
        name = {
            (True, True): "body-and-params",
            (True, False): "body-only",
            (False, True): "params-only",
            (False, False): "no-validation",
        }[validate_body, validate_params]
        self.events.rest_validators.setdefault(api, {})[name] = RequestValidator(
            name=name, validate_request_body=validate_body, validate_request_parameters=validate_params
        )
        return models, name

    def api_models(self, logical_id: str, at: At, value: Any) -> dict[str, Mapping[str, Any]]:
        """``Models`` of an ``AWS::Serverless::Api`` (names lower-cased, as SAM writes them), after checking that
        every event's ``RequestModel`` names one of them, with SAM's messages."""
        declared = as_map(at, value, "Models")
        models: dict[str, Mapping[str, Any]] = {}
        for name, schema in declared.items():
            schema = as_map(at / name, schema, "model schema")
            if "type" not in schema:
                raise (at / name).error("bad-value", "'Models' schema is missing 'type'.")
            models[name.lower()] = schema
        for m_at, model, path, verb in self.events.rest_models.get(logical_id, []):
            if model not in declared:
                raise m_at.error(
                    "unknown-reference",
                    f"Unable to set RequestModel [{model}] on API method [{verb.lower()}] for path [{path}] "
                    "because it wasn't defined in the API's Models.",
                )
        return models

    # -- REST APIs ------------------------------------------------------------------------------------------------

    def rest_apis(self) -> list[Api]:
        apis = []
        explicit = self.resources("AWS::Serverless::Api")
        for logical_id, r_at, spec in explicit:
            apis.append(self.rest_api(logical_id, r_at, self.props(r_at, spec, "Api"), implicit=False))
        if IMPLICIT_REST in self.events.rest:
            g_at = self.root / "Globals" / "Api"
            props = as_map(g_at, self.template.resolve(self.globals.get("Api"), g_at), "Globals.Api")
            apis.append(self.rest_api(IMPLICIT_REST, g_at, props, implicit=True))
        for logical_id, r_at, spec in self.resources("AWS::ApiGateway::RestApi"):
            apis.append(self.raw_rest_api(logical_id, r_at, spec))
        return apis

    def rest_authorizers(self, a_at: At, auth: Mapping[str, Any]) -> dict[str, Authorizer]:
        out = {}
        for name, spec in as_map(a_at / "Authorizers", auth.get("Authorizers"), "Authorizers").items():
            s_at = a_at / "Authorizers" / name
            spec = as_map(s_at, spec, "authorizer")
            identity = as_map(s_at / "Identity", spec.get("Identity"), "Identity")
            ttl = as_int(s_at / "Identity" / "ReauthorizeEvery", identity.get("ReauthorizeEvery", 300))
            with s_at.located():
                if "UserPoolArn" in spec:
                    header = as_str(s_at, identity.get("Header", "Authorization"))
                    out[name] = Authorizer(
                        name=name,
                        type=AuthorizerType.COGNITO_USER_POOLS,
                        identity_source=(f"method.request.header.{header}",),
                        provider_arns=as_str_list(s_at / "UserPoolArn", spec["UserPoolArn"]),
                        result_ttl_in_seconds=ttl,
                    )
                    continue
                arn = as_str(s_at / "FunctionArn", spec.get("FunctionArn"), "FunctionArn")
                payload = str(spec.get("FunctionPayloadType", "TOKEN")).upper()
                if payload == "TOKEN":
                    sources: tuple[str, ...] = (f"method.request.header.{identity.get('Header', 'Authorization')}",)
                else:
                    sources = (
                        *(f"method.request.header.{h}" for h in as_str_list(s_at, identity.get("Headers"))),
                        *(f"method.request.querystring.{q}" for q in as_str_list(s_at, identity.get("QueryStrings"))),
                        *(f"stageVariables.{v}" for v in as_str_list(s_at, identity.get("StageVariables"))),
                        *(f"context.{c}" for c in as_str_list(s_at, identity.get("Context"))),
                    )
                out[name] = Authorizer(
                    name=name,
                    type=AuthorizerType.TOKEN if payload == "TOKEN" else AuthorizerType.REQUEST,
                    identity_source=sources,
                    function=self.function_key(arn),
                    authorizer_uri=lambda_invocation_uri(arn, self.region),
                    result_ttl_in_seconds=ttl,
                    identity_validation_expression=as_opt_str(s_at, identity.get("ValidationExpression")),
                )
        return out

    def rest_api(self, logical_id: str, r_at: At, props: Mapping[str, Any], *, implicit: bool) -> Api:
        p_at = r_at if implicit else r_at / "Properties"
        if implicit:
            stages_names = ["Prod", "Stage"]  # SAM's implicit API: "Prod", plus the legacy "Stage" [D SAMDG]
        else:
            stages_names = [as_str(p_at / "StageName", props.get("StageName"), "StageName")]
        variables = {
            k: as_str(p_at / "Variables" / k, v) for k, v in as_map(p_at / "Variables", props.get("Variables")).items()
        }
        burst, rate = None, None
        for i, setting in enumerate(as_list(p_at / "MethodSettings", props.get("MethodSettings"), "MethodSettings")):
            setting = as_map(p_at / "MethodSettings" / i, setting)
            if setting.get("ResourcePath", "/*") == "/*" and setting.get("HttpMethod", "*") == "*":
                if "ThrottlingBurstLimit" in setting:
                    burst = as_int(
                        p_at / "MethodSettings" / i / "ThrottlingBurstLimit", setting["ThrottlingBurstLimit"]
                    )
                if "ThrottlingRateLimit" in setting:
                    rate = float(setting["ThrottlingRateLimit"])
        with p_at.located():
            stages = tuple(
                Stage(name=n, variables=variables, throttling_burst_limit=burst, throttling_rate_limit=rate)
                for n in stages_names
            )
        a_at = p_at / "Auth"
        auth = as_map(a_at, props.get("Auth"), "Auth")
        authorizers = self.rest_authorizers(a_at, auth)
        default_auth = as_opt_str(a_at / "DefaultAuthorizer", auth.get("DefaultAuthorizer"))
        default_key = as_bool(a_at / "ApiKeyRequired", auth.get("ApiKeyRequired", False))
        methods = {path: dict(verbs) for path, verbs in self.events.rest.get(logical_id, {}).items()}
        for path, verb, auth_at, event_auth in self.events.rest_auth.get(logical_id, []):
            name = as_opt_str(auth_at / "Authorizer", event_auth.get("Authorizer", default_auth))
            key_required = as_bool(auth_at / "ApiKeyRequired", event_auth.get("ApiKeyRequired", default_key))
            scopes = as_str_list(auth_at / "AuthorizationScopes", event_auth.get("AuthorizationScopes"))
            method = methods[path][verb]
            auth_type, auth_name = self.rest_auth_type(auth_at / "Authorizer", name, authorizers)
            with auth_at.located():
                methods[path][verb] = replace(
                    method,
                    authorization_type=auth_type,
                    authorizer=auth_name,
                    authorization_scopes=scopes,
                    api_key_required=key_required,
                )
        cors = props.get("Cors")
        binary = tuple(
            t.replace("~1", "/") for t in as_str_list(p_at / "BinaryMediaTypes", props.get("BinaryMediaTypes"))
        )
        keys, plans = self.usage_plan(logical_id, a_at / "UsagePlan", auth.get("UsagePlan"), stages_names)
        overrides: dict[str, Any] = {
            "binary_media_types": binary,
            "authorizers": authorizers,
            "api_keys": keys,
            "usage_plans": plans,
            "gateway_responses": self.gateway_responses(p_at / "GatewayResponses", props.get("GatewayResponses")),
            "api_key_source": as_str(p_at / "ApiKeySourceType", props.get("ApiKeySourceType", "HEADER")).upper(),
            "models": self.api_models(logical_id, p_at / "Models", props.get("Models")),
            "request_validators": self.events.rest_validators.get(logical_id, {}),
        }
        name = as_opt_str(p_at / "Name", props.get("Name"))
        body = self.definition(p_at, props)
        if body is not None:
            body_at, spec = body
            if cors is not None:
                for path, item in as_map(body_at / "paths", as_map(body_at, spec).get("paths")).items():
                    body_verbs = [OPERATIONS[v] for v in as_map(body_at, item) if v in OPERATIONS]
                    event_verbs = list(methods.get(path, {}))
                    if "OPTIONS" not in body_verbs and "OPTIONS" not in event_verbs:
                        methods.setdefault(path, {})["OPTIONS"] = _sam_cors_method(
                            p_at / "Cors", cors, [*body_verbs, *event_verbs]
                        )
            api = self._api_from_openapi(
                body_at,
                spec,
                logical_id=logical_id,
                stages=stages,
                kind=ApiKind.REST,
                name=name,
                extra_methods=methods,
                api_overrides=overrides,
            )
        else:
            if cors is not None:
                for path_methods in methods.values():
                    if "OPTIONS" not in path_methods:
                        path_methods["OPTIONS"] = _sam_cors_method(p_at / "Cors", cors, list(path_methods))
                if default_auth and as_bool(a_at, auth.get("AddDefaultAuthorizerToCorsPreflight", True)):
                    auth_type, auth_name = self.rest_auth_type(a_at / "DefaultAuthorizer", default_auth, authorizers)
                    for verbs in methods.values():
                        if "OPTIONS" in verbs and verbs["OPTIONS"].integration.type is IntegrationType.MOCK:
                            verbs["OPTIONS"] = replace(
                                verbs["OPTIONS"], authorization_type=auth_type, authorizer=auth_name
                            )
            with p_at.located():
                api = Api(
                    id=api_id_for(self.stack, logical_id),
                    name=name or self.stack,
                    kind=ApiKind.REST,
                    logical_id=logical_id,
                    stages=stages,
                    resources=build_resources(methods),
                    **overrides,
                )
        return api

    def rest_auth_type(
        self, at: At, name: str | None, authorizers: Mapping[str, Authorizer]
    ) -> tuple[AuthorizationType, str | None]:
        if name is None or name == "NONE":
            return AuthorizationType.NONE, None
        if name == "AWS_IAM":
            return AuthorizationType.AWS_IAM, None
        if name not in authorizers:
            raise at.error("unknown-reference", f"authorizer {name!r} is not in Auth.Authorizers")
        if authorizers[name].type is AuthorizerType.COGNITO_USER_POOLS:
            return AuthorizationType.COGNITO_USER_POOLS, name
        if authorizers[name].type is AuthorizerType.JWT:
            return AuthorizationType.JWT, name
        return AuthorizationType.CUSTOM, name

    def definition(self, p_at: At, props: Mapping[str, Any]) -> tuple[At, Any] | None:
        if "DefinitionBody" in props:
            return p_at / "DefinitionBody", props["DefinitionBody"]
        if "DefinitionUri" in props:
            location = props["DefinitionUri"]
            if not isinstance(location, str):
                raise (p_at / "DefinitionUri").error("unsupported", "DefinitionUri must be a local file path (not S3)")
            doc = self.template.include(location, p_at / "DefinitionUri")
            return At(doc), doc.data
        return None

    def usage_plan(
        self, logical_id: str, at: At, value: Any, stages: list[str]
    ) -> tuple[tuple[ApiKey, ...], tuple[UsagePlan, ...]]:
        spec = as_map(at, value, "UsagePlan")
        create = str(spec.get("CreateUsagePlan", "NONE")).upper()
        if create == "NONE":
            return (), ()
        quota = as_map(at / "Quota", spec.get("Quota"))
        throttle = as_map(at / "Throttle", spec.get("Throttle"))
        key_name = f"{logical_id}ApiKey" if create == "PER_API" else "ServerlessApiKey"
        with at.located():
            plan = UsagePlan(
                name=as_str(at / "UsagePlanName", spec.get("UsagePlanName", f"{logical_id}UsagePlan")),
                stages=tuple(stages),
                api_keys=(key_name,),
                throttle_burst_limit=None
                if "BurstLimit" not in throttle
                else as_int(at / "Throttle" / "BurstLimit", throttle["BurstLimit"]),
                throttle_rate_limit=None if "RateLimit" not in throttle else float(throttle["RateLimit"]),
                quota_limit=None if "Limit" not in quota else as_int(at / "Quota" / "Limit", quota["Limit"]),
                quota_period=as_opt_str(at / "Quota" / "Period", quota.get("Period")),
                quota_offset=as_int(at / "Quota" / "Offset", quota.get("Offset", 0)),
            )
        return (ApiKey(name=key_name),), (plan,)

    def gateway_responses(self, at: At, value: Any) -> dict[str, GatewayResponse]:
        out = {}
        for rtype, spec in as_map(at, value, "GatewayResponses").items():
            g_at = at / rtype
            spec = as_map(g_at, spec)
            params = {}
            rp = as_map(g_at / "ResponseParameters", spec.get("ResponseParameters"))
            for group, prefix in (("Headers", "header"), ("Paths", "path"), ("QueryStrings", "querystring")):
                for name, v in as_map(g_at / "ResponseParameters" / group, rp.get(group)).items():
                    params[f"gatewayresponse.{prefix}.{name}"] = as_str(g_at / "ResponseParameters" / group / name, v)
            status = spec.get("StatusCode")
            out[rtype] = GatewayResponse(
                response_type=rtype,
                status_code=None if status is None else as_str(g_at / "StatusCode", status),
                response_parameters=params,
                response_templates={k: as_str(g_at, v) for k, v in as_map(g_at, spec.get("ResponseTemplates")).items()},
            )
        return out

    def raw_rest_api(self, logical_id: str, r_at: At, spec: Mapping[str, Any]) -> Api:
        props = self.props(r_at, spec, None)
        p_at = r_at / "Properties"
        stages = []
        for _sid, s_at, s_spec in self.resources("AWS::ApiGateway::Stage"):
            s_props = self.props(s_at, s_spec, None)
            if s_props.get("RestApiId") == self.api_ids[logical_id]:
                variables = as_map(s_at / "Properties" / "Variables", s_props.get("Variables"))
                stages.append(
                    Stage(name=as_str(s_at / "Properties" / "StageName", s_props.get("StageName")), variables=variables)
                )
        for _did, d_at, d_spec in self.resources("AWS::ApiGateway::Deployment"):
            d_props = self.props(d_at, d_spec, None)
            if d_props.get("RestApiId") == self.api_ids[logical_id] and "StageName" in d_props:
                stages.append(Stage(name=as_str(d_at / "Properties" / "StageName", d_props["StageName"])))
        if "Body" not in props:
            raise p_at.error(
                "unsupported",
                "an AWS::ApiGateway::RestApi is read from its Body (OpenAPI); resources and methods declared as "
                "separate AWS::ApiGateway::Resource/Method are not supported yet",
            )
        return self._api_from_openapi(
            p_at / "Body",
            props["Body"],
            logical_id=logical_id,
            stages=tuple(stages) or (Stage(name="Prod"),),
            kind=ApiKind.REST,
            name=as_opt_str(p_at / "Name", props.get("Name")),
            api_overrides={"binary_media_types": as_str_list(p_at / "BinaryMediaTypes", props.get("BinaryMediaTypes"))},
        )

    def _api_from_openapi(self, at: At, spec: Any, **api: Any) -> Api:
        """``api_from_openapi`` with what every SAM API shares: the stack, its deployed functions, region, account."""
        return api_from_openapi(
            at,
            spec,
            project=self.stack,
            functions={v: k for k, v in self.deployed.items()},
            region=self.region,
            account_id=self.options.account_id,
            warn=self.warnings.append,
            **api,
        )

    # -- HTTP APIs ------------------------------------------------------------------------------------------------

    def http_apis(self) -> list[Api]:
        apis = []
        for logical_id, r_at, spec in self.resources("AWS::Serverless::HttpApi"):
            apis.append(self.http_api(logical_id, r_at / "Properties", self.props(r_at, spec, "HttpApi")))
        if IMPLICIT_HTTP in self.events.http:
            g_at = self.root / "Globals" / "HttpApi"
            props = as_map(g_at, self.template.resolve(self.globals.get("HttpApi"), g_at), "Globals.HttpApi")
            apis.append(self.http_api(IMPLICIT_HTTP, g_at, props))
        return apis

    def http_authorizers(self, a_at: At, auth: Mapping[str, Any]) -> dict[str, Authorizer]:
        out = {}
        for name, spec in as_map(a_at / "Authorizers", auth.get("Authorizers"), "Authorizers").items():
            s_at = a_at / "Authorizers" / name
            spec = as_map(s_at, spec, "authorizer")
            with s_at.located():
                if "JwtConfiguration" in spec:
                    jwt = as_map(s_at / "JwtConfiguration", spec["JwtConfiguration"])
                    out[name] = Authorizer(
                        name=name,
                        type=AuthorizerType.JWT,
                        identity_source=as_str_list(s_at / "IdentitySource", spec.get("IdentitySource"))
                        or ("$request.header.Authorization",),
                        issuer=as_opt_str(s_at / "JwtConfiguration" / "issuer", jwt.get("issuer")),
                        audience=as_str_list(s_at / "JwtConfiguration" / "audience", jwt.get("audience")),
                    )
                    continue
                arn = as_str(s_at / "FunctionArn", spec.get("FunctionArn"), "FunctionArn")
                identity = as_map(s_at / "Identity", spec.get("Identity"))
                sources = (
                    *(f"$request.header.{h}" for h in as_str_list(s_at, identity.get("Headers"))),
                    *(f"$request.querystring.{q}" for q in as_str_list(s_at, identity.get("QueryStrings"))),
                    *(f"$context.{c}" for c in as_str_list(s_at, identity.get("Context"))),
                    *(f"$stageVariables.{v}" for v in as_str_list(s_at, identity.get("StageVariables"))),
                )
                version = str(spec.get("AuthorizerPayloadFormatVersion", "2.0"))
                out[name] = Authorizer(
                    name=name,
                    type=AuthorizerType.REQUEST,
                    identity_source=sources,
                    function=self.function_key(arn),
                    authorizer_uri=lambda_invocation_uri(arn, self.region),
                    result_ttl_in_seconds=as_int(s_at, identity.get("ReauthorizeEvery", 0)),
                    payload_format_version="1.0" if version == "1.0" else "2.0",
                    enable_simple_responses=as_bool(s_at, spec.get("EnableSimpleResponses", False)),
                )
        return out

    def http_api(self, logical_id: str, p_at: At, props: Mapping[str, Any]) -> Api:
        stage_name = as_str(p_at / "StageName", props.get("StageName", "$default"))
        variables = {
            k: as_str(p_at / "StageVariables" / k, v)
            for k, v in as_map(p_at / "StageVariables", props.get("StageVariables")).items()
        }
        with p_at.located():
            stages = (Stage(name=stage_name, variables=variables),)
        a_at = p_at / "Auth"
        auth = as_map(a_at, props.get("Auth"), "Auth")
        authorizers = self.http_authorizers(a_at, auth)
        default_auth = as_opt_str(a_at / "DefaultAuthorizer", auth.get("DefaultAuthorizer"))
        routes = list(self.events.http.get(logical_id, []))
        for index, auth_at, event_auth in self.events.http_auth.get(logical_id, []):
            name = as_opt_str(auth_at / "Authorizer", event_auth.get("Authorizer", default_auth))
            if name is None or name == "NONE":
                continue
            if name == "AWS_IAM":
                routes[index] = replace(routes[index], authorization_type=AuthorizationType.AWS_IAM)
                continue
            if name not in authorizers:
                raise (auth_at / "Authorizer").error(
                    "unknown-reference", f"authorizer {name!r} is not in Auth.Authorizers"
                )
            auth_type = (
                AuthorizationType.JWT if authorizers[name].type is AuthorizerType.JWT else AuthorizationType.CUSTOM
            )
            with auth_at.located():
                routes[index] = replace(
                    routes[index],
                    authorization_type=auth_type,
                    authorizer=name,
                    authorization_scopes=as_str_list(
                        auth_at / "AuthorizationScopes", event_auth.get("AuthorizationScopes")
                    ),
                )
        cors = _http_cors(p_at / "CorsConfiguration", props.get("CorsConfiguration"))
        name = as_opt_str(p_at / "Name", props.get("Name"))
        body = self.definition(p_at, props)
        overrides: dict[str, Any] = {
            "authorizers": authorizers,
            "disable_execute_api_endpoint": as_bool(p_at, props.get("DisableExecuteApiEndpoint", False)),
        }
        if cors is not None:
            overrides["cors"] = cors
        if body is not None:
            body_at, spec = body
            return self._api_from_openapi(
                body_at,
                spec,
                logical_id=logical_id,
                stages=stages,
                kind=ApiKind.HTTP,
                name=name,
                extra_routes=tuple(routes),
                api_overrides=overrides,
            )
        with p_at.located():
            return Api(
                id=api_id_for(self.stack, logical_id),
                name=name or self.stack,
                kind=ApiKind.HTTP,
                logical_id=logical_id,
                stages=stages,
                routes=tuple(routes),
                **overrides,
            )

    # -- WebSocket APIs (raw AWS::ApiGatewayV2) -------------------------------------------------------------------

    def websocket_apis(self) -> list[Api]:
        apis = []
        for logical_id, r_at, spec in self.resources("AWS::ApiGatewayV2::Api"):
            p_at = r_at / "Properties"
            props = self.props(r_at, spec, None)
            protocol = as_str(p_at / "ProtocolType", props.get("ProtocolType"), "ProtocolType")
            if protocol != "WEBSOCKET":
                self.warn(
                    r_at, "AWS::ApiGatewayV2::Api with ProtocolType HTTP is not read; use AWS::Serverless::HttpApi"
                )
                continue
            api_id = self.api_ids[logical_id]
            integrations: dict[str, Integration] = {}
            for iid, i_at, i_spec in self.resources("AWS::ApiGatewayV2::Integration"):
                i_props = self.props(i_at, i_spec, None)
                if i_props.get("ApiId") != api_id:
                    continue
                ip_at = i_at / "Properties"
                itype = as_str(ip_at / "IntegrationType", i_props.get("IntegrationType"), "IntegrationType")
                if itype not in IntegrationType.__members__:
                    raise (ip_at / "IntegrationType").error("bad-value", f"IntegrationType {itype!r} is not known")
                uri = as_opt_str(ip_at / "IntegrationUri", i_props.get("IntegrationUri"))
                with ip_at.located():
                    integrations[iid] = Integration(
                        type=IntegrationType(itype),
                        uri=uri,
                        function=self.function_key(uri) if uri else None,
                        http_method=as_opt_str(ip_at / "IntegrationMethod", i_props.get("IntegrationMethod")),
                        timeout_in_millis=None
                        if "TimeoutInMillis" not in i_props
                        else as_int(ip_at / "TimeoutInMillis", i_props["TimeoutInMillis"]),
                        request_templates=as_map(ip_at / "RequestTemplates", i_props.get("RequestTemplates")),
                    )
            authorizers: dict[str, Authorizer] = {}
            for aid, a_at, a_spec in self.resources("AWS::ApiGatewayV2::Authorizer"):
                a_props = self.props(a_at, a_spec, None)
                if a_props.get("ApiId") != api_id:
                    continue
                ap_at = a_at / "Properties"
                uri = as_str(ap_at / "AuthorizerUri", a_props.get("AuthorizerUri"), "AuthorizerUri")
                with ap_at.located():
                    authorizers[aid] = Authorizer(
                        name=as_str(ap_at / "Name", a_props.get("Name", aid)),
                        type=AuthorizerType.REQUEST,
                        identity_source=as_str_list(ap_at / "IdentitySource", a_props.get("IdentitySource")),
                        function=self.function_key(uri),
                        authorizer_uri=uri,
                        result_ttl_in_seconds=0,
                    )
            routes = []
            for _rid, rt_at, rt_spec in self.resources("AWS::ApiGatewayV2::Route"):
                rt_props = self.props(rt_at, rt_spec, None)
                if rt_props.get("ApiId") != api_id:
                    continue
                rp_at = rt_at / "Properties"
                target = as_opt_str(rp_at / "Target", rt_props.get("Target"))
                integration = None
                if target is not None:
                    integration_id = target.removeprefix("integrations/")
                    if integration_id not in integrations:
                        raise (rp_at / "Target").error(
                            "unknown-reference", f"Target {target!r} names no integration of this API"
                        )
                    integration = integrations[integration_id]
                auth_id = as_opt_str(rp_at / "AuthorizerId", rt_props.get("AuthorizerId"))
                auth_type = as_str(rp_at / "AuthorizationType", rt_props.get("AuthorizationType", "NONE")).upper()
                with rp_at.located():
                    routes.append(
                        Route(
                            route_key=as_str(rp_at / "RouteKey", rt_props.get("RouteKey"), "RouteKey"),
                            integration=integration,
                            authorization_type=AuthorizationType(auth_type),
                            authorizer=None
                            if auth_id is None
                            else authorizers[auth_id].name
                            if auth_id in authorizers
                            else auth_id,
                            api_key_required=as_bool(rp_at, rt_props.get("ApiKeyRequired", False)),
                            operation_name=as_opt_str(rp_at / "OperationName", rt_props.get("OperationName")),
                            route_response_selection_expression=as_opt_str(
                                rp_at, rt_props.get("RouteResponseSelectionExpression")
                            ),
                        )
                    )
            stages = []
            for _sid, s_at, s_spec in self.resources("AWS::ApiGatewayV2::Stage"):
                s_props = self.props(s_at, s_spec, None)
                if s_props.get("ApiId") == api_id:
                    sp_at = s_at / "Properties"
                    with sp_at.located():
                        stages.append(
                            Stage(
                                name=as_str(sp_at / "StageName", s_props.get("StageName")),
                                variables=as_map(sp_at / "StageVariables", s_props.get("StageVariables")),
                            )
                        )
            with p_at.located():
                apis.append(
                    Api(
                        id=api_id,
                        name=as_str(p_at / "Name", props.get("Name", logical_id)),
                        kind=ApiKind.WEBSOCKET,
                        logical_id=logical_id,
                        stages=tuple(stages) or (Stage(name="production"),),
                        routes=tuple(routes),
                        authorizers={a.name: a for a in authorizers.values()},
                        route_selection_expression=as_opt_str(
                            p_at / "RouteSelectionExpression", props.get("RouteSelectionExpression")
                        ),
                        api_key_selection_expression=as_opt_str(p_at, props.get("ApiKeySelectionExpression")),
                    )
                )
        return apis

    # -- tables ---------------------------------------------------------------------------------------------------

    def tables(self) -> tuple[TableDef, ...]:
        tables = []
        for logical_id, r_at, spec in self.resources(*TABLE_TYPES):
            rtype = str(spec["Type"])
            props = self.props(r_at, spec, "SimpleTable" if rtype == "AWS::Serverless::SimpleTable" else None)
            name = as_str(r_at, self.template.physical_id(logical_id, r_at), "table name")
            tables.append(table_def(logical_id, rtype, props, name, r_at / "Properties", self.warnings.append))
        return tuple(tables)


def _unquote(value: str) -> str:
    """SAM CORS values are header values in single quotes (``"'*'"``)."""
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == "'" else value


def _sam_cors_method(at: At, value: Any, verbs: list[str]) -> Method:
    """The OPTIONS method SAM generates for ``Cors`` [D SAMDG sam-property-api-corsconfiguration; shape [?]]."""
    spec: Mapping[str, Any] = {"AllowOrigin": value} if isinstance(value, str) else as_map(at, value, "Cors")
    origin = as_str(at / "AllowOrigin", spec.get("AllowOrigin"), "Cors.AllowOrigin")
    verbs = ["DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"] if "ANY" in verbs else verbs
    methods = spec.get("AllowMethods")
    allow_methods = (
        as_str(at / "AllowMethods", methods)
        if methods is not None
        else "'" + ",".join(sorted({*verbs, "OPTIONS"})) + "'"
    )
    params = {
        "method.response.header.Access-Control-Allow-Origin": origin,
        "method.response.header.Access-Control-Allow-Methods": allow_methods,
    }
    if "AllowHeaders" in spec:
        params["method.response.header.Access-Control-Allow-Headers"] = as_str(
            at / "AllowHeaders", spec["AllowHeaders"]
        )
    if "MaxAge" in spec:
        params["method.response.header.Access-Control-Max-Age"] = as_str(at / "MaxAge", spec["MaxAge"])
    if as_bool(at / "AllowCredentials", spec.get("AllowCredentials", False)):
        params["method.response.header.Access-Control-Allow-Credentials"] = "'true'"
    with at.located():
        for header in params.values():
            if not (len(header) >= 2 and header[0] == header[-1] == "'"):
                raise at.error("bad-value", f"SAM Cors values are quoted header values (\"'*'\"), not {header!r}")
        return Method(
            http_method="OPTIONS",
            integration=Integration(
                type=IntegrationType.MOCK,
                request_templates={"application/json": '{\n  "statusCode" : 200\n}\n'},
                passthrough_behavior="WHEN_NO_MATCH",
                responses=(
                    IntegrationResponse(
                        status_code="200", response_parameters=params, response_templates={"application/json": "{}\n"}
                    ),
                ),
            ),
            method_responses=(MethodResponse(status_code="200", response_parameters=dict.fromkeys(params, False)),),
        )


def _http_cors(at: At, value: Any) -> Cors | None:
    if value is None or value is False:
        return None
    if value is True:
        return Cors(allow_origins=("*",), allow_methods=("*",), allow_headers=("*",))
    if isinstance(value, str):
        return Cors(allow_origins=(_unquote(value),))
    return parse_cors(at, value, pascal_case=True)


def load_sam(path: Path, options: LoadOptions | None = None, base: Path | None = None) -> Project:
    """Loads a SAM (or plain CloudFormation) template.

    Args:
        path: template.yaml / template.yml / template.json.
        options: ``parameter_overrides``, ``region``, ``stack_name`` (default: the folder's name).
        base: the project folder, for file names in errors.

    Raises:
        ProjectError: with the file, line and key of the problem.
    """
    return _Loader(path, options or LoadOptions(), base).load()

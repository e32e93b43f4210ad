"""Compiles a project API plus one of its stages into an immutable ``Deployment``: the route table, the stage
variables, the names the functions run under and the REST mapping templates, parsed. Compiled once at start-up
(house principle 3); what cannot be served is reported then (``deployment_warnings``), and answered with 500 at
request time, as AWS answers a method whose template fails.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from nubis.gateway.mapping.vtl import CompiledTemplate, MappingTemplateError, compile_template
from nubis.gateway.request_validation import MethodValidation, compile_validations
from nubis.gateway.routing import HttpRouter, RestRouter
from nubis.project.model import Api, ApiKind, Integration, IntegrationType, Method, Project, Route, Stage

NON_PROXY = frozenset({IntegrationType.AWS, IntegrationType.HTTP, IntegrationType.MOCK})
"""REST integrations whose requests and responses go through mapping templates (proxies never do [D])."""


@functools.lru_cache(maxsize=4096)
def resource_id_for(api_id: str, path: str) -> str:
    """A stable 6-character resource id (AWS's shape, e.g. ``roq9wj``); cached, as every request asks for one."""
    digest = hashlib.sha256(f"{api_id}\0{path}".encode()).digest()
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[b % len(alphabet)] for b in digest[:6])


@dataclass(frozen=True, slots=True)
class Deployment:
    api: Api
    stage: Stage
    account: str
    region: str
    functions: Mapping[str, str]
    """Project function key → the name it runs under (``{service}-{stage}-{name}``)."""
    http_router: HttpRouter[Route] | None
    rest_router: RestRouter[Method] | None
    deployment_id: str
    validations: Mapping[str, MethodValidation] = field(default_factory=lambda: MappingProxyType({}))
    """REST: route key (``POST /vehicle``) → the method's request validation, for methods that validate."""
    templates: Mapping[str, CompiledTemplate] = field(default_factory=lambda: MappingProxyType({}))
    """REST: every mapping template of the API's non-proxy integrations that compiles, by its text."""

    @property
    def kind(self) -> ApiKind:
        return self.api.kind

    @property
    def stage_variables(self) -> Mapping[str, str]:
        return self.stage.variables

    def function_for(self, integration: Integration) -> str | None:
        """The runtime name of the function an integration calls, stage variables substituted."""
        name = integration.function
        if name is None and integration.uri and ":function:" in integration.uri:
            name = integration.uri.split(":function:", 1)[1].split("/", 1)[0].split(":", 1)[0]
        if name is None:
            return None
        for key, value in self.stage.variables.items():
            name = name.replace("${stageVariables." + key + "}", value)
        return self.functions.get(name, name)


def calls_lambda(integration: Integration) -> bool:
    """Whether an ``AWS`` integration invokes a Lambda function (``...:lambda:path/.../invocations``) rather than
    another AWS service's action."""
    uri = integration.uri
    if uri is None:
        return integration.function is not None
    return ":lambda:path/" in uri and uri.endswith("/invocations")


def _non_proxy_integrations(api: Api) -> list[tuple[str, Integration]]:
    if api.kind is not ApiKind.REST:
        return []
    return [
        (f"{verb} {resource.path}", method.integration)
        for resource in api.resources
        for verb, method in resource.methods.items()
        if method.integration.type in NON_PROXY
    ]


def _templates_of(integration: Integration) -> list[tuple[str, str]]:
    found = [(f"{kind} request template", text) for kind, text in integration.request_templates.items()]
    for response in integration.responses:
        found += [
            (f"{kind} response template of the {response.status_code} response", text)
            for kind, text in response.response_templates.items()
        ]
    return [(what, text) for what, text in found if text]


def compile_templates(api: Api) -> tuple[dict[str, CompiledTemplate], list[str]]:
    """The API's mapping templates, parsed, and one message per template that does not parse."""
    compiled: dict[str, CompiledTemplate] = {}
    problems: list[str] = []
    for route_key, integration in _non_proxy_integrations(api):
        for what, text in _templates_of(integration):
            if text in compiled:
                continue
            try:
                compiled[text] = compile_template(text)
            except MappingTemplateError as exc:
                problems.append(
                    f"REST API {api.name}: {route_key}: the {what} does not parse ({exc}); the method answers 500"
                )
    return compiled, problems


def deployment_warnings(project: Project) -> list[str]:
    """What the gateway cannot serve as defined, for ``nubis serve`` to print at start-up (reference §12.6)."""
    warnings: list[str] = []
    for api in project.apis:
        _compiled, problems = compile_templates(api)
        warnings += problems
        for route_key, integration in _non_proxy_integrations(api):
            if integration.type is IntegrationType.AWS and not calls_lambda(integration):
                warnings.append(
                    f"REST API {api.name}: {route_key}: AWS service integrations ({integration.uri}) are not served "
                    "yet; the method answers 500"
                )
    return warnings


def compile_deployments(project: Project, *, account: str, region: str) -> tuple[Deployment, ...]:
    """One deployment per HTTP or REST API stage (WebSocket APIs are served by their own issue)."""
    functions = MappingProxyType({key: f.deployed_name for key, f in project.functions.items()})
    deployments: list[Deployment] = []
    for api in project.apis:
        if api.kind is ApiKind.WEBSOCKET:
            continue
        http_router: HttpRouter[Route] | None = None
        rest_router: RestRouter[Method] | None = None
        validations: dict[str, MethodValidation] = {}
        templates, _problems = compile_templates(api)
        if api.kind is ApiKind.HTTP:
            http_router = HttpRouter((route.route_key, route) for route in api.routes if route.integration)
        else:
            rest_router = RestRouter((r.path, r.methods) for r in api.resources if r.methods)
            validations = compile_validations(api)
        deployments.extend(
            Deployment(
                api=api,
                stage=stage,
                account=account,
                region=region,
                functions=functions,
                http_router=http_router,
                rest_router=rest_router,
                deployment_id=resource_id_for(api.id, "$deployment"),
                validations=MappingProxyType(validations),
                templates=MappingProxyType(templates),
            )
            for stage in api.stages
        )
    return tuple(deployments)

"""Compiles a project API plus one of its stages into an immutable ``Deployment``: the route table, the stage
variables and the names the functions run under. Compiled once at start-up (house principle 3).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from nubis.gateway.request_validation import MethodValidation, compile_validations
from nubis.gateway.routing import HttpRouter, RestRouter
from nubis.project.model import Api, ApiKind, Integration, Method, Project, Route, Stage


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
            )
            for stage in api.stages
        )
    return tuple(deployments)

"""``route``: the matched route (HTTP) or resource method (REST), or the API kind's not-found response."""

from __future__ import annotations

from nubis.gateway.context import InvocationContext, RouteMatch
from nubis.gateway.deployment import resource_id_for
from nubis.gateway.responses import MissingAuthenticationToken, NotFound


async def route_request(ctx: InvocationContext) -> None:
    deployment = ctx.deployment
    if deployment.http_router is not None:
        found = deployment.http_router.match(ctx.method, ctx.stage_path)
        if found is None or found.target.integration is None:
            raise NotFound()  # [D http-api-develop-routes.md]
        route = found.target
        ctx.match = RouteMatch(found.route_key, route.path or "$default", route.integration, found.path_parameters)
        return
    assert deployment.rest_router is not None
    match = deployment.rest_router.match(ctx.method, ctx.stage_path)
    if match is None:
        raise MissingAuthenticationToken()  # REST has no 404 or 405 [V LS test_routing_not_found]
    ctx.match = RouteMatch(
        f"{match.http_method} {match.resource_path}",
        match.resource_path,
        match.target.integration,
        match.path_parameters,
        resource_id=resource_id_for(deployment.api.id, match.resource_path),
    )

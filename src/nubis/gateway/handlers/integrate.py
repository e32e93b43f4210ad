"""``integrate``: hand the request to the matched integration (Lambda proxy, HTTP, HTTP_PROXY or MOCK)."""

from __future__ import annotations

from nubis.gateway.context import InvocationContext
from nubis.gateway.integrations.base import Integration
from nubis.gateway.integrations.http import HttpIntegration
from nubis.gateway.integrations.lambda_proxy import LambdaProxyIntegration
from nubis.gateway.integrations.mock import MockIntegration
from nubis.gateway.responses import ApiConfigurationError, InternalServerError
from nubis.project.model import ApiKind, IntegrationType

_HTTP = HttpIntegration()
INTEGRATIONS: dict[IntegrationType, Integration] = {
    IntegrationType.AWS_PROXY: LambdaProxyIntegration(),
    IntegrationType.HTTP: _HTTP,
    IntegrationType.HTTP_PROXY: _HTTP,
    IntegrationType.MOCK: MockIntegration(),
}
# TODO(#6): AWS (non-proxy, VTL) integrations.


async def close_integrations() -> None:
    """Close what integrations keep open between requests (the HTTP backends' connection pool)."""
    await _HTTP.aclose()


async def integrate(ctx: InvocationContext) -> None:
    assert ctx.match is not None
    integration = INTEGRATIONS.get(ctx.match.integration.type)
    if integration is None:
        raise InternalServerError() if ctx.deployment.kind is ApiKind.HTTP else ApiConfigurationError()
    await integration.invoke(ctx)

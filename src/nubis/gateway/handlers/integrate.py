"""``integrate``: hand the request to the matched integration (Lambda proxy or MOCK)."""

from __future__ import annotations

from nubis.gateway.context import InvocationContext
from nubis.gateway.integrations.base import Integration
from nubis.gateway.integrations.lambda_proxy import LambdaProxyIntegration
from nubis.gateway.integrations.mock import MockIntegration
from nubis.gateway.responses import ApiConfigurationError, InternalServerError
from nubis.project.model import ApiKind, IntegrationType

INTEGRATIONS: dict[IntegrationType, Integration] = {
    IntegrationType.AWS_PROXY: LambdaProxyIntegration(),
    IntegrationType.MOCK: MockIntegration(),
}
# TODO(#6): HTTP, HTTP_PROXY and AWS (non-proxy, VTL) integrations.


async def integrate(ctx: InvocationContext) -> None:
    assert ctx.match is not None
    integration = INTEGRATIONS.get(ctx.match.integration.type)
    if integration is None:
        raise InternalServerError() if ctx.deployment.kind is ApiKind.HTTP else ApiConfigurationError()
    await integration.invoke(ctx)

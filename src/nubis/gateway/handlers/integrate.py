"""``integrate``: hand the request to the matched integration. Proxies (Lambda proxy, ``HTTP_PROXY``, HTTP APIs)
set the response; non-proxy REST integrations (``AWS`` Lambda, ``HTTP``, ``MOCK``) set the endpoint response that
``integration_response`` maps."""

from __future__ import annotations

import logging

from nubis.gateway.context import InvocationContext
from nubis.gateway.deployment import calls_lambda
from nubis.gateway.integrations.base import Integration
from nubis.gateway.integrations.http import HttpIntegration
from nubis.gateway.integrations.lambda_custom import LambdaIntegration
from nubis.gateway.integrations.lambda_proxy import LambdaProxyIntegration
from nubis.gateway.integrations.mock import MockIntegration
from nubis.gateway.responses import ApiConfigurationError, InternalServerError
from nubis.project.model import ApiKind, IntegrationType

logger = logging.getLogger(__name__)

_HTTP = HttpIntegration()
_LAMBDA = LambdaIntegration()
INTEGRATIONS: dict[IntegrationType, Integration] = {
    IntegrationType.AWS_PROXY: LambdaProxyIntegration(),
    IntegrationType.HTTP: _HTTP,
    IntegrationType.HTTP_PROXY: _HTTP,
    IntegrationType.MOCK: MockIntegration(),
}
"""Stateless integrations: what they keep between requests (connections) is the app's, on the context."""


async def integrate(ctx: InvocationContext) -> None:
    assert ctx.match is not None
    configuration = ctx.match.integration
    integration = INTEGRATIONS.get(configuration.type)
    if configuration.type is IntegrationType.AWS and ctx.deployment.kind is ApiKind.REST:
        if not calls_lambda(configuration):
            # TODO(#6): AWS service integrations (DynamoDB actions through the table service).
            logger.warning("request %s: AWS service integration %s is not served", ctx.request_id, configuration.uri)
            raise ApiConfigurationError()
        integration = _LAMBDA
    if integration is None:
        raise InternalServerError() if ctx.deployment.kind is ApiKind.HTTP else ApiConfigurationError()
    await integration.invoke(ctx)

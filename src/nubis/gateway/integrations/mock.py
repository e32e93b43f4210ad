"""MOCK integrations: the (rendered) request template picks a status, and the integration response whose
``selectionPattern`` matches it maps the empty backend answer [D api-gateway-mock-integration.md]. Everything a
MOCK method answers comes from its templates: the response template's output (VTL, ``$context``, overrides), its
``responseParameters`` headers.
"""

from __future__ import annotations

import logging

from nubis.gateway.context import EndpointResponse, InvocationContext
from nubis.gateway.mapping.parameters import mock_status_code
from nubis.gateway.responses import ApiConfigurationError

logger = logging.getLogger(__name__)


class MockIntegration:
    async def invoke(self, ctx: InvocationContext) -> None:
        request = ctx.integration_request
        assert request is not None
        status = mock_status_code(request.body if request.rendered else None)
        if status is None:
            # "Execution failed due to configuration error: Unable to parse statusCode" [P LS mock.py].
            logger.warning("request %s: the MOCK request template names no statusCode", ctx.request_id)
            raise ApiConfigurationError()
        ctx.endpoint_response = EndpointResponse(status, [], b"", str(status))

"""MOCK integrations: the request template picks a status, the matching integration response gives headers and
body [D api-gateway-mock-integration.md]. Enough for the OPTIONS methods Serverless and SAM generate for CORS.
"""

from __future__ import annotations

import re

from nubis.gateway.context import HttpResponse, InvocationContext
from nubis.gateway.mapping.parameters import mock_status_code, resolve_response_headers
from nubis.gateway.responses import ApiConfigurationError


class MockIntegration:
    async def invoke(self, ctx: InvocationContext) -> None:
        assert ctx.match is not None
        integration = ctx.match.integration
        templates = integration.request_templates
        template = templates.get("application/json") or next(iter(templates.values()), None)
        status = mock_status_code(template)
        chosen = None
        for response in integration.responses:
            if response.selection_pattern is None:
                chosen = chosen or response
            elif re.fullmatch(response.selection_pattern, str(status)):
                chosen = response
                break
        if chosen is None:
            if integration.responses:
                # No integration response matches: API_CONFIGURATION_ERROR [D].
                raise ApiConfigurationError()
            ctx.response = HttpResponse(status, [("Content-Type", "application/json")], b"")
            return
        headers = resolve_response_headers(chosen.response_parameters, stage_variables=ctx.deployment.stage_variables)
        body_template = chosen.response_templates.get("application/json") or ""
        headers.append(("Content-Type", "application/json"))
        ctx.response = HttpResponse(int(chosen.status_code), headers, body_template.encode())

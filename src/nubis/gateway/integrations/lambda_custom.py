"""Lambda non-proxy (REST ``AWS`` integration with a Lambda URI, serverless.yml ``integration: lambda``).

The mapped integration request (the rendered template, or the body passed through) is the event; what the function
returns is the integration response body; a function error's document (``errorMessage``, ``errorType``,
``requestId``, ``stackTrace``) is the body too, and its ``errorMessage`` is what the ``selectionPattern``s are
matched against, so ``raise Exception("[BadRequest] ...")`` with ``selectionPattern: "\\[BadRequest\\].*"`` answers
400 [D handle-errors-in-lambda-integration.md; V LS test_lambda_selection_patterns]. A function error that no
pattern selects gets the default response, error document and all (200 unless configured otherwise) [V same].

A payload that is not JSON never reaches the function: Lambda refuses it, and its refusal
``{"Type":"User","message":"Could not parse request body into json: ..."}`` is the integration response body
[P ISSUE fluct/fluct#33, nateyolles/slack-pokerbot#1]. The integration timeout answers 504, as for proxies.
"""

from __future__ import annotations

import orjson

from nubis.gateway.context import EndpointResponse, InvocationContext
from nubis.gateway.integrations.invocation import invoke_within
from nubis.gateway.responses import IntegrationFailure, IntegrationTimeout


def _error_message(payload: bytes) -> str:
    try:
        document = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return ""
    message = document.get("errorMessage") if isinstance(document, dict) else None
    return message if isinstance(message, str) else ""


class LambdaIntegration:
    async def invoke(self, ctx: InvocationContext) -> None:
        assert ctx.match is not None and ctx.integration_request is not None
        deployment = ctx.deployment
        integration = ctx.match.integration
        function = deployment.function_for(integration)
        if function is None:
            raise IntegrationFailure()
        payload = ctx.integration_request.body
        if payload.strip():
            try:
                orjson.loads(payload)
            except orjson.JSONDecodeError as exc:
                refusal = {"Type": "User", "message": f"Could not parse request body into json: {exc}"}
                ctx.endpoint_response = EndpointResponse(400, [], orjson.dumps(refusal), None)
                return
        timeout = deployment.api.integration_timeout_ms(integration) / 1000
        result = await invoke_within(ctx.invoker, function, payload, timeout, IntegrationFailure)
        if result is None:
            raise IntegrationTimeout()
        if result.function_error is not None:
            ctx.endpoint_response = EndpointResponse(200, [], result.payload, _error_message(result.payload))
        else:
            ctx.endpoint_response = EndpointResponse(200, [], result.payload, None)

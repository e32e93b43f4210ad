"""``validate_request`` (REST): the method request's validation, compiled in the deployment, before integration.

Runs after ``route`` because what is checked belongs to the matched method; AWS runs it after authorization and
the API key check, which will sit between the two [D api-gateway-method-request-validation.md].
"""

from __future__ import annotations

from nubis.gateway.context import InvocationContext


async def validate_request(ctx: InvocationContext) -> None:
    assert ctx.match is not None
    validation = ctx.deployment.validations.get(ctx.match.route_key)
    if validation is not None:
        validation.check(ctx.headers, ctx.raw_query, ctx.body)

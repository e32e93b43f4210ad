"""``enrich``: the ids API Gateway adds to every response: REST ``x-amzn-RequestId`` and ``x-amz-apigw-id``
[V LS snapshots]; HTTP APIs ``apigw-requestid`` [D http-api-troubleshooting-jwt.md]."""

from __future__ import annotations

from nubis.gateway.context import InvocationContext
from nubis.project.model import ApiKind


async def add_request_ids(ctx: InvocationContext) -> None:
    response = ctx.response
    if response is None:
        return
    if ctx.deployment.kind is ApiKind.HTTP:
        response.headers.append(("apigw-requestid", ctx.request_id))
    else:
        response.headers.append(("x-amzn-RequestId", ctx.request_id))
        response.headers.append(("x-amz-apigw-id", ctx.extended_request_id))

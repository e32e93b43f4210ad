"""``parse``: request ids, times and the 10 MB payload limit."""

from __future__ import annotations

import time

from nubis.gateway.context import InvocationContext
from nubis.gateway.ids import clf_time, short_id, uuid4
from nubis.gateway.responses import MAX_PAYLOAD, RequestTooLarge
from nubis.project.model import ApiKind


async def parse_request(ctx: InvocationContext) -> None:
    now = time.time()
    ctx.request_time_epoch = int(now * 1000)
    ctx.request_time = clf_time(now)
    ctx.extended_request_id = short_id()
    # REST request ids are UUIDs; HTTP API ids are the short form (also ``apigw-requestid``) [D, V LS].
    ctx.request_id = short_id() if ctx.deployment.kind is ApiKind.HTTP else uuid4()
    if len(ctx.body) > MAX_PAYLOAD:
        raise RequestTooLarge()

"""``parse``: request ids, times and the 10 MB payload limit."""

from __future__ import annotations

import base64
import os
import time
import uuid

from nubis.gateway.context import InvocationContext
from nubis.gateway.responses import MAX_PAYLOAD, RequestTooLarge
from nubis.project.model import ApiKind

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def short_id() -> str:
    """16 characters of URL-safe base64 ending in ``=`` (``LV7fzho-PHcEJPw=``), AWS's short id form [D]."""
    return base64.urlsafe_b64encode(os.urandom(11)).decode()[:15] + "="


def clf_time(epoch: float) -> str:
    t = time.gmtime(epoch)
    return f"{t.tm_mday:02d}/{MONTHS[t.tm_mon - 1]}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"


async def parse_request(ctx: InvocationContext) -> None:
    now = time.time()
    ctx.request_time_epoch = int(now * 1000)
    ctx.request_time = clf_time(now)
    ctx.extended_request_id = short_id()
    # REST request ids are UUIDs; HTTP API ids are the short form (also ``apigw-requestid``) [D, V LS].
    ctx.request_id = short_id() if ctx.deployment.kind is ApiKind.HTTP else str(uuid.uuid4())
    if len(ctx.body) > MAX_PAYLOAD:
        raise RequestTooLarge()

"""The ids and times API Gateway stamps on requests, WebSocket events and responses, in AWS's shapes.

One module for every front (HTTP and REST pipelines, WebSocket sessions, ``@connections``) so the forms stay one.
"""

from __future__ import annotations

import base64
import os
import random
import time

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


_ids = random.Random(os.urandom(16))
"""Request ids need uniqueness, not secrecy: a seeded PRNG saves a ``getrandom`` system call per id."""


def short_id() -> str:
    """16 characters of URL-safe base64 ending in ``=`` (``LV7fzho-PHcEJPw=``), AWS's short id form [D]."""
    return base64.urlsafe_b64encode(_ids.getrandbits(88).to_bytes(11, "big")).decode()[:15] + "="


def uuid4() -> str:
    """A version-4 UUID's text (REST request ids)."""
    value = (_ids.getrandbits(128) & ~(0xF000 << 64) & ~(0xC000 << 48)) | (0x4000 << 64) | (0x8000 << 48)
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


_clf_cache: tuple[int, str] = (-1, "")


def clf_time(epoch: float) -> str:
    """``24/Nov/2026:12:30:33 +0000``; formatted once per second."""
    global _clf_cache
    second = int(epoch)
    if _clf_cache[0] != second:
        t = time.gmtime(second)
        text = f"{t.tm_mday:02d}/{MONTHS[t.tm_mon - 1]}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
        _clf_cache = (second, text)
    return _clf_cache[1]


def trace_header(incoming: str | None, epoch: float, *, rest: bool) -> str:
    """The ``X-Amzn-Trace-Id`` the integration sees (and REST Lambda proxy responses echo).

    Without a client header (or one without ``Root``): ``Root=1-{8 hex epoch seconds}-{24 hex}`` [V GO
    apigw-v2-request-no-authorizer.json]. A client header is kept as sent, its ``Root`` included; on REST a header
    without ``Parent`` gets a generated one right after ``Root`` [V LS test_invocation_trace_id].
    """
    if incoming:
        fields = incoming.split(";")
        keys = [field.partition("=")[0].strip().lower() for field in fields]
        if "root" in keys:
            if rest and "parent" not in keys:
                fields.insert(keys.index("root") + 1, f"Parent={_ids.getrandbits(64):016x}")
                return ";".join(fields)
            return incoming
    return f"Root=1-{int(epoch):08x}-{_ids.getrandbits(96):024x}"

"""The ``Integration`` seam: one method, ``invoke``, that sets the context's response or raises a gateway
response from ``nubis.gateway.responses``."""

from __future__ import annotations

from typing import Protocol

from nubis.gateway.context import InvocationContext


class Integration(Protocol):
    async def invoke(self, ctx: InvocationContext) -> None: ...

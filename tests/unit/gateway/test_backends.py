"""HTTP integrations' pooled connections belong to the gateway app that made them, not to the process."""

from __future__ import annotations

import asyncio

from nubis.gateway.app import GatewayApp
from nubis.gateway.context import InvocationOutcome
from nubis.project.model import Project


class _NoInvoker:
    async def invoke(self, name: str, payload: bytes = b"") -> InvocationOutcome:
        raise AssertionError("no function is called here")


def _app() -> GatewayApp:
    return GatewayApp(Project(name="empty"), _NoInvoker(), account="123456789012", region="us-east-1")


def test_closing_one_app_leaves_another_apps_connections_open() -> None:
    async def run() -> None:
        first, second = _app(), _app()
        kept = second.backends.client()
        assert first.backends.client() is not kept
        await first.aclose()
        assert not kept.is_closed
        assert second.backends.client() is kept  # the same pool, still serving
        await second.aclose()
        assert kept.is_closed

    asyncio.run(run())

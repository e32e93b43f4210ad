"""Fixtures that let each client test be written once and run against both twins and several transports.

``Twin`` drives an ``AsyncClient`` from synchronous test code on one event loop (an ``asyncio.Runner`` per test):
coroutines are run to completion and async iterators are collected into lists, so ``list(client.paginate_scan())``
reads the same for ``Client`` and ``AsyncClient``. (No pytest-asyncio: plain ``asyncio`` does it.)

Transports for the operation suite:

- ``inprocess``: ``InProcessTransport`` over a memory engine.
- ``wire``: the HTTP transports, signed, talking to the real ``DynamoDBApp`` ASGI app over that engine through
  httpx's in-memory transports: the whole wire path (encode, sign, validate, decode, CRC32) without a socket.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from nubis.client import AsyncClient, Client, MockTransport, OperationRequest, Retry
from nubis.client.transports.http import AsyncHttpTransport, HttpTransport
from nubis.tables.engine.engine import Engine
from nubis.tables.open import open_storage
from nubis.tables.wire.app import DynamoDBApp

REGION = "us-east-1"
CREDENTIALS = ("AKIDEXAMPLE", "secret")


async def _collect(iterator: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in iterator]


class Twin:
    """An ``AsyncClient`` with a synchronous face (see the module docstring)."""

    def __init__(self, client: AsyncClient, runner: asyncio.Runner) -> None:
        self._client = client
        self._runner = runner

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            result = attr(*args, **kwargs)
            if inspect.isasyncgen(result):
                return self._runner.run(_collect(result))
            if inspect.iscoroutine(result):
                return self._runner.run(result)
            return result

        return call

    def close(self) -> None:
        self._runner.run(self._client.aclose())


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as r:
        yield r


class Sleeps(list[float]):
    """Records the delays a client asked for, instead of sleeping (sync and async)."""

    def sync(self, seconds: float) -> None:
        self.append(seconds)

    async def async_(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


FIXED_RETRY = Retry(max_attempts=5, base_delay=0.1, max_delay=1.0, jitter=lambda: 1.0)
"""Jitter pinned to its maximum, so every delay is exactly its bound: ``min(1.0, 0.1 * 2**n)``."""


@pytest.fixture
def make_mock(mode: str, runner: asyncio.Runner, sleeps: Sleeps) -> Callable[..., Any]:
    """``make_mock(handler, retry=...)`` → (client or Twin, MockTransport), sleeping into ``sleeps``."""
    made: list[Any] = []

    def make(handler: Callable[[OperationRequest], dict[str, Any]], retry: Retry = FIXED_RETRY) -> Any:
        transport = MockTransport(handler)
        if mode == "sync":
            client: Any = Client(transport, region=REGION, retry=retry, sleep=sleeps.sync)
        else:
            client = Twin(AsyncClient(transport, region=REGION, retry=retry, sleep=sleeps.async_), runner)
        made.append(client)
        return client, transport

    return make


def _asgi_handler(app: DynamoDBApp) -> Callable[[httpx.Request], httpx.Response]:
    """A sync httpx handler running one request through the ASGI app on a private event loop."""

    def handle(request: httpx.Request) -> httpx.Response:
        async def run() -> httpx.Response:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as inner:
                return await inner.send(
                    httpx.Request(request.method, request.url, headers=request.headers, content=request.content)
                )

        response = asyncio.run(run())
        return httpx.Response(response.status_code, headers=response.headers, content=response.content)

    return handle


@pytest.fixture
def engine() -> Iterator[Engine]:
    e = Engine(open_storage("memory:"))
    yield e
    e.close()


def build_client(kind: str, mode: str, engine: Engine, runner: asyncio.Runner, **options: Any) -> Any:
    """A client of ``mode`` over transport ``kind`` (``inprocess`` or ``wire``) on ``engine``."""
    if kind == "inprocess":
        if mode == "sync":
            return Client.in_process(engine, region=REGION, **options)
        return Twin(AsyncClient.in_process(engine, region=REGION, **options), runner)
    app = DynamoDBApp(engine, default_region=REGION)
    url = "http://nubis.test"
    if mode == "sync":
        sync_http = httpx.Client(transport=httpx.MockTransport(_asgi_handler(app)))
        sync_transport = HttpTransport(url, CREDENTIALS, client=sync_http)
        sync_client = Client(sync_transport, region=REGION, **options)
        sync_client._closers.append(sync_transport.close)
        return sync_client
    async_http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    transport = AsyncHttpTransport(url, CREDENTIALS, client=async_http)
    client = AsyncClient(transport, region=REGION, **options)
    client._closers.append(transport.aclose)
    return Twin(client, runner)


@pytest.fixture(params=["inprocess", "wire"])
def client(request: pytest.FixtureRequest, mode: str, engine: Engine, runner: asyncio.Runner) -> Iterator[Any]:
    """A client on a fresh memory engine: {sync, async} × {in-process, wire}."""
    made = build_client(str(request.param), mode, engine, runner)
    yield made
    made.close()

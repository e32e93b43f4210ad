"""Every model test runs six ways: sync and async sessions, over the in-process engine, over HTTP to a real
``nubis serve`` (memory storage), and over HTTP to one started with ``--verify-signatures`` (which proves that
``nubis.client``'s HTTP transport signs every request correctly). ``Twin`` gives an ``AsyncSession`` a synchronous
face on one event loop, so each test is written once (the client suite's pattern)."""

from __future__ import annotations

import asyncio
import inspect
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from nubis.client import AsyncClient, Client
from nubis.models import AsyncBound, AsyncQuery, AsyncScan, AsyncSession, Session
from nubis.testing import NubisServer

from .models import ALL_MODELS

_prefixes = itertools.count()
CREDENTIALS = ("AKIDEXAMPLE", "secret")
SIGNED_CREDENTIALS = ("AKIDMODELSSIGNED", "models-signed-secret")
"""The one key the ``signed`` server accepts."""


class Twin:
    """An ``AsyncSession`` (or async builder) with a synchronous face."""

    def __init__(self, target: Any, runner: asyncio.Runner) -> None:
        self._target = target
        self._runner = runner

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr
        if name == "batch":
            return self._batch

        def call(*args: Any, **kwargs: Any) -> Any:
            result = attr(*args, **kwargs)
            if inspect.iscoroutine(result):
                return self._runner.run(result)
            if isinstance(result, AsyncQuery | AsyncScan | AsyncBound):
                return Twin(result, self._runner)
            return result

        return call

    def __repr__(self) -> str:
        return repr(self._target)

    @contextmanager
    def _batch(self) -> Iterator[Any]:
        manager = self._target.batch()
        collected = self._runner.run(manager.__aenter__())
        yield collected
        self._runner.run(manager.__aexit__(None, None, None))


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NubisServer]:
    with NubisServer(tmp_path_factory.mktemp("nubis-models"), extra_args=["--storage", "memory:"]) as running:
        yield running


@pytest.fixture(scope="session")
def signed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NubisServer]:
    """A server that accepts only requests signed with ``SIGNED_CREDENTIALS``."""
    args = ["--storage", "memory:", "--verify-signatures", "--credentials", ":".join(SIGNED_CREDENTIALS)]
    with NubisServer(tmp_path_factory.mktemp("nubis-models-signed"), extra_args=args) as running:
        yield running


def _endpoint(request: pytest.FixtureRequest, transport: str) -> tuple[str, tuple[str, str]]:
    if transport == "signed":
        return request.getfixturevalue("signed_server").url, SIGNED_CREDENTIALS
    return request.getfixturevalue("server").url, CREDENTIALS


class Backend:
    """Sessions over one store, sharing one table prefix: sync or async (as a ``Twin``), in-process or over HTTP.

    In-process sessions share the backend's client (a second in-process client would be a second engine); each
    HTTP session has its own client, so two of them are two connections to one server."""

    def __init__(
        self,
        transport: str,
        mode: str,
        endpoint: tuple[str, tuple[str, str]] | None,
        runner: asyncio.Runner | None,
    ) -> None:
        self.transport, self.mode, self.endpoint, self.runner = transport, mode, endpoint, runner
        self.prefix = f"p{next(_prefixes)}_"
        self._clients: list[Any] = []

    def _client(self) -> Any:
        if self.transport == "inprocess" and self._clients:
            return self._clients[0]
        factory: Any = Client if self.mode == "sync" else AsyncClient
        if self.transport == "inprocess":
            client = factory.in_process("memory:")
        else:
            assert self.endpoint is not None
            url, credentials = self.endpoint
            client = factory.http(url, "us-east-1", credentials)
        self._clients.append(client)
        return client

    def session(self) -> Any:
        if self.mode == "sync":
            return Session(self._client(), prefix=self.prefix)
        assert self.runner is not None
        return Twin(AsyncSession(self._client(), prefix=self.prefix), self.runner)

    def call(self, method: str, **request: Any) -> Any:
        """A raw client call (to look behind the models), on the backend's first client."""
        result = getattr(self._client() if not self._clients else self._clients[0], method)(**request)
        return self.runner.run(result) if self.runner is not None else result

    def close(self) -> None:
        for client in self._clients:
            if self.runner is None:
                client.close()
            else:
                self.runner.run(client.aclose())


@pytest.fixture(params=["inprocess-sync", "inprocess-async", "http-sync", "http-async", "signed-sync", "signed-async"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    transport, mode = request.param.split("-")
    endpoint = None if transport == "inprocess" else _endpoint(request, transport)
    if mode == "sync":
        made = Backend(transport, mode, endpoint, None)
        yield made
        made.close()
        return
    with asyncio.Runner() as runner:
        made = Backend(transport, mode, endpoint, runner)
        yield made
        made.close()


@pytest.fixture
def db(backend: Backend) -> Any:
    """A session with a fresh table prefix and every test model's table created."""
    session = backend.session()
    for model in ALL_MODELS:
        session.create_table(model)
    return session

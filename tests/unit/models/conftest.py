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
from nubis.models import AsyncQuery, AsyncScan, AsyncSession, Session
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
            if isinstance(result, AsyncQuery | AsyncScan):
                return Twin(result, self._runner)
            return result

        return call

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


@pytest.fixture(params=["inprocess-sync", "inprocess-async", "http-sync", "http-async", "signed-sync", "signed-async"])
def db(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A session with a fresh table prefix and every test model's table created."""
    transport, mode = request.param.split("-")
    prefix = f"p{next(_prefixes)}_"
    if mode == "sync":
        if transport == "inprocess":
            client = Client.in_process("memory:")
        else:
            url, credentials = _endpoint(request, transport)
            client = Client.http(url, "us-east-1", credentials)
        session: Any = Session(client, prefix=prefix)
        for model in ALL_MODELS:
            session.create_table(model)
        yield session
        client.close()
    else:
        with asyncio.Runner() as runner:
            if transport == "inprocess":
                aclient = AsyncClient.in_process("memory:")
            else:
                url, credentials = _endpoint(request, transport)
                aclient = AsyncClient.http(url, "us-east-1", credentials)
            twin: Any = Twin(AsyncSession(aclient, prefix=prefix), runner)
            for model in ALL_MODELS:
                twin.create_table(model)
            yield twin
            runner.run(aclient.aclose())

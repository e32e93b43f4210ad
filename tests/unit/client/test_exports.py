"""The public surface of ``nubis.client``: what it exports, and that the twins match."""

from __future__ import annotations

import inspect
import subprocess
import sys

import nubis.client
from nubis.client import AsyncClient, Client


def test_all_is_sorted_unique_and_resolves():
    names = nubis.client.__all__
    assert names == sorted(set(names))
    for name in names:
        assert getattr(nubis.client, name) is not None, name


def test_exported_names():
    assert set(nubis.client.__all__) >= {
        "Client",
        "AsyncClient",
        "Transport",
        "AsyncTransport",
        "HttpTransport",
        "AsyncHttpTransport",
        "InProcessTransport",
        "MockTransport",
        "OperationRequest",
        "Retry",
        "ClientError",
        "ConditionalCheckFailedException",
        "TransactionCanceledException",
        "ResourceNotFoundException",
        "ValidationException",
        "TransportError",
        "UnprocessedItemsError",
        "WaiterError",
    }


def _public(cls: type) -> set[str]:
    return {name for name in vars(cls) if not name.startswith("_")}


def test_twins_have_the_same_methods_except_close_and_aclose():
    assert _public(Client) - {"close"} == _public(AsyncClient) - {"aclose"}
    assert "close" in _public(Client) and "aclose" in _public(AsyncClient)


def test_twin_methods_are_async_exactly_where_they_do_io():
    for name in _public(AsyncClient) - {"aclose", "in_process", "http", "from_env"}:
        attr = getattr(AsyncClient, name)
        assert inspect.iscoroutinefunction(attr) or inspect.isasyncgenfunction(attr), name
        assert inspect.signature(attr).parameters == inspect.signature(getattr(Client, name)).parameters, name


def test_importing_the_client_loads_neither_the_engine_nor_http_libraries():
    code = (
        "import sys, nubis.client; print(sorted(m for m in ('nubis.tables', 'httpx', 'botocore') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"

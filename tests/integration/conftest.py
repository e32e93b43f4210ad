"""A real ``nubis serve`` per test session (and helpers for boto3 clients pointed at it)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config

from nubis.testing import NubisServer

_names = itertools.count()


BACKENDS = {"sqlite": [], "memory": ["--storage", "memory:"]}


@pytest.fixture(scope="session", params=sorted(BACKENDS))
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NubisServer]:
    """A real server per storage backend: every table test runs against each ("the same engine behaviour through
    every backend")."""
    with NubisServer(tmp_path_factory.mktemp("nubis"), extra_args=BACKENDS[request.param]) as running:
        yield running


def client_for(url: str, region: str = "us-east-1"):
    return boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name=region,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="session")
def ddb(server: NubisServer):
    return client_for(server.url)


@pytest.fixture(scope="session")
def resource(server: NubisServer):
    return boto3.resource(
        "dynamodb",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
    )


def unique(prefix: str = "t") -> str:
    return f"{prefix}{next(_names)}"


def create_items_table(ddb, prefix: str = "items") -> str:
    """A fresh on-demand table with pk (S) and sk (S); its name."""
    name = unique(prefix)
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


@pytest.fixture
def table(ddb) -> Iterator[str]:
    """A fresh table with pk (S) and sk (S)."""
    name = create_items_table(ddb)
    yield name
    ddb.delete_table(TableName=name)

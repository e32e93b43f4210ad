"""The AWS CLI against Nubis, and the durability and atomicity promises: kill -9, counter race, conditional race."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from nubis.testing import NubisServer
from tests.integration.conftest import client_for, unique


def aws(server: NubisServer, *args: str) -> dict:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_DEFAULT_REGION": "us-east-1"}
    cli = Path(sys.executable).with_name("aws")
    out = subprocess.run(
        [str(cli), "dynamodb", *args, "--endpoint-url", server.url, "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    return json.loads(out.stdout) if out.stdout.strip() else {}


@pytest.mark.D
def test_aws_cli_table_and_items(server):
    name = unique("cli")
    aws(
        server,
        "create-table",
        "--table-name",
        name,
        "--attribute-definitions",
        "AttributeName=id,AttributeType=S",
        "--key-schema",
        "AttributeName=id,KeyType=HASH",
        "--billing-mode",
        "PAY_PER_REQUEST",
    )
    aws(server, "wait", "table-exists", "--table-name", name)
    aws(server, "put-item", "--table-name", name, "--item", '{"id": {"S": "1"}, "n": {"N": "5"}}')
    aws(
        server,
        "update-item",
        "--table-name",
        name,
        "--key",
        '{"id": {"S": "1"}}',
        "--update-expression",
        "ADD n :d",
        "--expression-attribute-values",
        '{":d": {"N": "2"}}',
    )
    got = aws(server, "get-item", "--table-name", name, "--key", '{"id": {"S": "1"}}')
    assert got["Item"]["n"] == {"N": "7"}
    scan = aws(server, "scan", "--table-name", name)
    assert scan["Count"] == 1
    assert name in aws(server, "list-tables")["TableNames"]
    aws(server, "delete-table", "--table-name", name)


def _create(ddb, name: str) -> None:
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


@pytest.mark.D
def test_32_clients_incrementing_one_counter_lose_no_update(server):
    name = unique("counter")
    _create(client_for(server.url), name)
    per_client = 25

    def work(_: int) -> None:
        ddb = client_for(server.url)
        for _ in range(per_client):
            ddb.update_item(
                TableName=name,
                Key={"id": {"S": "c"}},
                UpdateExpression="ADD n :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )

    with ThreadPoolExecutor(32) as pool:
        list(pool.map(work, range(32)))
    item = client_for(server.url).get_item(TableName=name, Key={"id": {"S": "c"}}, ConsistentRead=True)["Item"]
    assert item["n"] == {"N": str(32 * per_client)}


@pytest.mark.D
def test_conditional_put_race_has_exactly_one_winner(server):
    name = unique("race")
    _create(client_for(server.url), name)
    for round_ in range(5):
        barrier = threading.Barrier(16)
        wins: list[int] = []

        def attempt(i: int, round_: int = round_, barrier: threading.Barrier = barrier, wins: list[int] = wins) -> None:
            ddb = client_for(server.url)
            barrier.wait()
            try:
                ddb.put_item(
                    TableName=name,
                    Item={"id": {"S": f"r{round_}"}, "w": {"N": str(i)}},
                    ConditionExpression="attribute_not_exists(id)",
                )
                wins.append(i)
            except ClientError as exc:
                assert exc.response["Error"]["Code"] == "ConditionalCheckFailedException"

        with ThreadPoolExecutor(16) as pool:
            list(pool.map(attempt, range(16)))
        assert len(wins) == 1
        stored = client_for(server.url).get_item(TableName=name, Key={"id": {"S": f"r{round_}"}})["Item"]
        assert stored["w"] == {"N": str(wins[0])}


@pytest.mark.D
@pytest.mark.parametrize("durability", ["full", "pipelined", "relaxed"])
def test_acknowledged_writes_survive_kill_9(tmp_path, durability):
    # relaxed skips the fsync: a killed process loses nothing that reached the OS (writes commit on the loop).
    data = tmp_path / "crash"
    server = NubisServer(data, extra_args=["--durability", durability]).start()
    _create(client_for(server.url), "crash")
    acknowledged: list[str] = []
    stop = threading.Event()

    def storm(worker: int) -> None:
        ddb = client_for(server.url)
        i = 0
        while not stop.is_set():
            key = f"w{worker}-{i}"
            try:
                ddb.put_item(TableName="crash", Item={"id": {"S": key}, "v": {"S": "x" * 100}})
            except Exception:
                return
            acknowledged.append(key)
            i += 1

    threads = [threading.Thread(target=storm, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    while len(acknowledged) < 400:
        threading.Event().wait(0.02)
    server.kill()  # SIGKILL mid-storm
    stop.set()
    for t in threads:
        t.join()
    with NubisServer(data) as again:
        ddb = client_for(again.url)
        stored = set()
        for page in ddb.get_paginator("scan").paginate(TableName="crash"):
            stored.update(item["id"]["S"] for item in page["Items"])
        assert set(acknowledged) <= stored
        assert ddb.describe_table(TableName="crash")["Table"]["ItemCount"] == len(stored)


@pytest.mark.D
def test_aws_cli_indexes_transactions_and_partiql(server):
    name = unique("clix")
    aws(
        server,
        "create-table",
        "--table-name",
        name,
        "--attribute-definitions",
        "AttributeName=id,AttributeType=S",
        "AttributeName=kind,AttributeType=S",
        "--key-schema",
        "AttributeName=id,KeyType=HASH",
        "--billing-mode",
        "PAY_PER_REQUEST",
        "--global-secondary-indexes",
        '[{"IndexName": "byKind", "KeySchema": [{"AttributeName": "kind", "KeyType": "HASH"}],'
        ' "Projection": {"ProjectionType": "ALL"}}]',
    )
    aws(
        server,
        "transact-write-items",
        "--transact-items",
        json.dumps(
            [
                {"Put": {"TableName": name, "Item": {"id": {"S": "1"}, "kind": {"S": "a"}}}},
                {"Put": {"TableName": name, "Item": {"id": {"S": "2"}, "kind": {"S": "a"}}}},
            ]
        ),
    )
    out = aws(
        server,
        "query",
        "--table-name",
        name,
        "--index-name",
        "byKind",
        "--key-condition-expression",
        "kind = :k",
        "--expression-attribute-values",
        '{":k": {"S": "a"}}',
    )
    assert out["Count"] == 2
    got = aws(
        server,
        "transact-get-items",
        "--transact-items",
        json.dumps([{"Get": {"TableName": name, "Key": {"id": {"S": "2"}}}}]),
    )
    assert got["Responses"][0]["Item"]["kind"] == {"S": "a"}
    rows = aws(
        server,
        "execute-statement",
        "--statement",
        f'SELECT id FROM "{name}"."byKind" WHERE kind = ?',
        "--parameters",
        '[{"S": "a"}]',
    )
    assert sorted(i["id"]["S"] for i in rows["Items"]) == ["1", "2"]
    aws(server, "delete-table", "--table-name", name)

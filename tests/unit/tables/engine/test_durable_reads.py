"""Reads under full durability: no answer reveals a write that a power loss could still undo.

SQLite ``full`` commits on the event loop and fsyncs on a syncer thread, so a committed write is visible for a
moment before it is durable; the engine makes every read wait (``Storage.durable``) until what it could have seen
is on disk. The fsync is held here to make that moment long.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from nubis.tables.engine.engine import Engine
from nubis.tables.open import open_storage

R = "us-east-1"
KEY = {"id": {"S": "a"}}


def create(engine: Engine) -> None:
    engine.execute(
        "CreateTable",
        R,
        {
            "TableName": "tbl",
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )


@pytest.mark.parametrize("operation", ["GetItem", "Query", "Scan"])
def test_a_read_that_saw_an_unsynced_write_waits_for_its_fsync(
    tmp_path: Path, held_fsync: threading.Event, operation: str
) -> None:
    gate = held_fsync
    gate.set()  # CreateTable is acknowledged normally
    engine = Engine(open_storage(f"sqlite:///{tmp_path}/t.db", durability="full"), ttl_interval=None)
    create(engine)
    gate.clear()
    requests = {
        "GetItem": {"TableName": "tbl", "Key": KEY, "ConsistentRead": True},
        "Query": {
            "TableName": "tbl",
            "KeyConditionExpression": "id = :a",
            "ExpressionAttributeValues": {":a": {"S": "a"}},
        },
        "Scan": {"TableName": "tbl"},
    }

    async def main() -> None:
        put = asyncio.ensure_future(
            engine.execute_async("PutItem", R, {"TableName": "tbl", "Item": {**KEY, "n": {"N": "1"}}})
        )
        await asyncio.sleep(0.05)  # committed on the loop; its fsync is held
        read = asyncio.ensure_future(engine.execute_async(operation, R, requests[operation]))
        await asyncio.sleep(0.05)
        assert not put.done() and not read.done()
        gate.set()
        await asyncio.wait_for(put, 5)
        result = await asyncio.wait_for(read, 5)
        found = [result["Item"]] if operation == "GetItem" else result["Items"]
        assert found == [{**KEY, "n": {"N": "1"}}]
        # Nothing pending any more: a read answers at once.
        again = asyncio.ensure_future(engine.execute_async(operation, R, requests[operation]))
        await asyncio.sleep(0.01)
        assert again.done()

    try:
        asyncio.run(main())
    finally:
        gate.set()
        engine.close()

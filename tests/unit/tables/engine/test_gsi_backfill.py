"""A GSI added to a populated table (100 k items) while writes keep landing ends exactly equal to the table."""

from __future__ import annotations

import random
import threading
import time

import pytest

from nubis.tables.engine.engine import Engine
from nubis.tables.storage.sqlite import SqliteStorage

R = "us-east-1"


def _scan_all(engine: Engine, **extra: object) -> list[dict]:
    items: list[dict] = []
    request: dict = {"TableName": "big", **extra}
    while True:
        page = engine.execute("Scan", R, request)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _g(i: int) -> dict | None:
    return None if i % 7 == 0 else {"S": f"g{i % 100}"}  # sparse: every 7th item has no index key


@pytest.mark.D
@pytest.mark.timeout(300)
def test_gsi_backfill_on_100k_items_with_concurrent_writes_matches_the_table(tmp_path):
    engine = Engine(SqliteStorage(str(tmp_path / "t.db"), durability="relaxed"))
    try:
        engine.execute(
            "CreateTable",
            R,
            {
                "TableName": "big",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                "AttributeDefinitions": [
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                ],
                "BillingMode": "PAY_PER_REQUEST",
            },
        )
        n = 100_000
        for start in range(0, n, 25):
            writes = []
            for i in range(start, start + 25):
                item = {"pk": {"S": f"p{i // 10}"}, "sk": {"S": f"s{i % 10}"}, "n": {"N": str(i)}}
                g = _g(i)
                if g is not None:
                    item["g"] = g
                writes.append({"PutRequest": {"Item": item}})
            engine.execute("BatchWriteItem", R, {"RequestItems": {"big": writes}})
        engine.execute(
            "UpdateTable",
            R,
            {
                "TableName": "big",
                "AttributeDefinitions": [
                    {"AttributeName": "g", "AttributeType": "S"},
                    {"AttributeName": "n", "AttributeType": "N"},
                ],
                "GlobalSecondaryIndexUpdates": [
                    {
                        "Create": {
                            "IndexName": "byG",
                            "KeySchema": [
                                {"AttributeName": "g", "KeyType": "HASH"},
                                {"AttributeName": "n", "KeyType": "RANGE"},
                            ],
                            "Projection": {"ProjectionType": "ALL"},
                        }
                    }
                ],
            },
        )
        index = engine.execute("DescribeTable", R, {"TableName": "big"})["Table"]["GlobalSecondaryIndexes"][0]
        assert index["IndexStatus"] == "CREATING" and index["Backfilling"] is True

        stop = threading.Event()
        writes_done = [0]

        def writer(seed: int) -> None:
            rng = random.Random(seed)
            while not stop.is_set():
                i = rng.randrange(n + 5_000)
                key = {"pk": {"S": f"p{i // 10}"}, "sk": {"S": f"s{i % 10}"}}
                choice = rng.random()
                if choice < 0.4:
                    engine.execute(
                        "UpdateItem",
                        R,
                        {
                            "TableName": "big",
                            "Key": key,
                            "UpdateExpression": "SET g = :g, n = :n",
                            "ExpressionAttributeValues": {
                                ":g": {"S": f"moved{rng.randrange(50)}"},
                                ":n": {"N": str(i)},
                            },
                        },
                    )
                elif choice < 0.6:
                    engine.execute("UpdateItem", R, {"TableName": "big", "Key": key, "UpdateExpression": "REMOVE g"})
                elif choice < 0.8:
                    engine.execute("DeleteItem", R, {"TableName": "big", "Key": key})
                else:
                    item = {**key, "n": {"N": str(i)}, "g": {"S": "fresh"}}
                    engine.execute("PutItem", R, {"TableName": "big", "Item": item})
                writes_done[0] += 1

        threads = [threading.Thread(target=writer, args=(s,)) for s in range(3)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            desc = engine.execute("DescribeTable", R, {"TableName": "big"})["Table"]["GlobalSecondaryIndexes"][0]
            if desc["IndexStatus"] == "ACTIVE":
                break
            time.sleep(0.05)
        stop.set()
        for t in threads:
            t.join()
        assert desc["IndexStatus"] == "ACTIVE" and "Backfilling" not in desc
        assert writes_done[0] > 100, "the backfill should have overlapped with writes"

        table_items = _scan_all(engine)
        expected = sorted(
            (i["pk"]["S"], i["sk"]["S"], i["g"]["S"], i["n"]["N"]) for i in table_items if "g" in i and "n" in i
        )
        index_items = _scan_all(engine, IndexName="byG")
        got = sorted((i["pk"]["S"], i["sk"]["S"], i["g"]["S"], i["n"]["N"]) for i in index_items)
        assert got == expected
        assert len(expected) > 80_000
        final = engine.execute("DescribeTable", R, {"TableName": "big"})["Table"]["GlobalSecondaryIndexes"][0]
        assert final["ItemCount"] == len(expected)
    finally:
        engine.close()

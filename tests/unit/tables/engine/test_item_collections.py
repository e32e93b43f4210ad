"""Item collections of tables with local secondary indexes: size tracking, metrics, and the size limit."""

from __future__ import annotations

import pytest

from nubis.tables import limits
from nubis.tables.engine.engine import Engine
from nubis.tables.errors import ItemCollectionSizeLimitExceededException
from nubis.tables.open import open_storage

R = "us-east-1"


@pytest.fixture(params=["memory", "sqlite"])
def engine(request, tmp_path):
    url = "memory:" if request.param == "memory" else f"sqlite:{tmp_path / 't.db'}"
    eng = Engine(open_storage(url))
    eng.execute(
        "CreateTable",
        R,
        {
            "TableName": "col",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
                {"AttributeName": "n", "AttributeType": "N"},
            ],
            "BillingMode": "PAY_PER_REQUEST",
            "LocalSecondaryIndexes": [
                {
                    "IndexName": "byN",
                    "KeySchema": [
                        {"AttributeName": "pk", "KeyType": "HASH"},
                        {"AttributeName": "n", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        },
    )
    yield eng
    eng.close()


def _put(engine: Engine, pk: str, sk: str, size: int) -> dict:
    item = {"pk": {"S": pk}, "sk": {"S": sk}, "n": {"N": "1"}, "v": {"S": "x" * size}}
    return engine.execute("PutItem", R, {"TableName": "col", "Item": item, "ReturnItemCollectionMetrics": "SIZE"})


@pytest.mark.D
def test_collection_growth_past_the_limit_is_refused(engine, monkeypatch):
    monkeypatch.setattr(limits, "MAX_ITEM_COLLECTION_BYTES", 2_000)
    for i in range(4):
        _put(engine, "a", f"s{i}", 200)  # ~2 x 210 bytes each (item + LSI entry)
    with pytest.raises(ItemCollectionSizeLimitExceededException):
        _put(engine, "a", "big", 400)
    assert "Item" not in engine.execute(
        "GetItem", R, {"TableName": "col", "Key": {"pk": {"S": "a"}, "sk": {"S": "big"}}}
    )
    _put(engine, "b", "s0", 400)  # another collection is unaffected
    engine.execute("DeleteItem", R, {"TableName": "col", "Key": {"pk": {"S": "a"}, "sk": {"S": "s0"}}})
    engine.execute("DeleteItem", R, {"TableName": "col", "Key": {"pk": {"S": "a"}, "sk": {"S": "s1"}}})
    _put(engine, "a", "big", 400)  # room again after deletes


@pytest.mark.D
def test_collection_metrics_follow_the_collection(engine, monkeypatch):
    monkeypatch.setattr(limits, "MAX_ITEM_COLLECTION_BYTES", 10**12)
    out = _put(engine, "m", "s0", 10)
    assert out["ItemCollectionMetrics"] == {"ItemCollectionKey": {"pk": {"S": "m"}}, "SizeEstimateRangeGB": [0.0, 1.0]}


@pytest.mark.D
def test_batch_and_transaction_writes_report_each_collection(engine, monkeypatch):
    monkeypatch.setattr(limits, "MAX_ITEM_COLLECTION_BYTES", 10**12)
    item = {"n": {"N": "1"}}
    out = engine.execute(
        "BatchWriteItem",
        R,
        {
            "RequestItems": {
                "col": [
                    {"PutRequest": {"Item": {"pk": {"S": "x"}, "sk": {"S": "1"}, **item}}},
                    {"PutRequest": {"Item": {"pk": {"S": "x"}, "sk": {"S": "2"}, **item}}},
                    {"PutRequest": {"Item": {"pk": {"S": "y"}, "sk": {"S": "1"}, **item}}},
                ]
            },
            "ReturnItemCollectionMetrics": "SIZE",
        },
    )
    keys = sorted(m["ItemCollectionKey"]["pk"]["S"] for m in out["ItemCollectionMetrics"]["col"])
    assert keys == ["x", "y"]
    out = engine.execute(
        "TransactWriteItems",
        R,
        {
            "TransactItems": [
                {"Delete": {"TableName": "col", "Key": {"pk": {"S": "x"}, "sk": {"S": "1"}}}},
                {"Put": {"TableName": "col", "Item": {"pk": {"S": "z"}, "sk": {"S": "1"}, **item}}},
            ],
            "ReturnItemCollectionMetrics": "SIZE",
        },
    )
    assert sorted(m["ItemCollectionKey"]["pk"]["S"] for m in out["ItemCollectionMetrics"]["col"]) == ["x", "z"]
    out = engine.execute(
        "BatchWriteItem",
        R,
        {"RequestItems": {"col": [{"DeleteRequest": {"Key": {"pk": {"S": "y"}, "sk": {"S": "1"}}}}]}},
    )
    assert "ItemCollectionMetrics" not in out  # not asked for

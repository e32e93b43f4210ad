"""Time to Live: the setting's lifecycle and the sweeper's rules (expired, not yet, not a number, too old)."""

from __future__ import annotations

import time

import pytest

from nubis.tables.engine.engine import Engine
from nubis.tables.errors import ValidationException
from nubis.tables.open import open_storage

R = "us-east-1"


@pytest.fixture
def engine():
    eng = Engine(open_storage("memory:"), ttl_interval=None)
    eng.execute(
        "CreateTable",
        R,
        {
            "TableName": "ttl",
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [
                {"AttributeName": "id", "AttributeType": "S"},
                {"AttributeName": "kind", "AttributeType": "S"},
            ],
            "BillingMode": "PAY_PER_REQUEST",
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "byKind",
                    "KeySchema": [{"AttributeName": "kind", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            ],
        },
    )
    yield eng
    eng.close()


def _spec(enabled: bool) -> dict:
    return {"TableName": "ttl", "TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": "expires"}}


@pytest.mark.D
def test_ttl_setting_lifecycle(engine):
    assert engine.execute("DescribeTimeToLive", R, {"TableName": "ttl"}) == {
        "TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}
    }
    out = engine.execute("UpdateTimeToLive", R, _spec(True))
    assert out == {"TimeToLiveSpecification": {"Enabled": True, "AttributeName": "expires"}}
    assert engine.execute("DescribeTimeToLive", R, {"TableName": "ttl"})["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expires",
    }
    with pytest.raises(ValidationException, match="already enabled"):
        engine.execute("UpdateTimeToLive", R, _spec(True))
    engine.execute("UpdateTimeToLive", R, _spec(False))
    with pytest.raises(ValidationException, match="already disabled"):
        engine.execute("UpdateTimeToLive", R, _spec(False))


@pytest.mark.D
def test_sweeper_deletes_only_expired_numbers_within_five_years(engine):
    now = int(time.time())
    rows = {
        "past": {"N": str(now - 60)},
        "future": {"N": str(now + 3600)},
        "text": {"S": str(now - 60)},  # not a Number: ignored
        "ancient": {"N": str(now - 6 * 365 * 24 * 3600)},  # more than five years ago: ignored
    }
    for name, expires in rows.items():
        engine.execute(
            "PutItem", R, {"TableName": "ttl", "Item": {"id": {"S": name}, "kind": {"S": "k"}, "expires": expires}}
        )
    engine.execute("PutItem", R, {"TableName": "ttl", "Item": {"id": {"S": "none"}, "kind": {"S": "k"}}})
    assert engine.ttl.sweep_once() == 0  # TTL not enabled yet: nothing goes
    engine.execute("UpdateTimeToLive", R, _spec(True))
    assert engine.ttl.sweep_once() == 1
    left = sorted(i["id"]["S"] for i in engine.execute("Scan", R, {"TableName": "ttl"})["Items"])
    assert left == ["ancient", "future", "none", "text"]
    by_kind = engine.execute(
        "Query",
        R,
        {
            "TableName": "ttl",
            "IndexName": "byKind",
            "KeyConditionExpression": "kind = :k",
            "ExpressionAttributeValues": {":k": {"S": "k"}},
        },
    )
    assert by_kind["Count"] == 4  # the index lost the expired item too
    assert engine.execute("DescribeTable", R, {"TableName": "ttl"})["Table"]["ItemCount"] == 4

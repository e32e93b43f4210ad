"""Real DynamoDB client libraries run their ordinary code unchanged against a ``nubis serve``.

- The AWS SDK for JavaScript v3 (``@aws-sdk/client-dynamodb`` + the ``@aws-sdk/lib-dynamodb`` DocumentClient, also
  for PartiQL) and Dynamoose run under Node: ``clients/js/*.mjs`` are self-checking programs (``node:assert``;
  non-zero exit on any failure; a JSON summary on stdout). Their packages are pinned in
  ``clients/package-lock.json`` and installed by ``scripts/setup`` (``npm ci``).
- PynamoDB runs here, in Python: models with a GSI and an LSI, conditional saves, updates, queries, scans, batches
  and ``TransactWrite``/``TransactGet``.

Expected values are DynamoDB's documented behaviour (marker D), as each library relies on it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    NumberSetAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection, LocalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactGet, TransactWrite

from nubis.testing import NubisServer
from tests.integration.conftest import unique

CLIENTS = Path(__file__).parent / "clients"
NODE_TIMEOUT = 90

# --- Node: the JS SDK v3 / DocumentClient and Dynamoose ------------------------------------------------------------


def _run_node(script: str, server: NubisServer) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None or not (CLIENTS / "node_modules" / "dynamoose").is_dir():
        pytest.fail(f"node and {CLIENTS / 'node_modules'} are needed: run scripts/setup (it runs npm ci)")
    env = {**os.environ, "NUBIS_ENDPOINT": server.url, "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED": "true"}
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        env.pop(name, None)
    done = subprocess.run(
        [node, str(CLIENTS / "js" / script), server.url],
        cwd=CLIENTS,
        env=env,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, (
        f"{script} exited {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    )
    lines = done.stdout.strip().splitlines()
    assert lines, f"{script} printed no summary; stderr:\n{done.stderr}"
    summary: dict[str, Any] = json.loads(lines[-1])
    return summary


@pytest.mark.D
def test_aws_sdk_js_v3_and_document_client(server: NubisServer) -> None:
    summary = _run_node("sdk_v3.mjs", server)
    assert summary["library"] == "aws-sdk-js-v3"
    assert summary["checks"] == [
        "CreateTable+waitUntilTableExists",
        "DescribeTable+ListTables",
        "PutItem conditional (ConditionalCheckFailedException with Item)",
        "GetItem (+projection, missing item)",
        "UpdateItem conditional (ReturnValues ALL_NEW, failure)",
        "BatchWriteItem+BatchGetItem",
        "Query table (paginateQuery, BETWEEN, begins_with, filter, descending)",
        "Query GSI (INCLUDE projection, paginated)",
        "Query LSI (KEYS_ONLY, descending, Select COUNT)",
        "Scan (paginateScan, filter, index scan COUNT)",
        "TransactWriteItems (success, TransactionCanceledException.CancellationReasons)",
        "TransactGetItems",
        "DocumentClient PutCommand/GetCommand (numbers, sets, nested maps, lists, null, bool)",
        "DocumentClient UpdateCommand (nested paths, list index, ADD/DELETE sets, condition)",
        "DocumentClient QueryCommand (paginated, filter, GSI)",
        "DocumentClient TransactWriteCommand (success, cancellation)",
        "DeleteTable+waitUntilTableNotExists",
    ]


@pytest.mark.D
def test_dynamoose_models_indexes_queries_conditions_transactions(server: NubisServer) -> None:
    summary = _run_node("dynamoose.mjs", server)
    assert summary["library"] == "dynamoose"
    assert summary["checks"] == [
        "tables created by Dynamoose (GSI INCLUDE, LSI KEYS_ONLY, GSI ALL) and waited for",
        "Model.create/get (defaults, validate, enum, required, timestamps) and conditional save",
        "Model.update ($SET/$ADD, dynamoose.Condition, returnValues, failure)",
        "Model.batchPut/batchGet",
        "query() on table, using(GSI), using(LSI), automatic index, sort, filter, limit/startAt/all, count",
        "scan() with filters, Condition, count, limit",
        "dynamoose.transaction (write success across two tables, cancellation with reasons, get)",
        "Model.delete with condition, batchDelete",
    ]


@pytest.mark.D
def test_aws_sdk_js_v3_partiql(server: NubisServer) -> None:
    summary = _run_node("partiql.mjs", server)
    assert summary["checks"] == [
        "DocumentClient ExecuteStatement INSERT/SELECT (native parameters, DuplicateItemException)",
        "DocumentClient ExecuteStatement UPDATE (SET/REMOVE) and DELETE",
        "ExecuteStatement SELECT (Limit/NextToken, index, ORDER BY)",
        "BatchExecuteStatement (per-statement results and errors)",
        "ExecuteTransaction (writes, cancellation with reasons, reads)",
    ]


# --- PynamoDB ---------------------------------------------------------------------------------------------------


class LineItem(MapAttribute[str, Any]):
    sku = UnicodeAttribute()
    qty = NumberAttribute()


class Shipping(MapAttribute[str, Any]):
    city = UnicodeAttribute()
    zip = UnicodeAttribute(null=True)


def _models(url: str) -> tuple[type[Model], type[Model]]:
    """Fresh model classes bound to ``url`` and to fresh table names (Meta is per class, so per test)."""
    meta = {
        "host": url,
        "region": "us-east-1",
        "aws_access_key_id": "AKIDEXAMPLE",
        "aws_secret_access_key": "secret",
        "billing_mode": "PAY_PER_REQUEST",
        "max_retry_attempts": 0,
    }

    class ByStatus(GlobalSecondaryIndex["Order"]):
        class Meta:
            index_name = "byStatus"
            projection = IncludeProjection(["amount"])

        status = UnicodeAttribute(hash_key=True)
        placed_at = NumberAttribute(range_key=True, attr_name="placedAt")

    class ByAmount(LocalSecondaryIndex["Order"]):
        class Meta:
            index_name = "byAmount"
            projection = KeysOnlyProjection()

        customer = UnicodeAttribute(hash_key=True)
        amount = NumberAttribute(range_key=True)

    class Order(Model):
        Meta = type("Meta", (), {**meta, "table_name": unique("pynamo_orders")})

        customer = UnicodeAttribute(hash_key=True)
        order_id = UnicodeAttribute(range_key=True, attr_name="orderId")
        status = UnicodeAttribute(default="NEW")
        placed_at = NumberAttribute(attr_name="placedAt")
        amount = NumberAttribute()
        note = UnicodeAttribute(null=True)
        tags = UnicodeSetAttribute(null=True)
        sizes = NumberSetAttribute(null=True)
        shipping = Shipping(null=True)
        lines = ListAttribute(of=LineItem, null=True)
        created = UTCDateTimeAttribute(default=lambda: datetime(2024, 5, 1, 12, 0, tzinfo=UTC))
        version = VersionAttribute()

        by_status = ByStatus()
        by_amount = ByAmount()

    class Account(Model):
        Meta = type("Meta", (), {**meta, "table_name": unique("pynamo_accounts")})

        id = UnicodeAttribute(hash_key=True)
        balance = NumberAttribute(default=0)

    for model in (Order, Account):
        model.create_table(wait=True)
    return Order, Account


@pytest.fixture
def models(server: NubisServer):
    order, account = _models(server.url)
    yield order, account
    for model in (order, account):
        model.delete_table()


def _seed(Order: type[Model]) -> None:
    """alice: a000..a018 (even numbers, 10 orders); bob: b001..b019 (odd, 10); PAID when i % 3 == 0."""
    with Order.batch_write() as batch:
        for i in range(20):
            batch.save(
                Order(
                    "alice" if i % 2 == 0 else "bob",
                    f"{'a' if i % 2 == 0 else 'b'}{i:03d}",
                    status="PAID" if i % 3 == 0 else "NEW",
                    placed_at=1000 + i,
                    amount=i * 10,
                    note=f"order {i}",
                )
            )


def _error_code(exc: pytest.ExceptionInfo[Any]) -> Any:
    """The DynamoDB error code under a PynamoDB exception."""
    return exc.value.cause_response_code


@pytest.mark.D
def test_pynamodb_create_table_declares_both_indexes(models) -> None:
    Order, Account = models
    assert Order.exists()
    table = Order.describe_table()
    assert table["TableStatus"] == "ACTIVE"
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert {(d["AttributeName"], d["AttributeType"]) for d in table["AttributeDefinitions"]} == {
        ("customer", "S"),
        ("orderId", "S"),
        ("status", "S"),
        ("placedAt", "N"),
        ("amount", "N"),
    }
    (gsi,) = table["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "byStatus"
    assert gsi["IndexStatus"] == "ACTIVE"
    assert gsi["KeySchema"] == [
        {"AttributeName": "status", "KeyType": "HASH"},
        {"AttributeName": "placedAt", "KeyType": "RANGE"},
    ]
    assert gsi["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["amount"]}
    (lsi,) = table["LocalSecondaryIndexes"]
    assert lsi["IndexName"] == "byAmount"
    assert lsi["KeySchema"] == [
        {"AttributeName": "customer", "KeyType": "HASH"},
        {"AttributeName": "amount", "KeyType": "RANGE"},
    ]
    assert lsi["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert Account.describe_table()["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]


@pytest.mark.D
def test_pynamodb_conditional_save_update_get_delete(models) -> None:
    Order, _ = models
    order = Order(
        "alice",
        "o1",
        placed_at=100,
        amount=25,
        tags={"gift"},
        shipping=Shipping(city="Utrecht"),
        lines=[LineItem(sku="A1", qty=2)],
    )
    order.save(condition=Order.customer.does_not_exist())
    assert order.version == 1

    duplicate = Order("alice", "o1", placed_at=1, amount=1)
    with pytest.raises(PutError) as exc:
        duplicate.save(condition=Order.customer.does_not_exist(), add_version_condition=False)
    assert _error_code(exc) == "ConditionalCheckFailedException"

    # VersionAttribute: a save of a stale copy fails on its automatic version condition.
    stale = Order.get("alice", "o1", consistent_read=True)
    order.amount = 30
    order.save(condition=Order.amount < 100)
    assert order.version == 2
    stale.amount = 99
    with pytest.raises(PutError) as exc:
        stale.save()
    assert _error_code(exc) == "ConditionalCheckFailedException"

    got = Order.get("alice", "o1")
    assert (got.status, got.amount, got.version, got.tags) == ("NEW", 30, 2, {"gift"})
    assert got.shipping.city == "Utrecht"
    assert got.shipping.zip is None
    assert [(line.sku, line.qty) for line in got.lines] == [("A1", 2)]
    assert got.created == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    narrow = Order.get("alice", "o1", attributes_to_get=["amount", "status"])
    assert (narrow.amount, narrow.status, narrow.note) == (30, "NEW", None)
    with pytest.raises(Order.DoesNotExist):
        Order.get("alice", "missing")

    got.update(
        actions=[
            Order.status.set("PAID"),
            Order.amount.add(5),
            Order.tags.add({"vip"}),
            Order.sizes.add({1, 2}),
            Order.note.set(Order.note | "no note"),
            Order.lines.set(Order.lines.append([LineItem(sku="B2", qty=1)])),
            Order.shipping.zip.set("3511"),
        ],
        condition=(Order.status == "NEW") & Order.amount.between(0, 100),
    )
    assert (got.status, got.amount, got.tags, got.sizes, got.note, got.version) == (
        "PAID",
        35,
        {"gift", "vip"},
        {1, 2},
        "no note",
        3,
    )
    assert [line.sku for line in got.lines] == ["A1", "B2"]
    assert got.shipping.zip == "3511"

    with pytest.raises(UpdateError) as exc:
        got.update(actions=[Order.status.set("SHIPPED")], condition=Order.status == "NEW")
    assert _error_code(exc) == "ConditionalCheckFailedException"
    got.update(actions=[Order.tags.delete({"gift"}), Order.note.remove(), Order.sizes.remove()])
    got.refresh(consistent_read=True)
    assert (got.tags, got.note, got.sizes, got.status, got.version) == ({"vip"}, None, None, "PAID", 4)

    with pytest.raises(DeleteError) as exc:
        got.delete(condition=Order.status == "NEW")
    assert _error_code(exc) == "ConditionalCheckFailedException"
    got.delete(condition=Order.tags.contains("vip"))
    with pytest.raises(DoesNotExist):
        got.refresh()


@pytest.mark.D
def test_pynamodb_query_count_scan_and_batches(models) -> None:
    Order, _ = models
    _seed(Order)

    # The table: range key conditions, filters, descending order, paging by last_evaluated_key.
    ids = [o.order_id for o in Order.query("alice", Order.order_id.between("a004", "a012"))]
    assert ids == ["a004", "a006", "a008", "a010", "a012"]
    desc = Order.query(
        "bob",
        Order.order_id.startswith("b01"),
        filter_condition=Order.amount > 120,
        scan_index_forward=False,
    )
    assert [o.order_id for o in desc] == ["b019", "b017", "b015", "b013"]
    pages = Order.query("alice", page_size=3)
    assert [o.order_id for o in pages] == [f"a{i:03d}" for i in range(0, 20, 2)]
    assert pages.page_iter.total_scanned_count == 10
    first = Order.query("alice", limit=4)
    assert len(list(first)) == 4
    assert first.last_evaluated_key == {"customer": {"S": "alice"}, "orderId": {"S": "a006"}}
    rest = Order.query("alice", last_evaluated_key=first.last_evaluated_key)
    assert [o.order_id for o in rest] == ["a008", "a010", "a012", "a014", "a016", "a018"]

    # The GSI: INCLUDE projection (keys and amount), range key condition, pagination carrying the base key.
    paid = list(Order.by_status.query("PAID", Order.placed_at >= 1003, page_size=2))
    assert [(o.order_id, o.amount) for o in paid] == [
        ("b003", 30),
        ("a006", 60),
        ("b009", 90),
        ("a012", 120),
        ("b015", 150),
        ("a018", 180),
    ]
    assert all(o.note is None for o in paid)
    rich = Order.by_status.query("PAID", filter_condition=Order.amount > 100)
    assert [o.amount for o in rich] == [120, 150, 180]
    newest = Order.by_status.query("NEW", scan_index_forward=False, limit=1)
    assert [o.placed_at for o in newest] == [1019]
    assert newest.last_evaluated_key == {
        "status": {"S": "NEW"},
        "placedAt": {"N": "1019"},
        "customer": {"S": "bob"},
        "orderId": {"S": "b019"},
    }

    # The LSI: KEYS_ONLY (table and index keys only), a range condition on amount, descending.
    big = list(Order.by_amount.query("alice", Order.amount >= 100, scan_index_forward=False))
    assert [(o.order_id, o.amount) for o in big] == [
        ("a018", 180),
        ("a016", 160),
        ("a014", 140),
        ("a012", 120),
        ("a010", 100),
    ]
    assert all(o.placed_at is None and o.note is None for o in big)
    assert [o.amount for o in Order.by_amount.query("bob", Order.amount < 50)] == [10, 30]

    # count on the table and on both indexes, with conditions and filters.
    assert Order.count("alice") == 10
    assert Order.count("alice", Order.order_id >= "a010") == 5
    assert Order.count("bob", filter_condition=Order.status == "PAID") == 3
    assert Order.by_status.count("PAID") == 7
    assert Order.by_amount.count("alice", Order.amount.between(40, 100)) == 4

    # Scan: filter, limit + last_evaluated_key, a parallel scan in 2 segments, an index scan.
    assert sorted(o.order_id for o in Order.scan(Order.amount.between(50, 80))) == ["a006", "a008", "b005", "b007"]
    page = Order.scan(limit=7)
    assert len(list(page)) == 7
    assert page.last_evaluated_key is not None
    segments = [o.order_id for s in range(2) for o in Order.scan(segment=s, total_segments=2)]
    assert sorted(segments) == sorted([f"a{i:03d}" for i in range(0, 20, 2)] + [f"b{i:03d}" for i in range(1, 20, 2)])
    assert sorted(o.amount for o in Order.by_status.scan(Order.amount > 150)) == [160, 170, 180, 190]

    # Batches: batch_get by keys (missing keys are left out), batch_write deletes.
    got = sorted(o.order_id for o in Order.batch_get([("alice", "a000"), ("bob", "b001"), ("bob", "zzz")]))
    assert got == ["a000", "b001"]
    with Order.batch_write() as batch:
        for i in range(1, 20, 2):
            batch.delete(Order("bob", f"b{i:03d}"))
    assert Order.count("bob") == 0
    assert Order.by_status.count("PAID") == 4


@pytest.mark.D
def test_pynamodb_transact_write_and_get(models) -> None:
    Order, Account = models
    for name, balance in (("alice", 100), ("bob", 0)):
        Account(name, balance=balance).save()
    Order("alice", "o1", placed_at=1, amount=40, status="PAID").save()
    Order("alice", "o2", placed_at=2, amount=5).save()

    connection = Order._get_connection().connection
    with TransactWrite(connection=connection, client_request_token=unique("tok")) as tx:
        tx.update(Account("alice"), actions=[Account.balance.add(-40)], condition=Account.balance >= 40)
        tx.update(Account("bob"), actions=[Account.balance.add(40)])
        tx.condition_check(Order, "alice", "o1", condition=Order.status == "PAID")
        tx.save(Order("bob", "o3", placed_at=3, amount=40))
        tx.delete(Order.get("alice", "o2"))
    assert Account.get("alice").balance == 60
    assert Account.get("bob").balance == 40
    assert Order.get("bob", "o3").version == 1
    assert Order.count("alice") == 1

    with pytest.raises(TransactWriteError) as exc:
        with TransactWrite(connection=connection) as tx:
            tx.update(Account("alice"), actions=[Account.balance.add(-1000)], condition=Account.balance >= 1000)
            tx.update(Account("bob"), actions=[Account.balance.add(1000)])
            tx.save(Order("bob", "o3", placed_at=9, amount=9), condition=Order.customer.does_not_exist())
    assert _error_code(exc) == "TransactionCanceledException"
    # PynamoDB sends condition checks, then deletes, then puts, then updates: the reasons follow that order.
    reasons = exc.value.cancellation_reasons
    assert [r.code if r else None for r in reasons] == ["ConditionalCheckFailed", "ConditionalCheckFailed", None]
    assert Account.get("alice").balance == 60
    assert Account.get("bob").balance == 40
    assert Order.get("bob", "o3").placed_at == 3

    with TransactGet(connection=connection) as tg:
        alice = tg.get(Account, "alice")
        order = tg.get(Order, "bob", "o3")
        missing = tg.get(Order, "alice", "o2")
    assert alice.get().balance == 60
    assert (order.get().amount, order.get().version) == (40, 1)
    with pytest.raises(Order.DoesNotExist):
        missing.get()

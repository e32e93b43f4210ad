"""The three PartiQL operations on an in-process engine (no HTTP): paging across partitions, errors, transactions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nubis.tables.engine.engine import Engine
from nubis.tables.engine.partiql import batch_execute_statement, execute_statement, execute_transaction
from nubis.tables.errors import DuplicateItemException, TransactionCanceledException, ValidationException
from nubis.tables.open import open_storage

R = "us-east-1"


@pytest.fixture
def engine() -> Iterator[Engine]:
    eng = Engine(open_storage("memory:"))
    eng.execute(
        "CreateTable",
        R,
        {
            "TableName": "items",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )
    for pk in ("a", "b", "c"):
        for i in range(3):
            execute_statement(
                eng,
                R,
                {
                    "Statement": "INSERT INTO items VALUE {'pk': ?, 'sk': ?, 'n': ?}",
                    "Parameters": [{"S": pk}, {"S": str(i)}, {"N": str(i)}],
                },
            )
    yield eng
    eng.close()


def test_limit_pages_across_partitions_without_losing_items(engine: Engine) -> None:
    statement = {"Statement": "SELECT pk, sk FROM items WHERE pk IN ['c', 'a', 'b']", "Limit": 2}
    seen = []
    while True:
        page = execute_statement(engine, R, statement)
        seen += [(i["pk"]["S"], i["sk"]["S"]) for i in page["Items"]]
        if "NextToken" not in page:
            break
        statement = {**statement, "NextToken": page["NextToken"]}
    assert seen == [(pk, str(i)) for pk in "cab" for i in range(3)]


def test_capacity_adds_up_over_partitions(engine: Engine) -> None:
    page = execute_statement(
        engine, R, {"Statement": "SELECT * FROM items WHERE pk = 'a' OR pk = 'b'", "ReturnConsumedCapacity": "TOTAL"}
    )
    assert len(page["Items"]) == 6
    assert page["ConsumedCapacity"] == {"TableName": "items", "CapacityUnits": 1.0, "ReadCapacityUnits": 1.0}


def test_insert_duplicate_is_duplicate_item_exception(engine: Engine) -> None:
    with pytest.raises(DuplicateItemException) as info:
        execute_statement(engine, R, {"Statement": "INSERT INTO items VALUE {'pk': 'a', 'sk': '0'}"})
    assert info.value.message == "Duplicate primary key exists in table"


def test_exists_outside_a_transaction_is_refused(engine: Engine) -> None:
    with pytest.raises(ValidationException) as info:
        execute_statement(engine, R, {"Statement": "EXISTS(SELECT * FROM items WHERE pk = 'a' AND sk = '0')"})
    assert info.value.message == "EXISTS can only be used in ExecuteTransaction write requests."


def test_batch_capacity_is_per_table(engine: Engine) -> None:
    out = batch_execute_statement(
        engine,
        R,
        {
            "Statements": [
                {"Statement": "UPDATE items SET v = 1 WHERE pk = 'a' AND sk = '0'"},
                {"Statement": "UPDATE items SET v = 1 WHERE pk = 'a' AND sk = '1'"},
            ],
            "ReturnConsumedCapacity": "TOTAL",
        },
    )
    assert out["Responses"] == [{"TableName": "items"}, {"TableName": "items"}]
    assert out["ConsumedCapacity"] == [{"TableName": "items", "CapacityUnits": 2.0, "WriteCapacityUnits": 2.0}]


def test_transaction_insert_conflict_names_duplicate_item(engine: Engine) -> None:
    with pytest.raises(TransactionCanceledException) as info:
        execute_transaction(
            engine,
            R,
            {
                "TransactStatements": [
                    {"Statement": "UPDATE items SET v = 1 WHERE pk = 'b' AND sk = '0'"},
                    {"Statement": "INSERT INTO items VALUE {'pk': 'a', 'sk': '0'}"},
                ]
            },
        )
    assert [r.code for r in info.value.reasons] == ["None", "DuplicateItem"]
    assert info.value.message.endswith("[None, DuplicateItem]")


def test_transaction_parameter_errors_name_the_statement(engine: Engine) -> None:
    with pytest.raises(ValidationException) as info:
        execute_transaction(
            engine, R, {"TransactStatements": [{"Statement": "DELETE FROM items WHERE pk = ? AND sk = ?"}]}
        )
    assert info.value.message == (
        "Validation failed in TransactStatements[0]: Number of parameters in request and statement don't match."
    )

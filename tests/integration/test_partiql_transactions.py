"""ExecuteTransaction over HTTP with boto3: statements run as one TransactWriteItems or TransactGetItems.

Named with a leading underscore so pytest does not collect it until ExecuteTransaction is registered in Engine;
rename it to ``test_partiql_transactions.py`` to enable it.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.integration.test_control_plane import error_of


def test_a_transaction_of_writes_is_all_or_nothing(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "acct"}, "sk": {"S": "a"}, "bal": {"N": "10"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "flag"}, "sk": {"S": "open"}, "on": {"BOOL": True}})
    ddb.execute_transaction(
        TransactStatements=[
            {"Statement": f"INSERT INTO \"{table}\" VALUE {{'pk': 'acct', 'sk': 'b', 'bal': 5}}"},
            {
                "Statement": f"UPDATE \"{table}\" SET bal = bal - ? WHERE pk = 'acct' AND sk = 'a'",
                "Parameters": [{"N": "5"}],
            },
            {"Statement": f"EXISTS(SELECT * FROM \"{table}\" WHERE pk = 'flag' AND sk = 'open' AND \"on\" = true)"},
        ]
    )
    got = ddb.execute_statement(Statement=f"SELECT sk, bal FROM \"{table}\" WHERE pk = 'acct'")["Items"]
    assert got == [{"sk": {"S": "a"}, "bal": {"N": "5"}}, {"sk": {"S": "b"}, "bal": {"N": "5"}}]


@pytest.mark.P
def test_a_failed_statement_cancels_the_transaction(ddb, table):
    with pytest.raises(ClientError) as info:
        ddb.execute_transaction(
            TransactStatements=[
                {"Statement": f"INSERT INTO \"{table}\" VALUE {{'pk': 'tx', 'sk': '1'}}"},
                {"Statement": f"UPDATE \"{table}\" SET a = 1 WHERE pk = 'tx' AND sk = 'missing'"},
            ]
        )
    assert error_of(info)[0] == "TransactionCanceledException"
    reasons = info.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed"]
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "tx"}, "sk": {"S": "1"}})


def test_an_insert_of_an_existing_key_cancels_with_duplicate_item(ddb, table):
    # [?] BatchStatementErrorCodeEnum has DuplicateItem; the cancellation reason's code is unrecorded.
    ddb.put_item(TableName=table, Item={"pk": {"S": "dup"}, "sk": {"S": "1"}})
    with pytest.raises(ClientError) as info:
        ddb.execute_transaction(
            TransactStatements=[{"Statement": f"INSERT INTO \"{table}\" VALUE {{'pk': 'dup', 'sk': '1'}}"}]
        )
    assert [r["Code"] for r in info.value.response["CancellationReasons"]] == ["DuplicateItem"]


def test_a_transaction_of_reads_gives_one_response_per_statement(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "r"}, "sk": {"S": "1"}, "v": {"S": "x"}})
    out = ddb.execute_transaction(
        TransactStatements=[
            {"Statement": f"SELECT v FROM \"{table}\" WHERE pk = 'r' AND sk = '1'"},
            {"Statement": f"SELECT * FROM \"{table}\" WHERE pk = 'r' AND sk = '2'"},
        ]
    )
    assert out["Responses"] == [{"Item": {"v": {"S": "x"}}}, {}]


@pytest.mark.P
def test_reads_and_writes_do_not_mix(ddb, table):
    with pytest.raises(ClientError) as info:
        ddb.execute_transaction(
            TransactStatements=[
                {"Statement": f"SELECT * FROM \"{table}\" WHERE pk = 'a' AND sk = 'b'"},
                {"Statement": f"DELETE FROM \"{table}\" WHERE pk = 'a' AND sk = 'b'"},
            ]
        )
    assert error_of(info) == (
        "ValidationException",
        "ExecuteTransaction API does not support both read and write operations in the same request.",
    )


@pytest.mark.V
def test_a_statement_that_does_not_parse_is_named(ddb, table):
    with pytest.raises(ClientError) as info:
        ddb.execute_transaction(TransactStatements=[{"Statement": f'SELECT * FROM "{table}" WHERE'}])
    assert error_of(info) == (
        "ValidationException",
        "Validation failed in TransactStatements[0]: Statement wasn't well formed, can't be processed: Unexpected term",
    )


def test_a_client_request_token_makes_a_retry_idempotent(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "idem"}, "sk": {"S": "1"}, "n": {"N": "0"}})
    statements = [{"Statement": f"UPDATE \"{table}\" SET n = n + 1 WHERE pk = 'idem' AND sk = '1'"}]
    ddb.execute_transaction(TransactStatements=statements, ClientRequestToken="partiql-token-1")
    ddb.execute_transaction(TransactStatements=statements, ClientRequestToken="partiql-token-1")
    item = ddb.get_item(TableName=table, Key={"pk": {"S": "idem"}, "sk": {"S": "1"}})["Item"]
    assert item["n"] == {"N": "1"}


@pytest.mark.V
def test_a_transaction_of_writes_answers_an_empty_responses_list(ddb, table):
    out = ddb.execute_transaction(
        TransactStatements=[{"Statement": f"INSERT INTO \"{table}\" VALUE {{'pk': 'w', 'sk': '1'}}"}]
    )
    assert out["Responses"] == []


@pytest.mark.V
def test_exists_needs_a_condition_beyond_the_key(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "e"}, "sk": {"S": "1"}})
    with pytest.raises(ClientError) as info:
        ddb.execute_transaction(
            TransactStatements=[
                {"Statement": f"EXISTS(SELECT * FROM \"{table}\" WHERE pk = 'e' AND sk = '1')"},
                {"Statement": f"UPDATE \"{table}\" SET a = 1 WHERE pk = 'e' AND sk = '1'"},
            ]
        )
    assert error_of(info) == (
        "ValidationException",
        "Validation failed in TransactStatements[0]: "
        "EXISTS() must contain a single item read with additional condition",
    )


@pytest.mark.P
def test_returning_is_refused_in_a_transaction(ddb, table):
    with pytest.raises(ClientError) as info:
        ddb.execute_transaction(
            TransactStatements=[
                {"Statement": f"UPDATE \"{table}\" SET a = 1 WHERE pk = 'r' AND sk = '1' RETURNING ALL NEW *"}
            ]
        )
    assert error_of(info) == (
        "ValidationException",
        "Validation failed in TransactStatements[0]: RETURNING clause is not supported in ExecuteTransaction.",
    )

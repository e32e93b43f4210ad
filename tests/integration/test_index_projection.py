"""A GSI answers only with what it projects: asking for more is an error, not an empty item ([V] scylla
test_gsi.py, written to pass on AWS; wording [P] DynamoDB Local 3.3). An LSI fetches the rest from the table."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import unique
from tests.integration.test_control_plane import error_of


@pytest.mark.V
def test_gsi_reads_of_unprojected_attributes_are_refused(ddb):
    name = unique("proj")
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byG",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]},
            }
        ],
    )
    for i in range(3):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"p{i}"}, "g": {"S": "G"}, "x": {"N": str(i)}, "y": {"S": "y"}})
    query = {"TableName": name, "IndexName": "byG", "KeyConditionExpression": "g = :g"}
    values = {":g": {"S": "G"}}
    got = ddb.query(**query, ProjectionExpression="x, pk", ExpressionAttributeValues=values)["Items"]
    assert sorted(i["pk"]["S"] for i in got) == ["p0", "p1", "p2"] and all(set(i) == {"x", "pk"} for i in got)
    refused = "One or more parameter values were invalid: Global secondary index byG does not project"
    for extra, message in (
        ({"ProjectionExpression": "x, y, lsk"}, f"{refused} [lsk, y]"),
        ({"ProjectionExpression": "y.z"}, f"{refused} [y]"),
    ):
        with pytest.raises(ClientError) as exc:
            ddb.query(**query, ExpressionAttributeValues=values, **extra)
        assert error_of(exc) == ("ValidationException", message)
    with pytest.raises(ClientError) as exc:
        ddb.scan(TableName=name, IndexName="byG", AttributesToGet=["y"])
    assert error_of(exc) == ("ValidationException", f"{refused} [y]")
    with pytest.raises(ClientError) as exc:
        ddb.query(**query, FilterExpression="y = :y", ExpressionAttributeValues={**values, ":y": {"S": "y"}})
    assert error_of(exc) == (
        "ValidationException",
        "One or more parameter values were invalid: Secondary index byG does not project one or more filter "
        "attributes: [y]",
    )
    with pytest.raises(ClientError) as exc:
        ddb.execute_statement(Statement=f'SELECT y FROM "{name}"."byG" WHERE g = \'G\'')
    assert error_of(exc) == ("ValidationException", f"{refused} [y]")

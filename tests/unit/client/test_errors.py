"""Error mapping: one class per AWS ``__type``, and the same class and fields from either transport.

The parity tests send the same failing requests through the in-process transport and through the wire (the real
``DynamoDBApp`` over httpx's in-memory transport) and compare everything the exception carries.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

import nubis.client.errors as errors
from nubis.client import Client, ClientError, InProcessTransport, OperationRequest
from nubis.client.errors import error_from_body, error_from_text
from nubis.tables import errors as catalogue
from nubis.tables.wire.errors import error_body

from .conftest import build_client


def test_type_is_cut_after_the_hash_and_either_message_spelling_is_read():
    err = error_from_body(400, {"__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", "Message": "m"})
    assert type(err) is errors.ResourceNotFoundException
    assert (err.code, err.message, err.status) == ("ResourceNotFoundException", "m", 400)
    assert (
        error_from_body(400, {"__type": "com.amazon.coral.validate#ValidationException", "message": "v"}).message == "v"
    )


def test_unknown_codes_stay_plain_client_errors_with_their_body():
    err = error_from_body(400, {"__type": "x#SomethingNewException", "message": "m", "Extra": 1})
    assert type(err) is ClientError
    assert err.code == "SomethingNewException" and err.response["Extra"] == 1


@pytest.mark.parametrize(
    ("status", "code"),
    [(500, "InternalServerError"), (503, "ServiceUnavailable"), (502, "InternalServerError"), (413, "HTTP 413")],
)
def test_bodies_without_type_are_named_from_the_status(status, code):
    assert error_from_body(status, {}).code == code


def test_the_xml_404_body_names_its_code():
    err = error_from_text(404, b"<UnknownOperationException/>\n")
    assert type(err) is errors.UnknownOperationException and err.status == 404


def test_conditional_check_failed_carries_the_item_and_cancellations_their_reasons():
    item = {"pk": {"S": "a"}}
    ccf = error_from_body(400, {"__type": "x#ConditionalCheckFailedException", "Item": item})
    assert isinstance(ccf, errors.ConditionalCheckFailedException) and ccf.item == item
    assert error_from_body(400, {"__type": "x#ConditionalCheckFailedException"}).item is None  # type: ignore[attr-defined]
    reasons = [{"Code": "None"}, {"Code": "ConditionalCheckFailed", "Message": "m", "Item": item}]
    tce = error_from_body(400, {"__type": "x#TransactionCanceledException", "CancellationReasons": reasons})
    assert isinstance(tce, errors.TransactionCanceledException) and tce.reasons == reasons


def test_every_catalogue_error_maps_to_the_client_class_of_the_same_name():
    """Each ``nubis.tables`` error, rendered as the wire renders it, becomes the same-named client class."""
    for cls in catalogue.DynamoDBError.__subclasses__():
        exc: catalogue.DynamoDBError = (
            cls([catalogue.CancellationReason()]) if cls is catalogue.TransactionCanceledException else cls()
        )
        mapped = error_from_body(exc.status, error_body(exc))
        assert type(mapped).__name__ == cls.__name__, cls
        assert mapped.status == exc.status


class Exploding:
    def execute(self, operation: str, region: str, request: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("bug")

    async def execute_async(self, operation: str, region: str, request: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("bug")


def test_an_unexpected_engine_exception_becomes_internal_server_error_and_is_logged(caplog):
    transport = InProcessTransport(Exploding())
    with caplog.at_level(logging.ERROR, logger="nubis.client.transports.inprocess"):
        with pytest.raises(errors.InternalServerError) as caught:
            transport.handle_request(OperationRequest("DescribeLimits", "us-east-1", {}))
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert caught.value.message == "Internal server error" and caught.value.status == 500
    assert "internal error in DescribeLimits" in caplog.text


def test_in_process_errors_chain_the_engine_exception():
    with Client.in_process() as client, pytest.raises(errors.ResourceNotFoundException) as caught:
        client.get_item(TableName="missing", Key={"pk": {"S": "a"}})
    assert isinstance(caught.value.__cause__, catalogue.ResourceNotFoundException)


# -- parity ----------------------------------------------------------------------------------------------------

KEYS = {
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
}

FAILING: list[tuple[str, dict[str, Any]]] = [
    ("describe_table", {"TableName": "missing"}),
    ("create_table", {"TableName": "things", **KEYS}),  # exists: ResourceInUseException
    ("get_item", {"TableName": "things"}),  # no Key: shape validation
    ("get_item", {"TableName": "things", "Key": {"nope": {"S": "a"}}}),
    (
        "put_item",
        {
            "TableName": "things",
            "Item": {"pk": {"S": "a"}},
            "ConditionExpression": "attribute_not_exists(pk)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        },
    ),
    ("put_item", {"TableName": "things", "Item": {"pk": {"S": "a"}}, "ConditionExpression": "attribute_not_exists("}),
    (
        "transact_write_items",
        {
            "TransactItems": [
                {"Put": {"TableName": "things", "Item": {"pk": {"S": "b"}}}},
                {
                    "ConditionCheck": {
                        "TableName": "things",
                        "Key": {"pk": {"S": "a"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
            ]
        },
    ),
    (
        "transact_write_items",
        {"TransactItems": [{"Put": {"TableName": "things", "Item": {"pk": {"S": "c"}}}}], "ClientRequestToken": "t1"},
    ),
    ("execute_statement", {"Statement": "INSERT INTO things VALUE {'pk': 'a'}"}),
    ("execute_statement", {"Statement": "SELEKT nonsense"}),
    ("delete_table", {"TableName": "missing"}),
]


def _failures(client: Any) -> list[tuple[type, str, str, dict[str, Any], int]]:
    client.create_table(TableName="things", **KEYS)
    client.put_item(TableName="things", Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    client.transact_write_items(
        TransactItems=[{"Put": {"TableName": "things", "Item": {"pk": {"S": "c"}, "v": {"N": "1"}}}}],
        ClientRequestToken="t1",
    )
    out = []
    for method, request in FAILING:
        with pytest.raises(ClientError) as caught:
            getattr(client, method)(**request)
        e = caught.value
        out.append((type(e), e.code, e.message, e.response, e.status))
    return out


def test_both_transports_raise_the_same_errors(mode, runner):
    from nubis.tables.engine.engine import Engine
    from nubis.tables.open import open_storage

    results = []
    for kind in ("inprocess", "wire"):
        engine = Engine(open_storage("memory:"))
        client = build_client(kind, mode, engine, runner)
        try:
            results.append(_failures(client))
        finally:
            client.close()
            engine.close()
    in_process, wire = results
    assert in_process == wire
    codes = [r[1] for r in in_process]
    assert codes == [
        "ResourceNotFoundException",
        "ResourceInUseException",
        "ValidationException",
        "ValidationException",
        "ConditionalCheckFailedException",
        "ValidationException",
        "TransactionCanceledException",
        "IdempotentParameterMismatchException",
        "DuplicateItemException",
        "ValidationException",
        "ResourceNotFoundException",
    ]
    assert in_process[4][3]["Item"] == {"pk": {"S": "a"}, "v": {"N": "1"}}
    assert in_process[6][3]["CancellationReasons"][1]["Code"] == "ConditionalCheckFailed"

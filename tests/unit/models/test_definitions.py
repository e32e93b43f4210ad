"""Model classes: declaration rules, codecs, defaults and the tables they define (no I/O except one in-process
table)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import nubis.models
from nubis.client import Client, ResourceInUseException
from nubis.models import (
    Document,
    Field,
    GlobalIndex,
    HashKey,
    Model,
    ModelDefinitionError,
    ModelValidationError,
    Session,
)
from nubis.models.flows import Context, table_definition

from .models import Address, Counter, Event, Priority, Status, User


class Tagged(Model, table="tagged"):
    id: str = HashKey(attr_name="pk")
    stamp: int = Field(default=0, force_default=True, default_factory=None)
    version: int = Field(default_factory=lambda: 1)


class NoKey(Model, table="nokey"):
    value: int = 0


class BadIndex(Model, table="bad", indexes=[GlobalIndex("g", "missing")]):
    id: str = HashKey()


class BadType(Model, table="badtype"):
    id: str = HashKey()
    thing: complex = 0j


class BadKeyType(Model, table="badkey", indexes=[GlobalIndex("g", "flag")]):
    id: str = HashKey()
    flag: bool = False


def test_exports_are_complete() -> None:
    for name in nubis.models.__all__:
        assert getattr(nubis.models, name) is not None


def test_constructor_defaults_and_errors() -> None:
    user = User(id="u", email="a@b.c", name="n")
    assert (user.age, user.status, user.priority, user.tags, user.address) == (
        0,
        Status.OPEN,
        Priority.LOW,
        set(),
        None,
    )
    assert User(id="x", email="e", name="n").tags is not user.tags  # factories make fresh values
    assert user.token != User(id="x", email="e", name="n").token
    with pytest.raises(TypeError, match="unexpected keyword argument 'nope'"):
        User(id="u", nope=1)  # type: ignore[call-arg]
    assert Tagged(id="a").version == 1
    assert user == User(**user.to_dict())
    assert user != User(**(user.to_dict() | {"age": 3}))
    assert repr(Address(city="Oslo")) == "Address(city='Oslo', zip=None)"


def test_force_default_and_alias_on_keys() -> None:
    tagged = Tagged(id="a", stamp=5)
    assert tagged.to_item() == {"pk": {"S": "a"}, "stamp": {"N": "0"}, "version": {"N": "1"}}
    assert tagged.key() == {"pk": {"S": "a"}}


def test_items_encode_and_decode() -> None:
    user = User(
        id="u",
        email="a@b.c",
        name="n",
        balance=Decimal("1.50"),
        score=0.1,
        seen=dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC),
        lucky={3, 1},
        extra=7,
    )
    item = user.to_item()
    assert item["balance"] == {"N": "1.50"} and item["score"] == {"N": "0.1"}
    assert item["seen"] == {"S": "2024-05-01T12:00:00+00:00"}
    assert item["lucky"] == {"NS": ["1", "3"]}
    assert "tags" not in item  # empty sets are not stored
    assert "address" not in item  # None is not stored
    assert item["extra"] == {"N": "7"}
    back = User.from_item(item)
    assert back.extra == 7 and back.tags is None and back.lucky == {1, 3}


def test_definition_errors() -> None:
    with pytest.raises(ModelDefinitionError, match="hash key"):
        _ = NoKey.__plan__
    with pytest.raises(ModelDefinitionError, match="missing"):
        _ = BadIndex.__plan__
    with pytest.raises(ModelDefinitionError, match="thing"):
        _ = BadType.__plan__
    with pytest.raises(ModelDefinitionError, match="cannot be a key"):
        table_definition(Context(), BadKeyType)
    with pytest.raises(ModelDefinitionError, match="no table"):
        Context().table(Address.__plan__)


def test_document_validation_paths() -> None:
    with pytest.raises(ModelValidationError) as caught:
        User(id="u", email="a@b.c", name="n", prefs={"a": "x"}).validate()
    assert (caught.value.model, caught.value.field, caught.value.rule) == ("User", "prefs.a", "type")
    assert "User.prefs.a: type" in str(caught.value)


def test_table_definition_has_keys_and_indexes() -> None:
    request = table_definition(Context("x_"), Event)
    assert request["TableName"] == "x_events"
    assert request["KeySchema"] == [
        {"AttributeName": "stream", "KeyType": "HASH"},
        {"AttributeName": "at", "KeyType": "RANGE"},
    ]
    assert request["AttributeDefinitions"] == [
        {"AttributeName": "at", "AttributeType": "N"},
        {"AttributeName": "kind", "AttributeType": "S"},
        {"AttributeName": "stream", "AttributeType": "S"},
    ]
    (gsi,) = request["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "byKindAt" and gsi["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    (lsi,) = request["LocalSecondaryIndexes"]
    assert lsi["KeySchema"][0]["AttributeName"] == "stream" and lsi["KeySchema"][1]["AttributeName"] == "kind"


def test_create_table_is_active_and_exist_ok() -> None:
    with Client.in_process() as client:
        db = Session(client, prefix="d_")
        db.create_table(Event)
        table = client.describe_table(TableName="d_events")["Table"]
        assert table["TableStatus"] == "ACTIVE"
        assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["byKindAt"]
        assert [i["IndexName"] for i in table["LocalSecondaryIndexes"]] == ["byKind"]
        with pytest.raises(ResourceInUseException):
            db.create_table(Event)
        db.create_table(Event, exist_ok=True)
        db.create_table(Counter, wait=False)
        db.delete_table(Counter)
        assert "d_counters" not in client.list_tables()["TableNames"]


def test_nested_documents_and_unions() -> None:
    class Wrapper(Document):
        inner: Address
        many: list[Address]
        either: int | str

    # Local classes resolve their annotations lazily; these names are module globals, so they resolve.
    wrapper = Wrapper(inner=Address(city="a"), many=[Address(city="b", zip="1")], either="s")
    item = wrapper.to_item()
    assert item["many"] == {"L": [{"M": {"city": {"S": "b"}, "zip": {"S": "1"}}}]}
    assert Wrapper.from_item(item) == wrapper
    with pytest.raises(ModelValidationError) as caught:
        Wrapper(inner=Address(city="a"), many=[], either=1.5).validate()
    assert caught.value.rule == "type" and caught.value.field == "either"

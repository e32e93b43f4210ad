"""The managed fields, run four ways (see conftest): ``ExpiresAt`` (DynamoDB Time to Live) and ``Version``
(optimistic locking).

TTL evidence: [D] "Using time to live (TTL) in DynamoDB": the TTL attribute is a Number of epoch seconds; items
past it are deleted "within a few days", so until then reads return them and "you can filter out expired items"
with a filter expression (what the models do unless ``return_expired=True``). Version semantics follow
PynamoDB's ``VersionAttribute`` (``attribute_not_exists`` on the first write, ``version = :expected`` after).
"""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from nubis.client import Client
from nubis.models import (
    Attr,
    ConditionFailed,
    DoesNotExist,
    ExpiresAt,
    HashKey,
    Model,
    ModelDefinitionError,
    ModelValidationError,
    Session,
    Transaction,
    TransactionCanceled,
    Version,
)
from nubis.models.flows import Context, table_definition

from .models import Account, Receipt, Token

PAST = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


# -- ExpiresAt -------------------------------------------------------------------------------------------------


@pytest.mark.D
def test_create_table_enables_ttl_on_the_expiry_attribute(db, backend) -> None:
    for model, attribute in ((Token, "ttl"), (Receipt, "exp")):
        described = backend.call("describe_time_to_live", TableName=backend.prefix + model.__plan__.table)
        assert described["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": attribute}
    db.create_table(Token, exist_ok=True)  # already enabled on that attribute: nothing to do
    assert db.sync_table(Token) == []
    assert "TimeToLiveSpecification" not in table_definition(Context(), Token)  # CreateTable has no such member


def test_expiry_defaults_to_now_plus_ttl_stored_as_epoch_seconds(db, backend) -> None:
    before = int(time.time())
    token = db.create(Token(id="t1"))
    assert token.expires is not None and token.expires.tzinfo is dt.UTC
    stored = backend.call("get_item", TableName=backend.prefix + "tokens", Key={"id": {"S": "t1"}})["Item"]
    seconds = int(stored["ttl"]["N"])
    assert before + 3600 <= seconds <= int(time.time()) + 3600
    assert db.get(Token, "t1").expires == dt.datetime.fromtimestamp(seconds, dt.UTC)
    explicit = db.create(Token(id="t2", expires=dt.datetime(2099, 1, 1, 12, 30, 15, 999, tzinfo=dt.UTC)))
    assert db.get(Token, "t2").expires == explicit.expires.replace(microsecond=0)  # whole seconds
    with pytest.raises(ModelValidationError) as caught:
        db.create(Token(id="t3", expires=dt.datetime(2099, 1, 1)))  # naive: which epoch second?
    assert (caught.value.field, caught.value.rule) == ("expires", "type")


def test_expired_items_read_as_absent(db) -> None:
    db.batch_write(puts=[Token(id="old", expires=PAST), Token(id="new")])
    with pytest.raises(DoesNotExist):
        db.get(Token, "old")
    with pytest.raises(DoesNotExist):
        db.get(Token, "old", attributes=["owner"])
    assert db.find(Token, "old") is None
    assert [t.id for t in db.batch_get(Token, ["old", "new"])] == ["new"]
    assert [t.id if t else None for t in db.transact_get([(Token, "old"), (Token, "new")])] == [None, "new"]
    assert [t.id for t in db.scan(Token).all()] == ["new"]
    assert db.scan(Token).count() == 1
    assert [t.id for t in db.query(Token, "old").all()] == []
    assert db.scan(Token).filter(Token.expires < dt.datetime(2021, 1, 1, tzinfo=dt.UTC)).count() == 0
    # A KEYS_ONLY global index does not carry the expiry, so it cannot be filtered there.
    assert sorted(t.id for t in db.query(Token, "ann").using("byOwner").all()) == ["new", "old"]


def test_return_expired_reads_them_and_int_annotations_are_epoch_seconds(db, backend) -> None:
    db.create(Receipt(id="r1", until=1_600_000_000))
    assert db.get(Receipt, "r1").until == 1_600_000_000
    assert db.scan(Receipt).count() == 1
    stored = backend.call("get_item", TableName=backend.prefix + "receipts", Key={"id": {"S": "r1"}})["Item"]
    assert stored["exp"] == {"N": "1600000000"}
    assert db.create(Receipt(id="r2")).until is None  # no ttl: no default


def test_upsert_sets_the_expiry_once(db) -> None:
    first = db.update(Token, "u", set={"owner": "bo"}, upsert=True)
    assert first.expires is not None
    second = db.update(Token, "u", set={"owner": "cy"}, upsert=True)
    assert second.expires == first.expires and second.owner == "cy"


def test_expiry_declaration_rules() -> None:
    class Text(Model, table="t1"):
        id: str = HashKey()
        until: str | None = ExpiresAt(default=None)

    class Two(Model, table="t2"):
        id: str = HashKey()
        a: int | None = ExpiresAt(default=None)
        b: int | None = ExpiresAt(attr_name="b", default=None)

    class TextVersion(Model, table="t3"):
        id: str = HashKey()
        v: str = Version()

    for model in (Text, Two, TextVersion):
        with pytest.raises(ModelDefinitionError):
            model.__plan__  # noqa: B018


def test_ttl_on_another_attribute_is_reported() -> None:
    class Other(Model, table="tokens"):
        id: str = HashKey()
        gone: int | None = ExpiresAt(attr_name="gone", default=None)

    with Client.in_process() as client:
        db = Session(client)
        db.create_table(Token)
        with pytest.raises(ModelDefinitionError, match="has TTL on 'ttl'"):
            db.sync_table(Other)


# -- Version ---------------------------------------------------------------------------------------------------


def test_version_starts_at_one_and_every_write_increments_it(db) -> None:
    account = db.create(Account(id="a"))
    assert account.version == 1
    account.balance = 5
    assert db.save(account).version == 2
    assert db.update(account, actions=[Account.balance.add(1)]) is account  # refreshed in place
    assert (account.version, account.balance) == (3, 6)
    assert db.update(Account, "a", set={"owner": "ann"}).version == 4  # by key: incremented, not checked
    with pytest.raises(ConditionFailed):
        db.save(account)  # holds version 3
    assert account.version == 3  # a failed write leaves the instance as it was
    fresh = db.get(Account, "a")
    assert (fresh.version, fresh.owner, fresh.balance) == (4, "ann", 6)
    with pytest.raises(ConditionFailed):
        db.save(Account(id="a"))  # a new instance over a stored item
    with pytest.raises(ConditionFailed):
        db.delete(account)
    assert db.delete(fresh) is not None
    assert db.find(Account, "a") is None


def test_stale_writes_from_another_session_fail(db, backend) -> None:
    other = backend.session()
    db.create(Account(id="a", balance=10))
    mine, theirs = db.get(Account, "a"), other.get(Account, "a", consistent=True)
    mine.balance += 5
    db.save(mine)
    theirs.balance -= 5
    with pytest.raises(ConditionFailed):
        other.save(theirs)
    with pytest.raises(ConditionFailed):
        other.update(theirs, set={"owner": "them"})
    with pytest.raises(ConditionFailed):
        other.delete(theirs)
    with pytest.raises(ConditionFailed):
        other.bind(Account).save(theirs)
    theirs = other.get(Account, "a", consistent=True)  # read again, then write
    theirs.balance -= 5
    other.save(theirs)
    assert db.get(Account, "a", consistent=True).balance == 10
    with pytest.raises(ConditionFailed):
        db.bind(Account).delete(mine)


def test_transactions_check_and_increment_versions(db, backend) -> None:
    db.batch_write(puts=[Account(id="a"), Account(id="b")])  # batches increment without a check
    a, b = db.get(Account, "a"), db.get(Account, "b")
    assert (a.version, b.version) == (1, 1)
    db.update(Account, "b", add={"balance": 1})  # b is stale now
    a.balance = 7
    with pytest.raises(TransactionCanceled) as caught:
        db.transact(Transaction().save(a).update(b, actions=[Account.balance.add(1)]))
    assert [i for i, _, _ in caught.value.reasons] == [1]
    assert a.version == 1  # not committed: unchanged
    b = db.get(Account, "b")
    db.transact(Transaction().save(a).update(b, actions=[Account.balance.add(1)]))
    assert a.version == 2 and db.get(Account, "a").balance == 7
    assert db.get(Account, "b").version == 3
    with pytest.raises(TransactionCanceled):
        db.transact(Transaction().delete(b))  # b (version 2) was superseded by the update
    db.transact(Transaction().condition(a, check=Attr("balance") == 7).delete(Account, "b"))
    assert db.find(Account, "b") is None


def test_threads_racing_versioned_saves_lose_no_update() -> None:
    """Read-modify-write with retry: every increment lands once, whatever the interleaving."""
    with Client.in_process() as client:
        first, second = Session(client), Session(client)
        first.create_table(Account)
        first.create(Account(id="a"))

        def deposit(n: int) -> int:
            db = first if n % 2 else second
            for attempt in range(1, 500):
                account = db.get(Account, "a", consistent=True)
                account.balance += 1
                try:
                    db.save(account)
                    return attempt
                except ConditionFailed:
                    continue
            raise AssertionError("never saved")

        with ThreadPoolExecutor(8) as pool:
            attempts = list(pool.map(deposit, range(40)))
        final = first.get(Account, "a")
        assert final.balance == 40 and final.version == 41
        assert sum(attempts) >= 40


def test_version_writes_are_plain_dynamodb_conditions() -> None:
    """What is sent: ``attribute_not_exists`` first, ``#v = :v`` after, and ``ADD #v :one`` on updates."""
    sent: list[tuple[str, dict[str, Any]]] = []

    class Recorder:
        def __getattr__(self, method: str) -> Any:
            def call(*args: Any, **request: Any) -> dict[str, Any]:
                sent.append((method, request))
                return {"Attributes": {"id": {"S": "a"}, "version": {"N": "3"}}}

            return call

    db = Session(Recorder())  # type: ignore[arg-type]
    account = Account(id="a")
    db.save(account)
    db.save(account)
    db.update(account, set={"owner": "x"})
    (_, first), (_, second), (_, third) = sent
    assert first["ConditionExpression"] == "attribute_not_exists(#n0)"
    assert first["ExpressionAttributeNames"] == {"#n0": "version"} and first["Item"]["version"] == {"N": "1"}
    assert second["ConditionExpression"] == "#n0 = :v0" and second["ExpressionAttributeValues"] == {":v0": {"N": "1"}}
    assert second["Item"]["version"] == {"N": "2"}
    assert "ADD #n1 :v1" in third["UpdateExpression"] and third["ExpressionAttributeValues"][":v1"] == {"N": "1"}
    assert third["ConditionExpression"] == "(attribute_exists(#n2)) AND (#n1 = :v2)"

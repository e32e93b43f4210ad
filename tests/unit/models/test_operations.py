"""The operations, run four ways (see conftest): sync/async × in-process/HTTP."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from nubis.models import (
    Attr,
    Condition,
    ConditionFailed,
    DoesNotExist,
    ModelValidationError,
    Transaction,
    TransactionCanceled,
)

from .models import Address, Counter, Event, Priority, Status, Strict, User


def make_user(uid: str = "u1", **extra) -> User:
    values = {"id": uid, "email": f"{uid}@example.com", "name": " ann lee "}
    values.update(extra)
    return User(**values)


def test_create_then_get_round_trips_every_type(db) -> None:
    user = make_user(
        age=41,
        score=2.5,
        balance=Decimal("10.25"),
        active=False,
        avatar=b"\x00\xffpng",
        born=dt.date(1985, 3, 2),
        seen=dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        status=Status.DONE,
        priority=Priority.HIGH,
        role="admin",
        tags={"a", "b"},
        lucky={7, 13},
        blobs={b"x", b"y"},
        notes=["one", "two"],
        prefs={"dark": 1},
        address=Address(city="Oslo", zip="0150"),
        extra="text",
    )
    db.create(user)
    got = db.get(User, "u1")
    assert got.name == "Ann Lee"  # set strips, get titles
    assert (got.age, got.score, got.balance, got.active) == (41, 2.5, Decimal("10.25"), False)
    assert got.avatar == b"\x00\xffpng"
    assert got.born == dt.date(1985, 3, 2)
    assert got.seen == dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert got.token == user.token
    assert (got.status, got.priority, got.role) == (Status.DONE, Priority.HIGH, "admin")
    assert (got.tags, got.lucky, got.blobs) == ({"a", "b"}, {7, 13}, {b"x", b"y"})
    assert got.notes == ["one", "two"] and got.prefs == {"dark": 1}
    assert got.address == Address(city="Oslo", zip="0150")
    assert got.extra == "text"
    assert isinstance(got.created, dt.datetime) and got.created == got.updated


def test_alias_is_the_stored_name(db) -> None:
    db.create(make_user())
    item = make_user().to_item()
    assert "n" in item and "name" not in item
    assert item["createdAt"] if "createdAt" in item else True
    raw = db.get(User, "u1", attributes=["name", "id"])
    assert raw.name == "Ann Lee" and raw.email is None


def test_get_missing_raises_does_not_exist_and_find_returns_none(db) -> None:
    with pytest.raises(DoesNotExist):
        db.get(User, "nobody")
    assert db.find(User, "nobody") is None


def test_create_refuses_an_existing_item(db) -> None:
    db.create(make_user())
    with pytest.raises(ConditionFailed) as caught:
        db.create(make_user(age=3), return_item=True)
    assert caught.value.item is not None and caught.value.item.id == "u1"


def test_save_overwrites_and_save_with_condition(db) -> None:
    db.save(make_user(age=1))
    db.save(make_user(age=2))
    assert db.get(User, "u1").age == 2
    with pytest.raises(ConditionFailed):
        db.save(make_user(age=3), condition=Attr("age") > 5)
    with pytest.raises(ConditionFailed):
        db.save(make_user(age=3), overwrite=False)
    db.save(make_user(age=4), condition=Attr("age") == 2)
    assert db.get(User, "u1").age == 4


def test_update_set_add_remove_delete(db) -> None:
    db.create(make_user(tags={"a", "b", "c"}, lucky={1}, notes=["x"], extra=5))
    updated = db.update(
        User,
        "u1",
        set={"name": "bo", "address": Address(city="Rome")},
        add={"age": 2, "lucky": {2, 3}},
        remove=["extra"],
        delete={"tags": {"a"}},
    )
    assert updated.name == "Bo" and updated.age == 2 and updated.lucky == {1, 2, 3}
    assert updated.extra is None and updated.tags == {"b", "c"}
    assert updated.address == Address(city="Rome", zip=None)
    assert updated.updated is not None and updated.created is not None and updated.updated >= updated.created
    again = db.update(User, "u1", set={"address.city": "Milan", "notes[0]": "y"})
    assert again.address.city == "Milan" and again.notes == ["y"]


def test_update_conditions_and_missing_items(db) -> None:
    with pytest.raises(ConditionFailed):
        db.update(User, "ghost", set={"age": 1})
    created = db.update(User, "ghost", set={"age": 1, "email": "g@h.i", "name": "g"}, upsert=True)
    assert created.age == 1
    with pytest.raises(ConditionFailed) as caught:
        db.update(User, "ghost", add={"age": 1}, condition=Attr("age") >= 10, return_item=True)
    assert caught.value.item.age == 1
    assert db.update(User, "ghost", add={"age": 1}, condition=Attr("age") < 10).age == 2


def test_update_validates_values(db) -> None:
    db.create(make_user())
    with pytest.raises(ModelValidationError) as caught:
        db.update(User, "u1", set={"age": 200})
    assert (caught.value.model, caught.value.field, caught.value.rule) == ("User", "age", "validate")
    with pytest.raises(ValueError):
        db.update(User, "u1", set={"id": "other"})


def test_delete_with_condition(db) -> None:
    db.create(make_user(age=5))
    with pytest.raises(ConditionFailed):
        db.delete(User, "u1", condition=Attr("age") == 6)
    old = db.delete(User, "u1", condition=Attr("age") == 5)
    assert old is not None and old.age == 5
    assert db.find(User, "u1") is None
    assert db.delete(User, "u1") is None


def seed_events(db, stream: str = "s", n: int = 10) -> None:
    db.batch_write(puts=[Event(stream=stream, at=i, kind="even" if i % 2 == 0 else "odd", count=i) for i in range(n)])


def test_query_range_conditions(db) -> None:
    seed_events(db)
    assert [e.at for e in db.query(Event, "s").all()] == list(range(10))
    assert [e.at for e in db.query(Event, "s").where(Attr("at").between(2, 4)).all()] == [2, 3, 4]
    assert [e.at for e in db.query(Event, "s").where(Attr("at") > 7).all()] == [8, 9]
    assert [e.at for e in db.query(Event, "s").where(Attr("at") >= 8).all()] == [8, 9]
    assert [e.at for e in db.query(Event, "s").where(Attr("at") < 2).all()] == [0, 1]
    assert [e.at for e in db.query(Event, "s").where(Attr("at") <= 1).all()] == [0, 1]
    assert [e.at for e in db.query(Event, "s").where(Attr("at") == 5).all()] == [5]
    assert [e.at for e in db.query(Event, "s").sort("descending").limit(3).page().items] == [9, 8, 7]
    assert db.query(Event, "other").all() == []


def test_query_filters_count_first_and_paging(db) -> None:
    seed_events(db)
    odd = db.query(Event, "s").filter(Attr("kind") == "odd")
    assert [e.at for e in odd.all()] == [1, 3, 5, 7, 9]
    assert db.query(Event, "s").filter(Attr("kind") == "odd").count() == 5
    assert db.query(Event, "s").filter(Attr("count") > 100).first() is None
    assert db.query(Event, "s").filter(Attr("count") > 4).first().at == 5
    page = db.query(Event, "s").limit(4).page()
    assert [e.at for e in page.items] == [0, 1, 2, 3] and page.last_key is not None
    nxt = db.query(Event, "s").limit(4).start_at(page.last_key).page()
    assert [e.at for e in nxt.items] == [4, 5, 6, 7]
    assert len(db.query(Event, "s").limit(3).all()) == 10
    only = db.query(Event, "s").attributes(["at"]).consistent().all()
    assert only[0].kind is None and only[0].at == 0


def test_query_indexes(db) -> None:
    seed_events(db)
    seed_events(db, "t", 4)
    by_kind = db.query(Event, "s").using("byKind").where(Attr("kind") == "odd").all()
    assert sorted(e.at for e in by_kind) == [1, 3, 5, 7, 9]
    gsi = db.query(Event, "even").using("byKindAt").where(Attr("at") < 3).all()
    assert sorted((e.stream, e.at) for e in gsi) == [("s", 0), ("s", 2), ("t", 0), ("t", 2)]
    users = [make_user(f"u{i}") for i in range(3)]
    db.batch_write(puts=users)
    assert [u.id for u in db.query(User, "u1@example.com").using("byEmail").all()] == ["u1"]


def test_every_comparator_and_boolean_in_filters(db) -> None:
    db.batch_write(
        puts=[
            make_user("a", age=10, tags={"x"}, notes=["n1", "n2"], role="admin"),
            make_user("b", age=20, tags={"y"}, extra=3),
            make_user("c", age=30, tags={"x", "y", "z"}, extra="s"),
        ]
    )

    def ids(cond: Condition) -> list[str]:
        return sorted(u.id for u in db.scan(User).filter(cond).all())

    assert ids(Attr("age") == 20) == ["b"]
    assert ids(Attr("age") != 20) == ["a", "c"]
    assert ids(Attr("age") < 20) == ["a"]
    assert ids(Attr("age").le(20)) == ["a", "b"]
    assert ids(Attr("age") > 20) == ["c"]
    assert ids(Attr("age").ge(20)) == ["b", "c"]
    assert ids(Attr("age").between(15, 35)) == ["b", "c"]
    assert ids(Attr("id").is_in(["a", "c", "q"])) == ["a", "c"]
    assert ids(Attr("email").begins_with("b@")) == ["b"]
    assert ids(Attr("tags").contains("x")) == ["a", "c"]
    assert ids(Attr("email").contains("c@")) == ["c"]
    assert ids(Attr("extra").exists()) == ["b", "c"]
    assert ids(Attr("extra").not_exists()) == ["a"]
    assert ids(Attr("extra").is_type("N")) == ["b"]
    assert ids(Attr("tags").size() > 1) == ["c"]
    assert ids(Attr("notes").size() == 2) == ["a"]
    assert ids((Attr("age") > 15) & (Attr("role") == "user")) == ["b", "c"]
    assert ids((Attr("age") == 10) | (Attr("age") == 30)) == ["a", "c"]
    assert ids(~(Attr("age") == 10)) == ["b", "c"]
    assert ids(Condition.any(Attr("age") == 10, Attr("extra") == "s") & ~Attr("tags").contains("z")) == ["a"]
    assert ids(Condition.all(Attr("age") > 5, Attr("age") < 25, Attr("active") == True)) == ["a", "b"]  # noqa: E712
    assert db.scan(User).count() == 3
    assert db.scan(User).filter(Attr("age") > 15).count() == 2


def test_parallel_scan_segments_cover_the_table(db) -> None:
    seed_events(db, "s", 20)
    seen = []
    for segment in range(3):
        seen += [e.at for e in db.scan(Event).segment(segment, 3).all()]
    assert sorted(seen) == list(range(20))


def test_batch_get_put_delete(db) -> None:
    users = [make_user(f"u{i}", age=i) for i in range(30)]
    db.batch_write(puts=users)
    got = db.batch_get(User, [f"u{i}" for i in range(0, 30, 3)] + ["missing"])
    assert sorted(u.age for u in got) == list(range(0, 30, 3))
    db.batch_write(deletes=users[:10])
    assert db.scan(User).count() == 20
    with db.batch() as batch:
        batch.save(make_user("new"))
        batch.delete(users[10])
    assert db.scan(User).count() == 20
    events = db.batch_get(Event, [("s", 1)])
    assert events == []


def test_transactions_across_models(db) -> None:
    db.create(Counter(name="stock", value=2))
    tx = Transaction()
    tx.create(make_user("buyer"))
    tx.update(Counter, "stock", add={"value": -1}, condition=Attr("value") >= 1)
    tx.save(Event(stream="orders", at=1, kind="bought"))
    db.transact(tx)
    assert db.get(Counter, "stock").value == 1
    assert db.get(Event, "orders", 1).kind == "bought"

    bad = Transaction()
    bad.delete(Event, "orders", 1)
    bad.condition(Counter, "stock", check=Attr("value") > 5)
    bad.create(make_user("buyer"))
    with pytest.raises(TransactionCanceled) as caught:
        db.transact(bad)
    assert [i for i, _, _ in caught.value.reasons] == [1, 2]
    assert caught.value.codes == ["None", "ConditionalCheckFailed", "ConditionalCheckFailed"]
    assert db.find(Event, "orders", 1) is not None  # nothing applied

    ok = Transaction().delete(Event, "orders", 1, condition=Attr("kind") == "bought")
    db.transact(ok)
    assert db.find(Event, "orders", 1) is None
    user, counter, nothing = db.transact_get([(User, "buyer"), (Counter, "stock"), (Event, "orders", 1)])
    assert user.id == "buyer" and counter.value == 1 and nothing is None


def test_unknown_attribute_policies(db) -> None:
    db.update(Counter, "c", set={"value": 1}, upsert=True)
    db.update(Counter, "c", set={"other": "kept"}, upsert=True)
    kept = db.get(Counter, "c")
    assert kept.__dict__["__extra__"] == {"other": {"S": "kept"}}
    kept.value = 2
    db.save(kept)
    assert db.get(Counter, "c").__dict__["__extra__"] == {"other": {"S": "kept"}}
    with pytest.raises(ModelValidationError) as caught:
        db.get(Strict, "c")
    assert caught.value.rule == "unknown" and caught.value.field in {"other", "revision"}
    assert "other" not in db.get(Counter, "c").to_dict()


def test_validation_errors_name_model_field_and_rule(db) -> None:
    cases = [
        (make_user(email="nope"), "email", "validate"),
        (make_user(age=-1), "age", "validate"),
        (make_user(role="root"), "role", "enum"),
        (make_user(age="old"), "age", "type"),
        (make_user(tags=["a"]), "tags", "type"),
        (make_user(email=None), "email", "required"),
        (make_user(address=Address(city=None)), "address.city", "required"),
        (make_user(notes=["a", 3]), "notes[1]", "type"),
    ]
    for user, field, rule in cases:
        with pytest.raises(ModelValidationError) as caught:
            db.create(user)
        assert (caught.value.model, caught.value.field, caught.value.rule) in {
            ("User", field, rule),
            ("Address", "address.city", "required"),
        }, caught.value
    assert db.scan(User).count() == 0


def test_hooks_run_around_operations() -> None:
    from nubis.client import Client
    from nubis.models import Hooks, Session

    seen: list[str] = []
    hooks = Hooks()
    hooks.on("before_save", lambda item: seen.append(f"before:{item.id}"))
    hooks.on("after_save", lambda item: seen.append(f"after:{item.id}"))
    hooks.on("after_load", lambda item: seen.append(f"load:{item.id}"))
    hooks.on("before_delete", lambda model, key: seen.append(f"delete:{model.__name__}:{key[0]}"))
    with Client.in_process() as client:
        db = Session(client, hooks=hooks)
        db.create_table(User)
        db.create(make_user())
        db.get(User, "u1")
        db.delete(User, "u1")
    assert seen == ["before:u1", "after:u1", "load:u1", "delete:User:u1"]
    with pytest.raises(ValueError):
        hooks.on("nonsense", print)  # type: ignore[arg-type]


def test_concurrent_conditional_updates_apply_once_each(db) -> None:
    """Optimistic locking: of the writers that read revision n, exactly one moves it to n + 1."""
    db.create(Counter(name="c"))
    wins = 0
    for _ in range(5):
        current = db.get(Counter, "c", consistent=True).revision
        for _writer in range(3):
            try:
                db.update(Counter, "c", add={"revision": 1, "value": 1}, condition=Attr("revision") == current)
                wins += 1
            except ConditionFailed:
                pass
    final = db.get(Counter, "c")
    assert wins == 5 and final.revision == 5 and final.value == 5


def test_threads_racing_conditional_updates() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from nubis.client import Client
    from nubis.models import Session

    with Client.in_process() as client:
        db = Session(client)
        db.create_table(Counter)
        db.create(Counter(name="c"))

        def bump(_: int) -> bool:
            for _attempt in range(200):
                seen = db.get(Counter, "c", consistent=True).revision
                try:
                    db.update(Counter, "c", add={"revision": 1}, condition=Attr("revision") == seen)
                    return True
                except ConditionFailed:
                    continue
            return False

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(bump, range(40)))
        assert all(results) and db.get(Counter, "c").revision == 40


def test_upsert_sets_created_once(db) -> None:
    first = db.update(User, "up", set={"email": "u@p.q", "name": "u"}, upsert=True)
    assert first.created is not None and first.created == first.updated
    second = db.update(User, "up", add={"age": 1}, upsert=True)
    assert second.created == first.created and second.updated >= first.updated


def test_sync_table_adds_missing_indexes(db) -> None:
    from nubis.models import GlobalIndex, HashKey, Model

    class Plain(Model, table="users"):
        id: str = HashKey()

    class Indexed(Model, table="synced", indexes=[GlobalIndex("byEmail", "email")]):
        id: str = HashKey()
        email: str = ""

    class Plain2(Model, table="synced"):
        id: str = HashKey()

    assert db.sync_table(Plain2) == []  # created without indexes
    assert db.sync_table(Indexed) == ["byEmail"]
    assert db.sync_table(Indexed) == []
    db.create(Indexed(id="a", email="x@y"))
    assert [i.id for i in db.query(Indexed, "x@y").using("byEmail").all()] == ["a"]
    assert db.sync_table(Plain) == []


def test_several_models_on_one_table(db) -> None:
    from .models import Comment, Post

    db.batch_write(
        puts=[
            Post(pk="thread1", sk="post", title="Hello"),
            Comment(pk="thread1", sk="c#1", text="first", likes=2),
            Comment(pk="thread1", sk="c#2", text="second"),
        ]
    )
    assert [p.title for p in db.query(Post, "thread1").all()] == ["Hello"]
    assert [c.text for c in db.query(Comment, "thread1").where(Attr("sk").begins_with("c#")).all()] == [
        "first",
        "second",
    ]
    assert db.query(Comment, "thread1").filter(Attr("likes") > 1).count() == 1
    assert db.scan(Post).count() == 1
    assert db.find(Post, "thread1", "c#1") is None  # another model's item
    assert db.get(Comment, "thread1", "c#1").likes == 2
    assert db.batch_get(Post, [("thread1", "post"), ("thread1", "c#1")]) == [
        Post(pk="thread1", sk="post", title="Hello")
    ]
    assert Post(pk="a", sk="b").to_item()["_type"] == {"S": "post"}
    # A projection still tells the models apart (the discriminator is read along).
    assert db.get(Post, "thread1", "post", attributes=["title"]).title == "Hello"


def test_typed_field_refs_in_queries_scans_and_updates(db) -> None:
    seed_events(db)
    assert [e.at for e in db.query(Event, "s").where(Event.at.between(2, 6)).filter(Event.kind == "odd").all()] == [
        3,
        5,
    ]
    assert db.scan(Event).filter(Event.count.is_in([1, 2, 3]) & ~Event.kind.begins_with("e")).count() == 2
    updated = db.update(
        Event,
        "s",
        4,
        actions=[Event.count.add(10), Event.tags.add({"x", "y"}), Event.body.set("hi"), Event.kind.remove()],
        condition=Event.count == 4,
    )
    assert (updated.count, updated.tags, updated.body, updated.kind) == (14, {"x", "y"}, "hi", None)
    again = db.update(Event, "s", 4, actions=[Event.tags.delete({"x"}), Event.kind.set_if_not_exists("new")])
    assert (again.tags, again.kind) == ({"y"}, "new")
    assert db.scan(Event).filter(Event.tags.contains("y") & (Event.tags.size() == 1)).count() == 1
    only = db.query(Event, "s").attributes([Event.at]).first()
    assert only is not None and (only.at, only.kind) == (0, None)
    with pytest.raises(ValueError):
        db.update(Event, "s", 4, actions=[Event.at.set(5)])  # a key field

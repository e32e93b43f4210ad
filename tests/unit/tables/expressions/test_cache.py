"""The parse cache: hits, eviction order, cached errors and bounds."""

from __future__ import annotations

import pytest

from nubis.tables.errors import ValidationException
from nubis.tables.expressions import ParseCache, ast


def test_second_parse_is_a_hit_returning_the_same_tree() -> None:
    cache = ParseCache(4)
    first = cache.parse("ConditionExpression", "a = :v")
    second = cache.parse("ConditionExpression", "a = :v")
    assert first is second
    assert (cache.hits, cache.misses) == (1, 1)


def test_language_is_part_of_the_key() -> None:
    cache = ParseCache(4)
    cache.parse("ConditionExpression", "a = :v")
    cache.parse("FilterExpression", "a = :v")
    assert (cache.hits, cache.misses, len(cache)) == (0, 2, 2)


def test_least_recently_used_entry_is_evicted() -> None:
    cache = ParseCache(2)
    cache.parse("ProjectionExpression", "a")
    cache.parse("ProjectionExpression", "b")
    cache.parse("ProjectionExpression", "a")  # a is now the most recent
    cache.parse("ProjectionExpression", "c")  # evicts b
    assert len(cache) == 2
    cache.parse("ProjectionExpression", "a")
    assert cache.misses == 3
    cache.parse("ProjectionExpression", "b")
    assert cache.misses == 4


def test_syntax_errors_are_cached_and_raised_again() -> None:
    cache = ParseCache(2)
    for _ in range(2):
        with pytest.raises(ValidationException) as info:
            cache.parse("UpdateExpression", "SET a")
        assert info.value.message == 'Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "a"'
    assert (cache.hits, cache.misses) == (1, 1)


def test_each_language_uses_its_own_parser() -> None:
    cache = ParseCache(8)
    assert isinstance(cache.parse("UpdateExpression", "REMOVE a"), ast.Update)
    assert isinstance(cache.parse("ProjectionExpression", "a"), ast.Projection)
    assert isinstance(cache.parse("KeyConditionExpression", "a = :v"), ast.Compare)


def test_clear_and_size_bound() -> None:
    cache = ParseCache(1)
    cache.parse("ProjectionExpression", "a")
    cache.clear()
    assert (len(cache), cache.hits, cache.misses) == (0, 0, 0)
    with pytest.raises(ValueError, match="at least 1"):
        ParseCache(0)

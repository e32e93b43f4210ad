"""Set members that are not strings: each is refused with its own token's words, never a whole-list error."""

from __future__ import annotations

from typing import Any

import pytest

from nubis.tables.errors import SerializationException, ValidationException
from nubis.tables.values import check_value

INVALID = "One or more parameter values were invalid: "


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        # [P] DynamoDB Local 3.3.1 for SS and NS; [?] BS (DynamoDB Local fails with a 500 there).
        ({"SS": ["a", None]}, ValidationException, INVALID + "An string set may not have a null string as a member"),
        ({"NS": ["1", None]}, ValidationException, INVALID + "A value provided cannot be converted into a number"),
        ({"BS": [None]}, ValidationException, INVALID + "A binary set may not have a null binary as a member"),
        # [V] dynalite test/helpers.js assertType: SS.0 / NS.0 as String, BS.0 as Blob.
        ({"SS": [True]}, SerializationException, "TRUE_VALUE cannot be converted to String"),
        ({"NS": [23]}, SerializationException, "NUMBER_VALUE cannot be converted to String"),
        ({"NS": [34.56]}, SerializationException, "DECIMAL_VALUE cannot be converted to String"),
        ({"SS": [[]]}, SerializationException, "Unrecognized collection type class java.lang.String"),
        ({"BS": [[]]}, SerializationException, "Unrecognized collection type class java.nio.ByteBuffer"),
        ({"SS": [{}]}, SerializationException, "Start of structure or map found where not expected."),
        ({"S": 34.56}, SerializationException, "DECIMAL_VALUE cannot be converted to String"),
    ],
)
def test_bad_set_members_are_named(value: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as raised:
        check_value(value)
    assert str(raised.value) == message


def test_string_members_still_make_a_set() -> None:
    assert check_value({"SS": ["a", "b"]}) == {"SS": ["a", "b"]}
    assert check_value({"NS": ["1.50", "2"]}) == {"NS": ["1.5", "2"]}

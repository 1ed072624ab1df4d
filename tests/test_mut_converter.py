"""The converter's messages and containers, pinned where mutation testing found them loose:
the request named in a decode error, lists of plain values, objects of checked values, and
a record turned back into the API's dict without its unknown keys overriding a field."""

from __future__ import annotations

import enum
from typing import Any

import attrs
import pytest

from toggl_async import DecodeError
from toggl_async.records import Tag, structure, to_dict


def tag(**more: Any) -> dict[str, Any]:
    return {"id": 1, "workspace_id": 2, "name": "t", **more}


def test_a_decode_error_names_the_request_and_the_expected_type() -> None:
    with pytest.raises(DecodeError) as info:
        structure({}, list[Tag], method="GET", url="https://x/tags")
    error = info.value
    assert str(error) == (
        "GET https://x/tags returned data that does not fit list[Tag]: "
        "expected an array of Tag, got an object"
    )
    assert (error.method, error.url) == ("GET", "https://x/tags")


def test_without_a_request_the_message_starts_with_what_was_wrong() -> None:
    with pytest.raises(DecodeError) as info:
        structure("x", list[int])
    assert str(info.value) == (
        "returned data that does not fit list[int]: expected an array of int, got a string"
    )
    assert (info.value.method, info.value.url) == ("", "")


def test_lists_of_plain_values_are_checked_item_by_item() -> None:
    assert structure([1, 2.0], list[int]) == [1, 2]
    assert structure((1, 2), list[int]) == [1, 2]  # a page a strategy sliced
    with pytest.raises(DecodeError) as info:
        structure([1, "2"], list[int])
    assert str(info.value).endswith(
        "does not fit list[int]: item 1: expected an integer, got a string"
    )


def test_a_list_of_anything_is_a_copy() -> None:
    raw: list[Any] = [1, "x", None]
    out = structure(raw, list[Any])
    assert out == raw and out is not raw
    assert structure(("a",), list) == ["a"]


def test_a_bad_record_in_a_list_is_named_by_its_index() -> None:
    with pytest.raises(DecodeError) as info:
        structure([tag(), tag(id=2), tag(id="3")], list[Tag])
    assert str(info.value).endswith(
        "does not fit list[Tag]: item 2: Tag.id: expected an integer, got a string"
    )
    with pytest.raises(DecodeError) as info:
        structure([tag(), 7], list[Tag])
    assert str(info.value).endswith("item 1: Tag: expected an object, got an integer")


def test_objects_are_checked_value_by_value() -> None:
    assert structure({"a": 1, "b": 2.0}, dict[str, int]) == {"a": 1, "b": 2}
    with pytest.raises(DecodeError) as info:
        structure({"a": 1, "b": "x"}, dict[str, int])
    assert str(info.value) == (
        "returned data that does not fit dict[str, int]: key 'b': expected an integer, got a string"
    )
    with pytest.raises(DecodeError) as info:
        structure([1], dict[str, int])
    assert str(info.value).endswith("expected an object, got an array")


def test_an_object_of_anything_is_a_copy() -> None:
    raw = {"a": [1], "b": None}
    out = structure(raw, dict[str, Any])
    assert out == raw and out is not raw
    assert structure({"k": 1}, dict) == {"k": 1}


def test_unknown_keys_never_override_a_field_when_turned_back_into_a_dict() -> None:
    record = structure(tag(extra_field=5), Tag)
    assert to_dict(record)["extra_field"] == 5
    clash = Tag(id=1, workspace_id=2, name="real", extra={"name": "shadow", "more": 1})
    out = to_dict(clash)
    assert out["name"] == "real" and out["more"] == 1


@attrs.define
class Point:
    """A plain attrs class (not a record): cattrs' own hook, which raises its own errors."""

    x: int


class Colour(enum.Enum):
    RED = "red"


def test_errors_other_than_shape_errors_are_named_by_their_type_only() -> None:
    """Such an error's text may quote the value: the message names the exception type."""
    with pytest.raises(DecodeError) as info:
        structure({"y": "secret"}, Point, method="GET", url="u")
    assert str(info.value) == "GET u returned data that does not fit Point: unreadable (KeyError)"
    with pytest.raises(DecodeError) as info:
        structure(["red", "secret"], list[Colour])
    assert str(info.value) == (
        "returned data that does not fit list[Colour]: item 1: unreadable (ValueError)"
    )
    assert "secret" not in str(info.value)
    assert structure(["red"], list[Colour]) == [Colour.RED]


def test_a_decode_error_names_optional_items_as_written() -> None:
    with pytest.raises(DecodeError) as info:
        structure([1, None, "x"], list[int | None])
    assert str(info.value) == (
        "returned data that does not fit list[int | None]: item 2: expected an integer, "
        "got a string"
    )

"""Records: lenient decoding, unknown fields kept, round trip to API-shaped dicts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from toggl_async import DecodeError
from toggl_async.records import Me, Project, Tag, TimeEntry, converter, structure, to_dict

from .helpers import recorded_body


def test_unknown_fields_land_in_extra_and_survive_to_dict() -> None:
    entry = structure({"id": 1, "brand_new": {"x": [1]}, "another": None}, TimeEntry)
    assert dict(entry.extra) == {"brand_new": {"x": [1]}, "another": None}
    out = to_dict(entry)
    assert out["brand_new"] == {"x": [1]}
    assert "another" in out
    assert structure(out, TimeEntry) == entry


def test_records_without_unknowns_share_an_empty_extra() -> None:
    a = structure({"id": 1}, Tag)
    b = structure({"id": 2}, Tag)
    assert a.extra is b.extra
    assert not a.extra


def test_renamed_api_fields_map_both_ways() -> None:
    project = structure({"id": 3, "canSeeRates": False}, Project)
    assert project.can_see_rates is False
    assert to_dict(project)["canSeeRates"] is False
    assert "can_see_rates" not in to_dict(project)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-04-25T03:21:13+00:00", datetime(2024, 4, 25, 3, 21, 13, tzinfo=UTC)),
        ("2024-04-25T03:21:13Z", datetime(2024, 4, 25, 3, 21, 13, tzinfo=UTC)),
        ("2024-04-13T20:04:48.278682Z", datetime(2024, 4, 13, 20, 4, 48, 278682, tzinfo=UTC)),
        ("2024-04-25T03:21:13", datetime(2024, 4, 25, 3, 21, 13, tzinfo=UTC)),  # naive: UTC
        (1714015273, datetime(2024, 4, 25, 3, 21, 13, tzinfo=UTC)),
    ],
)
def test_timestamps_are_always_timezone_aware(raw: object, expected: datetime) -> None:
    entry = structure({"id": 1, "start": raw}, TimeEntry)
    assert entry.start == expected
    assert entry.start is not None and entry.start.tzinfo is not None


def test_offsets_are_kept() -> None:
    entry = structure({"id": 1, "start": "2023-12-08T00:00:00-08:00"}, TimeEntry)
    assert entry.start is not None
    assert entry.start.utcoffset() is not None
    assert entry.start.astimezone(UTC).hour == 8


def test_every_optional_field_accepts_null() -> None:
    fields = [f.name for f in TimeEntry.__attrs_attrs__ if f.name not in ("id", "extra")]
    entry = structure({"id": 1, **dict.fromkeys(fields)}, TimeEntry)
    assert all(getattr(entry, name) is None for name in fields)


@pytest.mark.parametrize(
    "payload",
    [{"start": "yesterday", "id": 1}, {"id": "x1"}, {"id": 1, "tags": 5}, "text", None],
)
def test_wrong_shapes_are_decode_errors(payload: object) -> None:
    with pytest.raises(DecodeError):
        structure(payload, TimeEntry)


def test_recorded_me_round_trips_field_for_field() -> None:
    raw = recorded_body("get_me_success_long")
    me = structure(raw, Me)
    again = to_dict(me)
    for key, value in raw.items():
        if key in ("projects", "tags", "time_entries", "workspaces"):
            assert len(again[key]) == len(value)
        elif isinstance(getattr(me, key), datetime):
            assert datetime.fromisoformat(again[key]) == datetime.fromisoformat(value)
        else:
            assert again[key] == value, key
    assert structure(again, Me) == me


def test_dates_and_numbers_are_lenient() -> None:
    project = structure(
        {"id": 1, "start_date": "2024-04-09", "actual_hours": 75, "rate": "12.5"}, Project
    )
    assert project.start_date == date(2024, 4, 9)
    assert project.actual_hours == 75.0
    assert project.rate == 12.5
    assert converter.unstructure(date(2024, 1, 2)) == "2024-01-02"


def test_decoded_records_are_plain_frozen_instances_of_their_class() -> None:
    entry = structure({"id": 7, "tags": ["a"], "start": "2024-04-25T03:21:13Z"}, TimeEntry)
    assert type(entry) is TimeEntry
    assert entry == TimeEntry(id=7, tags=["a"], start=datetime(2024, 4, 25, 3, 21, 13, tzinfo=UTC))
    with pytest.raises(AttributeError):
        entry.id = 8  # type: ignore[misc]


def test_values_of_another_type_are_converted_and_lists_copied() -> None:
    tags = [1, "b"]
    entry = structure({"id": "7", "tags": tags, "duration": 3.0, "billable": 1}, TimeEntry)
    assert entry.id == 7
    assert entry.tags == ["1", "b"]
    assert entry.duration == 3
    assert entry.billable is True
    same_types = ["x", "y"]
    assert structure({"id": 1, "tags": same_types}, TimeEntry).tags is not same_types

"""Records: lenient about fields, strict about shape, long id names, fields Toggl always sends."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

import attrs
import pytest

from toggl_async import DecodeError
from toggl_async.records import (
    Client,
    FocusTimeEntry,
    Me,
    Project,
    Record,
    ReportTimeEntry,
    SharedWith,
    Tag,
    Task,
    TimeEntry,
    WorkspaceFeatures,
    converter,
    structure,
    to_dict,
)
from toggl_async.records._structure import LONG_NAMES, MAX_SHAPES, make_record_hook

from .helpers import recorded_body

ENTRY = recorded_body("create_time_entry_success")
"""A real time entry (it carries both ``workspace_id`` and the legacy ``wid`` ...)."""


def entry(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(ENTRY), **changes}


def test_unknown_fields_land_in_extra_and_survive_to_dict() -> None:
    decoded = structure(entry(brand_new={"x": [1]}, another=None), TimeEntry)
    assert dict(decoded.extra) == {"brand_new": {"x": [1]}, "another": None}
    out = to_dict(decoded)
    assert out["brand_new"] == {"x": [1]}
    assert "another" in out
    assert structure(out, TimeEntry) == decoded


def test_records_without_unknowns_share_an_empty_extra() -> None:
    a = structure({"id": 1, "workspace_id": 2, "name": "a"}, Tag)
    b = structure({"id": 2, "workspace_id": 2, "name": "b"}, Tag)
    assert a.extra is b.extra
    assert not a.extra


def test_renamed_api_fields_map_both_ways() -> None:
    body = recorded_body("get_project_by_id_success")
    project = structure({**body, "canSeeRates": False}, Project)
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
    decoded = structure(entry(start=raw, stop=raw), TimeEntry)
    assert decoded.start == expected and decoded.stop == expected
    assert decoded.start.tzinfo is not None


def test_offsets_are_kept() -> None:
    decoded = structure(entry(start="2023-12-08T00:00:00-08:00"), TimeEntry)
    assert decoded.start.utcoffset() is not None
    assert decoded.start.astimezone(UTC).hour == 8


def _optional_fields(cls: type[Record]) -> list[str]:
    return [
        f.name for f in attrs.fields(cls) if f.name != "extra" and f.default is not attrs.NOTHING
    ]


def test_every_optional_field_accepts_null_and_absence() -> None:
    names = _optional_fields(TimeEntry)
    assert {"project_id", "stop", "duration", "description", "tags"} <= set(names)
    nulls = structure(entry(**dict.fromkeys(names)), TimeEntry)
    assert all(getattr(nulls, name) is None for name in names)
    absent = structure({k: v for k, v in ENTRY.items() if k not in names}, TimeEntry)
    assert all(getattr(absent, name) is None for name in names)


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


def test_numbers_and_dates_convert_only_where_nothing_is_lost() -> None:
    body = recorded_body("get_project_by_id_success")
    project = structure(
        {**body, "start_date": "2024-04-09", "actual_hours": 75, "estimated_seconds": 3600.0},
        Project,
    )
    assert project.start_date == date(2024, 4, 9)
    assert project.actual_hours == 75.0 and type(project.actual_hours) is float
    assert project.estimated_seconds == 3600 and type(project.estimated_seconds) is int
    assert converter.unstructure(date(2024, 1, 2)) == "2024-01-02"


def test_decoded_records_are_plain_frozen_instances_of_their_class() -> None:
    decoded = structure(entry(tags=["a"]), TimeEntry)
    assert type(decoded) is TimeEntry
    assert decoded == TimeEntry(**{**attrs.asdict(decoded, recurse=False), "tags": ["a"]})
    with pytest.raises(AttributeError):
        decoded.id = 8  # type: ignore[misc]


def test_lists_are_copied_and_ints_stay_ints() -> None:
    tags = ["x", "y"]
    decoded = structure(entry(tags=tags, duration=3.0), TimeEntry)
    assert decoded.tags == tags and decoded.tags is not tags
    assert decoded.duration == 3 and type(decoded.duration) is int


# -- strict about shape (issue 10 item 4) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "got"),
    [
        ({"id": 1.9}, "TimeEntry.id", "a number with a fraction"),
        ({"id": "7"}, "TimeEntry.id", "a string"),
        ({"id": True}, "TimeEntry.id", "a boolean"),
        ({"duration": False}, "TimeEntry.duration", "a boolean"),
        ({"billable": "false"}, "TimeEntry.billable", "a string"),
        ({"billable": 1}, "TimeEntry.billable", "an integer"),
        ({"description": {"a": 1}}, "TimeEntry.description", "an object"),
        ({"description": 12}, "TimeEntry.description", "an integer"),
        ({"tags": {}}, "TimeEntry.tags", "an object"),
        ({"tags": ""}, "TimeEntry.tags", "a string"),
        ({"tags": ["a", 5]}, "TimeEntry.tags: item 1", "an integer"),
        ({"tag_ids": [1, 2.5]}, "TimeEntry.tag_ids: item 1", "a number with a fraction"),
        ({"start": "yesterday"}, "TimeEntry.start", "a string that is not one"),
        ({"start": True}, "TimeEntry.start", "a boolean"),
        ({"shared_with": {}}, "TimeEntry.shared_with", "an object"),
        ({"shared_with": ["u"]}, "TimeEntry.shared_with: item 0: SharedWith", "a string"),
        ({"workspace_id": None, "wid": None}, "TimeEntry.workspace_id", "null"),
    ],
)
def test_coercions_that_change_meaning_are_decode_errors(
    changes: dict[str, Any], field: str, got: str
) -> None:
    with pytest.raises(DecodeError) as caught:
        structure(entry(**changes), TimeEntry)
    message = str(caught.value)
    assert f"{field}: expected" in message and got in message, message


@pytest.mark.parametrize(
    ("payload", "got"), [({}, "an object"), ("", "a string"), (None, "null"), (5, "an integer")]
)
def test_a_list_is_a_list(payload: object, got: str) -> None:
    with pytest.raises(DecodeError, match=f"expected an array of Client, got {got}"):
        structure(payload, list[Client])


@pytest.mark.parametrize(("payload", "got"), [([], "an array"), ("x", "a string"), (None, "null")])
def test_a_record_is_an_object(payload: object, got: str) -> None:
    with pytest.raises(DecodeError, match=f"TimeEntry: expected an object, got {got}"):
        structure(payload, TimeEntry)


def test_nested_errors_say_where() -> None:
    me = recorded_body("get_me_success_long")
    me["projects"][1]["active"] = "false"
    with pytest.raises(DecodeError) as caught:
        structure(me, Me)
    assert "Me.projects: item 1: Project.active: expected true or false, got a string" in str(
        caught.value
    )


def test_a_numeric_string_is_not_a_float() -> None:
    # No recording sends a number as a string (rate, fixed_fee, default_hourly_rate are null,
    # actual_hours is an integer), so a string in a float field is not guessed at.
    body = recorded_body("get_project_by_id_success")
    with pytest.raises(DecodeError, match=r"Project\.rate: expected a number, got a string"):
        structure({**body, "rate": "12.5"}, Project)


def test_messages_never_show_the_wrong_value() -> None:
    me = recorded_body("get_me_success_short")
    secret = "3f1c9d2e7b6a5f4e3d2c1b0a99887766"
    with pytest.raises(DecodeError) as caught:
        structure({**me, "api_token": {"token": secret}, "beginning_of_week": secret}, Me)
    assert "Me.beginning_of_week: expected an integer, got a string" in str(caught.value)
    assert secret not in str(caught.value) and secret not in repr(caught.value)


# -- fields Toggl always sends (issue 11) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "recording", "field"),
    [
        (TimeEntry, "get_time_entry_by_id_success", "workspace_id"),
        (TimeEntry, "get_time_entry_by_id_success", "start"),
        (Project, "get_project_by_id_success", "name"),
        (Me, "get_me_success_short", "email"),
    ],
)
def test_a_missing_or_null_required_field_is_named(
    cls: type[Record], recording: str, field: str
) -> None:
    body = recorded_body(recording)
    for key in (field, LONG_NAMES.get(field, "")):
        body.pop(key, None)
    with pytest.raises(DecodeError, match=rf"{cls.__name__}\.{field}: missing"):
        structure(body, cls)
    with pytest.raises(DecodeError, match=rf"{cls.__name__}\.{field}: expected .*, got null"):
        structure({**body, field: None}, cls)


def test_fields_real_toggl_omits_or_nulls_stay_optional() -> None:
    optional = {
        Project: {"actual_hours", "actual_seconds", "client_id", "created_at", "status"},
        TimeEntry: {"project_id", "task_id", "stop", "description", "tags", "tag_ids"},
        ReportTimeEntry: {"project_id", "task_id", "stop", "description"},
    }
    for cls, names in optional.items():
        assert names <= set(_optional_fields(cls)), cls


# -- long id names (issue 10 item 5) --------------------------------------------------------------


def test_long_names_are_filled_from_the_short_ones_toggl_sent() -> None:
    short_only = {k: v for k, v in ENTRY.items() if k not in LONG_NAMES}
    decoded = structure(short_only, TimeEntry)
    assert decoded.workspace_id == ENTRY["wid"] == ENTRY["workspace_id"]
    assert decoded.project_id == ENTRY["pid"] == ENTRY["project_id"]
    assert decoded.user_id == ENTRY["uid"] == ENTRY["user_id"]
    assert (decoded.wid, decoded.pid, decoded.uid) == (ENTRY["wid"], ENTRY["pid"], ENTRY["uid"])
    assert structure(ENTRY, TimeEntry) == decoded


def test_the_long_name_wins_and_a_null_long_name_takes_the_short_one() -> None:
    decoded = structure(entry(workspace_id=7, wid=8, project_id=None, pid=9), TimeEntry)
    assert (decoded.workspace_id, decoded.wid, decoded.project_id) == (7, 8, 9)


def _long_name_fields() -> list[tuple[type[Record], str]]:
    classes = [Client, Project, Task, Tag, TimeEntry, ReportTimeEntry, FocusTimeEntry]
    classes += [SharedWith, WorkspaceFeatures]
    return [(cls, f.name) for cls in classes for f in attrs.fields(cls) if f.name in LONG_NAMES]


@pytest.mark.parametrize(("cls", "name"), _long_name_fields())
def test_every_long_name_of_every_record_is_filled(cls: type[Record], name: str) -> None:
    base = {"id": 1, "workspace_id": 2, "name": "n", "project_id": 3}
    base |= {"user_id": 4, "username": "u", "billable": False, "seconds": 1}
    base |= {"start": "2024-01-01T00:00:00Z", "at": "2024-01-01T00:00:00Z"}
    base |= {"is_private": False, "active": True, "color": "#fff"}
    body = {k: v for k, v in base.items() if k != name}
    body[LONG_NAMES[name]] = 99
    assert getattr(structure(body, cls), name) == 99


def test_spec_shaped_client_gets_its_workspace_id() -> None:
    # Toggl's models.Client documents only ``wid``; the sandbox and the API send only that.
    client = structure({"id": 5, "wid": 4567890, "name": "ACME", "archived": False}, Client)
    assert client.workspace_id == client.wid == 4567890
    assert to_dict(client)["workspace_id"] == 4567890


# -- the shape cache ----------------------------------------------------------------------------


def test_many_shapes_decode_as_the_plain_path_does() -> None:
    keys = [k for k in ENTRY if k not in ("id", "workspace_id", "user_id", "start", "at")]
    bodies = []
    for i in range(MAX_SHAPES * 2):  # past the cap too
        dropped = {keys[i % len(keys)], keys[(i * 7) % len(keys)]}
        body = {k: v for k, v in ENTRY.items() if k not in dropped}
        body = dict(reversed(list(body.items()))) if i % 3 else body
        bodies.append({**body, f"new_{i % 5}": i})
    plain, _ = make_record_hook(TimeEntry, converter.get_structure_hook, max_shapes=0)
    expected = [plain(body, TimeEntry) for body in bodies]
    assert structure(bodies, list[TimeEntry]) == expected
    assert [structure(body, TimeEntry) for body in bodies] == expected
    assert [dict(r.extra) for r in expected] == [{f"new_{i % 5}": i} for i in range(len(bodies))]
    assert all(r.workspace_id == ENTRY["workspace_id"] for r in expected)

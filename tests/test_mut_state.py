"""The export checkpoint: how far each date window got (which the progress fraction and the
ETA are made of), the refusal of a checkpoint this version cannot resume, and its file names.
Direct, fast tests of :mod:`toggl_async.export.state`, each written against a change mutation
testing showed the export tests let through."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from toggl_async.export import ExportStateError
from toggl_async.export.state import STATE_VERSION, ExportState, Unit, check_name


def window(**more: Any) -> Unit:
    """Time entries of 1-10 March (ten days)."""
    return Unit(key="k", kind="time_entries", start="2024-03-01", end="2024-03-10", **more)


def test_a_window_not_started_has_covered_nothing_of_its_ten_days() -> None:
    unit = window()
    assert unit.is_window
    assert (unit.covered_days(), unit.span_days()) == (0, 10)


def test_a_window_read_up_to_a_day_covers_the_days_before_it() -> None:
    """Reading rows of the 4th: the 1st-3rd are read through, the 4th may have more rows."""
    assert window(position="2024-03-04").covered_days() == 3
    assert window(position="2024-03-01").covered_days() == 0


def test_a_finished_window_covers_all_its_days() -> None:
    assert window(done=True).covered_days() == 10
    one_day = Unit(key="k", kind="time_entries", start="2024-03-01", end="2024-03-01", done=True)
    assert (one_day.covered_days(), one_day.span_days()) == (1, 1)


def test_a_split_window_answers_only_for_the_days_before_the_split() -> None:
    unit = window(stop_before="2024-03-06")
    assert unit.last_day().isoformat() == "2024-03-05"
    assert unit.span_days() == 5
    assert window(stop_before="2024-03-06", done=True).covered_days() == 5
    # a position past the split (rows of a later unit) counts only up to the split
    assert window(stop_before="2024-03-06", position="2024-03-09").covered_days() == 4
    assert window(stop_before="2024-03-20").last_day().isoformat() == "2024-03-10"


def test_a_window_split_before_its_start_spans_nothing() -> None:
    unit = window(stop_before="2024-03-01", done=True)
    assert (unit.covered_days(), unit.span_days()) == (0, 0)
    assert window(stop_before="2024-03-01", position="2024-03-01").covered_days() == 0


@pytest.mark.parametrize(
    "unit",
    [
        Unit(key="p", kind="projects", workspace_id=1),
        Unit(key="p", kind="projects", workspace_id=1, done=True),
        Unit(key="t", kind="time_entries", workspace_id=1, done=True),  # not a window
    ],
)
def test_listings_that_are_not_windows_count_no_days(unit: Unit) -> None:
    assert not unit.is_window
    assert (unit.covered_days(), unit.span_days()) == (0, 0)


def _state(**more: Any) -> ExportState:
    return ExportState(
        tool_version="1",
        format="jsonl",
        options={},
        since="2024-01-01",
        until="2024-12-31",
        timezone="UTC",
        user_id=5,
        workspaces=[{"id": 1, "name": "W", "organization_id": 2}],
        started_at="2024-01-01T00:00:00Z",
        **more,
    )


def test_a_checkpoint_round_trips_through_its_file(tmp_path: Path) -> None:
    state = _state(units={"k": window(part="te-1.jsonl", size=12, count=3)})
    path = tmp_path / "checkpoint.json"
    state.save(path)
    loaded = ExportState.load(path)
    assert loaded is not None
    assert loaded.to_json() == state.to_json()
    assert loaded.units["k"].part == "te-1.jsonl" and loaded.units["k"].size == 12
    assert json.loads(path.read_bytes())["version"] == STATE_VERSION


def test_no_checkpoint_file_means_no_state(tmp_path: Path) -> None:
    assert ExportState.load(tmp_path / "checkpoint.json") is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"version": STATE_VERSION - 1}, f"unsupported checkpoint version {STATE_VERSION - 1}"),
        ({"version": None}, "unsupported checkpoint version None"),
        ({"units": {"k": {"key": "k", "kind": "x", "part": "../x"}}}, "not a plain file name"),
        ({"files": {"a/b": {}}}, "not a plain file name"),
        ({"unknown_field": 1}, "unexpected keyword"),
    ],
)
def test_a_checkpoint_this_version_cannot_resume_is_refused(
    tmp_path: Path, change: dict[str, Any], reason: str
) -> None:
    data = json.loads(_state().to_json())
    data.update(change)
    path = tmp_path / "checkpoint.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ExportStateError) as info:
        ExportState.load(path)
    message = str(info.value)
    assert reason in message
    assert message.startswith(f"{path} is not a checkpoint this version can resume (")
    assert message.endswith("); use another directory, or pass --overwrite to start again")
    assert info.value.__cause__ is None and info.value.__suppress_context__


@pytest.mark.parametrize("raw", [b"[]", b"not json", b'"x"'])
def test_a_file_that_is_not_a_checkpoint_object_is_refused(tmp_path: Path, raw: bytes) -> None:
    with pytest.raises(ExportStateError, match="is not a checkpoint this version can resume"):
        ExportState.from_json(raw, tmp_path / "checkpoint.json")


@pytest.mark.parametrize("name", ["part.jsonl", "a" * 200, "x..y"])
def test_plain_file_names_are_accepted(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "a\\b", "a\0b", "/abs", "a" * 201, 7, None])
def test_names_that_could_leave_the_directory_are_refused(name: object) -> None:
    with pytest.raises(ValueError, match="is not a plain file name"):
        check_name(name)

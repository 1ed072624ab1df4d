"""The export's output for the people who use it (issue 13): one timestamp convention,
the running entry shaped like the others, names joined on every time entry, honest units."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.test_export import export_from, read_export, tiny
from toggl_async.export.tables import JOINED
from toggl_async.testing import Account, Sandbox

INSTANTS = {
    "time_entries": ("start", "stop", "at"),
    "projects": ("at", "created_at"),
    "tasks": ("at",),
    "tags": ("at",),
    "clients": ("at",),
}


def _running(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["stop"] in (None, "")]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite"])
async def test_every_instant_is_utc_with_z_in_every_format(
    toggl_sandbox: Sandbox, tmp_path: Path, fmt: str
) -> None:
    await export_from(toggl_sandbox, tmp_path, format=fmt)
    rows = read_export(tmp_path, fmt)
    seen = 0
    for kind, columns in INSTANTS.items():
        for row in rows[kind]:
            for column in columns:
                value = row.get(column)
                if value in (None, ""):
                    continue
                seen += 1
                assert isinstance(value, str) and value.endswith("Z"), (kind, column, value)
                assert "+" not in value and value[19:].count("-") == 0, (kind, column, value)
    assert seen > 2000


async def test_the_running_entry_has_exactly_the_shape_of_the_others(
    toggl_sandbox: Sandbox, tmp_path: Path
) -> None:
    await export_from(toggl_sandbox, tmp_path, format="jsonl")
    lines = (tmp_path / "time_entries.jsonl").read_bytes().splitlines()
    rows = [json.loads(line) for line in lines]
    [running] = _running(rows)
    stopped = [r for r in rows if r is not running]
    assert list(running) == list(stopped[0]), "the running entry has other keys"
    assert all(list(r) == list(stopped[0]) for r in stopped)
    assert running["seconds"] is None
    assert running["start"].endswith("Z")
    me = toggl_sandbox.account.me
    assert running["username"] == running["user_name"] == me["fullname"]
    assert not {"duration", "wid", "pid", "uid", "tags", "duronly"} & set(running)


@pytest.mark.parametrize("fmt", ["jsonl", "sqlite"])
async def test_names_are_joined_from_the_objects_the_export_wrote(
    toggl_sandbox: Sandbox, tmp_path: Path, fmt: str
) -> None:
    await export_from(toggl_sandbox, tmp_path, format=fmt)
    rows = read_export(tmp_path, fmt)
    projects = {p["id"]: p for p in rows["projects"]}
    named = {k: {o["id"]: o["name"] for o in rows[k]} for k in rows if k != "time_entries"}
    with_client = 0
    for entry in rows["time_entries"]:
        assert entry["workspace_name"] == named["workspaces"][entry["workspace_id"]]
        project = entry["project_id"]
        assert entry["project_name"] == (None if project is None else named["projects"][project])
        client = projects[project]["client_id"] if project is not None else None
        assert entry["client_id"] == client
        assert entry["client_name"] == (None if client is None else named["clients"][client])
        with_client += client is not None
        task = entry["task_id"]
        assert entry["task_name"] == (None if task is None else named["tasks"][task])
        assert entry["tag_names"] == [named["tags"][t] for t in entry["tag_ids"]]
        assert entry["user_name"] == entry["username"]
    assert with_client > 100
    manifest = json.loads((tmp_path / "manifest.json").read_bytes())
    assert manifest["conventions"]["unresolved_names"] == {}


async def test_an_id_whose_object_is_gone_gets_null_and_is_counted(tmp_path: Path) -> None:
    account: Account = tiny()
    used = {e["project_id"] for e in account.time_entries if e["stop"] is not None}
    gone = next(p for p in account.projects if p["id"] in used)
    gone["server_deleted_at"] = "2024-01-01T00:00:00+00:00"  # listed nowhere, still on entries
    orphans = sum(1 for e in account.time_entries if e["project_id"] == gone["id"])
    async with Sandbox(account) as sandbox:
        await export_from(sandbox, tmp_path, format="jsonl")
    rows = read_export(tmp_path, "jsonl")
    hit = [e for e in rows["time_entries"] if e["project_id"] == gone["id"]]
    assert len(hit) == orphans > 0
    assert all(e["project_name"] is None and e["client_id"] is None for e in hit)
    manifest = json.loads((tmp_path / "manifest.json").read_bytes())
    assert manifest["conventions"]["unresolved_names"] == {"project_id": orphans}


async def test_task_tracked_seconds_is_kept_raw_and_converted(
    toggl_sandbox: Sandbox, tmp_path: Path
) -> None:
    """Toggl sends Task.tracked_seconds in milliseconds; the export's seconds column must
    equal the sum of the task's exported entries."""
    await export_from(toggl_sandbox, tmp_path, format="jsonl")
    rows = read_export(tmp_path, "jsonl")
    per_task: dict[int, int] = {}
    for entry in rows["time_entries"]:
        if entry["task_id"] is not None and entry["seconds"] is not None:
            per_task[entry["task_id"]] = per_task.get(entry["task_id"], 0) + entry["seconds"]
    checked = 0
    for task in rows["tasks"]:
        assert task["tracked_time_seconds"] == task["tracked_seconds"] / 1000
        if task["id"] in per_task:
            assert task["tracked_time_seconds"] == per_task[task["id"]]
            checked += 1
    assert checked > 10


def test_joined_columns_are_the_last_time_entry_columns() -> None:
    from toggl_async.export.tables import table

    assert table("time_entries").columns[-len(JOINED) :] == JOINED

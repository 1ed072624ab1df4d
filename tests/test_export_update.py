"""``--update`` (issue 13): after a scripted series of changes, an updated export equals a
fresh full export of the changed account, in every format."""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.test_export import client_for, data_bytes, export_from, read_export
from toggl_async.export import ExportOptionsError, export_account
from toggl_async.testing import Sandbox


def _recent(rows: list[dict[str, Any]], days: int, **match: Any) -> list[dict[str, Any]]:
    since = datetime.now(UTC) - timedelta(days=days)
    return [
        r
        for r in rows
        if r["stop"] is not None
        and datetime.fromisoformat(r["start"]) > since
        and all(r[k] == v for k, v in match.items())
    ]


async def _change_the_account(sandbox: Sandbox, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Create, edit and delete own entries in the window, edit and delete another member's,
    rename a project whose entries are older than the window (so carried rows change),
    create a tag and delete a project."""
    me = sandbox.account.me["id"]
    entries = rows["time_entries"]
    own = _recent(entries, 30, user_id=me)
    assert len(own) >= 2
    ws = own[0]["workspace_id"]
    old = [e for e in entries if e["project_id"] and e not in _recent(entries, 200)]
    renamed = old[0]["project_id"]
    async with client_for(sandbox) as client:
        await client.time_entries.create(
            ws,
            start=datetime.now(UTC) - timedelta(days=2),
            duration=1800,
            description="added after the export",
        )
        await client.time_entries.update(ws, own[0]["id"], description="edited after the export")
        await client.time_entries.delete(own[1]["workspace_id"], own[1]["id"])
        await client.projects.update(old[0]["workspace_id"], renamed, name="Renamed project")
        await client.tags.create(ws, name="created after the export")
        used = {e["project_id"] for e in entries}
        unused = next(p for p in rows["projects"] if p["id"] not in used)
        await client.projects.delete(unused["workspace_id"], unused["id"])
    store = sandbox.account.time_entries
    others = _recent(entries, 60)
    others = [e for e in others if e["user_id"] != me]
    assert len(others) >= 2
    first = store.row_by_id(others[0]["id"])
    assert first is not None
    store.save(dataclasses.replace(first, duration=first.duration + 60, at=int(time.time())))
    assert store.delete(others[1]["id"], int(time.time())) is not None


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite", "parquet"])
async def test_an_update_after_changes_equals_a_fresh_full_export(
    toggl_sandbox: Sandbox, tmp_path: Path, fmt: str
) -> None:
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    updated, fresh = tmp_path / "updated", tmp_path / "fresh"
    await export_from(toggl_sandbox, updated, format=fmt)
    before = read_export(updated, fmt)
    await _change_the_account(toggl_sandbox, before)
    summary = await export_from(toggl_sandbox, updated, update=True)
    assert not summary.already_complete
    await export_from(toggl_sandbox, fresh, format=fmt)
    assert data_bytes(updated, fmt) == data_bytes(fresh, fmt)
    after = read_export(updated, fmt)
    assert "Renamed project" in {e["project_name"] for e in after["time_entries"]}
    assert "created after the export" in {t["name"] for t in after["tags"]}
    assert len(after["projects"]) == len(before["projects"]) - 1
    manifest = json.loads((updated / "manifest.json").read_bytes())
    [record] = manifest["updates"]
    assert record["carried_over"] > 0 and record["read_again"] > 0
    # One own entry created; an own and another member's edited; one of each deleted.
    assert (record["inserted"], record["changed"], record["deleted"]) == (1, 2, 2)
    assert record["carried_over"] + record["read_again"] == len(after["time_entries"])
    # The default 90-day window covers all /me/time_entries can list: no request for it.
    assert record["requests_by_kind"]["own_changes_listing"] == 0
    assert (
        record["requests"] < json.loads((fresh / "manifest.json").read_bytes())["requests"]["total"]
    )


async def test_an_interrupted_update_leaves_the_export_and_a_rerun_finishes_it(
    toggl_sandbox: Sandbox, tmp_path: Path
) -> None:
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    await export_from(toggl_sandbox, out, format="jsonl")
    finished = data_bytes(out, "jsonl")
    await _change_the_account(toggl_sandbox, read_export(out, "jsonl"))
    toggl_sandbox.faults.quota = (6, 60.0)
    from toggl_async import QuotaExceededError, RetryPolicy

    with pytest.raises(QuotaExceededError):
        await export_from(
            toggl_sandbox,
            out,
            update=True,
            retry=RetryPolicy(max_attempts=2, backoff_base=0.01, wait_for_quota=False),
        )
    toggl_sandbox.faults.quota = None
    assert data_bytes(out, "jsonl") == finished  # the previous export, intact
    await export_from(toggl_sandbox, out, update=True)
    await export_from(toggl_sandbox, fresh, format="jsonl")
    assert data_bytes(out, "jsonl") == data_bytes(fresh, "jsonl")


async def test_an_export_with_until_cannot_be_updated(
    toggl_sandbox: Sandbox, tmp_path: Path
) -> None:
    await export_from(toggl_sandbox, tmp_path, until="2025-01-01", since="2024-06-01")
    async with client_for(toggl_sandbox) as client:
        with pytest.raises(ExportOptionsError, match="--overwrite"):
            await export_account(client, tmp_path, update=True)

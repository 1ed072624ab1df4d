"""``--update`` through ``since=`` listings (issue 13): projects and tasks merged from their
since-listings, the user's own older entries from ``/me/time_entries?since=``, deleted tags
removed from carried rows; after scripted changes the update equals a fresh export in every
format, costs fewer requests than full listings, and falls back to them when it must."""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.test_export import client_for, data_bytes, export_from, read_export
from toggl_async import QuotaExceededError, RetryPolicy
from toggl_async.export.engine import WORK_DIR
from toggl_async.testing import Sandbox

RECHECK_DAYS = 30
#: Two attempts and no wait for the quota: a spent quota stops the update at once.
STOP_ON_QUOTA = RetryPolicy(max_attempts=2, backoff_base=0.01, wait_for_quota=False)


def _start(row: dict[str, Any]) -> datetime:
    value = row["start"]
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _aged(rows: list[dict[str, Any]], lo: int, hi: int, **match: Any) -> list[dict[str, Any]]:
    """Stopped entries that started between ``hi`` and ``lo`` days ago, matching ``match``."""
    now = datetime.now(UTC)
    return [
        r
        for r in rows
        if r["stop"] is not None
        and now - timedelta(days=hi) < _start(r) < now - timedelta(days=lo)
        and all(r[k] == v for k, v in match.items())
    ]


async def _change(sandbox: Sandbox, rows: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Rename a project of carried entries, delete an unused project (and its tasks), delete
    a tag of a carried entry, edit and delete own entries older than the re-read window
    (still within /me/time_entries' three months), edit another member's entry in it."""
    me = sandbox.account.me["id"]
    entries = rows["time_entries"]
    old = _aged(entries, 200, 2000)
    renamed = next(e for e in old if e["project_id"])
    tagged = next(e for e in old if e["tag_ids"])
    own = _aged(entries, RECHECK_DAYS + 10, 80, user_id=me)
    assert len(own) >= 3
    moved = datetime.fromisoformat(str(own[2]["start"])) - timedelta(days=3, hours=1)
    used = {e["project_id"] for e in entries}
    unused = next(p for p in rows["projects"] if p["id"] not in used)
    async with client_for(sandbox) as client:
        await client.projects.update(renamed["workspace_id"], renamed["project_id"], name="Ren")
        await client.projects.delete(unused["workspace_id"], unused["id"])
        await client.tags.delete(tagged["workspace_id"], tagged["tag_ids"][0])
        await client.time_entries.update(own[0]["workspace_id"], own[0]["id"], description="Old")
        await client.time_entries.delete(own[1]["workspace_id"], own[1]["id"])
        await client.time_entries.update(own[2]["workspace_id"], own[2]["id"], start=moved)
        backdated, _ = [  # two, so that moved (changed) and new (inserted) differ in count
            await client.time_entries.create(
                own[0]["workspace_id"],
                start=datetime.now(UTC) - timedelta(days=days),
                duration=900,
                description="back-dated",
            )
            for days in (50, 60)
        ]
    other = next(e for e in _aged(entries, 1, RECHECK_DAYS - 1) if e["user_id"] != me)
    store = sandbox.account.time_entries
    row = store.row_by_id(other["id"])
    assert row is not None
    store.save(dataclasses.replace(row, duration=row.duration + 60, at=int(time.time())))
    return {
        "edited": own[0]["id"],
        "moved": own[2]["id"],
        "backdated": backdated.id,
        "deleted": own[1]["id"],
        "tag": tagged["tag_ids"][0],
        "tagged": tagged["id"],
        "project": unused,
        "renamed": renamed,
    }


async def _update_stopped_by_the_quota(sandbox: Sandbox, out: Path) -> None:
    """An update that meets a spent quota raises (it does not wait for the reset)."""
    with pytest.raises(QuotaExceededError):
        await export_from(sandbox, out, update=True, recheck_days=RECHECK_DAYS, retry=STOP_ON_QUOTA)


def _manifest(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "manifest.json").read_bytes())
    return data


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite", "parquet"])
async def test_an_update_through_since_listings_equals_a_fresh_export(
    toggl_sandbox: Sandbox, tmp_path: Path, fmt: str
) -> None:
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    updated, fresh = tmp_path / "updated", tmp_path / "fresh"
    await export_from(toggl_sandbox, updated, format=fmt)
    done = await _change(toggl_sandbox, read_export(updated, fmt))
    await export_from(toggl_sandbox, updated, update=True, recheck_days=RECHECK_DAYS)
    await export_from(toggl_sandbox, fresh, format=fmt)
    assert data_bytes(updated, fmt) == data_bytes(fresh, fmt)

    after = read_export(updated, fmt)
    by_id = {e["id"]: e for e in after["time_entries"]}
    assert by_id[done["edited"]]["description"] == "Old"
    assert done["deleted"] not in by_id
    assert by_id[done["backdated"]]["description"] == "back-dated"
    assert done["tag"] not in (by_id[done["tagged"]]["tag_ids"] or [])
    assert by_id[done["renamed"]["id"]]["project_name"] == "Ren"
    assert done["project"]["id"] not in {p["id"] for p in after["projects"]}

    [record] = _manifest(updated)["updates"]
    ws = done["project"]["workspace_id"]
    listings = {key: o["listing"] for key, o in record["objects"].items()}
    assert {listings[k] for k in listings if k.startswith(("projects/", "tasks/"))} == {"since"}
    assert record["objects"][f"projects/{ws}"]["deleted"] == 1
    assert record["objects"][f"tasks/{ws}"]["deleted"] >= 1
    renamed_in = f"projects/{done['renamed']['workspace_id']}"
    assert record["objects"][renamed_in]["changed"] == 1
    own = record["own_changes"]
    assert own["deleted_ids"] == 1
    # Edited in place and moved three days back; two back-dated ones new; one deleted.
    assert (own["applied"]["changed"], own["applied"]["inserted"]) == (2, 2)
    assert own["applied"]["deleted"] == 1
    assert own["applied"]["tags_removed"] >= 1
    kinds = record["requests_by_kind"]
    assert kinds["since_listings"] == 4  # projects and tasks of two workspaces, a page each
    assert kinds["by_id"] == 1 and kinds["own_changes_listing"] == 1
    assert sum(kinds.values()) == record["requests"]


def _forget_since(out: Path, how: str) -> None:
    """Make the finished export look older than since-listings, or too old for them."""
    path = out / WORK_DIR / "checkpoint.json"
    state = json.loads(path.read_bytes())
    if how == "predates":
        del state["mergeable"]
    else:
        started = datetime.fromisoformat(state["started_at"]) - timedelta(days=31)
        state["started_at"] = started.isoformat()
    path.write_bytes(json.dumps(state).encode())


@pytest.mark.parametrize(
    ("how", "why"),
    [
        ("predates", "full (the previous export predates since-listings)"),
        ("too old", "full (the previous export is older than 30 days)"),
    ],
)
async def test_since_listings_cost_fewer_requests_than_the_full_listings_they_replace(
    toggl_sandbox: Sandbox, tmp_path: Path, how: str, why: str
) -> None:
    since, full, fresh = tmp_path / "since", tmp_path / "full", tmp_path / "fresh"
    await export_from(toggl_sandbox, since, format="jsonl")
    shutil.copytree(since, full)
    _forget_since(full, how)
    await _change(toggl_sandbox, read_export(since, "jsonl"))
    await export_from(toggl_sandbox, since, update=True, recheck_days=RECHECK_DAYS)
    await export_from(toggl_sandbox, full, update=True, recheck_days=RECHECK_DAYS)
    await export_from(toggl_sandbox, fresh, format="jsonl")
    assert data_bytes(since, "jsonl") == data_bytes(fresh, "jsonl")
    assert data_bytes(full, "jsonl") == data_bytes(fresh, "jsonl")
    [cheap] = _manifest(since)["updates"]
    [dear] = _manifest(full)["updates"]
    listings = {o["listing"] for k, o in dear["objects"].items() if k.startswith("projects/")}
    assert listings == {why}
    # 300 projects (2 pages) and 900 tasks (5 pages) a workspace, against one page each.
    assert (
        dear["requests_by_kind"]["full_listings"] - cheap["requests_by_kind"]["full_listings"] == 14
    )
    assert cheap["requests"] < dear["requests"]


async def test_a_refused_since_listing_falls_back_to_the_full_listing(
    toggl_sandbox: Sandbox, tmp_path: Path
) -> None:
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    await export_from(toggl_sandbox, out, format="jsonl")
    done = await _change(toggl_sandbox, read_export(out, "jsonl"))
    ws = done["project"]["workspace_id"]
    toggl_sandbox.requests.clear()
    toggl_sandbox.faults.add("400", path=f"/workspaces/{ws}/projects")
    await export_from(toggl_sandbox, out, update=True, recheck_days=RECHECK_DAYS)
    await export_from(toggl_sandbox, fresh, format="jsonl")
    assert data_bytes(out, "jsonl") == data_bytes(fresh, "jsonl")
    manifest = _manifest(out)
    [record] = manifest["updates"]
    assert record["objects"][f"projects/{ws}"] == {
        "listing": "full (the since-listing was refused: HTTP 400)"
    }
    assert any("refused the since-listing of projects" in w for w in manifest["warnings"])
    asked = [
        r.query.get("since")
        for r in toggl_sandbox.requests
        if r.path.endswith(f"/workspaces/{ws}/projects")
    ]
    assert asked[0] is not None and None in asked[1:]  # since first, refused, then in full


@pytest.mark.parametrize("allowed", [2, 5, 8])
async def test_an_update_stopped_anywhere_leaves_the_export_and_a_rerun_finishes_it(
    toggl_sandbox: Sandbox, tmp_path: Path, allowed: int
) -> None:
    """Stopped by the quota after ``allowed`` requests (in the since-listings, the own
    changes or the window): the files are the previous export's, and the re-run applies
    the same changes."""
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    await export_from(toggl_sandbox, out, format="jsonl")
    finished = data_bytes(out, "jsonl")
    await _change(toggl_sandbox, read_export(out, "jsonl"))
    toggl_sandbox.faults.quota = (allowed, 60.0)
    await _update_stopped_by_the_quota(toggl_sandbox, out)
    toggl_sandbox.faults.quota = None
    assert data_bytes(out, "jsonl") == finished
    await export_from(toggl_sandbox, out, update=True, recheck_days=RECHECK_DAYS)
    await export_from(toggl_sandbox, fresh, format="jsonl")
    assert data_bytes(out, "jsonl") == data_bytes(fresh, "jsonl")
    [record] = _manifest(out)["updates"]
    assert record["own_changes"]["applied"]["deleted"] == 1


async def test_a_spent_quota_on_a_since_listing_stops_the_update_rather_than_falling_back(
    toggl_sandbox: Sandbox, tmp_path: Path
) -> None:
    """Only a refusal (4xx) falls back to the full listing: a spent quota stops the update
    as anywhere else, and the re-run still reads through since-listings."""
    out = tmp_path / "out"
    await export_from(toggl_sandbox, out, format="jsonl")
    done = await _change(toggl_sandbox, read_export(out, "jsonl"))
    ws = done["project"]["workspace_id"]
    toggl_sandbox.faults.add("402-quota", path=f"/workspaces/{ws}/projects", retry_after=60)
    await _update_stopped_by_the_quota(toggl_sandbox, out)
    await export_from(toggl_sandbox, out, update=True, recheck_days=RECHECK_DAYS)
    [record] = _manifest(out)["updates"]
    assert record["objects"][f"projects/{ws}"]["listing"] == "since"

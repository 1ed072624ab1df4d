"""``export_account`` against the sandbox: exactly once, field for field, through faults,
quota waits, interruptions and resumes, in every format.

Helpers here (reading an export back, the sandbox's expected rows) are shared with
``test_cli.py``.
"""

from __future__ import annotations

import asyncio
import csv
import json
import re
import sqlite3
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from toggl_async import QuotaExceededError, RetryPolicy, TogglClient
from toggl_async.export import (
    KINDS,
    ExportLockedError,
    ExportOptionsError,
    ExportProgress,
    ExportStateError,
    ExportSummary,
    export_account,
)
from toggl_async.testing import Account, Faults, Sandbox

FAST_RETRY = RetryPolicy(
    max_attempts=10,
    backoff_base=0.01,
    backoff_max=0.05,
    rate_limit_fallback=0.0,
    wait_for_quota=True,
)
DATA_FILES = {fmt: [f"{k}.{fmt}" for k in KINDS] for fmt in ("jsonl", "csv")}
DATA_FILES["sqlite"] = ["toggl.sqlite"]
DATA_FILES["parquet"] = [f"{k}.parquet" for k in KINDS]


def tiny(seed: int = 3) -> Account:
    """Two workspaces, ~200 entries over a year: a few dozen requests."""
    return Account.preset("tiny", seed=seed)


def client_for(sandbox: Sandbox, retry: RetryPolicy = FAST_RETRY, **kwargs: Any) -> TogglClient:
    return TogglClient(
        api_token=sandbox.api_token,
        track_base_url=sandbox.track_base_url,
        reports_base_url=sandbox.reports_base_url,
        retry=retry,
        **kwargs,
    )


async def export_from(sandbox: Sandbox, out: Path, **kwargs: Any) -> ExportSummary:
    retry = kwargs.pop("retry", FAST_RETRY)
    async with client_for(sandbox, retry=retry, max_concurrency=16) as client:
        return await export_account(client, out, **kwargs)


# -- reading an export back ----------------------------------------------------------------------

_INT = re.compile(r"-?\d+")
_FLOAT = re.compile(r"-?\d+\.\d+(e[-+]?\d+)?")


def _csv_value(cell: str) -> Any:
    if cell == "":
        return None
    if cell in ("true", "false"):
        return cell == "true"
    if _INT.fullmatch(cell):
        return int(cell)
    if _FLOAT.fullmatch(cell):
        return float(cell)
    return _json_or_text(cell)


def _json_or_text(text: str) -> Any:
    if text[:1] in ("[", "{"):
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text


def _sql_value(value: Any) -> Any:
    return _json_or_text(value) if isinstance(value, str) else value


def _parquet_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return _json_or_text(value) if isinstance(value, str) else value


def read_export(out: Path, fmt: str) -> dict[str, list[dict[str, Any]]]:
    """Every object's rows as dicts (CSV, SQLite, Parquet decoded; ``extra`` merged back)."""
    rows: dict[str, list[dict[str, Any]]] = {}
    if fmt == "parquet":
        import pyarrow.parquet as pq

        for kind in KINDS:
            table = pq.read_table(out / f"{kind}.parquet")
            rows[kind] = [
                _merge({k: _parquet_value(v) for k, v in r.items()}) for r in table.to_pylist()
            ]
        return rows
    if fmt == "jsonl":
        for kind in KINDS:
            text = (out / f"{kind}.jsonl").read_text(encoding="utf-8")
            rows[kind] = [json.loads(line) for line in text.splitlines()]
        return rows
    if fmt == "csv":
        for kind in KINDS:
            with open(out / f"{kind}.csv", newline="", encoding="utf-8") as handle:
                reader = csv.DictReader(handle)
                rows[kind] = [_merge({k: _csv_value(v) for k, v in r.items()}) for r in reader]
        return rows
    db = sqlite3.connect(out / "toggl.sqlite")
    try:
        for kind in KINDS:
            cursor = db.execute(f"SELECT * FROM {kind} ORDER BY rowid")
            names = [d[0] for d in cursor.description]
            rows[kind] = [
                _merge({n: _sql_value(v) for n, v in zip(names, r, strict=True)}) for r in cursor
            ]
    finally:
        db.close()
    return rows


def _merge(row: dict[str, Any]) -> dict[str, Any]:
    extra = row.pop("extra", None) or {}
    row.update(extra)
    return row


def data_bytes(out: Path, fmt: str) -> dict[str, bytes]:
    """The data files' bytes (SQLite: its tables' rows in id order, as text)."""
    if fmt != "sqlite":
        return {name: (out / name).read_bytes() for name in DATA_FILES[fmt]}
    db = sqlite3.connect(out / "toggl.sqlite")
    try:
        return {
            kind: repr(db.execute(f"SELECT * FROM {kind} ORDER BY id").fetchall()).encode()
            for kind in KINDS
        }
    finally:
        db.close()


# -- what the sandbox holds ----------------------------------------------------------------------


def _live(item: dict[str, Any]) -> bool:
    return item.get("server_deleted_at") is None and item.get("deleted_at") is None


def expected(account: Account, workspaces: list[int] | None = None) -> dict[str, list[dict]]:
    """The sandbox's objects as an export must hold them (Reports' view of time entries)."""
    ws_ids = workspaces or [ws["id"] for ws in account.workspaces]
    users = {u["id"]: u for members in account.workspace_users.values() for u in members}
    out: dict[str, list[dict[str, Any]]] = {
        "workspaces": [
            {k: v for k, v in ws.items() if k != "api_token"}
            for ws in account.workspaces
            if ws["id"] in ws_ids
        ],
        "projects": [p for p in account.projects if p["workspace_id"] in ws_ids and _live(p)],
        "clients": [c for c in account.clients if c["wid"] in ws_ids and _live(c)],
        "tags": [t for t in account.tags if t["workspace_id"] in ws_ids and _live(t)],
        "tasks": [t for t in account.tasks if t["workspace_id"] in ws_ids and _live(t)],
        "time_entries": [],
    }
    names = {kind: {o["id"]: o["name"] for o in out[kind]} for kind in KINDS[:-1]}
    clients = {p["id"]: p["client_id"] for p in out["projects"]}
    for entry in account.time_entries:
        if entry["workspace_id"] not in ws_ids:
            continue
        running = entry["stop"] is None
        user = users[entry["user_id"]]["fullname"]
        project, task = entry["project_id"], entry["task_id"]
        client = clients.get(project)
        out["time_entries"].append(
            {
                "id": entry["id"],
                "workspace_id": entry["workspace_id"],
                "workspace_name": names["workspaces"][entry["workspace_id"]],
                "project_name": None if project is None else names["projects"][project],
                "client_id": client,
                "client_name": None if client is None else names["clients"][client],
                "task_name": None if task is None else names["tasks"][task],
                "tag_names": [names["tags"][t] for t in entry["tag_ids"] or []],
                "user_id": entry["user_id"],
                "username": user,
                "user_name": user,
                "project_id": entry["project_id"],
                "task_id": entry["task_id"],
                "description": entry["description"],
                "billable": entry["billable"],
                "tag_ids": entry["tag_ids"],
                "start": entry["start"],
                "stop": entry["stop"],
                "seconds": None if running else entry["duration"],
                "at": entry["at"],
            }
        )
    return out


def _instant(value: Any) -> datetime | None:
    if isinstance(value, str) and "T" in value and len(value) >= 19:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def same(want: Any, got: Any) -> bool:
    """Equal, allowing what the formats cannot tell apart: timestamp spellings, 85 vs 85.0,
    and null vs "" vs [] (Reports sends "" and [] where Track sends null; CSV has no null)."""
    if want == got:
        return True
    if want in (None, "", []) and got in (None, "", []):
        return True
    when_want, when_got = _instant(want), _instant(got)
    if when_want is not None and when_got is not None:
        return when_want == when_got
    if isinstance(want, list) and isinstance(got, list):
        return len(want) == len(got) and all(same(a, b) for a, b in zip(want, got, strict=True))
    if isinstance(want, dict) and isinstance(got, dict):
        keys = set(want) | set(got)
        return all(same(want.get(k), got.get(k)) for k in keys)
    return False


def assert_matches(account: Account, rows: dict[str, list[dict]], **kwargs: Any) -> None:
    """Every object exactly once, and every field the sandbox holds equal in the export."""
    for kind, wanted in expected(account, **kwargs).items():
        got = rows[kind]
        ids = [r["id"] for r in got]
        assert len(ids) == len(set(ids)), f"{kind}: an id is exported twice"
        assert sorted(ids) == sorted(w["id"] for w in wanted), f"{kind}: ids differ"
        by_id = {r["id"]: r for r in got}
        for want in wanted:
            have = by_id[want["id"]]
            wrong = {k: (v, have.get(k)) for k, v in want.items() if not same(v, have.get(k))}
            assert not wrong, f"{kind} {want['id']}: {wrong}"
            assert "api_token" not in have


# -- exactly once, field for field, every format -------------------------------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite", "parquet"])
async def test_every_object_exactly_once_and_field_for_field(
    toggl_sandbox: Sandbox, tmp_path: Path, fmt: str
) -> None:
    seen: list[ExportProgress] = []
    summary = await export_from(toggl_sandbox, tmp_path, format=fmt, on_progress=seen.append)

    rows = read_export(tmp_path, fmt)
    assert_matches(toggl_sandbox.account, rows)
    counts = {kind: len(rows[kind]) for kind in KINDS}
    assert dict(summary.counts) == counts
    assert summary.entries == len(toggl_sandbox.account.time_entries)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["counts"] == counts
    assert manifest["format"] == fmt
    assert manifest["requests"]["total"] == summary.requests > 0
    assert manifest["requests"]["per_1000_entries"] == pytest.approx(
        summary.requests * 1000 / summary.entries, abs=0.01
    )
    assert manifest["range"]["until"] == summary.until.isoformat()
    assert set(manifest["files"]) == set(DATA_FILES[fmt])
    # No stray files: the data, the manifest, and the (small) state directory.
    present = {p.name for p in tmp_path.iterdir()}  # noqa: ASYNC240
    assert present == {*DATA_FILES[fmt], "manifest.json", ".toggl-export"}
    assert seen
    assert seen[-1].phase == "done"
    assert seen[-1].counts["time_entries"] == summary.entries


async def test_manifest_hashes_the_files_it_lists(toggl_sandbox: Sandbox, tmp_path: Path) -> None:
    import hashlib

    await export_from(toggl_sandbox, tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    for name, info in manifest["files"].items():
        data = (tmp_path / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == info["sha256"]
        assert len(data) == info["bytes"]
        assert data.count(b"\n") == info["records"]
    assert manifest["tool"]["name"] == "toggl-async"
    assert manifest["api"] == {
        "track": "v9",
        "reports": "v3",
        "track_base_url": toggl_sandbox.track_base_url,
        "reports_base_url": toggl_sandbox.reports_base_url,
    }
    assert manifest["started_at"] <= manifest["finished_at"]


async def test_reports_covers_history_older_than_three_months(
    toggl_sandbox: Sandbox, tmp_path: Path
) -> None:
    summary = await export_from(toggl_sandbox, tmp_path)
    rows = read_export(tmp_path, "jsonl")["time_entries"]
    oldest = min(datetime.fromisoformat(r["start"]) for r in rows)
    assert oldest < datetime.now(oldest.tzinfo) - timedelta(days=2 * 365)
    # Reports pages of 50 bound the cost: about 20 requests per 1000 entries, plus setup.
    assert summary.requests_per_1000_entries is not None
    searches = [r for r in toggl_sandbox.requests if r.path.endswith("/search/time_entries")]
    assert len(searches) * 50 >= summary.entries - 1


async def test_output_is_the_same_however_the_work_was_scheduled(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory()
    await export_from(sandbox, tmp_path / "one", concurrency=1)
    await export_from(sandbox, tmp_path / "many", concurrency=12)
    assert data_bytes(tmp_path / "one", "jsonl") == data_bytes(tmp_path / "many", "jsonl")


async def test_selected_workspaces_and_dates(toggl_sandbox: Sandbox, tmp_path: Path) -> None:
    account = toggl_sandbox.account
    wid = account.workspaces[1]["id"]
    today = date.today()
    since = today - timedelta(days=200)
    until = today - timedelta(days=20)
    summary = await export_from(toggl_sandbox, tmp_path, workspaces=[wid], since=since, until=until)
    rows = read_export(tmp_path, "jsonl")
    assert [w["id"] for w in rows["workspaces"]] == [wid]
    assert {p["workspace_id"] for p in rows["projects"]} == {wid}
    entries = rows["time_entries"]
    assert entries
    assert {e["workspace_id"] for e in entries} == {wid}
    zone = ZoneInfo(account.me["timezone"])  # the export writes UTC; days are the user's
    days = [datetime.fromisoformat(e["start"]).astimezone(zone).date() for e in entries]
    assert since <= min(days)
    assert max(days) <= until
    wanted = [
        e
        for e in account.time_entries
        if e["workspace_id"] == wid
        and e["stop"] is not None
        and since <= datetime.fromisoformat(e["start"]).astimezone(zone).date() <= until
    ]
    assert sorted(e["id"] for e in entries) == sorted(e["id"] for e in wanted)
    assert (summary.since, summary.until, summary.workspaces) == (since, until, (wid,))


# -- faults, quota ---------------------------------------------------------------------------------


async def test_faults_lose_nothing(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    faults = Faults(random_rate=0.08, random_kinds=("500", "502", "503", "reset", "truncate"))
    faults.add("429", times=3, retry_after=0)
    faults.add("reset", times=2, path="/search/time_entries")
    faults.add("truncate", times=2, path="/projects")
    faults.add("503", times=2, path="/me")
    sandbox = await toggl_sandbox_factory(account=tiny(), faults=faults)
    await export_from(sandbox, tmp_path, format="sqlite")
    assert len(faults.injected) >= 9
    assert_matches(sandbox.account, read_export(tmp_path, "sqlite"))


async def test_a_tiny_quota_makes_the_export_wait_and_finish(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny(), faults=Faults(quota=(5, 1.0)))
    waits: list[float] = []

    def watch(progress: ExportProgress) -> None:
        if progress.quota_wait is not None:
            waits.append(progress.quota_wait)

    summary = await export_from(sandbox, tmp_path, on_progress=watch, progress_interval=0.05)
    assert_matches(sandbox.account, read_export(tmp_path, "jsonl"))
    assert summary.quota_waits >= 1
    assert waits
    assert all(0 <= w <= 1.0 for w in waits)
    assert json.loads((tmp_path / "manifest.json").read_text())["quota_waits"]["count"] >= 1


async def test_no_wait_stops_resumably_when_the_quota_is_spent(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny(), faults=Faults(quota=(12, 30.0)))
    no_wait = RetryPolicy(max_attempts=5, backoff_base=0.01, wait_for_quota=False)
    with pytest.raises(QuotaExceededError):
        await export_from(sandbox, tmp_path / "out", retry=no_wait)
    assert not (tmp_path / "out" / "manifest.json").exists()
    sandbox.faults.quota = None  # the hour has passed
    summary = await export_from(sandbox, tmp_path / "out", retry=no_wait)
    assert summary.runs == 2
    assert_matches(sandbox.account, read_export(tmp_path / "out", "jsonl"))
    await export_from(sandbox, tmp_path / "ref")
    assert data_bytes(tmp_path / "out", "jsonl") == data_bytes(tmp_path / "ref", "jsonl")


# -- interruptions and resume ----------------------------------------------------------------------


async def until(condition: Callable[[], bool], what: str, seconds: float = 60.0) -> None:
    """Poll ``condition`` until it holds; fail the test (not hang) after ``seconds``."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"gave up after {seconds:.0f} s waiting for {what}")
        await asyncio.sleep(0.002)


async def _cancel_after(sandbox: Sandbox, requests: int, task: asyncio.Task[Any]) -> None:
    await until(lambda: sandbox.request_count >= requests or task.done(), f"{requests} requests")
    task.cancel()


@pytest.mark.parametrize("fmt", ["jsonl", "sqlite", "parquet"])
async def test_cancelled_at_several_points_then_resumed_equals_uninterrupted(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path, fmt: str
) -> None:
    sandbox = await toggl_sandbox_factory(latency=0.002)
    await export_from(sandbox, tmp_path / "ref", format=fmt)
    out = tmp_path / "out"
    interrupted = 0
    for stop_after in (3, 10, 10, 10, 10, 10):  # requests into each run: setup, then pages
        start = sandbox.request_count
        task = asyncio.ensure_future(
            export_from(sandbox, out, format=fmt, checkpoint_interval=0.01, concurrency=3)
        )
        await _cancel_after(sandbox, start + stop_after, task)
        try:
            await task
        except asyncio.CancelledError:
            interrupted += 1
        else:
            break
    assert interrupted >= 4
    summary = await export_from(sandbox, out)
    assert summary.runs >= 4
    assert data_bytes(out, fmt) == data_bytes(tmp_path / "ref", fmt)
    assert_matches(sandbox.account, read_export(out, fmt))


async def test_rows_that_shift_between_pages_are_written_once(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    """An entry inserted before the cursor moves every later row down one place: the row at
    the page boundary comes again on the next page, and must be written once."""
    sandbox = await toggl_sandbox_factory(latency=0.01)
    account = sandbox.account
    wid = account.workspaces[0]["id"]
    searches = f"/workspace/{wid}/search/time_entries"

    async def insert_after_two_pages() -> None:
        """Once a window is on its second page, add an entry near that window's start."""

        def paging() -> list[dict[str, Any]]:
            return [
                json.loads(r.body or b"{}")
                for r in sandbox.requests
                if r.path.endswith(searches) and b"first_row_number" in (r.body or b"")
            ]

        await until(lambda: bool(paging()), "a second page")
        window = date.fromisoformat(paging()[0]["start_date"]) + timedelta(days=1)
        first = min(
            (
                e
                for e in account.time_entries
                if e["workspace_id"] == wid and e["start"][:10] >= window.isoformat()
            ),
            key=lambda e: e["start"],
        )
        start = datetime.fromisoformat(first["start"]) + timedelta(minutes=1)
        async with aiohttp.ClientSession() as session:
            response = await session.post(
                f"{sandbox.track_base_url}/workspaces/{wid}/time_entries",
                json={"created_with": "test", "start": start.isoformat(), "duration": 60},
                headers={"Authorization": sandbox.auth_header()},
            )
            assert response.status == 200

    inserting = asyncio.ensure_future(insert_after_two_pages())
    await export_from(sandbox, tmp_path, concurrency=1, workspaces=[wid])
    await asyncio.wait_for(inserting, 60)
    rows = read_export(tmp_path, "jsonl")["time_entries"]
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    before = {e["id"] for e in expected(account, workspaces=[wid])["time_entries"]}
    assert before - set(ids) <= {max(before)}  # all old entries are there (the new may be too)


async def test_a_second_export_into_the_same_directory_is_refused(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny(), latency=0.02)
    first = asyncio.ensure_future(export_from(sandbox, tmp_path))
    await until((tmp_path / ".toggl-export" / "checkpoint.json").exists, "the first checkpoint")
    with pytest.raises(ExportLockedError, match="another export"):
        await export_from(sandbox, tmp_path)
    await asyncio.wait_for(first, 120)
    assert_matches(sandbox.account, read_export(tmp_path, "jsonl"))


async def test_a_finished_export_is_left_alone_unless_overwrite(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny())
    await export_from(sandbox, tmp_path)
    before = data_bytes(tmp_path, "jsonl")
    count = sandbox.request_count
    again = await export_from(sandbox, tmp_path)
    assert again.already_complete
    assert sandbox.request_count == count
    assert data_bytes(tmp_path, "jsonl") == before
    redone = await export_from(sandbox, tmp_path, overwrite=True, format="csv")
    assert not redone.already_complete
    assert not (tmp_path / "time_entries.jsonl").exists()
    assert_matches(sandbox.account, read_export(tmp_path, "csv"))


async def test_a_resume_must_use_the_same_options(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny(), faults=Faults(quota=(10, 30.0)))
    no_wait = RetryPolicy(max_attempts=3, backoff_base=0.01, wait_for_quota=False)
    with pytest.raises(QuotaExceededError):
        await export_from(sandbox, tmp_path, format="csv", retry=no_wait)
    checkpoint = (tmp_path / ".toggl-export" / "checkpoint.json").read_bytes()
    with pytest.raises(ExportStateError, match="other options"):
        await export_from(sandbox, tmp_path, format="sqlite")
    assert (tmp_path / ".toggl-export" / "checkpoint.json").read_bytes() == checkpoint
    sandbox.faults.quota = None
    summary = await export_from(sandbox, tmp_path, resume=True)  # the format is remembered
    assert summary.format == "csv"
    assert_matches(sandbox.account, read_export(tmp_path, "csv"))


# -- refusals before any request -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"since": date(2024, 5, 2), "until": date(2024, 5, 1)}, ExportOptionsError, "after"),
        ({"since": date(2001, 1, 1)}, ExportOptionsError, "2006-01-01"),
        ({"format": "xml"}, ExportOptionsError, "format"),
        ({"concurrency": 0}, ExportOptionsError, "concurrency"),
        ({"workspaces": []}, ExportOptionsError, "empty"),
        ({"workspaces": ["1"]}, ExportOptionsError, "workspaces"),
        ({"since": datetime(2024, 1, 1)}, ExportOptionsError, "not a datetime"),
        ({"since": "01/01/2024"}, ExportOptionsError, "YYYY-MM-DD"),
        ({"until": 20240101}, ExportOptionsError, "YYYY-MM-DD"),
        ({"since": "2024-05-02", "until": "2024-05-01"}, ExportOptionsError, "after"),
    ],
)
async def test_bad_arguments_fail_before_any_request(
    toggl_sandbox: Sandbox, tmp_path: Path, kwargs: dict[str, Any], error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        await export_from(toggl_sandbox, tmp_path / "out", **kwargs)
    assert toggl_sandbox.request_count == 0
    assert not (tmp_path / "out").exists()


async def test_an_unknown_workspace_is_named_and_nothing_is_written(
    toggl_sandbox: Sandbox, tmp_path: Path
) -> None:
    with pytest.raises(ExportOptionsError, match="42 is not one of yours"):
        await export_from(toggl_sandbox, tmp_path, workspaces=[42])
    assert not (tmp_path / ".toggl-export" / "checkpoint.json").exists()


async def test_a_directory_with_other_files_is_refused_and_untouched(
    toggl_sandbox: Sandbox, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ExportStateError, match="not empty"):
        await export_from(toggl_sandbox, tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert toggl_sandbox.request_count == 0
    with pytest.raises(ExportStateError, match="no unfinished export"):
        await export_from(toggl_sandbox, tmp_path / "empty", resume=True)

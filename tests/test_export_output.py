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


# -- Parquet -------------------------------------------------------------------------------------


async def test_parquet_has_the_declared_schema(toggl_sandbox: Sandbox, tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    await export_from(toggl_sandbox, tmp_path, format="parquet")
    entries = pq.read_schema(tmp_path / "time_entries.parquet")
    utc = pa.timestamp("us", tz="UTC")
    want = {
        "id": pa.int64(),
        "workspace_id": pa.int64(),
        "billable": pa.bool_(),
        "tag_ids": pa.list_(pa.int64()),
        "tag_names": pa.list_(pa.string()),
        "billable_amount_in_cents": pa.int64(),
        "seconds": pa.int64(),
        "start": utc,
        "stop": utc,
        "at": utc,
        "project_name": pa.string(),
        "client_id": pa.int64(),
        "extra": pa.string(),
    }
    assert {name: entries.field(name).type for name in want} == want
    assert not entries.field("id").nullable
    projects = pq.read_schema(tmp_path / "projects.parquet")
    assert projects.field("start_date").type == pa.date32()
    assert projects.field("rate").type == pa.float64()
    tasks = pq.read_schema(tmp_path / "tasks.parquet")
    assert tasks.field("tracked_seconds").type == pa.int64()
    assert tasks.field("tracked_time_seconds").type == pa.float64()
    meta = pq.ParquetFile(tmp_path / "time_entries.parquet").metadata
    assert meta.num_rows == len(toggl_sandbox.account.time_entries)


async def test_duckdb_polars_and_pandas_read_the_parquet_export(
    toggl_sandbox: Sandbox, tmp_path: Path
) -> None:
    duckdb = pytest.importorskip("duckdb")
    pl = pytest.importorskip("polars")
    pd = pytest.importorskip("pandas")
    await export_from(toggl_sandbox, tmp_path, format="jsonl")
    jsonl = read_export(tmp_path, "jsonl")["time_entries"]
    out = tmp_path / "pq"
    await export_from(toggl_sandbox, out, format="parquet")
    path = str(out / "time_entries.parquet")
    seconds = sum(e["seconds"] or 0 for e in jsonl)
    hours = duckdb.sql(
        f"SELECT project_name, date_trunc('month', start) AS month, sum(seconds) / 3600 AS hours "
        f"FROM '{path}' GROUP BY ALL"
    ).fetchall()
    assert round(sum(h or 0 for _, _, h in hours) * 3600) == seconds
    frame = pl.read_parquet(path)
    assert frame.height == len(jsonl)
    assert frame.schema["start"] == pl.Datetime("us", "UTC")
    assert frame["seconds"].sum() == seconds
    pandas = pd.read_parquet(path)
    assert len(pandas) == len(jsonl)
    assert str(pandas["start"].dtype) == "datetime64[us, UTC]"
    by_id = {e["id"]: e for e in jsonl}
    for row in pandas.head(50).itertuples():
        assert row.start.isoformat().replace("+00:00", "Z") == by_id[row.id]["start"]
        assert list(row.tag_names) == by_id[row.id]["tag_names"]


# -- SQLite --------------------------------------------------------------------------------------


async def test_sqlite_declares_types_indexes_start_and_joins_names_in_views(
    toggl_sandbox: Sandbox, tmp_path: Path
) -> None:
    import sqlite3

    await export_from(toggl_sandbox, tmp_path, format="sqlite")
    db = sqlite3.connect(tmp_path / "toggl.sqlite")
    try:
        types = {r[1]: r[2] for r in db.execute("PRAGMA table_info(time_entries)")}
        assert types["id"] == types["seconds"] == types["billable"] == "INTEGER"
        assert types["start"] == types["description"] == types["tag_ids"] == "TEXT"
        assert types["client_id"] == "INTEGER" and types["project_name"] == "TEXT"
        projects = {r[1]: r[2] for r in db.execute("PRAGMA table_info(projects)")}
        assert projects["rate"] == "REAL" and projects["active"] == "INTEGER"
        assert db.execute("SELECT typeof(billable) FROM time_entries LIMIT 1").fetchone() == (
            "integer",
        )
        plan = db.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM time_entries WHERE start >= '2025-01-01'"
        ).fetchall()
        assert any("time_entries_start" in str(step) for step in plan), plan
        # Text order is time order: the newest start is the latest instant.
        starts = [r[0] for r in db.execute("SELECT start FROM time_entries ORDER BY start")]
        assert all(s.endswith("Z") for s in starts)
        assert starts == sorted(starts, key=lambda s: s.replace("Z", "+00:00"))
        bad = db.execute(
            "SELECT count(*) FROM task_names v JOIN tasks t ON t.id = v.id "
            "JOIN projects p ON p.id = t.project_id WHERE v.project_name IS NOT p.name"
        ).fetchone()
        assert bad == (0,)
        tagged = db.execute("SELECT count(*), count(tag_name) FROM time_entry_tags").fetchone()
        total = sum(len(json.loads(r[0])) for r in db.execute("SELECT tag_ids FROM time_entries"))
        assert tagged == (total, total) and total > 100
        clients = db.execute(
            "SELECT count(*) FROM project_names WHERE client_id IS NOT NULL AND client_name IS NULL"
        ).fetchone()
        assert clients == (0,)
    finally:
        db.close()


async def test_parquet_without_pyarrow_is_refused_before_any_request(
    toggl_sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    from toggl_async.export import ExportOptionsError

    real = importlib.util.find_spec

    def no_pyarrow(name: str, *args: Any) -> Any:
        return None if name == "pyarrow" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", no_pyarrow)
    before = toggl_sandbox.request_count
    with pytest.raises(ExportOptionsError, match=r"toggl-async\[parquet\]"):
        await export_from(toggl_sandbox, tmp_path / "out", format="parquet")
    assert toggl_sandbox.request_count == before
    assert not (tmp_path / "out").exists()

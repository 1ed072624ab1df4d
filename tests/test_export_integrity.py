"""The export's integrity guards (issue 10): it continues only the same export, writes every
id once, keeps its files private, refuses tampered checkpoints and unstorable values with
typed errors, says when it is partial, and leaves a refused directory as it found it."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import stat
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import verbatim_int
from tests.test_export import (
    DATA_FILES,
    assert_matches,
    expected,
    export_from,
    read_export,
    tiny,
)
from toggl_async import QuotaExceededError, RetryPolicy
from toggl_async.export import (
    ExportDataError,
    ExportDirectoryError,
    ExportOptionsError,
    ExportProgress,
    ExportStateError,
    export_account,
)
from toggl_async.export.display import PlainDisplay
from toggl_async.export.ids import IdSet
from toggl_async.testing import Account, Sandbox

NO_WAIT = RetryPolicy(max_attempts=3, backoff_base=0.01, wait_for_quota=False)
CHECKPOINT = Path(".toggl-export") / "checkpoint.json"


async def interrupted(sandbox: Sandbox, out: Path, quota: int = 14, **kwargs: Any) -> None:
    """An export stopped by a spent quota: an unfinished export in ``out``."""
    sandbox.faults.quota = (quota, 60.0)
    with pytest.raises(QuotaExceededError):
        await export_from(sandbox, out, retry=NO_WAIT, **kwargs)
    sandbox.faults.quota = None
    assert (out / CHECKPOINT).exists()


def tree(directory: Path) -> dict[str, bytes | None]:
    """Every path under ``directory`` (files with their bytes): to prove nothing changed."""
    return {
        str(p.relative_to(directory)): p.read_bytes() if p.is_file() else None
        for p in sorted(directory.rglob("*"))
    }


# -- 1: a resume continues the same export, or is refused -------------------------------------


async def test_a_resume_against_another_source_is_refused_naming_it(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    first = await toggl_sandbox_factory(account=tiny(3))
    other = await toggl_sandbox_factory(account=tiny(4))
    await interrupted(first, tmp_path)
    before = tree(tmp_path)
    with pytest.raises(ExportStateError, match=r"other options \(source: track http"):
        await export_from(other, tmp_path)
    assert tree(tmp_path) == before
    assert other.request_count == 0


async def test_a_resume_with_another_users_token_is_refused(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    """Same source (as with one base URL and two tokens), another user: refused."""
    first = await toggl_sandbox_factory(account=tiny(3))
    other = await toggl_sandbox_factory(account=tiny(4))
    await interrupted(first, tmp_path, source={"api": "the same"})
    before = tree(tmp_path)
    with pytest.raises(ExportStateError, match=rf"user {first.account.user_id}, but this API "):
        await export_from(other, tmp_path, source={"api": "the same"})
    assert tree(tmp_path) == before
    # The right account resumes and finishes it.
    summary = await export_from(first, tmp_path, source={"api": "the same"})
    assert summary.runs == 2
    assert_matches(first.account, read_export(tmp_path, "jsonl"))


async def test_a_resume_refuses_when_the_accounts_workspaces_changed(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny(3))
    await interrupted(sandbox, tmp_path)
    gone = sandbox.account.workspaces[1]
    gone["server_deleted_at"] = "2024-01-01T00:00:00Z"
    sandbox.account.touch()
    with pytest.raises(ExportStateError, match=f"{gone['id']}, which this user no longer has"):
        await export_from(sandbox, tmp_path)


async def test_a_refused_listing_makes_a_partial_export_that_says_what_is_missing(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    """A workspace that turns 403 mid-export: the rest is exported, the summary and the
    manifest say it is partial and name what is missing."""
    sandbox = await toggl_sandbox_factory(account=tiny(3))
    lost = sandbox.account.workspaces[1]

    def lose_access(progress: ExportProgress) -> None:
        if progress.phase == "fetching" and lost.get("server_deleted_at") is None:
            lost["server_deleted_at"] = "2024-01-01T00:00:00Z"
            sandbox.account.touch()

    summary = await export_from(sandbox, tmp_path, on_progress=lose_access, concurrency=1)
    assert not summary.complete
    missing = {(m["workspace_id"], m["object"]) for m in summary.missing}
    assert {(lost["id"], k) for k in ("projects", "clients", "tags", "tasks")} <= missing
    assert (lost["id"], "time_entries") in missing
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["complete"] is False
    assert {(m["workspace_id"], m["object"]) for m in manifest["missing"]} == missing
    kept = sandbox.account.workspaces[0]["id"]
    rows = read_export(tmp_path, "jsonl")
    assert [w["id"] for w in rows.pop("workspaces")] == [kept, lost["id"]]
    for kind, wanted in expected(sandbox.account, workspaces=[kept]).items():
        if kind != "workspaces":
            assert sorted(r["id"] for r in rows[kind]) == sorted(w["id"] for w in wanted), kind
    # A finished partial export stays partial when asked again.
    again = await export_from(sandbox, tmp_path)
    assert again.already_complete
    assert not again.complete


async def test_a_complete_export_says_so(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny(3))
    summary = await export_from(sandbox, tmp_path)
    assert summary.complete
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert (manifest["complete"], manifest["missing"]) == (True, [])


# -- 2: a finished export and other options ------------------------------------------------------


async def test_a_finished_export_and_other_options_is_refused_unless_overwrite(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny(3))
    await export_from(sandbox, tmp_path)
    before = tree(tmp_path)
    count = sandbox.request_count
    with pytest.raises(ExportStateError, match="finished export made with other options") as info:
        await export_from(sandbox, tmp_path, format="csv", since="2025-01-01")
    assert "format: 'jsonl' before, 'csv' now" in str(info.value)
    assert "since: None before, '2025-01-01' now" in str(info.value)
    assert tree(tmp_path) == before
    assert sandbox.request_count == count
    # The same options (or none) keep "nothing to do".
    same = await export_from(sandbox, tmp_path, format="jsonl")
    assert same.already_complete
    redone = await export_from(sandbox, tmp_path, format="csv", overwrite=True)
    assert not redone.already_complete
    assert redone.format == "csv"


# -- 3: every id once, whatever page it comes again on -------------------------------------------


def _move_entry(sandbox: Sandbox, entry: dict[str, Any], after: dict[str, Any]) -> None:
    """Edit ``entry`` (already read) to start just after ``after`` (pages ahead), and add
    an entry just before where it was, so that rows in between keep their place (offset
    pages would otherwise skip the row that moves up). Synchronous: the export cannot read a
    page between the two changes."""
    store = sandbox.account.time_entries
    row = store.row_by_id(entry["id"])
    target = store.row_by_id(after["id"])
    assert row is not None and target is not None
    store.save(dataclasses.replace(row, start=target.start + 60))
    store.save(dataclasses.replace(row, id=store.new_id(), start=row.start - 60, duration=30))


def _window_entries(account: Account, wid: int) -> list[dict[str, Any]]:
    stopped = [e for e in account.time_entries if e["workspace_id"] == wid and e["stop"]]
    return sorted(stopped, key=lambda e: (e["start"], e["id"]))


@pytest.mark.parametrize("resume", [False, True])
async def test_an_entry_that_comes_again_pages_later_is_written_once(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path, resume: bool
) -> None:
    """An entry read on the first page is edited to a later start while the export reads:
    Reports lists it again five pages on. It is exported once (also across a resume)."""
    sandbox = await toggl_sandbox_factory(account=tiny(3), latency=0.005)
    wid = sandbox.account.workspaces[0]["id"]
    entries = _window_entries(sandbox.account, wid)
    first, later = entries[0], entries[55]
    before = {e["id"] for e in expected(sandbox.account, workspaces=[wid])["time_entries"]}
    moved = asyncio.Event()

    def on_progress(progress: ExportProgress) -> None:
        if progress.counts["time_entries"] >= 10 and not moved.is_set():
            moved.set()
            if not resume:
                _move_entry(sandbox, first, later)

    task = asyncio.ensure_future(
        export_from(
            sandbox,
            tmp_path,
            workspaces=[wid],
            page_size=10,
            concurrency=1,
            on_progress=on_progress,
            progress_interval=0.001,
            checkpoint_interval=0.01,
        )
    )
    await asyncio.wait_for(moved.wait(), 30)
    if resume:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    if resume:
        _move_entry(sandbox, first, later)
        summary = await export_from(sandbox, tmp_path, resume=True)
        assert summary.runs == 2
    else:
        summary = await asyncio.wait_for(task, 60)
    ids = [r["id"] for r in read_export(tmp_path, "jsonl")["time_entries"]]
    assert len(ids) == len(set(ids)), "an entry was written twice"
    assert set(ids) == before  # the entry added behind the cursor is not read: it is new
    assert summary.counts["time_entries"] == len(ids)
    searched = [r for r in sandbox.requests if r.path.endswith("/search/time_entries")]
    assert len(searched) >= 6  # the move really was pages away


def test_the_id_set_holds_a_million_ids_in_about_16_mb() -> None:
    ids = IdSet()
    for value in range(3_000_000_001, 3_000_000_001 + 2_000_000, 2):
        assert ids.add(value)
    assert len(ids) == 1_000_000
    assert not ids.add(3_000_000_001)
    assert 3_000_000_003 in ids
    assert 3_000_000_002 not in ids
    assert ids.nbytes() <= 17 * 2**20
    with pytest.raises(ValueError, match="64-bit"):
        ids.add(2**70)


def test_a_torn_id_log_write_is_overwritten_not_appended_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk mid-write leaves part of an id in the log: the next sync must write
    from the durable length, or a resume would read shifted, wrong ids (and skip rows)."""
    import os

    from toggl_async.export.ids import SeenIds

    seen = SeenIds(tmp_path, ["tags"], {})
    for value in range(1, 11):
        seen.add("tags", value)
    assert seen.sync() == {"tags": 80}
    for value in range(11, 21):
        seen.add("tags", value)
    real = os.pwrite

    def torn(fd: int, data: Any, offset: int) -> int:
        real(fd, bytes(data[:12]), offset)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "pwrite", torn)
    with pytest.raises(OSError, match="No space"):
        seen.sync()
    monkeypatch.setattr(os, "pwrite", real)
    sizes = seen.sync()
    assert sizes == {"tags": 160}
    again = SeenIds(tmp_path, ["tags"], sizes)
    assert all(("tags", v) in again for v in range(1, 21))
    assert ("tags", 21) not in again


# -- 12: values no format can store ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite"])
async def test_an_id_beyond_64_bits_is_a_typed_error_in_every_format(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path, fmt: str
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny(3))
    client = sandbox.account.clients[0]
    client["id"] = verbatim_int(2**70)  # the sandbox sends it verbatim
    sandbox.account.touch()
    with pytest.raises(ExportDataError, match=r"clients with id \S+ in workspace \d+, which does"):
        await export_from(sandbox, tmp_path, format=fmt)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite"])
def test_a_value_beyond_64_bits_is_kept_as_text_and_refused_by_sqlite(
    tmp_path: Path, fmt: str
) -> None:
    """JSON text holds any integer, whichever JSON backend is installed (orjson stops at 64
    bits: the stdlib encoder takes over), so jsonl and csv keep such a value as sent; a SQLite
    column cannot, and that is an ExportDataError, never an OverflowError traceback."""
    from toggl_async.export.sinks import make_sink
    from toggl_async.export.state import Unit
    from toggl_async.export.tables import table

    work = tmp_path / ".toggl-export"
    work.mkdir()
    sink = make_sink(fmt, tmp_path, work)
    tags = table("tags")
    unit = Unit(key="tags/1", kind="tags", workspace_id=1, part="tags.1")
    sink.open(unit, tags)
    values: list[Any] = [1, *([None] * (len(tags.columns) - 1))]
    try:
        sink.write(unit, tags, [(values, {"huge": 2**70})])  # in "extra": JSON text
        if fmt == "sqlite":
            with pytest.raises(ExportDataError, match="64 bits"):
                sink.write(unit, tags, [([2**70, *values[1:]], {})])
        else:
            sink.write(unit, tags, [([2**70, *values[1:]], {})])
    finally:
        sink.close()
    if fmt != "sqlite":
        written = (work / "parts" / "tags.1").read_bytes() if (work / "parts").exists() else b""
        written = written or b"".join(f.read_bytes() for f in work.rglob("tags.1*"))
        assert written.count(str(2**70).encode()) == 2


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite", "parquet"])
async def test_a_full_disk_is_the_same_clear_error_in_every_format(
    toggl_sandbox_factory: Callable[..., Any],
    tmp_path: Path,
    fmt: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ENOSPC from a part file and SQLITE_FULL from SQLite: one ExportDirectoryError."""
    import sqlite3

    from toggl_async.export import sink_parts, sinks

    sandbox = await toggl_sandbox_factory(account=tiny(3))
    if fmt == "sqlite":
        connect = sqlite3.connect

        def small_disk(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            db = connect(*args, **kwargs)
            db.execute("PRAGMA max_page_count=3")  # SQLite's own "database or disk is full"
            return db

        monkeypatch.setattr(sinks.sqlite3, "connect", small_disk)
    else:
        real = sink_parts.open_private

        class Full:
            def __init__(self, handle: Any) -> None:
                self.handle = handle

            def write(self, data: bytes) -> int:
                raise OSError(28, "No space left on device")

            def __getattr__(self, name: str) -> Any:
                return getattr(self.handle, name)

        def full(path: Path, mode: str) -> Any:
            return Full(real(path, mode))

        monkeypatch.setattr(sink_parts, "open_private", full)
    with pytest.raises(ExportDirectoryError, match=r"cannot write the export in .*(full|space)"):
        await export_from(sandbox, tmp_path, format=fmt)


# -- 14: a tampered checkpoint ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../../../victim.txt", "/tmp/victim.txt", "..", "a/b", ""])
async def test_a_tampered_part_name_is_refused_and_nothing_outside_is_touched(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path, name: str
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny(3))
    out = tmp_path / "a" / "b" / "out"
    await interrupted(sandbox, out)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    checkpoint = json.loads((out / CHECKPOINT).read_text())
    unit = next(u for u in checkpoint["units"].values() if u["part"])
    unit["part"] = name
    unit["size"] = 0
    (out / CHECKPOINT).write_text(json.dumps(checkpoint))
    with pytest.raises(ExportStateError, match="not a plain file name"):
        await export_from(sandbox, out)
    assert victim.read_text() == "precious"


async def test_a_checkpoint_of_another_version_is_refused(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny(3))
    await interrupted(sandbox, tmp_path)
    checkpoint = json.loads((tmp_path / CHECKPOINT).read_text())
    checkpoint["version"] = 1
    (tmp_path / CHECKPOINT).write_text(json.dumps(checkpoint))
    before = tree(tmp_path)
    with pytest.raises(ExportStateError, match="unsupported checkpoint version 1"):
        await export_from(sandbox, tmp_path)
    assert tree(tmp_path) == before


# -- 15: private files ---------------------------------------------------------------------------


def _modes(root: Path) -> dict[str, tuple[int, bool]]:
    return {
        str(p.relative_to(root)): (stat.S_IMODE(p.stat().st_mode), p.is_dir())
        for p in root.rglob("*")
    }


@pytest.mark.parametrize("fmt", ["jsonl", "sqlite"])
async def test_export_files_are_0600_and_directories_0700(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path, fmt: str
) -> None:
    import os

    old = os.umask(0o022)  # a usual umask: it would leave 0644 files
    try:
        sandbox = await toggl_sandbox_factory(account=tiny(3))
        out = tmp_path / "new" / "out"
        await interrupted(sandbox, out, format=fmt, quota=12)
        during = _modes(tmp_path / "new")
        await export_from(sandbox, out)
        after = _modes(tmp_path / "new")
    finally:
        os.umask(old)
    for modes in (during, after):
        assert any("checkpoint.json" in p for p in modes)
        for path, (mode, is_dir) in modes.items():
            assert mode == (0o700 if is_dir else 0o600), f"{path}: {oct(mode)}"
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700
    assert any(p.endswith(("lock", "manifest.json")) for p in after)
    assert set(DATA_FILES[fmt]) <= {Path(p).name for p in after}


# -- 17: a refused run leaves the directory as it found it -----------------------------------------


async def test_refused_runs_leave_no_trace(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny(3))
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(ExportStateError, match="not empty"):
        await export_from(sandbox, foreign)
    assert tree(foreign) == {"notes.txt": b"mine"}

    with pytest.raises(ExportOptionsError, match="42 is not one of yours"):
        await export_from(sandbox, tmp_path / "unknown" / "out", workspaces=[42])
    assert not (tmp_path / "unknown").exists()

    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ExportOptionsError, match="42 is not one of yours"):
        await export_from(sandbox, empty, workspaces=[42])
    assert tree(empty) == {}

    from toggl_async import AuthenticationError, TogglClient

    async with TogglClient(
        api_token="wrong-token",
        track_base_url=sandbox.track_base_url,
        reports_base_url=sandbox.reports_base_url,
        retry=NO_WAIT,
    ) as wrong:
        with pytest.raises(AuthenticationError):
            await export_account(wrong, tmp_path / "token" / "out")
    assert not (tmp_path / "token").exists()

    with pytest.raises(ExportStateError, match="no unfinished export"):
        await export_from(sandbox, tmp_path / "missing", resume=True)
    assert not (tmp_path / "missing").exists()


# -- 19: the same date forms as Reports ------------------------------------------------------------


async def test_since_and_until_accept_yyyy_mm_dd_like_reports(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny(3))
    since = date.today() - timedelta(days=100)
    until = date.today() - timedelta(days=2)
    summary = await export_from(sandbox, tmp_path, since=since.isoformat(), until=str(until))
    assert (summary.since, summary.until) == (since, until)
    days = [
        datetime.fromisoformat(e["start"]).date()
        for e in read_export(tmp_path, "jsonl")["time_entries"]
    ]
    assert days
    assert since <= min(days)
    assert max(days) <= until


async def test_an_until_far_ahead_is_refused_and_a_year_ahead_works(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    """Item 12's sibling in the export's own window arithmetic: ``until=date.max`` was an
    OverflowError traceback. A far-future day is refused before any request (it would cost a
    Reports window per year of nothing); a year ahead is a range like any other."""
    sandbox = await toggl_sandbox_factory(account=tiny(3))
    with pytest.raises(ExportOptionsError, match="until"):
        await export_from(sandbox, tmp_path / "far", until=date.max)
    assert not (tmp_path / "far").exists()
    ahead = date.today() + timedelta(days=365)
    summary = await export_from(sandbox, tmp_path / "near", until=ahead)
    assert summary.until == ahead
    assert summary.entries == len(sandbox.account.time_entries)


# -- 21: the range covered, and an honest progress line on resume ----------------------------------


async def test_summary_and_manifest_report_the_range_actually_covered(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    from zoneinfo import ZoneInfo

    sandbox = await toggl_sandbox_factory(account=tiny(3))
    zone = ZoneInfo(sandbox.account.me["timezone"])
    since = date(2015, 1, 1)
    summary = await export_from(sandbox, tmp_path, since=since)
    days = sorted(  # start days in the user's timezone, as since/until are
        datetime.fromisoformat(e["start"]).astimezone(zone).date()
        for e in read_export(tmp_path, "jsonl")["time_entries"]
    )
    assert summary.since == since
    assert (summary.first_entry, summary.last_entry) == (days[0], days[-1])
    assert summary.first_entry > since
    manifest = json.loads((tmp_path / "manifest.json").read_text())["range"]
    assert manifest["since"] == "2015-01-01"
    assert (manifest["first_entry"], manifest["last_entry"]) == (
        days[0].isoformat(),
        days[-1].isoformat(),
    )


async def test_a_resumed_run_does_not_report_zero_speed_and_no_time_left(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny(3), latency=0.01)
    await interrupted(sandbox, tmp_path, quota=16, page_size=10)
    seen: list[ExportProgress] = []
    summary = await export_from(sandbox, tmp_path, on_progress=seen.append, progress_interval=0.001)
    assert summary.runs == 2
    fetching = [p for p in seen if p.phase == "fetching"]
    assert fetching
    assert fetching[0].counts["time_entries"] > 0  # the earlier run's entries
    assert fetching[0].entries_per_second is None
    assert fetching[0].eta is None
    assert all(p.entries_per_second is None or p.entries_per_second > 0 for p in seen)
    assert all(p.eta is None or p.eta > 0 or p.fraction >= 1.0 for p in fetching)

    import io

    stream = io.StringIO()
    PlainDisplay(stream).update(fetching[0])
    assert "(— entries/s)" in stream.getvalue()
    assert "ETA —" in stream.getvalue()

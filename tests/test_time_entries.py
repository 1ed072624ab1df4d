"""Time entries beyond the seeds: listing, create/start/stop/update/delete, bulk patch.

Exact requests with aioresponses; the lifecycle, "never re-create blindly" and the
documented recovery over real sockets against the sandbox.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from aioresponses import aioresponses
from yarl import URL

from toggl_async import (
    ConflictError,
    NotFoundError,
    RetryPolicy,
    TogglClient,
    TogglConnectionError,
    __version__,
)
from toggl_async.records import PatchFailure, PatchResult, TimeEntry
from toggl_async.testing import Sandbox

from .helpers import TOKEN, TRACK, only_call, recorded, recorded_body

pytest_plugins = ["toggl_async.testing.pytest_plugin"]

WID = 4567890
ENTRIES = f"{TRACK}/workspaces/{WID}/time_entries"
T0 = datetime(2024, 4, 10, 8, 0, tzinfo=UTC)


@pytest.fixture
async def toggl() -> AsyncIterator[TogglClient]:
    async with TogglClient(api_token=TOKEN, retry=RetryPolicy.never()) as client:
        yield client


def body_of(kwargs: dict[str, Any]) -> Any:
    return json.loads(kwargs["data"])


# -- list ------------------------------------------------------------------------------------


async def test_list_sends_the_recorded_query_and_parses_entries(toggl: TogglClient) -> None:
    interaction = recorded("get_latest_time_entries_qp_success")[0]
    assert interaction["request"]["query"] == "end_date=2024-04-13&start_date=2024-04-10"
    with aioresponses() as m:
        m.get(
            f"{TRACK}/me/time_entries?start_date=2024-04-10&end_date=2024-04-13",
            body=interaction["response"]["body"],
        )
        entries = await toggl.time_entries.list(start_date=date(2024, 4, 10), end_date="2024-04-13")
    assert [e.id for e in entries] == [3404802040]
    entry = entries[0]
    assert entry.duration == 3600 and not entry.is_running
    assert entry.tags == ["development", "ruby"] and entry.tag_ids == [16009455, 16009456]
    assert entry.start == T0 and entry.stop == T0 + timedelta(hours=1)


async def test_list_encodes_since_before_and_meta(toggl: TogglClient) -> None:
    since = datetime(2024, 4, 1, tzinfo=UTC)
    before = datetime(2024, 4, 2, 12, 30, tzinfo=timezone(timedelta(hours=2)))
    with aioresponses() as m:
        m.get(
            f"{TRACK}/me/time_entries?since={int(since.timestamp())}"
            "&before=2024-04-02T10:30:00Z&meta=true",
            body=json.dumps(recorded_body("get_latest_time_entries_success")),
        )
        entries = await toggl.time_entries.list(since=since, before=before, meta=True)
        method, url, _ = only_call(m)
    assert method == "GET" and url.query["before"] == "2024-04-02T10:30:00Z"
    assert all(isinstance(e, TimeEntry) for e in entries) and entries


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start_date": date(2024, 4, 10)}, "go together"),
        ({"end_date": date(2024, 4, 10)}, "go together"),
        ({"before": datetime(2024, 4, 10)}, "timezone-aware"),
        ({"since": datetime(2024, 4, 10)}, "timezone-aware"),
        ({"start_date": "10/04/2024", "end_date": "2024-04-12"}, "YYYY-MM-DD"),
    ],
)
async def test_list_refuses_bad_dates_before_sending(
    toggl: TogglClient, kwargs: dict[str, Any], message: str
) -> None:
    with aioresponses() as m:
        with pytest.raises(ValueError, match=message):
            await toggl.time_entries.list(**kwargs)
        assert not m.requests


# -- create / start ----------------------------------------------------------------------------


async def test_create_sends_workspace_created_with_and_utc_start(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.post(ENTRIES, body=recorded("create_time_entry_success")[0]["response"]["body"])
        entry = await toggl.time_entries.create(
            WID,
            start=datetime(2024, 4, 10, 10, 0, tzinfo=timezone(timedelta(hours=2))),
            duration=3600,
            description="CREATE time entry",
            project_id=201876878,
            tags=["development", "ruby"],
        )
        _, url, kwargs = only_call(m)
    assert url == URL(ENTRIES)
    assert body_of(kwargs) == {
        "workspace_id": WID,
        "created_with": f"toggl-async/{__version__}",
        "start": "2024-04-10T08:00:00Z",
        "duration": 3600,
        "description": "CREATE time entry",
        "project_id": 201876878,
        "tags": ["development", "ruby"],
    }
    assert entry.id == 3404802040 and entry.project_id == 201876878
    assert entry.tag_ids == [16009455, 16009456] and entry.workspace_id == WID


async def test_create_with_stop_sends_whole_seconds_that_agree(toggl: TogglClient) -> None:
    start = datetime(2024, 4, 10, 8, 0, 0, 900_000, tzinfo=UTC)
    stop = datetime(2024, 4, 10, 8, 0, 10, 100_000, tzinfo=UTC)
    with aioresponses() as m:
        m.post(ENTRIES, body=recorded("create_time_entry_success")[0]["response"]["body"])
        await toggl.time_entries.create(WID, start=start, stop=stop, billable=True)
        body = body_of(only_call(m)[2])
    # Toggl sees 08:00:00 .. 08:00:10: the duration must be 10, not 9.2 rounded down.
    assert body["start"] == "2024-04-10T08:00:00Z" and body["stop"] == "2024-04-10T08:00:10Z"
    assert body["duration"] == 10 and body["billable"] is True


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"start": datetime(2024, 4, 10, 8), "duration": 60}, ValueError, "timezone-aware"),
        ({"start": "2024-04-10T08:00:00Z", "duration": 60}, TypeError, "datetime"),
        ({"start": T0}, ValueError, "stop or duration"),
        ({"start": T0, "stop": T0 - timedelta(seconds=1)}, ValueError, "before start"),
        ({"start": T0, "duration": -1}, ValueError, r"time_entries\.start\(\)"),
        ({"start": T0, "stop": T0 + timedelta(seconds=60), "duration": 61}, ValueError, "disagree"),
        ({"start": T0, "duration": 60, "tags": "dev"}, TypeError, "tag names"),
        ({"start": T0, "duration": 60, "project_id": 0}, ValueError, "positive"),
        ({"start": T0, "duration": 60, "tag_ids": ["1"]}, TypeError, "int id"),
    ],
)
async def test_create_refuses_bad_input_before_sending(
    toggl: TogglClient, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with aioresponses() as m:
        with pytest.raises(error, match=message):
            await toggl.time_entries.create(WID, **kwargs)
        assert not m.requests


async def test_stop_and_duration_that_agree_are_both_sent(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.post(ENTRIES, body=recorded("create_time_entry_success")[0]["response"]["body"])
        await toggl.time_entries.create(
            WID, start=T0, stop=T0 + timedelta(hours=1), duration=3600, created_with="my-app"
        )
        body = body_of(only_call(m)[2])
    assert body["duration"] == 3600 and body["stop"] == "2024-04-10T09:00:00Z"
    assert body["created_with"] == "my-app"


async def test_start_sends_duration_minus_one_and_returns_a_running_entry(
    toggl: TogglClient,
) -> None:
    running = recorded_body("get_current_time_entry_is_running")
    with aioresponses() as m:
        m.post(ENTRIES, body=json.dumps(running))
        before = datetime.now(UTC).replace(microsecond=0)
        entry = await toggl.time_entries.start(WID, description="Time entry running!!")
        body = body_of(only_call(m)[2])
    assert body["duration"] == -1 and "stop" not in body
    assert body["description"] == "Time entry running!!" and body["workspace_id"] == WID
    sent_start = datetime.fromisoformat(body["start"])
    assert before <= sent_start <= datetime.now(UTC)
    assert entry.is_running and entry.stop is None


# -- stop / update / delete ----------------------------------------------------------------------


async def test_stop_parses_the_recorded_stopped_entry(toggl: TogglClient) -> None:
    interaction = recorded("stop_a_running_entry_success")[0]
    with aioresponses() as m:
        m.patch(f"{ENTRIES}/3421446028/stop", body=interaction["response"]["body"])
        entry = await toggl.time_entries.stop(WID, 3421446028)
        method, _, kwargs = only_call(m)
    assert method == "PATCH" and kwargs.get("data") is None
    assert not entry.is_running and entry.duration == 414
    assert entry.stop == datetime(2024, 4, 25, 3, 28, 7, tzinfo=UTC)


async def test_stopping_a_stopped_entry_is_a_conflict(toggl: TogglClient) -> None:
    interaction = recorded("stop_a_stopped_entry_success")[0]
    assert interaction["response"]["status"] == 409
    with aioresponses() as m:
        m.patch(
            f"{ENTRIES}/3421446028/stop",
            status=409,
            body=interaction["response"]["body"],
            headers=interaction["response"]["headers"],
        )
        with pytest.raises(ConflictError) as caught:
            await toggl.time_entries.stop(WID, 3421446028)
    assert caught.value.status == 409
    assert caught.value.message == "Time entry already stopped"


async def test_update_sends_only_the_fields_passed(toggl: TogglClient) -> None:
    interaction = recorded("update_time_entry_success")[0]
    with aioresponses() as m:
        m.put(f"{ENTRIES}/3404802040", body=interaction["response"]["body"])
        entry = await toggl.time_entries.update(WID, 3404802040, description="UPDATE time entry")
        body = body_of(only_call(m)[2])
    assert (
        body == json.loads(interaction["request"]["body"]) == {"description": "UPDATE time entry"}
    )
    assert entry.description == "UPDATE time entry"
    assert entry.at == datetime(2024, 4, 29, 15, 43, 26, tzinfo=UTC)


async def test_update_accepts_the_typed_fields_of_create(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.put(f"{ENTRIES}/1", body=recorded("update_time_entry_success")[0]["response"]["body"])
        await toggl.time_entries.update(
            WID, 1, start=T0, stop=T0 + timedelta(minutes=5), tag_ids=[], billable=False
        )
        body = body_of(only_call(m)[2])
    assert body == {
        "start": "2024-04-10T08:00:00Z",
        "stop": "2024-04-10T08:05:00Z",
        "tag_ids": [],
        "billable": False,
    }


async def test_update_without_fields_or_with_bad_ones_sends_nothing(toggl: TogglClient) -> None:
    with aioresponses() as m:
        with pytest.raises(ValueError, match="at least one field"):
            await toggl.time_entries.update(WID, 1)
        with pytest.raises(ValueError, match="before start"):
            await toggl.time_entries.update(WID, 1, start=T0, stop=T0 - timedelta(hours=1))
        with pytest.raises(ValueError, match="timezone-aware"):
            await toggl.time_entries.update(WID, 1, stop=datetime(2024, 1, 1))
        assert not m.requests


async def test_delete_returns_none_on_the_recorded_empty_200(toggl: TogglClient) -> None:
    interaction = recorded("delete_time_entry_success")[0]
    assert interaction["response"]["body"] == ""
    with aioresponses() as m:
        m.delete(f"{ENTRIES}/3404802040", status=200, body="")
        assert await toggl.time_entries.delete(WID, 3404802040) is None
        method, _, _ = only_call(m)
    assert method == "DELETE"


# -- bulk patch ----------------------------------------------------------------------------------


async def test_patch_sends_the_recorded_bulk_request(toggl: TogglClient) -> None:
    interaction = recorded("bulk_patch_time_entries_success")[0]
    operations = json.loads(interaction["request"]["body"])
    with aioresponses() as m:
        m.patch(f"{ENTRIES}/3398443148,3398445220", body=interaction["response"]["body"])
        result = await toggl.time_entries.patch(WID, [3398443148, 3398445220], operations)
        _, url, kwargs = only_call(m)
    assert url.path == interaction["request"]["path"]
    assert body_of(kwargs) == [{"op": "replace", "path": "/pid", "value": 201899518}]
    assert isinstance(result, PatchResult)
    assert result.success == [3398443148, 3398445220] and result.failure == [] and result.ok


async def test_patch_result_types_failures_and_tolerates_missing_lists(
    toggl: TogglClient,
) -> None:
    with aioresponses() as m:
        m.patch(
            f"{ENTRIES}/1,2",
            body=json.dumps({"success": [1], "failure": [{"id": 2, "message": "not found"}]}),
        )
        m.patch(f"{ENTRIES}/3", body=json.dumps({"success": [3]}))
        mixed = await toggl.time_entries.patch(WID, [1, 2], [{"op": "remove", "path": "/tags"}])
        partial = await toggl.time_entries.patch(
            WID, (3,), [{"op": "add", "path": "/tags", "value": ["x"]}]
        )
    assert mixed.failure == [PatchFailure(id=2, message="not found")] and not mixed.ok
    assert partial.success == [3] and partial.failure == [] and partial.ok


@pytest.mark.parametrize(
    ("ids", "operations", "error", "message"),
    [
        ([], [{"op": "replace", "path": "/billable", "value": True}], ValueError, "empty"),
        (range(1, 102), [{"op": "replace", "path": "/billable", "value": True}], ValueError, "100"),
        ([1], [], ValueError, "empty"),
        ([1], [{"op": "move", "path": "/billable", "value": True}], ValueError, "add, remove"),
        ([1], [{"op": "replace", "path": "billable", "value": True}], ValueError, "pointer"),
        ([1], [{"op": "replace", "path": "/billable"}], ValueError, "value"),
        ([1], {"op": "replace", "path": "/billable", "value": True}, TypeError, "list"),
        ([0], [{"op": "replace", "path": "/billable", "value": True}], ValueError, "positive"),
    ],
)
async def test_patch_refuses_bad_input_before_sending(
    toggl: TogglClient, ids: Any, operations: Any, error: type[Exception], message: str
) -> None:
    with aioresponses() as m:
        with pytest.raises(error, match=message):
            await toggl.time_entries.patch(WID, ids, operations)
        assert not m.requests


async def test_patch_accepts_exactly_one_hundred_ids(toggl: TogglClient) -> None:
    ids = list(range(1, 101))
    with aioresponses() as m:
        m.patch(f"{ENTRIES}/{','.join(map(str, ids))}", body=json.dumps({"success": ids}))
        result = await toggl.time_entries.patch(
            WID, ids, [{"op": "replace", "path": "/billable", "value": True}]
        )
    assert result.success == ids


# -- running-entry arithmetic on the record ------------------------------------------------------


def test_running_entry_encodings() -> None:
    start = datetime(2024, 4, 25, 3, 21, 13, tzinfo=UTC)
    later = start + timedelta(minutes=7, seconds=30)
    legacy = TimeEntry(
        id=1,
        workspace_id=1,
        user_id=1,
        at=start,
        start=start,
        stop=None,
        duration=-int(start.timestamp()),
    )
    modern = TimeEntry(
        id=2, workspace_id=1, user_id=1, at=start, start=start, stop=None, duration=-1
    )
    for entry in (legacy, modern):
        assert entry.is_running
        assert entry.elapsed(later) == 450.0
        assert entry.elapsed(start - timedelta(seconds=5)) == 0.0  # clock skew: never negative
        with pytest.raises(ValueError, match="timezone-aware"):
            entry.elapsed(datetime(2024, 4, 25, 4))
        assert 0 < entry.elapsed() < 10**10  # now, not now - start_epoch


def test_stopped_entry_elapsed_is_its_duration() -> None:
    start = datetime(2024, 4, 25, 3, 21, 13, tzinfo=UTC)
    stopped = TimeEntry(
        id=1,
        workspace_id=1,
        user_id=1,
        at=start,
        start=start,
        stop=start + timedelta(seconds=414),
        duration=414,
    )
    no_duration = TimeEntry(
        id=2, workspace_id=1, user_id=1, at=start, start=start, stop=start + timedelta(seconds=90)
    )
    assert not stopped.is_running and stopped.elapsed() == 414.0
    assert not no_duration.is_running and no_duration.elapsed() == 90.0
    no_stop = TimeEntry(id=3, workspace_id=1, user_id=1, at=start, start=start)
    assert no_stop.is_running  # no stop and no duration: Toggl's other running form


# -- over real sockets: the sandbox ------------------------------------------------------------

FAST = RetryPolicy(backoff_base=0.0, rate_limit_fallback=0.0, max_attempts=4)


def connect(sb: Sandbox, **kwargs: Any) -> TogglClient:
    kwargs.setdefault("retry", FAST)
    return TogglClient(
        api_token=sb.api_token,
        track_base_url=sb.track_base_url,
        reports_base_url=sb.reports_base_url,
        **kwargs,
    )


def posts(sb: Sandbox, wid: int) -> list[Any]:
    return [
        r
        for r in sb.requests
        if r.method == "POST" and r.path.endswith(f"/workspaces/{wid}/time_entries")
    ]


async def test_timer_lifecycle_on_the_sandbox(toggl_sandbox: Sandbox) -> None:
    wid = toggl_sandbox.account.workspaces[0]["id"]
    async with connect(toggl_sandbox) as toggl:
        started = await toggl.time_entries.start(wid, description="sandbox timer")
        assert started.is_running and started.workspace_id == wid
        current = await toggl.time_entries.current()
        assert current is not None and current.id == started.id
        stopped = await toggl.time_entries.stop(wid, started.id)
        assert not stopped.is_running and stopped.stop is not None
        with pytest.raises(ConflictError):
            await toggl.time_entries.stop(wid, started.id)
        assert await toggl.time_entries.current() is None
        changed = await toggl.time_entries.update(wid, started.id, description="renamed")
        assert changed.description == "renamed"
        assert (await toggl.time_entries.get(started.id)).description == "renamed"
        assert await toggl.time_entries.delete(wid, started.id) is None
        with pytest.raises(NotFoundError):
            await toggl.time_entries.get(started.id)


async def test_create_and_bulk_patch_on_the_sandbox(toggl_sandbox: Sandbox) -> None:
    wid = toggl_sandbox.account.workspaces[0]["id"]
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    async with connect(toggl_sandbox) as toggl:
        made = [
            await toggl.time_entries.create(
                wid, start=start + timedelta(hours=i), duration=600, description=f"bulk {i}"
            )
            for i in range(3)
        ]
        ids = [e.id for e in made]
        result = await toggl.time_entries.patch(
            wid, [*ids, 1], [{"op": "replace", "path": "/description", "value": "patched"}]
        )
        assert sorted(result.success) == sorted(ids)
        assert [f.id for f in result.failure] == [1] and result.failure[0].message
        for te_id in ids:
            assert (await toggl.time_entries.get(te_id)).description == "patched"
        listed = await toggl.time_entries.list(
            start_date=start - timedelta(minutes=1), end_date=start + timedelta(hours=3)
        )
    assert {e.id for e in listed} >= set(ids)


async def test_a_create_whose_connection_drops_is_sent_once(toggl_sandbox: Sandbox) -> None:
    wid = toggl_sandbox.account.workspaces[0]["id"]
    toggl_sandbox.faults.add("reset", path=f"/workspaces/{wid}/time_entries", method="POST")
    before = len(toggl_sandbox.account.time_entries)
    async with connect(toggl_sandbox) as toggl:  # retries on: still not re-sent
        with pytest.raises(TogglConnectionError):
            await toggl.time_entries.create(
                wid, start=datetime.now(UTC) - timedelta(hours=2), duration=60
            )
    assert len(posts(toggl_sandbox, wid)) == 1
    assert ("reset", "POST", f"/api/v9/workspaces/{wid}/time_entries") in (
        toggl_sandbox.faults.injected
    )
    assert len(toggl_sandbox.account.time_entries) == before


async def test_a_create_whose_answer_is_lost_can_be_checked_before_retrying(
    toggl_sandbox: Sandbox,
) -> None:
    """The documented recovery: the entry may exist; look with ``list(since=...)``."""
    wid = toggl_sandbox.account.workspaces[0]["id"]
    toggl_sandbox.faults.add("truncate", path=f"/workspaces/{wid}/time_entries", method="POST")
    sent_at = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    start = sent_at - timedelta(hours=3)
    async with connect(toggl_sandbox) as toggl:
        with pytest.raises(TogglConnectionError):
            await toggl.time_entries.create(wid, start=start, duration=120, description="lost")
        assert len(posts(toggl_sandbox, wid)) == 1  # the server did act on it, once
        recent = await toggl.time_entries.list(since=sent_at)
    matches = [e for e in recent if e.description == "lost" and e.start == start]
    assert len(matches) == 1 and matches[0].duration == 120

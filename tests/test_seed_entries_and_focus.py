"""The current/by-id time entry endpoints and Toggl Focus tracking (aioresponses)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from aioresponses import aioresponses

from toggl_async import NotFoundError, RetryPolicy, TogglClient, UnprocessableError
from toggl_async.records import FocusTimeEntry, TimeEntry

from .helpers import FOCUS, TOKEN, TRACK, only_call, recorded, recorded_body

FOCUS_KEY = "toggl_sk_0123456789"
ENTRY = {
    "id": 77,
    "workspace_id": 2,
    "task_id": 9,
    "time_block_id": None,
    "toggl_user_id": 5,
    "type": {"kind": "focus"},
    "start": "2026-07-28T09:00:00Z",
    "duration": -1,
    "created_at": "2026-07-28T09:00:00Z",
    "updated_at": "2026-07-28T09:00:00Z",
    "deleted_at": None,
    "archived_at": None,
}


@pytest.fixture
async def toggl() -> TogglClient:
    client = TogglClient(api_token=TOKEN, focus_api_key=FOCUS_KEY, retry=RetryPolicy.never())
    yield client  # type: ignore[misc]
    await client.aclose()


async def test_current_is_none_when_toggl_sends_null(toggl: TogglClient) -> None:
    interaction = recorded("get_current_time_entry_success")[0]
    assert interaction["response"]["body"] == "null"
    with aioresponses() as m:
        m.get(f"{TRACK}/me/time_entries/current", body=interaction["response"]["body"])
        assert await toggl.time_entries.current() is None


async def test_current_is_none_on_404(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.get(f"{TRACK}/me/time_entries/current", status=404, body='"Resource can not be found"')
        assert await toggl.time_entries.current() is None


async def test_current_running_entry_from_the_recording(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.get(
            f"{TRACK}/me/time_entries/current",
            body=json.dumps(recorded_body("get_current_time_entry_is_running")),
        )
        entry = await toggl.time_entries.current()
    assert isinstance(entry, TimeEntry)
    assert entry.id == 3421446028
    assert entry.stop is None and entry.duration == -1714015273
    assert entry.is_running
    assert entry.start == datetime(2024, 4, 25, 3, 21, 13, tzinfo=UTC)
    later = entry.start + timedelta(minutes=5)
    assert entry.elapsed(later) == 300.0
    assert entry.description == "Time entry running!!"
    assert entry.tags == [] and entry.permissions is None
    assert entry.project_id is None and entry.wid == 4567890


async def test_get_by_id_plain_and_with_meta(toggl: TogglClient) -> None:
    plain = recorded("get_time_entry_by_id_success")[0]
    meta = recorded("get_time_entry_by_id_qp_success")[0]
    assert meta["request"]["query"] == "include_sharing=true&meta=true"
    with aioresponses() as m:
        m.get(f"{TRACK}/me/time_entries/3404802040", body=plain["response"]["body"])
        m.get(
            f"{TRACK}/me/time_entries/3404802040?meta=true&include_sharing=true",
            body=meta["response"]["body"],
        )
        entry = await toggl.time_entries.get(3404802040)
        rich = await toggl.time_entries.get(3404802040, meta=True, include_sharing=True)
    assert entry.id == 3404802040 and entry.project_name is None
    assert not entry.is_running and entry.elapsed() == float(entry.duration or 0)
    assert rich.project_name is not None and rich.project_color is not None
    assert rich.project_active is True


@pytest.mark.parametrize("bad", [0, -3, "12", 1.5, True, None])
async def test_get_refuses_bad_ids_before_any_request(toggl: TogglClient, bad: object) -> None:
    with aioresponses() as m:
        with pytest.raises((TypeError, ValueError), match="time_entry_id"):
            await toggl.time_entries.get(bad)  # type: ignore[arg-type]
        assert not m.requests


def test_elapsed_of_stopped_entries_and_bad_now() -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    stopped = TimeEntry(
        id=1,
        workspace_id=1,
        user_id=1,
        at=start,
        start=start,
        stop=start + timedelta(hours=1),
        duration=3600,
    )
    assert not stopped.is_running and stopped.elapsed() == 3600.0
    no_duration = TimeEntry(
        id=2, workspace_id=1, user_id=1, at=start, start=start, stop=start + timedelta(seconds=90)
    )
    assert no_duration.elapsed() == 90.0
    running = TimeEntry(id=3, workspace_id=1, user_id=1, at=start, start=start, duration=-1)
    assert running.is_running
    with pytest.raises(ValueError, match="timezone-aware"):
        running.elapsed(datetime(2024, 1, 1, 1))
    assert running.elapsed(start - timedelta(seconds=5)) == 0.0  # clock skew never negative


async def test_focus_current_is_none_on_204_and_sends_bearer(toggl: TogglClient) -> None:
    url = f"{FOCUS}/organizations/1/workspaces/2/tracking/current"
    with aioresponses() as m:
        m.get(url, status=204, body="")
        assert await toggl.focus.current(1, 2) is None
        _, _, kwargs = only_call(m)
    assert kwargs["headers"]["Authorization"] == f"Bearer {FOCUS_KEY}"


async def test_focus_current_entry(toggl: TogglClient) -> None:
    url = f"{FOCUS}/organizations/1/workspaces/2/tracking/current"
    with aioresponses() as m:
        m.get(url, payload=ENTRY)
        entry = await toggl.focus.current(1, 2)
    assert isinstance(entry, FocusTimeEntry)
    assert entry.id == 77 and entry.type == {"kind": "focus"} and entry.deleted_at is None


async def test_focus_start_sends_body_and_maps_422_and_404(toggl: TogglClient) -> None:
    url = f"{FOCUS}/organizations/1/workspaces/2/tracking/start"
    when = datetime(2026, 7, 28, 11, 0, tzinfo=UTC)
    with aioresponses() as m:
        m.post(url, payload=ENTRY)
        entry = await toggl.focus.start(1, 2, task_id=9, start=when, time_block_id=4, type="focus")
        _, _, kwargs = only_call(m)
        assert json.loads(kwargs["data"]) == {
            "task_id": 9,
            "start": "2026-07-28T11:00:00Z",
            "time_block_id": 4,
            "type": "focus",
        }
        m.post(url, status=422, body='"Cannot track multiple time entries at the same time"')
        with pytest.raises(UnprocessableError, match="multiple"):
            await toggl.focus.start(1, 2, task_id=9)
        m.post(url, status=404, body='"User task does not exist"')
        with pytest.raises(NotFoundError, match="User task"):
            await toggl.focus.start(1, 2, task_id=404)
    assert entry.task_id == 9


async def test_focus_stop_sends_end_and_maps_404(toggl: TogglClient) -> None:
    url = f"{FOCUS}/organizations/1/workspaces/2/tracking/stop"
    with aioresponses() as m:
        m.post(url, payload={**ENTRY, "duration": 600})
        entry = await toggl.focus.stop(1, 2, end=datetime(2026, 7, 28, 9, 10, tzinfo=UTC))
        _, _, kwargs = only_call(m)
        assert json.loads(kwargs["data"]) == {"end": "2026-07-28T09:10:00Z"}
        m.post(url, status=404, body='"Not tracking a time entry"')
        with pytest.raises(NotFoundError, match="Not tracking"):
            await toggl.focus.stop(1, 2)
    assert entry.duration == 600


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.focus.current(0, 2),
        lambda t: t.focus.start(1, 2, task_id="9"),
        lambda t: t.focus.start(1, 2, task_id=9, start=datetime(2026, 1, 1)),
        lambda t: t.focus.stop(1, None),
    ],
)
async def test_focus_refuses_bad_input_before_any_request(toggl: TogglClient, call) -> None:  # type: ignore[no-untyped-def]
    with aioresponses() as m:
        with pytest.raises((TypeError, ValueError)):
            await call(toggl)
        assert not m.requests

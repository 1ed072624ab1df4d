"""The core over real sockets: the sandbox server, many pages, resume, cancellation, faults."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from toggl_async import (
    AuthenticationError,
    QuotaExceededError,
    RetryPolicy,
    TogglClient,
    TogglConnectionError,
)
from toggl_async.testing import Sandbox

FAST = RetryPolicy(backoff_base=0.0, rate_limit_fallback=0.0, max_attempts=4)


def connect(sb: Sandbox, **kwargs: Any) -> TogglClient:
    kwargs.setdefault("retry", FAST)
    return TogglClient(
        api_token=sb.api_token,
        focus_api_key=sb.credentials.focus_api_key,
        track_base_url=sb.track_base_url,
        reports_base_url=sb.reports_base_url,
        focus_base_url=sb.focus_base_url,
        **kwargs,
    )


@pytest.fixture
async def toggl(toggl_sandbox: Sandbox) -> AsyncIterator[TogglClient]:
    async with connect(toggl_sandbox) as client:
        yield client


def visible_project_ids(sb: Sandbox) -> list[int]:
    """What /me/projects/paginated should list, from the server's own data."""
    return sorted(p["id"] for p in sb.account.projects if not p.get("server_deleted_at"))


async def test_me_and_current_entry_over_sockets(
    toggl: TogglClient, toggl_sandbox: Sandbox
) -> None:
    me = await toggl.me.get()
    assert me.id == toggl_sandbox.account.me["id"]
    assert me.email == toggl_sandbox.account.me["email"]
    current = await toggl.time_entries.current()
    assert current is not None and current.is_running
    again = await toggl.time_entries.get(current.id)
    assert again.id == current.id


async def test_iter_projects_lists_every_project_once_in_order(
    toggl: TogglClient, toggl_sandbox: Sandbox
) -> None:
    expected = visible_project_ids(toggl_sandbox)
    assert len(expected) > 3 * 50  # several pages
    ids = [p.id async for p in toggl.me.iter_projects(per_page=50)]
    assert ids == expected


async def test_iter_tasks_offset_pages(toggl: TogglClient, toggl_sandbox: Sandbox) -> None:
    every = await toggl.me.tasks()
    paged = [t.id async for t in toggl.me.iter_tasks(per_page=7)]
    assert paged == [t.id for t in every]
    assert len(paged) > 14


@pytest.mark.parametrize("stop_after", [1, 49, 50, 51, 170])
async def test_resume_from_a_saved_cursor(toggl_sandbox: Sandbox, stop_after: int) -> None:
    expected = visible_project_ids(toggl_sandbox)
    async with connect(toggl_sandbox) as first:
        paginator = first.me.iter_projects(per_page=50)
        taken = []
        async for project in paginator:
            taken.append(project.id)
            if len(taken) == stop_after:
                break
        saved = json.dumps(paginator.cursor)
    async with connect(toggl_sandbox) as second:  # "another process"
        rest = [p.id async for p in second.me.iter_projects(per_page=50, cursor=json.loads(saved))]
    assert taken + rest == expected


async def _until(condition: Callable[[], bool], what: str) -> None:
    """Poll (the sandbox counts; nothing signals) with a deadline that fails the test."""
    try:
        async with asyncio.timeout(5):
            while not condition():  # noqa: ASYNC110
                await asyncio.sleep(0.005)
    except TimeoutError:
        pytest.fail(f"not within 5 s: {what}")


async def _stall_the_next_page(sb: Sandbox, path: str) -> None:
    """Hold requests 0.3 s; once the first one has arrived, make the next request to
    ``path`` (the prefetched second page) stall for a minute (until the sandbox stops)."""
    sb.latency = 0.3
    sb.faults.timeout_seconds = 60
    before = sb.request_count
    await _until(lambda: sb.request_count > before, "the first page was requested")
    sb.faults.add("timeout", path=path)
    sb.latency = 0.0


@pytest.mark.parametrize("how", ["aclose", "drop"])
async def test_early_break_cancels_the_in_flight_page(toggl_sandbox: Sandbox, how: str) -> None:
    path = "/api/v9/me/projects/paginated"
    async with connect(toggl_sandbox, max_concurrency=1) as toggl:
        arming = asyncio.create_task(_stall_the_next_page(toggl_sandbox, path))
        paginator = toggl.me.iter_projects(per_page=50)
        async for _ in paginator:
            break
        await arming
        stalled = ("timeout", "GET", path)
        await _until(lambda: stalled in toggl_sandbox.faults.injected, "page 2 reached the server")
        if how == "aclose":
            await paginator.aclose()
        else:
            del paginator  # the iteration is closed by the loop, as Python drops it
        # One slot (max_concurrency=1), held by the stalled page for a minute unless its
        # request was cancelled: only then can this call run.
        me = await asyncio.wait_for(toggl.me.get(), timeout=5)
    assert me.id == toggl_sandbox.account.me["id"]


async def test_cancellation_releases_every_slot(toggl_sandbox: Sandbox) -> None:
    toggl_sandbox.latency = 0.5
    async with connect(toggl_sandbox, max_concurrency=2) as toggl:
        tasks = [asyncio.create_task(toggl.me.get()) for _ in range(6)]
        await asyncio.sleep(0.05)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        toggl_sandbox.latency = 0.0
        results = await asyncio.wait_for(asyncio.gather(*(toggl.me.get() for _ in range(4))), 5)
    assert len(results) == 4


@pytest.mark.parametrize("kind", ["500", "502", "503", "reset", "truncate"])
async def test_faults_mid_listing_lose_nothing(
    toggl: TogglClient, toggl_sandbox: Sandbox, kind: str
) -> None:
    expected = visible_project_ids(toggl_sandbox)
    toggl_sandbox.faults.add(kind, times=2, path="/me/projects/paginated")
    ids = [p.id async for p in toggl.me.iter_projects(per_page=100)]
    assert ids == expected
    assert [hit[0] for hit in toggl_sandbox.faults.injected] == [kind, kind]


async def test_429_with_and_without_retry_after(toggl: TogglClient, toggl_sandbox: Sandbox) -> None:
    toggl_sandbox.faults.add("429", times=1, path="/me", retry_after="0")
    toggl_sandbox.faults.add("429", times=1, path="/me")
    assert (await toggl.me.get()).id
    assert (await toggl.me.get()).id
    assert [hit[0] for hit in toggl_sandbox.faults.injected] == ["429", "429"]


async def test_random_faults_with_a_patient_policy(toggl_sandbox: Sandbox) -> None:
    from toggl_async.testing import Faults

    toggl_sandbox.faults = Faults(
        random_rate=0.2, random_kinds=("503", "reset", "truncate", "429"), seed=3
    )
    expected = visible_project_ids(toggl_sandbox)
    policy = RetryPolicy(backoff_base=0.0, rate_limit_fallback=0.0, max_attempts=12)
    async with connect(toggl_sandbox, retry=policy) as toggl:
        ids = [p.id async for p in toggl.me.iter_projects(per_page=40)]
    assert ids == expected
    assert len(toggl_sandbox.faults.injected) >= 2


async def test_truncated_body_on_a_create_is_not_retried(toggl_sandbox: Sandbox) -> None:
    org = toggl_sandbox.account.organizations[0]["id"]
    ws = toggl_sandbox.account.workspaces[0]["id"]
    task = next(iter(toggl_sandbox.account.focus_tasks))
    toggl_sandbox.faults.add("reset", times=1, path="/tracking/start")
    async with connect(toggl_sandbox) as toggl:
        with pytest.raises(TogglConnectionError):
            await toggl.focus.start(org, ws, task_id=task)
    starts = [r for r in toggl_sandbox.requests if r.path.endswith("/tracking/start")]
    assert len(starts) == 1


async def test_quota_exhaustion_then_wait_for_reset(toggl_sandbox: Sandbox) -> None:
    from toggl_async.testing import Faults

    toggl_sandbox.faults = Faults(quota=(3, 1.0))
    async with connect(toggl_sandbox, retry=RetryPolicy.never()) as toggl:
        for _ in range(3):
            await toggl.me.get()
        assert toggl.quota is not None and toggl.quota.remaining == 0
        with pytest.raises(QuotaExceededError) as info:
            await toggl.me.get()
        assert info.value.resets_in is not None and info.value.resets_in <= 1
    patient = RetryPolicy(backoff_base=0.0, wait_for_quota=True)
    async with connect(toggl_sandbox, retry=patient) as toggl:
        got = [await toggl.me.get() for _ in range(7)]  # spans at least two windows
    assert len(got) == 7


async def test_bad_token_and_bad_focus_key(toggl_sandbox: Sandbox) -> None:
    async with TogglClient(
        api_token="wrong",
        focus_api_key="toggl_sk_wrong",
        track_base_url=toggl_sandbox.track_base_url,
        focus_base_url=toggl_sandbox.focus_base_url,
    ) as toggl:
        with pytest.raises(AuthenticationError) as track:
            await toggl.me.logged()
        org = toggl_sandbox.account.organizations[0]["id"]
        ws = toggl_sandbox.account.workspaces[0]["id"]
        with pytest.raises(AuthenticationError) as focus:
            await toggl.focus.current(org, ws)
    assert track.value.status == 403
    assert focus.value.status == 401


async def test_focus_lifecycle(toggl: TogglClient, toggl_sandbox: Sandbox) -> None:
    from toggl_async import NotFoundError, UnprocessableError

    org = toggl_sandbox.account.organizations[0]["id"]
    ws = toggl_sandbox.account.workspaces[0]["id"]
    task = next(iter(toggl_sandbox.account.focus_tasks))
    assert await toggl.focus.current(org, ws) is None
    started = await toggl.focus.start(org, ws, task_id=task)
    assert started.task_id == task
    with pytest.raises(UnprocessableError):
        await toggl.focus.start(org, ws, task_id=task)
    current = await toggl.focus.current(org, ws)
    assert current is not None and current.id == started.id
    stopped = await toggl.focus.stop(org, ws)
    assert stopped.id == started.id
    with pytest.raises(NotFoundError):
        await toggl.focus.stop(org, ws)
    with pytest.raises(NotFoundError):
        await toggl.focus.start(org, ws, task_id=999_999_999)

"""The blocking client against the sandbox: calls, iterators, threads, loops, lifetime."""

from __future__ import annotations

import asyncio
import gc
import json
import threading
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from anyio.from_thread import start_blocking_portal

import toggl_async
import toggl_async_sync
from toggl_async.records import Me, Project, TimeEntry
from toggl_async.testing import Account, Sandbox
from toggl_async_sync import SyncPaginator

FAST = toggl_async.RetryPolicy(backoff_base=0.0, rate_limit_fallback=0.0)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """A sandbox on its own loop thread, so plain (blocking) tests can call it."""
    with start_blocking_portal() as portal:
        sb = Sandbox(Account.preset("small", seed=2))
        portal.call(sb.start)
        try:
            yield sb
        finally:
            portal.call(sb.stop)


def connect(sb: Sandbox, **kwargs: object) -> toggl_async_sync.TogglClient:
    kwargs.setdefault("retry", FAST)
    return toggl_async_sync.TogglClient(
        api_token=sb.api_token,
        track_base_url=sb.track_base_url,
        reports_base_url=sb.reports_base_url,
        focus_base_url=sb.focus_base_url,
        **kwargs,  # type: ignore[arg-type]
    )


def project_ids(sb: Sandbox) -> list[int]:
    return sorted(p["id"] for p in sb.account.projects if not p.get("server_deleted_at"))


def portal_threads() -> int:
    return sum(t.name.startswith("toggl-async-portal") for t in threading.enumerate())


def test_calls_return_the_same_records(sandbox: Sandbox) -> None:
    with connect(sandbox) as toggl:
        me = toggl.me.get()
        current = toggl.time_entries.current()
        assert toggl.me.logged() is True
    assert isinstance(me, Me)
    assert me.id == sandbox.account.me["id"]
    assert isinstance(current, TimeEntry)
    assert current.is_running


def test_paginator_is_a_plain_iterator_with_extras(sandbox: Sandbox) -> None:
    expected = project_ids(sandbox)
    with connect(sandbox) as toggl:
        paginator = toggl.me.iter_projects(per_page=100)
        assert isinstance(paginator, SyncPaginator)
        assert [p.id for p in paginator] == expected
        assert paginator.done
        pages = list(toggl.me.iter_projects(per_page=100).pages())
        assert [len(page) for page in pages][:1] == [100]
        assert [p.id for page in pages for p in page] == expected
        first = toggl.me.iter_projects(per_page=100, limit=5).collect()
        assert [p.id for p in first] == expected[:5]
        assert all(isinstance(p, Project) for p in first)


def test_cursor_resumes_through_the_shim(sandbox: Sandbox) -> None:
    expected = project_ids(sandbox)
    with connect(sandbox) as toggl:
        paginator = toggl.me.iter_projects(per_page=50)
        taken = []
        for project in paginator:
            taken.append(project.id)
            if len(taken) == 77:
                break
        cursor = json.loads(json.dumps(paginator.cursor))
        rest = [p.id for p in toggl.me.iter_projects(per_page=50, cursor=cursor)]
    assert taken + rest == expected


def test_early_break_cancels_the_prefetch_and_keeps_the_client_usable(sandbox: Sandbox) -> None:
    sandbox.latency = 0.05
    try:
        with connect(sandbox) as toggl:
            paginator = toggl.me.iter_projects(per_page=50)
            for _ in paginator:
                break
            assert paginator._paginator._pending is None  # the in-flight page was cancelled
            with toggl.me.iter_projects(per_page=50) as second:
                assert next(iter(second)).id == project_ids(sandbox)[0]
            assert toggl.me.get().id == sandbox.account.me["id"]
    finally:
        sandbox.latency = 0.0


def test_same_exception_classes(sandbox: Sandbox) -> None:
    with connect(sandbox) as toggl, pytest.raises(toggl_async.NotFoundError):
        toggl.time_entries.get(1)
    bad = toggl_async_sync.TogglClient(api_token="wrong", track_base_url=sandbox.track_base_url)
    with bad, pytest.raises(toggl_async.AuthenticationError):
        bad.me.logged()
    with pytest.raises(toggl_async.ConfigurationError):
        toggl_async_sync.TogglClient(api_token="")


def test_many_threads_share_one_client(sandbox: Sandbox) -> None:
    own = (
        e
        for e in sandbox.account.time_entries
        if e["user_id"] == sandbox.account.user_id and not e.get("server_deleted_at")
    )
    entries = [e for e, _ in zip(own, range(40), strict=False)]
    with connect(sandbox, max_concurrency=3) as toggl:

        def fetch(entry_id: int) -> int:
            return toggl.time_entries.get(entry_id).id

        with ThreadPoolExecutor(max_workers=8) as pool:
            got = list(pool.map(fetch, [e["id"] for e in entries]))
            listings = list(pool.map(lambda _: len(toggl.me.iter_projects().collect()), range(8)))
    assert got == [e["id"] for e in entries]
    assert set(listings) == {len(project_ids(sandbox))}


def test_works_where_an_event_loop_is_already_running(sandbox: Sandbox) -> None:
    async def notebook_cell() -> int:
        with connect(sandbox) as toggl:  # blocking calls inside a running loop
            return toggl.me.get().id

    assert asyncio.run(notebook_cell()) == sandbox.account.me["id"]


def test_closed_client_raises_a_clear_error(sandbox: Sandbox) -> None:
    toggl = connect(sandbox)
    toggl.me.get()
    toggl.close()
    toggl.close()  # idempotent
    assert toggl.closed
    with pytest.raises(toggl_async.ClientClosedError, match="closed"):
        toggl.me.get()
    with pytest.raises(toggl_async.ClientClosedError):
        toggl.__enter__()


def test_a_dropped_client_warns_and_frees_its_thread(sandbox: Sandbox) -> None:
    before = portal_threads()
    toggl = connect(sandbox)
    toggl.me.get()
    assert portal_threads() == before + 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del toggl
        gc.collect()
    assert any(issubclass(w.category, ResourceWarning) for w in caught)
    for _ in range(50):
        if portal_threads() == before:
            break
        threading.Event().wait(0.02)
    assert portal_threads() == before


def test_run_executes_async_helpers_on_the_client_loop(sandbox: Sandbox) -> None:
    async def count(client: toggl_async.TogglClient) -> int:
        return len([p async for p in client.me.iter_projects()])

    with connect(sandbox) as toggl:
        assert toggl.run(count) == len(project_ids(sandbox))
        assert toggl.requests_sent > 0
        assert toggl.quota is not None
        assert "blocking TogglClient" in repr(toggl)
        assert sandbox.api_token not in repr(toggl)

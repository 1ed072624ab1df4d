"""The blocking client against the sandbox: calls, iterators, errors, threads, loops, lifetime.

These are plain (blocking) tests, so the sandbox cannot run on pytest-asyncio's loop (it only
runs while an async test awaits). It runs on an event loop in a thread of its own (an anyio
blocking portal, ``server``), which also runs the reference async clients the blocking one is
compared with. The blocking client under test runs a third loop, in its own thread.
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import json
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal

import toggl_async
import toggl_async_sync
from toggl_async.records import Me, Project, Task, TimeEntry
from toggl_async.testing import Account, Sandbox
from toggl_async_sync import SyncPaginator

T = TypeVar("T")
FAST = toggl_async.RetryPolicy(backoff_base=0.0, rate_limit_fallback=0.0)


# -- fixtures and helpers -------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[BlockingPortal]:
    """An event loop in its own thread for the sandboxes and the reference async clients."""
    with start_blocking_portal() as portal:
        yield portal


@pytest.fixture
def sandbox(server: BlockingPortal, toggl_account: Account) -> Iterator[Sandbox]:
    """A fresh sandbox (the plugin's small account) served from the ``server`` thread."""
    sb = Sandbox(toggl_account)
    server.call(sb.start)
    try:
        yield sb
    finally:
        server.call(sb.stop)


def options(sb: Sandbox, **overrides: Any) -> dict[str, Any]:
    return {
        "api_token": sb.api_token,
        "focus_api_key": sb.credentials.focus_api_key,
        "track_base_url": sb.track_base_url,
        "reports_base_url": sb.reports_base_url,
        "focus_base_url": sb.focus_base_url,
        "retry": FAST,
        **overrides,
    }


def connect(sb: Sandbox, **overrides: Any) -> toggl_async_sync.TogglClient:
    return toggl_async_sync.TogglClient(**options(sb, **overrides))


def reference(
    server: BlockingPortal,
    sb: Sandbox,
    work: Callable[[toggl_async.TogglClient], Awaitable[T]],
) -> T:
    """What a plain async client (on the ``server`` loop) gets for the same work."""

    async def run() -> T:
        async with toggl_async.TogglClient(**options(sb)) as client:
            return await work(client)

    return server.call(run)


async def _busy(client: toggl_async.TogglClient) -> int:
    """Tasks on the client's loop besides this one (a request in flight is one)."""
    return len(asyncio.all_tasks()) - 1


def shim_threads() -> int:
    return sum(t.name == "toggl-async-sync" for t in threading.enumerate())


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Wait (up to 20 s) for something another thread does; fail with ``what`` if never."""
    done = threading.Event()
    for _ in range(2000):
        if condition():
            return
        done.wait(0.01)
    pytest.fail(f"timed out waiting until {what}")


# -- calls -----------------------------------------------------------------------------------


def test_calls_return_the_same_records_as_the_async_client(
    server: BlockingPortal, sandbox: Sandbox
) -> None:
    with connect(sandbox) as toggl:
        me = toggl.me.get(with_related_data=False)
        projects = toggl.me.projects()
        current = toggl.time_entries.current()
        logged = toggl.me.logged()

    async def same(client: toggl_async.TogglClient) -> tuple[Any, ...]:
        return (
            await client.me.get(),
            await client.me.projects(),
            await client.time_entries.current(),
        )

    assert isinstance(me, Me)
    assert all(isinstance(p, Project) for p in projects)
    assert current is None or isinstance(current, TimeEntry)
    assert (me, projects, current) == reference(server, sandbox, same)
    assert logged is True


def test_blocking_methods_show_the_async_signature_and_docs(sandbox: Sandbox) -> None:
    with connect(sandbox) as toggl:
        twin = toggl.me.iter_projects
        original = toggl_async.TogglClient(api_token="x").me.iter_projects
        assert twin.__doc__ == original.__doc__
        mine, theirs = inspect.signature(twin), inspect.signature(original)
        assert mine.parameters == theirs.parameters
        assert mine.return_annotation == "SyncPaginator[Project]"
        assert not inspect.iscoroutinefunction(toggl.me.get)
        assert "iter_projects" in dir(toggl.me)
        mine = inspect.signature(toggl_async_sync.TogglClient)
        theirs = inspect.signature(toggl_async.TogglClient)
        assert "session" not in mine.parameters  # refused, so not shown (issue 10 item 23)
        assert dict(mine.parameters) == {
            k: v for k, v in theirs.parameters.items() if k != "session"
        }


def test_run_executes_an_async_helper_with_the_inner_client(sandbox: Sandbox) -> None:
    async def count(client: toggl_async.TogglClient) -> int:
        return len([p async for p in client.me.iter_projects()])

    with connect(sandbox) as toggl:
        assert toggl.run(count) == len(toggl.me.iter_projects().collect()) > 0


def test_state_properties_and_a_redacted_repr(sandbox: Sandbox) -> None:
    with connect(sandbox) as toggl:
        assert toggl.quota is None
        assert toggl.requests_sent == 0
        toggl.me.get()
        assert toggl.requests_sent == 1
        assert isinstance(toggl.quota, toggl_async.Quota)
        assert toggl.quotas and all(isinstance(q, toggl_async.Quota) for q in toggl.quotas.values())
        assert toggl.retry is FAST
        assert not toggl.closed
        text = repr(toggl)
        assert text.startswith("<blocking TogglClient open")
        assert sandbox.api_token not in text
        assert sandbox.credentials.focus_api_key not in text
    assert repr(toggl).startswith("<blocking TogglClient closed")


# -- paginators ------------------------------------------------------------------------------


def test_paginators_are_plain_iterators_with_the_same_extras(
    server: BlockingPortal, sandbox: Sandbox
) -> None:
    async def ids(client: toggl_async.TogglClient) -> list[int]:
        return [p.id async for p in client.me.iter_projects(per_page=100)]

    expected = reference(server, sandbox, ids)
    assert len(expected) > 200
    with connect(sandbox) as toggl:
        paginator = toggl.me.iter_projects(per_page=100)
        assert isinstance(paginator, SyncPaginator)
        assert not paginator.done
        assert [p.id for p in paginator] == expected
        assert paginator.done
        assert paginator.cursor["done"] is True
        with pytest.raises(RuntimeError, match="already being iterated"):
            list(paginator)  # like the async paginator: one walk each

        pages = list(toggl.me.iter_projects(per_page=100).pages())
        assert [len(page) for page in pages[:-1]] == [100] * (len(pages) - 1)
        assert [p.id for page in pages for p in page] == expected

        first = toggl.me.iter_projects(per_page=100, limit=5).collect()
        assert [p.id for p in first] == expected[:5]
        assert all(isinstance(p, Project) for p in first)

        tasks = toggl.me.iter_tasks(per_page=7, limit=10)
        assert all(isinstance(t, Task) for t in tasks)


@pytest.mark.parametrize(
    ("method", "per_page", "taken"),
    [("iter_projects", 50, 77), ("iter_tasks", 20, 33)],
    ids=["keyset", "offset"],
)
def test_a_cursor_read_mid_page_is_the_async_cursor_and_resumes_exactly(
    server: BlockingPortal, sandbox: Sandbox, method: str, per_page: int, taken: int
) -> None:
    async def walk(client: toggl_async.TogglClient) -> tuple[list[int], dict[str, Any]]:
        everything = [r.id async for r in getattr(client.me, method)(per_page=per_page)]
        paginator = getattr(client.me, method)(per_page=per_page)
        count = 0
        async for _ in paginator:
            count += 1
            if count == taken:
                break
        cursor = paginator.cursor
        await paginator.aclose()
        return everything, cursor

    everything, async_cursor = reference(server, sandbox, walk)
    with connect(sandbox) as toggl:
        paginator = getattr(toggl.me, method)(per_page=per_page)
        got = []
        for record in paginator:
            got.append(record.id)
            if len(got) == taken:
                break
        cursor = json.loads(json.dumps(paginator.cursor))
        assert cursor == async_cursor
        rest = [r.id for r in getattr(toggl.me, method)(per_page=per_page, cursor=cursor)]
    assert got + rest == everything


def test_the_cursor_after_every_record_is_the_async_one(
    server: BlockingPortal, sandbox: Sandbox
) -> None:
    # Records are handed over in batches (a page at a time); each must still carry the
    # position right after it, across batch and page boundaries alike.
    async def positions(client: toggl_async.TogglClient) -> list[dict[str, Any]]:
        paginator = client.me.iter_projects(per_page=40, limit=130)
        return [paginator.cursor async for _ in paginator]

    expected = reference(server, sandbox, positions)
    with connect(sandbox) as toggl:
        paginator = toggl.me.iter_projects(per_page=40, limit=130)
        got = [paginator.cursor for _ in paginator]
        assert not paginator.done  # stopped by limit=, not by the end of the listing
    assert len(got) == 130
    assert got == expected


def test_an_error_on_a_later_page_comes_after_the_records_before_it(sandbox: Sandbox) -> None:
    with connect(sandbox, retry=toggl_async.RetryPolicy(max_attempts=1)) as toggl:
        helper = _after_the_first_request(sandbox, lambda: sandbox.faults.add("500", path="/me/"))
        got: list[int] = []
        with pytest.raises(toggl_async.ServerError):
            for project in toggl.me.iter_projects(per_page=50):
                got.append(project.id)
        helper.join()
        assert len(got) == 50  # the whole first page, then the second page's error
        assert toggl.me.get().id == sandbox.account.me["id"]


def _after_the_first_request(sb: Sandbox, then: Callable[[], object]) -> threading.Thread:
    """Hold requests 0.3 s; once the first one reaches the sandbox, run ``then`` (e.g. to
    schedule a fault for the next request: the prefetched second page)."""
    sb.latency = 0.3
    before = sb.request_count

    def arm() -> None:
        wait_until(lambda: sb.request_count > before, "the first page was requested")
        then()
        sb.latency = 0.0

    helper = threading.Thread(target=arm, daemon=True)
    helper.start()
    return helper


def _stall_the_next_page(sb: Sandbox, path: str) -> threading.Thread:
    """Make the request after the first one to ``path`` (the prefetched second page) stall
    for a minute (the sandbox ends the stall when it stops)."""
    sb.faults.timeout_seconds = 60
    return _after_the_first_request(sb, lambda: sb.faults.add("timeout", path=path))


@pytest.mark.parametrize("how", ["break", "close", "with", "drop the iterator"])
def test_stopping_early_cancels_the_page_in_flight_and_the_client_stays_usable(
    sandbox: Sandbox, how: str
) -> None:
    with connect(sandbox, max_concurrency=1) as toggl:
        idle = toggl.run(_busy)
        helper = _stall_the_next_page(sandbox, "/me/projects/paginated")
        paginator = toggl.me.iter_projects(per_page=50)
        if how == "break":
            for _ in paginator:
                break
        elif how == "close":
            next(iter(paginator))
            paginator.close()
            paginator.close()
        elif how == "with":
            with paginator:
                next(iter(paginator))
        else:
            iterator = iter(paginator)
            next(iterator)
            del iterator
            gc.collect()
        helper.join()
        # The second page is stalled on the sandbox for a minute: had it not been
        # cancelled, it would still be a task on the client's loop, holding the only slot.
        assert toggl.run(_busy) == idle
        assert toggl.me.get().id == sandbox.account.me["id"]
        assert paginator.cursor["at"] is not None  # still readable: resumable later


# -- errors ----------------------------------------------------------------------------------


def test_the_same_exception_classes(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    with connect(sandbox) as toggl:
        with pytest.raises(toggl_async.NotFoundError) as missing:
            toggl.time_entries.get(1)
        assert type(missing.value) is toggl_async.NotFoundError
        assert missing.value.status == 404
        before = sandbox.request_count
        with pytest.raises(ValueError, match="per_page"):
            toggl.me.iter_projects(per_page=0)
        with pytest.raises(ValueError, match="at least one field"):
            toggl.me.update()
        with pytest.raises(TypeError):
            toggl.time_entries.get("12")  # type: ignore[arg-type]
        assert sandbox.request_count == before  # bad input never reaches the server
        with pytest.raises(AttributeError, match="no method 'nope'"):
            toggl.me.nope  # type: ignore[attr-defined]  # noqa: B018
    with (
        connect(sandbox, api_token="not-the-token") as wrong,
        pytest.raises(toggl_async.AuthenticationError),
    ):
        wrong.me.logged()
    for name in ("TOGGL_API_TOKEN", "TOGGL_FOCUS_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    before_threads = shim_threads()
    with pytest.raises(toggl_async.ConfigurationError):
        toggl_async_sync.TogglClient()
    with pytest.raises(toggl_async.ConfigurationError, match="timeout"):
        toggl_async_sync.TogglClient(api_token="t", timeout=-1)
    with pytest.raises(TypeError):
        toggl_async_sync.TogglClient("positional-token")  # type: ignore[misc]
    assert shim_threads() == before_threads  # a refused client leaves no thread behind


def test_an_aiohttp_session_is_refused_with_the_reason() -> None:
    class NotReallyASession:
        pass

    with pytest.raises(toggl_async.ConfigurationError, match="own loop"):
        toggl_async_sync.TogglClient(api_token="t", session=NotReallyASession())  # type: ignore[call-arg]


# -- threads and loops -----------------------------------------------------------------------


def test_eight_threads_share_one_client(server: BlockingPortal, sandbox: Sandbox) -> None:
    mine = [
        e["id"]
        for e in sandbox.account.time_entries
        if e["user_id"] == sandbox.account.user_id and not e.get("server_deleted_at")
    ][-64:]

    async def expected(client: toggl_async.TogglClient) -> list[Any]:
        return [await client.time_entries.get(i) for i in mine]

    entries = reference(server, sandbox, expected)
    with connect(sandbox, max_concurrency=4) as toggl:
        with ThreadPoolExecutor(max_workers=8) as pool:
            got = list(pool.map(toggl.time_entries.get, mine))
            listings = list(
                pool.map(lambda _: [p.id for p in toggl.me.iter_projects(per_page=60)], range(8))
            )
        assert got == entries
        assert len({tuple(ids) for ids in listings}) == 1
        assert len(listings[0]) > 60  # several pages each, walked side by side


def test_the_concurrency_limit_holds_across_threads(sandbox: Sandbox) -> None:
    sandbox.faults.timeout_seconds = 60
    sandbox.faults.add("timeout", path="/me", times=8)  # every call stalls for a minute
    toggl = connect(sandbox, max_concurrency=3)
    before = sandbox.request_count
    with ThreadPoolExecutor(max_workers=8) as pool:
        calls = [pool.submit(toggl.me.get) for _ in range(8)]
        wait_until(lambda: sandbox.request_count - before >= 3, "three calls reached the sandbox")
        threading.Event().wait(0.3)  # give a fourth one the chance to slip through
        assert sandbox.request_count - before == 3
        toggl.close()  # cancels all eight: the three stalled and the five waiting for a slot
        for call in calls:
            with pytest.raises(toggl_async.ClientClosedError):
                call.result()
    assert sandbox.request_count - before == 3


def test_works_where_an_event_loop_already_runs(sandbox: Sandbox) -> None:
    async def notebook_cell() -> tuple[int, int]:
        # A loop runs in this thread (as in Jupyter); the blocking client does not mind.
        with connect(sandbox) as toggl:
            return toggl.me.get().id, len(toggl.me.iter_projects(limit=3).collect())

    assert asyncio.run(notebook_cell()) == (sandbox.account.me["id"], 3)


def test_a_blocking_call_on_the_clients_own_loop_is_refused_not_deadlocked(
    sandbox: Sandbox,
) -> None:
    with connect(sandbox) as toggl:

        async def wrongly_blocking(client: toggl_async.TogglClient) -> Me:
            return toggl.me.get()

        with pytest.raises(RuntimeError, match="own event-loop thread"):
            toggl.run(wrongly_blocking)
        assert toggl.me.get().id == sandbox.account.me["id"]


# -- lifetime --------------------------------------------------------------------------------


def test_a_closed_client_raises_a_clear_error(sandbox: Sandbox) -> None:
    toggl = connect(sandbox)
    me = toggl.me
    paginator = toggl.me.iter_projects(per_page=50)
    iterator = iter(paginator)
    next(iterator)
    toggl.close()
    toggl.close()  # idempotent
    assert toggl.closed
    for attempt in (
        toggl.me.get,
        me.get,
        lambda: next(iterator),
        lambda: list(toggl.me.iter_projects()),
        toggl.__enter__,
    ):
        with pytest.raises(toggl_async.ClientClosedError, match="closed"):
            attempt()
    assert paginator.cursor["at"] is not None  # the position survives, to resume elsewhere


def test_closing_from_another_thread(sandbox: Sandbox) -> None:
    toggl = connect(sandbox)
    closer = threading.Thread(target=toggl.close)
    closer.start()
    closer.join()
    assert toggl.closed
    with pytest.raises(toggl_async.ClientClosedError):
        toggl.me.get()


def test_a_dropped_client_warns_and_frees_its_thread(sandbox: Sandbox) -> None:
    before = shim_threads()
    toggl = connect(sandbox)
    toggl.me.get()
    assert shim_threads() == before + 1
    with pytest.warns(ResourceWarning, match="not closed"):
        del toggl  # the last reference: collected (and closed) right here
    assert shim_threads() == before


def test_closing_frees_the_thread_and_warns_nothing(
    sandbox: Sandbox, recwarn: pytest.WarningsRecorder
) -> None:
    before = shim_threads()
    with connect(sandbox) as toggl:
        toggl.me.get()
        assert shim_threads() == before + 1
    assert shim_threads() == before
    del toggl
    gc.collect()
    assert not [w for w in recwarn if issubclass(w.category, ResourceWarning)]

"""The event-loop thread behind a blocking client: one anyio blocking portal per client.

Blocking callers never see an event loop. Each sync client starts an anyio blocking portal
(a daemon thread running an asyncio loop); the async client is created and lives there, and
every call is handed to that loop and waited for. The hand-off is thread-safe, so many
threads may share one client, and it works from a thread that already runs its own loop (a
notebook cell, an ``async def`` calling blocking code), because the work happens on the
portal's thread, never on the caller's.

The portal's thread and loop come from :func:`anyio.from_thread.start_blocking_portal`, which
also runs setup and teardown. The per-call hand-off is leaner than ``BlockingPortal.call``
(which spawns a task in a task group under a cancel scope, and waits for the spawn itself
with a second round trip): one ``call_soon_threadsafe`` that starts the call as a task on the
loop, and a lock the caller sleeps on until the task is done. A thread hop is the shim's
whole cost per call, so this is where the microseconds are (benchmarks/sync_overhead.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import threading
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar, overload

from anyio.from_thread import BlockingPortal, start_blocking_portal

from toggl_async import ClientClosedError

__all__ = ["THREAD_NAME", "Portal"]

T = TypeVar("T")
THREAD_NAME = "toggl-async-sync"
"""Every portal thread is named this (tests count them to see that closing frees them)."""

_DRAIN_SECONDS = 10.0
"""How long close() waits for cancelled calls to unwind before closing the pool anyway."""

_CLOSED_MESSAGE = (
    "this TogglClient is closed; create a new one (or keep using it inside "
    "`with toggl_async_sync.TogglClient(...) as toggl:`)"
)


class _Waiter:
    """One call in flight: the lock its caller sleeps on, and the outcome once it is done."""

    __slots__ = ("error", "finished", "lock", "result", "task")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lock.acquire()
        self.result: Any = None
        self.error: BaseException | None = None
        self.task: asyncio.Future[Any] | None = None
        self.finished = False

    def finish(self, *, result: Any = None, error: BaseException | None = None) -> None:
        """Hand the outcome over and wake the caller (exactly once)."""
        if self.finished:
            return
        self.finished = True
        self.result, self.error, self.task = result, error, None
        self.lock.release()

    def cancel(self) -> None:
        """Runs on the loop when the caller was interrupted (Ctrl-C): stop the work."""
        if self.task is not None:
            self.task.cancel()


class Portal:
    """Starts the loop thread, runs calls on it for any thread, and stops it once.

    ``call`` runs a coroutine function (or a plain callable) on the loop and returns its
    result or raises its exception, in the calling thread. ``close`` cancels what is still
    running there, awaits a last coroutine (the client's ``aclose``), stops the loop and
    joins the thread; afterwards every call raises :class:`ClientClosedError`.
    """

    def __init__(self) -> None:
        self._manager: AbstractContextManager[BlockingPortal] = start_blocking_portal(
            "asyncio", name=THREAD_NAME
        )
        self._anyio = self._manager.__enter__()
        self._loop, self._thread_id, self._baseline = self._anyio.call(_whereabouts)
        self._closed = False
        self._close_lock = threading.Lock()
        self._waiting: set[_Waiter] = set()
        """Calls whose callers are blocked; any left when the loop is gone are failed."""

    # -- state ----------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def in_loop_thread(self) -> bool:
        """True when the caller is the portal's own thread (a callback, a finaliser)."""
        return threading.get_ident() == self._thread_id

    # -- calls ----------------------------------------------------------------------------

    @overload
    def call(self, func: Callable[..., Awaitable[T]], /, *args: Any, **kwargs: Any) -> T: ...

    @overload
    def call(self, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T: ...

    def call(self, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """``func(*args, **kwargs)`` on the loop thread, awaited if it returns an awaitable.

        Exceptions come back as they were raised (the same classes). If the caller is
        interrupted while it waits (KeyboardInterrupt), the call is cancelled on the loop.
        """
        if self._closed:
            raise ClientClosedError(_CLOSED_MESSAGE)
        if threading.get_ident() == self._thread_id:
            raise RuntimeError(
                "a blocking toggl_async_sync call was made on the client's own event-loop "
                "thread, where it would wait for itself; use toggl_async.TogglClient in async code"
            )
        waiter = _Waiter()
        self._waiting.add(waiter)
        try:
            try:
                self._loop.call_soon_threadsafe(self._start, waiter, func, args, kwargs)
            except RuntimeError:  # the loop has just been closed by another thread
                raise ClientClosedError(_CLOSED_MESSAGE) from None
            try:
                waiter.lock.acquire()
            except BaseException:
                with contextlib.suppress(RuntimeError):
                    self._loop.call_soon_threadsafe(waiter.cancel)
                raise
        finally:
            self._waiting.discard(waiter)
        if waiter.error is not None:
            error, waiter.error = waiter.error, None  # no reference cycle through the frame
            raise error
        return waiter.result

    def _start(
        self,
        waiter: _Waiter,
        func: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        # On the loop thread: the callee is created (and awaited) where it lives.
        try:
            outcome = func(*args, **kwargs)
        except BaseException as exc:
            waiter.finish(error=exc)
            return
        if inspect.isawaitable(outcome):
            waiter.task = self._loop.create_task(self._settle(waiter, outcome))
        else:
            waiter.finish(result=outcome)

    async def _settle(self, waiter: _Waiter, awaitable: Awaitable[Any]) -> None:
        # The caller is woken from here, in the task's last step: no done-callback round.
        try:
            result = await awaitable
        except asyncio.CancelledError:
            waiter.finish(error=self._cancelled())
        except BaseException as exc:
            waiter.finish(error=exc)
        else:
            waiter.finish(result=result)

    def _cancelled(self) -> BaseException:
        if self._closed:
            return ClientClosedError("the TogglClient was closed while this call was running")
        return asyncio.CancelledError()

    def spawn(self, func: Callable[[], Awaitable[object]]) -> None:
        """Start ``func()`` on the loop without waiting (for finalisers, from any thread).

        Nothing happens once the portal is closed: closing already cancelled everything.
        """
        if self._closed:
            return

        def start() -> None:
            task = asyncio.ensure_future(func())
            task.add_done_callback(_swallow)

        if threading.get_ident() == self._thread_id:
            start()
            return
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(start)

    # -- closing --------------------------------------------------------------------------

    def close(self, last: Callable[[], Awaitable[object]] | None = None) -> None:
        """Cancel what still runs, await ``last()``, stop the loop and join its thread.

        Idempotent and callable from any thread. On the loop thread itself (a finaliser run
        by the garbage collector there) the loop cannot wait for itself, so a short-lived
        helper thread does the work.
        """
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        if threading.get_ident() == self._thread_id:
            threading.Thread(
                target=self._shutdown, args=(last,), name=f"{THREAD_NAME}-close", daemon=True
            ).start()
        else:
            self._shutdown(last)

    def _shutdown(self, last: Callable[[], Awaitable[object]] | None) -> None:
        try:
            self._anyio.call(self._drain, last)
        finally:
            self._manager.__exit__(None, None, None)
            # A call handed over in the instant the loop stopped never ran: fail it rather
            # than leave its caller waiting forever. (The loop is gone: nothing else wakes it.)
            for waiter in list(self._waiting):
                waiter.finish(error=self._cancelled())

    async def _drain(self, last: Callable[[], Awaitable[object]] | None) -> None:
        """On the loop: cancel every task the shim started (calls, prefetches), then ``last``."""
        current = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not current and t not in self._baseline]
        for task in tasks:
            task.cancel()
        if tasks:
            # Bounded: a task that ignored cancellation must not keep close() waiting.
            await asyncio.wait(tasks, timeout=_DRAIN_SECONDS)
        if last is not None:
            await last()


def _whereabouts() -> tuple[asyncio.AbstractEventLoop, int, frozenset[asyncio.Task[Any]]]:
    """The loop, its thread, and the portal's own tasks (never cancelled by ``_drain``)."""
    current = asyncio.current_task()
    own = frozenset(t for t in asyncio.all_tasks() if t is not current)
    return asyncio.get_running_loop(), threading.get_ident(), own


def _swallow(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()

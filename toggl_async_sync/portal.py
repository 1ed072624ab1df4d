"""The event-loop thread behind a blocking client: one anyio blocking portal per client.

Blocking callers never see an event loop. Each sync client owns a portal (a thread running
an asyncio loop); the async client lives inside it and every call is forwarded with
``portal.call``, which is thread-safe, so many threads may share one client, and it works
from a thread that already runs its own loop (a notebook cell) because the work happens on
the portal's thread, not the caller's.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from anyio.from_thread import BlockingPortal, start_blocking_portal

from toggl_async import ClientClosedError

__all__ = ["Portal"]

T = TypeVar("T")


class Portal:
    """Starts the loop thread; runs coroutine functions and plain callables on it."""

    def __init__(self) -> None:
        self._manager = start_blocking_portal(name="toggl-async-portal")
        self._portal: BlockingPortal | None = self._manager.__enter__()
        self._thread_id = self._portal.call(threading.get_ident)
        self._loop = self._portal.call(asyncio.get_running_loop)
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self._portal is not None

    def _require(self) -> BlockingPortal:
        portal = self._portal
        if portal is None:
            raise ClientClosedError(
                "this TogglClient is closed; create a new one (or use `with TogglClient(...)`)"
            )
        if threading.get_ident() == self._thread_id:
            raise RuntimeError(
                "a blocking toggl_async_sync call was made from inside its own event loop; "
                "use the async client (toggl_async.TogglClient) in async code"
            )
        return portal

    def call(self, func: Callable[..., Awaitable[T]], /, *args: Any, **kwargs: Any) -> T:
        """Run ``await func(*args, **kwargs)`` on the loop thread and return its result.

        The hand-off is one ``run_coroutine_threadsafe`` on the portal's loop rather than
        ``BlockingPortal.call``: the same thread-safe mechanism without a task group and
        cancel scope per call, which measured at about a third of the shim's per-call cost
        (benchmarks/sync_overhead.py). If the caller is interrupted, the call is cancelled.
        """
        self._require()
        future = asyncio.run_coroutine_threadsafe(_invoke(func, args, kwargs), self._loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise

    def call_sync(self, func: Callable[..., T], /, *args: Any) -> T:
        """Run a plain callable on the loop thread (for objects that must be made there)."""
        return self._require().call(func, *args)

    def stop(self) -> None:
        """Stop the loop and join its thread; safe to call twice and from any thread."""
        with self._lock:
            portal, self._portal = self._portal, None
        if portal is None:
            return
        if threading.get_ident() == self._thread_id:
            # Called on the loop thread itself (e.g. by the GC): we cannot wait for ourselves.
            threading.Thread(target=self._exit, daemon=True).start()
        else:
            self._exit()

    def _exit(self) -> None:
        with contextlib.suppress(Exception):
            self._manager.__exit__(None, None, None)


async def _invoke(func: Callable[..., Awaitable[T]], args: tuple[Any, ...], kwargs: Any) -> T:
    # Called on the loop thread, so the callee is created and awaited where it lives.
    return await func(*args, **kwargs)

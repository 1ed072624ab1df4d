"""A blocking view of :class:`toggl_async.Paginator`: a plain iterator with the same extras.

The async paginator does all the work (pages, prefetch, ``limit``, cursors) on the client's
loop; this class only steps it from the calling thread. ``for record in paginator`` steps it
one record at a time, so ``cursor`` is exactly the async one (it resumes right after the last
record you got, mid-page included); ``pages()`` steps it a page at a time (one hand-off per
page) and ``collect()`` runs the whole walk in one hand-off.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from types import TracebackType
from typing import Any, Generic, TypeVar

from toggl_async import ClientClosedError, Paginator
from toggl_async.pagination import Cursor

from .portal import Portal

__all__ = ["SyncPaginator"]

T = TypeVar("T")


class SyncPaginator(Generic[T]):
    """``for record in paginator``, ``paginator.pages()``, ``.collect()``, ``.cursor``, ``.done``.

    One page is fetched ahead while you work on the current one (on the client's loop
    thread, so really in parallel with your code). Leaving a loop early (``break``, an
    exception) cancels that request and leaves the client usable; so do :meth:`close`, the
    end of a ``with`` block, and dropping the paginator. Like any iterator, one paginator
    belongs to one thread at a time (the client itself may be shared by many).
    """

    def __init__(self, portal: Portal, paginator: Paginator[T]) -> None:
        self._portal = portal
        self._paginator = paginator
        self._stream: AsyncIterator[Any] | None = None

    # -- the same extras as the async paginator ------------------------------------------

    @property
    def cursor(self) -> Cursor:
        """Where the listing stands; pass it as ``cursor=`` to the same method to resume.

        JSON-serialisable, and readable at any time, also after the client was closed.
        """
        # Safe from this thread: the async paginator only moves while we wait for it.
        return self._paginator.cursor

    @property
    def done(self) -> bool:
        """True once the last page has been consumed."""
        return self._paginator.done

    def __iter__(self) -> Iterator[T]:
        return self._drive(self._paginator.__aiter__)

    def pages(self) -> Iterator[list[T]]:
        """Page-at-a-time iteration: lists of records, one hand-off to the loop per page."""
        return self._drive(self._paginator.pages)

    def collect(self) -> list[T]:
        """Every (remaining) record as a list, fetched in one go. Mind memory on big listings."""
        return self._portal.call(self._paginator.collect)

    # -- lifetime -------------------------------------------------------------------------

    def close(self) -> None:
        """Stop now: cancel the prefetched request. Safe to call twice, and after the client
        was closed (which already stopped everything)."""
        stream, self._stream = self._stream, None
        if stream is None or self._portal.closed:
            return
        if self._portal.in_loop_thread:
            self._portal.spawn(self._paginator.aclose)
            return
        with contextlib.suppress(ClientClosedError):
            self._portal.call(_aclose, stream, self._paginator)

    def __enter__(self) -> SyncPaginator[T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        # Normally the iteration's own ``finally`` has closed it; this is the safety net
        # (e.g. an iterator kept half-used in a dropped object). Never wait in a finaliser.
        if getattr(self, "_stream", None) is not None and not self._portal.closed:
            self._stream = None
            self._portal.spawn(self._paginator.aclose)

    def __repr__(self) -> str:
        return repr(self._paginator).replace("<Paginator", "<SyncPaginator", 1)

    # -- walking --------------------------------------------------------------------------

    def _drive(self, start: Callable[[], AsyncIterator[Any]]) -> Iterator[Any]:
        # The async iterator is made and stepped on the loop; StopAsyncIteration comes back
        # through the portal like any exception and ends the loop here.
        stream = self._portal.call(start)
        self._stream = stream
        step = stream.__anext__
        finished = False
        try:
            while True:
                try:
                    item = self._portal.call(step)
                except StopAsyncIteration:
                    finished = True
                    return
                yield item
        finally:
            if self._stream is stream:  # else close() came first
                if finished:
                    self._stream = None  # nothing left to cancel: save the hand-off
                else:
                    self.close()


async def _aclose(stream: AsyncIterator[Any], paginator: Paginator[Any]) -> None:
    closer = getattr(stream, "aclose", None)
    if closer is not None:
        await closer()
    await paginator.aclose()

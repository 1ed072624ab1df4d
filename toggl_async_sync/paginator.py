"""A blocking view of :class:`toggl_async.Paginator`: a plain iterator with the same extras.

The async paginator does all the work (pages, prefetch, ``limit``, cursors) on the client's
loop; this class only steps it from the calling thread. A hand-off between threads costs
far more than a record (benchmarks/sync_overhead.py), so ``for record in paginator`` takes
records in batches: one hand-off steps the async iterator for as long as records come
without waiting (the rest of the page in hand), noting the async cursor after each one, and
stops where the next record would wait for the network, leaving that step running on the
loop. So the cursor is exactly the async paginator's after the same record (mid-page
included), and the one-page-ahead prefetch is unchanged. ``pages()`` takes one page per
hand-off; ``collect()`` runs the whole walk in one.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import AsyncIterator, Callable, Iterator
from types import TracebackType
from typing import Any, Generic, TypeVar

from toggl_async import ClientClosedError, Paginator
from toggl_async.pagination import Cursor

from .portal import Portal

__all__ = ["SyncPaginator"]

T = TypeVar("T")
_MAX_BATCH = 10_000
"""At most this many records per hand-off (a page is far smaller: this only bounds memory)."""


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
        """The async iteration under way (made and stepped on the loop only)."""
        self._ahead: asyncio.Future[Any] | None = None
        """A step of ``_stream`` already started on the loop: the record after the batch."""
        self._position: Cursor | None = None
        """The async cursor right after the last record handed out (record iteration)."""

    # -- the same extras as the async paginator ------------------------------------------

    @property
    def cursor(self) -> Cursor:
        """Where the listing stands; pass it as ``cursor=`` to the same method to resume.

        JSON-serialisable, and readable at any time, also after the client was closed.
        """
        if self._position is not None:
            return copy.deepcopy(self._position)
        # Safe from this thread: without a step running ahead, the async paginator only
        # moves while this thread waits for it.
        return self._paginator.cursor

    @property
    def done(self) -> bool:
        """True once the last page has been consumed."""
        if self._position is not None:
            return self._position.get("done") is True
        return self._paginator.done

    def __iter__(self) -> Iterator[T]:
        return self._records()

    def pages(self) -> Iterator[list[T]]:
        """Page-at-a-time iteration: lists of records, one hand-off to the loop per page."""
        return self._pages()

    def collect(self) -> list[T]:
        """Every (remaining) record as a list, fetched in one go. Mind memory on big listings."""
        return self._portal.call(self._paginator.collect)

    # -- lifetime -------------------------------------------------------------------------

    def close(self) -> None:
        """Stop now: cancel the request in flight. Safe to call twice, and after the client
        was closed (which already stopped everything)."""
        stream, self._stream = self._stream, None
        ahead, self._ahead = self._ahead, None
        if stream is None or self._portal.closed:
            return
        if self._portal.in_loop_thread:
            self._portal.spawn(lambda: _shut(stream, ahead, self._paginator))
            return
        with contextlib.suppress(ClientClosedError):
            self._portal.call(_shut, stream, ahead, self._paginator)

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
        stream = getattr(self, "_stream", None)
        if stream is not None and not self._portal.closed:
            ahead, paginator = self._ahead, self._paginator
            self._stream = self._ahead = None
            self._portal.spawn(lambda: _shut(stream, ahead, paginator))

    def __repr__(self) -> str:
        return repr(self._paginator).replace("<Paginator", "<SyncPaginator", 1)

    # -- walking --------------------------------------------------------------------------

    def _records(self) -> Iterator[T]:
        portal = self._portal
        batch: list[tuple[T, Cursor]] = []
        index = 0
        finished = False
        try:
            while True:
                if index == len(batch):
                    batch, index = portal.call(self._refill), 0
                    if not batch:
                        finished = True
                        return
                if portal.closed:  # the same rule as every call, batch in hand or not
                    raise ClientClosedError("this TogglClient is closed; resume from .cursor")
                record, self._position = batch[index]
                index += 1
                yield record
        finally:
            if not finished:
                self.close()

    async def _refill(self) -> list[tuple[T, Cursor]]:
        """On the loop: the next records that are there without waiting (at least one,
        waiting for it if need be; none at the end), each with the cursor after it."""
        paginator = self._paginator
        if self._stream is None:
            self._stream = paginator.__aiter__()
        stream = self._stream
        step, self._ahead = self._ahead, None
        try:
            first = await (step if step is not None else stream.__anext__())
        except StopAsyncIteration:
            self._stream = None  # finished: nothing left to close
            self._position = paginator.cursor  # e.g. an empty last page: now done
            return []
        batch = [(first, paginator.cursor)]
        while len(batch) < _MAX_BATCH:
            step = asyncio.ensure_future(stream.__anext__())
            await asyncio.sleep(0)  # one round of the loop: the step runs, done unless it waits
            if not step.done() or step.exception() is not None:
                # It waits for the network (the next page), or it ended (StopAsyncIteration,
                # or an error): hand over this batch; the next hand-off picks the step up.
                self._ahead = step
                break
            batch.append((step.result(), paginator.cursor))
        return batch

    def _pages(self) -> Iterator[list[T]]:
        stream = self._portal.call(self._paginator.pages)
        self._stream = stream
        step = stream.__anext__
        finished = False
        try:
            while True:
                try:
                    page: list[T] = self._portal.call(step)
                except StopAsyncIteration:
                    finished = True
                    return
                yield page
        finally:
            if self._stream is stream:  # else close() came first
                if finished:
                    self._stream = None  # nothing left to cancel: save the hand-off
                else:
                    self.close()


async def _shut(
    stream: AsyncIterator[Any], ahead: asyncio.Future[Any] | None, paginator: Paginator[Any]
) -> None:
    """On the loop: cancel the step running ahead (its request too), close the iteration."""
    if ahead is not None:
        if not ahead.done():
            ahead.cancel()
            await asyncio.wait([ahead])
        if not ahead.cancelled():
            ahead.exception()  # retrieved: asyncio logs nothing about it
    closer: Callable[[], Any] | None = getattr(stream, "aclose", None)
    if closer is not None:
        await closer()
    await paginator.aclose()

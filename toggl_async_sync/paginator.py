"""A blocking view of :class:`toggl_async.Paginator`: a plain iterator with the same extras."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import Any, Generic, TypeVar

from toggl_async import Paginator
from toggl_async.pagination import Cursor

from .portal import Portal

__all__ = ["SyncPaginator"]

T = TypeVar("T")


class SyncPaginator(Generic[T]):
    """``for record in paginator``, ``paginator.pages()``, ``.collect()``, ``.cursor``.

    Leaving a loop early (``break``, an exception) closes the async iteration at once, which
    cancels the prefetched page; the client stays usable.
    """

    def __init__(self, portal: Portal, paginator: Paginator[T]) -> None:
        self._portal = portal
        self._paginator = paginator

    @property
    def cursor(self) -> Cursor:
        """Where the listing stands; pass it as ``cursor=`` to the same method to resume."""
        return self._paginator.cursor

    @property
    def done(self) -> bool:
        return self._paginator.done

    def __iter__(self) -> Iterator[T]:
        return self._drive(self._paginator.__aiter__())

    def pages(self) -> Iterator[list[T]]:
        """Page-at-a-time iteration (lists of records)."""
        return self._drive(self._paginator.pages())

    def collect(self) -> list[T]:
        """Every (remaining) record as a list."""
        return self._portal.call(self._paginator.collect)

    def close(self) -> None:
        """Stop now and cancel the prefetched request. Safe to call twice."""
        if self._portal.running:
            self._portal.call(self._paginator.aclose)

    def __enter__(self) -> SyncPaginator[T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return repr(self._paginator).replace("<Paginator", "<SyncPaginator", 1)

    def _drive(self, iterator: AsyncIterator[Any]) -> Iterator[Any]:
        anext_ = iterator.__anext__
        try:
            while True:
                try:
                    item = self._portal.call(anext_)
                except StopAsyncIteration:
                    return
                yield item
        finally:
            if self._portal.running:
                self._portal.call(self._paginator.aclose)

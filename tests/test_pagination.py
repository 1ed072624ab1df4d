"""Paginator semantics over an in-memory page source: cursor, limit, prefetch, cleanup."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

import attrs
import pytest

from toggl_async import InvalidCursorError, Paginator
from toggl_async.pagination import Page, PageSource, PaginationError


@attrs.frozen
class Item:
    id: int


class FakeSource(PageSource[Item]):
    """Pages of ``size`` items over ids 1..total; records every fetch and its timing."""

    kind = "fake"

    def __init__(
        self, total: int, size: int, delay: float = 0.0, query: dict[str, Any] | None = None
    ) -> None:
        self.total, self.size, self.delay = total, size, delay
        self.query = query or {"size": size}
        self.fetched: list[int] = []
        self.cancelled: list[int] = []
        self.in_flight = 0
        self.fail_at: set[int] = set()

    def first(self) -> dict[str, Any]:
        return {"page": 0}

    async def fetch(self, at: dict[str, Any]) -> Page[Item]:
        page = at["page"]
        self.fetched.append(page)
        self.in_flight += 1
        try:
            await asyncio.sleep(self.delay)
        except asyncio.CancelledError:
            self.cancelled.append(page)
            raise
        finally:
            self.in_flight -= 1
        if page in self.fail_at:
            raise RuntimeError(f"page {page} failed")
        start = page * self.size
        items = [Item(i + 1) for i in range(start, min(start + self.size, self.total))]
        nxt = {"page": page + 1} if start + self.size < self.total else None
        return Page(items, nxt)

    def resume(
        self, at: dict[str, Any], items: Sequence[Item], consumed: int
    ) -> tuple[dict[str, Any], int]:
        return at, consumed


async def test_iterates_every_record_once_in_order() -> None:
    source = FakeSource(total=23, size=5)
    ids = [item.id async for item in Paginator(source)]
    assert ids == list(range(1, 24))
    assert source.fetched == [0, 1, 2, 3, 4]


async def test_empty_listing() -> None:
    paginator = Paginator(FakeSource(total=0, size=5))
    assert await paginator.collect() == []
    assert paginator.done and paginator.cursor["done"] is True


async def test_pages_yields_lists_and_moves_the_cursor_past_each_page() -> None:
    paginator = Paginator(FakeSource(total=12, size=5))
    seen = []
    async for page in paginator.pages():
        seen.append([i.id for i in page])
        cursor = paginator.cursor
        if not paginator.done:
            assert cursor["skip"] == 0
    assert seen == [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [11, 12]]
    assert paginator.cursor["done"] is True


async def test_limit_stops_early_without_fetching_beyond_need() -> None:
    source = FakeSource(total=100, size=10)
    ids = [i.id async for i in Paginator(source, limit=15)]
    assert ids == list(range(1, 16))
    assert source.fetched == [0, 1]
    assert [
        len(p) for p in [p async for p in Paginator(FakeSource(100, 10), limit=15).pages()]
    ] == [10, 5]
    assert await Paginator(FakeSource(100, 10), limit=0).collect() == []


@pytest.mark.parametrize("stop_after", [1, 4, 5, 6, 17, 22])
async def test_cursor_resumes_right_after_the_last_record_even_mid_page(stop_after: int) -> None:
    first = Paginator(FakeSource(total=23, size=5))
    taken = []
    async for item in first:
        taken.append(item.id)
        if len(taken) == stop_after:
            break
    cursor = json.loads(json.dumps(first.cursor))  # survives a trip through a file
    rest = [i.id async for i in Paginator(FakeSource(total=23, size=5), cursor=cursor)]
    assert taken + rest == list(range(1, 24))


async def test_cursor_of_a_finished_listing_yields_nothing() -> None:
    first = Paginator(FakeSource(total=7, size=5))
    await first.collect()
    assert await Paginator(FakeSource(total=7, size=5), cursor=first.cursor).collect() == []


@pytest.mark.parametrize(
    "cursor",
    [
        "not a dict",
        {"v": 1, "kind": "keyset", "query": {"size": 5}, "at": {"page": 0}, "skip": 0},
        {"v": 1, "kind": "fake", "query": {"size": 6}, "at": {"page": 0}, "skip": 0},
        {"v": 99, "kind": "fake", "query": {"size": 5}, "at": {"page": 0}, "skip": 0},
        {"v": 1, "kind": "fake", "query": {"size": 5}, "at": 3, "skip": 0},
        {"v": 1, "kind": "fake", "query": {"size": 5}, "at": {"page": 0}, "skip": -1},
    ],
)
def test_foreign_or_malformed_cursor_is_refused(cursor: Any) -> None:
    with pytest.raises(InvalidCursorError):
        Paginator(FakeSource(total=7, size=5), cursor=cursor)


async def test_next_page_is_prefetched_while_the_caller_works() -> None:
    source = FakeSource(total=20, size=5, delay=0.01)
    paginator = Paginator(source)
    async for item in paginator:
        if item.id == 1:
            await asyncio.sleep(0.03)  # "work" on the first record
            assert source.fetched == [0, 1]  # page 1 went out before we asked for it
            break
    await paginator.aclose()


async def test_prefetch_can_be_disabled() -> None:
    source = FakeSource(total=20, size=5, delay=0.0)
    ids = []
    async for item in Paginator(source, prefetch=False):
        ids.append(item.id)
        if item.id == 1:
            await asyncio.sleep(0.01)
            assert source.fetched == [0]  # nothing ahead while the caller works
    assert ids == list(range(1, 21))  # yet every page is fetched when asked for
    assert source.fetched == [0, 1, 2, 3]
    pages = [len(page) async for page in Paginator(FakeSource(20, 5), prefetch=False).pages()]
    assert pages == [5, 5, 5, 5]


@pytest.mark.parametrize("prefetch", [True, False])
async def test_a_limit_on_a_page_boundary_fetches_no_page_too_many(prefetch: bool) -> None:
    source = FakeSource(total=100, size=5)
    ids = [i.id async for i in Paginator(source, limit=10, prefetch=prefetch)]
    assert ids == list(range(1, 11)) and source.fetched == [0, 1]
    source = FakeSource(total=100, size=5)
    pages = [len(p) async for p in Paginator(source, limit=10, prefetch=prefetch).pages()]
    assert pages == [5, 5] and source.fetched == [0, 1]
    # Resumed mid-page: the limit ends where that page ends.
    source = FakeSource(total=100, size=5)
    cursor = {"v": 1, "kind": "fake", "query": {"size": 5}, "at": {"page": 1}, "skip": 3}
    ids = [i.id async for i in Paginator(source, cursor=cursor, limit=2, prefetch=prefetch)]
    assert ids == [9, 10] and source.fetched == [1]


async def test_breaking_out_cancels_the_prefetched_request() -> None:
    source = FakeSource(total=50, size=5, delay=0.05)
    paginator = Paginator(source)
    async for item in paginator:
        if item.id == 2:
            await asyncio.sleep(0.01)  # the prefetch of page 1 is now on the wire
            break
    await paginator.aclose()
    assert source.cancelled == [1]
    assert source.in_flight == 0


async def test_dropping_the_iterator_cleans_up_through_the_event_loop() -> None:
    source = FakeSource(total=50, size=5, delay=0.05)

    async def take_one() -> None:
        async for _ in Paginator(source):
            await asyncio.sleep(0.01)
            break

    await take_one()
    await asyncio.sleep(0.01)
    assert source.in_flight == 0
    assert source.cancelled == [1]


async def test_async_with_closes_the_iteration() -> None:
    source = FakeSource(total=50, size=5, delay=0.05)
    async with Paginator(source) as paginator:
        async for _ in paginator.pages():
            break
    assert source.in_flight == 0


async def test_cancelling_the_consumer_cancels_the_fetch() -> None:
    source = FakeSource(total=50, size=5, delay=10)

    async def consume() -> None:
        await Paginator(source).collect()

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert source.cancelled == [0] and source.in_flight == 0


async def test_a_failing_page_propagates_and_keeps_the_cursor_before_it() -> None:
    source = FakeSource(total=20, size=5)
    source.fail_at = {2}
    paginator = Paginator(source)
    seen: list[int] = []
    with pytest.raises(RuntimeError, match="page 2 failed"):
        async for item in paginator:
            seen.append(item.id)
    assert seen == list(range(1, 11))
    rest = [i.id async for i in Paginator(FakeSource(20, 5), cursor=paginator.cursor)]
    assert rest == list(range(11, 21))


async def test_a_paginator_is_iterated_once() -> None:
    paginator = Paginator(FakeSource(total=3, size=5))
    await paginator.collect()
    with pytest.raises(RuntimeError, match="already being iterated"):
        await paginator.collect()


@pytest.mark.parametrize("limit", [-1, 1.5, True])
def test_bad_limit(limit: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        Paginator(FakeSource(total=3, size=5), limit=limit)


async def test_repr_shows_position() -> None:
    paginator = Paginator(FakeSource(total=13, size=5))
    assert repr(paginator) == (
        "<Paginator fake yielded=0 cursor={'v': 1, 'kind': 'fake', 'query': {'size': 5}, "
        "'at': {'page': 0}, 'skip': 0}>"
    )
    async for item in paginator:
        if item.id == 7:
            break
    assert "yielded=7" in repr(paginator)
    assert "'at': {'page': 1}, 'skip': 2}" in repr(paginator)
    await paginator.aclose()


class StuckSource(FakeSource):
    """Claims a next page every time but always sends the first one."""

    async def fetch(self, at: dict[str, Any]) -> Page[Item]:
        page = await super().fetch({"page": 0})
        self.fetched[-1] = at["page"]
        return Page(page.items, {"page": at["page"] + 1})


async def test_any_source_repeating_the_previous_page_is_refused() -> None:
    source = StuckSource(total=100, size=5)
    seen: list[int] = []
    with pytest.raises(PaginationError, match="fake listing at page=1") as info:
        async with asyncio.timeout(10):  # a deadline: the failure mode is an endless walk
            async for item in Paginator(source):
                seen.append(item.id)
    assert info.value.position == {"page": 1}
    assert seen == [1, 2, 3, 4, 5]
    assert source.fetched[:2] == [0, 1] and len(source.fetched) <= 3

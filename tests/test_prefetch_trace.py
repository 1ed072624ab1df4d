"""The prefetch overlaps for real, and a server that ignores the position cannot loop us.

Against :mod:`tests.pageserver` (its own thread, real sockets), for every paging scheme:

- when the first record of page n is handed out, the request for page n+1 has already
  reached the server. The consumer proves it by *blocking* the event loop (as synchronous
  work does) until the server has seen that request: a request that was only scheduled,
  not written, can never arrive while the loop is blocked, so the wait times out;
- a server that answers the same page whatever the position gets a ``PaginationError``
  naming the endpoint and the position, after a handful of requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from toggl_async import DecodeError, Paginator, RetryPolicy, TogglClient
from toggl_async.pagination import PaginationError

from .pageserver import ENVELOPE, HEADER, KEYSET, NUMBERED, OFFSET, TAGS, WID, PageServer

PER_PAGE = 5
TOTAL = 4 * PER_PAGE + 2  # five pages, the last one short

Listing = Callable[[TogglClient], Paginator[Any]]
LISTINGS: dict[str, tuple[str, Listing]] = {
    "keyset": (KEYSET, lambda t: t.me.iter_projects(per_page=PER_PAGE)),
    "offset": (OFFSET, lambda t: t.me.iter_tasks(per_page=PER_PAGE)),
    "numbered": (NUMBERED, lambda t: t.projects.iter(WID, per_page=PER_PAGE)),
    "numbered tags": (TAGS, lambda t: t.tags.iter(WID, per_page=PER_PAGE)),
    "enveloped": (ENVELOPE, lambda t: t.tasks.iter(WID, per_page=PER_PAGE)),
    "header": (
        HEADER,
        lambda t: t.reports.iter_time_entries(
            WID, start_date="2024-01-01", end_date="2024-01-31", page_size=PER_PAGE
        ),
    ),
}


@pytest.fixture
def server() -> Iterator[PageServer]:
    with PageServer(TOTAL, PER_PAGE).running() as running:
        yield running


@pytest.fixture
def hostile() -> Iterator[PageServer]:
    with PageServer(TOTAL, PER_PAGE, hostile=True).running() as running:
        yield running


def connect(server: PageServer) -> TogglClient:
    return TogglClient(
        api_token="t" * 32,
        track_base_url=server.base + "/api/v9",
        reports_base_url=server.base + "/reports/api/v3",
        retry=RetryPolicy.never(),
    )


@pytest.mark.parametrize("scheme", list(LISTINGS))
async def test_next_request_is_on_the_wire_before_a_page_is_handed_out(
    server: PageServer, scheme: str
) -> None:
    path, listing = LISTINGS[scheme]
    pages = -(-TOTAL // PER_PAGE)
    late: list[int] = []

    async def consume() -> list[int]:
        ids = []
        async with connect(server) as toggl:
            async for record in listing(toggl):
                ids.append(record.id)
                page = (record.id - 1) // PER_PAGE
                first_of_page = (record.id - 1) % PER_PAGE == 0
                # Synchronous: the loop cannot send anything while we wait here.
                if first_of_page and page + 1 < pages and not server.wait_for(path, page + 1, 3):
                    late.append(page + 1)
        return ids

    ids = await asyncio.wait_for(consume(), timeout=60)
    assert ids == list(range(1, TOTAL + 1))
    assert late == [], f"page(s) {late} were requested only after the page before was handed out"
    assert server.arrivals == [(path, n) for n in range(pages)]  # each page once, in order


@pytest.mark.parametrize("scheme", list(LISTINGS))
async def test_a_page_that_does_not_advance_is_refused(hostile: PageServer, scheme: str) -> None:
    path, listing = LISTINGS[scheme]
    seen: list[int] = []

    async def consume() -> None:
        async with connect(hostile) as toggl:
            async for record in listing(toggl):
                seen.append(record.id)

    with pytest.raises(PaginationError) as info:
        await asyncio.wait_for(consume(), timeout=30)
    error = info.value
    assert isinstance(error, DecodeError)  # one except catches every unreadable page
    assert path in str(error) and path in error.url
    assert error.position  # the position asked for, named in the message
    assert all(str(v) in str(error) for v in error.position.values() if v is not None)
    assert "ignored the position" in str(error) or "does not move past" in str(error)
    assert seen == list(range(1, PER_PAGE + 1))  # the first page, nothing repeated
    assert hostile.requests_to(path) <= 3  # page 1, page 2 (= page 1), at most one prefetch


async def test_keyset_refuses_a_next_start_that_goes_back(hostile: PageServer) -> None:
    """Resumed at id 11 of a server that ignores ``start_project_id``: the page it sends
    ends at id 5, below the start; refused on the first page, before anything is yielded."""
    async with connect(hostile) as toggl:
        listing = toggl.me.iter_projects(per_page=PER_PAGE, start_project_id=11)
        with pytest.raises(PaginationError, match="start_project_id=11"):
            await asyncio.wait_for(listing.collect(), timeout=30)
    assert hostile.requests_to(KEYSET) == 1

"""Cursor edges and refusals of the paginator, pinned where mutation testing found them loose.

Each test names the behaviour it pins; each one failed on the library change (mutant) it was
written against. Requests are mocked with aioresponses and every call has a deadline.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from aioresponses import aioresponses

from toggl_async import DecodeError, InvalidCursorError, RetryPolicy, TogglClient
from toggl_async.pagination import (
    HeaderCursor,
    Keyset,
    NumberedPages,
    Offset,
    Page,
    PageSource,
    PaginationError,
    Paginator,
    RequestSource,
)
from toggl_async.transport import Response

from .helpers import TOKEN, TRACK, project_body, sent, task_body

PROJECTS = f"{TRACK}/me/projects/paginated"
TASKS = f"{TRACK}/me/tasks"
ROWS = f"{TRACK}/rows"


@pytest.fixture
async def toggl() -> AsyncIterator[TogglClient]:
    # No retries: a request the test did not expect fails at once instead of backing off.
    async with TogglClient(api_token=TOKEN, retry=RetryPolicy.never()) as client:
        yield client


async def _take(paginator: Paginator[Any], count: int) -> list[Any]:
    """The first ``count`` records, leaving the paginator mid-listing."""
    taken: list[Any] = []
    async with asyncio.timeout(10):
        async for record in paginator:
            taken.append(record)
            if len(taken) == count:
                break
    await paginator.aclose()
    return taken


# -- keyset -----------------------------------------------------------------------------------


async def test_keyset_refuses_a_page_that_ends_before_its_start(toggl: TogglClient) -> None:
    """A page asked from id 9 that ends at id 8 ignored the position: following it would
    repeat rows, so the walk stops with the request, the body and the position."""
    second = [project_body(7), project_body(8)]
    with aioresponses() as m:
        m.get(f"{PROJECTS}?per_page=2", payload=[project_body(3), project_body(8)])
        m.get(f"{PROJECTS}?per_page=2&start_project_id=9", payload=second)
        seen: list[int] = []
        with pytest.raises(PaginationError) as info:
            async with asyncio.timeout(10):
                async for project in toggl.me.iter_projects(per_page=2):
                    seen.append(project.id)
    assert seen == [3, 8]
    error = info.value
    assert isinstance(error, DecodeError)
    assert error.position == {"start": 9}
    assert error.method == "GET"
    assert error.url == f"{PROJECTS}"
    assert json.loads(error.body) == second
    assert "at start_project_id=9 returned a page ending at id 8" in str(error)
    assert "(the server ignored the position); refusing to loop" in str(error)


async def test_keyset_cursor_mid_page_resumes_after_the_last_id_yielded(
    toggl: TogglClient,
) -> None:
    with aioresponses() as m:
        m.get(f"{PROJECTS}?per_page=3", payload=[project_body(i) for i in (3, 8, 12)])
        paginator = toggl.me.iter_projects(per_page=3)
        assert [p.id for p in await _take(paginator, 2)] == [3, 8]
        cursor = paginator.cursor
        assert (cursor["at"], cursor["skip"]) == ({"start": 9}, 0)
        m.get(f"{PROJECTS}?per_page=3&start_project_id=9", payload=[project_body(12)])
        async with asyncio.timeout(10):
            rest = [p.id async for p in toggl.me.iter_projects(per_page=3, cursor=cursor)]
        assert len(sent(m, "GET", f"{PROJECTS}?per_page=3&start_project_id=9")) == 1
    assert rest == [12]


async def test_keyset_items_without_an_id_name_what_is_missing(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.get(f"{PROJECTS}?per_page=2", payload=[project_body(3), {"name": "no id"}])
        with pytest.raises(
            DecodeError, match=r"shape: keyset pagination needs an 'id' on every item$"
        ):
            await asyncio.wait_for(toggl.me.iter_projects(per_page=2).collect(), 10)


async def test_a_page_that_is_not_an_array_is_an_error_with_its_request_and_body(
    toggl: TogglClient,
) -> None:
    with aioresponses() as m:
        m.get(f"{PROJECTS}?per_page=2", body='{"data": []}')
        with pytest.raises(DecodeError) as info:
            await asyncio.wait_for(toggl.me.iter_projects(per_page=2).collect(), 10)
    error = info.value
    assert str(error) == (
        f"GET {PROJECTS} returned a page of an unexpected shape: expected a JSON array, got dict"
    )
    assert (error.method, error.url, error.body) == ("GET", PROJECTS, b'{"data": []}')


async def test_a_record_that_does_not_decode_names_the_request(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.get(f"{PROJECTS}?per_page=2", payload=[{"id": 3}])
        with pytest.raises(DecodeError) as info:
            await asyncio.wait_for(toggl.me.iter_projects(per_page=2).collect(), 10)
    assert str(info.value).startswith(f"GET {PROJECTS} returned data that does not fit ")
    assert (info.value.method, info.value.url) == ("GET", PROJECTS)


def test_a_keyset_position_after_no_item_is_the_position_itself() -> None:
    """``Strategy.resume`` is public (custom strategies call it): nothing consumed, no move."""
    assert Keyset(per_page=2).resume({"start": 5}, [], 0) == ({"start": 5}, 0)


async def test_pages_with_a_limit_inside_a_page_leave_a_cursor_after_the_last_item(
    toggl: TogglClient,
) -> None:
    with aioresponses() as m:
        m.get(f"{PROJECTS}?per_page=3", payload=[project_body(i) for i in (3, 8, 12)])
        paginator = toggl.me.iter_projects(per_page=3, limit=2)
        async with asyncio.timeout(10):
            pages = [[p.id for p in page] async for page in paginator.pages()]
    assert pages == [[3, 8]]
    assert (paginator.cursor["at"], paginator.cursor["skip"]) == ({"start": 9}, 0)


# -- offset -----------------------------------------------------------------------------------


async def test_offset_cursor_mid_page_resumes_at_the_next_row(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.get(f"{TASKS}?offset=0&per_page=2", payload=[task_body(1), task_body(2)])
        paginator = toggl.me.iter_tasks(per_page=2)
        assert [t.id for t in await _take(paginator, 1)] == [1]
        cursor = paginator.cursor
        assert (cursor["at"], cursor["skip"]) == ({"offset": 1}, 0)
        m.get(f"{TASKS}?offset=1&per_page=2", payload=[task_body(2), task_body(3)])
        m.get(f"{TASKS}?offset=3&per_page=2", payload=[task_body(4)])
        async with asyncio.timeout(10):
            rest = [t.id async for t in toggl.me.iter_tasks(per_page=2, cursor=cursor)]
    assert rest == [2, 3, 4]


async def test_offset_pages_with_a_limit_inside_a_page_leave_a_cursor_after_it(
    toggl: TogglClient,
) -> None:
    with aioresponses() as m:
        m.get(f"{TASKS}?offset=4&per_page=3", payload=[task_body(i) for i in (5, 6, 7)])
        paginator = toggl.me.iter_tasks(per_page=3, offset=4, limit=2)
        async with asyncio.timeout(10):
            pages = [[t.id for t in page] async for page in paginator.pages()]
    assert pages == [[5, 6]]
    assert (paginator.cursor["at"], paginator.cursor["skip"]) == ({"offset": 6}, 0)


async def test_an_envelope_without_its_array_says_what_was_expected(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.get(f"{TRACK}/workspaces/4/tasks?active=both&page=1&per_page=2", payload={"data": {}})
        with pytest.raises(DecodeError) as info:
            await asyncio.wait_for(toggl.tasks.iter(4, per_page=2).collect(), 10)
    assert str(info.value).endswith(
        "returned a page of an unexpected shape: expected an object with a 'data' array"
    )


# -- header cursor ------------------------------------------------------------------------------


def _rows(*items: dict[str, Any]) -> list[dict[str, Any]]:
    return list(items)


async def test_header_cursor_without_rows_resumes_mid_page_by_skipping(
    toggl: TogglClient,
) -> None:
    """No ``row_of``: a cursor mid-page is the page's position plus the records to skip."""
    strategy = HeaderCursor(header="X-Next-Row", param="from_row")
    with aioresponses() as m:
        m.get(ROWS, payload=_rows({"id": 1}, {"id": 2}), headers={"X-Next-Row": "3"})
        m.get(f"{ROWS}?from_row=3", payload=_rows({"id": 3}, {"id": 4}))
        paginator = toggl.paginate("GET", "/rows", strategy)
        assert [r["id"] for r in await _take(paginator, 3)] == [1, 2, 3]
        cursor = paginator.cursor
        assert (cursor["at"], cursor["skip"]) == ({"row": 3}, 1)
        m.get(f"{ROWS}?from_row=3", payload=_rows({"id": 3}, {"id": 4}))
        async with asyncio.timeout(10):
            rest = [r["id"] async for r in toggl.paginate("GET", "/rows", strategy, cursor=cursor)]
    assert rest == [4]


@pytest.mark.parametrize(
    ("first", "second", "current"),
    [("1", None, 1), ("0", None, 1), ("5", "5", 5), ("5", "4", 5), ("5", "x", 5)],
)
async def test_a_next_row_that_does_not_move_on_is_refused(
    toggl: TogglClient, first: str, second: str | None, current: int
) -> None:
    """The first page starts at row 1: a next row of 1 (or less) repeats it, as does a
    later row at or before the current one. Records without ids would be yielded twice."""
    strategy = HeaderCursor(header="X-Next-Row", param="from_row")
    refused = first if second is None else second
    with aioresponses() as m:
        m.get(ROWS, payload=_rows({"n": 1}, {"n": 2}), headers={"X-Next-Row": first})
        if second is not None:
            m.get(f"{ROWS}?from_row=5", payload=_rows({"n": 5}), headers={"X-Next-Row": second})
        seen: list[Any] = []
        with pytest.raises(PaginationError) as info:
            async with asyncio.timeout(10):
                async for row in toggl.paginate("GET", "/rows", strategy):
                    seen.append(row["n"])
    assert seen == ([] if second is None else [1, 2])
    error = info.value
    assert str(error) == (
        f"GET {ROWS} sent X-Next-Row: {refused!r}, which does not move past row {current}; "
        "refusing to loop"
    )
    assert (error.method, error.url) == ("GET", ROWS)
    assert json.loads(error.body) == ([{"n": 1}, {"n": 2}] if second is None else [{"n": 5}])
    assert error.position == ({"row": None} if second is None else {"row": 5})


async def test_a_repeated_page_is_refused_naming_its_whole_position(toggl: TogglClient) -> None:
    strategy = HeaderCursor(header="X-Next-Row", param="from_row", keep=(("X-Next-Id", "nid"),))
    page = _rows({"id": 1}, {"id": 2})
    with aioresponses() as m:
        m.get(ROWS, payload=page, headers={"X-Next-Row": "3", "X-Next-Id": "abc"})
        m.get(f"{ROWS}?from_row=3", payload=page)
        with pytest.raises(PaginationError) as info:
            await asyncio.wait_for(toggl.paginate("GET", "/rows", strategy).collect(), 10)
    assert str(info.value) == (
        f"GET {ROWS} at row=3, nid=abc returned only records of the previous page "
        "(the server ignored the position); refusing to loop"
    )
    assert (info.value.method, info.value.url) == ("GET", ROWS)


ROW_STRATEGY = HeaderCursor(
    header="X-Next-Row",
    param="from_row",
    keep=(("X-Next-Id", "next_id"),),
    row_of=lambda item: item["row"],
)


async def _second_page_rows(toggl: TogglClient, take: int) -> dict[str, Any]:
    """Walk to the second page (rows 3, 3, 4), stop after ``take`` records: the cursor."""
    with aioresponses() as m:
        m.get(
            ROWS,
            payload=_rows({"id": 1, "row": 1}, {"id": 2, "row": 2}),
            headers={"X-Next-Row": "3", "X-Next-Id": "abc"},
        )
        m.get(
            f"{ROWS}?from_row=3",
            payload=_rows({"id": 3, "row": 3}, {"id": 4, "row": 3}, {"id": 5, "row": 4}),
        )
        paginator = toggl.paginate("GET", "/rows", ROW_STRATEGY)
        assert [r["id"] for r in await _take(paginator, take)] == list(range(1, take + 1))
        return paginator.cursor


async def test_header_cursor_inside_the_pages_first_row_keeps_the_page_position(
    toggl: TogglClient,
) -> None:
    """Stopping inside the row the page starts with: the cursor is the page's own position
    (with the headers kept alongside it) plus the records of that row already yielded."""
    cursor = await _second_page_rows(toggl, 3)
    assert (cursor["at"], cursor["skip"]) == ({"row": 3, "next_id": "abc"}, 1)


async def test_header_cursor_at_a_later_row_points_at_that_row(toggl: TogglClient) -> None:
    cursor = await _second_page_rows(toggl, 4)
    assert (cursor["at"], cursor["skip"]) == ({"row": 4}, 0)
    with aioresponses() as m:
        m.get(f"{ROWS}?from_row=4", payload=_rows({"id": 5, "row": 4}))
        async with asyncio.timeout(10):
            rest = [
                r["id"] async for r in toggl.paginate("GET", "/rows", ROW_STRATEGY, cursor=cursor)
            ]
    assert rest == [5]


def test_a_header_cursor_position_after_a_whole_page_is_the_page_and_its_size() -> None:
    """Every item of the page consumed: no next item to take a row from."""
    items = [{"id": 3, "row": 3}, {"id": 4, "row": 3}]
    assert ROW_STRATEGY.resume({"row": 3}, items, 2) == ({"row": 3}, 2)


# -- cursors of another listing -------------------------------------------------------------------


async def test_a_cursor_of_another_listing_says_which_and_what_to_do(toggl: TogglClient) -> None:
    cursor = toggl.me.iter_tasks(per_page=2).cursor
    with pytest.raises(InvalidCursorError) as info:
        toggl.me.iter_projects(per_page=2, cursor=cursor)
    assert str(info.value) == (
        "this cursor is for a 'offset' listing (version 1), not this 'keyset' one; "
        "pass the cursor of the same method"
    )


async def test_a_cursor_that_is_not_a_dict_is_refused_by_what_it_is(toggl: TogglClient) -> None:
    with pytest.raises(InvalidCursorError) as info:
        toggl.me.iter_projects(per_page=2, cursor="page 2")  # type: ignore[arg-type]
    assert str(info.value) == "cursor must be the dict from Paginator.cursor, got 'page 2'"


async def test_a_cursor_of_other_arguments_shows_both(toggl: TogglClient) -> None:
    cursor = toggl.me.iter_tasks(per_page=2).cursor
    with pytest.raises(InvalidCursorError) as info:
        toggl.me.iter_tasks(per_page=3, cursor=cursor)
    made, call = "{'path': '/me/tasks', 'per_page': 2}", "{'path': '/me/tasks', 'per_page': 3}"
    assert str(info.value) == (
        f"this cursor was made with other arguments ({made}) than this call ({call}); "
        "call the method with the same arguments to resume"
    )


async def test_a_cursor_without_a_skip_starts_at_its_page(toggl: TogglClient) -> None:
    """``skip`` may be left out of a cursor (written by hand): nothing of the page is skipped."""
    cursor = toggl.me.iter_tasks(per_page=2).cursor
    cursor["at"] = {"offset": 2}
    del cursor["skip"]
    with aioresponses() as m:
        m.get(f"{TASKS}?offset=2&per_page=2", payload=[task_body(3)])
        async with asyncio.timeout(10):
            ids = [t.id async for t in toggl.me.iter_tasks(per_page=2, cursor=cursor)]
    assert ids == [3]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"skip": "1"}, "malformed cursor: "),
        ({"skip": True}, "malformed cursor: "),
        ({"skip": 1.0}, "malformed cursor: "),
        ({"at": [1]}, "malformed cursor: "),
        ({"skip": -1}, "malformed cursor (negative skip): "),
    ],
)
async def test_a_malformed_cursor_is_refused_and_shown(
    toggl: TogglClient, change: dict[str, Any], message: str
) -> None:
    cursor = {**toggl.me.iter_tasks(per_page=2).cursor, **change}
    with pytest.raises(InvalidCursorError) as info:
        toggl.me.iter_tasks(per_page=2, cursor=cursor)
    assert str(info.value) == f"{message}{cursor!r}"


# -- the paginator's own state --------------------------------------------------------------------


async def test_the_last_record_handed_out_makes_the_cursor_done(toggl: TogglClient) -> None:
    """Reading the cursor right after the listing's last record (before the loop ends)."""
    with aioresponses() as m:
        m.get(f"{TASKS}?offset=0&per_page=3", payload=[task_body(1), task_body(2)])
        paginator = toggl.me.iter_tasks(per_page=3)
        cursors: list[dict[str, Any]] = []
        async with asyncio.timeout(10):
            async for _ in paginator:
                cursors.append(paginator.cursor)
    assert [c.get("done") for c in cursors] == [None, True]
    assert cursors[0]["at"] == {"offset": 1} and paginator.done


async def test_aclose_ends_the_iteration_and_can_be_called_again() -> None:
    paginator = Paginator(PlainSource([[1, 2], [3, 4]]))
    await paginator.aclose()  # never iterated: nothing to stop
    records = aiter(paginator)
    async with asyncio.timeout(10):
        assert await anext(records) == 1
        await paginator.aclose()
        with pytest.raises(StopAsyncIteration):
            await anext(records)
        await paginator.aclose()


# -- page sources written by users --------------------------------------------------------------


class PlainSource(PageSource[int]):
    """Pages of plain ints (no ``id`` attribute): nothing to compare pages by."""

    kind = "plain"

    def __init__(self, pages: Sequence[Sequence[int]]) -> None:
        self.pages = pages

    def first(self) -> dict[str, Any]:
        return {"page": 0}

    async def fetch(self, at: dict[str, Any]) -> Page[int]:
        index = at["page"]
        nxt = {"page": index + 1} if index + 1 < len(self.pages) else None
        return Page(list(self.pages[index]), nxt)


async def test_a_source_of_records_without_ids_is_walked_to_the_end() -> None:
    """Records without an ``id`` cannot be compared between pages: no page is refused as a
    repeat (pages of equal values are real data here, not an ignored position)."""
    paginator = Paginator(PlainSource([[1, 2], [1, 2], [3]]))
    assert await asyncio.wait_for(paginator.collect(), 10) == [1, 2, 1, 2, 3]


@pytest.mark.parametrize(
    "pages",
    [
        [[{"n": 1}, {"n": 2}], [{"n": 1}, {"n": 2}], []],  # no ids: equal pages are data
        [[1, 2], [1, 2], []],  # not even objects
        [[{"id": 1.5}, {"id": [2]}], [{"id": 1.5}, {"id": [2]}], []],  # ids of no id type
    ],
)
async def test_a_listing_whose_items_cannot_be_compared_is_walked_to_the_end(
    toggl: TogglClient, pages: list[list[Any]]
) -> None:
    with aioresponses() as m:
        for index, page in enumerate(pages):
            m.get(f"{ROWS}?offset={2 * index}&per_page=2", payload=page)
        async with asyncio.timeout(10):
            items = await toggl.paginate("GET", "/rows", Offset(per_page=2)).collect()
    assert items == pages[0] + pages[1]


class CountingSource(PlainSource):
    def __init__(self, pages: Sequence[Sequence[int]]) -> None:
        super().__init__(pages)
        self.fetched: list[int] = []

    async def fetch(self, at: dict[str, Any]) -> Page[int]:
        self.fetched.append(at["page"])
        return await super().fetch(at)


async def test_the_next_page_is_prefetched_when_the_limit_reaches_past_this_one() -> None:
    """Resumed two records into a page of five with four wanted: only three are left on
    this page, so the next one is asked for while this one is handed out."""
    source = CountingSource([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]])
    cursor = {"v": 1, "kind": "plain", "query": {}, "at": {"page": 0}, "skip": 2}
    paginator = Paginator(source, cursor=cursor, limit=4)
    async with asyncio.timeout(10):
        first = await anext(aiter(paginator))
        assert (first, source.fetched) == (3, [0, 1])
    await paginator.aclose()


async def test_a_paginator_iterated_twice_says_how_to_continue() -> None:
    paginator = Paginator(PlainSource([[1]]))
    await asyncio.wait_for(paginator.collect(), 10)
    with pytest.raises(RuntimeError) as info:
        await asyncio.wait_for(paginator.collect(), 10)
    assert str(info.value) == (
        "this Paginator is already being iterated; create a new one "
        "(pass cursor=paginator.cursor to continue where it stands)"
    )


@pytest.mark.parametrize(
    ("limit", "error", "message"),
    [
        (1.5, TypeError, "limit must be an int or None, got 1.5"),
        (True, TypeError, "limit must be an int or None, got True"),
        (-1, ValueError, "limit must not be negative, got -1"),
    ],
)
def test_a_bad_limit_is_refused_by_name(limit: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as info:
        Paginator(PlainSource([[1]]), limit=limit)
    assert str(info.value) == message


def test_a_pagination_error_made_by_hand_has_empty_details() -> None:
    """Custom sources raise it with a message only; the details default to empty."""
    error = PaginationError("stuck")
    assert (error.method, error.url, error.body, error.position) == ("", "", b"", None)
    assert str(error) == "stuck"


async def test_request_source_fetch_gives_the_decoded_page_and_the_next_position() -> None:
    """``RequestSource.fetch`` (the one-page call of the public source) decodes the page."""
    sent_params: list[dict[str, Any]] = []

    async def send(params: dict[str, Any]) -> Response:
        sent_params.append(params)
        from multidict import CIMultiDict, CIMultiDictProxy

        body = json.dumps([{"id": 1}, {"id": 2}]).encode()
        return Response(
            status=200,
            headers=CIMultiDictProxy(CIMultiDict()),
            body=body,
            method="GET",
            url="u",
        )

    source = RequestSource(strategy=Offset(per_page=2), into=dict, send=send, query={})
    page = await source.fetch({"offset": 4})
    assert sent_params == [{"offset": 4, "per_page": 2}]
    assert list(page.items) == [{"id": 1}, {"id": 2}]
    assert page.next == {"offset": 6}
    assert NumberedPages(per_page=2).first() == {"page": 1}

"""Reports search edges, request by request: a shortened range (X-Range-*), a cursor taken
in the middle of a grouped row, ranges near ``date.max``, unexpected page shapes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from aioresponses import aioresponses

from toggl_async import (
    DecodeError,
    InvalidCursorError,
    PaginationError,
    RetryPolicy,
    TogglClient,
)
from toggl_async.resources.reports import windows

from .helpers import REPORTS, TOKEN

WID = 4567890
SEARCH = f"{REPORTS}/workspace/{WID}/search/time_entries"
YEAR = {"start_date": "2024-01-01", "end_date": "2024-12-31"}


@pytest.fixture
async def toggl() -> AsyncIterator[TogglClient]:
    async with TogglClient(api_token=TOKEN, retry=RetryPolicy.never()) as client:
        yield client


def sent_bodies(m: aioresponses) -> list[dict[str, Any]]:
    return [json.loads(c.kwargs["data"]) for calls in m.requests.values() for c in calls]


def row(number: int, *entry_ids: int, day: str = "2024-01-02") -> dict[str, Any]:
    entries = [
        {
            "id": i,
            "seconds": 60,
            "start": f"{day}T09:00:00+00:00",
            "stop": f"{day}T09:01:00+00:00",
            "at": f"{day}T09:01:00+00:00",
        }
        for i in entry_ids
    ]
    return {
        "user_id": 1,
        "username": "u",
        "billable": False,
        "row_number": number,
        "time_entries": entries,
    }


def page(
    m: aioresponses, rows: list[dict[str, Any]], *, rng: tuple[str, str], next_row: int | None
) -> None:
    headers = {"X-Range-Start": rng[0], "X-Range-End": rng[1]}
    if next_row is not None:
        headers["X-Next-Row-Number"] = str(next_row)
    m.post(SEARCH, body=json.dumps(rows), headers=headers)


# -- a shortened range ----------------------------------------------------------------------


async def test_a_shortened_end_is_continued_from_where_the_server_stopped(
    toggl: TogglClient,
) -> None:
    with aioresponses() as m:
        page(m, [row(1, 1), row(2, 2)], rng=("2024-01-01", "2024-06-30"), next_row=3)
        page(m, [row(3, 3)], rng=("2024-01-01", "2024-06-30"), next_row=None)
        page(m, [row(1, 4), row(2, 5)], rng=("2024-07-01", "2024-12-31"), next_row=None)
        listing = toggl.reports.iter_time_entries(WID, **YEAR, page_size=2)
        ids = [e.id async for e in listing]
        bodies = sent_bodies(m)
    assert ids == [1, 2, 3, 4, 5] and listing.done
    ranges = [(b["start_date"], b["end_date"], b.get("first_row_number")) for b in bodies]
    assert ranges == [
        ("2024-01-01", "2024-12-31", None),
        ("2024-01-01", "2024-12-31", 3),  # the same query for its next page
        ("2024-07-01", "2024-12-31", None),  # then the days the server left out
    ]
    assert all("first_id" not in b for b in bodies)


async def test_a_shortened_start_searches_the_days_before_it_too(toggl: TogglClient) -> None:
    with aioresponses() as m:
        page(m, [row(1, 7)], rng=("2024-03-01", "2024-12-31"), next_row=None)
        page(m, [row(1, 6)], rng=("2024-01-01", "2024-02-29"), next_row=None)
        ids = [e.id async for e in toggl.reports.iter_time_entries(WID, **YEAR)]
        bodies = sent_bodies(m)
    assert sorted(ids) == [6, 7]
    assert [(b["start_date"], b["end_date"]) for b in bodies] == [
        ("2024-01-01", "2024-12-31"),
        ("2024-01-01", "2024-02-29"),
    ]


async def test_a_cursor_inside_a_shortened_range_resumes_it_and_the_rest(
    toggl: TogglClient,
) -> None:
    with aioresponses() as m:
        page(m, [row(1, 1), row(2, 2)], rng=("2024-01-01", "2024-06-30"), next_row=3)
        first = toggl.reports.iter_time_entries(WID, **YEAR, page_size=2, limit=1)
        head = [e.id async for e in first]
        cursor = json.loads(json.dumps(first.cursor))
    assert cursor["at"] == {"window": 0, "row": 2}  # the server's X-Range-* come again
    with aioresponses() as m:
        page(m, [row(2, 2)], rng=("2024-01-01", "2024-06-30"), next_row=None)
        page(m, [row(1, 4)], rng=("2024-07-01", "2024-12-31"), next_row=None)
        listing = toggl.reports.iter_time_entries(WID, **YEAR, page_size=2, cursor=cursor)
        tail = [e.id async for e in listing]
        bodies = sent_bodies(m)
    assert head + tail == [1, 2, 4]
    assert [(b["start_date"], b["end_date"], b.get("first_row_number")) for b in bodies] == [
        ("2024-01-01", "2024-12-31", 2),
        ("2024-07-01", "2024-12-31", None),
    ]


@pytest.mark.parametrize(
    ("start", "end", "match"),
    [
        ("2023-12-01", "2024-12-31", "outside the range asked"),
        ("2024-01-01", "2025-01-31", "outside the range asked"),
        ("2024-05-01", "2024-04-01", "outside the range asked"),
        ("May 1st", "2024-12-31", "not a date"),
    ],
)
async def test_a_range_the_client_cannot_trust_is_a_typed_error(
    toggl: TogglClient, start: str, end: str, match: str
) -> None:
    with aioresponses() as m:
        page(m, [row(1, 1)], rng=(start, end), next_row=None)
        with pytest.raises(PaginationError, match=match) as info:
            await toggl.reports.iter_time_entries(WID, **YEAR).collect()
    assert "/search/time_entries" in str(info.value)


# -- a grouped row resumed in its middle --------------------------------------------------


async def test_a_cursor_in_the_middle_of_a_grouped_row_skips_what_was_yielded(
    toggl: TogglClient,
) -> None:
    """Page 2 starts at row 3; row 4 (three entries) is its second row. Stopping after the
    second entry of row 4 must resume at row 4, skipping its first two entries."""
    page2 = [row(3, 30), row(4, 40, 41, 42), row(5, 50)]
    with aioresponses() as m:
        page(m, [row(1, 10), row(2, 20)], rng=("2024-01-01", "2024-12-31"), next_row=3)
        page(m, page2, rng=("2024-01-01", "2024-12-31"), next_row=None)
        first = toggl.reports.iter_time_entries(WID, **YEAR, grouped=True, page_size=2, limit=5)
        head = [e.id async for e in first]
        cursor = json.loads(json.dumps(first.cursor))
    assert head == [10, 20, 30, 40, 41]
    assert cursor["at"]["row"] == 4 and cursor["skip"] == 2
    with aioresponses() as m:  # the server answers from row 4 on
        page(m, page2[1:], rng=("2024-01-01", "2024-12-31"), next_row=None)
        listing = toggl.reports.iter_time_entries(
            WID, **YEAR, grouped=True, page_size=2, cursor=cursor
        )
        tail = [e.id async for e in listing]
        (body,) = sent_bodies(m)
    assert body["first_row_number"] == 4 and "first_id" not in body
    assert head + tail == [10, 20, 30, 40, 41, 42, 50]


# -- ranges near the end of the calendar --------------------------------------------------


def test_windows_up_to_date_max_do_not_overflow() -> None:
    assert windows(date.max, date.max) == [(date.max.isoformat(),) * 2]
    spans = windows(date.max - timedelta(days=400), date.max)
    assert spans[-1][1] == date.max.isoformat() and len(spans) == 2


async def test_a_search_ending_at_date_max_is_sent_not_an_overflow(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.post(SEARCH, body="[]", repeat=True)
        start = date.max - timedelta(days=400)
        await toggl.reports.iter_time_entries(WID, start_date=start, end_date=date.max).collect()
        bodies = sent_bodies(m)
    assert [b["end_date"] for b in bodies][-1] == date.max.isoformat()


# -- page shapes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ["{}", '""', "null", "42", '[{"row_number": 1}]', '[{"time_entries": {}}]', "[1]"],
)
async def test_a_search_page_of_an_unexpected_shape_is_a_decode_error(
    toggl: TogglClient, body: str
) -> None:
    with aioresponses() as m:
        m.post(SEARCH, body=body)
        with pytest.raises(DecodeError, match="unexpected shape"):
            await toggl.reports.iter_time_entries(WID, **YEAR).collect()


@pytest.mark.parametrize(
    "at",
    [
        {"window": 0, "row": None, "span": ["2024-02-01", "2025-02-01"]},
        {"window": 0, "row": None, "span": ["2024-03-01", "2024-02-01"]},
        {"window": 0, "row": None, "span": ["March", "2024-04-01"]},
        {"window": 0, "row": None, "span": "2024-03-01"},
        {"window": 0, "row": None, "rest": [["2024-03-01", "2024-13-01"]]},
        {"window": 0, "row": None, "rest": "soon"},
    ],
)
async def test_a_cursor_naming_days_outside_its_window_is_refused(
    toggl: TogglClient, at: dict[str, Any]
) -> None:
    cursor = toggl.reports.iter_time_entries(WID, **YEAR).cursor
    cursor["at"] = at
    with aioresponses() as m:
        m.post(SEARCH, body="[]", repeat=True)
        with pytest.raises(InvalidCursorError, match="names no range"):
            await toggl.reports.iter_time_entries(WID, **YEAR, cursor=cursor).collect()
        assert not m.requests  # refused before anything was sent

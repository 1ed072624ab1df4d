"""Reports v3: the detailed search walk (header cursor, date windows, resume, faults),
summary and totals.

Exact requests and the recorded pages with aioresponses; long walks, resumes and faults over
real sockets against the sandbox, checked against the sandbox's own store of entries.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from aioresponses import aioresponses

from toggl_async import (
    DecodeError,
    InvalidCursorError,
    PaymentRequiredError,
    RetryPolicy,
    TogglClient,
)
from toggl_async.records import ReportTimeEntry, ReportTotals, SummaryReport
from toggl_async.resources.reports import MAX_RANGE_DAYS
from toggl_async.testing import Sandbox

from .helpers import REPORTS, TOKEN, recorded

pytest_plugins = ["toggl_async.testing.pytest_plugin"]

WID = 4567890
SEARCH = f"{REPORTS}/workspace/{WID}/search/time_entries"


@pytest.fixture
async def toggl() -> AsyncIterator[TogglClient]:
    async with TogglClient(api_token=TOKEN, retry=RetryPolicy.never()) as client:
        yield client


def sent_bodies(m: aioresponses) -> list[Any]:
    return [json.loads(c.kwargs["data"]) for calls in m.requests.values() for c in calls]


def replay(m: aioresponses, name: str) -> None:
    for interaction in recorded(name):
        response = interaction["response"]
        m.post(
            SEARCH,
            status=response["status"],
            body=response["body"],
            headers=response["headers"],
        )


# -- the walk, request by request -----------------------------------------------------------------


async def test_walk_follows_x_next_row_number_and_sends_only_first_row_number(
    toggl: TogglClient,
) -> None:
    pages = recorded("search_time_entries_long_all_pages")
    assert pages[0]["response"]["headers"]["x-next-id"]  # there, but never sent back
    with aioresponses() as m:
        replay(m, "search_time_entries_long_all_pages")
        paginator = toggl.reports.iter_time_entries(
            WID, start_date=date(2023, 12, 1), end_date="2023-12-31"
        )
        entries = [e async for e in paginator]
        first, second = sent_bodies(m)
    assert first == {"start_date": "2023-12-01", "end_date": "2023-12-31", "page_size": 50}
    assert second == {**first, "first_row_number": 51}
    assert second == {**json.loads(pages[1]["request"]["body"]), "page_size": 50}
    assert len(entries) == 100 and paginator.done
    assert [e.row_number for e in entries] == list(range(1, 101))
    assert entries[50].id == int(pages[0]["response"]["headers"]["x-next-id"])
    assert paginator.cursor["done"] is True


async def test_each_nested_entry_is_one_record_with_its_row_joined_in(
    toggl: TogglClient,
) -> None:
    row = {
        "user_id": 1,
        "username": "Zoë",
        "project_id": 2,
        "task_id": None,
        "billable": True,
        "description": "grouped",
        "tag_ids": [7],
        "billable_amount_in_cents": 1500,
        "hourly_rate_in_cents": 6000,
        "currency": "EUR",
        "row_number": 1,
        "new_row_field": "kept",
        "time_entries": [
            {"id": 10, "seconds": 600, "start": "2024-01-02T09:00:00+02:00",
             "stop": "2024-01-02T09:10:00+02:00", "at": "2024-01-02T07:10:00+00:00"},
            {"id": 11, "seconds": 300, "start": "2024-01-02T11:00:00+02:00",
             "stop": "2024-01-02T11:05:00+02:00", "at": "2024-01-02T09:05:00+00:00"},
        ],
    }  # fmt: skip
    with aioresponses() as m:
        m.post(SEARCH, body=json.dumps([row]))
        entries = await toggl.reports.iter_time_entries(
            WID, start_date="2024-01-01", end_date="2024-01-31", grouped=True
        ).collect()
        (body,) = sent_bodies(m)
    assert body["grouped"] is True
    assert [e.id for e in entries] == [10, 11]
    for entry in entries:
        assert isinstance(entry, ReportTimeEntry)
        assert entry.workspace_id == WID and entry.username == "Zoë"
        assert entry.billable_amount_in_cents == 1500 and entry.tag_ids == [7]
        assert entry.row_number == 1 and entry.extra == {"new_row_field": "kept"}
    assert entries[1].seconds == 300
    assert entries[1].start is not None and entries[1].start.isoformat() == (
        "2024-01-02T11:00:00+02:00"  # the user's offset is kept
    )


async def test_filters_go_in_the_body(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.post(SEARCH, body="[]")
        await toggl.reports.iter_time_entries(
            WID,
            start_date="2024-01-01",
            end_date="2024-01-31",
            user_ids=[1, 2],
            project_ids=[None],
            client_ids=[3, None],
            tag_ids=[4],
            description="standup",
            billable=True,
            page_size=20,
            order_by="duration",
            order_dir="DESC",
        ).collect()
        (body,) = sent_bodies(m)
    assert body == {
        "start_date": "2024-01-01",
        "end_date": "2024-01-31",
        "page_size": 20,
        "user_ids": [1, 2],
        "project_ids": [None],
        "client_ids": [3, None],
        "tag_ids": [4],
        "description": "standup",
        "billable": True,
        "order_by": "duration",
        "order_dir": "DESC",
    }


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"start_date": date(2024, 2, 1), "end_date": date(2024, 1, 1)}, ValueError, "after"),
        (
            {"start_date": datetime(2024, 1, 1), "end_date": date(2024, 2, 1)},
            ValueError,
            "not a datetime",
        ),
        ({"start_date": "01/01/2024", "end_date": date(2024, 2, 1)}, ValueError, "YYYY-MM-DD"),
        ({"start_date": 20240101, "end_date": date(2024, 2, 1)}, ValueError, "YYYY-MM-DD"),
        ({"user_ids": []}, ValueError, "empty"),
        ({"project_ids": []}, ValueError, "empty"),
        ({"tag_ids": [0]}, ValueError, "positive"),
        ({"user_ids": [None]}, TypeError, "int id"),
        ({"order_by": "project"}, ValueError, "order_by"),
        ({"order_dir": "down"}, ValueError, "order_dir"),
        ({"page_size": 0}, ValueError, "page_size"),
    ],
)
async def test_bad_search_arguments_fail_before_any_request(
    toggl: TogglClient, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    arguments: dict[str, Any] = {"start_date": "2024-01-01", "end_date": "2024-01-31", **kwargs}
    with aioresponses() as m:
        with pytest.raises(error, match=message):
            toggl.reports.iter_time_entries(WID, **arguments)
        assert not m.requests


@pytest.mark.parametrize("header", ["51", "7", "soon"])
async def test_a_next_row_that_does_not_advance_is_refused(toggl: TogglClient, header: str) -> None:
    first = recorded("search_time_entries_long_first_page")[0]["response"]
    with aioresponses() as m:
        m.post(SEARCH, body=first["body"], headers=first["headers"])
        m.post(SEARCH, body="[]", headers={"X-Next-Row-Number": header})
        with pytest.raises(DecodeError, match="X-Next-Row-Number"):
            await toggl.reports.iter_time_entries(
                WID, start_date="2023-12-01", end_date="2023-12-31"
            ).collect()


async def test_a_long_range_becomes_consecutive_windows(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.post(SEARCH, body="[]", repeat=True)
        await toggl.reports.iter_time_entries(
            WID, start_date="2021-03-01", end_date="2023-06-30"
        ).collect()
        windows = [(b["start_date"], b["end_date"]) for b in sent_bodies(m)]
    assert MAX_RANGE_DAYS == 366
    assert windows == [
        ("2021-03-01", "2022-03-01"),
        ("2022-03-02", "2023-03-02"),
        ("2023-03-03", "2023-06-30"),
    ]


async def test_report_errors_are_typed(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.post(SEARCH, status=402, body='"Workspace needs to have this feature enabled"')
        with pytest.raises(PaymentRequiredError, match="feature enabled"):
            await toggl.reports.iter_time_entries(
                WID, start_date="2024-01-01", end_date="2024-01-31", billable=True
            ).collect()


# -- summary and totals ---------------------------------------------------------------------------


async def test_summary_from_the_recording(toggl: TogglClient) -> None:
    interaction = recorded("serach_summary_time_entries_success")[0]
    with aioresponses() as m:
        m.post(
            f"{REPORTS}/workspace/{WID}/summary/time_entries",
            body=interaction["response"]["body"],
            headers=interaction["response"]["headers"],
        )
        report = await toggl.reports.summary(
            WID, start_date="2024-04-01", end_date=date(2024, 4, 15), grouping="projects"
        )
        (body,) = sent_bodies(m)
    assert body == json.loads(interaction["request"]["body"])
    assert isinstance(report, SummaryReport) and report.groups is not None
    assert [g.id for g in report.groups] == [201876878, 201899518]
    first = report.groups[0]
    assert first.project_hex_color == "#c9806b" and first.seconds == 3600
    assert first.sub_groups is not None
    sub = first.sub_groups[0]
    assert sub.title == "CREATE time entry" and sub.seconds == 3600 and sub.id is None
    assert sub.local_start == "2024-04-10T01:00:00Z"  # wall clock, kept as text
    assert sub.extra["SubGrouping"] == "time_entries"  # unknown fields are kept


async def test_empty_summary_and_null_project_filter(toggl: TogglClient) -> None:
    interaction = recorded("search_summary_time_entries_simple_success")[0]
    with aioresponses() as m:
        m.post(
            f"{REPORTS}/workspace/{WID}/summary/time_entries",
            body=interaction["response"]["body"],
        )
        report = await toggl.reports.summary(
            WID, start_date="2024-04-07", end_date="2024-04-13", project_ids=[None]
        )
        (body,) = sent_bodies(m)
    assert body["project_ids"] == [None] and report.groups == []


async def test_totals_request_and_record(toggl: TogglClient) -> None:
    payload = {
        "seconds": 7200,
        "tracked_days": 2,
        "billable_amount_in_cents": 12000,
        "labour_cost_in_cents": None,
        "resolution": "day",
        "rates": [{"billable_seconds": 3600, "currency": "EUR", "hourly_rate_in_cents": 12000}],
        "graph": [{"seconds": 3600, "by_rate": {"12000": 3600}}, {"seconds": 3600}],
    }
    with aioresponses() as m:
        m.post(f"{SEARCH}/totals", body=json.dumps(payload))
        totals = await toggl.reports.totals(
            WID, start_date="2024-04-01", end_date="2024-04-02", user_ids=[5]
        )
        (body,) = sent_bodies(m)
    assert body == {"start_date": "2024-04-01", "end_date": "2024-04-02", "user_ids": [5]}
    assert isinstance(totals, ReportTotals) and totals.seconds == 7200
    assert totals.rates is not None and totals.rates[0].hourly_rate_in_cents == 12000
    assert totals.graph is not None and totals.graph[0].by_rate == {"12000": 3600}


async def test_summary_and_totals_refuse_ranges_longer_than_one_search(
    toggl: TogglClient,
) -> None:
    with aioresponses() as m:
        with pytest.raises(ValueError, match=str(MAX_RANGE_DAYS)):
            await toggl.reports.summary(WID, start_date="2023-01-01", end_date="2024-01-02")
        with pytest.raises(ValueError, match="after"):
            await toggl.reports.totals(WID, start_date="2024-01-02", end_date="2024-01-01")
        assert not m.requests


# -- over real sockets: the sandbox ---------------------------------------------------------------

PATIENT = RetryPolicy(backoff_base=0.0, rate_limit_fallback=0.0, max_attempts=10)
EVERYTHING = {"start_date": date(2020, 1, 1), "end_date": date(2030, 12, 31)}


def connect(sb: Sandbox, **kwargs: Any) -> TogglClient:
    kwargs.setdefault("retry", PATIENT)
    return TogglClient(
        api_token=sb.api_token,
        track_base_url=sb.track_base_url,
        reports_base_url=sb.reports_base_url,
        **kwargs,
    )


def truth(sb: Sandbox, wid: int) -> list[int]:
    """The workspace's stopped entries by (start, id): what a full-range report must list."""
    return [r.id for r in sb.account.time_entries.rows() if r.workspace_id == wid and r.stop]


def search_bodies(sb: Sandbox, wid: int) -> list[Any]:
    suffix = f"/workspace/{wid}/search/time_entries"
    return [json.loads(r.body or b"{}") for r in sb.requests if r.path.endswith(suffix)]


@pytest.fixture
def wid(toggl_sandbox: Sandbox) -> int:
    return int(toggl_sandbox.account.workspaces[0]["id"])


async def test_walk_over_many_windows_lists_every_entry_once_in_order(
    toggl_sandbox: Sandbox, wid: int
) -> None:
    expected = truth(toggl_sandbox, wid)
    assert len(expected) > 500
    async with connect(toggl_sandbox) as toggl:
        ids = [e.id async for e in toggl.reports.iter_time_entries(wid, **EVERYTHING)]
    assert ids == expected
    windows = [(b["start_date"], b["end_date"]) for b in search_bodies(toggl_sandbox, wid)]
    distinct = list(dict.fromkeys(windows))
    assert distinct[0][0] == "2020-01-01" and distinct[-1][1] == "2030-12-31"
    assert len(distinct) == 11 and windows == sorted(windows)  # in order, never revisited
    for (_, end), (start, _) in itertools.pairwise(distinct):
        assert date.fromisoformat(start) - date.fromisoformat(end) == timedelta(days=1)
    for first, last in distinct:
        assert (date.fromisoformat(last) - date.fromisoformat(first)).days < MAX_RANGE_DAYS


async def test_descending_walk_goes_newest_window_first(toggl_sandbox: Sandbox, wid: int) -> None:
    expected = truth(toggl_sandbox, wid)[::-1]
    async with connect(toggl_sandbox) as toggl:
        listing = toggl.reports.iter_time_entries(wid, **EVERYTHING, order_dir="DESC")
        ids = [e.id async for e in listing]
    assert ids == expected


def _window_end(sb: Sandbox, wid: int) -> date:
    return date.fromisoformat(search_bodies(sb, wid)[0]["end_date"])


@pytest.mark.parametrize("where", ["mid-page", "page-end", "window-end", "after-window"])
async def test_resume_from_a_saved_cursor(toggl_sandbox: Sandbox, wid: int, where: str) -> None:
    span = {"start_date": date(2023, 7, 1), "end_date": date(2026, 12, 31), "page_size": 20}
    async with connect(toggl_sandbox) as toggl:
        every = [e async for e in toggl.reports.iter_time_entries(wid, **span)]
        boundary = _window_end(toggl_sandbox, wid)
        in_first_window = sum(1 for e in every if e.start and e.start.date() <= boundary)
        assert 40 < in_first_window < len(every) - 40
        stop_after = {
            "mid-page": 47,
            "page-end": 60,
            "window-end": in_first_window,
            "after-window": in_first_window + 3,
        }[where]
        first = toggl.reports.iter_time_entries(wid, **span, limit=stop_after)
        head = [e.id async for e in first]
        saved = json.dumps(first.cursor)  # a cursor survives a trip through a file
    if where == "window-end":
        assert json.loads(saved)["at"] == {"window": 1, "row": None}
    async with connect(toggl_sandbox) as later:  # a new client, as after a restart
        rest = later.reports.iter_time_entries(wid, **span, cursor=json.loads(saved))
        tail = [e.id async for e in rest]
    assert head + tail == [e.id for e in every]
    assert len(head) == stop_after


async def test_resume_inside_a_grouped_row(toggl_sandbox: Sandbox, wid: int) -> None:
    span = {"start_date": date(2025, 1, 1), "end_date": date(2025, 12, 31), "page_size": 10}
    async with connect(toggl_sandbox) as toggl:
        every = [e async for e in toggl.reports.iter_time_entries(wid, **span, grouped=True)]
        sizes: dict[int | None, int] = {}
        for e in every:
            sizes[e.row_number] = sizes.get(e.row_number, 0) + 1
        # The second entry of a row of three or more, on the second page or later, in a
        # row that does not start its page (10 rows a page): the mid-row branch of resume.
        k = next(
            i
            for i, e in enumerate(every)
            if (e.row_number or 0) > 10
            and (e.row_number or 0) % 10 != 1
            and sizes[e.row_number] >= 3
            and i
            and every[i - 1].row_number == e.row_number
        )
        row = every[k].row_number
        first = toggl.reports.iter_time_entries(wid, **span, grouped=True, limit=k + 1)
        head = [e.id async for e in first]
        cursor = first.cursor
        assert cursor["at"]["row"] == row and cursor["skip"] == 2  # the row, and 2 of it done
        before = len(toggl_sandbox.requests)
        tail = [
            e.id
            async for e in toggl.reports.iter_time_entries(wid, **span, grouped=True, cursor=cursor)
        ]
        resumed = json.loads(toggl_sandbox.requests[before].body or b"{}")
    assert resumed["first_row_number"] == row and "first_id" not in resumed
    assert head + tail == [e.id for e in every]


async def test_faults_during_a_walk_lose_and_repeat_nothing(
    toggl_sandbox: Sandbox, wid: int
) -> None:
    expected = truth(toggl_sandbox, wid)
    faults = toggl_sandbox.faults
    path = f"/workspace/{wid}/search/time_entries"
    ids: list[int] = []
    async with connect(toggl_sandbox) as toggl:
        async for entry in toggl.reports.iter_time_entries(wid, **EVERYTHING, page_size=25):
            ids.append(entry.id)
            if len(ids) == 60:
                for kind in ("503", "reset", "truncate", "500", "502"):
                    faults.add(kind, path=path)
            if len(ids) == 400:
                faults.add("truncate", path=path, times=2)
    injected = [kind for kind, _, p in faults.injected if p.endswith(path)]
    assert sorted(injected) == sorted(
        ["503", "reset", "truncate", "500", "502", "truncate", "truncate"]
    )
    assert not faults.scheduled  # every fault fired
    assert ids == expected


async def test_a_cursor_only_fits_its_own_search(toggl_sandbox: Sandbox, wid: int) -> None:
    async with connect(toggl_sandbox) as toggl:
        first = toggl.reports.iter_time_entries(wid, **EVERYTHING, limit=5)
        await first.collect()
        with pytest.raises(InvalidCursorError):
            toggl.reports.iter_time_entries(
                wid, start_date=date(2021, 1, 1), end_date=date(2030, 12, 31), cursor=first.cursor
            )
        forged = {**first.cursor, "at": {"window": 99, "row": None}}
        with pytest.raises(InvalidCursorError):
            await toggl.reports.iter_time_entries(wid, **EVERYTHING, cursor=forged).collect()


async def test_summary_and_totals_on_the_sandbox(toggl_sandbox: Sandbox, wid: int) -> None:
    span = {"start_date": date(2025, 1, 1), "end_date": date(2025, 12, 31)}
    async with connect(toggl_sandbox) as toggl:
        entries = [e async for e in toggl.reports.iter_time_entries(wid, **span)]
        totals = await toggl.reports.totals(wid, **span)
        summary = await toggl.reports.summary(wid, **span, grouping="users")
    assert totals.seconds == sum(e.seconds or 0 for e in entries) > 0
    assert summary.groups is not None
    assert sum(g.seconds for g in summary.groups) == totals.seconds
    assert {g.id for g in summary.groups} == {e.user_id for e in entries}

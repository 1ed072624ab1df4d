"""The sandbox server itself, exercised with plain aiohttp (never the SDK client)."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import re
import tracemalloc
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from toggl_async.testing import Account, Faults, Sandbox
from toggl_async.testing.data import is_deleted

NOW = datetime(2025, 6, 16, 15, 30, 0, tzinfo=UTC)
FOCUS_ENTRY_FIELDS = {
    "id", "workspace_id", "task_id", "time_block_id", "toggl_user_id", "type", "start",
    "duration", "created_at", "updated_at", "deleted_at", "archived_at",
}  # fmt: skip
SandboxFactory = Callable[..., Any]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


class Api:
    """Tiny helper: authenticated calls that return (status, headers, parsed body)."""

    def __init__(self, sandbox: Sandbox, session: aiohttp.ClientSession) -> None:
        self.sb = sandbox
        self.session = session

    async def call(
        self,
        method: str,
        url: str,
        *,
        auth: str | None = "token",
        **kwargs: Any,
    ) -> tuple[int, Any, Any]:
        headers = dict(kwargs.pop("headers", {}))
        if auth == "token":
            headers["Authorization"] = self.sb.auth_header()
        elif auth == "focus":
            headers["Authorization"] = self.sb.focus_auth_header()
        async with self.session.request(method, url, headers=headers, **kwargs) as response:
            raw = await response.read()
            body = json.loads(raw) if raw and "json" in response.content_type else raw
            return response.status, response.headers, body

    async def track(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any, Any]:
        return await self.call(method, self.sb.track_base_url + path, **kwargs)

    async def reports(self, wid: int, path: str, body: Any, **kwargs: Any) -> tuple[int, Any, Any]:
        url = f"{self.sb.reports_base_url}/workspace/{wid}{path}"
        return await self.call("POST", url, json=body, **kwargs)


@pytest.fixture
def api(toggl_sandbox: Sandbox, http: aiohttp.ClientSession) -> Api:
    return Api(toggl_sandbox, http)


def basic(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


def first_ws(sb: Sandbox) -> dict[str, Any]:
    return sb.account.workspaces[0]


def free_ws(sb: Sandbox) -> dict[str, Any]:
    return next(ws for ws in sb.account.workspaces if not ws["premium"])


# -- auth -----------------------------------------------------------------------------------------


async def test_track_auth_failures_are_403_json_strings(api: Api) -> None:
    status, headers, body = await api.track("GET", "/me", auth=None)
    assert status == 403
    assert headers["Content-Type"].startswith("application/json")
    assert body == "Incorrect username and/or password"
    wrong = {"Authorization": basic("not-the-token", "api_token")}
    assert (await api.track("GET", "/me", auth=None, headers=wrong))[0] == 403
    assert (await api.track("GET", "/me/logged", auth=None, headers={"Authorization": "Bearer x"}))[
        0
    ] == 403


async def test_email_password_auth_and_token_auth_both_work(api: Api) -> None:
    login = {"Authorization": api.sb.auth_header(password=True)}
    status, _, body = await api.track("GET", "/me/logged", auth=None, headers=login)
    assert (status, body) == (200, b"")
    status, _, me = await api.track("GET", "/me")
    assert status == 200
    assert me["api_token"] == "sandbox-token"
    assert me["email"] == "sandbox@example.com"


async def test_reports_auth_is_403_and_focus_auth_is_401(api: Api) -> None:
    wid = first_ws(api.sb)["id"]
    status, _, _ = await api.reports(
        wid, "/search/time_entries", {"start_date": "2025-01-01"}, auth=None
    )
    assert status == 403
    org = api.sb.account.organizations[0]["id"]
    url = f"{api.sb.focus_base_url}/organizations/{org}/workspaces/{wid}/tracking/current"
    assert (await api.call("GET", url, auth=None))[0] == 401
    assert (await api.call("GET", url))[0] == 401  # a Track token is not a Focus key
    assert (await api.call("GET", url, auth="focus"))[0] in (200, 204)


# -- shapes ---------------------------------------------------------------------------------------


async def test_time_entry_shapes_follow_the_recordings(api: Api) -> None:
    status, _, entries = await api.track("GET", "/me/time_entries")
    assert status == 200 and entries
    stamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
    for entry in entries:
        assert stamp.match(entry["start"]) and stamp.match(entry["at"])
        assert ("pid" in entry) == (entry["project_id"] is not None)
        assert ("tid" in entry) == (entry["task_id"] is not None)
        assert entry["uid"] == entry["user_id"] and entry["wid"] == entry["workspace_id"]
        assert entry["duronly"] is True and entry["permissions"] is None
    running = [e for e in entries if e["stop"] is None]
    assert len(running) == 1
    epoch = int(datetime.fromisoformat(running[0]["start"]).timestamp())
    assert running[0]["duration"] == -epoch
    status, _, single = await api.track("GET", f"/me/time_entries/{entries[-1]['id']}")
    assert status == 200 and "uid" not in single and "wid" not in single


async def test_me_timestamps_have_microseconds_and_related_data(api: Api) -> None:
    _, _, me = await api.track("GET", "/me")
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", me["at"])
    assert "projects" not in me
    _, _, full = await api.track("GET", "/me", params={"with_related_data": "true"})
    assert {"projects", "workspaces", "tags", "clients", "tasks", "time_entries"} <= set(full)
    assert list(full)[-1] == "authorization_updated_at"


async def test_current_entry_is_null_when_nothing_runs(api: Api) -> None:
    _, _, current = await api.track("GET", "/me/time_entries/current")
    assert current is not None
    wid = current["workspace_id"]
    status, _, _ = await api.track("PATCH", f"/workspaces/{wid}/time_entries/{current['id']}/stop")
    assert status == 200
    status, _, body = await api.track("GET", "/me/time_entries/current")
    assert (status, body) == (200, None)


async def test_unknown_route_bad_json_and_bad_query_values(api: Api) -> None:
    status, _, body = await api.track("GET", "/no/such/thing")
    assert (status, body) == (404, "Not Found")
    wid = first_ws(api.sb)["id"]
    status, _, body = await api.track(
        "POST",
        f"/workspaces/{wid}/time_entries",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert status == 400 and isinstance(body, str)
    status, _, body = await api.track("GET", "/me/projects/paginated", params={"per_page": "abc"})
    assert (status, body) == (400, "Invalid per_page")


# -- pagination -----------------------------------------------------------------------------------


async def test_keyset_pagination_is_inclusive_and_complete(api: Api) -> None:
    expected = sorted(p["id"] for p in api.sb.account.projects if not is_deleted(p))
    assert len(expected) > 2 * 201  # the fixture spans several pages
    seen: list[int] = []
    start = 0
    while True:
        params = {"start_project_id": str(start), "per_page": "201"}
        status, headers, page = await api.track("GET", "/me/projects/paginated", params=params)
        assert status == 200 and "X-Page" not in headers
        seen += [p["id"] for p in page]
        if len(page) < 201:
            break
        start = page[-1]["id"] + 1
    assert seen == expected
    _, _, page = await api.track(
        "GET",
        "/me/projects/paginated",
        params={"start_project_id": str(expected[1]), "per_page": "2"},
    )
    assert [p["id"] for p in page] == expected[1:3]  # inclusive: starts at that very id


async def test_workspace_projects_pages_and_headers(api: Api) -> None:
    wid = first_ws(api.sb)["id"]
    status, headers, _ = await api.track(
        "GET", f"/workspaces/{wid}/projects", params={"per_page": "500"}
    )
    assert status == 200 and headers["X-Page-Size"] == "200"  # capped at 200
    assert headers["X-Sort-Field"] == "project_name" and headers["X-Sort-Order"] == "asc"
    collected: list[int] = []
    page = 1
    while True:
        _, headers, items = await api.track(
            "GET", f"/workspaces/{wid}/projects", params={"page": str(page), "per_page": "70"}
        )
        assert headers["X-Page"] == str(page)
        collected += [p["id"] for p in items]
        if len(items) < 70:
            break
        page += 1
    live = [p for p in api.sb.account.projects if p["workspace_id"] == wid and not is_deleted(p)]
    assert sorted(collected) == sorted(p["id"] for p in live)
    assert len(collected) == len(set(collected))
    _, headers, default = await api.track("GET", f"/workspaces/{wid}/projects")
    assert headers["X-Page-Size"] == "151" and len(default) == 151


async def test_me_tasks_offset_pagination(api: Api) -> None:
    _, _, everything = await api.track("GET", "/me/tasks")
    pages: list[dict[str, Any]] = []
    offset = 0
    while True:
        params = {"offset": str(offset), "per_page": "250"}
        _, _, page = await api.track("GET", "/me/tasks", params=params)
        pages += page
        if len(page) < 250:
            break
        offset += len(page)
    assert [t["id"] for t in pages] == [t["id"] for t in everything]
    assert all(t["active"] for t in everything)
    _, _, with_done = await api.track("GET", "/me/tasks", params={"include_not_active": "true"})
    assert len(with_done) > len(everything)


async def test_workspace_tasks_are_wrapped(api: Api) -> None:
    wid = first_ws(api.sb)["id"]
    _, _, body = await api.track("GET", f"/workspaces/{wid}/tasks", params={"per_page": "7"})
    assert set(body) == {"data", "page", "per_page", "sort_field", "sort_order", "total_count"}
    assert len(body["data"]) == 7 and body["total_count"] > 7


# -- reports --------------------------------------------------------------------------------------


def _local_range_ids(sb: Sandbox, wid: int, first: date, last: date) -> set[int]:
    zone = ZoneInfo(sb.account.me["timezone"])
    ids = set()
    for entry in sb.account.time_entries:
        if entry["workspace_id"] != wid or entry["stop"] is None:
            continue
        day = datetime.fromisoformat(entry["start"]).astimezone(zone).date()
        if first <= day <= last:
            ids.add(entry["id"])
    return ids


async def test_reports_header_cursor_visits_every_entry_once(api: Api) -> None:
    wid = first_ws(api.sb)["id"]
    last = api.sb.now().date()
    first = last - timedelta(days=365)
    body: dict[str, Any] = {"start_date": first.isoformat(), "end_date": last.isoformat()}
    seen: list[int] = []
    rows = 0
    while True:
        status, headers, page = await api.reports(wid, "/search/time_entries", body)
        assert status == 200
        assert headers["X-Range-Start"] == first.isoformat() and headers["X-Page-Size"] == "50"
        for row in page:
            rows += 1
            assert row["row_number"] == rows
            assert set(row) >= {"username", "tag_ids", "currency", "billable_amount_in_cents"}
            seen += [te["id"] for te in row["time_entries"]]
        if "X-Next-Row-Number" not in headers:
            assert "X-Next-ID" not in headers and "X-Next-Timestamp" not in headers
            break
        assert int(headers["X-Next-ID"]) not in seen
        body["first_row_number"] = int(headers["X-Next-Row-Number"])
    assert len(seen) == len(set(seen))
    assert set(seen) == _local_range_ids(api.sb, wid, first, last)
    # colleagues' entries are included as well
    others = [e for e in api.sb.account.time_entries if e["user_id"] != api.sb.account.user_id]
    assert others and any(e["id"] in seen for e in others)


async def test_reports_rows_use_the_users_timezone(api: Api) -> None:
    wid = first_ws(api.sb)["id"]
    _, _, page = await api.reports(wid, "/search/time_entries", {"start_date": "2024-01-15"})
    zone = ZoneInfo(api.sb.account.me["timezone"])
    te = page[0]["time_entries"][0]
    start = datetime.fromisoformat(te["start"])
    assert start.utcoffset() == start.astimezone(zone).utcoffset()
    assert te["at"].endswith("+00:00")


async def test_reports_range_limits_and_validation(api: Api) -> None:
    wid = first_ws(api.sb)["id"]
    too_long = {"start_date": "2023-01-01", "end_date": "2024-01-02"}
    status, _, body = await api.reports(wid, "/search/time_entries", too_long)
    assert status == 400 and "366" in body
    backwards = {"start_date": "2024-02-01", "end_date": "2024-01-01"}
    assert (await api.reports(wid, "/search/time_entries", backwards))[0] == 400
    assert (await api.reports(wid, "/search/time_entries", {}))[0] == 400
    status, headers, _ = await api.reports(
        wid, "/search/time_entries", {"start_date": "2024-04-07"}
    )
    assert (headers["X-Range-Start"], headers["X-Range-End"]) == ("2024-04-07", "2024-04-13")
    assert (await api.reports(99, "/search/time_entries", {"start_date": "2024-04-07"}))[0] == 403


async def test_reports_page_size_is_capped(
    toggl_sandbox_factory: SandboxFactory, http: aiohttp.ClientSession
) -> None:
    sb = await toggl_sandbox_factory(reports_max_page_size=20)
    api = Api(sb, http)
    body = {"start_date": "2024-01-01", "end_date": "2024-06-30", "page_size": 500}
    _, headers, page = await api.reports(first_ws(sb)["id"], "/search/time_entries", body)
    assert headers["X-Page-Size"] == "20" and len(page) == 20


async def test_grouped_rows_merge_alike_entries_of_a_day(api: Api) -> None:
    wid = first_ws(api.sb)["id"]
    body: dict[str, Any] = {"start_date": "2024-01-01", "end_date": "2024-12-31", "page_size": 50}
    flat = grouped = 0
    multi = 0
    zone = ZoneInfo(api.sb.account.me["timezone"])
    for mode in (False, True):
        body.pop("first_row_number", None)
        body["grouped"] = mode
        while True:
            _, headers, page = await api.reports(wid, "/search/time_entries", body)
            for row in page:
                entries = row["time_entries"]
                if mode:
                    grouped += len(entries)
                    multi += len(entries) > 1
                    days = {
                        datetime.fromisoformat(te["start"]).astimezone(zone).date()
                        for te in entries
                    }
                    assert len(days) == 1
                else:
                    flat += len(entries)
                    assert len(entries) == 1
            if "X-Next-Row-Number" not in headers:
                break
            body["first_row_number"] = int(headers["X-Next-Row-Number"])
    assert flat == grouped and multi > 0


async def test_reports_filters_totals_and_summary(api: Api) -> None:
    wid = first_ws(api.sb)["id"]
    # A month holding an entry without a project (the generated data decides which).
    zone = ZoneInfo(api.sb.account.me["timezone"])
    loose = next(
        e
        for e in api.sb.account.time_entries
        if e["workspace_id"] == wid and e["project_id"] is None and e["stop"] is not None
    )
    month = datetime.fromisoformat(loose["start"]).astimezone(zone).date().replace(day=1)
    last = (month + timedelta(days=31)).replace(day=1) - timedelta(days=1)
    body: dict[str, Any] = {
        "start_date": month.isoformat(),
        "end_date": last.isoformat(),
        "page_size": 50,
    }
    _, _, no_project = await api.reports(
        wid, "/search/time_entries", {**body, "project_ids": [None]}
    )
    assert no_project and all(row["project_id"] is None for row in no_project)
    me = api.sb.account.user_id
    _, _, mine = await api.reports(wid, "/search/time_entries", {**body, "user_ids": [me]})
    assert all(row["user_id"] == me for row in mine)
    status, headers, totals = await api.reports(wid, "/search/time_entries/totals", body)
    days = (last - month).days + 1
    assert status == 200 and totals["resolution"] == "day" and len(totals["graph"]) == days
    assert totals["seconds"] == sum(g["seconds"] for g in totals["graph"]) > 0
    status, headers, summary = await api.reports(
        wid, "/summary/time_entries", {**body, "grouping": "projects"}
    )
    assert status == 200 and headers["X-Range-End"] == last.isoformat()
    assert (
        sum(s["seconds"] for g in summary["groups"] for s in g["sub_groups"]) == totals["seconds"]
    )
    first_sub = summary["groups"][0]["sub_groups"][0]
    assert first_sub["SubGrouping"] == "time_entries" and first_sub["id"] is None


async def test_billable_filter_needs_a_premium_workspace(api: Api) -> None:
    body = {"start_date": "2024-03-01", "billable": True}
    status, headers, text = await api.reports(free_ws(api.sb)["id"], "/search/time_entries", body)
    assert (status, text) == (402, "Workspace needs to have this feature enabled")
    assert "X-Toggl-Quota-Remaining" not in headers
    assert (await api.reports(first_ws(api.sb)["id"], "/search/time_entries", body))[0] == 200


# -- /me/time_entries -----------------------------------------------------------------------------


async def test_me_time_entries_window_order_and_owner(api: Api) -> None:
    _, _, entries = await api.track("GET", "/me/time_entries")
    me = api.sb.account.user_id
    assert all(e["user_id"] == me for e in entries)
    starts = [(e["start"], e["id"]) for e in entries]
    assert starts == sorted(starts, reverse=True)
    oldest = api.sb.now() - timedelta(days=91)
    assert all(datetime.fromisoformat(e["start"]) >= oldest for e in entries)
    too_old = (api.sb.now() - timedelta(days=200)).date().isoformat()
    status, _, body = await api.track("GET", "/me/time_entries", params={"start_date": too_old})
    assert status == 400 and body.startswith("start_date must not be earlier than")


async def test_me_time_entries_date_only_end_is_exclusive(api: Api) -> None:
    today = api.sb.now().date()
    params = {
        "start_date": (today - timedelta(days=20)).isoformat(),
        "end_date": (today - timedelta(days=10)).isoformat(),
    }
    _, _, entries = await api.track("GET", "/me/time_entries", params=params)
    end = datetime.fromisoformat(params["end_date"]).replace(tzinfo=UTC)
    assert entries and all(datetime.fromisoformat(e["start"]) < end for e in entries)


async def test_me_time_entries_limit(
    toggl_sandbox_factory: SandboxFactory, http: aiohttp.ClientSession
) -> None:
    sb = await toggl_sandbox_factory(me_time_entries_limit=5)
    _, _, entries = await Api(sb, http).track("GET", "/me/time_entries")
    assert len(entries) == 5


async def test_since_returns_deleted_entries(api: Api) -> None:
    since = int((api.sb.now() - timedelta(days=30)).timestamp())
    _, _, entries = await api.track("GET", "/me/time_entries", params={"since": str(since)})
    deleted = [e for e in entries if e["server_deleted_at"] is not None]
    assert deleted
    _, _, plain = await api.track("GET", "/me/time_entries")
    assert not any(e["server_deleted_at"] for e in plain)


# -- time entry writes ----------------------------------------------------------------------------


async def test_create_requires_created_with_and_start(api: Api) -> None:
    wid = first_ws(api.sb)["id"]
    path = f"/workspaces/{wid}/time_entries"
    status, _, body = await api.track(
        "POST", path, json={"start": "2025-01-01T10:00:00Z", "duration": 60}
    )
    assert status == 400 and "created_with" in body
    status, _, _ = await api.track("POST", path, json={"created_with": "t", "duration": 60})
    assert status == 400
    bad = {
        "created_with": "t",
        "start": "2025-01-01T10:00:00Z",
        "duration": 60,
        "stop": "2025-01-01T12:00:00Z",
    }
    assert (await api.track("POST", path, json=bad))[0] == 400


async def test_create_running_entry_stops_the_previous_one(api: Api) -> None:
    wid = first_ws(api.sb)["id"]
    _, _, before = await api.track("GET", "/me/time_entries/current")
    start = (api.sb.now() - timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    payload = {"created_with": "tests", "start": start, "duration": -1, "tags": ["brand new ✨"]}
    status, _, created = await api.track("POST", f"/workspaces/{wid}/time_entries", json=payload)
    assert status == 200
    assert created["start"].endswith("Z") and created["stop"] is None and created["duration"] < 0
    assert created["tags"] == ["brand new ✨"] and created["tag_ids"]
    _, _, current = await api.track("GET", "/me/time_entries/current")
    assert current["id"] == created["id"]
    previous = api.sb.account.time_entries.get(before["id"])
    assert previous is not None and previous["stop"] is not None
    assert created["id"] in api.sb.account.time_entries


async def test_update_stop_delete_and_409(api: Api) -> None:
    sb = api.sb
    wid = first_ws(sb)["id"]
    payload = {"created_with": "tests", "start": "2025-03-01T09:00:00+00:00", "duration": 3600}
    _, _, entry = await api.track("POST", f"/workspaces/{wid}/time_entries", json=payload)
    assert entry["stop"] == "2025-03-01T10:00:00Z"
    path = f"/workspaces/{wid}/time_entries/{entry['id']}"
    status, _, updated = await api.track("PUT", path, json={"description": "UPDATE time entry"})
    assert status == 200 and updated["description"] == "UPDATE time entry"
    assert updated["duration"] == 3600
    status, _, body = await api.track("PATCH", path + "/stop")
    assert (status, body) == (409, "Time entry already stopped")
    status, headers, body = await api.track("DELETE", path)
    assert (status, body) == (200, b"") and headers["Content-Type"].startswith("application/json")
    assert (await api.track("GET", f"/me/time_entries/{entry['id']}"))[0] == 404
    assert sb.account.time_entries.get(entry["id"]) is None


async def test_bulk_patch_reports_success_and_failure(api: Api) -> None:
    wid = first_ws(api.sb)["id"]
    _, _, entries = await api.track("GET", "/me/time_entries")
    ids = [e["id"] for e in entries if e["workspace_id"] == wid][:3]
    ops = [{"op": "replace", "path": "/description", "value": "bulk"}]
    path = f"/workspaces/{wid}/time_entries/{','.join(map(str, [*ids, 1]))}"
    status, _, result = await api.track("PATCH", path, json=ops)
    assert status == 200 and result["success"] == ids
    assert result["failure"] == [{"id": 1, "message": "Time entry not found"}]
    assert all(api.sb.account.time_entries.get(i)["description"] == "bulk" for i in ids)  # type: ignore[index]
    many = ",".join(str(i) for i in range(1, 102))
    assert (await api.track("PATCH", f"/workspaces/{wid}/time_entries/{many}", json=ops))[0] == 400


# -- projects, clients, tags, me ------------------------------------------------------------------


async def test_custom_color_is_a_premium_402_without_quota_headers(api: Api) -> None:
    ws = free_ws(api.sb)
    project = next(
        p for p in api.sb.account.projects if p["workspace_id"] == ws["id"] and not is_deleted(p)
    )
    path = f"/workspaces/{ws['id']}/projects/{project['id']}"
    status, headers, body = await api.track("PUT", path, json={"color": "#FFFFFF"})
    assert (status, body) == (402, "Custom project colors available only for premium plans")
    assert "X-Toggl-Quota-Remaining" not in headers
    status, headers, updated = await api.track(
        "PUT", path, json={"color": "#d94182", "name": "Updated via PUT"}
    )
    assert status == 200 and updated["name"] == "Updated via PUT"
    assert "X-Toggl-Quota-Remaining" in headers


async def test_project_create_and_delete(api: Api) -> None:
    wid = first_ws(api.sb)["id"]
    status, _, created = await api.track(
        "POST", f"/workspaces/{wid}/projects", json={"name": "Created project via API"}
    )
    assert status == 200 and created["active"] is False and "status" not in created
    status, _, _ = await api.track(
        "POST", f"/workspaces/{wid}/projects", json={"name": "Created project via API"}
    )
    assert status == 400
    status, _, body = await api.track("DELETE", f"/workspaces/{wid}/projects/{created['id']}")
    assert (status, body) == (200, created["id"])


async def test_clients_and_tags_crud(api: Api) -> None:
    wid = first_ws(api.sb)["id"]
    _, _, client = await api.track(
        "POST", f"/workspaces/{wid}/clients", json={"name": "Brand-new Ltd"}
    )
    _, _, archived = await api.track("POST", f"/workspaces/{wid}/clients/{client['id']}/archive")
    assert archived == []
    _, _, only_archived = await api.track(
        "GET", f"/workspaces/{wid}/clients", params={"status": "archived"}
    )
    assert client["id"] in [c["id"] for c in only_archived]
    _, _, restored = await api.track("POST", f"/workspaces/{wid}/clients/{client['id']}/restore")
    assert restored["archived"] is False
    _, _, tag = await api.track("POST", f"/workspaces/{wid}/tags", json={"name": "fresh"})
    status, _, body = await api.track("POST", f"/workspaces/{wid}/tags", json={"name": "fresh"})
    assert (status, body) == (400, "a tag with the name 'fresh' already exists")
    assert (await api.track("DELETE", f"/workspaces/{wid}/tags/{tag['id']}"))[0] == 200
    assert (await api.track("DELETE", f"/workspaces/{wid}/tags/{tag['id']}"))[0] == 404


async def test_put_me_validates_and_changes_password(api: Api) -> None:
    status, _, body = await api.track("PUT", "/me", json={"beginning_of_week": 9})
    assert (status, body) == (400, "Invalid beginning_of_week")
    wrong = {"current_password": "nope", "password": "new-secret"}
    assert (await api.track("PUT", "/me", json=wrong))[2] == "Current password is not valid"
    short = {"current_password": "sandbox-password", "password": "abc"}
    assert (await api.track("PUT", "/me", json=short))[0] == 400
    change = {
        "current_password": "sandbox-password",
        "password": "new-secret",
        "fullname": "Updated",
    }
    status, _, me = await api.track("PUT", "/me", json=change)
    assert status == 200 and me["fullname"] == "Updated" and "toggl_accounts_updated_at" in me
    new_login = {"Authorization": basic("sandbox@example.com", "new-secret")}
    assert (await api.track("GET", "/me/logged", auth=None, headers=new_login))[0] == 200


async def test_me_lists(api: Api) -> None:
    for path in ("/me/clients", "/me/tags", "/me/workspaces", "/me/organizations", "/me/projects"):
        status, _, items = await api.track("GET", path)
        assert status == 200 and isinstance(items, list) and items, path
    _, _, features = await api.track("GET", "/me/features")
    assert set(features[0]) == {"workspace_id", "features"}
    _, _, location = await api.track("GET", "/me/location")
    assert set(location) == {"city", "city_lat_long", "country_code", "country_name", "state"}
    _, _, quota = await api.track("GET", "/me/quota")
    assert quota[0]["organization_id"] is None
    assert set(quota[0]) == {"organization_id", "remaining", "resets_in_secs", "total"}


# -- focus ----------------------------------------------------------------------------------------


async def test_focus_tracking_lifecycle(api: Api) -> None:
    sb = api.sb
    org, ws = sb.account.organizations[0]["id"], first_ws(sb)["id"]
    base = f"{sb.focus_base_url}/organizations/{org}/workspaces/{ws}/tracking"
    status, _, body = await api.call("GET", base + "/current", auth="focus")
    assert (status, body) == (204, b"")
    task = next(t for t in sb.account.focus_tasks.values() if t["workspace_id"] == ws)
    status, _, body = await api.call("POST", base + "/start", auth="focus", json={"task_id": 1})
    assert (status, body) == (404, "User task does not exist")
    start = {"task_id": task["id"], "start": "2025-06-16T10:00:00Z", "type": "task"}
    status, _, entry = await api.call("POST", base + "/start", auth="focus", json=start)
    assert status == 200 and entry["duration"] is None
    assert set(entry) == FOCUS_ENTRY_FIELDS
    status, _, body = await api.call("POST", base + "/start", auth="focus", json=start)
    assert (status, body) == (422, "Cannot track multiple time entries at the same time")
    assert (await api.call("GET", base + "/current", auth="focus"))[2]["id"] == entry["id"]
    end = {"end": "2025-06-16T10:25:00Z"}
    status, _, stopped = await api.call("POST", base + "/stop", auth="focus", json=end)
    assert status == 200 and stopped["duration"] == 1500
    status, _, body = await api.call("POST", base + "/stop", auth="focus", json=end)
    assert (status, body) == (404, "Not tracking a time entry")
    bad_org = f"{sb.focus_base_url}/organizations/1/workspaces/{ws}/tracking/current"
    assert (await api.call("GET", bad_org, auth="focus"))[0] == 404
    other_org = sb.account.organizations[1]["id"]
    wrong_ws = f"{sb.focus_base_url}/organizations/{other_org}/workspaces/{ws}/tracking/current"
    assert (await api.call("GET", wrong_ws, auth="focus"))[0] == 403


# -- faults ---------------------------------------------------------------------------------------


async def test_status_faults_are_served_once_then_clear(api: Api) -> None:
    faults = api.sb.faults
    faults.add("500", path="/me/logged")
    faults.add("502", path="/me/logged")
    faults.add("503", path="/me/logged", retry_after=2)
    faults.add("429", path="/me/logged", retry_after=7)
    faults.add("429", path="/me/logged")
    results = [await api.track("GET", "/me/logged") for _ in range(6)]
    statuses = [status for status, _, _ in results]
    assert statuses == [500, 502, 503, 429, 429, 200]
    assert results[0][2] == "Internal Server Error"
    assert b"<title>502 Bad Gateway</title>" in results[1][2]
    assert results[2][1]["Retry-After"] == "2"
    assert results[3][1]["Retry-After"] == "7" and b"429 Too Many Requests" in results[3][2]
    assert "Retry-After" not in results[4][1]
    assert [kind for kind, _, _ in faults.injected] == ["500", "502", "503", "429", "429"]


async def test_faults_match_path_method_and_times(api: Api) -> None:
    api.sb.faults.add("503", times=2, path="/me/tags", method="GET")
    assert (await api.track("GET", "/me/clients"))[0] == 200
    assert [(await api.track("GET", "/me/tags"))[0] for _ in range(3)] == [503, 503, 200]
    api.sb.faults.add("500", path=re.compile(r"/me/(tags|clients)$"))
    assert (await api.track("GET", "/me/clients"))[0] == 500
    api.sb.faults.add("500", times=5)
    api.sb.faults.clear()
    assert (await api.track("GET", "/me"))[0] == 200


async def test_quota_fault_has_quota_headers(api: Api) -> None:
    api.sb.faults.add("402-quota", retry_after=3)
    status, headers, body = await api.track("GET", "/me")
    assert status == 402 and "hourly limit" in body
    assert (headers["X-Toggl-Quota-Remaining"], headers["X-Toggl-Quota-Resets-In"]) == ("0", "3")


async def test_reset_fault_drops_the_connection(api: Api) -> None:
    # aiohttp itself retries an idempotent request once after a dropped connection
    # (RFC 9112), so it takes two resets in a row for the caller to see one.
    api.sb.faults.add("reset", path="/me", times=2)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.track("GET", "/me")
    assert [r.status for r in list(api.sb.requests)[-2:]] == [0, 0]
    assert (await api.track("GET", "/me"))[0] == 200
    api.sb.faults.add("reset", method="POST")
    wid = first_ws(api.sb)["id"]
    with pytest.raises(aiohttp.ServerDisconnectedError):  # POST is never retried by aiohttp
        await api.track("POST", f"/workspaces/{wid}/tags", json={"name": "x"})


async def test_truncate_fault_sends_a_short_body(api: Api) -> None:
    api.sb.faults.add("truncate", path="/me/projects")
    with pytest.raises(aiohttp.ClientPayloadError):
        await api.track("GET", "/me/projects")


async def test_invalid_json_fault(api: Api, http: aiohttp.ClientSession) -> None:
    api.sb.faults.add("invalid-json", path="/me/workspaces")
    async with http.get(
        api.sb.track_base_url + "/me/workspaces", headers={"Authorization": api.sb.auth_header()}
    ) as response:
        assert response.status == 200
        raw = await response.read()
    with pytest.raises(ValueError):
        json.loads(raw)


async def test_timeout_fault_outlasts_the_client(
    toggl_sandbox_factory: SandboxFactory, http: aiohttp.ClientSession
) -> None:
    sb = await toggl_sandbox_factory(faults=Faults(timeout_seconds=20))
    sb.faults.add("timeout", path="/me")
    with pytest.raises(asyncio.TimeoutError):
        async with http.get(
            sb.track_base_url + "/me",
            headers={"Authorization": sb.auth_header()},
            timeout=aiohttp.ClientTimeout(total=0.3),
        ) as response:
            await response.read()
    # stopping the sandbox cuts the stall short instead of waiting 20 s


async def test_random_faults_are_deterministic(
    toggl_sandbox_factory: SandboxFactory, http: aiohttp.ClientSession
) -> None:
    async def run() -> list[int]:
        faults = Faults(random_rate=0.3, random_kinds=("503", "429", "500"), seed=11)
        sb = await toggl_sandbox_factory(faults=faults)
        api = Api(sb, http)
        return [(await api.track("GET", "/me/logged"))[0] for _ in range(30)]

    first, second = await run(), await run()
    assert first == second
    assert 200 in first and set(first) - {200}


async def test_quota_window_exhausts_then_resets(
    toggl_sandbox_factory: SandboxFactory, http: aiohttp.ClientSession
) -> None:
    sb = await toggl_sandbox_factory(faults=Faults(quota=(3, 1.0)))
    api = Api(sb, http)
    remaining = []
    for _ in range(3):
        status, headers, _ = await api.track("GET", "/me/logged")
        assert status == 200
        remaining.append(headers["X-Toggl-Quota-Remaining"])
    assert remaining == ["2", "1", "0"]
    status, headers, body = await api.track("GET", "/me/logged")
    assert status == 402 and "hourly limit" in body
    assert headers["X-Toggl-Quota-Remaining"] == "0"
    await asyncio.sleep(int(headers["X-Toggl-Quota-Resets-In"]) + 0.05)
    status, headers, _ = await api.track("GET", "/me/logged")
    assert status == 200 and headers["X-Toggl-Quota-Remaining"] == "2"


async def test_quota_headers_can_be_switched_off(
    toggl_sandbox_factory: SandboxFactory, http: aiohttp.ClientSession
) -> None:
    sb = await toggl_sandbox_factory(faults=Faults(quota_headers=False))
    _, headers, _ = await Api(sb, http).track("GET", "/me")
    assert "X-Toggl-Quota-Remaining" not in headers


async def test_latency_and_request_log(api: Api) -> None:
    api.sb.latency = 0.2
    loop = asyncio.get_running_loop()
    began = loop.time()
    await api.track("GET", "/me/tags", params={"since": "0"})
    assert loop.time() - began >= 0.19  # a lower bound only: sleeping guarantees it
    record = api.sb.requests[-1]
    assert (record.method, record.path, record.query, record.status) == (
        "GET",
        "/api/v9/me/tags",
        {"since": "0"},
        200,
    )
    assert api.sb.request_count == len(api.sb.requests)


# -- data -----------------------------------------------------------------------------------------


def _snapshot(account: Account) -> str:
    data = {
        "me": account.me,
        "workspaces": account.workspaces,
        "projects": account.projects,
        "tasks": account.tasks,
        "tags": account.tags,
        "clients": account.clients,
        "entries": list(account.time_entries),
        "deleted": account.time_entries.deleted(),
        "focus": account.focus_tasks,
    }
    return json.dumps(data, sort_keys=True, default=str)


def test_same_seed_same_account() -> None:
    first = Account.generate(seed=3, time_entries=600, now=NOW)
    second = Account.generate(seed=3, time_entries=600, now=NOW)
    other = Account.generate(seed=4, time_entries=600, now=NOW)
    assert _snapshot(first) == _snapshot(second)
    assert _snapshot(first) != _snapshot(other)
    assert _snapshot(first.copy()) == _snapshot(first)


def test_generated_account_is_realistic() -> None:
    account = Account.generate(seed=2, workspaces=3, time_entries=5000, now=NOW)
    entries = list(account.time_entries)
    assert len(entries) == len(account.time_entries) == 5000
    me = account.user_id
    running = [e for e in entries if e["stop"] is None]
    assert len(running) == 1 and running[0]["user_id"] == me
    mine = [e for e in entries if e["user_id"] == me]
    assert 0 < len(entries) - len(mine) < len(entries) // 10  # a few colleagues' entries
    for a, b in itertools.pairwise(mine):  # the user never overlaps themselves
        assert datetime.fromisoformat(a["stop"]) <= datetime.fromisoformat(b["start"])
    ids = [e["id"] for e in entries]
    assert ids == sorted(ids) and any(b - a > 1 for a, b in itertools.pairwise(ids))
    assert any(e["project_id"] is None for e in entries)
    assert any(e["tags"] is None for e in entries) and any(e["tags"] == [] for e in entries)
    assert any(e["description"] is None for e in entries)
    assert any(e["description"] == "" for e in entries)
    assert any(e["description"] and not e["description"].isascii() for e in entries)
    assert {e["billable"] for e in entries} == {True, False}
    assert sum(1 for ws in account.workspaces if ws["premium"]) == 2
    assert len(account.organizations) == 2
    assert all(task["tracked_seconds"] % 1000 == 0 for task in account.tasks)  # milliseconds


def test_large_accounts_stay_compact() -> None:
    """A 1M-entry account must fit in well under 1 GB: check bytes per entry on 20k."""
    tracemalloc.start()
    try:
        Account.generate(seed=1, time_entries=20_000, now=NOW)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak / 20_000 < 400  # ~90 bytes measured; 1M entries -> well under 400 MB

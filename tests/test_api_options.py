"""The options issue 11 added to existing endpoints, and the new single reads and bulk edits:
exact method, path, query and body on the wire (aioresponses), realistic bodies decoded."""

from __future__ import annotations

import io
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from aioresponses import aioresponses
from yarl import URL

from tests.helpers import REPORTS, TOKEN, TRACK, recorded_body
from toggl_async import TogglClient
from toggl_async.errors import DecodeError
from toggl_async.records import PatchResult, Project, Task, TimeEntry
from toggl_async.records.organization import GroupMember, OrganizationGroup

WID = 4567890


@pytest.fixture
async def toggl() -> AsyncIterator[TogglClient]:
    async with TogglClient(api_token=TOKEN) as client:
        yield client


class Wire:
    """Every request aioresponses saw: (method, path, query, JSON body)."""

    def __init__(self, mock: aioresponses) -> None:
        self.mock = mock

        self.sent: list[tuple[str, str, dict[str, str], Any]] = []

    def answer(self, method: str, body: Any, status: int = 200) -> None:
        """Answer every ``method`` request from now on with ``body``; note each one."""

        def note(url: URL, **kwargs: Any) -> None:
            data = kwargs.get("data")
            query = dict(kwargs.get("params") or {})
            self.sent.append((method, url.path, query, json.loads(data) if data else None))

        self.mock.clear()
        self.mock.add(
            re.compile(r"https://api\.track\.toggl\.com/.*"),
            method=method,
            body=json.dumps(body),
            status=status,
            content_type="application/json",
            repeat=True,
            callback=note,
        )


@pytest.fixture
def wire() -> AsyncIterator[Wire]:
    with aioresponses() as mock:
        yield Wire(mock)


# -- time entries -----------------------------------------------------------------------------


async def test_create_for_another_user_shared_and_dated(toggl: TogglClient, wire: Wire) -> None:
    wire.answer("POST", recorded_body("create_time_entry_success"))
    entry = await toggl.time_entries.create(
        WID,
        start=datetime(2024, 4, 10, 8, tzinfo=UTC),
        duration=3600,
        description="CREATE time entry",
        user_id=10658406,
        shared_with_user_ids=[111, 222],
        start_date=date(2024, 4, 10),
        tags=["development"],
        tag_action="add",
    )
    assert isinstance(entry, TimeEntry) and entry.id == 3404802040
    [(method, path, query, body)] = wire.sent
    assert (method, path, query) == ("POST", f"/api/v9/workspaces/{WID}/time_entries", {})
    assert body["user_id"] == 10658406
    assert body["shared_with_user_ids"] == [111, 222]
    assert body["start_date"] == "2024-04-10"
    assert body["tag_action"] == "add"
    assert body["tags"] == ["development"]


async def test_update_tags_replace_by_default_add_or_delete_on_request(
    toggl: TogglClient, wire: Wire
) -> None:
    wire.answer("PUT", recorded_body("update_time_entry_success"))
    await toggl.time_entries.update(WID, 1, tags=["a"])
    await toggl.time_entries.update(WID, 1, tag_ids=[5], tag_action="add")
    await toggl.time_entries.update(WID, 1, tags=["b"], tag_action="delete")
    bodies = [body for _, _, _, body in wire.sent]
    assert bodies == [
        {"tags": ["a"]},  # no tag_action: Toggl replaces the entry's tags
        {"tag_ids": [5], "tag_action": "add"},
        {"tags": ["b"], "tag_action": "delete"},
    ]
    with pytest.raises(ValueError, match="tag_action must be 'add' or 'delete'"):
        await toggl.time_entries.update(WID, 1, tags=["a"], tag_action="remove")
    with pytest.raises(ValueError, match="needs tags or tag_ids"):
        await toggl.time_entries.update(WID, 1, description="x", tag_action="add")
    with pytest.raises(TypeError, match="user_id"):
        await toggl.time_entries.create(WID, start=datetime.now(UTC), duration=1, user_id="me")  # type: ignore[arg-type]
    assert len(wire.sent) == 3


async def test_list_with_sharing(toggl: TogglClient, wire: Wire) -> None:
    wire.answer("GET", recorded_body("get_latest_time_entries_success"))
    entries = await toggl.time_entries.list(include_sharing=True)
    assert entries and all(isinstance(e, TimeEntry) for e in entries)
    assert wire.sent[0][:3] == ("GET", "/api/v9/me/time_entries", {"include_sharing": "true"})


# -- reports ----------------------------------------------------------------------------------


async def test_totals_asks_for_the_graph(toggl: TogglClient, wire: Wire) -> None:
    wire.answer("POST", {"seconds": 7200, "rates": [], "graph": [{"seconds": 3600}]})
    totals = await toggl.reports.totals(
        WID, start_date="2024-01-01", end_date="2024-01-31", with_graph=True, granularity="week"
    )
    await toggl.reports.totals(WID, start_date="2024-01-01", end_date="2024-01-31")
    (_, path, _, body), (_, _, _, plain) = wire.sent
    assert path == f"/reports/api/v3/workspace/{WID}/search/time_entries/totals"
    assert body == {
        "start_date": "2024-01-01",
        "end_date": "2024-01-31",
        "with_graph": True,
        "granularity": "week",
    }
    assert "with_graph" not in plain
    assert totals.seconds == 7200
    with pytest.raises(ValueError, match="granularity"):
        await toggl.reports.totals(
            WID, start_date="2024-01-01", end_date="2024-01-31", granularity="hour"
        )


async def test_report_filters_reach_the_search_and_the_summary(
    toggl: TogglClient, wire: Wire
) -> None:
    wire.answer("POST", [])
    filters: dict[str, Any] = {
        "task_ids": [None, 7],
        "group_ids": [3],
        "time_entry_ids": [99],
        "min_duration_seconds": 60,
        "max_duration_seconds": 7200,
        "rounding": True,
        "rounding_minutes": 15,
        "hide_amounts": True,
    }
    await toggl.reports.iter_time_entries(
        WID, start_date="2024-01-01", end_date="2024-01-31", enrich_response=True, **filters
    ).collect()
    wire.answer("POST", {"groups": []})
    await toggl.reports.summary(WID, start_date="2024-01-01", end_date="2024-01-31", **filters)
    expected = {**filters, "rounding": 1}
    (_, path, _, body) = wire.sent[-1]
    assert path == f"/reports/api/v3/workspace/{WID}/summary/time_entries"
    assert {k: body[k] for k in expected} == expected
    with pytest.raises(ValueError, match="min_duration_seconds is above"):
        await toggl.reports.summary(
            WID,
            start_date="2024-01-01",
            end_date="2024-01-31",
            min_duration_seconds=10,
            max_duration_seconds=5,
        )


async def test_report_search_body_holds_the_new_filters(toggl: TogglClient, wire: Wire) -> None:
    wire.answer("POST", [])
    await toggl.reports.iter_time_entries(
        WID,
        start_date="2024-01-01",
        end_date="2024-01-31",
        task_ids=[7],
        enrich_response=True,
        rounding=False,
    ).collect()
    [(_, path, _, body)] = wire.sent
    assert path == f"/reports/api/v3/workspace/{WID}/search/time_entries"
    assert body["task_ids"] == [7] and body["enrich_response"] is True and body["rounding"] == 0


async def test_weekly_report_rows(toggl: TogglClient, wire: Wire) -> None:
    row = {
        "user_id": 10658406,
        "user_name": "Michael C",
        "project_id": 201876878,
        "project_name": "Ruby",
        "client_name": None,
        "seconds": [3600, None, 0, 0, 1800, 0, 0],
        "billable_amounts_in_cents": [None] * 7,
        "currency": "USD",
        "new_field": 1,
    }
    wire.answer("POST", [row])
    [weekly] = await toggl.reports.weekly(WID, start_date="2024-01-01", end_date="2024-01-07")
    assert weekly.user_name == "Michael C" and weekly.seconds[4] == 1800
    assert weekly.extra == {"new_field": 1}
    assert wire.sent[0][1] == f"/reports/api/v3/workspace/{WID}/weekly/time_entries"


# -- projects, tasks, tags, clients -----------------------------------------------------------


async def test_project_listing_filters_and_create_fields(toggl: TogglClient, wire: Wire) -> None:
    wire.answer("GET", recorded_body("search_projects_no_filter"))
    projects = await toggl.projects.iter(
        WID,
        name="Ruby",
        client_ids=[1, 2],
        user_ids=[3],
        billable=True,
        statuses=["active", "upcoming"],
        only_me=True,
        sort_field="name",
        sort_order="DESC",
        per_page=50,
    ).collect()
    assert projects and all(isinstance(p, Project) for p in projects)
    query = wire.sent[0][2]
    assert query == {
        "active": "both",
        "name": "Ruby",
        "client_ids": "1,2",
        "user_ids": "3",
        "billable": "true",
        "statuses": "active,upcoming",
        "only_me": "true",
        "sort_field": "name",
        "sort_order": "DESC",
        "page": "1",
        "per_page": "50",
    }
    wire.answer("POST", recorded_body("create_project_success"))
    await toggl.projects.create(
        WID,
        name="P",
        client_name="New client",
        fixed_fee=100.0,
        template_id=9,
        recurring=True,
        external_reference="ext-1",
    )
    body = wire.sent[-1][3]
    assert body == {
        "name": "P",
        "active": True,
        "client_name": "New client",
        "fixed_fee": 100.0,
        "template_id": 9,
        "recurring": True,
        "external_reference": "ext-1",
    }
    with pytest.raises(ValueError, match="client_id or client_name"):
        await toggl.projects.create(WID, name="P", client_id=1, client_name="C")


async def test_bulk_project_patch_from_the_recording(toggl: TogglClient, wire: Wire) -> None:
    wire.answer("PATCH", {"success": [201899518, 201876878], "failure": []})
    result = await toggl.projects.patch(
        WID,
        [201899518, 201876878],
        operations=[{"op": "replace", "path": "/color", "value": "#000000"}],
    )
    assert result == PatchResult(success=[201899518, 201876878], failure=[])
    [(method, path, _, body)] = wire.sent
    assert (method, path) == ("PATCH", f"/api/v9/workspaces/{WID}/projects/201899518,201876878")
    assert body == [{"op": "replace", "path": "/color", "value": "#000000"}]
    with pytest.raises(ValueError, match="at most 100"):
        await toggl.projects.patch(WID, range(1, 102), operations=[])


async def test_single_reads_and_bulk_deletes(toggl: TogglClient, wire: Wire) -> None:
    client = {"id": 5, "wid": WID, "name": "Acme", "archived": False, "at": "2024-04-13T20:04:48Z"}
    task = {"id": 8, "name": "T", "project_id": 201876878, "workspace_id": WID, "active": True}
    wire.answer("GET", client)
    assert (await toggl.clients.get(WID, 5)).name == "Acme"
    wire.answer("GET", task)
    got = await toggl.tasks.get(WID, 201876878, 8)
    assert isinstance(got, Task) and got.name == "T"
    wire.answer("GET", [task])
    assert [t.id for t in await toggl.tasks.list(WID, 201876878)] == [8]
    wire.answer("PATCH", None)
    await toggl.tags.delete_many(WID, [1, 2])
    wire.answer("POST", None)
    await toggl.clients.delete_many(WID, ids=[5])
    assert wire.sent[-2:] == [
        ("PATCH", f"/api/v9/workspaces/{WID}/tags", {}, [1, 2]),
        ("POST", f"/api/v9/workspaces/{WID}/clients/delete", {}, [5]),
    ]


async def test_tasks_and_tags_listing_filters(toggl: TogglClient, wire: Wire) -> None:
    wire.answer("GET", {"data": [], "total_count": 0})
    await toggl.tasks.iter(WID, project_id=201876878, search="bug", sort_order="ASC").collect()
    assert wire.sent[0][2] == {
        "active": "both",
        "pid": "201876878",
        "search": "bug",
        "sort_order": "ASC",
        "page": "1",
        "per_page": "200",
    }
    wire.answer("GET", [])
    await toggl.tags.iter(WID, search="dev").collect()
    assert wire.sent[-1][2] == {"search": "dev", "page": "1", "per_page": "200"}


async def test_request_escape_hatch_and_raw_view(toggl: TogglClient, wire: Wire) -> None:
    wire.answer("GET", recorded_body("get_project_by_id_success"))
    project = await toggl.request("GET", f"/workspaces/{WID}/projects/1", into=Project)
    assert isinstance(project, Project)
    plain = await toggl.request("GET", "/me/quota", params={"x": [1, 2]})
    assert isinstance(plain, dict)
    raw = await toggl.with_raw_response.projects.get(WID, 1)
    assert raw.status == 200 and raw.parsed == project and raw.body.startswith(b"{")
    assert wire.sent[1][:3] == ("GET", "/api/v9/me/quota", {"x": "1,2"})
    with pytest.raises(ValueError, match="path must start with '/'"):
        await toggl.request("GET", "https://evil.example/me")
    with pytest.raises(ValueError, match="api must be one of"):
        await toggl.request("GET", "/me", api="billing")
    wire.answer("POST", [])
    await toggl.request("POST", f"/workspace/{WID}/filters/users", api="reports", json={})
    assert wire.sent[-1][1] == f"/reports/api/v3/workspace/{WID}/filters/users"
    assert REPORTS.endswith("/reports/api/v3") and TRACK.endswith("/api/v9")


async def test_organization_groups_from_the_recording(toggl: TogglClient, wire: Wire) -> None:
    wire.answer("GET", recorded_body("get_organization_workspace_users_success"))
    [group] = await toggl.organizations.workspace_groups(5678901, WID)
    assert wire.sent[-1][:2] == ("GET", f"/api/v9/organizations/5678901/workspaces/{WID}/groups")
    assert isinstance(group, OrganizationGroup)
    assert (group.group_id, group.name, group.workspaces) == (188929, "Cool Kids", [WID])
    assert group.at == datetime(2024, 4, 13, 20, 4, 48, 278682, tzinfo=UTC)
    assert group.users == [
        GroupMember(user_id=10658406, name="Michael C", avatar_url="", joined=True)
    ]


def test_the_blocking_client_has_the_escape_hatch_and_the_raw_view() -> None:
    import toggl_async_sync

    body = recorded_body("get_project_by_id_success")
    with aioresponses() as mock, toggl_async_sync.TogglClient(api_token=TOKEN) as blocking:
        mock.get(
            re.compile(r"https://api\.track\.toggl\.com/api/v9/workspaces/.*"),
            payload=body,
            repeat=True,
        )
        raw = blocking.with_raw_response.projects.get(WID, 1)
        plain = blocking.request("GET", f"/workspaces/{WID}/projects/1", into=Project)
    assert raw.status == 200 and isinstance(raw.parsed, Project)
    assert plain == raw.parsed


async def test_timesheets_are_paged_and_setups_unwrapped(toggl: TogglClient, wire: Wire) -> None:
    sheet = {"timesheet_setup_id": 3, "status": "pending", "start_date": "2024-01-01"}
    wire.answer("GET", {"data": [sheet, sheet], "page": 1, "per_page": 2, "total_count": 2})
    sheets = await toggl.timesheets.iter(WID, statuses=["pending"], per_page=2).collect()
    assert [s.status for s in sheets] == ["pending", "pending"]
    assert wire.sent[-1][:3] == (
        "GET",
        f"/api/v9/workspaces/{WID}/timesheets",
        {"statuses": "pending", "page": "1", "per_page": "2"},
    )
    wire.answer("GET", {"data": [{"id": 3, "approver_id": 10658406}]})
    [setup] = await toggl.timesheet_setups.list(WID, member_ids=[5])
    assert setup.id == 3 and wire.sent[-1][2] == {"member_ids": "5"}
    wire.answer("GET", [{"id": 3}])
    with pytest.raises(DecodeError, match="not an object with 'data'"):
        await toggl.timesheet_setups.list(WID)


async def test_generated_methods_send_exact_bodies_and_queries(
    toggl: TogglClient, wire: Wire
) -> None:
    wire.answer("POST", {"id": 1, "project_id": 2})
    await toggl.alerts.create(
        WID, project_id=2, source_kind="project", thresholds=[80, 100], receiver_users=[7]
    )
    assert wire.sent[-1] == (
        "POST",
        f"/api/v9/workspaces/{WID}/alerts",
        {},
        {"project_id": 2, "receiver_users": [7], "source_kind": "project", "thresholds": [80, 100]},
    )
    wire.answer("POST", {"id": 9, "project_id": 2, "user_id": 7, "manager": True})
    added = await toggl.project_users.create(WID, project_id=2, user_id=7, manager=True)
    assert (added.id, added.manager) == (9, True)
    assert wire.sent[-1][3] == {"manager": True, "project_id": 2, "user_id": 7}
    wire.answer("GET", [{"user_id": 7, "description": "on call", "duration": -1}])
    [activity] = await toggl.dashboard.all_activity(WID, since=1700000000)
    assert activity.duration == -1
    assert wire.sent[-1][:3] == (
        "GET",
        f"/api/v9/workspaces/{WID}/dashboard/all_activity",
        {"since": "1700000000"},
    )
    with pytest.raises(TypeError, match="workspace_id must be an int id"):
        await toggl.alerts.list("4567890")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="uuid must be a non-empty string without '/'"):
        await toggl.exports.download(WID, "../../me", "x.zip")


async def test_uploads_are_multipart_with_the_file(toggl: TogglClient, tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG fake")
    seen: list[dict[str, Any]] = []

    def note(url: URL, **kwargs: Any) -> None:
        seen.append(kwargs)

    with aioresponses() as mock:
        mock.post(
            f"{TRACK}/workspaces/{WID}/logo",
            payload={"logo": "https://example.com/logo.png"},
            callback=note,
        )
        result = await toggl.workspaces.upload_logo(WID, logo)
    assert result.logo == "https://example.com/logo.png"
    [call] = seen
    content_type = call["headers"]["Content-Type"]
    boundary = content_type.split("boundary=", 1)[1]
    assert content_type.startswith("multipart/form-data; boundary=")
    assert (
        call["data"]
        == (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="logo.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + b"\x89PNG fake"
        + f"\r\n--{boundary}--\r\n".encode()
    )
    with pytest.raises(TypeError, match="binary file object"):
        await toggl.avatars.upload(io.StringIO("text"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="is not a file"):
        await toggl.expenses.upload(WID, tmp_path / "missing.pdf")

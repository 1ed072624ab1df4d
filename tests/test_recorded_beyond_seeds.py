"""Every recorded real exchange for the endpoints beyond the seeds, replayed.

For each recording the client is called as a user would; the request it sends must hit the
recorded method and path (and query/body where the recording used the same semantics), and
the recorded response must decode into records whose fields are what Toggl sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aioresponses import aioresponses

from toggl_async import ConflictError, PaymentRequiredError, RetryPolicy, TogglClient
from toggl_async.records import (
    PatchResult,
    Project,
    ReportTimeEntry,
    SummaryReport,
    TimeEntry,
    Workspace,
    WorkspaceUser,
)

from .helpers import TOKEN, recorded

HOST = "https://api.track.toggl.com"
WID = 4567890


@dataclass
class Case:
    name: str
    call: Callable[[TogglClient], Awaitable[Any]]
    check: Callable[[Any], None]
    same_query: bool = True
    same_body: bool = True
    raises: type[Exception] | None = None


def _entries(result: Any) -> None:
    assert result and all(isinstance(e, TimeEntry) for e in result)
    first = result[0]
    assert first.workspace_id == WID and first.user_id == 10658406
    assert first.start is not None and first.start.tzinfo is not None


def _created(entry: Any) -> None:
    assert isinstance(entry, TimeEntry)
    assert (entry.id, entry.duration, entry.project_id) == (3404802040, 3600, 201876878)
    assert entry.start == datetime(2024, 4, 10, 8, tzinfo=UTC)
    assert entry.stop == entry.start + timedelta(hours=1)
    assert entry.server_deleted_at is None and entry.duronly is True


def _updated(entry: Any) -> None:
    assert entry.description == "UPDATE time entry" and entry.tags == ["development", "ruby"]


def _stopped(entry: Any) -> None:
    assert entry.duration == 414 and not entry.is_running and entry.tags == []


def _patched(result: Any) -> None:
    assert result == PatchResult(success=[3398443148, 3398445220], failure=[])


def _workspace(ws: Any) -> None:
    assert isinstance(ws, Workspace)
    assert (ws.id, ws.organization_id, ws.name) == (WID, 5678901, "toggltest's workspace")
    assert ws.rounding == 1 and ws.projects_billable_by_default is True
    assert ws.ical_url == "/ical/workspace_user/a1b2c3d4e5f60718293a4b5c6d7e8f90"


def _users(users: Any) -> None:
    assert [type(u) for u in users] == [WorkspaceUser]
    assert users[0].fullname == "Michael C" and users[0].is_admin and not users[0].inactive


def _projects(projects: Any) -> None:
    assert all(isinstance(p, Project) for p in projects) and len(projects) >= 2
    assert projects[0].status == "active" and projects[0].recurring is False
    assert projects[0].created_at is not None and projects[0].wid == WID


def _project(project: Any) -> None:
    assert (project.id, project.name, project.color) == (201876878, "A project", "#000000")
    assert project.start_date == date(2024, 4, 9) and project.billable is None


def _made_project(project: Any) -> None:
    assert (project.id, project.active, project.color) == (201991297, False, "#0b83d9")
    assert project.start_date == date(2024, 4, 14) and project.cid is None


def _report_rows(entries: Any) -> None:
    assert all(isinstance(e, ReportTimeEntry) for e in entries)
    assert [e.id for e in entries][:2] in ([3398443148, 3398445220], [3405903820, 3405903821])
    assert all(e.workspace_id == WID and e.currency == "USD" for e in entries)
    assert entries[0].start is not None and entries[0].start.utcoffset() in (
        timedelta(hours=-7),
        timedelta(hours=-8),
    )


def _summary(report: Any) -> None:
    assert isinstance(report, SummaryReport) and report.groups is not None
    assert {g.id: g.seconds for g in report.groups} == {201876878: 3600, 201899518: 202}


CASES = [
    Case("get_latest_time_entries_success", lambda t: t.time_entries.list(), _entries),
    Case(
        "get_latest_time_entries_qp_success",
        lambda t: t.time_entries.list(start_date="2024-04-10", end_date=date(2024, 4, 13)),
        _entries,
    ),
    Case(
        "create_time_entry_success",
        lambda t: t.time_entries.create(
            WID,
            start=datetime(2024, 4, 10, 8, tzinfo=UTC),
            duration=3600,
            project_id=201876878,
            tags=["development", "ruby"],
            description="CREATE time entry",
        ),
        _created,
        same_body=False,  # recorded with legacy wid/pid and another created_with: see below
    ),
    Case(
        "update_time_entry_success",
        lambda t: t.time_entries.update(WID, 3404802040, description="UPDATE time entry"),
        _updated,
    ),
    Case("stop_a_running_entry_success", lambda t: t.time_entries.stop(WID, 3421446028), _stopped),
    Case(
        "stop_a_stopped_entry_success",
        lambda t: t.time_entries.stop(WID, 3421446028),
        lambda _: None,
        raises=ConflictError,
    ),
    Case(
        "delete_time_entry_success",
        lambda t: t.time_entries.delete(WID, 3404802040),
        lambda result: None if result is None else pytest.fail("delete returns None"),
    ),
    Case(
        "bulk_patch_time_entries_success",
        lambda t: t.time_entries.patch(
            WID, [3398443148, 3398445220], [{"op": "replace", "path": "/pid", "value": 201899518}]
        ),
        _patched,
    ),
    Case("get_workspace_success", lambda t: t.workspaces.get(WID), _workspace),
    Case("get_workspace_users_success", lambda t: t.workspaces.users(WID), _users),
    Case(
        "search_projects_no_filter",
        lambda t: t.projects.iter(WID).collect(),
        _projects,
        same_query=False,  # we always send page, per_page and active
    ),
    Case(
        "get_projects_after_bulk_update_success",
        lambda t: t.projects.iter(WID).collect(),
        _projects,
        same_query=False,
    ),
    Case("get_project_by_id_success", lambda t: t.projects.get(WID, 201876878), _project),
    Case(
        "create_project_success",
        lambda t: t.projects.create(WID, name="Created project via API"),
        _made_project,
        same_body=False,  # we add "active": true (Toggl would create it archived)
    ),
    Case(
        "update_project_success",
        lambda t: t.projects.update(WID, 201876878, color="#d94182", name="Updated via PUT"),
        lambda p: None if p.name == "Updated via PUT" else pytest.fail(p.name),
    ),
    Case(
        "update_project_bad_attribute",
        lambda t: t.projects.update(WID, 201876878, color="#FFFFFF"),
        lambda _: None,
        raises=PaymentRequiredError,
    ),
    Case(
        "delete_project_success",
        lambda t: t.projects.delete(WID, 202440103),
        lambda result: None if result is None else pytest.fail("delete returns None"),
    ),
    Case(
        "search_time_entries_simple_success",
        lambda t: t.reports.iter_time_entries(
            WID, start_date="2024-04-07", end_date="2024-04-13"
        ).collect(),
        _report_rows,
        same_body=False,  # recorded with start_date alone; we always send both and page_size
    ),
    Case(
        "search_time_entries_long_first_page",
        lambda t: t.reports.iter_time_entries(
            WID, start_date="2023-12-01", end_date="2023-12-31", limit=50
        ).collect(),
        _report_rows,
        same_body=False,  # + page_size
    ),
    Case(
        "serach_summary_time_entries_success",
        lambda t: t.reports.summary(
            WID, start_date="2024-04-01", end_date="2024-04-15", grouping="projects"
        ),
        _summary,
    ),
]


@pytest.fixture
async def toggl() -> AsyncIterator[TogglClient]:
    async with TogglClient(api_token=TOKEN, retry=RetryPolicy.never()) as client:
        yield client


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_replay(toggl: TogglClient, case: Case) -> None:
    interactions = recorded(case.name)
    with aioresponses() as m:
        for interaction in interactions:
            request, response = interaction["request"], interaction["response"]
            m.add(
                re.compile(re.escape(HOST + request["path"]) + r"(\?.*)?$"),
                request["method"],
                status=response["status"],
                body=response["body"],
                headers=response["headers"],
            )
        if case.raises is None:
            result = await case.call(toggl)
        else:
            with pytest.raises(case.raises):
                await case.call(toggl)
            result = None
        sent = [(key, call) for key, calls in m.requests.items() for call in calls]
    assert len(sent) == len(interactions)
    for ((method, url), call), interaction in zip(sent, interactions, strict=True):
        request = interaction["request"]
        assert (method, url.path) == (request["method"], request["path"])
        if case.same_query:
            assert dict(url.query) == dict(parse_qsl(request["query"]))
        data = call.kwargs.get("data")
        if case.same_body:
            expected = json.loads(request["body"]) if request["body"] else None
            assert (json.loads(data) if data else None) == expected
    case.check(result)


async def test_create_body_means_what_the_recorded_legacy_one_meant(toggl: TogglClient) -> None:
    """The recording used the legacy ``wid``/``pid`` names; we send the current ones."""
    interaction = recorded("create_time_entry_success")[0]
    legacy = json.loads(interaction["request"]["body"])
    with aioresponses() as m:
        m.post(HOST + interaction["request"]["path"], body=interaction["response"]["body"])
        await CASES[2].call(toggl)
        (call,) = [c for calls in m.requests.values() for c in calls]
    ours = json.loads(call.kwargs["data"])
    renamed = {{"wid": "workspace_id", "pid": "project_id"}.get(k, k): v for k, v in legacy.items()}
    assert ours.pop("created_with").startswith("toggl-async/")
    renamed.pop("created_with")
    assert {**ours, "start": datetime.fromisoformat(ours["start"])} == {
        **renamed,
        "start": datetime.fromisoformat(renamed["start"]),
    }

"""Workspaces, projects, clients, tags and tasks: exact requests, listings, paid features."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from aioresponses import aioresponses

from toggl_async import (
    BadRequestError,
    ForbiddenError,
    InvalidCursorError,
    NotFoundError,
    PaymentRequiredError,
    QuotaExceededError,
    RetryPolicy,
    TogglClient,
)
from toggl_async.records import Client, Project, Tag, Task, Workspace, WorkspaceUser
from toggl_async.testing import Sandbox

from .helpers import TOKEN, TRACK, only_call, recorded, recorded_body, task_body

pytest_plugins = ["toggl_async.testing.pytest_plugin"]

WID = 4567890
WS = f"{TRACK}/workspaces/{WID}"
FAST = RetryPolicy(backoff_base=0.0, rate_limit_fallback=0.0, max_attempts=4)


@pytest.fixture
async def toggl() -> AsyncIterator[TogglClient]:
    async with TogglClient(api_token=TOKEN, retry=RetryPolicy.never()) as client:
        yield client


def connect(sb: Sandbox, **kwargs: Any) -> TogglClient:
    kwargs.setdefault("retry", FAST)
    return TogglClient(api_token=sb.api_token, track_base_url=sb.track_base_url, **kwargs)


def served(sb: Sandbox, method: str, suffix: str) -> list[Any]:
    return [r for r in sb.requests if r.method == method and r.path.endswith(suffix)]


# -- workspaces ----------------------------------------------------------------------------------


async def test_workspace_and_its_users_from_the_recordings(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.get(WS, body=recorded("get_workspace_success")[0]["response"]["body"])
        m.get(f"{WS}/users", body=recorded("get_workspace_users_success")[0]["response"]["body"])
        workspace = await toggl.workspaces.get(WID)
        users = await toggl.workspaces.users(WID)
    assert isinstance(workspace, Workspace)
    assert workspace.organization_id == 5678901 and workspace.default_currency == "USD"
    assert workspace.api_token is not None and workspace.api_token not in repr(workspace)
    assert users == [
        WorkspaceUser(
            id=10658406,
            fullname="Michael C",
            email="michael@example.com",
            is_active=True,
            is_admin=True,
            inactive=False,
        )
    ]


async def test_workspace_users_on_the_sandbox(toggl_sandbox: Sandbox) -> None:
    ws = toggl_sandbox.account.workspaces[0]
    async with connect(toggl_sandbox) as toggl:
        users = await toggl.workspaces.users(ws["id"])
        assert (await toggl.workspaces.get(ws["id"])).name == ws["name"]
        with pytest.raises(ForbiddenError):  # not the user's: 403, not an auth failure
            await toggl.workspaces.get(1)
    expected = toggl_sandbox.account.workspace_users[ws["id"]]
    assert [u.id for u in users] == [u["id"] for u in expected] and len(users) > 1


# -- projects ------------------------------------------------------------------------------------


async def test_projects_iter_sends_page_active_and_per_page(toggl: TogglClient) -> None:
    body = recorded("search_projects_no_filter")[0]["response"]["body"]
    with aioresponses() as m:
        m.get(f"{WS}/projects?active=both&page=1&per_page=200", body=body)
        projects = [p async for p in toggl.projects.iter(WID)]
        only_call(m)  # two projects < 200: the short page was the last, one request
    assert [p.name for p in projects] == ["A Different Project", "A project"]
    assert projects[0].actual_seconds == 202 and projects[0].start_date == date(2024, 4, 9)


@pytest.mark.parametrize(("active", "sent"), [(True, "true"), (False, "false"), ("both", "both")])
async def test_projects_active_filter(toggl: TogglClient, active: Any, sent: str) -> None:
    with aioresponses() as m:
        m.get(f"{WS}/projects?active={sent}&page=1&per_page=50", body="[]")
        assert await toggl.projects.iter(WID, active=active, per_page=50).collect() == []


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"per_page": 201}, ValueError),
        ({"per_page": 0}, ValueError),
        ({"active": "yes"}, ValueError),
        ({"since": -1}, ValueError),
    ],
)
async def test_projects_iter_refuses_bad_arguments(
    toggl: TogglClient, kwargs: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        toggl.projects.iter(WID, **kwargs)


async def test_projects_iter_walks_every_page_and_resumes_mid_page(
    toggl_sandbox: Sandbox,
) -> None:
    wid = toggl_sandbox.account.workspaces[0]["id"]
    live = [
        p
        for p in toggl_sandbox.account.projects
        if p["workspace_id"] == wid and not p.get("server_deleted_at")
    ]
    expected = [p["id"] for p in sorted(live, key=lambda p: (p["name"].casefold(), p["id"]))]
    async with connect(toggl_sandbox) as toggl:
        ids = [p.id async for p in toggl.projects.iter(wid, per_page=70)]
        assert ids == expected and len(ids) > 4 * 70
        first = toggl.projects.iter(wid, per_page=70, limit=100)
        head = [p.id async for p in first]
        cursor = json.loads(json.dumps(first.cursor))
        assert cursor["skip"] == 30  # mid-page: page 2, thirty of it handed out
        tail = [p.id async for p in toggl.projects.iter(wid, per_page=70, cursor=cursor)]
        with pytest.raises(InvalidCursorError):
            toggl.projects.iter(wid, per_page=50, cursor=cursor)
        active = [p async for p in toggl.projects.iter(wid, active=True)]
    assert head + tail == expected
    assert active and all(p.active for p in active) and len(active) < len(expected)


async def test_project_get_create_update_delete_bodies(toggl: TogglClient) -> None:
    created = recorded("create_project_success")[0]
    updated = recorded("update_project_success")[0]
    with aioresponses() as m:
        m.get(
            f"{WS}/projects/201876878",
            body=recorded("get_project_by_id_success")[0]["response"]["body"],
        )
        m.post(f"{WS}/projects", body=created["response"]["body"])
        m.put(f"{WS}/projects/201876878", body=updated["response"]["body"])
        m.delete(f"{WS}/projects/202440103?teDeletionMode=delete", body="202440103")
        project = await toggl.projects.get(WID, 201876878)
        made = await toggl.projects.create(WID, name="Created project via API")
        changed = await toggl.projects.update(
            WID, 201876878, color="#d94182", name="Updated via PUT"
        )
        gone = await toggl.projects.delete(WID, 202440103, te_deletion_mode="delete")
        bodies = {
            key[0]: [json.loads(c.kwargs["data"]) for c in calls if c.kwargs.get("data")]
            for key, calls in m.requests.items()
        }
    assert project.color == "#000000" and project.status == "active"
    # create() asks for an active project: Toggl would otherwise make it archived.
    assert bodies["POST"] == [{"name": "Created project via API", "active": True}]
    assert bodies["PUT"] == [json.loads(updated["request"]["body"])]
    assert made.id == 201991297 and made.is_private is True
    assert changed.name == "Updated via PUT" and changed.color == "#d94182"
    assert gone is None


async def test_project_update_refuses_empty_and_delete_a_bad_mode(toggl: TogglClient) -> None:
    with aioresponses() as m:
        with pytest.raises(ValueError, match="at least one field"):
            await toggl.projects.update(WID, 1)
        with pytest.raises(ValueError, match="te_deletion_mode"):
            await toggl.projects.delete(WID, 1, te_deletion_mode="drop")
        with pytest.raises(ValueError, match="name"):
            await toggl.projects.create(WID, name="  ")
        assert not m.requests


async def test_paid_feature_402_is_payment_required_and_never_retried() -> None:
    interaction = recorded("update_project_bad_attribute")[0]
    response = interaction["response"]
    assert response["status"] == 402 and "x-toggl-quota-remaining" not in response["headers"]
    retrying = RetryPolicy(max_attempts=5, backoff_base=0.0)
    async with TogglClient(api_token=TOKEN, retry=retrying) as toggl:
        with aioresponses() as m:
            m.put(
                f"{WS}/projects/201876878",
                status=402,
                body=response["body"],
                headers=response["headers"],
                repeat=True,
            )
            with pytest.raises(PaymentRequiredError) as caught:
                await toggl.projects.update(WID, 201876878, color="#FFFFFF")
            _, _, kwargs = only_call(m)  # exactly one request: 402 is not retried
    assert not isinstance(caught.value, QuotaExceededError)
    assert caught.value.message == "Custom project colors available only for premium plans"
    assert json.loads(kwargs["data"]) == json.loads(interaction["request"]["body"])


async def test_paid_feature_on_the_sandbox(toggl_sandbox: Sandbox) -> None:
    free = toggl_sandbox.account.workspaces[-1]
    assert not free["premium"]
    project = next(p for p in toggl_sandbox.account.projects if p["workspace_id"] == free["id"])
    async with connect(toggl_sandbox) as toggl:
        with pytest.raises(PaymentRequiredError) as caught:
            await toggl.projects.update(free["id"], project["id"], color="#123456")
    assert not isinstance(caught.value, QuotaExceededError)
    assert len(served(toggl_sandbox, "PUT", f"/projects/{project['id']}")) == 1


async def test_project_lifecycle_on_the_sandbox(toggl_sandbox: Sandbox) -> None:
    wid = toggl_sandbox.account.workspaces[0]["id"]
    async with connect(toggl_sandbox) as toggl:
        made = await toggl.projects.create(wid, name="Sandbox project ✓", is_private=False)
        assert made.active is True and made.is_private is False
        archived = await toggl.projects.update(wid, made.id, active=False)
        assert archived.active is False
        assert (await toggl.projects.get(wid, made.id)).name == "Sandbox project ✓"
        with pytest.raises(BadRequestError):
            await toggl.projects.create(wid, name="Sandbox project ✓")  # name taken
        await toggl.projects.delete(wid, made.id)
        with pytest.raises(NotFoundError):
            await toggl.projects.get(wid, made.id)


# -- clients ---------------------------------------------------------------------------------------


async def test_clients_list_query_and_write_bodies(toggl: TogglClient) -> None:
    client = {"id": 7, "wid": WID, "name": "ACME", "archived": False, "notes": None}
    with aioresponses() as m:
        m.get(f"{WS}/clients?status=archived&name=ac", body=json.dumps([client]))
        m.get(f"{WS}/clients", body="[]")
        m.post(f"{WS}/clients", body=json.dumps(client))
        m.put(f"{WS}/clients/7", body=json.dumps({**client, "notes": "n"}))
        m.delete(f"{WS}/clients/7", body="7")
        m.post(f"{WS}/clients/7/archive", body="[11, 12]")
        m.post(f"{WS}/clients/7/restore", body=json.dumps(client))
        listed = await toggl.clients.list(WID, status="archived", name="ac")
        assert await toggl.clients.list(WID) == []
        await toggl.clients.create(WID, name="ACME", external_reference="crm-1")
        await toggl.clients.update(WID, 7, notes="n")
        assert await toggl.clients.delete(WID, 7) is None
        assert await toggl.clients.archive(WID, 7) == [11, 12]
        restored = await toggl.clients.restore(WID, 7, projects=[11])
        bodies = [
            (key[0], str(key[1]), json.loads(c.kwargs["data"]))
            for key, calls in m.requests.items()
            for c in calls
            if c.kwargs.get("data")
        ]
    assert listed == [Client(id=7, wid=WID, workspace_id=WID, name="ACME", archived=False)]
    assert (
        "POST",
        f"{WS}/clients",
        {"name": "ACME", "external_reference": "crm-1"},
    ) in bodies
    assert ("PUT", f"{WS}/clients/7", {"notes": "n"}) in bodies
    assert (
        "POST",
        f"{WS}/clients/7/restore",
        {"restore_all_projects": False, "projects": [11]},
    ) in bodies
    assert restored.id == 7


async def test_clients_refuse_bad_input(toggl: TogglClient) -> None:
    with aioresponses() as m:
        with pytest.raises(ValueError, match="status"):
            await toggl.clients.list(WID, status="gone")
        with pytest.raises(ValueError, match="name"):
            await toggl.clients.create(WID, name="")
        with pytest.raises(ValueError, match="at least one field"):
            await toggl.clients.update(WID, 7)
        with pytest.raises(ValueError, match="empty"):
            await toggl.clients.restore(WID, 7, projects=[])
        assert not m.requests


async def test_client_lifecycle_on_the_sandbox(toggl_sandbox: Sandbox) -> None:
    premium, free = toggl_sandbox.account.workspaces[0], toggl_sandbox.account.workspaces[-1]
    async with connect(toggl_sandbox) as toggl:
        made = await toggl.clients.create(premium["id"], name="Sandbox client", notes="hi")
        project = await toggl.projects.create(premium["id"], name="For the client")
        await toggl.projects.update(premium["id"], project.id, client_id=made.id)
        assert (await toggl.clients.update(premium["id"], made.id, name="Renamed")).name == (
            "Renamed"
        )
        assert await toggl.clients.archive(premium["id"], made.id) == [project.id]
        archived = await toggl.clients.list(premium["id"], status="archived", name="renam")
        assert [c.id for c in archived] == [made.id]
        restored = await toggl.clients.restore(premium["id"], made.id, restore_all_projects=True)
        assert restored.archived is False
        assert (await toggl.projects.get(premium["id"], project.id)).active is True
        await toggl.clients.delete(premium["id"], made.id)
        assert made.id not in {c.id for c in await toggl.clients.list(premium["id"])}
        other = await toggl.clients.create(free["id"], name="Free client")
        with pytest.raises(PaymentRequiredError):
            await toggl.clients.archive(free["id"], other.id)


# -- tags ------------------------------------------------------------------------------------------


async def test_tags_iter_pages_on_the_sandbox_and_writes(toggl_sandbox: Sandbox) -> None:
    wid = toggl_sandbox.account.workspaces[0]["id"]
    live = [
        t
        for t in toggl_sandbox.account.tags
        if t["workspace_id"] == wid and not t.get("deleted_at")
    ]
    expected = [t["id"] for t in sorted(live, key=lambda t: (t["name"].casefold(), t["id"]))]
    async with connect(toggl_sandbox) as toggl:
        tags = [t async for t in toggl.tags.iter(wid, per_page=3)]
        assert [t.id for t in tags] == expected and all(isinstance(t, Tag) for t in tags)
        assert len(served(toggl_sandbox, "GET", f"/workspaces/{wid}/tags")) == -(-len(live) // 3)
        made = await toggl.tags.create(wid, name="sandbox-tag")
        renamed = await toggl.tags.update(wid, made.id, name="sandbox-tag-2")
        assert renamed.id == made.id and renamed.name == "sandbox-tag-2"
        with pytest.raises(BadRequestError):
            await toggl.tags.create(wid, name="SANDBOX-TAG-2")  # names are case-insensitive
        assert await toggl.tags.delete(wid, made.id) is None
        after = [t.id async for t in toggl.tags.iter(wid)]
    assert made.id not in after and sorted(after) == sorted(expected)


async def test_tag_requests(toggl: TogglClient) -> None:
    tag = {"id": 5, "workspace_id": WID, "name": "dev"}
    with aioresponses() as m:
        m.get(f"{WS}/tags?page=1&per_page=200", body=json.dumps([tag]))
        m.post(f"{WS}/tags", body=json.dumps(tag))
        assert [t.name async for t in toggl.tags.iter(WID)] == ["dev"]
        await toggl.tags.create(WID, name="dev")
        with pytest.raises(ValueError, match="name"):
            await toggl.tags.update(WID, 5, name=" ")
        posted = [c for (method, _), calls in m.requests.items() if method == "POST" for c in calls]
    assert json.loads(posted[0].kwargs["data"]) == {"name": "dev"}


# -- tasks -----------------------------------------------------------------------------------------


async def test_tasks_iter_unwraps_the_envelope_and_stops_at_total_count(
    toggl: TogglClient,
) -> None:
    page = {"data": [task_body(1, WID), task_body(2, WID)], "total_count": 4}
    last = {"data": [task_body(3, WID), task_body(4, WID)], "total_count": 4}
    with aioresponses() as m:
        m.get(f"{WS}/tasks?active=both&page=1&per_page=2", body=json.dumps(page))
        m.get(f"{WS}/tasks?active=both&page=2&per_page=2", body=json.dumps(last))
        tasks = [t async for t in toggl.tasks.iter(WID, per_page=2)]
        calls = sum(len(c) for c in m.requests.values())
    assert [t.id for t in tasks] == [1, 2, 3, 4] and all(isinstance(t, Task) for t in tasks)
    assert calls == 2  # total_count said 4: no request for an empty third page


async def test_tasks_on_the_sandbox(toggl_sandbox: Sandbox) -> None:
    wid = toggl_sandbox.account.workspaces[0]["id"]
    live = [
        t
        for t in toggl_sandbox.account.tasks
        if t["workspace_id"] == wid and not t.get("server_deleted_at")
    ]
    assert len(live) % 180 == 0  # pages end exactly at total_count
    expected = [t["id"] for t in sorted(live, key=lambda t: (t["name"].casefold(), t["id"]))]
    project = next(
        p
        for p in toggl_sandbox.account.projects
        if p["workspace_id"] == wid and p["active"] and not p.get("server_deleted_at")
    )
    async with connect(toggl_sandbox) as toggl:
        every = [t.id async for t in toggl.tasks.iter(wid, per_page=180, active="both")]
        assert every == expected
        assert len(served(toggl_sandbox, "GET", f"/workspaces/{wid}/tasks")) == len(live) // 180
        done = [t async for t in toggl.tasks.iter(wid, active=False)]
        assert done and not any(t.active for t in done)
        made = await toggl.tasks.create(wid, project["id"], name="Sandbox task", active=True)
        assert made.project_id == project["id"] and made.active is True
        changed = await toggl.tasks.update(wid, project["id"], made.id, active=False)
        assert changed.active is False
        assert await toggl.tasks.delete(wid, project["id"], made.id) is None
        after = {t.id async for t in toggl.tasks.iter(wid)}
    assert made.id not in after and len(after) == len(live)


async def test_task_requests_refuse_bad_input(toggl: TogglClient) -> None:
    with aioresponses() as m:
        with pytest.raises(ValueError, match="name"):
            await toggl.tasks.create(WID, 1, name="")
        with pytest.raises(ValueError, match="at least one field"):
            await toggl.tasks.update(WID, 1, 2)
        with pytest.raises(TypeError, match="int id"):
            await toggl.tasks.delete(WID, "1", 2)  # type: ignore[arg-type]
        assert not m.requests


def test_recorded_project_lists_decode() -> None:
    """The projects listing recordings, read straight into records (no client)."""
    from toggl_async.records import structure

    by_name = structure(recorded_body("search_project_by_name"), list[Project])
    every = structure(recorded_body("get_projects_after_bulk_update_success"), list[Project])
    assert [p.name for p in by_name] == ["A project"]
    patched = {p.id: p.color for p in every if p.id in (201899518, 201876878)}
    assert patched == {201899518: "#000000", 201876878: "#000000"}  # the bulk patch's effect

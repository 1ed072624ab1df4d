"""Decoding through the public API: a wrong shape is a DecodeError, never an empty or bent value.

Each test gives a real endpoint a body of the wrong shape (aioresponses) and checks that the
call fails with a :class:`DecodeError` naming the record, the field and what arrived; and
that the long id names are filled from what Toggl actually sends (recordings, the sandbox).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aioresponses import aioresponses

from toggl_async import DecodeError, RetryPolicy, TogglClient
from toggl_async.export import export_account
from toggl_async.testing import Account, Sandbox

from .helpers import REPORTS, TOKEN, TRACK, me_body, project_body, recorded_body

WID = 4567890
WS = f"{TRACK}/workspaces/{WID}"


@pytest.fixture
async def toggl() -> AsyncIterator[TogglClient]:
    async with TogglClient(api_token=TOKEN, retry=RetryPolicy.never()) as client:
        yield client


def _client(name: str = "ACME", **more: Any) -> dict[str, Any]:
    # Toggl's models.Client (the spec) documents ``wid`` only, which is what the API sends.
    return {"id": 7, "wid": WID, "name": name, "archived": False, **more}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("{}", "expected an array of Client, got an object"),
        ('""', "expected an array of Client, got a string"),
        ("null", "expected an array of Client, got null"),
        ("", "expected an array of Client, got null"),  # an empty body
        ('{"data": []}', "expected an array of Client, got an object"),
        ('["ACME"]', "item 0: Client: expected an object, got a string"),
        (json.dumps([_client(name={"x": 1})]), "item 0: Client.name: expected a string, got an"),
        (json.dumps([_client(archived="false")]), "Client.archived: expected true or false"),
        (json.dumps([_client(id=1.9)]), "Client.id: expected an integer, got a number with a"),
        (json.dumps([_client(id=True)]), "Client.id: expected an integer, got a boolean"),
        (json.dumps([_client(wid="4567890")]), "Client.wid: expected an integer, got a string"),
    ],
)
async def test_clients_list_refuses_a_wrong_shape(
    toggl: TogglClient, body: str, problem: str
) -> None:
    with aioresponses() as m:
        m.get(f"{WS}/clients", body=body)
        with pytest.raises(DecodeError) as caught:
            await toggl.clients.list(WID)
    assert problem in str(caught.value), str(caught.value)
    assert f"GET {WS}/clients" in str(caught.value)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"beginning_of_week": "1"}, "Me.beginning_of_week: expected an integer, got a string"),
        ({"beginning_of_week": True}, "Me.beginning_of_week: expected an integer, got a boolean"),
        ({"openid_enabled": "false"}, "Me.openid_enabled: expected true or false, got a string"),
        ({"openid_enabled": 0}, "Me.openid_enabled: expected true or false, got an integer"),
        ({"fullname": {"first": "A"}}, "Me.fullname: expected a string, got an object"),
        ({"default_workspace_id": 1.5}, "Me.default_workspace_id: expected an integer"),
        ({"workspaces": {}}, "Me.workspaces: expected an array of Workspace, got an object"),
        ({"options": []}, "Me.options: expected an object, got an array"),
        ({"created_at": 20240101.5e99}, "Me.created_at: expected a timestamp"),
        ({"email": None}, "Me.email: expected a string, got null"),
    ],
)
async def test_me_get_refuses_meaning_changing_values(
    toggl: TogglClient, changes: dict[str, Any], problem: str
) -> None:
    with aioresponses() as m:
        m.get(f"{TRACK}/me", payload=me_body(1, **changes))
        with pytest.raises(DecodeError) as caught:
            await toggl.me.get()
    assert problem in str(caught.value), str(caught.value)


@pytest.mark.parametrize("body", ['"hello"', "[]", "17"])
async def test_a_string_or_array_where_an_object_is_expected(toggl: TogglClient, body: str) -> None:
    with aioresponses() as m:
        m.get(f"{TRACK}/me", body=body)
        m.get(f"{TRACK}/me/time_entries/current", body=body)
        with pytest.raises(DecodeError, match="Me: expected an object"):
            await toggl.me.get()
        with pytest.raises(DecodeError, match="TimeEntry: expected an object"):
            await toggl.time_entries.current()


async def test_a_missing_field_toggl_always_sends_is_named(toggl: TogglClient) -> None:
    entry = recorded_body("get_current_time_entry_is_running")
    del entry["start"]
    with aioresponses() as m:
        m.get(f"{TRACK}/me/time_entries/current", payload=entry)
        with pytest.raises(DecodeError, match=r"TimeEntry\.start: missing"):
            await toggl.time_entries.current()


@pytest.mark.parametrize(
    ("page", "problem"),
    [
        ({}, "expected a JSON array"),  # the paginator checks the page itself
        ("", "expected a JSON array"),
        ([project_body(3, active="false")], "item 0: Project.active: expected true or false"),
        ([project_body(3, workspace_id=4.5)], "Project.workspace_id: expected an integer"),
        ([project_body(3, color=["#fff"])], "Project.color: expected a string, got an array"),
    ],
)
async def test_a_paginated_listing_refuses_a_wrong_shape(
    toggl: TogglClient, page: Any, problem: str
) -> None:
    url = re.compile(rf"^{re.escape(TRACK)}/me/projects/paginated\?.*$")
    with aioresponses() as m:
        m.get(url, payload=page)
        with pytest.raises(DecodeError) as caught:
            await toggl.me.iter_projects(per_page=2).collect()
    assert problem in str(caught.value), str(caught.value)


async def test_the_detailed_report_refuses_a_non_integral_id(toggl: TogglClient) -> None:
    rows = recorded_body("search_time_entries_simple_success")
    rows[0]["time_entries"][0]["id"] = 1.9
    url = f"{REPORTS}/workspace/{WID}/search/time_entries"
    with aioresponses() as m:
        m.post(url, payload=rows)
        entries = toggl.reports.iter_time_entries(
            WID, start_date=date(2024, 4, 1), end_date=date(2024, 4, 30)
        )
        with pytest.raises(DecodeError, match=r"ReportTimeEntry\.id: expected an integer"):
            await entries.collect()


async def test_recorded_bodies_decode_through_the_api(toggl: TogglClient) -> None:
    """The strict checks accept everything Toggl really sends."""
    with aioresponses() as m:
        m.get(f"{TRACK}/me?with_related_data=true", payload=recorded_body("get_me_success_long"))
        m.get(f"{TRACK}/me/workspaces", payload=recorded_body("get_me_workspaces_success"))
        m.get(f"{TRACK}/me/time_entries", payload=recorded_body("get_latest_time_entries_success"))
        m.get(f"{WS}/projects/201876878", payload=recorded_body("get_project_by_id_success"))
        me = await toggl.me.get(with_related_data=True)
        workspaces = await toggl.me.workspaces()
        entries = await toggl.time_entries.list()
        project = await toggl.projects.get(WID, 201876878)
    assert me.workspaces and me.workspaces[0].id == workspaces[0].id == WID
    assert all(e.workspace_id == WID and e.user_id == me.id for e in entries)
    assert project.workspace_id == WID and project.name


async def test_clients_get_their_workspace_id_from_wid(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.get(f"{WS}/clients", payload=[_client()])
        (client,) = await toggl.clients.list(WID)
    assert client.workspace_id == client.wid == WID


async def test_time_entries_get_long_names_from_short_ones(toggl: TogglClient) -> None:
    recorded = recorded_body("get_latest_time_entries_success")
    legacy = [
        {k: v for k, v in e.items() if k not in ("workspace_id", "user_id")} for e in recorded
    ]
    with aioresponses() as m:
        m.get(f"{TRACK}/me/time_entries", payload=legacy)
        entries = await toggl.time_entries.list()
    assert [(e.workspace_id, e.user_id) for e in entries] == [
        (e["workspace_id"], e["user_id"]) for e in recorded
    ]


async def test_exported_clients_carry_their_workspace_id(tmp_path: Path) -> None:
    """The export's clients.jsonl had ``"workspace_id": null`` for every client."""
    account = Account.preset("tiny", seed=3)
    async with (
        Sandbox(account) as sb,
        TogglClient(
            api_token=sb.api_token,
            track_base_url=sb.track_base_url,
            reports_base_url=sb.reports_base_url,
        ) as client,
    ):
        await export_account(client, tmp_path / "out")
    rows = [json.loads(line) for line in (tmp_path / "out" / "clients.jsonl").open()]
    assert rows, "the tiny account has clients"
    assert all(row["workspace_id"] == row["wid"] and row["wid"] is not None for row in rows)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"rate": "12.5"}, "Project.rate: expected a number, got a string"),
        ({"rate": True}, "Project.rate: expected a number, got a boolean"),
        ({"start_date": 20240409}, "Project.start_date: expected a YYYY-MM-DD date, got an"),
        ({"start_date": "09/04/2024"}, "Project.start_date: expected a YYYY-MM-DD date"),
        ({"recurring_parameters": [[]]}, "Project.recurring_parameters: item 0: expected an"),
        ({"is_private": None}, "Project.is_private: expected true or false, got null"),
    ],
)
async def test_project_get_refuses_floats_and_dates_of_another_kind(
    toggl: TogglClient, changes: dict[str, Any], problem: str
) -> None:
    body = {**recorded_body("get_project_by_id_success"), **changes}
    with aioresponses() as m:
        m.get(f"{WS}/projects/201876878", payload=body)
        with pytest.raises(DecodeError) as caught:
            await toggl.projects.get(WID, 201876878)
    assert problem in str(caught.value), str(caught.value)


async def test_integral_numbers_keep_their_meaning(toggl: TogglClient) -> None:
    body = {**recorded_body("get_project_by_id_success"), "rate": 75, "estimated_seconds": 60.0}
    with aioresponses() as m:
        m.get(f"{WS}/projects/201876878", payload=body)
        project = await toggl.projects.get(WID, 201876878)
    assert project.rate == 75.0 and type(project.rate) is float
    assert project.estimated_seconds == 60 and type(project.estimated_seconds) is int

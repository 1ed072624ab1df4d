"""The /me endpoints: exact requests (aioresponses) and parsing of the recorded responses."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pytest
from aioresponses import aioresponses

from toggl_async import AuthenticationError, TogglClient
from toggl_async.records import Me, Project

from .helpers import (
    TOKEN,
    TRACK,
    basic,
    me_body,
    only_call,
    project_body,
    recorded_body,
    sent,
    task_body,
)


@pytest.fixture
async def toggl() -> TogglClient:
    client = TogglClient(api_token=TOKEN)
    yield client  # type: ignore[misc]
    await client.aclose()


async def test_get_sends_basic_auth_and_parses_recorded_me(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.get(f"{TRACK}/me", body=json.dumps(recorded_body("get_me_success_short")))
        me = await toggl.me.get()
        method, url, kwargs = only_call(m)
    assert (method, str(url)) == ("GET", f"{TRACK}/me")
    assert kwargs["headers"]["Authorization"] == basic(TOKEN, "api_token")
    assert isinstance(me, Me)
    assert me.id == 10658406
    assert me.fullname == "Michael C"
    assert me.timezone == "America/Los_Angeles"
    assert me.default_workspace_id == 4567890
    assert me.country_id is None
    assert me.created_at == datetime(2024, 4, 9, 3, 12, 46, 676852, tzinfo=UTC)
    assert me.projects is None
    # Secrets in the payload are kept but never shown.
    assert me.api_token == "3f1c9d2e7b6a5f4e3d2c1b0a99887766"
    assert "3f1c9d2e" not in repr(me)
    assert "4e4e4e4e" not in repr(me)


async def test_get_with_related_data_fills_lists(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.get(
            f"{TRACK}/me?with_related_data=true",
            body=json.dumps(recorded_body("get_me_success_long")),
        )
        me = await toggl.me.get(with_related_data=True)
    assert me.projects and isinstance(me.projects[0], Project)
    assert me.projects[0].start_date == date(2024, 4, 9)
    assert me.workspaces and me.workspaces[0].id == 4567890
    assert me.workspaces[0].rounding == 1
    assert me.tags and me.tags[0].name == "tag_1"
    assert me.time_entries and me.time_entries[0].tag_ids == [15986619, 15986620]
    assert "3f1c9d2e" not in repr(me.workspaces[0])


async def test_email_password_auth_header() -> None:
    async with TogglClient(email="a@example.com", password="pw-123456") as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me/logged", body="")
            assert await toggl.me.logged() is True
            _, _, kwargs = only_call(m)
    assert kwargs["headers"]["Authorization"] == basic("a@example.com", "pw-123456")


async def test_logged_raises_authentication_error_on_403(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.get(f"{TRACK}/me/logged", status=403, body='"Incorrect username and/or password"')
        with pytest.raises(AuthenticationError) as info:
            await toggl.me.logged()
    assert info.value.status == 403
    assert "Incorrect username" in str(info.value)
    assert TOKEN not in str(info.value)


async def test_update_sends_only_given_fields(toggl: TogglClient) -> None:
    body = recorded_body("update_user_settings_success")
    with aioresponses() as m:
        m.put(f"{TRACK}/me", body=json.dumps(body))
        me = await toggl.me.update(
            beginning_of_week=0,
            country_id=40,
            fullname="Updated withPATCH",
            timezone="Europe/London",
        )
        _, _, kwargs = only_call(m)
    assert json.loads(kwargs["data"]) == {
        "beginning_of_week": 0,
        "country_id": 40,
        "fullname": "Updated withPATCH",
        "timezone": "Europe/London",
    }
    assert kwargs["headers"]["Content-Type"] == "application/json"
    assert me.timezone == "Europe/London"
    assert me.toggl_accounts_updated_at is not None


async def test_update_password_change_sends_both_passwords(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.put(f"{TRACK}/me", payload=me_body(1))
        await toggl.me.update(current_password="old-secret", password="new-secret")
        _, _, kwargs = only_call(m)
    assert json.loads(kwargs["data"]) == {
        "current_password": "old-secret",
        "password": "new-secret",
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"password": "new-secret"}, "current_password"),
        ({"current_password": "a", "password": "123"}, "at least 6"),
        ({"beginning_of_week": 7}, "beginning_of_week"),
        ({"default_workspace_id": "12"}, "default_workspace_id"),
        ({}, "at least one field"),
    ],
)
async def test_update_rejects_bad_input_before_any_request(
    toggl: TogglClient, kwargs: dict[str, object], message: str
) -> None:
    with aioresponses() as m:
        with pytest.raises((ValueError, TypeError), match=message):
            await toggl.me.update(**kwargs)  # type: ignore[arg-type]
        assert not m.requests


async def test_list_endpoints_send_their_query(toggl: TogglClient) -> None:
    since = datetime(2024, 1, 1, tzinfo=UTC)
    with aioresponses() as m:
        m.get(
            f"{TRACK}/me/clients?since=1704067200", payload=[{"id": 5, "name": "Ünïcode", "wid": 9}]
        )
        m.get(
            f"{TRACK}/me/tags?since=1704067200", payload=[{"id": 6, "name": "t", "workspace_id": 1}]
        )
        m.get(
            f"{TRACK}/me/projects?include_archived=true",
            payload=[project_body(7, canSeeRates=True)],
        )
        m.get(f"{TRACK}/me/projects", payload=[])
        m.get(
            f"{TRACK}/me/tasks?meta=true&include_not_active=true",
            payload=[task_body(8, tracked_seconds=5000)],
        )
        m.get(f"{TRACK}/me/organizations", payload=[{"id": 9, "name": "Org", "trial_info": {}}])
        m.get(
            f"{TRACK}/me/features",
            payload=[
                {"workspace_id": 1, "features": [{"feature_id": 2, "name": "pro", "enabled": True}]}
            ],
        )
        m.get(
            f"{TRACK}/me/workspaces",
            payload=[
                {"id": 1, "name": "W", "organization_id": 2, "premium": False, "at": "2024-01-01"}
            ],
        )
        m.get(
            f"{TRACK}/me/quota",
            payload=[
                {"organization_id": None, "remaining": 29, "resets_in_secs": 3000, "total": 30}
            ],
        )
        clients = await toggl.me.clients(since=since)
        tags = await toggl.me.tags(since=1704067200)
        archived = await toggl.me.projects(include_archived=True)
        plain = await toggl.me.projects()
        tasks = await toggl.me.tasks(meta=True, include_not_active=True)
        orgs = await toggl.me.organizations()
        features = await toggl.me.features()
        workspaces = await toggl.me.workspaces()
        quota = await toggl.me.quota()
    assert clients[0].name == "Ünïcode" and clients[0].wid == 9
    assert tags[0].id == 6
    assert archived[0].can_see_rates is True
    assert plain == []
    assert tasks[0].tracked_seconds == 5000 and tasks[0].tracked == 5.0
    assert orgs[0].trial_info == {}
    assert features[0].enabled("pro") and not features[0].enabled("other")
    assert workspaces[0].name == "W"
    assert quota[0].organization_id is None and quota[0].remaining == 29


async def test_location_empty_response_is_none(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.get(f"{TRACK}/me/location", body="")
        assert await toggl.me.location() is None
        m.get(f"{TRACK}/me/location", payload={"city": "Tallinn", "country_code": "EE"})
        location = await toggl.me.location()
    assert location is not None and location.city == "Tallinn"


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda t: t.me.clients(since=datetime(2024, 1, 1)), ValueError),  # naive datetime
        (lambda t: t.me.tags(since="yesterday"), TypeError),
        (lambda t: t.me.tasks(since=-5), ValueError),
    ],
)
async def test_bad_since_is_refused_before_any_request(toggl: TogglClient, call, error) -> None:  # type: ignore[no-untyped-def]
    with aioresponses() as m:
        with pytest.raises(error):
            await call(toggl)
        assert not m.requests


async def test_iter_projects_walks_keyset_pages(toggl: TogglClient) -> None:
    url = re.compile(rf"^{re.escape(TRACK)}/me/projects/paginated\?.*$")
    pages = [[project_body(i) for i in ids] for ids in ([3, 8], [9, 15], [20])]
    with aioresponses() as m:
        for page in pages:
            m.get(url, payload=page)
        ids = [p.id async for p in toggl.me.iter_projects(per_page=2, since=100)]
        calls = [key[1] for key, calls in m.requests.items() for _ in calls]
    assert ids == [3, 8, 9, 15, 20]
    queries = sorted(
        (dict(u.query) for u in calls), key=lambda q: int(q.get("start_project_id", 0))
    )
    assert queries == [
        {"since": "100", "per_page": "2"},
        {"since": "100", "start_project_id": "9", "per_page": "2"},
        {"since": "100", "start_project_id": "16", "per_page": "2"},
    ]


async def test_iter_tasks_walks_offsets(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.get(f"{TRACK}/me/tasks?offset=0&per_page=2", payload=[task_body(1), task_body(2)])
        m.get(f"{TRACK}/me/tasks?offset=2&per_page=2", payload=[task_body(3), task_body(4)])
        m.get(f"{TRACK}/me/tasks?offset=4&per_page=2", payload=[])
        ids = [t.id async for t in toggl.me.iter_tasks(per_page=2)]
        assert len(sent(m, "GET", f"{TRACK}/me/tasks?offset=4&per_page=2")) == 1
    assert ids == [1, 2, 3, 4]


@pytest.mark.parametrize(
    "kwargs",
    [{"per_page": 0}, {"per_page": True}, {"start_project_id": -1}, {"start_project_id": "5"}],
)
def test_iter_projects_refuses_bad_arguments(toggl: TogglClient, kwargs: dict[str, object]) -> None:
    with pytest.raises((ValueError, TypeError)):
        toggl.me.iter_projects(**kwargs)  # type: ignore[arg-type]


async def test_urls_never_carry_credentials() -> None:
    """The URLs the client builds (sent, and quoted in errors) hold no credential."""
    secrets = [TOKEN, "a@example.com", "pw-123456", "toggl_sk_secret"]
    token_client = TogglClient(api_token=TOKEN, focus_api_key="toggl_sk_secret")
    password_client = TogglClient(email="a@example.com", password="pw-123456")
    seen: list[str] = []
    async with token_client, password_client:
        with aioresponses() as m:
            m.get(re.compile(r".*"), status=404, body='"not found"', repeat=True)
            for toggl in (token_client, password_client):
                for call in (
                    toggl.me.get(with_related_data=True),
                    toggl.time_entries.get(5),
                    toggl.workspaces.get(7),
                    toggl.me.iter_projects(per_page=10).collect(),
                ):
                    with pytest.raises(Exception) as info:
                        await call
                    seen += [str(info.value), getattr(info.value, "url", "")]
            with pytest.raises(Exception) as info:
                await token_client.focus.current(1, 2)
            seen.append(str(info.value))
            seen += [str(url) for _, url in m.requests]
    urls = [url for _, url in m.requests]
    calls = sum(len(c) for c in m.requests.values())
    assert calls == 9 and len(urls) == 5  # two clients, same URLs
    for url in urls:
        assert url.user is None and url.password is None, url
    for text in seen:
        assert text
        for secret in secrets:
            assert secret not in text, text

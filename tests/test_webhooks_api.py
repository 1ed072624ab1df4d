"""``toggl.webhooks``: exact requests for every Webhooks API endpoint, records, errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aioresponses import aioresponses

from toggl_async import (
    BadRequestError,
    ConfigurationError,
    ForbiddenError,
    InsecureURLWarning,
    NotFoundError,
    RetryPolicy,
    ServerError,
    TogglClient,
)
from toggl_async.webhooks import EventFilter, Subscription, WebhookLimitError, WebhookLimits

from .helpers import TOKEN, basic, only_call

BASE = "https://api.track.toggl.com/webhooks/api/v1"
WID = 7435584
SID = 10713
SUBSCRIPTION: dict[str, Any] = {
    "subscription_id": SID,
    "workspace_id": WID,
    "user_id": 9547721,
    "enabled": True,
    "description": "My first Webhooks subscription",
    "event_filters": [{"entity": "project", "action": "created"}, {"entity": "tag", "action": "*"}],
    "url_callback": "https://example.com/hooks/toggl",
    "secret": "PGuRrhCFajIyEvFlreKL",
    "validated_at": "2023-07-17T10:57:41.120334Z",
    "has_pending_events": False,
    "created_at": "2022-05-31T02:50:45.984607Z",
    "brand_new": 1,
}


@pytest.fixture
async def toggl() -> AsyncIterator[TogglClient]:
    async with TogglClient(api_token=TOKEN, retry=RetryPolicy.never()) as client:
        yield client


def check(mock: aioresponses, method: str, url: str, body: Any = None) -> None:
    got_method, got_url, kwargs = only_call(mock)
    assert (got_method, str(got_url)) == (method, url)
    assert kwargs["headers"]["Authorization"] == basic(TOKEN, "api_token")
    if body is None:
        assert kwargs.get("data") is None
    else:
        assert kwargs["headers"]["Content-Type"] == "application/json"
        assert json.loads(kwargs["data"]) == body


async def test_list(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.get(f"{BASE}/subscriptions/{WID}", payload=[SUBSCRIPTION])
        subs = await toggl.webhooks.list(WID)
        check(m, "GET", f"{BASE}/subscriptions/{WID}")
    [sub] = subs
    assert isinstance(sub, Subscription)
    assert sub.subscription_id == SID
    assert sub.event_filters == [
        EventFilter(entity="project", action="created"),
        EventFilter(entity="tag", action="*"),
    ]
    assert sub.validated_at == datetime(2023, 7, 17, 10, 57, 41, 120334, tzinfo=UTC)
    assert sub.delivering
    assert sub.extra == {"brand_new": 1}
    assert "PGuRrhCFajIyEvFlreKL" not in repr(sub)


async def test_list_accepts_null(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.get(f"{BASE}/subscriptions/{WID}", body=b"null", content_type="application/json")
        assert await toggl.webhooks.list(WID) == []


async def test_get_filters_the_list(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.get(f"{BASE}/subscriptions/{WID}", payload=[SUBSCRIPTION], repeat=True)
        assert (await toggl.webhooks.get(WID, SID)).description == SUBSCRIPTION["description"]
        with pytest.raises(NotFoundError, match="subscription 99 for workspace"):
            await toggl.webhooks.get(WID, 99)


async def test_create_sends_exactly_the_documented_body(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.post(f"{BASE}/subscriptions/{WID}", payload={**SUBSCRIPTION, "validated_at": None})
        sub = await toggl.webhooks.create(
            WID,
            url_callback="https://example.com/hooks/toggl",
            event_filters=[("project", "created"), EventFilter(entity="tag", action="*")],
            description="My first Webhooks subscription",
            secret="PGuRrhCFajIyEvFlreKL",
        )
        check(
            m,
            "POST",
            f"{BASE}/subscriptions/{WID}",
            {
                "url_callback": "https://example.com/hooks/toggl",
                "event_filters": [
                    {"entity": "project", "action": "created"},
                    {"entity": "tag", "action": "*"},
                ],
                "enabled": True,
                "description": "My first Webhooks subscription",
                "secret": "PGuRrhCFajIyEvFlreKL",
            },
        )
    assert not sub.validated


async def test_create_without_secret_leaves_it_out(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.post(f"{BASE}/subscriptions/{WID}", payload=SUBSCRIPTION)
        await toggl.webhooks.create(
            WID,
            url_callback="http://x.test/h",
            event_filters=[("*", "*")],
            description="d",
            enabled=False,
        )
        _, _, kwargs = only_call(m)
    assert json.loads(kwargs["data"]) == {
        "url_callback": "http://x.test/h",
        "event_filters": [{"entity": "*", "action": "*"}],
        "enabled": False,
        "description": "d",
    }


@pytest.mark.parametrize(
    "message",
    [
        "User 9547721 already reached the limit of 1 enabled subscriptions for workspace 7435584",
        "The limit of 3 event filters for your subscription has been exceeded as you're trying "
        "to set 4 filters",
    ],
)
async def test_create_over_the_plan_limits_is_a_typed_error(
    toggl: TogglClient, message: str
) -> None:
    with aioresponses() as m:
        m.post(f"{BASE}/subscriptions/{WID}", status=400, payload=message)
        with pytest.raises(WebhookLimitError) as caught:
            await toggl.webhooks.create(
                WID, url_callback="https://a.test/", event_filters=[("tag", "*")], description="x"
            )
        assert len(m.requests[("POST", next(iter(m.requests))[1])]) == 1  # never retried
    assert caught.value.message == message
    assert isinstance(caught.value, BadRequestError)
    assert "limits(workspace_id)" in str(caught.value)


async def test_other_400s_stay_bad_request(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.post(
            f"{BASE}/subscriptions/{WID}",
            status=400,
            payload="Subscription description 'x' is already in use for workspace 7435584",
        )
        with pytest.raises(BadRequestError) as caught:
            await toggl.webhooks.create(
                WID, url_callback="https://a.test/", event_filters=[("tag", "*")], description="x"
            )
    assert not isinstance(caught.value, WebhookLimitError)
    assert "already in use" in caught.value.message


async def test_update_sends_all_five_fields(toggl: TogglClient) -> None:
    url = f"{BASE}/subscriptions/{WID}/{SID}"
    with aioresponses() as m:
        m.put(url, payload=SUBSCRIPTION)
        await toggl.webhooks.update(
            WID,
            SID,
            url_callback="https://example.com/hooks/toggl",
            event_filters=[("*", "*")],
            description="My first Webhooks subscription",
            enabled=True,
            secret="new secret string",
        )
        check(
            m,
            "PUT",
            url,
            {
                "url_callback": "https://example.com/hooks/toggl",
                "event_filters": [{"entity": "*", "action": "*"}],
                "enabled": True,
                "secret": "new secret string",
                "description": "My first Webhooks subscription",
            },
        )


@pytest.mark.parametrize(("verb", "enabled"), [("enable", True), ("disable", False)])
async def test_enable_disable_patch(toggl: TogglClient, verb: str, enabled: bool) -> None:
    url = f"{BASE}/subscriptions/{WID}/{SID}"
    with aioresponses() as m:
        m.patch(url, payload={**SUBSCRIPTION, "enabled": enabled})
        sub = await getattr(toggl.webhooks, verb)(WID, SID)
        check(m, "PATCH", url, {"enabled": enabled})
    assert sub.enabled is enabled


async def test_enable_over_the_limit(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.patch(
            f"{BASE}/subscriptions/{WID}/{SID}",
            status=400,
            payload="User 1 already reached the limit of 1 enabled subscriptions for workspace 2",
        )
        with pytest.raises(WebhookLimitError):
            await toggl.webhooks.enable(WID, SID)


async def test_delete(toggl: TogglClient) -> None:
    url = f"{BASE}/subscriptions/{WID}/{SID}"
    with aioresponses() as m:
        m.delete(url, payload={**SUBSCRIPTION, "deleted_at": "2024-01-01T00:00:00Z"})
        sub = await toggl.webhooks.delete(WID, SID)
        check(m, "DELETE", url)
    assert sub is not None and sub.deleted_at is not None
    with aioresponses() as m:
        m.delete(url, status=404, payload=f"subscription {SID} for workspace {WID} was not found")
        with pytest.raises(NotFoundError, match="was not found"):
            await toggl.webhooks.delete(WID, SID)


async def test_ping(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.post(f"{BASE}/ping/{WID}/{SID}", payload={"status": "OK"})
        assert (await toggl.webhooks.ping(WID, SID)).status == "OK"
        check(m, "POST", f"{BASE}/ping/{WID}/{SID}")


@pytest.mark.parametrize("body", [b"OK", b'"OK"'])
async def test_validate(toggl: TogglClient, body: bytes) -> None:
    url = f"{BASE}/validate/{WID}/{SID}/89627dd73f2044f2f73815d665bbce33"
    with aioresponses() as m:
        m.get(url, body=body)
        assert await toggl.webhooks.validate(WID, SID, "89627dd73f2044f2f73815d665bbce33") is None
        check(m, "GET", url)


async def test_validate_wrong_code(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.get(
            f"{BASE}/validate/{WID}/{SID}/abc",
            status=400,
            payload=f"subscription {SID} for workspace {WID} and validation code 'abc' "
            "was not found",
        )
        with pytest.raises(BadRequestError, match="validation code 'abc' was not found"):
            await toggl.webhooks.validate(WID, SID, "abc")


async def test_event_filters_limits_status(toggl: TogglClient) -> None:
    catalogue = {"client": ["created", "updated", "deleted"], "time_entry": ["created"]}
    with aioresponses() as m:
        m.get(f"{BASE}/event_filters", payload=catalogue)
        m.get(f"{BASE}/limits/{WID}", payload={"max_webhooks": 1, "max_events_per_webhook": 3})
        m.get(f"{BASE}/status", payload={"status": "OK"})
        assert await toggl.webhooks.event_filters() == catalogue
        assert await toggl.webhooks.limits(WID) == WebhookLimits(
            max_webhooks=1, max_events_per_webhook=3
        )
        assert (await toggl.webhooks.status()).status == "OK"


async def test_same_errors_and_retries_as_track() -> None:
    async with TogglClient(
        api_token=TOKEN, retry=RetryPolicy(backoff_base=0.0, max_attempts=3)
    ) as toggl:
        with aioresponses() as m:
            m.get(f"{BASE}/status", status=500, payload="Internal Server Error")
            m.get(f"{BASE}/status", payload={"status": "OK"})
            assert (await toggl.webhooks.status()).status == "OK"
            m.get(
                f"{BASE}/subscriptions/{WID}",
                status=403,
                payload="User not found/accessible for workspace",
            )
            with pytest.raises(ForbiddenError, match="not found/accessible"):
                await toggl.webhooks.list(WID)
            for _ in range(3):
                m.get(f"{BASE}/limits/{WID}", status=503, payload="down")
            with pytest.raises(ServerError):
                await toggl.webhooks.limits(WID)


async def test_base_url_setting_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    async with TogglClient(
        api_token=TOKEN, webhooks_base_url="http://127.0.0.1:9/webhooks/api/v1/"
    ) as toggl:
        with aioresponses() as m:
            m.get("http://127.0.0.1:9/webhooks/api/v1/status", payload={"status": "ok"})
            assert (await toggl.webhooks.status()).status == "ok"
    monkeypatch.setenv("TOGGL_WEBHOOKS_BASE_URL", "http://proxy.test/wh")
    async with TogglClient(api_token=TOKEN) as toggl:
        with aioresponses() as m:
            m.get("http://proxy.test/wh/status", payload={"status": "OK"})
            with pytest.warns(InsecureURLWarning, match="plain http:// to http://proxy.test/wh"):
                assert (await toggl.webhooks.status()).status == "OK"
    with pytest.raises(ConfigurationError, match="webhooks_base_url"):
        TogglClient(api_token=TOKEN, webhooks_base_url="ftp://nope")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"event_filters": []}, ValueError, "must not be empty"),
        ({"event_filters": "time_entry"}, TypeError, "event_filters must be a list"),
        ({"event_filters": [("time entry", "*")]}, ValueError, "letters, digits"),
        ({"event_filters": [("tag", "renamed")]}, ValueError, "must be one of"),
        ({"event_filters": [("tag", "*"), ("tag", "*")]}, ValueError, "repeats"),
        ({"event_filters": [["tag", "*"]]}, TypeError, r"event_filters\[0\]"),
        ({"url_callback": "example.com/hook"}, ValueError, "url_callback"),
        ({"description": " "}, ValueError, "description"),
        ({"enabled": "yes"}, TypeError, "enabled"),
        ({"secret": ""}, ValueError, "secret"),
    ],
)
async def test_bad_arguments_never_reach_the_network(
    toggl: TogglClient, kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    args: dict[str, Any] = {
        "url_callback": "https://a.test/",
        "event_filters": [("tag", "*")],
        "description": "d",
    }
    args.update(kwargs)
    with aioresponses() as m:
        with pytest.raises(error, match=match):
            await toggl.webhooks.create(WID, **args)
        assert not m.requests
    with pytest.raises(TypeError, match="workspace_id"):
        await toggl.webhooks.list("7435584")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="validation_code"):
        await toggl.webhooks.validate(WID, SID, "../../status")

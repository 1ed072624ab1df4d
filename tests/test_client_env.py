"""Base URLs from the environment, as the CLI reads them (issue 10 item 22, the minimal part)."""

from __future__ import annotations

import pytest
from aioresponses import aioresponses

from toggl_async import ConfigurationError, TogglClient

from .helpers import TOKEN, TRACK, me_body, only_call


async def test_base_urls_come_from_the_environment_unless_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TOGGL_TRACK_BASE_URL", "http://127.0.0.1:9/api/v9")
    monkeypatch.setenv("TOGGL_REPORTS_BASE_URL", "http://127.0.0.1:9/reports/api/v3")
    monkeypatch.setenv("TOGGL_FOCUS_BASE_URL", "http://127.0.0.1:9/focus/api")
    async with TogglClient(api_token=TOKEN, focus_api_key="toggl_sk_x") as toggl:
        with aioresponses() as m:
            m.get("http://127.0.0.1:9/api/v9/me", payload=me_body(1))
            await toggl.me.get()
            assert str(only_call(m)[1]) == "http://127.0.0.1:9/api/v9/me"
        with aioresponses() as m:
            m.get(
                "http://127.0.0.1:9/focus/api/organizations/1/workspaces/2/tracking/current",
                status=204,
            )
            assert await toggl.focus.current(1, 2) is None
            only_call(m)
    async with TogglClient(api_token=TOKEN, track_base_url=TRACK) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", payload=me_body(1))
            await toggl.me.get()
            assert str(only_call(m)[1]) == f"{TRACK}/me"


async def test_default_urls_without_the_environment() -> None:
    async with TogglClient(api_token=TOKEN) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", payload=me_body(1))
            await toggl.me.get()
            only_call(m)


def test_a_bad_url_in_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOGGL_REPORTS_BASE_URL", "api.example.com")
    with pytest.raises(ConfigurationError, match="reports_base_url"):
        TogglClient(api_token=TOKEN)

"""Read-only checks against the real Toggl API. Opt-in: they run only with TOGGL_API_TOKEN set.

    TOGGL_API_TOKEN=... pytest -m live

They never write: every call here is a GET.
"""

from __future__ import annotations

import os

import pytest

from toggl_async import TogglClient
from toggl_async.records import Me, TimeEntry

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not os.environ.get("TOGGL_API_TOKEN"), reason="live API tests need TOGGL_API_TOKEN"
    ),
]


async def test_live_me_and_auth() -> None:
    async with TogglClient() as toggl:
        assert await toggl.me.logged() is True
        me = await toggl.me.get()
    assert isinstance(me, Me)
    assert me.id > 0


async def test_live_projects_page_and_current_entry() -> None:
    async with TogglClient() as toggl:
        projects = await toggl.me.iter_projects(per_page=5, limit=5).collect()
        current = await toggl.time_entries.current()
    assert len(projects) <= 5
    assert all(p.id > 0 for p in projects)
    assert current is None or isinstance(current, TimeEntry)

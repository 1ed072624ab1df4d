"""Which quota figure the client keeps when responses carry ``X-Toggl-Quota-*`` headers.

The tracker keeps plain tuples on the request path and builds the public ``Quota`` when
asked (issue 14); these pin the rules that must not change with that: within one window the
lowest ``remaining`` wins, a reset window is replaced outright, and each bucket is its own.
"""

from __future__ import annotations

from aioresponses import aioresponses

from toggl_async import TogglClient

from .helpers import TOKEN, TRACK, me_body, project_body


def _quota(remaining: int, resets_in: int) -> dict[str, str]:
    return {"X-Toggl-Quota-Remaining": str(remaining), "X-Toggl-Quota-Resets-In": str(resets_in)}


async def test_an_older_higher_figure_in_the_same_window_does_not_reopen_the_quota() -> None:
    async with TogglClient(api_token=TOKEN) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", payload=me_body(1), headers=_quota(5, 3600))
            m.get(f"{TRACK}/me", payload=me_body(1), headers=_quota(9, 3600))  # late, stale
            m.get(f"{TRACK}/me", payload=me_body(1), headers=_quota(3, 3500))
            await toggl.me.get()
            first = toggl.quota
            assert first is not None and (first.remaining, first.resets_in) == (5, 3600)
            await toggl.me.get()
            assert toggl.quota is first  # the same figure, not a rebuilt one
            await toggl.me.get()
        now = toggl.quota
        assert now is not None and (now.bucket, now.remaining, now.resets_in) == ("user", 3, 3500)
        assert toggl.quotas == {"user": now}


async def test_a_window_that_has_reset_is_replaced_even_by_a_higher_figure() -> None:
    async with TogglClient(api_token=TOKEN) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", payload=me_body(1), headers=_quota(2, 0))  # resets now
            m.get(f"{TRACK}/me", payload=me_body(1), headers=_quota(100, 3600))
            await toggl.me.get()
            await toggl.me.get()
        assert toggl.quota is not None and toggl.quota.remaining == 100


async def test_each_bucket_keeps_its_own_figure_and_latest_is_the_last_seen() -> None:
    async with TogglClient(api_token=TOKEN) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", payload=me_body(1), headers=_quota(40, 3600))
            m.get(
                f"{TRACK}/workspaces/7/projects/1",
                payload=project_body(1, workspace_id=7),
                headers=_quota(8, 1800),
            )
            m.get(f"{TRACK}/me", payload=me_body(1))  # no headers: nothing changes
            await toggl.me.get()
            await toggl.projects.get(7, 1)
            await toggl.me.get()
        quotas = toggl.quotas
        assert {k: (q.remaining, q.resets_in) for k, q in quotas.items()} == {
            "user": (40, 3600),
            "workspace:7": (8, 1800),
        }
        assert toggl.quota is quotas["workspace:7"]

"""A Track listing page of an unexpected shape is a typed error, never an empty or endless
listing; and a broken-off walk leaves nothing pending behind (no asyncio warnings)."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aioresponses import aioresponses

from toggl_async import DecodeError, Paginator, RetryPolicy, TogglClient

from .helpers import TOKEN, TRACK, project_body

WID = 42
Listing = Callable[[TogglClient], Paginator[Any]]
LISTINGS: dict[str, tuple[str, Listing]] = {
    "keyset": (f"{TRACK}/me/projects/paginated", lambda t: t.me.iter_projects(per_page=2)),
    "offset": (f"{TRACK}/me/tasks", lambda t: t.me.iter_tasks(per_page=2)),
    "numbered": (f"{TRACK}/workspaces/{WID}/projects", lambda t: t.projects.iter(WID, per_page=2)),
    "envelope": (f"{TRACK}/workspaces/{WID}/tasks", lambda t: t.tasks.iter(WID, per_page=2)),
}
LIST_SHAPES = ['{"data": []}', '""', "7", '"[]"', "{}"]
ENVELOPE_SHAPES = ["[]", '{"data": {}}', '{"data": "x"}', '""', "{}"]


@pytest.fixture
async def toggl() -> AsyncIterator[TogglClient]:
    async with TogglClient(api_token=TOKEN, retry=RetryPolicy.never()) as client:
        yield client


def cases() -> list[tuple[str, str]]:
    out = [(name, body) for name in ("keyset", "offset", "numbered") for body in LIST_SHAPES]
    return out + [("envelope", body) for body in ENVELOPE_SHAPES]


@pytest.mark.parametrize(("scheme", "body"), cases())
async def test_a_page_of_the_wrong_shape_is_a_decode_error(
    toggl: TogglClient, scheme: str, body: str
) -> None:
    url, listing = LISTINGS[scheme]
    with aioresponses() as m:
        m.get(re.compile(re.escape(url) + r"\?.*"), body=body)
        with pytest.raises(DecodeError, match="unexpected shape") as info:
            await asyncio.wait_for(listing(toggl).collect(), timeout=10)
    assert url.split("/api/v9")[1] in info.value.url


@pytest.mark.parametrize(
    "items", [[{"id": 1}, {"name": "no id"}], [{"id": 1}, {"id": "2"}], [{"id": 1}, 3]]
)
async def test_keyset_items_without_an_integer_id_are_a_decode_error(
    toggl: TogglClient, items: list[Any]
) -> None:
    url, listing = LISTINGS["keyset"]
    with aioresponses() as m:
        m.get(re.compile(re.escape(url) + r"\?.*"), body=json.dumps(items))
        with pytest.raises(DecodeError, match=r"unexpected shape.*id"):
            await asyncio.wait_for(listing(toggl).collect(), timeout=10)


async def test_breaking_out_leaves_no_task_pending(
    toggl: TogglClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Break out of a walk with a page in flight and drop everything: the loop closes the
    iteration, the request is cancelled, and asyncio has nothing to complain about."""
    url, listing = LISTINGS["keyset"]
    page = json.dumps([project_body(1, 42), project_body(2, 42)])
    caplog.set_level(logging.ERROR, logger="asyncio")
    with aioresponses() as m:
        pattern = re.compile(re.escape(url) + r"\?.*")
        m.get(pattern, body=page)

        async def stall(*_: Any, **__: Any) -> None:
            await asyncio.sleep(3600)  # page 2 never answers

        m.get(pattern, callback=stall)
        async for _ in listing(toggl):
            break
        await asyncio.sleep(0.05)  # the loop runs the generator's finaliser
        gc.collect()
        await asyncio.sleep(0.05)
        pending = [
            t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()
        ]
    assert pending == []
    assert not [r for r in caplog.records if "destroyed but it is pending" in r.getMessage()]

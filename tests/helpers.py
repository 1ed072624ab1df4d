"""Small helpers for aioresponses-based tests, and a real loopback server for the rest."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import web
from aioresponses import aioresponses
from yarl import URL

TRACK = "https://api.track.toggl.com/api/v9"
REPORTS = "https://api.track.toggl.com/reports/api/v3"
FOCUS = "https://focus.toggl.com/api"
DATA = Path(__file__).parent / "data"
TOKEN = "0123456789abcdef0123456789abcdef"


def recorded(name: str) -> list[dict[str, Any]]:
    """The interactions of a recorded exchange copied from shared/recorded into tests/data."""
    interactions: list[dict[str, Any]] = json.loads((DATA / f"{name}.json").read_text())[
        "interactions"
    ]
    return interactions


def recorded_body(name: str, index: int = 0) -> Any:
    body = recorded(name)[index]["response"]["body"]
    return json.loads(body) if body else None


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def serve(handler: Handler) -> AsyncIterator[str]:
    """An HTTP server on a free loopback port answering every path with ``handler``; on
    leaving, handlers still running (a stalled answer) are cancelled, not waited for."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def sent(mock: aioresponses, method: str, url: str) -> list[Any]:
    """The calls aioresponses saw for ``method url`` (query string included in ``url``)."""
    return list(mock.requests.get((method, URL(url)), []))


def only_call(mock: aioresponses) -> tuple[str, URL, dict[str, Any]]:
    """The single request made; fails if there were more or none."""
    calls = [
        (key[0], key[1], call.kwargs) for key, calls in mock.requests.items() for call in calls
    ]
    assert len(calls) == 1, f"expected exactly one request, got {calls}"
    return calls[0]


# -- Minimal bodies with every field Toggl always sends (records refuse a body without them) --


def me_body(id: int = 1, **more: Any) -> dict[str, Any]:
    """A ``GET /me`` body: what every real one has, nothing else."""
    return {
        "id": id,
        "email": "user@example.com",
        "fullname": "A User",
        "timezone": "UTC",
        "default_workspace_id": 1,
        "beginning_of_week": 1,
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
        "at": "2024-01-01T00:00:00Z",
        **more,
    }


def project_body(id: int, workspace_id: int = 1, **more: Any) -> dict[str, Any]:
    """A project body with the fields Toggl always sends."""
    return {
        "id": id,
        "workspace_id": workspace_id,
        "name": f"Project {id}",
        "is_private": False,
        "active": True,
        "at": "2024-01-01T00:00:00Z",
        "color": "#06aaf5",
        **more,
    }


def task_body(id: int, workspace_id: int = 1, project_id: int = 1, **more: Any) -> dict[str, Any]:
    """A task body with the fields Toggl always sends."""
    return {
        "id": id,
        "name": f"Task {id}",
        "workspace_id": workspace_id,
        "project_id": project_id,
        **more,
    }


def entry_body(id: int, workspace_id: int = 1, user_id: int = 1, **more: Any) -> dict[str, Any]:
    """A stopped time entry body with the fields Toggl always sends."""
    return {
        "id": id,
        "workspace_id": workspace_id,
        "user_id": user_id,
        "start": "2024-01-01T09:00:00Z",
        "stop": "2024-01-01T10:00:00Z",
        "duration": 3600,
        "at": "2024-01-01T10:00:00Z",
        **more,
    }


def verbatim_int(number: int) -> Any:
    """An integer the sandbox sends exactly as written, whichever JSON backend it runs with
    (orjson stops at 64 bits unless given the text; stdlib json writes any integer)."""
    try:
        import orjson
    except ImportError:
        return number
    return orjson.Fragment(str(number).encode())

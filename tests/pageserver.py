"""A paging server in its own thread: real sockets, and it keeps serving while the test's
event loop is blocked, so a test can tell a request that is really on the wire from one
that is only scheduled.

It serves one listing of ``total`` records (ids 1..total) through each paging scheme the
client knows (keyset, offset, numbered pages, Reports' header cursor), and notes every
page request as it arrives. ``hostile=True`` makes every route ignore the position and
answer the first page for ever.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiohttp import web

from .helpers import project_body, task_body

WID = 77
KEYSET = "/api/v9/me/projects/paginated"
OFFSET = "/api/v9/me/tasks"
NUMBERED = f"/api/v9/workspaces/{WID}/projects"
TAGS = f"/api/v9/workspaces/{WID}/tags"
ENVELOPE = f"/api/v9/workspaces/{WID}/tasks"
HEADER = f"/reports/api/v3/workspace/{WID}/search/time_entries"


class PageServer:
    """Pages of ``per_page`` over ids 1..total; ``arrivals`` lists (path, page index)."""

    def __init__(self, total: int, per_page: int, *, hostile: bool = False) -> None:
        self.total, self.per_page, self.hostile = total, per_page, hostile
        self.arrivals: list[tuple[str, int]] = []
        self._seen = threading.Condition()
        self.base = ""

    # -- what the test asks ---------------------------------------------------------------

    def wait_for(self, path: str, page: int, timeout: float) -> bool:
        """Block this thread until page ``page`` of ``path`` was requested (or timeout)."""
        with self._seen:
            return self._seen.wait_for(lambda: (path, page) in self.arrivals, timeout)

    def requests_to(self, path: str) -> int:
        with self._seen:
            return sum(1 for p, _ in self.arrivals if p == path)

    # -- serving --------------------------------------------------------------------------

    def _page(self, path: str, index: int) -> list[int]:
        with self._seen:
            self.arrivals.append((path, index))
            self._seen.notify_all()
        if self.hostile:
            index = 0
        first = index * self.per_page + 1
        return list(range(first, min(first + self.per_page, self.total + 1)))

    async def _keyset(self, request: web.Request) -> web.Response:
        start = int(request.query.get("start_project_id") or 1)
        ids = self._page(KEYSET, (start - 1) // self.per_page)
        return web.json_response([project_body(i, WID) for i in ids])

    async def _offset(self, request: web.Request) -> web.Response:
        offset = int(request.query.get("offset") or 0)
        ids = self._page(OFFSET, offset // self.per_page)
        return web.json_response([task_body(i, WID) for i in ids])

    async def _numbered(self, request: web.Request) -> web.Response:
        page = int(request.query.get("page") or 1)
        ids = self._page(NUMBERED, page - 1)
        return web.json_response([project_body(i, WID) for i in ids])

    async def _tags(self, request: web.Request) -> web.Response:
        page = int(request.query.get("page") or 1)
        ids = self._page(TAGS, page - 1)
        return web.json_response([{"id": i, "workspace_id": WID, "name": f"t{i}"} for i in ids])

    async def _envelope(self, request: web.Request) -> web.Response:
        page = int(request.query.get("page") or 1)
        ids = self._page(ENVELOPE, page - 1)
        data = [task_body(i, WID) for i in ids]
        return web.json_response({"data": data, "total_count": self.total})

    async def _header(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        row = int(body.get("first_row_number") or 1)
        ids = self._page(HEADER, (row - 1) // self.per_page)
        rows = [_report_row(i) for i in ids]
        headers = {}
        if ids and ids[-1] < self.total:
            headers["X-Next-Row-Number"] = str(ids[-1] + 1)
        return web.json_response(rows, headers=headers)

    @contextmanager
    def running(self) -> Iterator[PageServer]:
        ready = threading.Event()
        loop = asyncio.new_event_loop()
        runner: list[web.AppRunner] = []

        async def start() -> None:
            app = web.Application()
            app.router.add_get(KEYSET, self._keyset)
            app.router.add_get(OFFSET, self._offset)
            app.router.add_get(NUMBERED, self._numbered)
            app.router.add_get(TAGS, self._tags)
            app.router.add_get(ENVELOPE, self._envelope)
            app.router.add_post(HEADER, self._header)
            run = web.AppRunner(app)
            await run.setup()
            site = web.TCPSite(run, "127.0.0.1", 0)
            await site.start()
            runner.append(run)
            port = run.addresses[0][1]
            self.base = f"http://127.0.0.1:{port}"
            ready.set()

        def serve() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(start())
            loop.run_forever()
            loop.run_until_complete(runner[0].cleanup())
            loop.close()

        thread = threading.Thread(target=serve, name="pageserver", daemon=True)
        thread.start()
        if not ready.wait(10):
            raise RuntimeError("the page server did not start within 10 s")
        try:
            yield self
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)


def _report_row(i: int) -> dict[str, Any]:
    return {
        "user_id": 1,
        "username": "u",
        "billable": False,
        "description": f"e{i}",
        "row_number": i,
        "time_entries": [
            {
                "id": i,
                "seconds": 60,
                "start": "2024-01-02T09:00:00+00:00",
                "stop": "2024-01-02T09:01:00+00:00",
                "at": "2024-01-02T09:01:00+00:00",
            }
        ],
    }

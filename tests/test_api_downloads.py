"""Downloads stream to a file in chunks, with retries, over real sockets (an aiohttp server).

The server sends a body larger than one chunk, cuts the first attempt short when asked,
and answers errors with a body that must never reach the file.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from toggl_async import TogglClient
from toggl_async.errors import BadRequestError, TogglConnectionError
from toggl_async.retry import RetryPolicy

CSV = b"".join(b"2024-01-%02d,entry %d,3600\n" % (i % 28 + 1, i) for i in range(20_000))
"""About 500 KB: several 64 KiB chunks."""


class Server:
    def __init__(self) -> None:
        self.cut_first = 0
        self.fail_with: int | None = None
        self.seen: list[tuple[str, str, Any]] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        self.seen.append((request.method, request.path, json.loads(raw) if raw else None))
        if self.fail_with is not None:
            return web.Response(status=self.fail_with, text="Invalid 'grouping' value")
        response = web.StreamResponse(headers={"Content-Type": "text/csv"})
        response.content_length = len(CSV)
        await response.prepare(request)
        if self.cut_first > 0:
            self.cut_first -= 1
            await response.write(CSV[: len(CSV) // 3])
            assert request.transport is not None
            request.transport.close()
            return response
        for start in range(0, len(CSV), 50_000):
            await response.write(CSV[start : start + 50_000])
        await response.write_eof()
        return response


@pytest.fixture
async def server() -> AsyncIterator[tuple[Server, str]]:
    state = Server()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", state.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield state, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _client(base: str, **options: Any) -> TogglClient:
    return TogglClient(
        api_token="0123456789abcdef0123456789abcdef",
        track_base_url=base + "/api/v9",
        reports_base_url=base + "/reports/api/v3",
        **{"retry": RetryPolicy(backoff_base=0.0, backoff_max=0.0), **options},
    )


async def test_detailed_csv_streams_to_a_path(server: tuple[Server, str], tmp_path: Path) -> None:
    state, base = server
    target = tmp_path / "detailed.csv"
    async with _client(base) as toggl:
        result = await asyncio.wait_for(
            toggl.reports.download_detailed(
                42,
                target,
                start_date=date(2024, 1, 1),
                end_date=date(2024, 1, 31),
                task_ids=[7],
                rounding=True,
                rounding_minutes=15,
            ),
            timeout=30,
        )
    assert target.read_bytes() == CSV
    assert result.path == target
    assert result.bytes_written == len(CSV)
    assert result.content_type == "text/csv"
    method, path, body = state.seen[0]
    assert (method, path) == ("POST", "/reports/api/v3/workspace/42/search/time_entries.csv")
    assert body == {
        "start_date": "2024-01-01",
        "end_date": "2024-01-31",
        "task_ids": [7],
        "rounding": 1,
        "rounding_minutes": 15,
    }
    assert _names(tmp_path) == ["detailed.csv"]  # no temporary left


async def test_a_cut_download_is_retried_from_the_start(
    server: tuple[Server, str], tmp_path: Path
) -> None:
    state, base = server
    state.cut_first = 1
    sink = io.BytesIO(b"kept:")
    sink.seek(0, io.SEEK_END)
    async with _client(base) as toggl:
        result = await asyncio.wait_for(
            toggl.reports.download_summary(
                42, sink, format="xlsx", start_date="2024-01-01", end_date="2024-01-31"
            ),
            timeout=30,
        )
    assert len(state.seen) == 2  # the cut attempt and the retry
    assert sink.getvalue() == b"kept:" + CSV  # the torn first attempt is gone
    assert result.bytes_written == len(CSV)
    assert result.path is None
    assert state.seen[1][1] == "/reports/api/v3/workspace/42/summary/time_entries.xlsx"


async def test_a_failed_download_leaves_no_file(server: tuple[Server, str], tmp_path: Path) -> None:
    state, base = server
    state.cut_first = 5
    target = tmp_path / "export.zip"
    async with _client(base, retry=RetryPolicy(max_attempts=2, backoff_base=0.0)) as toggl:
        with pytest.raises(TogglConnectionError):
            await asyncio.wait_for(toggl.exports.download(42, "abc-123", target), timeout=30)
    assert _names(tmp_path) == []
    assert state.seen[0][:2] == ("GET", "/api/v9/workspaces/42/exports/data/abc-123.zip")


async def test_an_error_body_never_reaches_the_file(server: tuple[Server, str]) -> None:
    state, base = server
    state.fail_with = 400
    sink = io.BytesIO()
    async with _client(base) as toggl:
        with pytest.raises(BadRequestError, match="grouping"):
            await asyncio.wait_for(
                toggl.reports.download_weekly(
                    42, sink, format="pdf", start_date="2024-01-01", end_date="2024-01-07"
                ),
                timeout=30,
            )
    assert sink.getvalue() == b""


class _Pipe(io.RawIOBase):
    """A binary sink that cannot seek (a pipe, a socket)."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.data += bytes(b)
        return len(b)


async def test_a_sink_that_cannot_seek_still_gets_one_clean_copy(
    server: tuple[Server, str],
) -> None:
    state, base = server
    state.cut_first = 1
    pipe = _Pipe()
    async with _client(base) as toggl:
        result = await asyncio.wait_for(toggl.exports.download_mine("u-1", pipe), timeout=30)  # type: ignore[arg-type]
    assert bytes(pipe.data) == CSV
    assert result.bytes_written == len(CSV)


async def test_bad_targets_are_refused_before_sending(
    server: tuple[Server, str], tmp_path: Path
) -> None:
    state, base = server
    async with _client(base) as toggl:
        with pytest.raises(TypeError, match="binary file"):
            await toggl.ical.download("tok", io.StringIO())  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="does not exist"):
            await toggl.ical.download("tok", tmp_path / "missing" / "feed.ics")
        with pytest.raises(ValueError, match="format must be one of"):
            await toggl.reports.download_detailed(
                1, tmp_path / "x", format="docx", start_date="2024-01-01", end_date="2024-01-02"
            )
        with pytest.raises(ValueError, match="rounding_minutes"):
            await toggl.reports.download_detailed(
                1,
                tmp_path / "x",
                rounding_minutes=7,
                start_date="2024-01-01",
                end_date="2024-01-02",
            )
    assert state.seen == []

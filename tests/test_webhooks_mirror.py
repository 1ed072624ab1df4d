"""The live mirror: an export kept current by webhook events, with a receiver outage in the
middle caught up by ``since=`` reads, ends equal to a fresh export."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from toggl_async import RetryPolicy, TogglClient
from toggl_async.export import export_account
from toggl_async.export.tables import JOINED as EXPORT_JOINED
from toggl_async.mirror import Mirror, MirrorError
from toggl_async.testing import Account, Sandbox
from toggl_async.webhooks import HANDLER_KEY, make_app

SECRET = "mirror-secret"
DEADLINE = 20.0
REPORT_ONLY = {"username", "billable_amount_in_cents", "hourly_rate_in_cents", "currency", "extra"}
#: Names the export joins onto time entries (issue 13); the mirror does not maintain them yet.
JOINED = set(EXPORT_JOINED)
TIMES = {"start", "stop", "at"}


def rows(path: Path) -> dict[str, dict[int, dict[str, Any]]]:
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    out: dict[str, dict[int, dict[str, Any]]] = {}
    for table in ("workspaces", "projects", "clients", "tags", "tasks", "time_entries"):
        out[table] = {r["id"]: dict(r) for r in db.execute(f"SELECT * FROM {table}")}
    db.close()
    return out


def comparable(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """What a mirror must reproduce: every column, except what only Reports computes for
    time entries; timestamps as instants (Reports writes local time, Track UTC)."""
    if table != "time_entries":
        return row
    out = {k: v for k, v in row.items() if k not in REPORT_ONLY | JOINED}
    for key in TIMES:
        if out.get(key) is not None:
            out[key] = datetime.fromisoformat(out[key])
    return out


async def serve_receiver(mirror: Mirror, port: int = 0) -> tuple[web.AppRunner, int]:
    app = make_app(SECRET, mirror.on_event, path="/hook")
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    await web.SockSite(runner, sock).start()
    return runner, sock.getsockname()[1]


async def settle(sb: Sandbox, runner: web.AppRunner | None) -> None:
    async with asyncio.timeout(DEADLINE):
        await sb.webhooks.idle()
        if runner is not None:
            await runner.app[HANDLER_KEY].drain()


async def test_mirror_equals_a_fresh_export_after_an_outage(tmp_path: Path) -> None:
    account = Account.preset("tiny", seed=3)
    async with (
        Sandbox(account) as sb,
        TogglClient(
            api_token=sb.api_token,
            track_base_url=sb.track_base_url,
            reports_base_url=sb.reports_base_url,
            webhooks_base_url=sb.webhooks_base_url,
            retry=RetryPolicy(backoff_base=0.0),
        ) as toggl,
    ):
        sb.webhooks.retry_delays = (0.01, 0.01)  # give up fast: the outage loses events
        mirror = Mirror(toggl, tmp_path / "mirror")
        await mirror.open()
        runner, port = await serve_receiver(mirror)
        wids = [int(w["id"]) for w in account.workspaces]
        for wid in wids:
            await toggl.webhooks.create(
                wid,
                url_callback=f"http://127.0.0.1:{port}/hook",
                event_filters=[("*", "*")],
                description="mirror",
                secret=SECRET,
            )
        wid = wids[0]
        client_ids = [int(c["id"]) for c in account.clients if c["wid"] == wid]
        old_entries = [e for e in await toggl.time_entries.list() if e.workspace_id == wid]

        # Live: every change arrives as an event.
        running = await toggl.time_entries.start(wid, description="mirrored timer")
        project = await toggl.projects.create(wid, name="Mirror project")
        doomed = await toggl.projects.create(wid, name="Doomed project")
        await toggl.clients.update(wid, client_ids[0], name="Renamed client")
        tag = await toggl.tags.create(wid, name="mirror-tag")
        await toggl.time_entries.delete(wid, old_entries[0].id)
        await settle(sb, runner)
        assert mirror.applied >= 5

        # Outage: the receiver is down, Toggl gives up on these events.
        await runner.cleanup()
        await toggl.time_entries.stop(wid, running.id)
        await toggl.projects.update(wid, project.id, name="Mirror project (renamed)")
        await toggl.tags.delete(wid, tag.id)
        new_client = await toggl.clients.create(wid, name="Created while down")
        await toggl.time_entries.update(wid, old_entries[1].id, description="edited while down")
        # (Not a project with old entries: Track's since= cannot see entries older than
        # about three months, so a cascade into them during a gap needs a re-export.)
        await toggl.projects.delete(wid, doomed.id)
        await settle(sb, None)
        failed = [d for d in sb.webhooks.deliveries if d.status != 200 and d.model != "ping"]
        assert failed, "the outage must have lost deliveries"

        # Back: catch up with since= reads, then live again.
        runner, _ = await serve_receiver(mirror, port)
        assert await mirror.catch_up() >= 5
        await toggl.clients.update(wid, new_client.id, name="Renamed after the outage")
        entry = await toggl.time_entries.create(
            wid,
            start=datetime.fromisoformat("2026-11-01T09:00:00+00:00"),
            duration=1800,
            description="after",
        )
        await settle(sb, runner)
        await runner.cleanup()
        mirror.close()

        fresh = tmp_path / "fresh"
        await export_account(toggl, fresh, format="sqlite")

    got, want = rows(tmp_path / "mirror" / "toggl.sqlite"), rows(fresh / "toggl.sqlite")
    for table, expected in want.items():
        assert set(got[table]) == set(expected), table
        for row_id, row in expected.items():
            assert comparable(table, got[table][row_id]) == comparable(table, row), (table, row_id)
    assert got["clients"][new_client.id]["name"] == "Renamed after the outage"
    assert entry.id in got["time_entries"] and tag.id not in got["tags"]
    assert old_entries[0].id not in got["time_entries"]
    assert doomed.id not in got["projects"]
    assert got["projects"][project.id]["name"] == "Mirror project (renamed)"


async def test_mirror_ignores_stale_and_foreign_events(tmp_path: Path) -> None:
    from tests.test_webhooks_receiving import EVENTS
    from toggl_async.webhooks import event_from_json

    account = Account.preset("tiny", seed=4)
    async with (
        Sandbox(account) as sb,
        TogglClient(
            api_token=sb.api_token,
            track_base_url=sb.track_base_url,
            reports_base_url=sb.reports_base_url,
        ) as toggl,
    ):
        mirror = Mirror(toggl, tmp_path / "m")
        await mirror.open()
        tag = account.tags[0]
        doc = dict(EVENTS["tag_deleted"])
        doc["metadata"] = {
            **doc["metadata"],
            "action": "updated",
            "tag_id": str(tag["id"]),
            "workspace_id": str(tag["workspace_id"]),
        }
        doc["payload"] = {**tag, "name": "older state", "at": "2001-01-01T00:00:00+00:00"}
        assert not mirror.apply(event_from_json(doc))  # older than the stored row
        doc["payload"] = {**tag, "name": "newer state", "at": "2099-01-01T00:00:00+00:00"}
        assert mirror.apply(event_from_json(doc))
        doc["metadata"] = {**doc["metadata"], "action": "deleted"}
        assert mirror.apply(event_from_json(doc))
        doc["metadata"] = {**doc["metadata"], "action": "updated"}
        assert not mirror.apply(event_from_json(doc))  # a late update cannot resurrect it
        unknown = dict(EVENTS["project_group_created"])
        assert not mirror.apply(event_from_json(unknown))
        mirror.close()
    (tmp_path / "other").mkdir()
    sqlite3.connect(tmp_path / "other" / "toggl.sqlite").execute("CREATE TABLE x (id)").close()
    async with (
        Sandbox(Account.preset("tiny")) as sb,
        TogglClient(api_token=sb.api_token, track_base_url=sb.track_base_url) as toggl,
    ):
        with pytest.raises(MirrorError, match="not a toggl-async SQLite export"):
            await Mirror(toggl, tmp_path / "other").open()

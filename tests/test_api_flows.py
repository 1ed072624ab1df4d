"""Issue 11's user flows on the sandbox (real sockets), through the async client and the
blocking one: report files, the weekly report, organization users and groups, project
users, who is tracking now, an entry for another user, a workspace data export."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal

import toggl_async_sync
from toggl_async import TogglClient
from toggl_async.retry import RetryPolicy
from toggl_async.testing import Account, Sandbox

FAST = RetryPolicy(max_attempts=2, backoff_base=0.0, backoff_max=0.0)


@pytest.fixture(scope="module")
def server() -> Iterator[BlockingPortal]:
    """An event loop in its own thread for the sandbox and the async client."""
    with start_blocking_portal() as portal:
        yield portal


@pytest.fixture
def sandbox(server: BlockingPortal, toggl_account: Account) -> Iterator[Sandbox]:
    sb = Sandbox(toggl_account)
    server.call(sb.start)
    try:
        yield sb
    finally:
        server.call(sb.stop)


def options(sb: Sandbox) -> dict[str, Any]:
    return {
        "api_token": sb.api_token,
        "track_base_url": sb.track_base_url,
        "reports_base_url": sb.reports_base_url,
        "retry": FAST,
        "timeout": 20.0,
    }


class Setup:
    """What the flows act on, read from the sandbox's account."""

    def __init__(self, sb: Sandbox) -> None:
        account = sb.account
        self.org = account.organizations[0]["id"]
        self.ws = next(w["id"] for w in account.workspaces if w["organization_id"] == self.org)
        self.me = account.user_id
        self.other = next(u["id"] for u in account.workspace_users[self.ws] if u["id"] != self.me)
        self.project = next(
            p["id"] for p in account.projects if p["workspace_id"] == self.ws and p["active"]
        )
        now = account.now.date()
        self.last = now.replace(day=1) - timedelta(days=1)
        self.first = self.last.replace(day=1)
        self.week = (self.last - timedelta(days=6), self.last)
        self.expected_rows = sum(
            1 for e in account.time_entries if e["workspace_id"] == self.ws and e["duration"] >= 0
        )
        in_org = [w["id"] for w in account.workspaces if w["organization_id"] == self.org]
        self.org_members = len({u["id"] for w in in_org for u in account.workspace_users[w]})
        mine = account.time_entries.running(self.me)
        self.stops_mine = int(mine is not None and mine["workspace_id"] == self.ws)


def _csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text())))


async def async_flows(sb: Sandbox, tmp: Path) -> dict[str, Any]:
    s = Setup(sb)
    out: dict[str, Any] = {}
    async with TogglClient(**options(sb)) as toggl:
        # last month's detailed report, as CSV and as PDF
        csv_file = await toggl.reports.download_detailed(
            s.ws, tmp / "a.csv", start_date=s.first, end_date=s.last
        )
        pdf_file = await toggl.reports.download_detailed(
            s.ws, tmp / "a.pdf", format="pdf", start_date=s.first, end_date=s.last
        )
        searched = await toggl.reports.iter_time_entries(
            s.ws, start_date=s.first, end_date=s.last
        ).collect()
        out["csv"] = (csv_file.bytes_written, csv_file.content_type, len(searched))
        out["pdf"] = (pdf_file.content_type, (tmp / "a.pdf").read_bytes()[:5])
        # the weekly report
        week = await toggl.reports.weekly(s.ws, start_date=s.week[0], end_date=s.week[1])
        in_week = await toggl.reports.iter_time_entries(
            s.ws, start_date=s.week[0], end_date=s.week[1]
        ).collect()
        out["weekly"] = (sum(sum(r.seconds) for r in week), sum(e.seconds or 0 for e in in_week))
        # organization users with their groups
        group = await toggl.groups.create(
            s.org, name="Night shift", users=[s.other], workspaces=[s.ws]
        )
        users = await toggl.organizations.iter_users(s.org, per_page=2).collect()
        out["groups"] = {u.user_id: [g.name for g in u.groups or []] for u in users}
        out["group_id"] = group.group_id
        # add a user to a project
        added = await toggl.project_users.create(s.ws, project_id=s.project, user_id=s.other)
        listed = await toggl.project_users.list(s.ws, project_ids=str(s.project))
        out["project_users"] = (added.user_id, [pu.user_id for pu in listed])
        # who is tracking now
        running = await toggl.time_entries.start(s.ws, description="on call")
        activity = await toggl.dashboard.all_activity(s.ws)
        out["tracking"] = [(a.user_id, a.description, (a.duration or 0) < 0) for a in activity]
        await toggl.time_entries.stop(s.ws, running.id)
        # an entry for another user
        entry = await toggl.time_entries.create(
            s.ws,
            start=datetime(2024, 5, 6, 9, tzinfo=UTC),
            duration=1800,
            description="for a colleague",
            user_id=s.other,
        )
        out["for_other"] = entry.user_id
        # a workspace data export, downloaded
        token = await toggl.exports.create(s.ws, objects=["time_entries", "projects"])
        states = await toggl.exports.list(s.ws)
        zipped = await toggl.exports.download(s.ws, token, tmp / "export.zip")
        out["export"] = (
            [(r.token, r.state) for r in states],
            token,
            zipped.content_type,
            zipped.bytes_written,
        )
    out["setup"] = s
    return out


def sync_flows(sb: Sandbox, tmp: Path) -> dict[str, Any]:
    s = Setup(sb)
    out: dict[str, Any] = {}
    with toggl_async_sync.TogglClient(**options(sb)) as toggl:
        csv_file = toggl.reports.download_detailed(
            s.ws, tmp / "a.csv", start_date=s.first, end_date=s.last
        )
        pdf_file = toggl.reports.download_detailed(
            s.ws, tmp / "a.pdf", format="pdf", start_date=s.first, end_date=s.last
        )
        searched = toggl.reports.iter_time_entries(
            s.ws, start_date=s.first, end_date=s.last
        ).collect()
        out["csv"] = (csv_file.bytes_written, csv_file.content_type, len(searched))
        out["pdf"] = (pdf_file.content_type, (tmp / "a.pdf").read_bytes()[:5])
        week = toggl.reports.weekly(s.ws, start_date=s.week[0], end_date=s.week[1])
        in_week = toggl.reports.iter_time_entries(
            s.ws, start_date=s.week[0], end_date=s.week[1]
        ).collect()
        out["weekly"] = (sum(sum(r.seconds) for r in week), sum(e.seconds or 0 for e in in_week))
        group = toggl.groups.create(s.org, name="Night shift", users=[s.other], workspaces=[s.ws])
        users = toggl.organizations.iter_users(s.org, per_page=2).collect()
        out["groups"] = {u.user_id: [g.name for g in u.groups or []] for u in users}
        out["group_id"] = group.group_id
        added = toggl.project_users.create(s.ws, project_id=s.project, user_id=s.other)
        listed = toggl.project_users.list(s.ws, project_ids=str(s.project))
        out["project_users"] = (added.user_id, [pu.user_id for pu in listed])
        running = toggl.time_entries.start(s.ws, description="on call")
        activity = toggl.dashboard.all_activity(s.ws)
        out["tracking"] = [(a.user_id, a.description, (a.duration or 0) < 0) for a in activity]
        toggl.time_entries.stop(s.ws, running.id)
        entry = toggl.time_entries.create(
            s.ws,
            start=datetime(2024, 5, 6, 9, tzinfo=UTC),
            duration=1800,
            description="for a colleague",
            user_id=s.other,
        )
        out["for_other"] = entry.user_id
        token = toggl.exports.create(s.ws, objects=["time_entries", "projects"])
        states = toggl.exports.list(s.ws)
        zipped = toggl.exports.download(s.ws, token, tmp / "export.zip")
        out["export"] = (
            [(r.token, r.state) for r in states],
            token,
            zipped.content_type,
            zipped.bytes_written,
        )
    out["setup"] = s
    return out


def check(out: dict[str, Any], tmp: Path) -> None:
    s: Setup = out["setup"]
    written, content_type, searched = out["csv"]
    rows = _csv_rows(tmp / "a.csv")
    assert content_type == "text/csv" and written == (tmp / "a.csv").stat().st_size
    assert searched > 0 and len(rows) == searched + 1  # a header, then one row per entry
    assert out["pdf"] == ("application/pdf", b"%PDF-")
    weekly_total, searched_total = out["weekly"]
    assert weekly_total == searched_total > 0
    assert out["groups"][s.other] == ["Night shift"]
    assert out["groups"][s.me] == []
    assert len(out["groups"]) == s.org_members  # every member once, over pages of 2
    assert out["project_users"] == (s.other, [s.other])
    assert (s.me, "on call", True) in out["tracking"]
    assert out["for_other"] == s.other
    states, token, zip_type, zip_bytes = out["export"]
    assert states == [(token, "completed")]
    assert zip_type == "application/zip" and zip_bytes == (tmp / "export.zip").stat().st_size
    with zipfile.ZipFile(tmp / "export.zip") as archive:
        assert sorted(archive.namelist()) == ["projects.json", "time_entries.json"]
        entries = json.loads(archive.read("time_entries.json"))
    # every stopped entry of the workspace: those it had, the "on call" one, the one for the
    # colleague, and the user's timer that starting "on call" stopped (if one ran)
    stopped = [e for e in entries if e["duration"] >= 0]
    assert len(stopped) == s.expected_rows + 2 + s.stops_mine


def test_flows_through_the_async_client(
    server: BlockingPortal, sandbox: Sandbox, tmp_path: Path
) -> None:
    check(server.call(async_flows, sandbox, tmp_path), tmp_path)


def test_flows_through_the_blocking_client(sandbox: Sandbox, tmp_path: Path) -> None:
    check(sync_flows(sandbox, tmp_path), tmp_path)


def test_the_flows_dates_are_last_month(sandbox: Sandbox) -> None:
    s = Setup(sandbox)
    assert s.first.day == 1 and (s.last + timedelta(days=1)).day == 1
    assert s.last < sandbox.account.now.date() and isinstance(s.first, date)

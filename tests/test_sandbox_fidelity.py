"""The client against a sandbox as strict and as messy as Toggl (issue 15).

Each test runs the SDK (or, where the public API cannot send the request, plain aiohttp)
against a sandbox mode that mirrors something the real API does: strict RFC 3339, the real
plans' quotas, paid-feature 402s with quota headers, shortened Reports ranges, nulls.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from toggl_async import (
    PaymentRequiredError,
    QuotaExceededError,
    RetryPolicy,
    TogglClient,
)
from toggl_async.export import export_account
from toggl_async.testing import Account, Faults, Sandbox

DATA = Path(__file__).parent / "data"
FAST = RetryPolicy(backoff_base=0.0, rate_limit_fallback=0.0, max_attempts=4)
NEVER = RetryPolicy.never()


def connect(sb: Sandbox, **kwargs: Any) -> TogglClient:
    kwargs.setdefault("retry", FAST)
    return TogglClient(
        api_token=sb.api_token,
        track_base_url=sb.track_base_url,
        reports_base_url=sb.reports_base_url,
        focus_base_url=sb.focus_base_url,
        **kwargs,
    )


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    authorization: str | None,
    **kwargs: Any,
) -> tuple[int, Any, Any]:
    """One raw request: (status, headers, JSON body or raw bytes)."""
    headers = {} if authorization is None else {"Authorization": authorization}
    async with http.request(method, url, headers=headers, **kwargs) as response:
        raw = await response.read()
        body = json.loads(raw) if raw and "json" in response.content_type else raw
        return response.status, response.headers, body


def ws_of(sb: Sandbox, *, premium: bool) -> int:
    return int(next(w["id"] for w in sb.account.workspaces if w["premium"] is premium))


# -- item 2: RFC 3339 as Go parses it ------------------------------------------------------------

BAD_STAMPS = [
    "2026-11-01T00:00Z",  # no seconds
    "2026-11-01T00Z",  # no minutes
    "20261101T000000Z",  # basic format
    "2026-11-01T00:00:00+0000",  # offset without colon
    "2026-11-01T00:00:00",  # no zone
    "2026-11-01 00:00:00Z",  # space instead of T
]


@pytest.mark.parametrize("stamp", BAD_STAMPS)
async def test_time_entry_timestamps_must_be_rfc3339(
    toggl_sandbox: Sandbox, http: aiohttp.ClientSession, stamp: str
) -> None:
    sb = toggl_sandbox
    wid = ws_of(sb, premium=True)
    url = f"{sb.track_base_url}/workspaces/{wid}/time_entries"
    body = {"created_with": "test", "workspace_id": wid, "start": stamp, "duration": 60}
    status, _, message = await call(http, "POST", url, authorization=sb.auth_header(), json=body)
    assert status == 400
    assert message == f'Invalid start: parsing time "{stamp}" as "2006-01-02T15:04:05Z07:00"'
    good = {**body, "start": "2026-11-01T00:00:00Z", "stop": stamp}
    status, _, message = await call(http, "POST", url, authorization=sb.auth_header(), json=good)
    assert status == 400 and str(message).startswith("Invalid stop: parsing time")
    listing = f"{sb.track_base_url}/me/time_entries"
    params = {"start_date": stamp, "end_date": "2026-11-02"}
    status, _, message = await call(
        http, "GET", listing, authorization=sb.auth_header(), params=params
    )
    assert status == 400 and str(message).startswith("Invalid start_date: parsing time")


@pytest.mark.parametrize(
    "stamp", ["2026-11-01T00:00:00Z", "2026-11-01T02:00:00+02:00", "2026-11-01T00:00:00.25Z"]
)
async def test_rfc3339_with_offset_or_fraction_is_accepted(
    toggl_sandbox: Sandbox, http: aiohttp.ClientSession, stamp: str
) -> None:
    sb = toggl_sandbox
    wid = ws_of(sb, premium=True)
    url = f"{sb.track_base_url}/workspaces/{wid}/time_entries"
    body = {"created_with": "test", "workspace_id": wid, "start": stamp, "duration": 60}
    status, _, entry = await call(http, "POST", url, authorization=sb.auth_header(), json=body)
    assert status == 200
    assert entry["start"] == "2026-11-01T00:00:00Z"


async def test_client_timestamps_pass_the_strict_sandbox(toggl_sandbox: Sandbox) -> None:
    """create/update/start/list with aware datetimes in any zone, with microseconds."""
    sb = toggl_sandbox
    wid = ws_of(sb, premium=True)
    berlin = timezone(timedelta(hours=1))
    start = datetime(2026, 11, 1, 9, 30, 15, 123456, tzinfo=berlin)
    async with connect(sb) as toggl:
        created = await toggl.time_entries.create(wid, start=start, stop=start + timedelta(hours=1))
        assert created.start == start.replace(microsecond=0)
        moved = start + timedelta(minutes=5, microseconds=999)
        updated = await toggl.time_entries.update(
            wid, created.id, start=moved, stop=moved + timedelta(minutes=30)
        )
        assert updated.start == moved.replace(microsecond=0)
        assert updated.duration == 1800
        running = await toggl.time_entries.start(wid, description="strict clock")
        assert running.is_running
        now = sb.now()
        recent = await toggl.time_entries.list(
            start_date=now - timedelta(days=1, microseconds=5), end_date=now + timedelta(hours=1)
        )
        assert running.id in {e.id for e in recent}
    sent = [r for r in sb.requests if r.method in ("POST", "PUT") and r.body]
    stamps = [json.loads(r.body or b"{}").get("start") for r in sent]
    assert stamps and all(s.endswith("Z") and len(s) == 20 for s in stamps)


# -- item 3: the real plans' quotas ---------------------------------------------------------------


async def test_free_plan_has_separate_user_and_organization_buckets(
    toggl_sandbox_factory: Any,
) -> None:
    sb: Sandbox = await toggl_sandbox_factory(faults=Faults(plan="free"))
    wid = ws_of(sb, premium=True)
    async with connect(sb, retry=NEVER) as toggl:
        for _ in range(30):
            await toggl.me.logged()
        user = toggl.quotas["user"]
        assert user.remaining == 0 and 3500 < user.resets_in <= 3600
        with pytest.raises(QuotaExceededError) as spent:
            await toggl.me.get()
        assert spent.value.status == 402 and spent.value.resets_in is not None
        # The organization's bucket is untouched by /me calls (and has 30 on Free, too).
        await toggl.workspaces.get(wid)
        assert toggl.quotas[f"workspace:{wid}"].remaining == 29
    me_calls = [r for r in sb.requests if r.path.startswith("/api/v9/me")]
    assert [r.status for r in me_calls] == [200] * 30  # the 31st was never sent: known spent


@pytest.mark.parametrize(("plan", "org_total"), [("starter", 240), ("premium", 600)])
async def test_paid_plans_raise_the_organization_quota_only(
    toggl_sandbox_factory: Any, plan: str, org_total: int
) -> None:
    sb: Sandbox = await toggl_sandbox_factory(faults=Faults(plan=plan))
    wid = ws_of(sb, premium=True)
    async with connect(sb, retry=NEVER) as toggl:
        buckets = {b.organization_id: b for b in await toggl.me.quota()}
        await toggl.workspaces.get(wid)
        assert toggl.quotas[f"workspace:{wid}"].remaining == org_total - 1
    assert buckets[None].total == 30 and buckets[None].remaining == 29
    orgs = [o["id"] for o in sb.account.organizations]
    assert {buckets[o].total for o in orgs} == {org_total}


async def test_short_window_resets_and_a_patient_client_waits(
    toggl_sandbox_factory: Any,
) -> None:
    """The Free preset with a 4-second window: spend it, then a waiting client gets through."""
    sb: Sandbox = await toggl_sandbox_factory(faults=Faults(plan="free", quota_window=4.0))
    async with connect(sb, retry=NEVER) as toggl:
        async with asyncio.timeout(30):
            with pytest.raises(QuotaExceededError) as spent:
                while True:  # 30 requests, or more if a window rolls over meanwhile
                    await toggl.me.logged()
    assert spent.value.resets_in is not None and spent.value.resets_in <= 4
    patient = RetryPolicy(backoff_base=0.0, wait_for_quota=True, max_quota_wait=10)
    async with connect(sb, retry=patient) as toggl, asyncio.timeout(30):
        assert await toggl.me.logged()


def test_unknown_plan_and_bad_window_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown quota plan 'gold'"):
        Faults(plan="gold")
    with pytest.raises(ValueError, match="quota_window must be positive"):
        Faults(plan="free", quota_window=0)


# -- item 4: paid-feature 402s with quota headers ---------------------------------------------


async def test_paid_feature_402_can_carry_quota_headers_with_requests_left(
    toggl_sandbox_factory: Any, http: aiohttp.ClientSession
) -> None:
    sb: Sandbox = await toggl_sandbox_factory(faults=Faults(plan="free", quota_headers_on_402=True))
    wid = ws_of(sb, premium=False)
    pid = next(p["id"] for p in sb.account.projects if p["workspace_id"] == wid)
    url = f"{sb.track_base_url}/workspaces/{wid}/projects/{pid}"
    status, headers, message = await call(
        http, "PUT", url, authorization=sb.auth_header(), json={"color": "#123456"}
    )
    assert status == 402
    assert message == "Custom project colors available only for premium plans"
    assert int(headers["X-Toggl-Quota-Remaining"]) == 29
    assert int(headers["X-Toggl-Quota-Resets-In"]) > 0


async def test_client_tells_a_paid_feature_402_from_a_spent_quota(
    toggl_sandbox_factory: Any,
) -> None:
    sb: Sandbox = await toggl_sandbox_factory(faults=Faults(plan="free", quota_headers_on_402=True))
    wid = ws_of(sb, premium=False)
    pid = next(p["id"] for p in sb.account.projects if p["workspace_id"] == wid)
    patient = RetryPolicy(backoff_base=0.0, wait_for_quota=True, max_quota_wait=1.0)
    async with connect(sb, retry=patient) as toggl, asyncio.timeout(30):
        with pytest.raises(PaymentRequiredError) as info:
            await toggl.projects.update(wid, pid, color="#123456")
    assert not isinstance(info.value, QuotaExceededError), "a paid-feature 402 read as quota"
    assert len([r for r in sb.requests if r.method == "PUT"]) == 1  # never retried


# -- item 6: auth first, and malformed ids ----------------------------------------------------


async def test_unknown_route_without_credentials_is_403_first(
    toggl_sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    sb = toggl_sandbox
    for url in (f"{sb.track_base_url}/no/such/route", f"{sb.reports_base_url}/nothing"):
        status, _, _ = await call(http, "GET", url, authorization=None)
        assert status == 403
        status, _, body = await call(http, "GET", url, authorization=sb.auth_header())
        assert (status, body) == (404, "Not Found")
    focus = f"{sb.focus_base_url}/organizations/1/nothing"
    assert (await call(http, "GET", focus, authorization=None))[0] == 401


async def test_malformed_ids_in_reports_and_focus_paths(
    toggl_sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    sb = toggl_sandbox
    url = f"{sb.reports_base_url}/workspace/abc/search/time_entries"
    status, _, body = await call(http, "POST", url, authorization=sb.auth_header(), json={})
    assert (status, body) == (400, "Invalid or missing workspace_id")
    focus = f"{sb.focus_base_url}/organizations/x1/workspaces/2/tracking/current"
    assert (await call(http, "GET", focus, authorization=None))[0] == 401
    status, _, body = await call(http, "GET", focus, authorization=sb.focus_auth_header())
    assert (status, body) == (400, "Invalid or missing organization_id")


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/me/time_entries/abc", "time_entry_id"),
        ("/workspaces/abc", "workspace_id"),
        ("/workspaces/abc/projects", "workspace_id"),
        ("/workspaces/{wid}/projects/1e3", "project_id"),
        ("/workspaces/{wid}/time_entries/x/stop", "time_entry_id"),
        ("/workspaces/{wid}/clients/-5", "client_id"),
    ],
)
async def test_non_numeric_id_is_400_invalid_or_missing(
    toggl_sandbox: Sandbox, http: aiohttp.ClientSession, path: str, name: str
) -> None:
    sb = toggl_sandbox
    method = "PATCH" if path.endswith("/stop") else "GET"
    url = sb.track_base_url + path.format(wid=ws_of(sb, premium=True))
    status, _, body = await call(http, method, url, authorization=sb.auth_header())
    assert (status, body) == (400, f"Invalid or missing {name}")
    status, _, _ = await call(http, method, url, authorization=None)
    assert status == 403


# -- item 5: Reports ranges and cursors ---------------------------------------------------------


async def test_long_report_range_is_shortened_and_reported_in_x_range(
    toggl_sandbox_factory: Any, http: aiohttp.ClientSession
) -> None:
    sb: Sandbox = await toggl_sandbox_factory(reports_long_range="shorten")
    wid = ws_of(sb, premium=True)
    url = f"{sb.reports_base_url}/workspace/{wid}/search/time_entries"
    body = {"start_date": "2023-01-01", "end_date": "2024-12-31", "page_size": 50}
    status, headers, rows = await call(http, "POST", url, authorization=sb.auth_header(), json=body)
    assert status == 200
    assert (headers["X-Range-Start"], headers["X-Range-End"]) == ("2023-01-01", "2024-01-01")
    assert rows and all(e["start"][:10] <= "2024-01-01" for r in rows for e in r["time_entries"])
    strict: Sandbox = await toggl_sandbox_factory()  # the default refuses instead
    url = f"{strict.reports_base_url}/workspace/{wid}/search/time_entries"
    status, _, message = await call(
        http, "POST", url, authorization=strict.auth_header(), json=body
    )
    assert status == 400 and "at most 366 days" in message


async def test_client_never_loses_entries_to_a_shortened_range(
    toggl_sandbox_factory: Any,
) -> None:
    """The server accepts only 100 days and shortens silently, as Toggl may: every entry of
    the 300 days asked for must still arrive, exactly once (the client searches the days the
    server left out)."""
    whole: Sandbox = await toggl_sandbox_factory()
    wid = ws_of(whole, premium=True)
    last = whole.now().date()
    first = last - timedelta(days=300)
    async with connect(whole) as toggl:
        expected = [e.id async for e in toggl.reports.iter_time_entries(
            wid, start_date=first, end_date=last)]  # fmt: skip
    assert len(expected) > 100
    short: Sandbox = await toggl_sandbox_factory(
        account=whole.account, reports_max_range_days=100, reports_long_range="shorten"
    )
    async with connect(short) as toggl:
        got = [e.id async for e in toggl.reports.iter_time_entries(
            wid, start_date=first, end_date=last)]  # fmt: skip
    assert sorted(got) == sorted(expected), f"{len(expected) - len(got)} entries lost silently"


async def test_first_id_with_first_row_number_returns_no_rows(
    toggl_sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    sb = toggl_sandbox
    wid = ws_of(sb, premium=True)
    url = f"{sb.reports_base_url}/workspace/{wid}/search/time_entries"
    last = sb.now().date()
    body: dict[str, Any] = {"start_date": str(last - timedelta(days=300)), "end_date": str(last)}
    status, headers, first_page = await call(
        http, "POST", url, authorization=sb.auth_header(), json=body
    )
    assert status == 200 and len(first_page) == 50
    follow = {**body, "first_row_number": int(headers["X-Next-Row-Number"])}
    status, _, second = await call(http, "POST", url, authorization=sb.auth_header(), json=follow)
    assert status == 200 and len(second) == 50
    both = {**follow, "first_id": int(headers["X-Next-ID"])}
    status, headers, rows = await call(http, "POST", url, authorization=sb.auth_header(), json=both)
    assert (status, rows) == (200, [])
    assert "X-Next-Row-Number" not in headers


async def test_client_report_pages_never_send_first_id(toggl_sandbox: Sandbox) -> None:
    sb = toggl_sandbox
    wid = ws_of(sb, premium=True)
    last = sb.now().date()
    async with connect(sb) as toggl:
        ids = [e.id async for e in toggl.reports.iter_time_entries(
            wid, start_date=last - timedelta(days=300), end_date=last)]  # fmt: skip
    assert len(ids) == len(set(ids)) > 150
    bodies = [json.loads(r.body or b"{}") for r in sb.requests if "search" in r.path]
    assert any("first_row_number" in b for b in bodies)
    assert not any("first_id" in b for b in bodies)


# -- item 1: the nulls Toggl sends, and the messiest account ------------------------------------


async def test_recorded_nulls_single_project_and_workspace(toggl_sandbox: Sandbox) -> None:
    sb = toggl_sandbox
    wid = ws_of(sb, premium=True)
    async with connect(sb) as toggl:
        listed = [p async for p in toggl.projects.iter(wid)]
        tracked = next(p for p in listed if p.actual_seconds)
        assert tracked.actual_hours is not None
        # Some untracked projects list nulls, others 0 (both recorded).
        assert any(p.actual_seconds is None for p in listed)
        one = await toggl.projects.get(wid, tracked.id)
        assert (one.actual_hours, one.actual_seconds) == (None, None)
        renamed = await toggl.projects.update(wid, tracked.id, name="Renamed by the test")
        assert (renamed.actual_hours, renamed.actual_seconds) == (None, None)
        relisted = {p.id: p for p in [p async for p in toggl.projects.iter(wid)]}
        assert relisted[tracked.id].actual_seconds == tracked.actual_seconds  # lists keep it
        workspace = await toggl.workspaces.get(wid)
        assert workspace.last_modified is None
        listed_ws = {w.id: w for w in await toggl.me.workspaces()}
        assert listed_ws[wid].last_modified is not None


def _spec_nullable(name: str, model: str) -> set[str]:
    spec = json.loads((DATA / "openapi" / name).read_text(encoding="utf-8"))
    props = spec["definitions"][model]["properties"]
    return {field for field, schema in props.items() if schema.get("x-nullable")}


def test_messy_mode_covers_every_field_the_specification_marks_nullable() -> None:
    from toggl_async.testing._nulls import NULLABLE

    track = "toggl-track-api-v9.swagger.json"
    models = "github_com_toggl_toggl_api_internal_models."
    assert _spec_nullable(track, models + "Project") <= NULLABLE["project"]
    assert _spec_nullable(track, models + "TimeEntry") <= NULLABLE["time_entry"]
    assert _spec_nullable(track, "models.Task") <= NULLABLE["task"]
    assert _spec_nullable("toggl-reports-v3.swagger.json", "models.Task") <= NULLABLE["task"]


async def test_client_reads_the_messiest_account(toggl_sandbox_factory: Any) -> None:
    """``null_optional=True``: every nullable field null in every answer; every listing the
    client has still decodes, and the nulls arrive as None (nothing invented, nothing lost)."""
    sb: Sandbox = await toggl_sandbox_factory(null_optional=True)
    wid = ws_of(sb, premium=True)
    last = sb.now().date()
    async with connect(sb) as toggl, asyncio.timeout(60):
        me = await toggl.me.get(with_related_data=True)
        projects = [p async for p in toggl.me.iter_projects()]
        ws_projects = [p async for p in toggl.projects.iter(wid)]
        tasks = [t async for t in toggl.me.iter_tasks()] + await toggl.me.tasks(meta=True)
        ws_tasks = [t async for t in toggl.tasks.iter(wid)]
        entries = await toggl.time_entries.list()
        current = await toggl.time_entries.current()
        one = await toggl.time_entries.get(entries[-1].id, meta=True)
        clients = await toggl.me.clients() + await toggl.clients.list(wid)
        tags = await toggl.me.tags() + [t async for t in toggl.tags.iter(wid)]
        workspaces = await toggl.me.workspaces() + [await toggl.workspaces.get(wid)]
        rows = [r async for r in toggl.reports.iter_time_entries(
            wid, start_date=last - timedelta(days=200), end_date=last)]  # fmt: skip
        await toggl.me.organizations()
        await toggl.me.projects(include_archived=True)
    assert me.country_id is None and me.openid_email is None
    assert len(projects) == len([p for p in sb.account.projects if not p["server_deleted_at"]])
    for project in projects + ws_projects:
        assert project.billable is None and project.client_id is None
        assert project.actual_seconds is None and project.currency is None
    assert tasks and ws_tasks and all(t.user_id is None for t in tasks + ws_tasks)
    assert entries and all(e.project_id is None and e.description is None for e in entries)
    assert all(e.tags is None and e.tag_ids is None for e in entries)
    assert current is not None and current.is_running and current.stop is None
    assert one.project_id is None and one.task_id is None
    assert clients and all(c.notes is None for c in clients)
    assert tags and workspaces and all(w.last_modified is None for w in workspaces)
    assert rows and all(r.project_id is None and r.task_id is None for r in rows)
    stopped = [e for e in entries if e.id != current.id]
    assert stopped and all(e.stop is not None for e in stopped)  # stop is never nulled


async def test_export_of_the_messiest_account_keeps_every_entry(
    toggl_sandbox_factory: Any, tmp_path: Path
) -> None:
    sb: Sandbox = await toggl_sandbox_factory(
        account=Account.preset("tiny", seed=3), null_optional=True
    )
    async with connect(sb) as toggl, asyncio.timeout(60):
        summary = await export_account(toggl, tmp_path / "out")
    lines = (tmp_path / "out" / "time_entries.jsonl").read_text(encoding="utf-8").splitlines()
    exported = {json.loads(line)["id"] for line in lines}
    assert summary.entries == len(exported) == len(sb.account.time_entries)
    assert exported == set(sb.account.time_entries.ids())


# -- issue 10 item 21: the banner counts what an export sees; --plan / --sandbox-plan ------------

CLI = (sys.executable, "-m", "toggl_async.cli")
BANNER = re.compile(r"Account\s+(\d+) workspaces, (\d+) projects, (\d+) time entries")


def _cli_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("TOGGL_")}


async def test_sandbox_banner_counts_match_what_the_client_lists() -> None:
    process = await asyncio.create_subprocess_exec(
        *CLI, "sandbox", "--port", "0", "--size", "small", "--plan", "free",
        stdout=asyncio.subprocess.PIPE, env=_cli_env(),
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines: list[str] = []
        async with asyncio.timeout(60):
            while not lines or not lines[-1].startswith("Press Ctrl+C"):
                lines.append((await process.stdout.readline()).decode())
                assert lines[-1], "the sandbox exited before printing its banner"
        text = "".join(lines)
        base = re.search(r"listening on (\S+)", text)
        counts = BANNER.search(text)
        assert base is not None and counts is not None and "plan=free" in text
        workspaces, projects, entries = (int(n) for n in counts.groups())
        url = base.group(1)
        async with TogglClient(
            api_token="sandbox-token",
            track_base_url=url + "/api/v9",
            reports_base_url=url + "/reports/api/v3",
            retry=NEVER,
        ) as toggl:
            quota = {b.organization_id: b.total for b in await toggl.me.quota()}
            listed = await toggl.me.workspaces()
            seen = 0
            for ws in listed:
                seen += len([p async for p in toggl.projects.iter(ws.id)])
    finally:
        process.terminate()
        async with asyncio.timeout(30):
            await process.wait()
    assert (workspaces, projects) == (len(listed), seen)
    assert entries == len(Account.preset("small", seed=1).time_entries)
    assert set(quota.values()) == {30}  # the Free plan: 30 for /me and for each organization


async def test_export_sandbox_plan_free_runs_out_of_quota(tmp_path: Path) -> None:
    """``export --sandbox --sandbox-plan free``: the small account needs more than 30 requests
    in its first organization, so ``--no-wait`` stops with the quota exit code (4)."""
    process = await asyncio.create_subprocess_exec(
        *CLI, "export", str(tmp_path / "out"), "--sandbox", "--sandbox-size", "small",
        "--sandbox-plan", "free", "--no-wait", "-q",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=_cli_env(),
    )  # fmt: skip
    async with asyncio.timeout(120):
        _, err = await process.communicate()
    assert process.returncode == 4, err.decode()
    assert "quota" in err.decode()

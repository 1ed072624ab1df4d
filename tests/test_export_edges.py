"""Export branches no other test ran (issue 16): crashes while assembling, a refused workspace,
the running entry stopped mid-export, damaged part files, the organization quota bucket, and
the CLI's SIGTERM and exit 1.

Written against the public behaviour (``export_account``, the CLI, the files it writes), so
the tests hold while the engine's insides change. A *proxy* in front of the sandbox plays the
part of Toggl misbehaving at one precise moment.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import aiohttp
import pytest
from aiohttp import web

import toggl_async.export.sink_parts as sink_parts
import toggl_async.export.sink_sqlite as sink_sqlite
from toggl_async import QuotaExceededError, RetryPolicy, TogglAPIError, TogglClient, TogglError
from toggl_async.export import ExportStateError, export_account
from toggl_async.limits import quota_bucket
from toggl_async.testing import Account, Faults, Sandbox

from .test_export import (
    assert_matches,
    client_for,
    data_bytes,
    export_from,
    read_export,
    tiny,
)

DEADLINE = 120.0
"""Seconds any one wait in these tests may take before the test fails."""

SandboxFactory = Callable[..., Awaitable[Sandbox]]
Hook = Callable[[web.Request], Awaitable[web.StreamResponse | None]]


class Proxy:
    """Forwards to a sandbox; ``before``/``after`` hooks may answer or act on the way."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.before: Hook | None = None
        self.after: Callable[[web.Request], Awaitable[None]] | None = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.base_url = ""

    async def __aenter__(self) -> Proxy:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        self._session = aiohttp.ClientSession(auto_decompress=False)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._session is not None and self._runner is not None
        await self._session.close()
        await self._runner.cleanup()

    @property
    def track_base_url(self) -> str:
        return self.base_url + self.sandbox.track_base_url[len(self.sandbox.base_url) :]

    @property
    def reports_base_url(self) -> str:
        return self.base_url + self.sandbox.reports_base_url[len(self.sandbox.base_url) :]

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        if self.before is not None:
            answer = await self.before(request)
            if answer is not None:
                return answer
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        async with self._session.request(
            request.method,
            self.sandbox.base_url + request.path_qs,
            headers=headers,
            data=await request.read(),
            allow_redirects=False,
        ) as upstream:
            body = await upstream.read()
            response = web.Response(
                status=upstream.status,
                body=body,
                headers={
                    k: v
                    for k, v in upstream.headers.items()
                    if k.lower() not in ("content-length", "transfer-encoding", "connection")
                },
            )
        if self.after is not None:
            await self.after(request)
        return response


def proxied_client(proxy: Proxy, **kwargs: Any) -> TogglClient:
    return TogglClient(
        api_token=proxy.sandbox.api_token,
        track_base_url=proxy.track_base_url,
        reports_base_url=proxy.reports_base_url,
        retry=kwargs.pop("retry", RetryPolicy(backoff_base=0.01, backoff_max=0.05)),
        **kwargs,
    )


def running_entry(account: Account) -> dict[str, Any]:
    [entry] = [e for e in account.time_entries if e["stop"] is None]
    return entry


# -- a crash while assembling ------------------------------------------------------------------


SINK_MODULES = {"jsonl": sink_parts, "csv": sink_parts, "sqlite": sink_sqlite}
"""Where each format moves its finished files into place (``os.replace``)."""


class Crash(Exception):
    """Stands for the process dying at this point (the next run sees what it left)."""


class _CrashingOs(ModuleType):
    """``os`` for the sinks module, with a ``replace`` that dies before or after call ``n``."""

    def __init__(self, n: int, when: str) -> None:
        super().__init__("os")
        self.calls = 0
        self.n = n
        self.when = when

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    def replace(self, src: Any, dst: Any) -> None:
        self.calls += 1
        if self.calls == self.n and self.when == "before":
            raise Crash(f"before moving {dst}")
        os.replace(src, dst)
        if self.calls == self.n and self.when == "after":
            raise Crash(f"after moving {dst}")


@pytest.mark.parametrize(
    ("fmt", "n", "when"),
    [
        ("jsonl", 1, "before"),  # nothing final yet
        ("jsonl", 3, "after"),  # three files final, the rest not
        ("csv", 6, "after"),  # every file final, the manifest not
        ("sqlite", 1, "before"),  # tables finalised, the database not moved
        ("sqlite", 1, "after"),  # the database in place, the checkpoint not updated
    ],
)
async def test_a_crash_while_assembling_is_resumed_to_the_same_bytes(
    toggl_sandbox_factory: SandboxFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
    n: int,
    when: str,
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny())
    await export_from(sandbox, tmp_path / "ref", format=fmt)
    out = tmp_path / "out"
    crashing = _CrashingOs(n, when)
    with monkeypatch.context() as patch:
        patch.setattr(SINK_MODULES[fmt], "os", crashing)
        with pytest.raises(Crash):
            await export_from(sandbox, out, format=fmt)
    assert crashing.calls == n
    assert not (out / "manifest.json").exists()
    requests_before = sandbox.request_count
    summary = await export_from(sandbox, out)  # the format comes from the checkpoint
    assert summary.runs == 2
    # Only the token check: nothing is read again once every listing is done.
    assert sandbox.request_count - requests_before <= 2
    assert data_bytes(out, fmt) == data_bytes(tmp_path / "ref", fmt)
    assert_matches(sandbox.account, read_export(out, fmt))
    assert (out / "manifest.json").exists()
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


# -- a workspace whose listing is refused -----------------------------------------------------


async def test_a_workspace_whose_entries_are_refused_is_skipped_and_said(
    toggl_sandbox_factory: SandboxFactory, tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny())
    kept, refused = (ws["id"] for ws in sandbox.account.workspaces)

    async def refuse(request: web.Request) -> web.Response | None:
        if f"/workspace/{refused}/search/time_entries" in request.path:
            return web.json_response("Forbidden: not a workspace admin", status=403)
        return None

    async with Proxy(sandbox) as proxy:
        proxy.before = refuse
        async with proxied_client(proxy, max_concurrency=16) as client:
            try:
                summary = await export_account(client, tmp_path)
            except TogglError as exc:  # also acceptable: the export refuses to look complete
                error: TogglError | None = exc
            else:
                error = None
    if error is not None:
        # A deliberate refusal naming the workspace, not the raw 403 escaping.
        assert not isinstance(error, TogglAPIError), error
        assert str(refused) in str(error)
        return
    said = [w for w in summary.warnings if str(refused) in w and "time_entries" in w]
    assert said, summary.warnings
    manifest = (tmp_path / "manifest.json").read_text()
    assert str(refused) in manifest and "403" in manifest
    rows = read_export(tmp_path, "jsonl")
    entries = {r["id"] for r in rows["time_entries"]}
    account = sandbox.account
    assert entries == {
        e["id"]
        for e in account.time_entries
        if e["workspace_id"] == kept or e["stop"] is None  # the running one comes from Track
    } - {e["id"] for e in account.time_entries if e["workspace_id"] == refused and e["stop"]}
    # The refused workspace's other objects are there: only its entries were refused.
    assert {p["workspace_id"] for p in rows["projects"]} == {kept, refused}


# -- the running entry stops during the export -------------------------------------------------


async def test_the_running_entry_stopped_mid_export_is_written_once_as_reports_lists_it(
    toggl_sandbox_factory: SandboxFactory, tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny())
    entry = running_entry(sandbox.account)
    stopped = asyncio.Event()

    async def stop_after_current(request: web.Request) -> None:
        """The export has just been told the entry runs: stop it before anything else."""
        if request.path.endswith("/me/time_entries/current") and not stopped.is_set():
            async with aiohttp.ClientSession() as session:
                url = (
                    f"{sandbox.track_base_url}/workspaces/{entry['workspace_id']}"
                    f"/time_entries/{entry['id']}/stop"
                )
                async with session.patch(
                    url, headers={"Authorization": sandbox.auth_header()}
                ) as response:
                    assert response.status == 200, await response.text()
            stopped.set()

    async with Proxy(sandbox) as proxy:
        proxy.after = stop_after_current
        async with proxied_client(proxy, max_concurrency=16) as client:
            await export_account(client, tmp_path)
    assert stopped.is_set()
    rows = [r for r in read_export(tmp_path, "jsonl")["time_entries"] if r["id"] == entry["id"]]
    assert len(rows) == 1, rows
    [row] = rows
    assert row["stop"] is not None and row["seconds"] and row["seconds"] > 0
    assert_matches(sandbox.account, read_export(tmp_path, "jsonl"))


async def test_the_running_entry_still_running_is_written_from_track(
    toggl_sandbox_factory: SandboxFactory, tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny())
    entry = running_entry(sandbox.account)
    await export_from(sandbox, tmp_path)
    rows = [r for r in read_export(tmp_path, "jsonl")["time_entries"] if r["id"] == entry["id"]]
    assert len(rows) == 1
    assert rows[0]["stop"] is None and rows[0]["seconds"] is None


# -- damaged part files ------------------------------------------------------------------------


async def _interrupted_export(sandbox: Sandbox, out: Path) -> list[Path]:
    """An export stopped by a spent quota (no waiting), and its non-empty part files."""
    sandbox.faults.quota = (15, 30.0)
    no_wait = RetryPolicy(max_attempts=3, backoff_base=0.01, wait_for_quota=False)
    with pytest.raises(QuotaExceededError):
        await export_from(sandbox, out, retry=no_wait, concurrency=2)
    sandbox.faults.quota = None
    return _part_files(out)


def _part_files(out: Path) -> list[Path]:
    """Data files in the export's work folder (not the checkpoint, not the lock)."""
    work = [p for p in out.iterdir() if p.is_dir()]
    assert work, "the export keeps its work in a folder of the export directory"
    parts = [
        p
        for folder in work
        for p in folder.rglob("*")
        if p.is_file() and p.stat().st_size > 0 and p.suffix not in (".json", "")
    ]
    assert parts, sorted(str(p) for folder in work for p in folder.rglob("*"))
    return parts


def _damage(victim: Path, how: str) -> None:
    if how == "shorter":
        with open(victim, "r+b") as handle:
            handle.truncate(victim.stat().st_size // 2)
    else:
        victim.unlink()


@pytest.mark.parametrize("damage", ["shorter", "missing"])
async def test_a_part_file_shorter_than_recorded_or_missing_is_refused_not_resumed(
    toggl_sandbox_factory: SandboxFactory, tmp_path: Path, damage: str
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny(), faults=Faults(quota_headers=True))
    out = tmp_path / "out"
    parts = await _interrupted_export(sandbox, out)
    victim = max(parts, key=lambda p: p.stat().st_size)
    _damage(victim, damage)
    with pytest.raises(ExportStateError) as info:
        await export_from(sandbox, out)
    message = str(info.value)
    assert victim.name in message
    assert "overwrite" in message  # says what to do
    assert not (out / "manifest.json").exists()
    # Starting again over it gives the whole account.
    summary = await export_from(sandbox, out, overwrite=True)
    assert summary.entries == len(sandbox.account.time_entries)
    assert_matches(sandbox.account, read_export(out, "jsonl"))


# -- the organization quota bucket --------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "bucket"),
    [
        ("/me", "user"),
        ("/me/time_entries", "user"),
        ("/workspaces/12/projects", "workspace:12"),
        ("/workspace/12/search/time_entries", "workspace:12"),  # Reports' singular
        ("/organizations/34/users", "organization:34"),
        ("/organizations/34/workspaces/12/tracking/current", "workspace:12"),
    ],
)
def test_quota_bucket_of_a_path(path: str, bucket: str) -> None:
    assert quota_bucket(path) == bucket


async def test_quota_headers_are_kept_per_bucket(
    toggl_sandbox_factory: SandboxFactory,
) -> None:
    sandbox = await toggl_sandbox_factory(
        account=tiny(), faults=Faults(quota=(50, 3600.0), quota_per_organization=True)
    )
    wid = sandbox.account.workspaces[0]["id"]
    async with client_for(sandbox) as client:
        await client.me.get()
        await client.me.get()
        await client.workspaces.get(wid)
    quotas = client.quotas
    assert set(quotas) == {"user", f"workspace:{wid}"}
    assert quotas["user"].remaining == 48
    assert quotas[f"workspace:{wid}"].remaining == 49
    assert client.quota is quotas[f"workspace:{wid}"]  # the latest


# -- the CLI: SIGTERM and exit 1 -----------------------------------------------------------------


def _cli_env(token: str, track: str, reports: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOGGL_")}
    env.update(TOGGL_API_TOKEN=token, TOGGL_TRACK_BASE_URL=track, TOGGL_REPORTS_BASE_URL=reports)
    return env


async def _cli(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "toggl_async.cli",
        *args,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _finish(process: asyncio.subprocess.Process) -> tuple[int, str]:
    try:
        _, err = await asyncio.wait_for(process.communicate(), DEADLINE)
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail(f"the CLI was still running after {DEADLINE} s")
    assert process.returncode is not None
    return process.returncode, err.decode()


async def test_cli_sigterm_saves_progress_exits_130_and_resumes(
    toggl_sandbox_factory: SandboxFactory, tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny(), latency=0.05)
    env = _cli_env(sandbox.api_token, sandbox.track_base_url, sandbox.reports_base_url)
    out = tmp_path / "out"
    process = await _cli("export", str(out), "--quiet", "--concurrency", "1", env=env)
    async with asyncio.timeout(DEADLINE):
        while sandbox.request_count < 8:  # past planning, into the listings
            assert process.returncode is None, "the export ended before it could be stopped"
            await asyncio.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    code, err = await _finish(process)
    assert code == 130, err
    assert "interrupted" in err and "resume" in err
    assert not (out / "manifest.json").exists()
    code, err = await _finish(await _cli("export", str(out), "--quiet", env=env))
    assert code == 0, err
    assert_matches(sandbox.account, read_export(out, "jsonl"))


async def test_cli_exits_1_when_the_api_fails_and_a_rerun_finishes(
    toggl_sandbox_factory: SandboxFactory, tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny())
    failing = True

    async def bad_request(request: web.Request) -> web.Response | None:
        if failing and "/search/time_entries" in request.path:
            return web.json_response("Invalid filter: something changed", status=400)
        return None

    out = tmp_path / "out"
    async with Proxy(sandbox) as proxy:
        proxy.before = bad_request
        env = _cli_env(sandbox.api_token, proxy.track_base_url, proxy.reports_base_url)
        code, err = await _finish(await _cli("export", str(out), "--quiet", env=env))
        assert code == 1, err
        assert "Invalid filter" in err and "run the same command again" in err
        assert sandbox.api_token not in err
        failing = False
        code, err = await _finish(await _cli("export", str(out), "--quiet", env=env))
    assert code == 0, err
    assert_matches(sandbox.account, read_export(out, "jsonl"))

"""``toggl-async webhooks ...`` as a user runs it: subprocesses against a sandbox."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import signal
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import aiohttp

from toggl_async import TogglClient
from toggl_async.testing import Account, Sandbox

CLI = [sys.executable, "-m", "toggl_async.cli"]
SECRET = "cli-signing-secret"
DEADLINE = 30.0
DATA = Path(__file__).parent / "data" / "webhooks"


def env_for(sb: Sandbox | None, *, secret: str | None = SECRET) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOGGL_")}
    if sb is not None:
        env["TOGGL_API_TOKEN"] = sb.api_token
        env["TOGGL_WEBHOOKS_BASE_URL"] = sb.webhooks_base_url
    if secret is not None:
        env["TOGGL_WEBHOOK_SECRET"] = secret
    return env


def _like_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


async def start(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *CLI,
        *args,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=_like_a_terminal,
    )


async def run(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    process = await start(*args, env=env)
    out, err = await asyncio.wait_for(process.communicate(), DEADLINE)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def listening(process: asyncio.subprocess.Process) -> str:
    assert process.stderr is not None
    line = await asyncio.wait_for(process.stderr.readline(), DEADLINE)
    text = line.decode().strip()
    assert text.startswith("listening on "), text
    return text.removeprefix("listening on ")


async def stop(process: asyncio.subprocess.Process) -> int:
    process.send_signal(signal.SIGINT)
    return await asyncio.wait_for(process.wait(), DEADLINE)


async def test_listen_prints_each_verified_event_once() -> None:
    process = await start("webhooks", "listen", "--port", "0", "--path", "/h", env=env_for(None))
    try:
        url = await listening(process)
        body = (DATA / "ping_docs.body").read_bytes().replace(b'"event_id":0', b'"event_id":77')
        good = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        statuses = []
        async with aiohttp.ClientSession() as http:
            for signature in (good, good, "0" * 64):
                headers = {
                    "Content-Type": "application/json",
                    "X-Webhook-Signature-256": f"sha256={signature}",
                }
                async with http.post(url, data=body, headers=headers) as resp:
                    statuses.append(resp.status)
        assert statuses == [200, 200, 401]
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), DEADLINE)
        assert line == body + b"\n"  # the verified body, as sent, on one line
    finally:
        code = await stop(process)
    out = await process.stdout.read() if process.stdout else b""
    assert out == b""  # the duplicate and the forgery were not printed
    assert code == 0


async def test_listen_needs_the_secret_from_the_environment() -> None:
    code, _, err = await run("webhooks", "listen", "--port", "0", env=env_for(None, secret=None))
    assert code == 3
    assert "TOGGL_WEBHOOK_SECRET" in err
    code, _, err = await run(
        "webhooks", "listen", "--port", "0", "--secret", "x", env=env_for(None, secret=None)
    )
    assert code == 2  # no such argument: secrets never go on the command line


async def test_create_list_ping_delete(toggl_sandbox: Sandbox) -> None:
    sb = toggl_sandbox
    wid = str(sb.account.workspaces[0]["id"])
    env = env_for(sb)
    listener = await start("webhooks", "listen", "--port", "0", env=env)
    try:
        url = await listening(listener)
        code, out, err = await run(
            "webhooks",
            "create",
            wid,
            "--url",
            url,
            "--filter",
            "time_entry:*",
            "--filter",
            "project:created",
            "--description",
            "from the CLI",
            env=env,
        )
        assert code == 0, err
        created = json.loads(out)
        assert created["validated_at"] is not None  # listen answered the handshake
        assert "secret" not in created
        assert created["event_filters"] == [
            {"entity": "time_entry", "action": "*"},
            {"entity": "project", "action": "created"},
        ]
        sid = str(created["subscription_id"])
        assert listener.stdout is not None
        ping = json.loads(await asyncio.wait_for(listener.stdout.readline(), DEADLINE))
        assert ping["payload"] == "ping" and ping["validation_code"]

        code, out, _ = await run("webhooks", "list", wid, env=env)
        assert code == 0
        [listed] = [json.loads(line) for line in out.splitlines()]
        assert listed["subscription_id"] == created["subscription_id"] and "secret" not in listed
        code, out, _ = await run("webhooks", "list", wid, "--show-secrets", env=env)
        assert json.loads(out)["secret"] == SECRET

        code, out, _ = await run("webhooks", "ping", wid, sid, env=env)
        assert (code, json.loads(out)) == (0, {"status": "OK"})
        again = json.loads(await asyncio.wait_for(listener.stdout.readline(), DEADLINE))
        assert again["payload"] == "ping" and "validation_code" not in again

        code, _, _ = await run("webhooks", "delete", wid, sid, env=env)
        assert code == 0
        code, out, _ = await run("webhooks", "list", wid, env=env)
        assert (code, out) == (0, "")
        code, _, err = await run("webhooks", "delete", wid, sid, env=env)
        assert code == 1 and "was not found" in err
    finally:
        await stop(listener)


async def test_bad_filter_and_bad_token(toggl_sandbox: Sandbox) -> None:
    env = env_for(toggl_sandbox)
    code, _, err = await run(
        "webhooks",
        "create",
        "1",
        "--url",
        "http://x.test/",
        "--filter",
        "time_entry",
        "--description",
        "d",
        env=env,
    )
    assert code == 2 and "ENTITY:ACTION" in err
    env["TOGGL_API_TOKEN"] = "wrong-token"
    code, _, err = await run("webhooks", "list", "1", env=env)
    assert code in (1, 3) and "wrong-token" not in err


async def _wait_for(check: Callable[[], bool]) -> None:
    """Poll a file another process writes (no event to wait on across processes)."""
    async with asyncio.timeout(DEADLINE):
        while not check():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


def _names(db_path: Path, table: str) -> set[str]:
    db = sqlite3.connect(db_path)
    try:
        return {row[0] for row in db.execute(f"SELECT name FROM {table}")}
    except sqlite3.Error:
        return set()
    finally:
        db.close()


async def test_mirror_command_follows_changes_and_catches_up(tmp_path: Path) -> None:
    async with (
        Sandbox(Account.preset("tiny", seed=5)) as sb,
        TogglClient(api_token=sb.api_token, track_base_url=sb.track_base_url) as toggl,
    ):
        env = env_for(sb)
        env["TOGGL_TRACK_BASE_URL"] = sb.track_base_url
        env["TOGGL_REPORTS_BASE_URL"] = sb.reports_base_url
        wid = int(sb.account.workspaces[0]["id"])
        out_dir = tmp_path / "mirror"
        database = out_dir / "toggl.sqlite"

        async def run_mirror() -> asyncio.subprocess.Process:
            process = await start("mirror", str(out_dir), "--port", "0", env=env)
            assert process.stderr is not None
            line = await asyncio.wait_for(process.stderr.readline(), DEADLINE)
            assert line.startswith(b"mirroring into "), line
            return process

        process = await run_mirror()
        try:
            await toggl.tags.create(wid, name="seen live")
            await _wait_for(lambda: "seen live" in _names(database, "tags"))
            assert process.stdout is not None
            line = await asyncio.wait_for(process.stdout.readline(), DEADLINE)
            assert line.startswith(b"tag created ")
        finally:
            assert await stop(process) == 0
        await toggl.clients.create(wid, name="made while stopped")
        process = await run_mirror()  # catches up before it says "mirroring"
        try:
            assert "made while stopped" in _names(database, "clients")
            assert len(sb.webhooks.subscriptions()) == len(sb.account.workspaces)  # reused
        finally:
            assert await stop(process) == 0


async def test_mirror_periodic_catch_up_sees_changes_without_events(tmp_path: Path) -> None:
    async with (
        Sandbox(Account.preset("tiny", seed=6)) as sb,
        TogglClient(
            api_token=sb.api_token,
            track_base_url=sb.track_base_url,
            webhooks_base_url=sb.webhooks_base_url,
        ) as toggl,
    ):
        env = env_for(sb)
        env["TOGGL_TRACK_BASE_URL"] = sb.track_base_url
        env["TOGGL_REPORTS_BASE_URL"] = sb.reports_base_url
        wid = int(sb.account.workspaces[0]["id"])
        database = tmp_path / "m" / "toggl.sqlite"
        process = await start(
            "mirror", str(tmp_path / "m"), "--port", "0", "--catch-up-every", "0.2", env=env
        )
        try:
            assert process.stderr is not None
            line = await asyncio.wait_for(process.stderr.readline(), DEADLINE)
            assert line.startswith(b"mirroring into "), line
            for sub in await toggl.webhooks.list(wid):  # no more events: only catch-ups
                await toggl.webhooks.disable(wid, sub.subscription_id)
            await toggl.tags.create(wid, name="only seen by a catch-up")
            await _wait_for(lambda: "only seen by a catch-up" in _names(database, "tags"))
        finally:
            assert await stop(process) == 0

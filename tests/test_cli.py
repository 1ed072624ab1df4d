"""``toggl-async`` as a user runs it: a subprocess against a sandbox the test serves.

Exit codes, messages, SIGKILL at several points then a resume, a concurrent second export,
bad dates, an unwritable directory, a bad or missing token, the quota command.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.test_export import assert_matches, data_bytes, read_export, tiny
from toggl_async.cli import EXIT_CODES
from toggl_async.testing import Faults, Sandbox

CLI = [sys.executable, "-m", "toggl_async.cli"]


def cli_env(sandbox: Sandbox | None, token: str | None = "sandbox-token") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOGGL_")}
    if token is not None:
        env["TOGGL_API_TOKEN"] = token
    if sandbox is not None:
        env["TOGGL_TRACK_BASE_URL"] = sandbox.track_base_url
        env["TOGGL_REPORTS_BASE_URL"] = sandbox.reports_base_url
    return env


def _like_a_terminal() -> None:
    # A shell without job control starts background commands with SIGINT ignored, and Python
    # then never raises KeyboardInterrupt. A user at a terminal has the default: give it back.
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
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.name != "lock"
    }


# -- help and arguments --------------------------------------------------------------------------


async def test_help_documents_every_exit_code() -> None:
    code, out, _ = await run("export", "--help", env=cli_env(None))
    assert code == 0
    for number, meaning in EXIT_CODES.items():
        assert f"{number:<4} {meaning[:30]}" in " ".join(out.split()) or str(number) in out
    assert "TOGGL_API_TOKEN" not in out or "--token" not in out
    flags = "--since --until --workspace --format --concurrency --no-wait --resume --quiet"
    for flag in (*flags.split(), "--verbose", "--track-base-url", "--reports-base-url"):
        assert flag in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2024-13-01"], "not a date"),
        (["--since", "2024-05-02", "--until", "2024-05-01"], "after"),
        (["--format", "xml"], "invalid choice"),
        (["--concurrency", "0"], "at least 1"),
        (["--token", "secret"], "unrecognized"),
    ],
)
async def test_bad_arguments_exit_2_and_write_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    code, _, err = await run("export", str(tmp_path / "out"), *args, env=cli_env(None))
    assert code == 2
    assert message in err
    assert not (tmp_path / "out").exists()


async def test_an_unwritable_directory_exits_6(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    code, _, err = await run("export", str(tmp_path / "file" / "out"), "--sandbox",
                             "--sandbox-size", "tiny", env=cli_env(None))  # fmt: skip
    assert code == 6
    assert "cannot create the export directory" in err
    assert (tmp_path / "file").read_text() == "x"


async def test_no_token_without_a_terminal_exits_3(tmp_path: Path) -> None:
    code, _, err = await run("export", str(tmp_path), env=cli_env(None, token=None))
    assert code == 3
    assert "TOGGL_API_TOKEN" in err
    assert not snapshot(tmp_path)


# -- real exports --------------------------------------------------------------------------------


async def test_export_then_a_bad_token_leaves_the_export_intact(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny())
    code, out, err = await run("export", str(tmp_path), "--format", "csv", env=cli_env(sandbox))
    assert code == 0, err
    assert "Exported" in out
    assert "per 1000 entries" in out
    assert_matches(sandbox.account, read_export(tmp_path, "csv"))
    files = snapshot(tmp_path)
    assert not any(b"sandbox-token" in data for data in files.values())

    bad = cli_env(sandbox, token="not-the-token")
    code, _, err = await run("export", str(tmp_path), "--overwrite", env=bad)
    assert code == 3
    assert "refused the API token" in err
    assert "not-the-token" not in err
    assert snapshot(tmp_path) == files

    code, out, _ = await run("export", str(tmp_path), env=cli_env(sandbox))
    assert code == 0
    assert "already holds a finished export" in out
    assert snapshot(tmp_path) == files


async def test_sigkill_at_several_points_then_resume_equals_an_uninterrupted_run(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(latency=0.01)
    env = cli_env(sandbox)
    code, _, err = await run("export", str(tmp_path / "ref"), "-q", env=env)
    assert code == 0, err

    out = tmp_path / "out"
    kills = 0
    for after in (4, 10, 16, 16, 16, 16):
        before = sandbox.request_count
        process = await start("export", str(out), "-q", "--concurrency", "3", env=env)
        while sandbox.request_count < before + after and process.returncode is None:  # noqa: ASYNC110
            await asyncio.sleep(0.002)
        if process.returncode is not None:
            break
        process.send_signal(signal.SIGKILL)
        await process.wait()
        kills += 1
    assert kills >= 4
    code, _, err = await run("export", str(out), "-q", env=env)
    assert code == 0, err
    assert data_bytes(out, "jsonl") == data_bytes(tmp_path / "ref", "jsonl")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runs"] >= kills
    assert (
        manifest["files"] == json.loads((tmp_path / "ref" / "manifest.json").read_text())["files"]
    )


async def test_ctrl_c_saves_progress_and_exits_130(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    # Slow answers keep the export well short of its end when the signal lands, however
    # loaded the machine is (at 20 ms it could finish first on a busy CI host).
    sandbox = await toggl_sandbox_factory(latency=0.25)
    env = cli_env(sandbox)
    process = await start("export", str(tmp_path), "-q", env=env)
    while sandbox.request_count < 15:  # noqa: ASYNC110 - the sandbox counts, nothing signals
        await asyncio.sleep(0.002)
    process.send_signal(signal.SIGINT)
    _, err = await process.communicate()
    sandbox.latency = 0.0
    assert process.returncode == 130
    assert "run the same command again" in err.decode()
    code, _, err_text = await run("export", str(tmp_path), "--resume", "-q", env=env)
    assert code == 0, err_text
    assert_matches(sandbox.account, read_export(tmp_path, "jsonl"))


async def test_a_concurrent_second_export_is_refused_with_exit_5(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(latency=0.15)
    env = cli_env(sandbox)
    first = await start("export", str(tmp_path), "-q", env=env)
    while not (tmp_path / ".toggl-export" / "checkpoint.json").exists():  # noqa: ASYNC110
        await asyncio.sleep(0.005)
    code, _, err = await run("export", str(tmp_path), "-q", env=env)
    assert code == 5
    assert "another export" in err
    await first.wait()
    assert first.returncode == 0
    assert_matches(sandbox.account, read_export(tmp_path, "jsonl"))


async def test_quota_spent_with_no_wait_exits_4_then_resumes(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny(), faults=Faults(quota=(14, 120.0)))
    env = cli_env(sandbox)
    code, _, err = await run("export", str(tmp_path), "--no-wait", "--format", "sqlite", env=env)
    assert code == 4
    assert "quota is spent" in err
    checkpoint = (tmp_path / ".toggl-export" / "checkpoint.json").read_bytes()

    code, _, err = await run("export", str(tmp_path), env=cli_env(sandbox, token="wrong"))
    assert code == 3
    assert (tmp_path / ".toggl-export" / "checkpoint.json").read_bytes() == checkpoint

    sandbox.faults.quota = None
    code, out, err = await run("export", str(tmp_path), "--resume", env=env)
    assert code == 0, err
    assert "sqlite" in out
    assert_matches(sandbox.account, read_export(tmp_path, "sqlite"))


async def test_quota_command_spends_one_request(toggl_sandbox: Sandbox) -> None:
    toggl_sandbox.faults.quota = (600, 3600.0)
    code, out, err = await run("quota", "--entries", "30000", env=cli_env(toggl_sandbox))
    assert code == 0, err
    assert toggl_sandbox.request_count == 1
    assert "you (/me requests)" in out
    assert "599" in out
    assert "30,000 entries" in out


async def test_export_sandbox_runs_without_a_token(tmp_path: Path) -> None:
    code, out, err = await run(
        "export", str(tmp_path), "--sandbox", "--sandbox-size", "tiny", env=cli_env(None, None)
    )
    assert code == 0, err
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["counts"]["time_entries"] == 200
    assert "Exported" in out

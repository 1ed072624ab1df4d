"""``toggl-async export-many`` as a user runs it: a subprocess against sandboxes the test serves."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from tests.test_cli import CLI
from toggl_async.fleet import SandboxFleet


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOGGL_")}
    env.update(extra)
    return env


async def _run(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *CLI,
        *args,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def _accounts_file(fleet: SandboxFleet, path: Path) -> None:
    """Account 1 by variable, 2 by secret file, 3 by a variable holding a wrong token."""
    secrets = path.parent / "secrets"
    secrets.mkdir()
    (secrets / "two").write_text(fleet.environ["TOGGL_SANDBOX_TOKEN_2"] + "\n")
    lines = ["# three sandbox accounts", "[defaults]", 'format = "csv"', ""]
    refs = ['token_env = "ONE_TOKEN"', 'token_file = "secrets/two"', 'token_env = "BAD_TOKEN"']
    for spec, server, ref in zip(fleet.specs(), fleet.servers, refs, strict=True):
        lines += [
            f"[accounts.{spec.name}]",
            ref,
            f'track_base_url = "{server.track_base_url}"',
            f'reports_base_url = "{server.reports_base_url}"',
            "",
        ]
    path.write_text("\n".join(lines))


async def test_export_many_exports_each_account_and_reports_the_failed_one(
    tmp_path: Path,
) -> None:
    async with SandboxFleet(3, latency=0.0) as fleet:
        accounts = tmp_path / "accounts.toml"
        _accounts_file(fleet, accounts)
        env = _env(ONE_TOKEN=fleet.environ["TOGGL_SANDBOX_TOKEN_1"], BAD_TOKEN="nope")
        code, out, err = await _run("export-many", str(accounts), str(tmp_path / "out"), env=env)
        assert code == 9, err
        assert "2 of 3 accounts exported" in out
        assert "sandbox-0003: exit 3 (failed): Toggl refused the API token (403)" in out
        # not a terminal: one log line per account as it ends
        assert "sandbox-0001: done, 200 entries" in err
        assert "sandbox-0002: done, 200 entries" in err
        report = json.loads((tmp_path / "out/fleet.json").read_text())
        assert report["exit_code"] == 9
        assert [a["exit_code"] for a in report["accounts"]] == [0, 0, 3]
        for name in ("sandbox-0001", "sandbox-0002"):
            assert (tmp_path / "out" / name / "time_entries.csv").is_file()
            manifest = json.loads((tmp_path / "out" / name / "manifest.json").read_text())
            assert manifest["counts"]["time_entries"] == 200
        assert not (tmp_path / "out/sandbox-0003/time_entries.csv").exists()
        # fix the token, run again: the done accounts are left alone, the third is exported
        env["BAD_TOKEN"] = fleet.environ["TOGGL_SANDBOX_TOKEN_3"]
        before = [s.request_count for s in fleet.servers]
        code, out, err = await _run("export-many", str(accounts), str(tmp_path / "out"), env=env)
        assert code == 0, err
        assert "3 of 3 accounts exported" in out
        assert [s.request_count - b for s, b in zip(fleet.servers, before, strict=True)][:2] == [
            0,
            0,
        ]
        report = json.loads((tmp_path / "out/fleet.json").read_text())
        assert [a["message"] for a in report["accounts"]] == [
            "already complete",
            "already complete",
            "done",
        ]
        for token in fleet.environ.values():
            assert token not in out + err + (tmp_path / "out/fleet.json").read_text()


async def test_export_many_sandbox_needs_no_token(tmp_path: Path) -> None:
    code, out, err = await _run("export-many", "--sandbox", "3", str(tmp_path / "out"), env=_env())
    assert code == 0, err
    assert "3 of 3 accounts exported" in out
    report = json.loads((tmp_path / "out/fleet.json").read_text())
    assert [a["name"] for a in report["accounts"]] == [
        "sandbox-0001",
        "sandbox-0002",
        "sandbox-0003",
    ]
    assert all(a["entries"] == 200 for a in report["accounts"])


async def test_export_many_update_brings_every_finished_export_up_to_date(tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    code, _, err = await _run("export-many", "--sandbox", "2", out, env=_env())
    assert code == 0, err
    code, _, err = await _run("export-many", "--sandbox", "2", out, env=_env())
    assert code == 0, err
    again = json.loads((tmp_path / "out/fleet.json").read_text())["accounts"]
    assert [a["requests"] for a in again] == [0, 0]  # finished: left alone
    code, _, err = await _run("export-many", "--sandbox", "2", "--update", out, env=_env())
    assert code == 0, err
    updated = json.loads((tmp_path / "out/fleet.json").read_text())["accounts"]
    assert all(a["requests"] > 0 for a in updated), updated  # each one re-read its window
    for account in updated:
        manifest = json.loads((tmp_path / "out" / account["name"] / "manifest.json").read_text())
        assert len(manifest["updates"]) == 1


async def test_export_many_refuses_bad_arguments_and_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _, err = await _run("export-many", str(out), env=_env())
    assert code == 2
    assert "give ACCOUNTS" in err
    accounts = tmp_path / "a.toml"
    accounts.write_text('[accounts.a]\ntoken_env = "0123456789abcdef0123456789abcdef"\n')
    code, _, err = await _run("export-many", str(accounts), str(out), env=_env())
    assert code == 2
    assert "looks like an API token" in err
    assert "0123456789abcdef0123456789abcdef" not in err
    code, _, err = await _run("export-many", "--sandbox", "1", str(accounts), str(out), env=_env())
    assert code == 2
    assert not out.exists()
    taken = tmp_path / "a-file"
    taken.write_text("x")
    accounts.write_text('[accounts.a]\ntoken_env = "A"\n')
    code, _, err = await _run("export-many", str(accounts), str(taken), env=_env(A="t"))
    assert code == 6, err


async def test_export_many_help_lists_its_exit_codes() -> None:
    code, out, _ = await _run("export-many", "--help", env=_env())
    assert code == 0
    for line in ("0    every account", "2    bad arguments", "9    some accounts", "130  "):
        assert line in out
    assert sys.executable  # the same interpreter as the tests


async def test_export_many_sigterm_saves_every_account_and_a_rerun_resumes(
    tmp_path: Path,
) -> None:
    import signal

    out = tmp_path / "out"
    args = ("export-many", "--sandbox", "2", "--sandbox-size", "small", str(out))
    process = await asyncio.create_subprocess_exec(
        *CLI,
        *args,
        env=_env(),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    checkpoints = [out / f"sandbox-000{i}/.toggl-export/checkpoint.json" for i in (1, 2)]
    async with asyncio.timeout(60):
        while not all(p.exists() for p in checkpoints):
            assert process.returncode is None, "finished before it could be interrupted"
            await asyncio.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 130, err.decode()
    report = json.loads((out / "fleet.json").read_text())
    assert {a["exit_code"] for a in report["accounts"]} <= {130, 0}
    interrupted = [a["name"] for a in report["accounts"] if a["exit_code"] == 130]
    assert interrupted, report
    code, _, err2 = await _run(*args, env=_env())
    assert code == 0, err2
    report = json.loads((out / "fleet.json").read_text())
    for account in report["accounts"]:
        assert account["counts"]["time_entries"] == 2000
        if account["name"] in interrupted:
            assert account["runs"] == 2

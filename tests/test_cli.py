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

from tests.helpers import verbatim_int
from tests.test_export import assert_matches, data_bytes, read_export, tiny, until
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


async def start(
    *args: str, env: dict[str, str], setup: Callable[[], None] = _like_a_terminal
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *CLI,
        *args,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=setup,
    )


async def run(
    *args: str, env: dict[str, str], setup: Callable[[], None] = _like_a_terminal
) -> tuple[int, str, str]:
    process = await start(*args, env=env, setup=setup)
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


def _documented_codes(help_text: str) -> dict[int, str]:
    """``{code: meaning}`` from the "exit codes:" section of a --help text."""
    section = help_text.split("exit codes:", 1)[1]
    codes: dict[int, str] = {}
    current: int | None = None
    for line in section.splitlines():
        words = line.split()
        if not words:
            continue
        if words[0].isdigit() and line.startswith("  ") and not line.startswith("     "):
            current = int(words[0])
            codes[current] = " ".join(words[1:])
        elif current is not None:
            codes[current] += " " + " ".join(words)
    return codes


async def test_help_documents_every_exit_code() -> None:
    code, out, _ = await run("export", "--help", env=cli_env(None))
    assert code == 0
    assert _documented_codes(out) == EXIT_CODES
    assert "--token" not in out
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


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
async def test_sigkill_at_several_points_then_resume_equals_an_uninterrupted_run(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path, fmt: str
) -> None:
    sandbox = await toggl_sandbox_factory(latency=0.01)
    env = cli_env(sandbox)
    code, _, err = await run("export", str(tmp_path / "ref"), "-q", "--format", fmt, env=env)
    assert code == 0, err

    out = tmp_path / "out"
    kills = 0
    for after in (4, 10, 16, 16, 16, 16):
        before = sandbox.request_count
        process = await start(
            "export", str(out), "-q", "--concurrency", "3", "--format", fmt, env=env
        )
        await until(
            lambda goal=before + after, p=process: (  # type: ignore[misc]
                sandbox.request_count >= goal or p.returncode is not None
            ),
            f"{after} requests",
        )
        if process.returncode is not None:
            break
        process.send_signal(signal.SIGKILL)
        await process.wait()
        kills += 1
    assert kills >= 4
    code, _, err = await run("export", str(out), "-q", env=env)
    assert code == 0, err
    # Against the sandbox's own data (an exporter bug would be in the reference too) ...
    assert_matches(sandbox.account, read_export(out, fmt))
    # ... and byte for byte what an uninterrupted run writes.
    assert data_bytes(out, fmt) == data_bytes(tmp_path / "ref", fmt)
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
    await until(lambda: sandbox.request_count >= 15, "15 requests")
    process.send_signal(signal.SIGINT)
    _, err = await asyncio.wait_for(process.communicate(), 60)
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
    await until((tmp_path / ".toggl-export" / "checkpoint.json").exists, "the first checkpoint")
    sandbox.pause()  # the first export is held mid-way, however fast it and the machine are
    try:
        code, _, err = await run("export", str(tmp_path), "-q", env=env)
        assert first.returncode is None, "the first export ended while it should be held"
    finally:
        sandbox.resume()
    assert code == 5
    assert "another export" in err
    await asyncio.wait_for(first.wait(), 120)
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
    # The estimate's range: grouped rows of the model, to one entry a row (20 per 1000).
    assert "requests per 1000 time entries" in out and "up to 20 when none do" in out


async def test_paths_reports_reads_one_row_per_entry_with_the_same_rows(
    toggl_sandbox: Sandbox, tmp_path: Path
) -> None:
    env = cli_env(toggl_sandbox)
    code, _, err = await run("export", str(tmp_path / "r"), "-q", "--paths", "reports", env=env)
    assert code == 0, err
    code, _, err = await run("export", str(tmp_path / "a"), "-q", env=env)
    assert code == 0, err
    paths = {
        name: json.loads((tmp_path / name / "manifest.json").read_text())["requests"]["paths"]
        for name in ("r", "a")
    }
    assert set(paths["r"]) == {"reports"}
    assert set(paths["a"]) == {"grouped"}
    assert paths["a"]["grouped"]["requests"] < paths["r"]["reports"]["requests"]
    rows = {name: read_export(tmp_path / name, "jsonl")["time_entries"] for name in ("r", "a")}
    assert sorted(rows["r"], key=lambda r: r["id"]) == sorted(rows["a"], key=lambda r: r["id"])
    code, _, err = await run("export", str(tmp_path / "x"), "--paths", "me", env=env)
    assert code == 2 and "--paths" in err


async def test_export_sandbox_runs_without_a_token(tmp_path: Path) -> None:
    code, out, err = await run(
        "export", str(tmp_path), "--sandbox", "--sandbox-size", "tiny", env=cli_env(None, None)
    )
    assert code == 0, err
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["counts"]["time_entries"] == 200
    assert "Exported" in out


# -- issue 10: the export's integrity from the command line ---------------------------------------


async def test_quota_help_lists_only_the_codes_quota_can_return() -> None:
    code, out, _ = await run("quota", "--help", env=cli_env(None))
    assert code == 0
    assert _documented_codes(out) == {number: EXIT_CODES[number] for number in (0, 1, 2, 3, 4, 130)}
    assert "--sandbox" in out


async def test_quota_runs_against_the_sandbox_without_a_token() -> None:
    code, out, err = await run(
        "quota", "--sandbox", "--entries", "30000", env=cli_env(None, token=None)
    )
    assert code == 0, err
    assert "you (/me requests)" in out
    assert "30,000 entries" in out


async def test_resume_after_a_sandbox_run_reuses_its_size_and_seed(tmp_path: Path) -> None:
    env = cli_env(None, token=None)
    out = tmp_path / "lg2"
    first = await start(
        "export", str(out), "--sandbox", "--sandbox-size", "tiny", "--seed", "3", "-q",
        "--rate-limit", "4", env=env,
    )  # fmt: skip
    await until((out / ".toggl-export" / "checkpoint.json").exists, "the first checkpoint")
    first.send_signal(signal.SIGINT)
    await asyncio.wait_for(first.communicate(), 60)
    assert first.returncode == 130
    checkpoint = (out / ".toggl-export" / "checkpoint.json").read_bytes()

    code, _, err = await run(
        "export", str(out), "--resume", "--sandbox", "--sandbox-size", "small", env=env
    )
    assert code == 6
    assert "other options (source: sandbox tiny, seed 3 before, sandbox small, seed 3 now)" in err
    assert (out / ".toggl-export" / "checkpoint.json").read_bytes() == checkpoint

    code, _, err = await run("export", str(out), "--resume", "-q", env=env)
    assert code == 0, err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["user_id"] == tiny(3).user_id
    assert manifest["counts"]["time_entries"] == len(tiny(3).time_entries)
    assert manifest["runs"] == 2


async def test_a_finished_export_and_other_options_exit_6(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny())
    env = cli_env(sandbox)
    code, _, err = await run("export", str(tmp_path), "-q", env=env)
    assert code == 0, err
    files = snapshot(tmp_path)
    code, out, err = await run("export", str(tmp_path), "--format", "csv", env=env)
    assert code == 6
    assert "made with other options (format: 'jsonl' before, 'csv' now)" in err
    assert "nothing to do" not in out
    assert snapshot(tmp_path) == files
    code, out, _ = await run("export", str(tmp_path), "--format", "jsonl", env=env)
    assert code == 0
    assert "nothing to do" in out


async def test_a_partial_export_exits_7_and_its_manifest_says_what_is_missing(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny(), latency=0.05)
    lost = sandbox.account.workspaces[1]
    process = await start("export", str(tmp_path), "--concurrency", "1", env=cli_env(sandbox))
    await until((tmp_path / ".toggl-export" / "checkpoint.json").exists, "the first checkpoint")
    lost["server_deleted_at"] = "2024-01-01T00:00:00Z"  # the token loses access to it
    sandbox.account.touch()
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 7, err
    assert "partial export" in err.decode()
    assert "PARTIAL export" in out.decode()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["complete"] is False
    assert {m["workspace_id"] for m in manifest["missing"]} == {lost["id"]}
    code, _, _ = await run("export", str(tmp_path), env=cli_env(sandbox))
    assert code == 7  # still partial when asked again


@pytest.mark.parametrize("fmt", ["jsonl", "sqlite"])
async def test_an_id_beyond_64_bits_exits_8_without_a_traceback(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path, fmt: str
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny())
    sandbox.account.clients[0]["id"] = verbatim_int(2**70)
    sandbox.account.touch()
    code, _, err = await run("export", str(tmp_path), "--format", fmt, env=cli_env(sandbox))
    assert code == 8
    assert "does not fit in a 64-bit integer" in err
    assert "Traceback" not in err


def _small_disk() -> None:
    """The child may write files of at most 24 kB (EFBIG beyond): a full disk, unprivileged."""
    import resource

    _like_a_terminal()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (24_000, 24_000))


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite", "parquet"])
async def test_a_full_disk_exits_6_with_a_clear_message_in_every_format(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path, fmt: str
) -> None:
    # The small account (2000 entries): its files outgrow the limit in every format, also
    # Parquet, which compresses the generated account's repeated activities well.
    sandbox = await toggl_sandbox_factory()
    # Not measured by coverage: its data file would hit the same file size limit at exit.
    env = {k: v for k, v in cli_env(sandbox).items() if not k.startswith("COVERAGE_")}
    code, _, err = await run("export", str(tmp_path), "--format", fmt, env=env, setup=_small_disk)
    assert code == 6, err
    assert "cannot write the export in" in err
    assert "Traceback" not in err


async def test_a_tampered_checkpoint_part_is_refused_and_the_victim_untouched(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny(), faults=Faults(quota=(14, 120.0)))
    out = tmp_path / "a" / "b" / "out"
    code, _, _ = await run("export", str(out), "--no-wait", env=cli_env(sandbox))
    assert code == 4
    sandbox.faults.quota = None
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    path = out / ".toggl-export" / "checkpoint.json"
    checkpoint = json.loads(path.read_text())
    unit = next(u for u in checkpoint["units"].values() if u["part"])
    unit["part"] = "../../../victim.txt"
    path.write_text(json.dumps(checkpoint))
    code, _, err = await run("export", str(out), env=cli_env(sandbox))
    assert code == 6
    assert "not a plain file name" in err
    assert victim.read_text() == "precious"


async def test_the_sandbox_banner_counts_what_is_exported(tmp_path: Path) -> None:
    # "small" has deleted projects and tags (612 projects, 600 of them live).
    code, _, err = await run(
        "export", str(tmp_path), "--sandbox", "--sandbox-size", "small", "--concurrency", "20",
        env=cli_env(None, None),
    )  # fmt: skip
    assert code == 0, err
    counts = json.loads((tmp_path / "manifest.json").read_text())["counts"]
    for kind, number in counts.items():
        assert f"{number:,} {kind.replace('_', ' ')}" in err


async def test_refused_runs_leave_no_stray_lock(
    toggl_sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(account=tiny())
    env = cli_env(sandbox)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    code, _, _ = await run("export", str(foreign), env=env)
    assert code == 6
    assert sorted(p.name for p in foreign.rglob("*")) == ["notes.txt"]

    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, _ = await run("export", str(empty), env=cli_env(sandbox, token="wrong"))
    assert code == 3
    code, _, _ = await run("export", str(empty), "--workspace", "42", env=env)
    assert code == 2
    assert list(empty.iterdir()) == []

    code, _, err = await run("export", str(tmp_path / "missing"), "--resume", env=env)
    assert code == 6
    assert "no unfinished export" in err
    assert not (tmp_path / "missing").exists()

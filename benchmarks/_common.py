"""Shared plumbing for the benchmarks: the sandbox in its own process, timing and results.

Every benchmark compares things measured in the same run, as ratios, because the machine is
shared and noisy. The sandbox server runs in a separate process so that its CPU never shares
the event loop (or the GIL) of the client being measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
API_TOKEN = "5f0c7e3b9a1d4e6f8a2b0c4d6e8f0a1b"
"""32 hex digits, like a real token (some clients validate the length)."""

#: Packages whose versions every result file records (missing ones are noted, not fatal).
CORE_PACKAGES = ("toggl-async", "aiohttp", "attrs", "cattrs", "orjson")


def parse_args(doc: str | None, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """``--quick`` (tiny sizes, for the smoke test) and ``--results DIR``."""
    parser = argparse.ArgumentParser(description=(doc or "").strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a few seconds")
    parser.add_argument(
        "--results", type=Path, default=RESULTS, help="where NAME.json goes (default: %(default)s)"
    )
    return parser.parse_args(argv)


def version_of(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def environment(packages: Sequence[str] = ()) -> dict[str, Any]:
    """What the figures depend on: interpreter, machine, package versions, date."""
    names = list(dict.fromkeys([*CORE_PACKAGES, *packages]))
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": _cpu_model(),
        "cores": os.cpu_count(),
        "packages": {name: version_of(name) for name in names},
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def write_results(name: str, payload: dict[str, Any], directory: Path = RESULTS) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain fixed-width table for the terminal."""
    cells = [[str(h) for h in headers], *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


# -- timing ---------------------------------------------------------------------------------


@dataclass
class Samples:
    """Repeated measurements of one thing; ``best`` is the least disturbed.

    ``seconds`` is wall-clock time; ``cpu_seconds`` (when the candidate reported it) is the
    client process's CPU time over the same runs (``time.process_time``), which a slow
    server cannot hide.
    """

    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def cpu_best(self) -> float:
        return min(self.cpu_seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_seconds)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"best_s": self.best, "median_s": self.median, "runs_s": self.seconds}
        if self.cpu_seconds:
            out.update(
                cpu_best_s=self.cpu_best, cpu_median_s=self.cpu_median, cpu_runs_s=self.cpu_seconds
            )
        return out


def interleave(
    candidates: dict[str, Callable[[], float | tuple[float, float]]], rounds: int
) -> dict[str, Samples]:
    """Run each candidate once per round, in turn, so drifts in machine load hit all alike.

    A candidate returns its wall time, or ``(wall, cpu)`` (see :func:`timed_both`).
    """
    samples = {name: Samples() for name in candidates}
    for _ in range(rounds):
        for name, run in candidates.items():
            outcome = run()
            if isinstance(outcome, tuple):
                samples[name].seconds.append(outcome[0])
                samples[name].cpu_seconds.append(outcome[1])
            else:
                samples[name].seconds.append(outcome)
    return samples


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def timed_both(fn: Callable[[], Any]) -> tuple[float, float]:
    """``(wall seconds, CPU seconds of this process)`` for one call of ``fn``."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def paired_ratio(numerator: Samples, denominator: Samples, *, cpu: bool = False) -> float:
    """Median over rounds of the per-round ratio (same round, same load on both sides)."""
    a = numerator.cpu_seconds if cpu else numerator.seconds
    b = denominator.cpu_seconds if cpu else denominator.seconds
    return statistics.median(x / y for x, y in zip(a, b, strict=True))


# -- the sandbox in its own process -------------------------------------------------------------


@dataclass
class SandboxInfo:
    """What a benchmark needs to know about the account the sandbox serves."""

    track_base_url: str
    reports_base_url: str
    focus_base_url: str
    api_token: str
    user_id: int
    workspace_ids: list[int]
    projects: int
    time_entries: int
    my_entry_ids: list[int]
    windows: list[tuple[str, str, int]]
    """Adjacent ``(start_date, end_date, count)`` day ranges of /me/time_entries (end date
    exclusive), each under the per-response limit: together ``entries_in_windows`` entries."""
    entries_in_windows: int

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("api_token")
        out.pop("my_entry_ids")
        return out


def _windows(account: Any, wanted: int, chunk: int, max_days: int) -> list[tuple[str, str, int]]:
    """Whole-UTC-day ranges ``(first day, day after last, entries)`` of the user's newest
    ``wanted`` entries, each holding at most ``chunk``; days, because some clients send only
    dates. Only days well inside the window ``/me/time_entries`` can reach are used."""
    first_day = (account.now - timedelta(days=max_days - 2)).date()
    per_day: dict[date, int] = {}
    for entry in account.time_entries:
        if entry["user_id"] != account.user_id:
            continue
        day = datetime.fromisoformat(entry["start"]).astimezone(UTC).date()
        if first_day <= day <= account.now.date():
            per_day[day] = per_day.get(day, 0) + 1
    ranges: list[tuple[date, date, int]] = []
    total = 0
    for day in sorted(per_day, reverse=True):
        if total >= wanted:
            break
        count = per_day[day]
        if ranges and ranges[-1][2] + count <= chunk and ranges[-1][0] == day + timedelta(1):
            _, hi, n = ranges[-1]
            ranges[-1] = (day, hi, n + count)
        else:
            ranges.append((day, day + timedelta(1), count))
        total += count
    return [(lo.isoformat(), hi.isoformat(), n) for lo, hi, n in reversed(ranges)]


def _sandbox_child(conn: Any, account_kwargs: dict[str, Any], options: dict[str, Any]) -> None:
    asyncio.run(_serve_until_told(conn, account_kwargs, options))


async def _serve_until_told(
    conn: Any, account_kwargs: dict[str, Any], options: dict[str, Any]
) -> None:
    from toggl_async.testing import Account, Sandbox

    window_entries = options.pop("window_entries", 0)
    account = Account.generate(**account_kwargs)
    max_days = options.get("me_time_entries_max_days", 90)
    limit = options.get("me_time_entries_limit", 1000)
    windows = _windows(account, window_entries, min(900, limit), max_days)
    sandbox = Sandbox(account, api_token=API_TOKEN, **options)
    await sandbox.start()
    try:
        mine = [e["id"] for e in account.time_entries if e["user_id"] == account.user_id][-500:]
        info = SandboxInfo(
            track_base_url=sandbox.track_base_url,
            reports_base_url=sandbox.reports_base_url,
            focus_base_url=sandbox.focus_base_url,
            api_token=API_TOKEN,
            user_id=account.user_id,
            workspace_ids=[ws["id"] for ws in account.workspaces],
            projects=len(account.projects),
            time_entries=len(account.time_entries),
            my_entry_ids=mine,
            windows=windows,
            entries_in_windows=sum(w[2] for w in windows),
        )
        conn.send(asdict(info))
        loop = asyncio.get_running_loop()
        while True:
            message = await loop.run_in_executor(None, conn.recv)
            if message == "stop":
                break
            if isinstance(message, tuple) and message[0] == "latency":
                sandbox.latency = float(message[1])
                conn.send("ok")
    finally:
        await sandbox.stop()


class SandboxProcess:
    """A sandbox served from a child process; ``info`` describes its account."""

    def __init__(self, conn: Any, process: Any, info: SandboxInfo) -> None:
        self._conn = conn
        self._process = process
        self.info = info

    def set_latency(self, seconds: float) -> None:
        self._conn.send(("latency", seconds))
        self._conn.recv()


@contextmanager
def sandbox_process(
    account: dict[str, Any] | None = None, **options: Any
) -> Iterator[SandboxProcess]:
    """Start ``Sandbox(Account.generate(**account), **options)`` in a child process.

    ``window_entries=N`` also computes /me/time_entries ranges holding the newest N entries.
    """
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(
        target=_sandbox_child, args=(child, dict(account or {}), dict(options)), daemon=True
    )
    process.start()
    try:
        deadline = time.monotonic() + 180
        while not parent.poll(0.2):
            if not process.is_alive():
                raise RuntimeError(f"the sandbox process died (exit code {process.exitcode})")
            if time.monotonic() > deadline:
                raise RuntimeError("the sandbox process did not start within 180 s")
        info = SandboxInfo(**parent.recv())
        info.windows = [tuple(w) for w in info.windows]  # type: ignore[misc]
        yield SandboxProcess(parent, process, info)
    finally:
        with suppress(BrokenPipeError, OSError):
            parent.send("stop")
        process.join(10)
        if process.is_alive():
            process.terminate()
            process.join(5)


def run_in_process(target: Callable[..., Any], *args: Any, timeout: float = 600) -> Any:
    """Call ``target(*args)`` in a fresh interpreter and return its (picklable) result."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_call_and_send, args=(child, target, args), daemon=True)
    process.start()
    try:
        deadline = time.monotonic() + timeout
        while not parent.poll(0.2):
            if not process.is_alive():
                raise RuntimeError(f"{target.__name__} died (exit code {process.exitcode})")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{target.__name__} took over {timeout} s")
        ok, value = parent.recv()
    finally:
        process.join(10)
        if process.is_alive():
            process.terminate()
    if not ok:
        raise RuntimeError(value)
    return value


def _call_and_send(conn: Any, target: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        result = target(*args)
    except BaseException as exc:  # report anything, the parent decides
        import traceback

        conn.send((False, f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))
    else:
        conn.send((True, result))


def header(title: str, env: dict[str, Any]) -> str:
    return (
        f"{title}\n"
        f"python {env['python']} on {env['cores']} cores ({env['processor']}), "
        f"{env['date']}\n"
    )


def fail_soft(message: str) -> None:
    print(message, file=sys.stderr)

"""Export: speed against a sequential aiohttp loop, requests per 1000 entries, peak memory.

1. Throughput. The demo account (~30,000 entries, 3 workspaces, 3 years) behind 50 ms of
   latency per request, the sandbox in its own process. ``export_account`` with default
   settings against a plain-aiohttp loop that reads the same objects and windows page by
   page and writes the same JSON lines; then the export at several concurrencies.
2. Request economy: requests per 1000 entries, and what bounds it.
3. Peak RSS and entries/s of ``toggl-async export`` (a subprocess, so neither the sandbox
   nor this script counts) at 100,000 and 1,000,000 entries, for each format (jsonl, csv,
   sqlite, parquet) in the same run: it must stay flat as the account grows.

    python benchmarks/export.py [--quick]
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from _common import environment, header, parse_args, sandbox_process, table, write_results

from toggl_async import RetryPolicy, TogglClient
from toggl_async.export import export_account

LATENCY = 0.050
DEMO = {
    "workspaces": 3,
    "projects_per_workspace": 50,
    "clients_per_workspace": 8,
    "tags_per_workspace": 15,
    "tasks_per_project": 3,
    "time_entries": 30_000,
    "years": 3,
}
QUICK = {**DEMO, "projects_per_workspace": 10, "time_entries": 3_000, "years": 2}
DEFAULT = "export_account (defaults: concurrency 10)"


def _client(info: Any, concurrency: int) -> TogglClient:
    return TogglClient(
        api_token=info.api_token,
        track_base_url=info.track_base_url,
        reports_base_url=info.reports_base_url,
        max_concurrency=concurrency,
        retry=RetryPolicy.for_export(),
    )


async def ours(info: Any, out: Path, concurrency: int = 10, paths: Any = None) -> dict[str, Any]:
    async with _client(info, concurrency) as client:
        started = time.perf_counter()
        summary = await export_account(client, out, concurrency=concurrency, paths=paths)
        seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "entries": summary.entries,
        "requests": summary.requests,
        "requests_per_1000": summary.requests_per_1000_entries,
        "entries_per_s": summary.entries / seconds,
        "since": summary.since.isoformat(),
        "until": summary.until.isoformat(),
    }


async def sequential(info: Any, out: Path, since: date, until: date) -> dict[str, Any]:
    """What one writes without the library: every page in turn, one request at a time."""
    secret = base64.b64encode(f"{info.api_token}:api_token".encode()).decode()
    track, reports = info.track_base_url, info.reports_base_url
    requests = entries = 0
    started = time.perf_counter()
    async with aiohttp.ClientSession(headers={"Authorization": f"Basic {secret}"}) as session:

        async def get(url: str, **params: Any) -> Any:
            nonlocal requests
            requests += 1
            async with session.get(url, params=params) as response:
                response.raise_for_status()
                return await response.json()

        # Blocking writes in the loop, as a simple script would do them.
        with open(out / "all.jsonl", "w", encoding="utf-8") as sink:  # noqa: ASYNC230
            await get(f"{track}/me")
            for ws in await get(f"{track}/me/workspaces"):
                wid = ws["id"]
                sink.write(json.dumps(ws) + "\n")
                page = 1
                while True:
                    batch = await get(f"{track}/workspaces/{wid}/projects", page=page, per_page=200)
                    sink.writelines(json.dumps(p) + "\n" for p in batch)
                    if len(batch) < 200:
                        break
                    page += 1
                for path in ("clients", "tags"):
                    items = await get(f"{track}/workspaces/{wid}/{path}")
                    sink.writelines(json.dumps(c) + "\n" for c in items)
                page = 1
                while True:
                    body = await get(f"{track}/workspaces/{wid}/tasks", page=page, per_page=200)
                    sink.writelines(json.dumps(t) + "\n" for t in body["data"])
                    if page * 200 >= body["total_count"]:
                        break
                    page += 1
                start = since
                while start <= until:
                    end = min(until, start + timedelta(days=365))
                    row: int | None = None
                    while True:
                        query: dict[str, Any] = {
                            "start_date": start.isoformat(),
                            "end_date": end.isoformat(),
                            "page_size": 50,
                        }
                        if row is not None:
                            query["first_row_number"] = row
                        requests += 1
                        url = f"{reports}/workspace/{wid}/search/time_entries"
                        async with session.post(url, json=query) as response:
                            response.raise_for_status()
                            rows = await response.json()
                            following = response.headers.get("X-Next-Row-Number")
                        for item in rows:
                            for entry in item["time_entries"]:
                                flat = {k: v for k, v in item.items() if k != "time_entries"}
                                sink.write(
                                    json.dumps({**flat, **entry, "workspace_id": wid}) + "\n"
                                )
                                entries += 1
                        if following is None:
                            break
                        row = int(following)
                    start = end + timedelta(days=1)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "entries": entries,
        "requests": requests,
        "entries_per_s": entries / seconds,
    }


async def throughput(info: Any, concurrencies: tuple[int, ...], rounds: int) -> dict[str, Any]:
    """Best of ``rounds`` for each, interleaved, after one untimed warm-up export."""
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        warm = await ours(info, base / "warm")
        since, until = date.fromisoformat(warm["since"]), date.fromisoformat(warm["until"])
        exports, loops = [], []
        for n in range(rounds):
            exports.append(await ours(info, base / f"ours{n}"))
            (base / f"plain{n}").mkdir()
            loops.append(await sequential(info, base / f"plain{n}", since, until))
        default = max(exports, key=lambda r: r["entries_per_s"])
        plain = max(loops, key=lambda r: r["entries_per_s"])
        scaling = []
        for n in concurrencies:
            run = await ours(info, base / f"c{n}", concurrency=n)
            scaling.append({"concurrency": n, "entries_per_s": run["entries_per_s"], **run})
    return {
        DEFAULT: default,
        "sequential aiohttp loop": plain,
        "speedup": default["entries_per_s"] / plain["entries_per_s"],
        "rounds": rounds,
        "scaling": scaling,
    }


async def by_path(info: Any) -> dict[str, Any]:
    """Requests per 1000 entries of each path, the same account in the same run: the
    default (``auto``: grouped Reports rows) next to ``reports`` (one row per entry)."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for paths in ("reports", "auto"):
            run = await ours(info, Path(tmp) / paths, paths=paths)
            manifest = json.loads((Path(tmp) / paths / "manifest.json").read_text())
            out[paths] = {**run, "manifest": manifest["requests"]}
    out["ratio"] = out["auto"]["requests_per_1000"] / out["reports"]["requests_per_1000"]
    return out


FORMATS = ("jsonl", "csv", "sqlite", "parquet")


def rss_run(entries: int, quick: bool, fmt: str = "jsonl") -> dict[str, Any]:
    """Peak RSS of a ``toggl-async export`` subprocess against a sandbox of this size."""
    account = {**(QUICK if quick else DEMO), "time_entries": entries}
    with sandbox_process(account) as sandbox, tempfile.TemporaryDirectory() as tmp:
        info = sandbox.info
        env = {
            **os.environ,
            "TOGGL_API_TOKEN": info.api_token,
            "TOGGL_TRACK_BASE_URL": info.track_base_url,
            "TOGGL_REPORTS_BASE_URL": info.reports_base_url,
        }
        out = Path(tmp) / "export"
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "toggl_async.cli", "export", str(out), "-q", "--format", fmt],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            assert process.stderr is not None
            raise RuntimeError(f"export failed ({process.returncode}): {process.stderr.read()!r}")
        manifest = json.loads((out / "manifest.json").read_text())
    exported = manifest["counts"]["time_entries"]
    return {
        "format": fmt,
        "entries": exported,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "seconds": seconds,
        "entries_per_s": exported / seconds,
        "requests": manifest["requests"]["total"],
        "requests_per_1000": manifest["requests"]["per_1000_entries"],
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(__doc__, argv)
    env = environment()
    quick = args.quick
    account = QUICK if quick else DEMO
    latency = 0.01 if quick else LATENCY
    concurrencies = (1, 4) if quick else (1, 2, 4, 8, 16, 32)
    with sandbox_process(account, latency=latency) as sandbox:
        speed = asyncio.run(throughput(sandbox.info, concurrencies, 1 if quick else 2))
        paths = asyncio.run(by_path(sandbox.info))
    sizes = (2_000, 20_000) if quick else (100_000, 1_000_000)
    memory = {f"{n} {fmt}": rss_run(n, quick, fmt) for n in sizes for fmt in FORMATS}
    default = speed[DEFAULT]
    result = {
        "benchmark": "export",
        "environment": env,
        "sizes": {
            "entries": default["entries"],
            "latency_s": latency,
            "rss_entries": list(sizes),
            "quick": quick,
        },
        "figures": {
            "throughput": speed,
            "requests_per_1000_entries": {
                "export": default["requests_per_1000"],
                "by_path": paths,
                "bound": "Reports v3 pages hold 50 rows (Toggl's documented page size): 20 "
                "requests per 1000 entries at one entry a row, 1000 / (50 x entries per row) "
                "on the grouped path, plus one partial page per date window and about "
                "6 requests per workspace for the setup and the other objects",
            },
            "peak_rss": memory,
        },
    }
    print(header(f"export: {default['entries']:,} entries, {latency * 1000:.0f} ms latency", env))
    plain = speed["sequential aiohttp loop"]
    print(
        table(
            ["run", "entries/s", "seconds", "requests", "req/1000 entries"],
            [
                [
                    "export_account, defaults",
                    default["entries_per_s"],
                    default["seconds"],
                    default["requests"],
                    default["requests_per_1000"],
                ],
                [
                    "sequential aiohttp loop",
                    plain["entries_per_s"],
                    plain["seconds"],
                    plain["requests"],
                    plain["requests"] * 1000 / max(1, plain["entries"]),
                ],
                *[
                    [
                        f"export_account, concurrency {s['concurrency']}",
                        s["entries_per_s"],
                        s["seconds"],
                        s["requests"],
                        s["requests_per_1000"],
                    ]
                    for s in speed["scaling"]
                ],
            ],
        )
    )
    print(f"speedup over the sequential loop: {speed['speedup']:.1f}x")
    print()
    rows = []
    for name in ("reports", "auto"):
        run = paths[name]
        for path, figures in run["manifest"]["paths"].items():
            rows.append(
                [
                    f"--paths {name}: {path}",
                    figures["entries"],
                    figures["requests"],
                    figures["per_1000_entries"],
                    figures["refetched"],
                ]
            )
        rows.append([f"--paths {name}: whole export", run["entries"], run["requests"],
                     run["requests_per_1000"], ""])  # fmt: skip
    print(table(["path", "entries", "requests", "req/1000 entries", "refetched"], rows))
    print(f"requests per 1000 entries, auto / reports: {paths['ratio']:.2f}x")
    print()
    print(
        table(
            ["entries", "format", "peak RSS MB", "seconds", "entries/s", "req/1000 entries"],
            [
                [
                    m["entries"],
                    m["format"],
                    m["peak_rss_mb"],
                    m["seconds"],
                    m["entries_per_s"],
                    m["requests_per_1000"],
                ]
                for m in memory.values()
            ],
        )
    )
    path = write_results("export", result, args.results)
    print(f"wrote {path}")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])

"""Client overhead: toggl-async against a minimal hand-written aiohttp loop, same requests.

Both sides send the same requests to the same sandbox (in its own process, no added
latency) with the same concurrency (1 and 32 requests in flight, as many pooled
connections), alternating round by round. The raw loop does only what any caller must:
send the auth header, check the status, parse the JSON (with the same parser). toggl-async
adds everything else it does on every call (request objects, quota headers, the retry
wrapper, error mapping, typed records). Reported: our time / raw time, in wall-clock and in
client-process CPU time, and also against "raw + records" (the raw loop plus the same
record decoding), which isolates what the client adds besides turning JSON into records.

    python benchmarks/overhead.py [--quick]
"""

from __future__ import annotations

import asyncio
import base64
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from _common import (
    Samples,
    environment,
    header,
    parse_args,
    sandbox_process,
    table,
    write_results,
)

from toggl_async import TogglClient, _json
from toggl_async.records import Me, Project, TimeEntry
from toggl_async.records.converter import structure

TARGET = 1.10
CONCURRENCY = (1, 32)
SIDES = ("ours", "raw", "raw + records")

Op = Callable[[Any], Awaitable[Any]]


class Raw:
    """The minimal aiohttp loop: one session, auth header, status check, JSON parse."""

    def __init__(self, base: str, token: str, concurrency: int, records: bool) -> None:
        self.base = base
        self.records = records
        credentials = base64.b64encode(f"{token}:api_token".encode()).decode()
        self.headers = {"Authorization": "Basic " + credentials}
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
        )

    async def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        async with self.session.get(self.base + path, params=params, headers=self.headers) as r:
            body = await r.read()
            if r.status != 200:
                raise RuntimeError(f"{r.status} from {path}")
        return _json.loads(body) if body else None

    async def get_as(self, into: type, path: str) -> Any:
        data = await self.get(path)
        return structure(data, into) if self.records else data

    async def iterate_projects(self, per_page: int) -> int:
        count, start = 0, None
        while True:
            params = {"per_page": str(per_page)}
            if start is not None:
                params["start_project_id"] = str(start)
            page = await self.get("/me/projects/paginated", params)
            if self.records:
                structure(page, list[Project])
            count += len(page)
            if len(page) < per_page:
                return count
            start = page[-1]["id"] + 1

    async def close(self) -> None:
        await self.session.close()


def operations(info: Any, requests: int, per_page: int) -> dict[str, Any]:
    """name -> (our op factory, raw op factory, items for a concurrency)."""
    ids = info.my_entry_ids

    async def our_walk(client: TogglClient) -> int:
        count = 0  # count, do not keep: the raw loop keeps nothing either
        async for _ in client.me.iter_projects(per_page=per_page):
            count += 1
        return count

    return {
        "me.get": (
            lambda c: lambda _: c.me.get(),
            lambda r: lambda _: r.get_as(Me, "/me"),
            lambda _: list(range(requests)),
        ),
        "time_entries.get": (
            lambda c: lambda te: c.time_entries.get(te),
            lambda r: lambda te: r.get_as(TimeEntry, f"/me/time_entries/{te}"),
            lambda _: [ids[i % len(ids)] for i in range(requests)],
        ),
        "me.iter_projects, 100 pages": (
            lambda c: lambda _: our_walk(c),
            lambda r: lambda _: r.iterate_projects(per_page),
            lambda concurrency: list(range(concurrency)),  # one whole listing per worker
        ),
    }


async def _drive(op: Op, items: list[Any], concurrency: int) -> tuple[float, float]:
    """Wall and CPU seconds for ``concurrency`` workers sharing ``items`` in turn."""

    async def worker(share: list[Any]) -> None:
        for item in share:
            await op(item)

    shares = [items[i::concurrency] for i in range(concurrency)]
    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker(share) for share in shares))
    return time.perf_counter() - wall, time.process_time() - cpu


async def _warm(call: Callable[[], Awaitable[Any]], concurrency: int) -> None:
    """Open the pool's connections before the clock starts, for every side alike."""
    await asyncio.gather(*(call() for _ in range(concurrency)))


async def run_side(
    side: str, info: Any, factories: tuple[Any, Any, Any], items: list[Any], concurrency: int
) -> tuple[float, float]:
    ours_op, raw_op, _ = factories
    if side == "ours":
        async with TogglClient(
            api_token=info.api_token,
            track_base_url=info.track_base_url,
            reports_base_url=info.reports_base_url,
            focus_base_url=info.focus_base_url,
            max_concurrency=concurrency,
        ) as client:
            await _warm(client.me.logged, concurrency)
            return await _drive(ours_op(client), items, concurrency)
    raw = Raw(info.track_base_url, info.api_token, concurrency, records=side != "raw")
    try:
        await _warm(lambda: raw.get("/me/logged"), concurrency)
        return await _drive(raw_op(raw), items, concurrency)
    finally:
        await raw.close()


async def measure(
    info: Any, rounds: int, listing_rounds: int, requests: int, per_page: int
) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for name, factories in operations(info, requests, per_page).items():
        for concurrency in CONCURRENCY:
            items = factories[2](concurrency)
            wall = {side: Samples() for side in SIDES}
            cpu = {side: Samples() for side in SIDES}
            for _ in range(listing_rounds if "iter_projects" in name else rounds):
                for side in SIDES:
                    w, c = await run_side(side, info, factories, items, concurrency)
                    wall[side].seconds.append(w)
                    cpu[side].seconds.append(c)
            figures[f"{name} @ {concurrency}"] = {
                "operation": name,
                "concurrency": concurrency,
                "calls": len(items),
                "wall": {side: s.as_dict() for side, s in wall.items()},
                "cpu": {side: s.as_dict() for side, s in cpu.items()},
                # Headline: the median over rounds of ours / raw within the same round
                # (adjacent in time, so they share the machine's mood); best/best as well.
                "ratio_wall": _paired(wall["ours"], wall["raw"]),
                "ratio_cpu": _paired(cpu["ours"], cpu["raw"]),
                "ratio_wall_vs_raw_records": _paired(wall["ours"], wall["raw + records"]),
                "ratio_cpu_vs_raw_records": _paired(cpu["ours"], cpu["raw + records"]),
                "ratio_wall_best": wall["ours"].best / wall["raw"].best,
                "ratio_cpu_best": cpu["ours"].best / cpu["raw"].best,
            }
    return figures


def _paired(ours: Samples, other: Samples) -> float:
    return statistics.median(a / b for a, b in zip(ours.seconds, other.seconds, strict=True))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(__doc__, argv)
    env = environment()
    pages = 100
    if args.quick:
        account = {"workspaces": 2, "projects_per_workspace": 50, "tasks_per_project": 0}
        rounds, listing_rounds, requests, pages = 1, 1, 30, 5
    else:
        account = {"workspaces": 2, "projects_per_workspace": 1000, "tasks_per_project": 0}
        # Many short alternating samples: the best of them is the least disturbed by the
        # shared machine (the figures of all the rounds are in the JSON).
        rounds, listing_rounds, requests = 11, 4, 150
    live_projects = account["workspaces"] * account["projects_per_workspace"]
    per_page = live_projects // pages + (0 if live_projects % pages else 1)
    with sandbox_process(account) as sandbox:
        figures = asyncio.run(measure(sandbox.info, rounds, listing_rounds, requests, per_page))
    rows = [
        [
            key,
            f["calls"],
            f["wall"]["ours"]["best_s"] * 1000,
            f["wall"]["raw"]["best_s"] * 1000,
            f["ratio_wall"],
            f["ratio_cpu"],
            f["ratio_wall_vs_raw_records"],
            f["ratio_cpu_vs_raw_records"],
        ]
        for key, f in figures.items()
    ]
    result = {
        "benchmark": "overhead",
        "environment": env,
        "sizes": {
            "rounds": rounds,
            "listing_rounds": listing_rounds,
            "requests_per_sample": requests,
            "pages_per_listing": pages,
            "per_page": per_page,
            "projects": live_projects,
            "concurrency": list(CONCURRENCY),
            "quick": args.quick,
        },
        "json_backend_in_use": _json.BACKEND,
        "target_ratio": TARGET,
        "figures": figures,
        "met_wall": all(f["ratio_wall"] <= TARGET for f in figures.values()),
        "met_cpu": all(f["ratio_cpu"] <= TARGET for f in figures.values()),
    }
    print(header("overhead: toggl-async / raw aiohttp loop, same requests, same run", env))
    print(
        table(
            [
                "operation @ concurrency",
                "calls",
                "ours ms",
                "raw ms",
                "wall ratio",
                "cpu ratio",
                "wall vs raw+rec",
                "cpu vs raw+rec",
            ],
            rows,
        )
    )
    print(f"target: ratio <= {TARGET}; median of per-round ratios, {rounds} alternating rounds")
    path = write_results("overhead", result, args.results)
    print(f"wrote {path}")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])

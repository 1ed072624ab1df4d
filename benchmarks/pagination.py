"""Pagination: does the prefetch overlap the next request with the caller's work?

20,000 projects through ``me.iter_projects`` in keyset pages of 200, 20 ms added latency per
request, the sandbox in its own process. Four consumers, each with and without the one-page
look-ahead ("no prefetch" flips the paginator's private switch), alternating, median of
several rounds:

* a bare ``async for`` loop (the prefetch must not make it slower);
* 1 ms of synchronous work per page (blocking, as a file write is);
* synchronous CPU work per record (100 µs each, 20 ms a page: an encoder or a writer);
* an ``await`` of 20 ms per page (a database write, say).

Wall time and the client process's CPU time (``time.process_time``; the server's is not
counted) are reported. ``ideal`` is the best any prefetch could do, from the no-prefetch
run: its time splits into the client being busy (its CPU time plus the consumer's blocking
or awaited work) and waiting for the server (latency plus the server's own time, in series);
overlapped perfectly, a walk still takes the longer of the two:
``no_prefetch / max(busy, no_prefetch - busy)``. ``server wait`` is that second part per page.

    python benchmarks/pagination.py [--quick]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from _common import environment, header, parse_args, sandbox_process, table, write_results

from toggl_async import TogglClient
from toggl_async.pagination import Paginator

PER_PAGE = 200
RECORD_WORK_S = 100e-6


def _without_prefetch(pager: Paginator[Any]) -> Paginator[Any]:
    # The client exposes no switch (prefetching is always right for callers); the
    # benchmark flips the paginator's private flag before iterating to show the difference.
    assert hasattr(pager, "_prefetch"), "Paginator no longer has a _prefetch flag"
    pager._prefetch = False
    return pager


def _spin(seconds: float) -> None:
    """Synchronous CPU work: the loop cannot run meanwhile."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


async def bare(pager: Paginator[Any]) -> int:
    count = 0
    async for _ in pager:
        count += 1
    return count


async def sync_per_page(pager: Paginator[Any]) -> int:
    count = 0
    async for page in pager.pages():
        count += len(page)
        time.sleep(0.001)  # noqa: ASYNC251 - blocking on purpose, like a file write
    return count


async def sync_per_record(pager: Paginator[Any]) -> int:
    count = 0
    async for _ in pager:
        count += 1
        _spin(RECORD_WORK_S)
    return count


def awaits_per_page(wait: float) -> Callable[[Paginator[Any]], Awaitable[int]]:
    async def consume(pager: Paginator[Any]) -> int:
        count = 0
        async for page in pager.pages():
            count += len(page)
            await asyncio.sleep(wait)
        return count

    return consume


async def walk(
    info: Any, prefetch: bool, consume: Callable[[Paginator[Any]], Awaitable[int]]
) -> tuple[float, float, int]:
    async with TogglClient(
        api_token=info.api_token,
        track_base_url=info.track_base_url,
        reports_base_url=info.reports_base_url,
        focus_base_url=info.focus_base_url,
    ) as client:
        await client.me.logged()  # open the connection before the clock starts
        pager = client.me.iter_projects(per_page=PER_PAGE)
        if not prefetch:
            _without_prefetch(pager)
        cpu, wall = time.process_time(), time.perf_counter()
        count = await consume(pager)
        return time.perf_counter() - wall, time.process_time() - cpu, count


def _summary(runs: list[tuple[float, float]], records: int) -> dict[str, Any]:
    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
    wall = statistics.median(walls)
    return {
        "median_s": wall,
        "best_s": min(walls),
        "runs_s": walls,
        "cpu_median_s": statistics.median(cpus),
        "cpu_us_per_record": statistics.median(cpus) / records * 1e6,
        "records_per_s": records / wall,
    }


async def measure(info: Any, rounds: int, latency: float) -> dict[str, Any]:
    # consumer -> (the walk, the consumer's work per page that is not client CPU time)
    consumers: dict[str, tuple[Callable[[Paginator[Any]], Awaitable[int]], float]] = {
        "bare loop": (bare, 0.0),
        "1 ms sync work per page": (sync_per_page, 0.001),
        f"{RECORD_WORK_S * 1e6:.0f} us sync work per record": (sync_per_record, 0.0),
        f"awaits {latency * 1000:.0f} ms per page": (awaits_per_page(latency), latency),
    }
    figures: dict[str, Any] = {}
    await walk(info, True, bare)  # warm up (imports, first records, the server's caches)
    for name, (consume, idle_work_per_page) in consumers.items():
        runs: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
        counts: dict[bool, int] = {}
        for round_ in range(rounds):
            for prefetch in (True, False) if round_ % 2 else (False, True):
                wall, cpu, counts[prefetch] = await walk(info, prefetch, consume)
                runs[prefetch].append((wall, cpu))
        assert counts[True] == counts[False], counts
        records = counts[True]
        on, off = _summary(runs[True], records), _summary(runs[False], records)
        pages = -(-records // PER_PAGE)
        busy = off["cpu_median_s"] + pages * idle_work_per_page
        server_wait = max(off["median_s"] - busy, 1e-9)
        figures[name] = {
            "consumer_work_per_page_s": idle_work_per_page,
            "server_wait_per_page_ms": server_wait / pages * 1000,
            "client_busy_per_page_ms": busy / pages * 1000,
            "records": records,
            "prefetch": on,
            "no_prefetch": off,
            "speedup": off["median_s"] / on["median_s"],
            "cpu_ratio": on["cpu_median_s"] / off["cpu_median_s"],
            "ideal_speedup": off["median_s"] / max(busy, server_wait),
        }
    return figures


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(__doc__, argv)
    env = environment()
    if args.quick:
        account = {"workspaces": 2, "projects_per_workspace": 500, "tasks_per_project": 0}
        latency, rounds = 0.005, 1
    else:
        account = {"workspaces": 2, "projects_per_workspace": 10_000, "tasks_per_project": 0}
        latency, rounds = 0.020, 5
    with sandbox_process(account, latency=latency) as sandbox:
        figures = asyncio.run(measure(sandbox.info, rounds, latency))
    records = next(iter(figures.values()))["records"]
    pages = -(-records // PER_PAGE)
    result = {
        "benchmark": "pagination",
        "environment": env,
        "sizes": {
            "projects": records,
            "per_page": PER_PAGE,
            "pages": pages,
            "latency_s": latency,
            "rounds": rounds,
            "statistic": "median",
            "quick": args.quick,
        },
        "figures": figures,
    }
    rows = [
        [
            consumer,
            f["prefetch"]["records_per_s"],
            f["no_prefetch"]["records_per_s"],
            f["speedup"],
            f["ideal_speedup"],
            f["server_wait_per_page_ms"],
            f["client_busy_per_page_ms"],
            f["prefetch"]["cpu_us_per_record"],
            f["no_prefetch"]["cpu_us_per_record"],
        ]
        for consumer, f in figures.items()
    ]
    print(header(f"pagination: {records} projects, {pages} pages, {latency * 1000:.0f} ms", env))
    print(
        table(
            [
                "consumer",
                "prefetch rec/s",
                "no prefetch rec/s",
                "speedup",
                "ideal",
                "server wait ms/page",
                "client busy ms/page",
                "CPU us/rec, prefetch",
                "CPU us/rec, none",
            ],
            rows,
        )
    )
    path = write_results("pagination", result, args.results)
    print(f"wrote {path}")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])

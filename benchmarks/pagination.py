"""Pagination: records per second through ``me.iter_projects`` with and without the prefetch.

20,000 projects, keyset pages of 201 (Toggl's default), 20 ms added latency per request in
the sandbox (its own process). Two consumers: a bare ``async for`` loop, and one that awaits
20 ms per page (a database write, say), where fetching the next page while the caller works
matters most. "No prefetch" is the same paginator with its one-page look-ahead switched off.

    python benchmarks/pagination.py [--quick]
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

from _common import (
    Samples,
    environment,
    header,
    parse_args,
    sandbox_process,
    table,
    write_results,
)

from toggl_async import TogglClient
from toggl_async.pagination import Paginator

PER_PAGE = 201


def _without_prefetch(pager: Paginator[Any]) -> Paginator[Any]:
    # The client exposes no switch (prefetching is always right for callers); the
    # benchmark flips the paginator's private flag before iterating to show the difference.
    assert hasattr(pager, "_prefetch"), "Paginator no longer has a _prefetch flag"
    pager._prefetch = False
    return pager


async def walk(info: Any, prefetch: bool, consumer_wait: float) -> tuple[float, int]:
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
        count = 0
        started = time.perf_counter()
        if consumer_wait:
            async for page in pager.pages():
                count += len(page)
                await asyncio.sleep(consumer_wait)
        else:
            async for _ in pager:
                count += 1
        return time.perf_counter() - started, count


async def measure(info: Any, rounds: int, consumer_wait: float) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for consumer, wait in (("bare loop", 0.0), ("consumer awaits per page", consumer_wait)):
        samples = {True: Samples(), False: Samples()}
        counts: dict[bool, int] = {}
        for _ in range(rounds):
            for prefetch in (True, False):
                seconds, counts[prefetch] = await walk(info, prefetch, wait)
                samples[prefetch].seconds.append(seconds)
        assert counts[True] == counts[False], counts
        on, off = samples[True], samples[False]
        figures[consumer] = {
            "consumer_wait_per_page_s": wait,
            "records": counts[True],
            "prefetch": {**on.as_dict(), "records_per_s": counts[True] / on.best},
            "no_prefetch": {**off.as_dict(), "records_per_s": counts[True] / off.best},
            "speedup": off.best / on.best,
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
        latency, rounds = 0.020, 3
    with sandbox_process(account, latency=latency) as sandbox:
        figures = asyncio.run(measure(sandbox.info, rounds, consumer_wait=latency))
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
            "quick": args.quick,
        },
        "figures": figures,
    }
    rows = [
        [
            consumer,
            f["records"],
            f["prefetch"]["records_per_s"],
            f["no_prefetch"]["records_per_s"],
            f["speedup"],
        ]
        for consumer, f in figures.items()
    ]
    print(header(f"pagination: {records} projects, {pages} pages, {latency * 1000:.0f} ms", env))
    print(table(["consumer", "records", "prefetch rec/s", "no prefetch rec/s", "speedup"], rows))
    path = write_results("pagination", result, args.results)
    print(f"wrote {path}")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])

"""Many accounts: accounts per minute and peak RSS of one process, a 2-worker Dask cluster,
and requests per 1000 entries against a single export.

The accounts are small (the sandbox's ``tiny`` preset: 2 workspaces in 2 organizations, 200
entries, about 20 requests each), each its own sandbox server with its own token and an
hourly quota of 600 requests per organization (Toggl's Premium), served from one child
process behind 50 ms (+ up to 50 ms jitter) of latency per request.

1. One process: ``export_accounts`` for 10, 100 and 500 accounts (global cap 50 requests in
   flight), each run in a fresh interpreter so its peak RSS is its own.
2. The same 100 accounts on a 2-worker ``LocalCluster`` (processes, 8 threads each: one
   account per thread, each in its own event loop): accounts per minute, workers' peak RSS.
3. Requests per 1000 entries: the 100-account fleet against one of its accounts exported
   alone with ``export_account``.

    python benchmarks/fleet.py [--quick]
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import resource
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from _common import environment, header, parse_args, run_in_process, table, write_results

LATENCY = 0.050
JITTER = 0.050
QUOTA = (600, 3600.0)
MAX_IN_FLIGHT = 50


def _serve(conn: Any, count: int, first_seed: int) -> None:
    asyncio.run(_serve_until_told(conn, count, first_seed))


async def _serve_until_told(conn: Any, count: int, first_seed: int) -> None:
    from toggl_async.fleet import SandboxFleet

    async with SandboxFleet(
        count, first_seed=first_seed, latency=LATENCY, jitter=JITTER, quota=QUOTA
    ) as fleet:
        accounts = [
            {"name": s.name, "env": s.token.env, "options": dict(s.options)} for s in fleet.specs()
        ]
        conn.send((accounts, fleet.environ))
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)


@contextmanager
def sandboxes(
    count: int, first_seed: int = 1
) -> Iterator[tuple[list[dict[str, Any]], dict[str, str]]]:
    """``count`` sandbox accounts served from a child process: (accounts, token environ)."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_serve, args=(child, count, first_seed), daemon=True)
    process.start()
    try:
        deadline = time.monotonic() + 600
        while not parent.poll(0.2):
            if not process.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox process did not start")
        yield parent.recv()
    finally:
        with suppress(BrokenPipeError, OSError):
            parent.send("stop")
        process.join(30)
        if process.is_alive():
            process.terminate()


def _specs(accounts: list[dict[str, Any]]) -> list[Any]:
    from toggl_async.fleet import AccountSpec, TokenRef

    return [
        AccountSpec(name=a["name"], token=TokenRef(env=a["env"]), options=a["options"])
        for a in accounts
    ]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_process(accounts: list[dict[str, Any]], environ: dict[str, str]) -> dict[str, Any]:
    """Runs in a fresh interpreter: the whole fleet in one event loop."""
    from toggl_async.fleet import export_accounts

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        summary = asyncio.run(
            export_accounts(_specs(accounts), tmp, environ=environ, max_in_flight=MAX_IN_FLIGHT)
        )
        seconds = time.perf_counter() - started
    return _figures(summary, seconds) | {"peak_rss_mb": _peak_rss_mb()}


def _figures(summary: Any, seconds: float) -> dict[str, Any]:
    return {
        "accounts": len(summary.accounts),
        "ok": sum(a.ok for a in summary.accounts),
        "seconds": seconds,
        "accounts_per_minute": len(summary.accounts) / seconds * 60,
        "entries": summary.entries,
        "requests": summary.requests,
        "requests_per_1000": summary.requests / summary.entries * 1000,
    }


def single(account: dict[str, Any], environ: dict[str, str]) -> dict[str, Any]:
    """One of the fleet's accounts exported alone, as ``toggl-async export`` would."""
    from toggl_async import RetryPolicy, TogglClient
    from toggl_async.export import export_account

    async def go(out: str) -> Any:
        options = dict(account["options"])
        async with TogglClient(
            api_token=environ[account["env"]],
            track_base_url=options.pop("track_base_url"),
            reports_base_url=options.pop("reports_base_url"),
            retry=RetryPolicy.for_export(),
        ) as client:
            return await export_account(client, out, **options)

    with tempfile.TemporaryDirectory() as tmp:
        summary = asyncio.run(go(tmp))
    return {
        "entries": summary.entries,
        "requests": summary.requests,
        "requests_per_1000": summary.requests / summary.entries * 1000,
    }


def on_dask(accounts: list[dict[str, Any]], environ: dict[str, str]) -> dict[str, Any] | None:
    try:
        import distributed
    except ImportError:
        return None
    from toggl_async.fleet.on_dask import export_on_dask

    os.environ.update(environ)  # workers inherit it: tokens reach them by variable name
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=8, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
        tempfile.TemporaryDirectory() as tmp,
    ):
        client.wait_for_workers(2, timeout=120)
        started = time.perf_counter()
        summary = export_on_dask(client, _specs(accounts), tmp)
        seconds = time.perf_counter() - started
        rss = client.run(_peak_rss_mb)
    return _figures(summary, seconds) | {
        "peak_rss_mb": sum(rss.values()),
        "peak_rss_mb_per_worker": sorted(rss.values()),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(__doc__, argv)
    env = environment(("dask", "distributed"))
    sizes = (5, 20) if args.quick else (10, 100, 500)
    side_by_side = sizes[1]
    print(header("fleet: many small accounts, 50 ms (+0-50 ms) latency, 600/h per org", env))
    one: dict[str, Any] = {}
    cluster: dict[str, Any] | None = None
    alone: dict[str, Any] = {}
    for count in sizes:
        with sandboxes(count) as (accounts, environ):
            one[str(count)] = run_in_process(one_process, accounts, environ, timeout=1800)
            print(f"  one process, {count} accounts: {one[str(count)]}", flush=True)
            if count == side_by_side:
                alone = single(accounts[0], environ)
                cluster = on_dask(accounts, environ)
                print(f"  dask, {count} accounts: {cluster}", flush=True)
    fleet_per_1000 = one[str(side_by_side)]["requests_per_1000"]
    payload = {
        "benchmark": "fleet",
        "environment": env,
        "sizes": {
            "quick": args.quick,
            "accounts": list(sizes),
            "preset": "tiny",
            "latency_s": LATENCY,
            "jitter_s": JITTER,
            "quota_per_org": list(QUOTA),
            "max_in_flight": MAX_IN_FLIGHT,
        },
        "figures": {
            "one_process": one,
            "dask_2_workers": cluster,
            "single_export": alone,
            "requests_per_1000_ratio_fleet_vs_single": fleet_per_1000 / alone["requests_per_1000"],
        },
    }
    rows = [
        [f"one process, {n}", f["accounts_per_minute"], f["peak_rss_mb"], f["requests_per_1000"]]
        for n, f in one.items()
    ]
    if cluster is not None:
        rows.append(
            [
                f"dask 2 workers, {side_by_side}",
                cluster["accounts_per_minute"],
                cluster["peak_rss_mb"],
                cluster["requests_per_1000"],
            ]
        )
    rows.append(["single export_account", "", "", alone["requests_per_1000"]])
    print(table(["run", "accounts/min", "peak RSS MB", "req/1000 entries"], rows))
    print(f"results: {write_results('fleet', payload, args.results)}")
    return payload


if __name__ == "__main__":
    main()

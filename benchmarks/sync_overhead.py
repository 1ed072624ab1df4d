"""The blocking shim's cost: µs per call over the async client, and 8 threads on one client.

Both clients make the same sequential ``me.get()`` calls to the same sandbox (its own
process, no added latency), alternating round by round; the shim's overhead per call is
(sync time - async time) / calls, taken per round (paired, so load drifts hit both sides)
and reported as the median over rounds, with the best-of-rounds figure beside it. Two floors
are measured in the same rounds: a bare hand-off to another thread's event loop and back
(``call_soon_threadsafe`` + a lock: what any thread-based shim pays), and the shim's own
hand-off of a no-op coroutine; and the textbook hop, ``asyncio.run_coroutine_threadsafe``
(``call_soon_threadsafe`` under the hood) waited on through its ``concurrent.futures``
result. Wall time and the client process's CPU time are both recorded. Then 8 threads share
one blocking client (against 8 concurrent tasks on the async client), with no latency and
with 20 ms of server latency (where threads should overlap their waits), and one listing is
walked record by record, page by page and with ``collect()``. Targets: the shim's own cost
on top of the bare hop at most 20 µs per call; 8 threads at least 3x one thread at 20 ms.

    python benchmarks/sync_overhead.py [--quick]
"""

from __future__ import annotations

import asyncio
import functools
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from _common import (
    Samples,
    environment,
    header,
    interleave,
    parse_args,
    sandbox_process,
    table,
    timed_both,
    write_results,
)

import toggl_async
import toggl_async_sync

TARGET_US = 20.0
"""The shim's own cost per call on top of the bare thread hop (a concurrent.futures result)."""
THREADS = 8
THREADS_TARGET = 3.0
"""8 threads on one client vs one thread, at LATENCY_S of server latency."""
LATENCY_S = 0.020
PER_PAGE = 200


def main() -> None:
    args = parse_args(__doc__)
    calls, rounds, projects = (40, 2, 400) if args.quick else (1000, 7, 2000)
    slow_calls, slow_rounds = (16, 1) if args.quick else (96, 3)
    env = environment(["aiohttp", "anyio"])
    account = {"seed": 1, "workspaces": 1, "projects_per_workspace": projects, "time_entries": 50}
    with sandbox_process(account) as sandbox:
        info = sandbox.info
        options: dict[str, Any] = {
            "api_token": info.api_token,
            "track_base_url": info.track_base_url,
            "max_concurrency": THREADS,
        }
        loop = asyncio.new_event_loop()
        async_client = toggl_async.TogglClient(**options)
        sync_client = toggl_async_sync.TogglClient(**options)
        floor = _BareLoop(options)

        async def async_calls() -> None:
            for _ in range(calls):
                await async_client.me.get()

        async def async_concurrent() -> None:
            async def worker(share: int) -> None:
                for _ in range(share):
                    await async_client.me.get()

            await asyncio.gather(*(worker(n) for n in _shares(calls, THREADS)))

        def sync_calls() -> None:
            for _ in range(calls):
                sync_client.me.get()

        def sync_threads() -> None:
            with ThreadPoolExecutor(max_workers=THREADS) as pool:
                for _ in pool.map(lambda _: sync_client.me.get(), range(calls)):
                    pass

        def shim_hops() -> None:
            for _ in range(calls):
                sync_client.run(_noop)

        async def async_listing() -> int:
            return len([p async for p in async_client.me.iter_projects(per_page=PER_PAGE)])

        def sync_records() -> int:
            return sum(1 for _ in sync_client.me.iter_projects(per_page=PER_PAGE))

        def sync_pages() -> int:
            return sum(
                len(page) for page in sync_client.me.iter_projects(per_page=PER_PAGE).pages()
            )

        def sync_collect() -> int:
            return len(sync_client.me.iter_projects(per_page=PER_PAGE).collect())

        run_async: Callable[[Any], Any] = loop.run_until_complete
        records = run_async(async_listing())
        counts = {sync_records(), sync_pages(), sync_collect()}
        if counts != {records}:
            raise SystemExit(f"the listings disagree: async {records}, sync {sorted(counts)}")
        run_async(async_calls())  # warm both pools and the code paths
        sync_calls()
        samples = interleave(
            {
                "async": lambda: timed_both(lambda: run_async(async_calls())),
                "sync": lambda: timed_both(sync_calls),
                "bare loop thread, same call": lambda: timed_both(lambda: floor.calls(calls)),
                "bare hop, concurrent.futures result": lambda: timed_both(
                    lambda: floor.future_calls(calls)
                ),
                "bare thread hop (no-op)": lambda: timed_both(lambda: floor.hops(calls)),
                "shim hop (no-op)": lambda: timed_both(shim_hops),
                f"async, {THREADS} concurrent tasks": lambda: timed_both(
                    lambda: run_async(async_concurrent())
                ),
                f"sync, {THREADS} threads": lambda: timed_both(sync_threads),
                "listing: async for": lambda: timed_both(lambda: run_async(async_listing())),
                "listing: sync for": lambda: timed_both(sync_records),
                "listing: sync pages()": lambda: timed_both(sync_pages),
                "listing: sync collect()": lambda: timed_both(sync_collect),
            },
            rounds,
        )
        split = where_the_time_goes(sync_client, calls)
        sandbox.set_latency(LATENCY_S)

        def slow_one_thread() -> None:
            for _ in range(slow_calls):
                sync_client.me.get()

        def slow_threads() -> None:
            with ThreadPoolExecutor(max_workers=THREADS) as pool:
                for _ in pool.map(lambda _: sync_client.me.get(), range(slow_calls)):
                    pass

        slow = interleave(
            {
                "1 thread": lambda: timed_both(slow_one_thread),
                f"{THREADS} threads": lambda: timed_both(slow_threads),
            },
            slow_rounds,
        )
        sandbox.set_latency(0.0)
        floor.stop()
        run_async(async_client.aclose())
        loop.close()
        sync_client.close()

    report(samples, slow, split, calls, slow_calls, rounds, records, projects, env, args)


def where_the_time_goes(toggl: toggl_async_sync.TogglClient, calls: int) -> dict[str, float]:
    """Median µs of one blocking ``me.get()``: hand-off to the loop, the call there, and the
    hand-back (timestamps taken in the caller's thread and on the loop, same clock)."""
    clock = time.perf_counter
    into, work, back = [], [], []

    async def stamped(client: toggl_async.TogglClient, marks: list[float]) -> None:
        marks.append(clock())
        await client.me.get()
        marks.append(clock())

    for _ in range(calls):
        marks: list[float] = []
        started = clock()
        toggl.run(functools.partial(stamped, marks=marks))
        ended = clock()
        into.append(marks[0] - started)
        work.append(marks[1] - marks[0])
        back.append(ended - marks[1])
    return {
        "hand_off_us": statistics.median(into) * 1e6,
        "call_on_the_loop_us": statistics.median(work) * 1e6,
        "hand_back_us": statistics.median(back) * 1e6,
    }


async def _noop(client: toggl_async.TogglClient) -> None:
    return None


class _BareLoop:
    """An event loop in a thread, and the cheapest possible round trips to it and back.

    ``hops`` hands over nothing (the OS's thread wake-ups alone); ``calls`` hands over the
    same ``me.get()`` to a plain async client living there, with no shim code at all: the
    floor for any design that runs the async client on a thread of its own.
    """

    def __init__(self, options: dict[str, Any]) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.client = self._wait(self._make(options))

    async def _make(self, options: dict[str, Any]) -> toggl_async.TogglClient:
        return toggl_async.TogglClient(**options)

    def _wait(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def hops(self, count: int) -> None:
        for _ in range(count):
            lock = threading.Lock()
            lock.acquire()
            self.loop.call_soon_threadsafe(lock.release)
            lock.acquire()

    def future_calls(self, count: int) -> None:
        """The textbook hop: ``run_coroutine_threadsafe`` and its concurrent.futures result."""
        client, loop = self.client, self.loop
        for _ in range(count):
            asyncio.run_coroutine_threadsafe(client.me.get(), loop).result()

    def calls(self, count: int) -> None:
        client, loop = self.client, self.loop
        for _ in range(count):
            lock = threading.Lock()
            lock.acquire()

            async def one(lock: threading.Lock = lock) -> None:
                try:
                    await client.me.get()
                finally:
                    lock.release()

            loop.call_soon_threadsafe(loop.create_task, one())
            lock.acquire()

    def stop(self) -> None:
        self._wait(self.client.aclose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()


def _shares(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def report(
    samples: dict[str, Samples],
    slow: dict[str, Samples],
    split: dict[str, float],
    calls: int,
    slow_calls: int,
    rounds: int,
    records: int,
    projects: int,
    env: dict[str, Any],
    args: Any,
) -> None:
    per_call = {
        name: s.best / calls * 1e6 for name, s in samples.items() if not name.startswith("list")
    }
    cpu_per_call = {
        name: s.cpu_median / calls * 1e6
        for name, s in samples.items()
        if not name.startswith("list")
    }

    def paired(minuend: str, subtrahend: str) -> list[float]:
        """Per round: (minuend - subtrahend) / calls, in µs (same round, same load)."""
        pairs = zip(samples[minuend].seconds, samples[subtrahend].seconds, strict=True)
        return [(m - s) / calls * 1e6 for m, s in pairs]

    overhead_rounds = paired("sync", "async")
    overhead_us = statistics.median(overhead_rounds)
    thread_floor_us = statistics.median(paired("bare loop thread, same call", "async"))
    shim_code_us = statistics.median(paired("sync", "bare loop thread, same call"))
    futures_hop_us = statistics.median(paired("bare hop, concurrent.futures result", "async"))
    shim_over_futures_us = statistics.median(paired("sync", "bare hop, concurrent.futures result"))
    slow_speedup = statistics.median(
        one / many
        for one, many in zip(
            slow["1 thread"].seconds, slow[f"{THREADS} threads"].seconds, strict=True
        )
    )
    overhead_best_us = per_call["sync"] - per_call["async"]
    threads = f"sync, {THREADS} threads"
    tasks = f"async, {THREADS} concurrent tasks"
    threads_speedup = samples["sync"].best / samples[threads].best
    listing = {
        name.removeprefix("listing: "): {
            "seconds_best": s.best,
            "records_per_s": records / s.best,
            "us_per_record": s.best / records * 1e6,
        }
        for name, s in samples.items()
        if name.startswith("listing")
    }
    base = listing["async for"]["us_per_record"]
    for figure in listing.values():
        figure["ratio_to_async"] = figure["us_per_record"] / base

    print(header("Blocking shim overhead (me.get() on the sandbox, same run)", env))
    rows = [
        [name, f"{us:.0f}", f"{us / per_call['async']:.2f}", f"{cpu_per_call[name]:.0f}"]
        for name, us in per_call.items()
    ]
    print(
        table(
            ["calls", "µs per call (best round)", "ratio to async", "CPU µs per call (median)"],
            rows,
        )
    )
    print()
    rows = [
        [
            name,
            f"{f['records_per_s']:,.0f}",
            f"{f['us_per_record']:.1f}",
            f"{f['ratio_to_async']:.2f}",
        ]
        for name, f in listing.items()
    ]
    print(
        table(
            [f"listing {records} projects, {PER_PAGE}/page", "records/s", "µs/record", "vs async"],
            rows,
        )
    )
    verdict = "met" if shim_over_futures_us <= TARGET_US else "MISSED"
    print(
        f"\nshim overhead per call over async: {overhead_us:.0f} µs (median of {rounds} paired "
        f"rounds; best rounds: {overhead_best_us:.0f} µs)"
    )
    print(
        f"the bare hop of this machine (run_coroutine_threadsafe + concurrent.futures result, "
        f"same call): {futures_hop_us:.0f} µs over async; the shim on top of it: "
        f"{shim_over_futures_us:.0f} µs; target <= {TARGET_US:.0f} µs: {verdict}"
    )
    print(
        f"of which: running the call on another thread at all (a bare loop thread, no shim "
        f"code) {thread_floor_us:.0f} µs; the shim's own code {shim_code_us:.0f} µs"
    )
    print(
        f"no-op round trips: bare thread hop {per_call['bare thread hop (no-op)']:.0f} µs, "
        f"the shim's {per_call['shim hop (no-op)']:.0f} µs"
    )
    print(
        f"one blocking call, medians: hand-off to the loop {split['hand_off_us']:.0f} µs, "
        f"the call there {split['call_on_the_loop_us']:.0f} µs, "
        f"hand-back {split['hand_back_us']:.0f} µs"
    )
    print(
        f"{THREADS} threads sharing one client: {threads_speedup:.2f}x the calls/s of one "
        f"thread ({calls / samples[threads].best:,.0f} calls/s; {THREADS} async tasks: "
        f"{calls / samples[tasks].best:,.0f} calls/s)"
    )
    slow_verdict = "met" if slow_speedup >= THREADS_TARGET else "MISSED"
    print(
        f"at {LATENCY_S * 1000:.0f} ms latency, {THREADS} threads make {slow_speedup:.2f}x the "
        f"calls/s of one thread ({slow_calls} calls; target >= {THREADS_TARGET:.0f}x: "
        f"{slow_verdict})"
    )
    write_results(
        "sync_overhead",
        {
            "benchmark": "sync_overhead",
            "calls": calls,
            "rounds": rounds,
            "sizes": {
                "quick": bool(args.quick),
                "calls": calls,
                "rounds": rounds,
                "threads": THREADS,
                "projects": projects,
                "listing_records": records,
                "per_page": PER_PAGE,
            },
            "per_call_us": per_call,
            "cpu_per_call_us_median": cpu_per_call,
            "bare_futures_hop_us": futures_hop_us,
            "shim_over_bare_hop_us": shim_over_futures_us,
            "latency_s": LATENCY_S,
            "threads_speedup_at_latency": slow_speedup,
            "threads_target": THREADS_TARGET,
            "threads_target_met": slow_speedup >= THREADS_TARGET,
            "slow_samples": {name: s.as_dict() for name, s in slow.items()},
            "overhead_us": overhead_us,
            "overhead_us_paired_rounds": overhead_rounds,
            "thread_floor_us": thread_floor_us,
            "shim_code_us": shim_code_us,
            "one_call_split_us": split,
            "overhead_us_best_rounds": overhead_best_us,
            "overhead_ratio": (per_call["async"] + overhead_us) / per_call["async"],
            "thread_hop_floor_us": per_call["bare thread hop (no-op)"],
            "shim_hop_us": per_call["shim hop (no-op)"],
            "target_us": TARGET_US,
            "target_met": shim_over_futures_us <= TARGET_US,
            "threads_speedup": threads_speedup,
            "threads_calls_per_s": calls / samples[threads].best,
            "async_tasks_calls_per_s": calls / samples[tasks].best,
            "listing": listing,
            "samples": {name: s.as_dict() for name, s in samples.items()},
            "environment": env,
        },
        args.results,
    )


if __name__ == "__main__":
    main()

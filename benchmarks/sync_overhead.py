"""The blocking shim's cost: µs per call over the async client, and 8 threads on one client.

Both sides make the same sequential ``me.get()`` calls to the same sandbox (its own
process, no added latency), alternating round by round; the shim's overhead per call is
(sync time - async time) / calls. A bare no-op hop to another thread's event loop and back,
measured in the same rounds, is the floor any thread-based shim pays. Then 8 threads share
one blocking client, against one thread making the same number of calls. Target: < 100 µs.

    python benchmarks/sync_overhead.py [--quick]
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from _common import (
    environment,
    header,
    interleave,
    parse_args,
    sandbox_process,
    table,
    timed,
    write_results,
)

import toggl_async
import toggl_async_sync

TARGET_US = 100.0


def main() -> None:
    args = parse_args(__doc__)
    calls, rounds = (50, 2) if args.quick else (1000, 5)
    env = environment(["aiohttp", "anyio"])
    with sandbox_process({"seed": 1, "workspaces": 1, "time_entries": 100}) as sandbox:
        info = sandbox.info
        options = {
            "api_token": info.api_token,
            "track_base_url": info.track_base_url,
            "max_concurrency": 8,
        }
        loop = asyncio.new_event_loop()
        async_client = toggl_async.TogglClient(**options)  # type: ignore[arg-type]
        sync_client = toggl_async_sync.TogglClient(**options)  # type: ignore[arg-type]

        async def async_calls() -> None:
            for _ in range(calls):
                await async_client.me.get()

        def sync_calls() -> None:
            for _ in range(calls):
                sync_client.me.get()

        hop_loop = asyncio.new_event_loop()
        hop_thread = threading.Thread(target=hop_loop.run_forever, daemon=True)
        hop_thread.start()

        async def noop() -> None:
            return None

        def bare_hops() -> None:
            # The floor: a no-op handed to another thread's loop and back, nothing else.
            for _ in range(calls):
                asyncio.run_coroutine_threadsafe(noop(), hop_loop).result()

        def threaded_calls() -> None:
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(lambda _: sync_client.me.get(), range(calls)))

        loop.run_until_complete(async_calls())  # warm both pools
        sync_calls()
        samples = interleave(
            {
                "async": lambda: timed(lambda: loop.run_until_complete(async_calls())),
                "sync": lambda: timed(sync_calls),
                "sync, 8 threads": lambda: timed(threaded_calls),
                "bare thread hop (no-op)": lambda: timed(bare_hops),
            },
            rounds,
        )
        hop_loop.call_soon_threadsafe(hop_loop.stop)
        loop.run_until_complete(async_client.aclose())
        loop.close()
        sync_client.close()

    per_call = {name: s.best / calls * 1e6 for name, s in samples.items()}
    overhead_us = per_call["sync"] - per_call["async"]
    floor_us = per_call["bare thread hop (no-op)"]
    speedup_threads = samples["sync"].best / samples["sync, 8 threads"].best
    print(header("Sync shim overhead (me.get on the sandbox)", env))
    print(
        table(
            ["client", "µs per call", "ratio to async"],
            [[name, f"{us:.0f}", f"{us / per_call['async']:.2f}"] for name, us in per_call.items()],
        )
    )
    verdict = "met" if overhead_us < TARGET_US else "MISSED"
    print(
        f"\nshim overhead: {overhead_us:.0f} µs per call (target < {TARGET_US:.0f} µs: {verdict})"
    )
    print(
        f"of which the bare thread hop costs {floor_us:.0f} µs on this machine: "
        f"{overhead_us - floor_us:.0f} µs is the shim's own work"
    )
    print(f"8 threads sharing one client: {speedup_threads:.2f}x the calls/s of one thread")
    write_results(
        "sync_overhead",
        {
            "calls": calls,
            "rounds": rounds,
            "per_call_us": per_call,
            "overhead_us": overhead_us,
            "thread_hop_floor_us": floor_us,
            "target_us": TARGET_US,
            "threads_speedup": speedup_threads,
            "samples": {name: s.as_dict() for name, s in samples.items()},
            "environment": env,
        },
        args.results,
    )


if __name__ == "__main__":
    main()

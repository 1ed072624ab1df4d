"""Client overhead: toggl-async against a minimal hand-written aiohttp loop, same requests.

Both sides send the same requests to the same sandbox (in its own process, no added
latency) with the same concurrency (1 and 32 requests in flight, as many pooled
connections), alternating round by round. The raw loop does only what any caller must:
send the auth header, check the status, parse the JSON (with the same parser). toggl-async
adds everything else it does on every call (request objects, quota headers, the retry
wrapper, error mapping, typed records). Reported: our time / raw time, in wall-clock and in
client-process CPU time, and also against "raw + records" (the raw loop plus the same
record decoding), which isolates what the client adds besides turning JSON into records.

Two floors are measured in the same run, to show where the rest of the time goes:

* "aiohttp as we call it": the same aiohttp calls toggl-async makes (its session settings,
  ``session.request`` with ``allow_redirects=False``, the body read the same way), with
  none of the client around them. ours / floor is what the client's own code costs on the
  wire path; floor / raw is what its choice of aiohttp calls costs (or saves).
* "own code, no network": our code alone per call, in-process, with the session replaced
  by a stub that answers at once (deterministic, CPU only), next to the CPU a raw request
  costs on this machine.

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
from multidict import CIMultiDict, CIMultiDictProxy

from toggl_async import TogglClient, _json
from toggl_async.records import Me, Project, TimeEntry
from toggl_async.records.converter import structure
from toggl_async.transport import DEFAULT_USER_AGENT

TARGET = 1.10
CONCURRENCY = (1, 32)
SIDES = ("ours", "raw", "raw + records", "aiohttp as we call it")

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


class AsWeCall(Raw):
    """The aiohttp calls toggl-async makes, and nothing else: the floor under our client.

    Same session settings (default headers, a total timeout, a connector limit of
    ``max_connections``, which defaults to the concurrency), ``session.request`` without
    redirects, the body taken at once when it came with the headers, then released.
    """

    def __init__(self, base: str, token: str, concurrency: int, records: bool) -> None:
        self.base = base
        self.records = records
        credentials = base64.b64encode(f"{token}:api_token".encode()).decode()
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=concurrency),
            timeout=aiohttp.ClientTimeout(total=30.0),
            headers={"User-Agent": DEFAULT_USER_AGENT, "Authorization": "Basic " + credentials},
            json_serialize=_json.dumps_str,
        )

    async def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        resp = await self.session.request(
            "GET", self.base + path, params=params, allow_redirects=False
        )
        try:
            content = resp.content
            body = content.read_nowait() if content.is_eof() else await resp.read()
            if resp.status != 200:
                raise RuntimeError(f"{resp.status} from {path}")
        finally:
            resp.release()
        return _json.loads(body) if body else None


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
    kind = AsWeCall if side == "aiohttp as we call it" else Raw
    raw = kind(info.track_base_url, info.api_token, concurrency, records=side == "raw + records")
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
                # The floor: the same aiohttp calls without the client around them.
                "floor_ratio_wall": _paired(wall["aiohttp as we call it"], wall["raw"]),
                "floor_ratio_cpu": _paired(cpu["aiohttp as we call it"], cpu["raw"]),
                "ratio_cpu_vs_floor": _paired(cpu["ours"], cpu["aiohttp as we call it"]),
                "ratio_wall_vs_floor": _paired(wall["ours"], wall["aiohttp as we call it"]),
                "raw_cpu_us_per_call": statistics.median(cpu["raw"].seconds) / len(items) * 1e6,
            }
    return figures


class _Stub:
    """A session that answers every request at once with the same body (no network)."""

    def __init__(self, body: bytes) -> None:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Toggl-Quota-Remaining": "999999",
            "X-Toggl-Quota-Resets-In": "3600",
        }
        self.response = _StubResponse(body, CIMultiDictProxy(CIMultiDict(headers)))

    async def request(self, method: str, url: str, **kwargs: Any) -> Any:
        await asyncio.sleep(0)  # one suspension, as a real request has at least one
        return self.response

    async def close(self) -> None:
        pass


class _StubResponse:
    status = 200

    def __init__(self, body: bytes, headers: Any) -> None:
        self.body, self.headers, self.content = body, headers, self

    def is_eof(self) -> bool:
        return True

    def read_nowait(self) -> bytes:
        return self.body

    def release(self) -> None:
        pass


async def own_code_us(info: Any, calls: int, rounds: int) -> dict[str, float]:
    """µs of CPU per ``me.get()`` spent in our code alone, and in a minimal loop, stubbed."""
    raw = Raw(info.track_base_url, info.api_token, 1, records=False)
    try:
        async with raw.session.get(info.track_base_url + "/me", headers=raw.headers) as r:
            body = await r.read()
    finally:
        await raw.close()
    stub = _Stub(body)

    async def minimal() -> Any:  # what any caller does: request, read, release, parse
        resp = await stub.request("GET", "/me")
        try:
            data = resp.content.read_nowait() if resp.content.is_eof() else b""
        finally:
            resp.release()
        return _json.loads(data)

    async with TogglClient(api_token=info.api_token, track_base_url=info.track_base_url) as c:
        real = c._transport._session  # private: swapped for the stub, for this figure only
        assert real is not None
        await real.close()
        c._transport._session = stub  # type: ignore[assignment]
        candidates: dict[str, Callable[[], Awaitable[Any]]] = {
            "minimal": minimal,
            "minimal + Me record": lambda: _with_record(minimal),
            "ours": c.me.get,
        }
        best = dict.fromkeys(candidates, float("inf"))
        for _ in range(rounds):
            for name, call in candidates.items():
                started = time.process_time()
                for _ in range(calls):
                    await call()
                best[name] = min(best[name], (time.process_time() - started) / calls * 1e6)
    return {
        "minimal_us": best["minimal"],
        "record_us": best["minimal + Me record"] - best["minimal"],
        "own_code_us": best["ours"] - best["minimal + Me record"],
        "ours_us": best["ours"],
    }


async def _with_record(call: Callable[[], Awaitable[Any]]) -> Any:
    return structure(await call(), Me)


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
        rounds, listing_rounds, requests = 11, 4, 500
    live_projects = account["workspaces"] * account["projects_per_workspace"]
    per_page = live_projects // pages + (0 if live_projects % pages else 1)
    with sandbox_process(account) as sandbox:
        figures = asyncio.run(measure(sandbox.info, rounds, listing_rounds, requests, per_page))
        stubbed = asyncio.run(own_code_us(sandbox.info, 200 if args.quick else 5000, rounds))
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
        "own_code_per_me_get": stubbed,
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
    print(
        "floor (the same aiohttp calls, no client) / raw, CPU: "
        + ", ".join(f"{k} {f['floor_ratio_cpu']:.2f}" for k, f in figures.items())
    )
    print(
        f"me.get, network stubbed: our code {stubbed['own_code_us']:.1f} µs + Me record "
        f"{stubbed['record_us']:.1f} µs per call (a minimal loop: {stubbed['minimal_us']:.1f} µs)"
    )
    path = write_results("overhead", result, args.results)
    print(f"wrote {path}")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])

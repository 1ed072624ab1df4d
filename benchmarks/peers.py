"""Peers: the other Python Toggl clients on PyPI doing the same work against the sandbox.

Work (no added latency; the sandbox runs in its own process, each client in a fresh one):

* ``me``: ``GET /me`` 100 times, one after the other;
* ``list projects``: every project of a 20,000-project account in one listing call;
* ``page projects``: page through the same 20,000 projects with the client's paging API;
* ``time entries``: read ~5,000 time entries through ``/me/time_entries`` day windows
  (each under Toggl's 1,000-per-response limit; the same windows for every client).

Each client uses its own public methods. Where a library has no method for a task but does
expose a generic request helper, that helper is used and the cell is marked (raw JSON, no
models); where it cannot do the task at all, or cannot be pointed at a local server, the
result says so. Peers hard-code Toggl's URL: each is pointed at the sandbox by replacing its
base-URL constant (or, for toggl-track, the host in its ``requests.get`` call) -- fair, and
noted per peer. Ratios are peer time / toggl-async time (above 1: we are faster).

    python benchmarks/peers.py [--quick]
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from _common import (
    environment,
    header,
    parse_args,
    run_in_process,
    sandbox_process,
    table,
    version_of,
    write_results,
)

TASKS = ("me", "list projects", "page projects", "time entries")
PEERS = {
    # name: (distribution, flavour, how it was pointed at the sandbox)
    "toggl-async": ("toggl-async", "async", "track_base_url= argument"),
    "toggl-api-wrapper (sync)": (
        "toggl-api-wrapper",
        "sync",
        "TogglEndpoint.BASE_ENDPOINT replaced",
    ),
    "toggl-api-wrapper (async)": (
        "toggl-api-wrapper",
        "async",
        "TogglAsyncEndpoint.BASE_ENDPOINT replaced",
    ),
    "toggl-python": ("toggl-python", "sync", "base_url= argument"),
    "lib-toggl": ("lib-toggl", "async", "endpoint constants in lib_toggl.client replaced"),
    "python-toggl": ("python-toggl", "sync", "TogglClientApi.defaultCredentials['base_url']"),
    "skip-togglpy": ("skip-togglpy", "sync", "Endpoints.WORKSPACES/TIME_ENTRIES replaced"),
    "toggl-track": ("toggl-track", "sync", "host rewritten in its requests.get call"),
}
NOT_RUN = {
    "togglcli": "a CLI whose API classes need a ~/.togglrc config and pin click==8.1.7, "
    "which conflicts with toggl-track's click==8.1.8; not installed",
}


class Unsupported(Exception):
    """The client has no way to do this task."""


# -- the work, per client ------------------------------------------------------------------------
# Each adapter's methods return the number of records they got; async ones are coroutines.


def _day(text: str) -> datetime:
    return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)


class Ours:
    def __init__(self, info: dict[str, Any]) -> None:
        from toggl_async import TogglClient

        self.client = TogglClient(
            api_token=info["api_token"],
            track_base_url=info["track_base_url"],
            reports_base_url=info["reports_base_url"],
            focus_base_url=info["focus_base_url"],
        )

    async def me(self) -> int:
        await self.client.me.get()
        return 1

    async def list_projects(self) -> int:
        return len(await self.client.me.projects())

    async def page_projects(self) -> int:
        count = 0
        async for _ in self.client.me.iter_projects(per_page=201):
            count += 1
        return count

    async def time_entries(self, windows: list[tuple[str, str, int]]) -> int:
        count = 0
        for start, end, _ in windows:
            count += len(await self._entries(date.fromisoformat(start), date.fromisoformat(end)))
        return count

    async def _entries(self, start: date, end: date) -> list[Any]:
        listing = getattr(self.client.time_entries, "list", None)
        if listing is not None and {"start_date", "end_date"} <= set(
            inspect.signature(listing).parameters
        ):
            result: list[Any] = await listing(start_date=start, end_date=end)
            return result
        # Until time_entries.list lands: the one call such a method is made of.
        from toggl_async.records import TimeEntry

        params = {"start_date": start.isoformat(), "end_date": end.isoformat()}
        fetched: list[Any] = await self.client.time_entries._fetch(
            list[TimeEntry], "GET", "/me/time_entries", params=params
        )
        return fetched

    async def close(self) -> None:
        await self.client.aclose()


class WrapperSync:
    """toggl-api-wrapper's blocking endpoints (httpx.Client)."""

    def __init__(self, info: dict[str, Any]) -> None:
        import httpx
        from toggl_api import ProjectEndpoint, TrackerEndpoint, UserEndpoint
        from toggl_api.meta import TogglEndpoint

        TogglEndpoint.BASE_ENDPOINT = info["track_base_url"] + "/"
        auth = httpx.BasicAuth(info["api_token"], "api_token")
        self.http = httpx.Client()
        ws = info["workspace_ids"]
        self.user = UserEndpoint(auth, client=self.http)
        self.projects = [ProjectEndpoint(w, auth, client=self.http) for w in ws]
        self.tracker = TrackerEndpoint(ws[0], auth, client=self.http)

    def me(self) -> int:
        self.user.get_details()  # a dict: it has no model for the user
        return 1

    def list_projects(self) -> int:
        raise Unsupported(
            "ProjectEndpoint.collect() returns one page (151) per workspace; it has no paging"
        )

    def page_projects(self) -> int:
        # Generic: its public request() with page parameters on the workspace listing.
        count = 0
        for endpoint in self.projects:
            page = 1
            while True:
                got = endpoint.request(
                    f"{endpoint.endpoint}?page={page}&per_page=200", refresh=True
                )
                count += len(got or [])
                if len(got or []) < 200:
                    break
                page += 1
        return count

    def time_entries(self, windows: list[tuple[str, str, int]]) -> int:
        # It compares the dates with datetime.now(), so it needs datetimes, which it sends as
        # instants: end one second before midnight, as lib-toggl.
        return sum(
            len(
                self.tracker.collect(
                    start_date=_day(s), end_date=_day(e) - timedelta(seconds=1), refresh=True
                )
            )
            for s, e, _ in windows
        )

    def close(self) -> None:
        self.http.close()


class WrapperAsync:
    """toggl-api-wrapper's asyncio endpoints (httpx.AsyncClient)."""

    def __init__(self, info: dict[str, Any]) -> None:
        import httpx
        from toggl_api.asyncio import (
            AsyncProjectEndpoint,
            AsyncTrackerEndpoint,
            AsyncUserEndpoint,
            TogglAsyncEndpoint,
        )

        TogglAsyncEndpoint.BASE_ENDPOINT = httpx.URL(info["track_base_url"] + "/")
        auth = httpx.BasicAuth(info["api_token"], "api_token")
        self.http = httpx.AsyncClient()
        ws = info["workspace_ids"]
        self.user = AsyncUserEndpoint(auth, client=self.http)
        self.projects = [AsyncProjectEndpoint(w, auth, client=self.http) for w in ws]
        self.tracker = AsyncTrackerEndpoint(ws[0], auth, client=self.http)

    async def me(self) -> int:
        await self.user.get_details()
        return 1

    async def list_projects(self) -> int:
        raise Unsupported(
            "AsyncProjectEndpoint.collect() returns one page (151) per workspace; no paging"
        )

    async def page_projects(self) -> int:
        count = 0
        for endpoint in self.projects:
            page = 1
            while True:
                got = await endpoint.request(
                    f"{endpoint.endpoint}?page={page}&per_page=200", refresh=True
                )
                count += len(got or [])  # type: ignore[arg-type]
                if len(got or []) < 200:  # type: ignore[arg-type]
                    break
                page += 1
        return count

    async def time_entries(self, windows: list[tuple[str, str, int]]) -> int:
        count = 0
        for s, e, _ in windows:
            got = await self.tracker.collect(
                start_date=_day(s), end_date=_day(e) - timedelta(seconds=1), refresh=True
            )
            count += len(got)
        return count

    async def close(self) -> None:
        await self.http.aclose()


class TogglPython:
    """toggl-python (evrone): httpx + pydantic models."""

    def __init__(self, info: dict[str, Any]) -> None:
        from toggl_python.auth import TokenAuth
        from toggl_python.entities.user import CurrentUser

        self.user = CurrentUser(auth=TokenAuth(info["api_token"]), base_url=info["track_base_url"])

    def me(self) -> int:
        self.user.me()
        return 1

    def list_projects(self) -> int:
        return len(self.user.get_projects())

    def page_projects(self) -> int:
        count, start = 0, None
        while True:
            page = self.user.get_paginated_projects(start_project_id=start, per_page=201)
            count += len(page)
            if len(page) < 201:
                return count
            start = page[-1].id + 1

    def time_entries(self, windows: list[tuple[str, str, int]]) -> int:
        # It sends dates only (YYYY-MM-DD), which is what the day windows are.
        return sum(
            len(self.user.get_time_entries(start_date=_day(s), end_date=_day(e)))
            for s, e, _ in windows
        )

    def close(self) -> None:
        self.user.client.close()


class LibToggl:
    """lib-toggl: aiohttp + pydantic; only the user and time entries."""

    def __init__(self, info: dict[str, Any]) -> None:
        import lib_toggl.client as module

        base = info["track_base_url"]
        module.ACCOUNT_ENDPOINT = f"{base}/me"
        module.TIME_ENTRY_ENDPOINT = f"{base}/me/time_entries"
        self.module = module
        self.token = info["api_token"]
        self.client: Any = None

    async def _client(self) -> Any:
        if self.client is None:
            self.client = self.module.Toggl(self.token)
        return self.client

    async def me(self) -> int:
        await (await self._client()).get_account_details()
        return 1

    async def list_projects(self) -> int:
        raise Unsupported("has no projects API")

    async def page_projects(self) -> int:
        raise Unsupported("has no projects API")

    async def time_entries(self, windows: list[tuple[str, str, int]]) -> int:
        client = await self._client()
        count = 0
        for s, e, _ in windows:
            # It sends RFC 3339 instants; an end one second before midnight selects the same
            # entries as the exclusive date-only end the other clients send.
            got = await client.get_time_entries(_day(s), _day(e) - timedelta(seconds=1))
            count += len(got)
        return count

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()


class PythonToggl:
    """python-toggl: requests (no session), raw responses; a generic query() helper."""

    def __init__(self, info: dict[str, Any]) -> None:
        from toggl.api_client import TogglClientApi

        base = info["track_base_url"].rsplit("/v9", 1)[0]
        TogglClientApi.defaultCredentials = {**TogglClientApi.defaultCredentials, "base_url": base}
        self.ws = info["workspace_ids"]
        self.api = TogglClientApi(
            {"token": info["api_token"], "user_agent": "bench", "workspace_id": self.ws[0]}
        )

    def me(self) -> int:
        self.api.query("/me").json()  # generic query(): no /me method
        return 1

    def list_projects(self) -> int:
        raise Unsupported("get_projects() returns one page (151) of one workspace; no paging")

    def page_projects(self) -> int:
        count = 0
        for ws in self.ws:
            page = 1
            while True:
                got = self.api.query(
                    f"/workspaces/{ws}/projects", params={"page": page, "per_page": 200}
                ).json()
                count += len(got)
                if len(got) < 200:
                    break
                page += 1
        return count

    def time_entries(self, windows: list[tuple[str, str, int]]) -> int:
        return sum(
            len(self.api.query("/me/time_entries", params={"start_date": s, "end_date": e}).json())
            for s, e, _ in windows
        )

    def close(self) -> None:
        pass


class SkipTogglPy:
    """skip-togglpy (TogglPy fork): urllib, raw JSON; a generic request() helper."""

    def __init__(self, info: dict[str, Any]) -> None:
        from toggl.TogglPy import Endpoints, Toggl

        base = info["track_base_url"]
        Endpoints.WORKSPACES = f"{base}/workspaces"
        Endpoints.TIME_ENTRIES = f"{base}/time_entries"
        self.base = base
        self.ws = info["workspace_ids"]
        self.toggl = Toggl()
        self.toggl.setAPIKey(info["api_token"])

    def me(self) -> int:
        self.toggl.request(f"{self.base}/me")  # generic request(): no /me method
        return 1

    def list_projects(self) -> int:
        raise Unsupported("getWorkspaceProjects() returns one page (151) per workspace")

    def page_projects(self) -> int:
        count = 0
        for ws in self.ws:
            page = 1
            while True:
                got = self.toggl.request(
                    f"{self.base}/workspaces/{ws}/projects",
                    {"page": page, "per_page": 200},
                )
                count += len(got)
                if len(got) < 200:
                    break
                page += 1
        return count

    def time_entries(self, windows: list[tuple[str, str, int]]) -> int:
        return sum(
            len(
                self.toggl.request(f"{self.base}/me/time_entries", {"start_date": s, "end_date": e})
            )
            for s, e, _ in windows
        )

    def close(self) -> None:
        pass


class TogglTrack:
    """toggl-track: requests + pydantic; only a time-entry listing, URL hard-coded."""

    def __init__(self, info: dict[str, Any]) -> None:
        import requests
        import toggl_track.toggl as module

        real = "https://api.track.toggl.com/api/v9"
        local = info["track_base_url"]
        session = requests.Session()

        class Rewrite:
            """Stands in for the requests module inside toggl_track.toggl only."""

            @staticmethod
            def get(url: str, **kwargs: Any) -> Any:
                return session.get(url.replace(real, local), **kwargs)

        module.requests = Rewrite  # type: ignore[assignment]
        self.entries = module.TimeEntries(api_token=info["api_token"])

    def me(self) -> int:
        raise Unsupported("has no user API")

    def list_projects(self) -> int:
        raise Unsupported("has no projects API")

    def page_projects(self) -> int:
        raise Unsupported("has no projects API")

    def time_entries(self, windows: list[tuple[str, str, int]]) -> int:
        count = 0
        for s, e, _ in windows:
            # It appends "Z" to a naive isoformat(); pass naive UTC instants.
            start = _day(s).replace(tzinfo=None)
            end = (_day(e) - timedelta(seconds=1)).replace(tzinfo=None)
            count += len(list(self.entries.list(start, end)))
        return count

    def close(self) -> None:
        pass


ADAPTERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "toggl-async": Ours,
    "toggl-api-wrapper (sync)": WrapperSync,
    "toggl-api-wrapper (async)": WrapperAsync,
    "toggl-python": TogglPython,
    "lib-toggl": LibToggl,
    "python-toggl": PythonToggl,
    "skip-togglpy": SkipTogglPy,
    "toggl-track": TogglTrack,
}
GENERIC = {
    # (client, task): the library's generic request helper was used (raw JSON, no models)
    ("toggl-api-wrapper (sync)", "page projects"),
    ("toggl-api-wrapper (async)", "page projects"),
    ("python-toggl", "me"),
    ("python-toggl", "page projects"),
    ("python-toggl", "time entries"),
    ("skip-togglpy", "me"),
    ("skip-togglpy", "page projects"),
    ("skip-togglpy", "time entries"),
}


def run_client(name: str, info: dict[str, Any], me_calls: int) -> dict[str, Any]:
    """In a fresh process: every task once, timed; errors and gaps reported, not raised."""
    try:
        adapter = ADAPTERS[name](info)
    except ImportError as exc:
        return {"not_installed": f"{type(exc).__name__}: {exc}"}
    windows = [tuple(w) for w in info["windows"]]

    def work(task: str) -> Callable[[], Any]:
        if task == "me":

            def calls() -> Any:
                if asyncio.iscoroutinefunction(adapter.me):

                    async def many() -> int:
                        return sum([await adapter.me() for _ in range(me_calls)])

                    return many()
                return sum(adapter.me() for _ in range(me_calls))

            return calls
        if task == "list projects":
            return adapter.list_projects
        if task == "page projects":
            return adapter.page_projects
        return lambda: adapter.time_entries(windows)

    async def timed(fn: Callable[[], Any]) -> tuple[float, int]:
        started = time.perf_counter()
        out = fn()
        if asyncio.iscoroutine(out):
            out = await out
        return time.perf_counter() - started, int(out)

    async def everything() -> dict[str, Any]:
        results: dict[str, Any] = {}
        try:
            # One untimed call first, so connection set-up and lazy imports are not timed.
            with contextlib.suppress(Exception):
                await timed(adapter.me)
            for task in TASKS:
                try:
                    seconds, items = await timed(work(task))
                except Unsupported as exc:
                    results[task] = {"unsupported": str(exc)}
                except Exception as exc:  # a peer failing on realistic data is a finding
                    results[task] = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
                else:
                    results[task] = {"seconds": seconds, "items": items}
        finally:
            closing = adapter.close()
            if asyncio.iscoroutine(closing):
                await closing
        return results

    return asyncio.run(everything())


def _warm(info: dict[str, Any]) -> None:
    """Fill the sandbox's response caches so no client pays for a first request."""
    run_in_process(run_client, "toggl-async", info, 1)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(__doc__, argv)
    env = environment([PEERS[p][0] for p in PEERS if p != "toggl-async"])
    if args.quick:
        account = {
            "workspaces": 2,
            "projects_per_workspace": 300,
            "tasks_per_project": 0,
            "time_entries": 3000,
            "years": 1,
        }
        rounds, me_calls, entries = 1, 5, 300
    else:
        account = {
            "workspaces": 2,
            "projects_per_workspace": 10_000,
            "tasks_per_project": 0,
            "time_entries": 30_000,
            "years": 1,
        }
        rounds, me_calls, entries = 3, 100, 5_000
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in PEERS}
    with sandbox_process(account, window_entries=entries) as sandbox:
        info = {**sandbox.info.as_dict(), "api_token": sandbox.info.api_token}
        _warm(info)
        for _ in range(rounds):  # clients take turns, so load drifts hit all alike
            for name in PEERS:
                runs[name].append(run_in_process(run_client, name, info, me_calls))
        described = sandbox.info.as_dict()
    figures = _summarise(runs)
    result = {
        "benchmark": "peers",
        "environment": env,
        "sizes": {
            "me_calls": me_calls,
            "projects": described["projects"],
            "time_entries_read": described["entries_in_windows"],
            "windows": len(described["windows"]),
            "rounds": rounds,
            "quick": args.quick,
        },
        "clients": {
            name: {
                "distribution": dist,
                "version": version_of(dist),
                "flavour": flavour,
                "pointed_at_sandbox_by": how,
            }
            for name, (dist, flavour, how) in PEERS.items()
        },
        "not_run": NOT_RUN,
        "generic_request_helper_used": sorted(f"{c}: {t}" for c, t in GENERIC),
        "figures": figures,
    }
    _print(result, env)
    path = write_results("peers", result, args.results)
    print(f"wrote {path}")
    return result


def _summarise(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    ours = _best(runs["toggl-async"])
    for name, samples in runs.items():
        best = _best(samples)
        per_task: dict[str, Any] = {}
        for task in TASKS:
            cell = dict(best.get(task, {}))
            if "seconds" in cell and "seconds" in ours.get(task, {}):
                cell["ratio_to_toggl_async"] = cell["seconds"] / ours[task]["seconds"]
            cell["generic_helper"] = (name, task) in GENERIC
            per_task[task] = cell
        figures[name] = per_task
    return figures


def _best(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """Per task: the fastest run, or the first failure/gap; or why the client did not run."""
    if samples and "not_installed" in samples[0]:
        return {task: {"not_installed": samples[0]["not_installed"]} for task in TASKS}
    best: dict[str, Any] = {}
    for task in TASKS:
        cells = [s[task] for s in samples]
        timed = [c for c in cells if "seconds" in c]
        if timed:
            best[task] = dict(min(timed, key=lambda c: c["seconds"]))
            best[task]["runs_s"] = [c["seconds"] for c in timed]
        else:
            best[task] = cells[0]
    return best


def _print(result: dict[str, Any], env: dict[str, Any]) -> None:
    sizes = result["sizes"]
    print(
        header(
            f"peers: time / toggl-async's time (above 1: toggl-async is faster); "
            f"{sizes['projects']} projects, {sizes['time_entries_read']} time entries",
            env,
        )
    )
    rows = []
    for name, per_task in result["figures"].items():
        row: list[Any] = [f"{name} {result['clients'][name]['version'] or ''}".strip()]
        for task in TASKS:
            row.append(_cell(name, per_task[task]))
        rows.append(row)
    print(table(["client", *TASKS], rows))
    print("* generic request helper (raw JSON, no models)")
    for name, why in result["not_run"].items():
        print(f"not run: {name}: {why}")


def _cell(name: str, cell: dict[str, Any]) -> str:
    if "not_installed" in cell:
        return "not installed"
    if "unsupported" in cell:
        return "n/a"
    if "error" in cell:
        return "fails"
    mark = "*" if cell.get("generic_helper") else ""
    if name == "toggl-async" or "ratio_to_toggl_async" not in cell:
        return f"{cell['seconds'] * 1000:.0f} ms{mark}"
    return f"{cell['ratio_to_toggl_async']:.2f}x{mark}"


if __name__ == "__main__":
    main(sys.argv[1:])

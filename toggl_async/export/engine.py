"""The export engine: plan the units, run them concurrently, checkpoint, assemble, report.

How the work is cut up, and why:

* **Units.** One per listing: a workspace's projects, clients, tags or tasks, and its time
  entries in date windows of at most a year (Reports v3 searches are limited to about a
  year). Units run on ``concurrency`` workers; each keeps at most one request in flight.
* **Time entries** come from Reports v3 detailed search (every member's stopped entries,
  with the report's row fields joined in) for the whole range; ``/me/time_entries`` would
  only reach the last three months and only the user's own entries. The running entry, which
  Reports never lists, comes from ``/me/time_entries/current``.
* **Splitting.** When a worker runs out of units while a window still has far to go, the
  window is split at a day ahead of where it is: the original stops before that day and a
  new unit reads from it. Splits cost at most one partial page each, so they happen only
  while the quota has plenty of room; when the quota is the bottleneck, speed does not
  matter and the fewest requests win.
* **Durability.** Pages go to per-unit part files (or SQLite); every ``checkpoint_interval``
  seconds the parts are fsynced and then the checkpoint is replaced atomically. Resuming
  truncates each part to its checkpointed length and continues each unit from its cursor.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .. import _json
from .._params import as_date
from .._version import __version__
from ..errors import ForbiddenError, NotFoundError, PaymentRequiredError, QuotaExceededError
from ..records import Me, Organization, TimeEntry, Workspace
from ._fs import DirectoryLock, atomic_write, fsync_dir, make_dir
from .errors import ExportDataError, ExportDirectoryError, ExportOptionsError, ExportStateError
from .identity import check_account, check_options, missing
from .ids import INT64_MAX, SeenIds
from .names import NAMED_KINDS, Names
from .running import running_row
from .sinks import FORMATS, Sink, make_sink, writing
from .sources import REPORTS_PAGE_SIZE, Sources
from .state import ExportState, Unit
from .summary import ExportProgress, ExportSummary, WorkspaceProgress
from .tables import KINDS, Row, Table, table

if TYPE_CHECKING:
    from ..client import TogglClient

__all__ = ["WORK_DIR", "Exporter", "ExportOptions"]

WORK_DIR = ".toggl-export"
MANIFEST = "manifest.json"
#: Longest date range per Reports search (Toggl caps searches at about a year).
WINDOW_DAYS = 366
#: Toggl keeps no time entry from before this day.
EARLIEST = date(2006, 1, 1)
#: Split windows only while a workspace's quota has at least this many requests left.
SPLIT_MIN_QUOTA = 500
#: Refusals that concern one workspace's listing: it is skipped (with a warning), the rest
#: of the export goes on. A spent quota is a PaymentRequiredError too, but never skipped.
_SKIPPABLE = (ForbiddenError, PaymentRequiredError, NotFoundError)


def _skippable(exc: BaseException) -> bool:
    return isinstance(exc, _SKIPPABLE) and not isinstance(exc, QuotaExceededError)


ProgressCallback = Callable[[ExportProgress], None]


class ExportOptions:
    """Validated options (see :func:`~toggl_async.export.export_account`)."""

    def __init__(
        self,
        *,
        since: date | str | None,
        until: date | str | None,
        workspaces: Sequence[int] | None,
        format: str | None,
        concurrency: int,
        page_size: int | None,
        resume: bool | None,
        overwrite: bool,
        checkpoint_interval: float,
        progress_interval: float,
        source: Mapping[str, Any] | None = None,
    ) -> None:
        try:
            since = None if since is None else as_date("since", since)
            until = None if until is None else as_date("until", until)
        except ValueError as exc:
            raise ExportOptionsError(str(exc)) from None
        if source is not None and (
            not isinstance(source, Mapping)
            or not all(isinstance(v, str | int) for v in source.values())
        ):
            raise ExportOptionsError(f"source must be a mapping of str/int values, got {source!r}")
        if since is not None and until is not None and since > until:
            raise ExportOptionsError(f"since ({since}) is after until ({until})")
        if since is not None and since < EARLIEST:
            raise ExportOptionsError(f"since must be {EARLIEST} or later (Toggl's first day)")
        if format is not None and format not in FORMATS:
            raise ExportOptionsError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ExportOptionsError(f"concurrency must be an int >= 1, got {concurrency!r}")
        if page_size is not None and (
            isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1
        ):
            raise ExportOptionsError(f"page_size must be an int >= 1, got {page_size!r}")
        if not checkpoint_interval >= 0:
            raise ExportOptionsError("checkpoint_interval must be >= 0 seconds")
        ids: tuple[int, ...] | None = None
        if workspaces is not None:
            if isinstance(workspaces, str | bytes) or not all(
                isinstance(w, int) and not isinstance(w, bool) and w > 0 for w in workspaces
            ):
                raise ExportOptionsError(f"workspaces must be positive int ids, got {workspaces!r}")
            ids = tuple(dict.fromkeys(workspaces))
            if not ids:
                raise ExportOptionsError("workspaces must not be empty (None means all)")
        self.since = since
        self.until = until
        self.workspaces = ids
        self.format = format
        self.concurrency = concurrency
        self.page_size = page_size
        self.resume = resume
        self.overwrite = overwrite
        self.checkpoint_interval = checkpoint_interval
        self.progress_interval = progress_interval
        self.source = None if source is None else {str(k): v for k, v in source.items()}

    def requested(self, fmt: str | None) -> dict[str, Any]:
        """The options as recorded in the checkpoint (what a resume must agree with)."""
        return {
            "since": None if self.since is None else self.since.isoformat(),
            "until": None if self.until is None else self.until.isoformat(),
            "workspaces": None if self.workspaces is None else list(self.workspaces),
            "format": fmt,
            "page_size": self.page_size,
        }


def _now() -> datetime:
    return datetime.now(UTC)


def _zone(name: str | None) -> tzinfo:
    if name:
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(name)
    return UTC


class Exporter:
    """One export of one account into one directory (use :func:`export_account`)."""

    def __init__(
        self,
        client: TogglClient,
        out_dir: Path,
        options: ExportOptions,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self.client = client
        self.out_dir = out_dir
        self.work_dir = out_dir / WORK_DIR
        self.checkpoint_path = self.work_dir / "checkpoint.json"
        self.options = options
        self.on_progress = on_progress
        self.sources = Sources(client, page_size=options.page_size or REPORTS_PAGE_SIZE)
        self.state: ExportState | None = None
        self.sink: Sink | None = None
        self.seen: SeenIds | None = None
        self.names: Names | None = None
        self._phase = "planning"
        self._queue: deque[Unit] = deque()
        self._active: set[Unit] = set()
        self._changed = asyncio.Event()
        self._dirty = False
        self._started = time.monotonic()
        self._requests_at_start = client.requests_sent
        self._requests_before = 0
        self._entries_at_start = 0
        self._wait_started: float | None = None
        self._max_remaining: dict[str, int] = {}
        self._window_len: dict[str, float] = {}
        self._zone: tzinfo = UTC

    # -- the whole run ----------------------------------------------------------------------

    async def run(self) -> ExportSummary:
        started_at = _now()
        if self.options.resume and not self.checkpoint_path.is_file():
            raise ExportStateError(
                f"there is no unfinished export to resume in {self.out_dir}; "
                "run without --resume to start one"
            )
        created = self._prepare_directory()
        lock = DirectoryLock(self.work_dir / "lock")
        lock_existed = lock.path.exists()
        try:
            with writing(self.out_dir):
                lock.acquire()
        except BaseException:
            _remove_empty(created)
            raise
        try:
            return await self._run_locked(started_at)
        finally:
            # A run that never wrote a checkpoint was refused or failed before starting:
            # leave the directory exactly as it was (no stray lock, no new directories).
            untouched = not self.checkpoint_path.exists()
            lock.release(remove=untouched and not lock_existed)
            if untouched:
                _remove_empty(created)

    async def _run_locked(self, started_at: datetime) -> ExportSummary:
        previous = ExportState.load(self.checkpoint_path)
        if previous is not None and previous.phase == "done" and not self.options.overwrite:
            self._check_same(previous, finished=True)
            return self._summary(previous, started_at, already_complete=True)
        if previous is None and self.options.resume:
            raise ExportStateError(
                f"there is no unfinished export to resume in {self.out_dir}; "
                "run without --resume to start one"
            )
        fresh = previous is None or self.options.overwrite
        if fresh:
            self._refuse_foreign_files(previous)
            state, workspaces = await self._plan(started_at)
            with writing(self.out_dir):
                self._reset_directory()
            self.state = state
            self.sink = make_sink(state.format, self.out_dir, self.work_dir)
            with writing(self.out_dir):
                self.seen = SeenIds(self.work_dir, KINDS, {})
            self._write_workspaces(workspaces)
        else:
            assert previous is not None
            self._check_same(previous, finished=False)
            # A bad token must fail here, not look like workspaces refusing access; and the
            # token must be the same user's, with the same workspaces.
            await self._check_account(previous)
            previous.runs += 1
            self.state = previous
            self.sink = make_sink(previous.format, self.out_dir, self.work_dir)
            with writing(self.out_dir):
                self.seen = SeenIds(self.work_dir, KINDS, previous.seen)
                self._drop_stray_parts()
        state = self.state
        self._load_names(state)
        self.sources.page_size = int(state.options.get("page_size") or REPORTS_PAGE_SIZE)
        self._zone = _zone(state.timezone)
        self._requests_before = state.requests
        self._entries_at_start = self._counts()["time_entries"]
        try:
            self._commit()
            if state.phase == "fetching":
                self._phase = "fetching"
                await self._fetch()
                self._write_running()
                state.phase = "assembling"
                self._commit()
            if state.phase == "assembling":
                self._phase = "assembling"
                self._report()
                state.files = self.sink.assemble(self._groups())
                state.phase = "assembled"
                self._commit()
            if state.phase == "assembled":
                state.finished_at = _now().isoformat()
                self._write_manifest(state, started_at)
                state.phase = "done"
                self._commit()
                self._close_seen()
                shutil.rmtree(self.work_dir / "parts", ignore_errors=True)
                shutil.rmtree(self.work_dir / "seen", ignore_errors=True)
            self._phase = "done"
            self._report()
            return self._summary(state, started_at)
        finally:
            if state.phase != "done":
                self._final_commit()
            self.sink.close()
            if self.seen is not None:
                self.seen.close()

    # -- joined names ------------------------------------------------------------------------

    def _load_names(self, state: ExportState) -> None:
        names = Names(self.work_dir / "names.json", state.unresolved)
        with writing(self.out_dir):
            names.load()
        names.workspaces = {ws["id"]: ws["name"] for ws in state.workspaces}
        self.names = names
        for ws in state.workspaces:
            self._names_ready(ws["id"])

    def _names_ready(self, ws_id: int) -> None:
        """Let the workspace's time entries go once its named objects are all written."""
        assert self.state is not None
        assert self.names is not None
        units = self.state.units
        keys = (f"{kind}/{ws_id}" for kind in NAMED_KINDS)
        if all(units[k].done for k in keys if k in units):
            self.names.event(ws_id).set()

    # -- directory handling ------------------------------------------------------------------

    def _prepare_directory(self) -> list[Path]:
        """Create the output and work directories (0700); return those this run created."""
        try:
            created = make_dir(self.out_dir)
            if not self.out_dir.is_dir():
                raise FileExistsError
            created += make_dir(self.work_dir)
        except FileExistsError:
            raise ExportDirectoryError(f"{self.out_dir} exists and is not a directory") from None
        except OSError as exc:
            raise ExportDirectoryError(
                f"cannot create the export directory {self.out_dir}: {exc.strerror or exc}"
            ) from None
        return created

    def _ours(self) -> set[str]:
        names = {MANIFEST, WORK_DIR, "toggl.sqlite"}
        for kind in KINDS:
            names.update(f"{kind}.{fmt}" for fmt in FORMATS if fmt != "sqlite")
        return names

    def _refuse_foreign_files(self, previous: ExportState | None) -> None:
        ours = self._ours()
        present = [p.name for p in self.out_dir.iterdir()]
        foreign = sorted(n for n in present if n not in ours and not n.startswith("."))
        if foreign:
            shown = ", ".join(foreign[:5]) + (" ..." if len(foreign) > 5 else "")
            raise ExportStateError(
                f"{self.out_dir} is not empty and is not a toggl-async export ({shown}); "
                "choose an empty or new directory"
            )
        outputs = [n for n in present if n in ours and n != WORK_DIR]
        if outputs and previous is None and not self.options.overwrite:
            raise ExportStateError(
                f"{self.out_dir} holds export files but no checkpoint to continue from; "
                "pass --overwrite (overwrite=True) to export again into it"
            )

    def _reset_directory(self) -> None:
        """Remove a previous export's files (only ever ours), before writing the new one."""
        for name in self._ours() - {WORK_DIR}:
            with contextlib.suppress(FileNotFoundError):
                (self.out_dir / name).unlink()
        for child in self.work_dir.iterdir():
            if child.name == "lock":
                continue
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
        fsync_dir(self.out_dir)

    def _drop_stray_parts(self) -> None:
        """Parts of units created after the last checkpoint: their work is redone."""
        assert self.state is not None
        known = {u.part for u in self.state.units.values() if u.part}
        parts = self.work_dir / "parts"
        if parts.is_dir():
            for path in parts.iterdir():
                if path.name not in known:
                    path.unlink()

    def _close_seen(self) -> None:
        if self.seen is not None:
            self.seen.close()

    def _source(self) -> dict[str, Any]:
        """Where the data comes from: given by the caller (the CLI's sandbox), else the URLs."""
        if self.options.source is not None:
            return dict(self.options.source)
        return {"track": self._base_url("track"), "reports": self._base_url("reports")}

    def _check_same(self, previous: ExportState, *, finished: bool) -> None:
        asked = self.options.requested(self.options.format)
        check_options(self.out_dir, previous, asked, self._source(), finished=finished)

    async def _check_account(self, previous: ExportState) -> None:
        try:
            async with asyncio.TaskGroup() as group:
                me_call = group.create_task(self.sources.me())
                ws_call = group.create_task(self.sources.workspaces())
        except BaseExceptionGroup as failed:
            raise _first(failed) from None
        check_account(self.out_dir, previous, me_call.result(), ws_call.result())

    # -- planning ----------------------------------------------------------------------------

    async def _plan(self, started_at: datetime) -> tuple[ExportState, list[Workspace]]:
        opts = self.options
        # The setup calls do not depend on each other: one round trip instead of four.
        try:
            async with asyncio.TaskGroup() as group:
                me_call = group.create_task(self.sources.me())
                ws_call = group.create_task(self.sources.workspaces())
                org_call = (
                    group.create_task(self.sources.organizations()) if opts.since is None else None
                )
                running_call = (
                    group.create_task(self.sources.running()) if opts.until is None else None
                )
        except BaseExceptionGroup as failed:
            raise _first(failed) from None
        me = me_call.result()
        everything = ws_call.result()
        chosen = self._choose_workspaces(everything)
        zone = _zone(me.timezone)
        self._zone = zone
        today = datetime.now(zone).date()
        until = opts.until or today
        orgs = org_call.result() if org_call is not None else []
        starts = await self._history_starts(me, orgs, chosen, until)
        since = min(starts.values()) if starts else until
        if since > until:
            raise ExportOptionsError(f"since ({since}) is after until ({until})")
        if running_call is not None:
            running = running_call.result()
        else:
            running = await self.sources.running() if until >= today else None
        fmt = opts.format or "jsonl"
        options = opts.requested(fmt)
        options["page_size"] = self.sources.page_size
        state = ExportState(
            tool_version=__version__,
            format=fmt,
            options=options,
            since=since.isoformat(),
            until=until.isoformat(),
            timezone=me.timezone,
            user_id=me.id,
            workspaces=[
                {
                    "id": ws.id,
                    "name": ws.name or str(ws.id),
                    "organization_id": ws.organization_id,
                    "since": starts[ws.id].isoformat(),
                }
                for ws in chosen
            ],
            started_at=started_at.isoformat(),
            track_base_url=self._base_url("track"),
            reports_base_url=self._base_url("reports"),
            source=self._source(),
            account_workspaces=sorted(ws.id for ws in everything),
        )
        self._add_units(state, chosen, starts, until, running, me.fullname)
        return state, chosen

    def _base_url(self, which: str) -> str:
        urls = getattr(self.client, "_base_urls", ("", "", ""))
        return str(urls[0] if which == "track" else urls[1])

    def _choose_workspaces(self, everything: list[Workspace]) -> list[Workspace]:
        wanted = self.options.workspaces
        if wanted is None:
            return list(everything)
        by_id = {ws.id: ws for ws in everything}
        unknown = [w for w in wanted if w not in by_id]
        if unknown:
            yours = ", ".join(f"{ws.id} ({ws.name})" for ws in everything) or "none"
            raise ExportOptionsError(
                f"workspace {', '.join(map(str, unknown))} is not one of yours: {yours}"
            )
        return [by_id[w] for w in wanted]

    async def _history_starts(
        self, me: Me, orgs: list[Organization], chosen: list[Workspace], until: date
    ) -> dict[int, date]:
        """Where each workspace's history begins.

        With ``since`` that is it. Otherwise the earliest of the user's and the
        organizations' creation days, then one Reports probe per workspace for the year
        before (entries can be back-dated, or older than the user in a shared workspace);
        each probe that finds something moves the start back a year and probes again.
        """
        if self.options.since is not None:
            return {ws.id: self.options.since for ws in chosen}
        stamps: list[datetime] = [me.created_at] if me.created_at else []
        wanted_orgs = {ws.organization_id for ws in chosen}
        stamps += [o.created_at for o in orgs if o.id in wanted_orgs and o.created_at]
        first = min((s.astimezone(self._zone).date() for s in stamps), default=until)
        first = max(EARLIEST, min(first, until))

        async def probe(ws: Workspace) -> tuple[int, date]:
            start = first
            while start > EARLIEST:
                lo = max(EARLIEST, start - timedelta(days=WINDOW_DAYS))
                try:
                    found = await self.sources.any_entry(ws.id, lo, start - timedelta(days=1))
                except _SKIPPABLE as exc:
                    if not _skippable(exc):
                        raise
                    break
                if not found:
                    break
                start = lo
            return ws.id, start

        return dict(await asyncio.gather(*(probe(ws) for ws in chosen)))

    def _add_units(
        self,
        state: ExportState,
        chosen: list[Workspace],
        starts: dict[int, date],
        until: date,
        running: TimeEntry | None,
        user_name: str | None,
    ) -> None:
        state.units["workspaces"] = Unit(key="workspaces", kind="workspaces", part="workspaces")
        for ws in chosen:
            for kind in ("projects", "clients", "tags", "tasks"):
                key = f"{kind}/{ws.id}"
                state.units[key] = Unit(
                    key=key, kind=kind, workspace_id=ws.id, part=f"{kind}.{ws.id}"
                )
            start = starts[ws.id]
            while start <= until:
                end = min(until, start + timedelta(days=WINDOW_DAYS - 1))
                self._add_window(state, ws.id, start, end)
                start = end + timedelta(days=1)
        if running is not None and running.start is not None:
            day = running.start.astimezone(self._zone).date()
            ws_id = running.workspace_id
            since = starts.get(ws_id or 0)
            if ws_id is not None and since is not None and since <= day <= until:
                key = f"time_entries/{ws_id}/running"
                state.units[key] = Unit(
                    key=key,
                    kind="time_entries",
                    workspace_id=ws_id,
                    part=f"time_entries.{ws_id}.running",
                )
                state.running = {
                    "row": running_row(running, user_name),
                    "id": running.id,
                    "workspace_id": ws_id,
                    "seen": False,
                }

    @staticmethod
    def _add_window(state: ExportState, ws_id: int, start: date, end: date) -> Unit:
        key = f"time_entries/{ws_id}/{start.isoformat()}"
        unit = Unit(
            key=key,
            kind="time_entries",
            workspace_id=ws_id,
            start=start.isoformat(),
            end=end.isoformat(),
            part=f"time_entries.{ws_id}.{start.isoformat()}",
        )
        state.units[key] = unit
        return unit

    def _write_workspaces(self, workspaces: list[Workspace]) -> None:
        assert self.state is not None
        assert self.sink is not None
        unit = self.state.units["workspaces"]
        tbl = table("workspaces")
        self.sink.open(unit, tbl)
        rows = [tbl.row(ws) for ws in self._fresh(unit, workspaces)]
        self.sink.write(unit, tbl, rows)
        unit.count = len(rows)
        unit.done = True
        self.sink.finish(unit)

    # -- fetching ----------------------------------------------------------------------------

    async def _fetch(self) -> None:
        assert self.state is not None
        pending = [
            u for u in self.state.units.values() if not u.done and not u.key.endswith("/running")
        ]
        order = {ws["id"]: i for i, ws in enumerate(self.state.workspaces)}
        pending.sort(key=lambda u: (u.is_window, u.start or "", order.get(u.workspace_id or 0, 0)))
        self._queue = deque(pending)
        background = [
            asyncio.create_task(self._commit_loop()),
            asyncio.create_task(self._progress_loop()),
        ]
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(self.options.concurrency):
                    group.create_task(self._worker())
        except BaseExceptionGroup as failed:
            raise _first(failed) from None
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)

    async def _worker(self) -> None:
        while True:
            unit = await self._claim()
            if unit is None:
                return
            self._active.add(unit)
            try:
                await self._run_unit(unit)
            finally:
                self._active.discard(unit)
                self._notify()

    async def _claim(self) -> Unit | None:
        while True:
            if self._queue:
                return self._queue.popleft()
            split = self._split()
            if split is not None:
                return split
            if not self._active:
                return None
            await self._changed.wait()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _run_unit(self, unit: Unit) -> None:
        assert self.sink is not None
        assert unit.workspace_id is not None
        tbl = table(unit.kind)
        self.sink.open(unit, tbl)
        try:
            if unit.kind == "clients":
                clients = await self.sources.clients(unit.workspace_id)
                self._write(unit, tbl, [tbl.row(c) for c in self._fresh(unit, clients)])
                self._remember(unit, clients)
            elif unit.is_window:
                await self._run_window(unit, tbl)
            else:
                listing = self.sources.listing(unit.kind, unit.workspace_id, unit.cursor)
                async with listing:
                    async for page in listing.pages():
                        self._write(unit, tbl, [tbl.row(r) for r in self._fresh(unit, page)])
                        self._remember(unit, page)
                        unit.cursor = listing.cursor
        except _SKIPPABLE as exc:
            if not _skippable(exc):
                raise
            # Toggl answers a revoked token with 403 on workspace paths too: make sure it
            # is the workspace that refuses, not the credentials (this raises if so).
            await self.sources.me()
            unit.skipped = f"{type(exc).__name__}: {exc}"
            self._warn(f"workspace {unit.workspace_id}: {unit.kind} not exported ({exc})")
        unit.done = True
        self.sink.finish(unit)
        self._dirty = True
        if unit.kind in NAMED_KINDS:
            self._names_ready(unit.workspace_id)

    def _remember(self, unit: Unit, records: Sequence[Any]) -> None:
        assert self.names is not None
        self.names.add(unit.kind, records)

    async def _run_window(self, unit: Unit, tbl: Table) -> None:
        assert unit.workspace_id is not None
        assert unit.end is not None
        ws_id = unit.workspace_id
        assert self.names is not None
        names = self.names
        await names.ready(ws_id)
        at = tbl.index
        listing = self.sources.time_entries(
            ws_id, unit.first_day(), date.fromisoformat(unit.end), unit.cursor
        )
        running = self.state.running if self.state is not None else None
        running_id = running["id"] if running is not None else None
        async with listing:
            async for page in listing.pages():
                entries: Sequence[Any] = page
                ended = False
                if unit.stop_before is not None:
                    # Rows from the split day on belong to the unit that took them over
                    # (cut before they count as written, or that unit would skip them).
                    stop = date.fromisoformat(unit.stop_before)
                    for index, entry in enumerate(entries):
                        if entry.start is not None and entry.start.date() >= stop:
                            entries, ended = entries[:index], True
                            break
                entries = self._fresh(unit, entries)
                self._cover(e.start for e in entries)
                rows = []
                for entry in entries:
                    row = tbl.row(entry)
                    if row[0][1] is None:  # the workspace_id column: Reports rows lack it
                        row[0][1] = ws_id
                    names.join(row[0], at)
                    rows.append(row)
                if running is not None and any(e.id == running_id for e in entries):
                    running["seen"] = True
                last = next((e.start for e in reversed(entries) if e.start is not None), None)
                if last is not None:
                    # The report's own calendar day (the user's timezone): where splits go.
                    unit.position = last.date().isoformat()
                self._write(unit, tbl, rows)
                unit.cursor = listing.cursor
                if ended:
                    return

    def _fresh(self, unit: Unit, page: Sequence[Any]) -> list[Any]:
        """The records not written yet: every id once per object, whatever page it comes
        again on (Toggl's pages shift when data changes during a read)."""
        assert self.seen is not None
        seen = self.seen
        kind = unit.kind
        fresh = []
        for record in page:
            ident = record.id
            if ident is None:
                fresh.append(record)  # nothing to deduplicate by; never drop data
                continue
            if not 0 < ident <= INT64_MAX:
                where = f" in workspace {unit.workspace_id}" if unit.workspace_id else ""
                raise ExportDataError(
                    f"Toggl sent {kind} with id {ident}{where}, which does not fit in a "
                    "64-bit integer: no export format can store it. Report the record to "
                    "Toggl; the export stops here (its progress is kept)"
                )
            if seen.add(kind, ident):
                fresh.append(record)
        return fresh

    def _cover(self, starts: Any) -> None:
        """Widen the range of start days actually exported."""
        assert self.state is not None
        state = self.state
        for start in starts:
            if start is None:
                continue
            day = start.date().isoformat()
            if state.first_entry is None or day < state.first_entry:
                state.first_entry = day
            if state.last_entry is None or day > state.last_entry:
                state.last_entry = day

    def _write(self, unit: Unit, tbl: Table, rows: list[Row]) -> None:
        assert self.sink is not None
        self.sink.write(unit, tbl, rows)
        unit.count += len(rows)
        self._dirty = True
        self._notify()

    def _write_running(self) -> None:
        """The running entry, unless it stopped meanwhile and Reports listed it."""
        assert self.state is not None
        assert self.sink is not None
        running = self.state.running
        if running is None:
            return
        unit = self.state.units[f"time_entries/{running['workspace_id']}/running"]
        if unit.done:
            return
        tbl = table("time_entries")
        self.sink.open(unit, tbl)
        assert self.seen is not None
        fresh = self._fresh(unit, [SimpleNamespace(id=running["id"])])
        if not running["seen"] and fresh:
            row = tbl.split(running["row"])
            assert self.names is not None
            self.names.join(row[0], tbl.index)
            self._write(unit, tbl, [row])
            start = running["row"].get("start")
            if isinstance(start, str):
                self._cover([datetime.fromisoformat(start).astimezone(self._zone)])
        unit.done = True
        self.sink.finish(unit)
        self._commit()

    # -- splitting ---------------------------------------------------------------------------

    def _split(self) -> Unit | None:
        """Give an idle worker the far half of the window with the most left to read."""
        assert self.state is not None
        best: tuple[float, Unit, date, date] | None = None
        quotas = self.client.quotas
        for unit in self._active:
            if not unit.is_window or unit.done or unit.position is None:
                continue
            quota = quotas.get(f"workspace:{unit.workspace_id}")
            if quota is not None and quota.remaining < SPLIT_MIN_QUOTA:
                continue
            position = date.fromisoformat(unit.position)
            lo = position + timedelta(days=1)
            hi = unit.last_day()
            days = (hi - lo).days + 1
            if days < 2:
                continue
            read = max(1, (position - unit.first_day()).days + 1)
            expected = unit.count / read * days
            if expected < 4 * self.sources.page_size:
                continue
            if best is None or expected > best[0]:
                best = (expected, unit, lo, hi)
        if best is None:
            return None
        _, unit, lo, hi = best
        middle = lo + timedelta(days=((hi - lo).days + 1) // 2)
        assert unit.workspace_id is not None
        new = self._add_window(self.state, unit.workspace_id, middle, hi)
        unit.stop_before = middle.isoformat()
        self._dirty = True
        return new

    # -- checkpoints -------------------------------------------------------------------------

    def _commit(self) -> None:
        """Make the written pages durable, then record them in the checkpoint."""
        assert self.state is not None
        assert self.sink is not None
        with writing(self.out_dir):
            self.sink.sync()
            if self.seen is not None:
                self.state.seen = self.seen.sync()
            if self.names is not None:
                self.names.save()
                self.state.unresolved = dict(self.names.unresolved)
            self.state.requests = self._requests_before + (
                self.client.requests_sent - self._requests_at_start
            )
            self.state.save(self.checkpoint_path)
        self._dirty = False

    def _final_commit(self) -> None:
        """On the way out (error, Ctrl-C): keep what is durable; never raise over the cause."""
        with contextlib.suppress(Exception):
            self._note_quota_wait(None)
            self._commit()

    async def _commit_loop(self) -> None:
        interval = self.options.checkpoint_interval
        while True:
            await asyncio.sleep(interval)
            if self._dirty:
                self._commit()

    # -- progress ----------------------------------------------------------------------------

    async def _progress_loop(self) -> None:
        while True:
            self._report()
            await asyncio.sleep(self.options.progress_interval)

    def _quota_wait(self) -> float | None:
        waits = [q.seconds_to_reset() for q in self.client.quotas.values() if q.exhausted()]
        return max(waits) if waits else None

    def _note_quota_wait(self, wait: float | None) -> None:
        assert self.state is not None
        now = time.monotonic()
        if wait is not None and self._wait_started is None:
            self._wait_started = now
            self.state.quota_waits += 1
        elif wait is None and self._wait_started is not None:
            self.state.quota_wait_seconds += now - self._wait_started
            self._wait_started = None

    def _warn(self, message: str) -> None:
        assert self.state is not None
        if message not in self.state.warnings:
            self.state.warnings.append(message)

    def _counts(self) -> dict[str, int]:
        assert self.state is not None
        counts = dict.fromkeys(KINDS, 0)
        for unit in self.state.units.values():
            counts[unit.kind] += unit.count
        return counts

    def _report(self) -> None:
        if self.state is None:
            return
        wait = self._quota_wait()
        self._note_quota_wait(wait)
        if self.on_progress is not None:
            self.on_progress(self.progress())

    def progress(self) -> ExportProgress:
        """A snapshot of where the export stands."""
        assert self.state is not None
        state = self.state
        elapsed = time.monotonic() - self._started
        per_ws: dict[int, dict[str, int]] = {
            ws["id"]: dict.fromkeys(KINDS[1:], 0) for ws in state.workspaces
        }
        covered: dict[int, int] = dict.fromkeys(per_ws, 0)
        span: dict[int, int] = dict.fromkeys(per_ws, 0)
        done: dict[int, bool] = dict.fromkeys(per_ws, True)
        for unit in state.units.values():
            ws = unit.workspace_id
            if ws is None or ws not in per_ws:
                continue
            per_ws[ws][unit.kind] += unit.count
            covered[ws] += unit.covered_days()
            span[ws] += unit.span_days()
            done[ws] = done[ws] and unit.done
        counts = self._counts()
        workspaces = tuple(
            WorkspaceProgress(
                id=ws["id"],
                name=ws["name"],
                counts=per_ws[ws["id"]],
                fraction=1.0 if done[ws["id"]] else covered[ws["id"]] / max(1, span[ws["id"]]),
                done=done[ws["id"]],
            )
            for ws in state.workspaces
        )
        total_span = sum(span.values())
        fraction = 1.0 if self._phase == "done" else sum(covered.values()) / max(1, total_span)
        entries = counts["time_entries"]
        run_entries = entries - self._entries_at_start
        requests = self._requests_before + self.client.requests_sent - self._requests_at_start
        wait = self._quota_wait()
        waited = state.quota_wait_seconds + (
            time.monotonic() - self._wait_started if self._wait_started is not None else 0.0
        )
        busy = max(1e-6, elapsed - waited)
        # This run's own pace; unknown (None) until it has written something, so that a
        # resume does not show "0 entries/s, ETA 0:00".
        rate = run_entries / busy if run_entries > 0 else None
        quota = self._tightest_quota()
        return ExportProgress(
            phase=self._phase,
            elapsed=elapsed,
            workspaces=workspaces,
            counts=counts,
            entries_per_second=rate,
            requests=requests,
            requests_per_1000=requests * 1000 / entries if entries else None,
            quota_remaining=quota[0] if quota else None,
            quota_wait=wait,
            eta=self._eta(fraction, entries, rate, wait, quota),
            fraction=fraction,
        )

    def _tightest_quota(self) -> tuple[int, float, str] | None:
        """(remaining, seconds to reset, bucket) of the workspace bucket with least left."""
        best: tuple[int, float, str] | None = None
        for bucket, quota in self.client.quotas.items():
            if not bucket.startswith("workspace:"):
                continue
            self._max_remaining[bucket] = max(
                self._max_remaining.get(bucket, 0), quota.remaining + 1
            )
            self._window_len[bucket] = max(self._window_len.get(bucket, 0.0), quota.resets_in)
            if best is None or quota.remaining < best[0]:
                best = (quota.remaining, quota.seconds_to_reset(), bucket)
        return best

    def _eta(
        self,
        fraction: float,
        entries: int,
        rate: float | None,
        wait: float | None,
        quota: tuple[int, float, str] | None,
    ) -> float | None:
        if self._phase == "done":
            return 0.0
        if fraction <= 0.0 or entries == 0 or not rate:
            return None
        remaining = entries / fraction - entries
        eta = remaining / rate
        if quota is not None:
            left, resets, bucket = quota
            needed = remaining / self.sources.page_size
            if needed > left:
                per_window = max(1, self._max_remaining.get(bucket, 1))
                window = max(1.0, self._window_len.get(bucket, 3600.0))
                windows = (needed - left) / per_window
                eta = max(eta, resets + max(0.0, windows - 1) * window + (wait or 0.0))
        return eta

    # -- the end -----------------------------------------------------------------------------

    def _groups(self) -> list[tuple[Table, list[Unit]]]:
        assert self.state is not None
        order = {ws["id"]: i for i, ws in enumerate(self.state.workspaces)}

        def key(unit: Unit) -> tuple[int, str]:
            return order.get(unit.workspace_id or 0, -1), unit.start or "~running"

        groups = []
        for kind in KINDS:
            units = sorted((u for u in self.state.units.values() if u.kind == kind), key=key)
            groups.append((table(kind), units))
        return groups

    def _write_manifest(self, state: ExportState, started_at: datetime) -> None:
        counts = self._counts()
        entries = counts["time_entries"]
        manifest = {
            "tool": {"name": "toggl-async", "version": __version__},
            "api": {
                "track": "v9",
                "reports": "v3",
                "track_base_url": state.track_base_url,
                "reports_base_url": state.reports_base_url,
            },
            "format": state.format,
            "user_id": state.user_id,
            "timezone": state.timezone,
            "range": {
                "since": state.since,
                "until": state.until,
                "timezone": state.timezone,
                "first_entry": state.first_entry,
                "last_entry": state.last_entry,
            },
            "complete": not missing(state),
            "missing": missing(state),
            "workspaces": [
                {k: ws[k] for k in ("id", "name", "organization_id", "since")}
                for ws in state.workspaces
            ],
            "counts": counts,
            "files": state.files,
            "conventions": {
                "instants": "ISO 8601 in UTC with Z (e.g. 2024-04-08T21:19:52Z) in every format",
                "running_entry": "same columns as the others; seconds and stop null",
                "joined_names": (
                    "workspace_name, project_name, client_id, client_name, task_name, "
                    "tag_names and user_name on each time entry come from the workspaces, "
                    "projects, clients, tags and tasks this export wrote (user_name from "
                    "Reports' username); an id with no such object gets null"
                ),
                "unresolved_names": dict(sorted(state.unresolved.items())),
                "tasks.tracked_seconds": (
                    "milliseconds, as Toggl sends it (its name is Toggl's); "
                    "tracked_time_seconds holds the same figure in seconds"
                ),
            },
            "requests": {
                "total": state.requests,
                "per_1000_entries": round(state.requests * 1000 / entries, 2) if entries else None,
            },
            "quota_waits": {
                "count": state.quota_waits,
                "seconds": round(state.quota_wait_seconds, 1),
            },
            "runs": state.runs,
            "started_at": state.started_at,
            "finished_at": state.finished_at,
            "warnings": state.warnings,
            "time_entries": (
                "Every stopped entry Reports v3 shows you in these workspaces (all members' "
                "entries where you may see them), with the report row's fields, plus your "
                "running entry from /me/time_entries/current."
            ),
        }
        with writing(self.out_dir):
            atomic_write(self.out_dir / MANIFEST, _json.dumps(manifest) + b"\n")

    def _summary(
        self, state: ExportState, started_at: datetime, *, already_complete: bool = False
    ) -> ExportSummary:
        counts = self._counts() if self.state is state else _counts_of(state)
        entries = counts["time_entries"]
        this_run = 0 if already_complete else self.client.requests_sent - self._requests_at_start
        finished = datetime.fromisoformat(state.finished_at) if state.finished_at else _now()
        return ExportSummary(
            out_dir=self.out_dir,
            format=state.format,
            manifest_path=self.out_dir / MANIFEST,
            since=date.fromisoformat(state.since),
            until=date.fromisoformat(state.until),
            workspaces=tuple(ws["id"] for ws in state.workspaces),
            counts=counts,
            files=state.files,
            requests=state.requests,
            requests_this_run=this_run,
            requests_per_1000_entries=state.requests * 1000 / entries if entries else None,
            started_at=datetime.fromisoformat(state.started_at),
            finished_at=finished,
            elapsed=time.monotonic() - self._started if not already_complete else 0.0,
            runs=state.runs,
            quota_waits=state.quota_waits,
            quota_wait_seconds=state.quota_wait_seconds,
            warnings=tuple(state.warnings),
            already_complete=already_complete,
            first_entry=_day(state.first_entry),
            last_entry=_day(state.last_entry),
            missing=tuple(missing(state)),
        )


def _remove_empty(created: list[Path]) -> None:
    """Remove the directories a refused run created (innermost first; only if empty)."""
    for directory in reversed(created):
        with contextlib.suppress(OSError):
            directory.rmdir()


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _counts_of(state: ExportState) -> dict[str, int]:
    counts = dict.fromkeys(KINDS, 0)
    for unit in state.units.values():
        counts[unit.kind] += unit.count
    return counts


def _first(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The error to report from a failed task group: the first one, unwrapped."""
    first = group.exceptions[0]
    while isinstance(first, BaseExceptionGroup):
        first = first.exceptions[0]
    return first

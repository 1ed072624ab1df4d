"""The export engine: runs the planned units concurrently, writes, checkpoints, assembles.

The parts, in the order the data moves through them (each a module of its own):
``options`` (validated arguments) -> ``plan`` (the account cut into units: the initial
checkpoint) -> this module (workers read the units' listings, ``names`` joins names in,
``sinks`` write the rows, ``_commit`` checkpoints) -> ``report`` (the final files'
order, the manifest, the summary). ``directory`` guards the output directory and
``progress`` measures; neither feeds data back. An update (``--update``) adds ``merge``
(projects and tasks from their since-listings), ``own`` (the user's older entries changed
since the last run) and ``carry`` (older entries read back from the previous files).

How the work is cut up, and why:

* **Units.** One per listing: a workspace's projects, clients, tags or tasks, and its time
  entries in date windows of at most a year (Reports v3 searches are limited to about a
  year). Units run on ``concurrency`` workers; each keeps at most one request in flight.
* **Time entries** come from Reports v3 detailed search (every member's stopped entries,
  with the report's row fields joined in) for the whole range; ``/me/time_entries`` would
  only reach the last three months and only the user's own entries. The running entry, which
  Reports never lists, comes from ``/me/time_entries/current``. Each window reads either
  *grouped* rows (alike entries of a day in one row: fewer pages; per-entry amounts derived
  and checked in :mod:`.amounts`, untrusted rows read again by id) or one row per entry
  (``paths="reports"``, or once grouping costs a workspace more than it saves).
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
from collections import deque
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from .. import _json
from ..errors import TogglAPIError
from ..records import Workspace
from ._fs import DirectoryLock, atomic_write
from .amounts import HalfCents
from .carry import read_rows
from .directory import (
    WORK_DIR,
    drop_stray_parts,
    prepare,
    refuse_foreign_files,
    remove_empty,
    reset,
    reset_work,
)
from .errors import (
    SKIPPABLE,
    ExportDataError,
    ExportStateError,
    first_error,
    skippable,
)
from .grouped import costs_more, ungroup
from .identity import check_account, check_options
from .ids import INT64_MAX, SeenIds
from .merge import by_id, merge, refused
from .names import NAMED_KINDS, Names
from .options import ExportOptions
from .own import read_own_changes
from .plan import Planner, add_window, base_url, zone_of
from .progress import ProgressMeter
from .report import counts_of, groups, summarize, write_manifest
from .sinks import Sink, make_sink, writing
from .sources import REPORTS_PAGE_SIZE, SINCE_KINDS, Sources
from .state import ExportState, Unit
from .summary import ExportProgress, ExportSummary
from .tables import KINDS, Row, Table, table

if TYPE_CHECKING:
    from ..client import TogglClient

__all__ = ["WORK_DIR", "Exporter", "ExportOptions"]

#: Split windows only while a workspace's quota has at least this many requests left.
SPLIT_MIN_QUOTA = 500


ProgressCallback = Callable[[ExportProgress], None]


def _now() -> datetime:
    return datetime.now(UTC)


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
        self.meter = ProgressMeter(client, self.sources)
        self.halves = HalfCents()
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
            remove_empty(created)
            raise
        try:
            return await self._run_locked(started_at)
        finally:
            # A run that never wrote a checkpoint was refused or failed before starting:
            # leave the directory exactly as it was (no stray lock, no new directories).
            untouched = not self.checkpoint_path.exists()
            lock.release(remove=untouched and not lock_existed)
            if untouched:
                remove_empty(created)

    async def _run_locked(self, started_at: datetime) -> ExportSummary:
        previous = ExportState.load(self.checkpoint_path)
        if previous is not None and previous.phase == "done" and not self.options.overwrite:
            self._check_same(previous, finished=True)
            if not self.options.update:
                return self._summary(previous, started_at, already_complete=True)
        updating = previous is not None and previous.phase == "done" and self.options.update
        if previous is None and self.options.resume:
            raise ExportStateError(
                f"there is no unfinished export to resume in {self.out_dir}; "
                "run without --resume to start one"
            )
        fresh = previous is None or self.options.overwrite or updating
        if fresh:
            if updating:
                # The finished files stay as they are until the update's are assembled.
                state, workspaces = await self._plan(started_at, previous)
                with writing(self.out_dir):
                    reset_work(self.work_dir)
            else:
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
        self._zone = zone_of(state.timezone)
        self.meter.resume_from(state)
        try:
            self._commit()
            if state.phase == "fetching":
                self._phase = "fetching"
                await self._fetch()
                await self._own_changes()
                self._write_running()
                self._carry()
                state.phase = "assembling"
                self._commit()
            if state.phase == "assembling":
                self._phase = "assembling"
                self._report()
                state.files = self.sink.assemble(groups(state))
                state.phase = "assembled"
                self._commit()
            if state.phase == "assembled":
                state.finished_at = _now().isoformat()
                if state.recheck_from is not None:
                    state.updates.append(self._update_record(state))
                write_manifest(self.out_dir, state)
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
        return prepare(self.out_dir, self.work_dir)

    def _refuse_foreign_files(self, previous: ExportState | None) -> None:
        refuse_foreign_files(self.out_dir, previous, overwrite=self.options.overwrite)

    def _reset_directory(self) -> None:
        reset(self.out_dir, self.work_dir)

    def _drop_stray_parts(self) -> None:
        assert self.state is not None
        drop_stray_parts(self.work_dir, self.state)

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
            raise first_error(failed) from None
        check_account(self.out_dir, previous, me_call.result(), ws_call.result())

    # -- planning ----------------------------------------------------------------------------

    async def _plan(
        self, started_at: datetime, previous: ExportState | None = None
    ) -> tuple[ExportState, list[Workspace]]:
        planner = Planner(self.client, self.sources, self.options, self._source())
        state, chosen = await planner.plan(started_at, previous)
        self._zone = planner.zone
        return state, chosen

    def _base_url(self, which: str) -> str:
        return base_url(self.client, which)

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
            u
            for u in self.state.units.values()
            if not u.done and not u.key.endswith(("/running", "/carry"))
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
            raise first_error(failed) from None
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
                unit.requests += 1
                self._write(unit, tbl, [tbl.row(c) for c in self._fresh(unit, clients)])
                self._remember(unit, clients)
            elif unit.is_window:
                await self._run_window(unit, tbl)
            elif unit.kind in SINCE_KINDS:
                await self._run_objects(unit, tbl)
            else:
                listing = self.sources.listing(unit.kind, unit.workspace_id, unit.cursor)
                async with listing:
                    async for page in listing.pages():
                        unit.requests += 1
                        self._write(unit, tbl, [tbl.row(r) for r in self._fresh(unit, page)])
                        self._remember(unit, page)
                        unit.cursor = listing.cursor
        except SKIPPABLE as exc:
            if not skippable(exc):
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

    async def _run_objects(self, unit: Unit, tbl: Table) -> None:
        """Projects or tasks, in id order: in an update the previous rows with the changes
        of one since-listing merged in (see :mod:`.merge`), else the full listing. Nothing
        is written before the listing is read through, so a resume reads it again."""
        assert unit.workspace_id is not None
        if unit.since is not None:
            try:
                changed = await self._list_all(unit, datetime.fromisoformat(unit.since))
            except TogglAPIError as exc:
                if not refused(exc):
                    raise
                unit.since = None
                unit.listing = f"full (the since-listing was refused: HTTP {exc.status})"
                self._warn(
                    f"workspace {unit.workspace_id}: Toggl refused the since-listing of "
                    f"{unit.kind} (HTTP {exc.status}); they were listed in full"
                )
            else:
                with writing(self.out_dir):
                    previous = [
                        row
                        for row in read_rows(self._format(), self.out_dir, tbl)
                        if row[0][tbl.index["workspace_id"]] == unit.workspace_id
                    ]
                rows, unit.merged = merge(previous, changed, tbl)
                self._write_objects(unit, tbl, rows)
                return
        records = await self._list_all(unit, None)
        self._write_objects(unit, tbl, by_id(tbl.row(r) for r in records))

    async def _list_all(self, unit: Unit, since: datetime | None) -> list[Any]:
        assert unit.workspace_id is not None
        records: list[Any] = []
        pages = 0
        listing = self.sources.listing(unit.kind, unit.workspace_id, None, since=since)
        async with listing:
            async for page in listing.pages():
                pages += 1
                records.extend(page)
        unit.requests += max(1, pages)  # an empty listing yields no page, but was asked
        return records

    def _write_objects(self, unit: Unit, tbl: Table, rows: list[Row]) -> None:
        kept = self._fresh(unit, [SimpleNamespace(id=row[0][0]) for row in rows])
        wanted = {record.id for record in kept}
        rows = [row for row in rows if row[0][0] in wanted]
        self._write(unit, tbl, rows)
        self._remember(unit, [SimpleNamespace(**tbl.as_dict(row)) for row in rows])

    def _format(self) -> str:
        assert self.state is not None
        return self.state.format

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
        grouped = unit.path == "grouped"
        listing = self.sources.time_entries(
            ws_id, unit.first_day(), date.fromisoformat(unit.end), unit.cursor, grouped=grouped
        )
        running = self.state.running if self.state is not None else None
        running_id = running["id"] if running is not None else None
        amount_at = at["billable_amount_in_cents"]
        async with listing:
            async for page in listing.pages():
                unit.requests += 1
                entries: Sequence[Any] = page
                amounts: dict[int, int | None] = {}
                if grouped:
                    entries, amounts, gone = await ungroup(self.sources, unit, page, self.halves)
                    if gone:
                        self._warn(
                            f"workspace {ws_id}: {gone} time entries vanished between a "
                            "grouped read and its ungrouped check; they were not written"
                        )
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
                    if entry.id in amounts:  # the entry's own share of a grouped row
                        row[0][amount_at] = amounts[entry.id]
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
                if grouped and self._grouping_costs_more(ws_id):
                    break
            else:
                return
        # Grouping costs more than it saves here (rows keep failing their check): read the
        # rest of the window one row per entry. Entries of the current day written already
        # are skipped by ``_fresh``; nothing is read twice into the files.
        self._warn(
            f"workspace {ws_id}: grouped Reports rows kept failing their amount check; "
            "the rest of its entries were read one row per entry"
        )
        day = date.fromisoformat(unit.position or unit.first_day().isoformat())
        if day <= unit.first_day():
            unit.path, unit.cursor = "reports", None
            await self._run_window(unit, tbl)
            return
        assert self.state is not None
        rest = add_window(self.state, ws_id, day, unit.last_day(), "reports")
        unit.stop_before = day.isoformat()
        self._queue.append(rest)
        self._dirty = True

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

    # -- carrying over (--update) ------------------------------------------------------------

    async def _own_changes(self) -> None:
        """Read what the user changed in their own older entries (see :mod:`.own`), once."""
        assert self.state is not None
        state = self.state
        own = state.own_changes
        if own is None or state.recheck_from is None or "requests" in own:
            return
        result = await read_own_changes(
            self.sources,
            datetime.fromisoformat(own["since"]),
            {ws["id"] for ws in state.workspaces},
            self._zone,
            date.fromisoformat(state.recheck_from),
        )
        if result.get("warning"):
            self._warn(result["warning"])
        result["applied"] = {"changed": 0, "inserted": 0, "deleted": 0, "tags_removed": 0}
        state.own_changes = result
        self._commit()

    def _gone_tags(self) -> set[int]:
        """Tags the previous export had and this run's listings no longer have: Toggl
        strips a deleted tag from entries without a new ``at``, so carried rows must too."""
        assert self.state is not None
        assert self.names is not None
        listed = {
            u.workspace_id
            for u in self.state.units.values()
            if u.kind == "tags" and u.done and u.skipped is None
        }
        tbl = table("tags")
        current = self.names.maps["tags"]
        with writing(self.out_dir):
            return {
                values[0]
                for values, _ in read_rows(self.state.format, self.out_dir, tbl)
                if values[tbl.index["workspace_id"]] in listed and values[0] not in current
            }

    def _carry(self) -> None:
        """Copy the entries older than ``recheck_from`` from the finished export's own file,
        unless this run wrote them already (an entry moved into the re-read window), with
        the user's own changes applied (:mod:`.own`) and deleted tags removed."""
        assert self.state is not None
        assert self.sink is not None
        assert self.seen is not None
        assert self.names is not None
        state = self.state
        if state.recheck_from is None:
            return
        cutoff = date.fromisoformat(state.recheck_from)
        tbl = table("time_entries")
        at = tbl.index
        before = self.work_dir / "window-before.json"
        if not before.exists():  # what the re-read window held, to count the changes
            with writing(self.out_dir):
                atomic_write(before, _json.dumps(self._window(cutoff)))
        own = state.own_changes or {}
        dropped = set(own.get("deleted") or ())
        again: dict[int, Row] = {int(k): (v[0], v[1]) for k, v in (own.get("rows") or {}).items()}
        applied = own.get("applied") or {}
        gone = self._gone_tags()

        def day(values: list[Any]) -> date | None:
            start = values[at["start"]]
            if start is None:
                return None
            return datetime.fromisoformat(start).astimezone(self._zone).date()

        for unit in state.units.values():
            if not unit.key.endswith("/carry") or unit.done:
                continue
            self.sink.open(unit, tbl)
            rows: list[Row] = []

            def previous(ws_id: int | None = unit.workspace_id) -> Any:
                for row in read_rows(state.format, self.out_dir, tbl):
                    values = row[0]
                    if values[at["workspace_id"]] != ws_id:
                        continue
                    first = day(values)
                    if first is None or first >= cutoff:
                        continue
                    yield row

            with writing(self.out_dir):
                # Own entries read again: in place when still on the same day, else
                # inserted where their start puts them (as a fresh export orders them).
                old_days: dict[int, date | None] = {}
                if again:
                    old_days = {r[0][0]: day(r[0]) for r in previous() if r[0][0] in again}
                in_place = {i for i, d in old_days.items() if d == day(again[i][0])}
                pending = sorted(
                    (
                        r
                        for i, r in again.items()
                        if i not in in_place and r[0][at["workspace_id"]] == unit.workspace_id
                    ),
                    key=lambda r: str(r[0][at["start"]]),
                )
                for row in previous():
                    values = row[0]
                    ident = values[0]
                    if ident in dropped:
                        applied["deleted"] = applied.get("deleted", 0) + 1
                        continue
                    if ident in again:
                        if ident not in in_place:
                            continue
                        applied["changed"] = applied.get("changed", 0) + (again[ident] != row)
                        row = again[ident]
                    elif gone and values[at["tag_ids"]]:
                        tags = [t for t in values[at["tag_ids"]] if t not in gone]
                        if len(tags) != len(values[at["tag_ids"]]):
                            values[at["tag_ids"]] = tags
                            applied["tags_removed"] = applied.get("tags_removed", 0) + 1
                    start = str(values[at["start"]])
                    while pending and str(pending[0][0][at["start"]]) < start:
                        rows += self._own_read_again(pending.pop(0), applied, old_days)
                    rows += self._carried(row)
                    if len(rows) >= 5000:
                        self._write(unit, tbl, rows)
                        rows = []
                        self._commit()
                for row in pending:
                    rows += self._own_read_again(row, applied, old_days)
            self._write(unit, tbl, rows)
            unit.done = True
            self.sink.finish(unit)
            self._commit()

    def _carried(self, row: Row) -> list[Row]:
        """``row`` with its names joined, unless this run wrote its entry already."""
        assert self.seen is not None
        assert self.names is not None
        ident = row[0][0]
        if ident is not None and not self.seen.add("time_entries", ident):
            return []
        self.names.join(row[0], table("time_entries").index)
        return [row]

    def _own_read_again(
        self, row: Row, applied: dict[str, int], old_days: dict[int, date | None]
    ) -> list[Row]:
        """An own entry read again by id, placed by its start: counted as changed when it
        moved here from another day, as inserted when it is new to the export."""
        carried = self._carried(row)
        if carried:
            key = "changed" if row[0][0] in old_days else "inserted"
            applied[key] = applied.get(key, 0) + 1
        return carried

    def _window(self, cutoff: date) -> dict[str, str | None]:
        """id -> ``at`` of the entries in the export's files that start on ``cutoff`` or later."""
        assert self.state is not None
        tbl = table("time_entries")
        at = tbl.index
        found: dict[str, str | None] = {}
        for values, _ in read_rows(self.state.format, self.out_dir, tbl):
            start = values[at["start"]]
            if start is None or datetime.fromisoformat(start).astimezone(self._zone).date() >= (
                cutoff
            ):
                found[str(values[0])] = values[at["at"]]
        return found

    def _update_record(self, state: ExportState) -> dict[str, Any]:
        """One line of the manifest's ``updates``: rows inserted, changed and deleted in the
        re-read window (by id and ``at``), and what was carried over."""
        assert state.recheck_from is not None
        carried = sum(u.count for u in state.units.values() if u.key.endswith("/carry"))
        entries = counts_of(state)["time_entries"]
        with writing(self.out_dir):
            old = _json.loads((self.work_dir / "window-before.json").read_bytes())
            new = self._window(date.fromisoformat(state.recheck_from))
        return {
            "finished_at": state.finished_at,
            "recheck_from": state.recheck_from,
            "requests": state.requests,
            "entries": entries,
            "carried_over": carried,
            "read_again": entries - carried,
            "inserted": len(new.keys() - old.keys()),
            "changed": sum(1 for k in new.keys() & old.keys() if new[k] != old[k]),
            "deleted": len(old.keys() - new.keys()),
            "requests_by_kind": self._requests_by_kind(state),
            "objects": {
                u.key: {"listing": u.listing, **(u.merged or {})}
                for u in state.units.values()
                if u.listing is not None
            },
            "own_changes": {
                k: v for k, v in (state.own_changes or {}).items() if k not in ("rows", "deleted")
            }
            | {"deleted_ids": len((state.own_changes or {}).get("deleted") or ())},
        }

    @staticmethod
    def _requests_by_kind(state: ExportState) -> dict[str, int]:
        """This update's requests: since-listings, full object listings, the re-read
        window, the own-changes listing with its by-id re-reads, and the rest (setup)."""
        since = full = window = 0
        for unit in state.units.values():
            if unit.is_window:
                window += unit.requests
            elif unit.listing == "since":
                since += unit.requests
            else:
                full += unit.requests
        own = int((state.own_changes or {}).get("requests", 0))
        by_kind = {
            "since_listings": since,
            "full_listings": full,
            "recheck_window": window,
            "own_changes_listing": min(own, 1),
            "by_id": max(0, own - 1),
        }
        by_kind["other"] = max(0, state.requests - sum(by_kind.values()))
        return by_kind

    def _grouping_costs_more(self, ws_id: int) -> bool:
        assert self.state is not None
        return costs_more(self.state, ws_id, self.sources.page_size)

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
            hi = unit.last_day()
            if position >= hi:
                continue
            lo = position + timedelta(days=1)
            days = (hi - lo).days + 1
            if days < 2:
                continue
            read = max(1, (position - unit.first_day()).days + 1)
            expected = unit.count / read * days
            # In pages, as this unit reads them (a grouped page holds several rows' entries):
            # a split costs a partial page, so it must leave at least four for each half.
            per_page = unit.count / unit.requests if unit.requests else self.sources.page_size
            if expected < 4 * max(1.0, per_page):
                continue
            if best is None or expected > best[0]:
                best = (expected, unit, lo, hi)
        if best is None:
            return None
        _, unit, lo, hi = best
        middle = lo + timedelta(days=((hi - lo).days + 1) // 2)
        assert unit.workspace_id is not None
        path = unit.path or "reports"  # a unit of an older checkpoint: as it began
        if path == "grouped" and self._grouping_costs_more(unit.workspace_id):
            path = "reports"
        new = add_window(self.state, unit.workspace_id, middle, hi, path)
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
            self.state.requests = self.meter.requests()
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

    def _note_quota_wait(self, wait: float | None) -> None:
        assert self.state is not None
        self.meter.note_quota_wait(self.state, wait)

    def _warn(self, message: str) -> None:
        assert self.state is not None
        if message not in self.state.warnings:
            self.state.warnings.append(message)

    def _counts(self) -> dict[str, int]:
        assert self.state is not None
        return counts_of(self.state)

    def _report(self) -> None:
        if self.state is None:
            return
        self._note_quota_wait(self.meter.quota_wait())
        if self.on_progress is not None:
            self.on_progress(self.progress())

    def progress(self) -> ExportProgress:
        """A snapshot of where the export stands."""
        assert self.state is not None
        return self.meter.snapshot(self.state, self._phase)

    # -- the end -----------------------------------------------------------------------------

    def _summary(
        self, state: ExportState, started_at: datetime, *, already_complete: bool = False
    ) -> ExportSummary:
        this_run = 0 if already_complete else self.meter.requests_this_run()
        elapsed = self.meter.elapsed() if not already_complete else 0.0
        return summarize(
            self.out_dir,
            state,
            this_run=this_run,
            elapsed=elapsed,
            already_complete=already_complete,
        )

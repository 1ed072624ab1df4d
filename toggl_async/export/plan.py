"""Planning: ask the account what there is, and cut the export into units.

One unit per listing: a workspace's projects, clients, tags or tasks, and its time entries
in date windows of at most :data:`WINDOW_DAYS` days (Reports searches are limited to about
a year). The result is the initial :class:`ExportState`, which the run then fills.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .._version import __version__
from ..records import Me, Organization, TimeEntry, Workspace
from .errors import SKIPPABLE, ExportOptionsError, ExportStateError, first_error, skippable
from .merge import SINCE_MARGIN, since_for
from .options import EARLIEST, ExportOptions
from .own import OWN_REACH_DAYS
from .running import running_row
from .sources import SINCE_KINDS, Sources
from .state import ExportState, Unit

if TYPE_CHECKING:
    from ..client import TogglClient

__all__ = ["WINDOW_DAYS", "Planner", "add_window", "base_url", "window_path", "zone_of"]

#: Longest date range per Reports search (Toggl caps searches at about a year).
WINDOW_DAYS = 366


def zone_of(name: str | None) -> tzinfo:
    """The user's timezone (UTC when Toggl names none this Python knows)."""
    if name:
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(name)
    return UTC


def base_url(client: TogglClient, which: str) -> str:
    urls = getattr(client, "_base_urls", ("", "", ""))
    return str(urls[0] if which == "track" else urls[1])


class Planner:
    """Plans one fresh export (``zone`` is the user's timezone once planned)."""

    def __init__(
        self,
        client: TogglClient,
        sources: Sources,
        options: ExportOptions,
        source: dict[str, Any],
    ) -> None:
        self.client = client
        self.sources = sources
        self.options = options
        self.source = source
        self.zone: tzinfo = UTC

    async def plan(
        self, started_at: datetime, previous: ExportState | None = None
    ) -> tuple[ExportState, list[Workspace]]:
        """Ask the account what there is and cut it into units: the checkpoint to run.

        With ``previous`` (a finished export, for ``--update``) the same workspaces and
        history start are kept; time entries are read again only from ``recheck_days``
        ago, and a *carry* unit per workspace takes the older ones from ``previous``.
        """
        opts = self.options
        if previous is not None and previous.options.get("until") is not None:
            raise ExportOptionsError(
                f"this export ends on {previous.until} (--until): there is nothing to "
                "update; export again with --overwrite instead"
            )
        # The setup calls do not depend on each other: one round trip instead of four.
        try:
            async with asyncio.TaskGroup() as group:
                me_call = group.create_task(self.sources.me())
                ws_call = group.create_task(self.sources.workspaces())
                org_call = (
                    group.create_task(self.sources.organizations())
                    if opts.since is None and previous is None
                    else None
                )
                running_call = (
                    group.create_task(self.sources.running()) if opts.until is None else None
                )
        except BaseExceptionGroup as failed:
            raise first_error(failed) from None
        me = me_call.result()
        everything = ws_call.result()
        zone = zone_of(me.timezone)
        self.zone = zone
        today = datetime.now(zone).date()
        until = opts.until or today
        cutoff: date | None = None
        if previous is None:
            chosen = self._choose_workspaces(everything)
            orgs = org_call.result() if org_call is not None else []
            starts = await self._history_starts(me, orgs, chosen, until)
        else:
            chosen = self._same_workspaces(previous, everything)
            starts = {ws["id"]: date.fromisoformat(ws["since"]) for ws in previous.workspaces}
            cutoff = today - timedelta(days=opts.recheck_days)
        since = min(starts.values()) if starts else until
        if since > until:
            raise ExportOptionsError(f"since ({since}) is after until ({until})")
        if running_call is not None:
            running = running_call.result()
        else:
            running = await self.sources.running() if until >= today else None
        if previous is None:
            fmt = opts.format or "jsonl"
            options = opts.requested(fmt)
            options["page_size"] = self.sources.page_size
            options["paths"] = opts.paths or "auto"
        else:
            fmt, options = previous.format, dict(previous.options)
            options["paths"] = opts.paths or options.get("paths") or "auto"
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
            track_base_url=base_url(self.client, "track"),
            reports_base_url=base_url(self.client, "reports"),
            source=self.source,
            account_workspaces=sorted(ws.id for ws in everything),
        )
        if previous is not None:
            assert cutoff is not None
            state.recheck_from = max(cutoff, since).isoformat()
            state.updates = list(previous.updates)
            state.first_entry = previous.first_entry
        self._add_units(state, chosen, starts, until, running, me.fullname, cutoff)
        state.mergeable = True
        if previous is not None:
            self._since_listings(state, previous, started_at, zone)
        return state, chosen

    @staticmethod
    def _since_listings(
        state: ExportState, previous: ExportState, now: datetime, zone: tzinfo
    ) -> None:
        """An update reads projects and tasks through ``since=`` where it can (see
        :mod:`.merge`), and the user's own changed entries (see :mod:`.own`)."""
        for unit in state.units.values():
            if unit.kind in SINCE_KINDS:
                unit.since, unit.listing = since_for(previous, unit.key, now)
            elif unit.kind in ("clients", "tags"):
                unit.listing = "full (Toggl has no since-listing of it per workspace)"
        margin = datetime.fromisoformat(previous.started_at) - SINCE_MARGIN
        reach = (now - timedelta(days=OWN_REACH_DAYS)).astimezone(zone).date()
        if state.recheck_from is not None and date.fromisoformat(state.recheck_from) <= reach:
            # Every entry /me/time_entries can list starts inside the re-read window.
            state.own_changes = {"requests": 0, "skipped": "the window covers its reach"}
        else:
            state.own_changes = {"since": margin.isoformat()}

    def _same_workspaces(
        self, previous: ExportState, everything: list[Workspace]
    ) -> list[Workspace]:
        by_id = {ws.id: ws for ws in everything}
        gone = [ws["id"] for ws in previous.workspaces if ws["id"] not in by_id]
        if gone:
            raise ExportStateError(
                f"workspace {', '.join(map(str, gone))} of this export is no longer yours; "
                "export again with --overwrite"
            )
        return [by_id[ws["id"]] for ws in previous.workspaces]

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
        first = min((s.astimezone(self.zone).date() for s in stamps), default=until)
        first = max(EARLIEST, min(first, until))

        async def probe(ws: Workspace) -> tuple[int, date]:
            start = first
            while start > EARLIEST:
                lo = max(EARLIEST, start - timedelta(days=WINDOW_DAYS))
                try:
                    found = await self.sources.any_entry(ws.id, lo, start - timedelta(days=1))
                except SKIPPABLE as exc:
                    if not skippable(exc):
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
        cutoff: date | None = None,
    ) -> None:
        state.units["workspaces"] = Unit(key="workspaces", kind="workspaces", part="workspaces")
        for ws in chosen:
            for kind in ("projects", "clients", "tags", "tasks"):
                key = f"{kind}/{ws.id}"
                state.units[key] = Unit(
                    key=key, kind=kind, workspace_id=ws.id, part=f"{kind}.{ws.id}"
                )
            start = starts[ws.id]
            if cutoff is not None and start < cutoff:
                key = f"time_entries/{ws.id}/carry"
                state.units[key] = Unit(
                    key=key,
                    kind="time_entries",
                    workspace_id=ws.id,
                    part=f"time_entries.{ws.id}.carry",
                )
                start = cutoff
            while start <= until:
                # Day counts, never a date past ``until``: a range ending near date.max is fine.
                if (until - start).days < WINDOW_DAYS:
                    end = until
                else:
                    end = start + timedelta(days=WINDOW_DAYS - 1)
                add_window(state, ws.id, start, end)
                if end == until:
                    break
                start = end + timedelta(days=1)
        if running is not None and running.start is not None:
            day = running.start.astimezone(self.zone).date()
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


def window_path(state: ExportState) -> str:
    """How this export reads its time-entry windows: ``paths`` "reports" forces one Reports
    row per entry; otherwise (``"auto"``) grouped rows, which need fewer pages."""
    return "reports" if state.options.get("paths") == "reports" else "grouped"


def add_window(
    state: ExportState, ws_id: int, start: date, end: date, path: str | None = None
) -> Unit:
    """A new unit for the workspace's time entries from ``start`` to ``end``."""
    key = f"time_entries/{ws_id}/{start.isoformat()}"
    unit = Unit(
        key=key,
        kind="time_entries",
        workspace_id=ws_id,
        start=start.isoformat(),
        end=end.isoformat(),
        part=f"time_entries.{ws_id}.{start.isoformat()}",
        path=path if path is not None else window_path(state),
    )
    state.units[key] = unit
    return unit

"""The user's own entries in an update: what ``/me/time_entries?since=`` says changed.

One request lists the user's own entries changed or deleted since the previous run (Toggl
lists only entries that *started* in about the last three months, at most 1000). Those
that start in the re-read window need nothing more (the window reads them). The others
would be carried over unchanged, so: a deleted one is dropped from the carried rows, a
changed one is read again by id through Reports (so its row is exactly what a fresh
export writes) and replaces the carried row. The result is saved in the checkpoint
(``own_changes``) before anything uses it, so a resumed update applies the same changes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from .merge import is_deleted, refused
from .sources import Sources
from .tables import table

__all__ = ["OWN_LIMIT", "OWN_REACH_DAYS", "read_own_changes"]

#: ``/me/time_entries`` lists only entries that started in about this many days: a re-read
#: window at least this long already sees every change it could report (no request then).
OWN_REACH_DAYS = 90

#: ``/me/time_entries`` returns at most this many entries: a full answer may miss changes.
OWN_LIMIT = 1000
#: Longest date range of one Reports search by id (Reports searches are limited to a year).
SPAN_DAYS = 366


async def read_own_changes(
    sources: Sources,
    since: datetime,
    workspaces: set[int],
    zone: tzinfo,
    cutoff: date,
) -> dict[str, Any]:
    """``{"since", "listed", "deleted": [ids], "rows": {id: row}, "requests", "warning"}``."""
    result: dict[str, Any] = {"since": since.isoformat(), "listed": 0, "deleted": [], "rows": {}}
    try:
        changes = await sources.own_changes(since)
    except Exception as exc:
        if not refused(exc):
            raise
        result.update(requests=1, warning=f"own entries' changes not read ({exc})")
        return result
    requests = 1
    result["listed"] = len(changes)
    if len(changes) >= OWN_LIMIT:
        result["warning"] = (
            f"/me/time_entries?since= listed {len(changes)} changed entries, its limit: "
            "older changes of own entries may be missing; export again with --overwrite"
        )
    wanted: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for entry in changes:
        if entry.workspace_id not in workspaces or entry.id is None:
            continue
        if is_deleted(entry):
            result["deleted"].append(entry.id)
        elif entry.start is not None and entry.stop is not None:
            day = entry.start.astimezone(zone).date()
            if day < cutoff:
                wanted[entry.workspace_id].append((day, entry.id))
    tbl = table("time_entries")
    rows: dict[str, Any] = result["rows"]
    for ws_id, items in wanted.items():
        items.sort()
        while items:
            first = items[0][0]
            chunk = [i for i in items if i[0] < first + timedelta(days=SPAN_DAYS)]
            items = items[len(chunk) :]
            ids = sorted({i for _, i in chunk})
            listing = sources.entries_by_id(ws_id, first, chunk[-1][0], ids)
            async with listing:
                async for page in listing.pages():
                    requests += 1
                    for entry in page:
                        if entry.id in ids:
                            values, extra = tbl.row(entry)
                            if values[1] is None:  # the workspace_id column: Reports lacks it
                                values[1] = ws_id
                            rows[str(entry.id)] = [values, extra]
    result["requests"] = requests
    return result

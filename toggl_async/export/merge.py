"""Objects in an update: one ``since=`` listing merged into the previous export's rows.

Toggl's per-workspace project and task listings take ``since`` (UNIX seconds) and then
return what changed from that instant, *deleted objects included* (``server_deleted_at``
set). An update reads that instead of the full listing: each changed object replaces the
previous row with its id, a deleted one drops it, a new one is added. Rows are written in
id order on every path (full or merged), so a merged file equals a fresh one byte for byte.

The instant is the previous run's start minus :data:`SINCE_MARGIN` (clock skew between
this machine and Toggl; applying a change twice is harmless). The full listing is read
instead when the previous export predates since-listings, did not list that object
completely, is older than :data:`SINCE_MAX_AGE`, or when Toggl refuses the since-listing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from ..errors import AuthenticationError, QuotaExceededError, RateLimitError, TogglAPIError
from .state import ExportState
from .tables import Row, Table

__all__ = ["SINCE_MARGIN", "SINCE_MAX_AGE", "by_id", "is_deleted", "merge", "refused", "since_for"]

#: Read changes from this long before the previous run started (clock skew).
SINCE_MARGIN = timedelta(minutes=10)
#: An older previous export is listed in full: Toggl does not say how long it keeps
#: deleted objects in since-listings, and a month of changes costs about a full listing.
SINCE_MAX_AGE = timedelta(days=30)


def since_for(previous: ExportState, key: str, now: datetime) -> tuple[str | None, str]:
    """``(since, how)`` for the unit ``key`` of an update: the instant to list changes
    from (None: read the full listing) and what the manifest says about it."""
    if not previous.mergeable:
        return None, "full (the previous export predates since-listings)"
    unit = previous.units.get(key)
    if unit is None or not unit.done or unit.skipped is not None:
        return None, "full (the previous export has no complete listing of it)"
    started = datetime.fromisoformat(previous.started_at)
    if now - started > SINCE_MAX_AGE:
        return None, f"full (the previous export is older than {SINCE_MAX_AGE.days} days)"
    return (started - SINCE_MARGIN).isoformat(), "since"


def refused(exc: BaseException) -> bool:
    """A 4xx answer to a since-listing: fall back to the full listing. Not a bad token,
    nor the quota (those stop the export as anywhere else)."""
    return (
        isinstance(exc, TogglAPIError)
        and 400 <= exc.status < 500
        and not isinstance(exc, AuthenticationError | QuotaExceededError | RateLimitError)
    )


def is_deleted(record: Any) -> bool:
    return (
        getattr(record, "server_deleted_at", None) is not None
        or getattr(record, "deleted_at", None) is not None
    )


def by_id(rows: Iterable[Row]) -> list[Row]:
    """Rows in id order: the order of every object file, whichever listing filled it."""
    return sorted(rows, key=lambda row: row[0][0])


def merge(
    previous: Iterable[Row], changed: Sequence[Any], table: Table
) -> tuple[list[Row], dict[str, int]]:
    """The previous rows with the changes applied, in id order, and the counts
    ``inserted``/``changed``/``deleted`` (a change to an equal row counts as none)."""
    rows = {row[0][0]: row for row in previous}
    counts = {"inserted": 0, "changed": 0, "deleted": 0}
    for record in changed:
        old = rows.pop(record.id, None)
        if is_deleted(record):
            counts["deleted"] += old is not None
            continue
        new = table.row(record)
        rows[record.id] = new
        if old is None:
            counts["inserted"] += 1
        elif old != new:
            counts["changed"] += 1
    return by_id(rows.values()), counts

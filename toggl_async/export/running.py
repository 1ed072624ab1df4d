"""The running entry in exactly the shape of every other exported time entry.

Reports never lists the running entry, so it comes from ``/me/time_entries/current`` in
Track's shape. It is mapped field for field onto the Reports row the other entries have:

* ``seconds`` is null: the entry has no duration yet (Track's ``duration`` is minus the
  start's epoch, not a length). "Seconds so far" would make two exports of the same data
  differ by when they ran; ``stop`` null marks it as running, and ``now - start`` is its
  elapsed time.
* ``username`` is the exporting user's name (it is their entry); money fields are null,
  as Reports leaves them for entries it has not priced.
* Track-only fields are dropped because they repeat another column or say nothing:
  ``duration`` (see above), ``tags`` (= ``tag_names``), ``duronly`` (deprecated, always
  true), ``wid/pid/tid/uid`` (legacy copies of the ids), the joined names Track adds
  (recomputed by the export for every entry alike), and the null-for-a-running-entry
  ``server_deleted_at``, ``permissions``, ``shared_with``, ``expense_ids``. A field not
  listed here that Toggl adds one day is kept in ``extra``, never dropped.
"""

from __future__ import annotations

from typing import Any

from ..records import TimeEntry
from .tables import utc_text

__all__ = ["DROPPED", "running_row"]

#: Track fields with no place in a Reports-shaped row (see the module docstring).
DROPPED = frozenset(
    {
        "duration",
        "tags",
        "duronly",
        "wid",
        "pid",
        "tid",
        "uid",
        "server_deleted_at",
        "permissions",
        "shared_with",
        "expense_ids",
        "client_id",
        "client_name",
        "project_name",
        "project_color",
        "project_active",
        "project_billable",
        "task_name",
        "user_name",
        "user_avatar_url",
    }
)


def running_row(entry: TimeEntry, user_name: str | None) -> dict[str, Any]:
    """The running entry as a Reports-shaped dict (instants in UTC with ``Z``)."""
    row: dict[str, Any] = {
        "id": entry.id,
        "workspace_id": entry.workspace_id,
        "user_id": entry.user_id,
        "username": user_name,
        "project_id": entry.project_id,
        "task_id": entry.task_id,
        "description": entry.description,
        "billable": bool(entry.billable),
        "tag_ids": list(entry.tag_ids or []),
        "billable_amount_in_cents": None,
        "hourly_rate_in_cents": None,
        "currency": None,
        "seconds": None,
        "start": utc_text(entry.start),
        "stop": None,
        "at": utc_text(entry.at),
    }
    for key, value in (entry.extra or {}).items():
        if key not in DROPPED and key not in row:
            row[key] = value
    return row

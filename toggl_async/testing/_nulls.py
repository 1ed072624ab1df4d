"""The messiest account Toggl could send: ``Sandbox(null_optional=True)`` nulls every field
that may be null, in every response, so a client proves it decodes what it must tolerate.

Which fields "may be null" (per object, as served by the sandbox's routes):

* every field the specification marks ``x-nullable`` (Track v9: Project, TimeEntry, Task;
  Reports v3: Task), and
* every field a recording in ``shared/recorded`` shows as ``null`` (the recording wins), and
* fields the API documentation's prose calls nullable (time entry ``tags``/``tag_ids``).

Assumed where neither says: client ``notes``/``external_reference``/``integration_*`` (null
on every generated client without them); report rows' ``project_id`` (Reports filter on
``[null]`` = "no project"). Kept as sent, on purpose: ids, names, ``at``, ``start``, and time
entry ``stop``: a null ``stop`` means "running" to every client, so nulling it on a stopped
entry would change the data, not just its shape. When ``project_id``/``task_id`` are nulled
the legacy ``pid``/``tid`` keys are dropped, as Toggl omits them when null.
"""

from __future__ import annotations

import re
from typing import Any

from ._util import JSONDict

__all__ = ["NULLABLE", "kind_of", "null_optional"]

NULLABLE: dict[str, frozenset[str]] = {
    "project": frozenset(
        {
            # x-nullable in the Track specification (models.Project)
            "actual_hours", "actual_seconds", "auto_estimates", "billable", "client_id",
            "currency", "current_period", "estimated_hours", "estimated_seconds",
            "rate_last_updated", "template", "template_id",
            # null in the recordings
            "cid", "fixed_fee", "permissions", "rate", "recurring_parameters",
            "server_deleted_at",
        }
    ),
    "time_entry": frozenset(
        {
            "description", "project_id", "task_id",  # x-nullable (models.TimeEntry)
            "permissions", "server_deleted_at",  # recorded
            "tags", "tag_ids",  # documentation: "null if tags were not provided"
        }
    ),
    "task": frozenset(
        {
            # x-nullable (models.Task, Track and Reports)
            "avatar_url", "client_id", "client_name", "estimated_seconds",
            "project_is_private", "rate_last_updated", "toggl_accounts_id", "user_id",
            "user_name",
        }
    ),
    "workspace": frozenset(
        {
            # recorded (GET /workspaces/{wid}, /me/workspaces)
            "csv_upload", "default_hourly_rate", "last_modified", "permissions",
            "rate_last_updated", "server_deleted_at", "subscription", "suspended_at",
            "working_hours_in_minutes",
        }
    ),
    "me": frozenset({"country_id", "openid_email"}),  # recorded
    "tag": frozenset({"permissions"}),  # recorded
    "client": frozenset(  # assumed (see the module docstring)
        {
            "notes", "external_reference", "integration_provider", "integration_ext_id",
            "integration_ext_type", "permissions",
        }
    ),
    # recorded (Reports detailed search rows); project_id assumed
    "report_row": frozenset(
        {"billable_amount_in_cents", "hourly_rate_in_cents", "task_id", "project_id"}
    ),
}  # fmt: skip

_LEGACY = {"project_id": "pid", "task_id": "tid"}

#: Response kinds by path, first match wins (Reports before Track's ``/time_entries``).
_ROUTES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"/search/time_entries$"), "report_row"),
    (re.compile(r"/api/v9/me$"), "me"),
    (re.compile(r"/time_entries(?:/|$)"), "time_entry"),
    (re.compile(r"/tasks(?:/\d+)?$"), "task"),
    (re.compile(r"/projects(?:/\d+|/paginated)?$"), "project"),
    (re.compile(r"/me/workspaces$|/workspaces/\d+$"), "workspace"),
    (re.compile(r"/clients(?:/\d+)?$"), "client"),
    (re.compile(r"/tags(?:/\d+)?$"), "tag"),
)

#: Lists nested in a response, by key: ``GET /me?with_related_data``, wrapped task pages.
_NESTED = {
    "time_entries": "time_entry",
    "projects": "project",
    "tasks": "task",
    "workspaces": "workspace",
    "clients": "client",
    "tags": "tag",
}


def kind_of(path: str) -> str | None:
    """The kind of object a route answers with, or None (left untouched)."""
    for pattern, kind in _ROUTES:
        if pattern.search(path):
            return kind
    return None


def null_optional(value: Any, kind: str) -> Any:
    """``value`` (a parsed response body) with every nullable field of ``kind`` nulled."""
    if isinstance(value, list):
        return [null_optional(item, kind) for item in value]
    if not isinstance(value, dict):
        return value
    out: JSONDict = {}
    nullable = NULLABLE.get(kind, frozenset())
    for key, item in value.items():
        if key in nullable:
            out[key] = None
        elif key == "data" and isinstance(item, list):
            out[key] = null_optional(item, kind)
        elif key in _NESTED and isinstance(item, list) and kind in ("me", "report_row"):
            out[key] = item if kind == "report_row" else null_optional(item, _NESTED[key])
        else:
            out[key] = item
    for field, legacy in _LEGACY.items():
        if field in nullable and field in out:
            out.pop(legacy, None)
    return out

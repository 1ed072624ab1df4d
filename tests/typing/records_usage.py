"""Checked by ``mypy --strict`` (nox -s typecheck), never run: fields Toggl always sends are
not Optional, so ordinary code needs no casts; fields it may null stay Optional.

If a field below were still ``X | None``, the first function would fail to type-check; if
an Optional field became required, a ``type: ignore`` below would be unused and
``warn_unused_ignores`` would fail.
"""

from __future__ import annotations

from datetime import datetime

from toggl_async import TogglClient
from toggl_async.records import Client, Project, ReportTimeEntry, Tag, Task, TimeEntry, Workspace


async def stop_the_running_entry(toggl: TogglClient) -> TimeEntry | None:
    cur = await toggl.time_entries.current()
    if cur is None:
        return None
    return await toggl.time_entries.stop(cur.workspace_id, cur.id)


async def everyday_fields(toggl: TogglClient) -> None:
    me = await toggl.me.get()
    workspace_id: int = me.default_workspace_id
    email: str = me.email
    entries = await toggl.time_entries.list()
    started: list[datetime] = [e.start for e in entries]
    owners: set[int] = {e.user_id for e in entries}
    projects = await toggl.projects.iter(workspace_id).collect()
    names: dict[int, str] = {p.id: p.name for p in projects}
    del email, started, owners, names


def fields_of_each_record(
    ws: Workspace, project: Project, client: Client, task: Task, tag: Tag, row: ReportTimeEntry
) -> None:
    org: int = ws.organization_id
    active: bool = project.active
    client_ws: int = client.workspace_id
    task_project: int = task.project_id
    tag_name: str = tag.name
    seconds: int = row.seconds
    who: str = row.username
    del org, active, client_ws, task_project, tag_name, seconds, who


def optional_fields_stay_optional(entry: TimeEntry, project: Project) -> None:
    stop: datetime = entry.stop  # type: ignore[assignment]
    project_id: int = entry.project_id  # type: ignore[assignment]
    hours: float = project.actual_hours  # type: ignore[assignment]
    del stop, project_id, hours

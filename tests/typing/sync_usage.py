"""Checked by ``mypy --strict`` (nox -s typecheck), never run: the blocking API's types are real.

If the shim's methods were typed ``Any``, the ``type: ignore`` comments below would be
unused and mypy (``warn_unused_ignores``) would fail.
"""

from __future__ import annotations

from toggl_async.records import Me, Project, TimeEntry
from toggl_async_sync import SyncPaginator, TogglClient


def typed_usage(toggl: TogglClient) -> None:
    me: Me = toggl.me.get(with_related_data=True)
    current: TimeEntry | None = toggl.time_entries.current()
    projects: SyncPaginator[Project] = toggl.me.iter_projects(per_page=50)
    for project in projects:
        name: str | None = project.name
        del name
    wrong: int = toggl.me.get()  # type: ignore[assignment]
    toggl.me.get(with_related_data="yes")  # type: ignore[arg-type]
    toggl.time_entries.get("12")  # type: ignore[arg-type]
    del me, current, wrong

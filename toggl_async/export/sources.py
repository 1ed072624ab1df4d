"""The export's only contact with the API: the public client methods it reads through.

Kept in one place so the engine deals in *listings* (a paginator per unit) and the page
sizes that decide the request cost live here, next to the reasons for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ..pagination import Cursor, Paginator
from ..records import Client, Me, Organization, TimeEntry, Workspace

if TYPE_CHECKING:
    from ..client import TogglClient

__all__ = ["REPORTS_PAGE_SIZE", "SINCE_KINDS", "Sources"]

#: Rows per Reports page: Toggl's documented default and, as far as anyone has measured, its
#: cap. Every page is one request, so this is what bounds requests per 1000 entries (20).
REPORTS_PAGE_SIZE = 50
#: Track's largest page for projects and workspace tasks.
TRACK_PAGE_SIZE = 200
#: The objects Toggl lists per workspace with ``since=`` (changes and deletions). Tags and
#: clients have no per-workspace ``since``; their full listing is one request anyway.
SINCE_KINDS = ("projects", "tasks")


class Sources:
    """Listings for one client: what a unit reads, and the one-off setup calls."""

    def __init__(self, client: TogglClient, *, page_size: int = REPORTS_PAGE_SIZE) -> None:
        self.client = client
        self.page_size = page_size

    async def me(self) -> Me:
        return await self.client.me.get()

    async def workspaces(self) -> list[Workspace]:
        return await self.client.me.workspaces()

    async def organizations(self) -> list[Organization]:
        return await self.client.me.organizations()

    async def running(self) -> TimeEntry | None:
        return await self.client.time_entries.current()

    async def clients(self, workspace_id: int) -> list[Client]:
        return await self.client.clients.list(workspace_id, status="both")

    def listing(
        self,
        kind: str,
        workspace_id: int,
        cursor: Cursor | None,
        *,
        since: datetime | None = None,
    ) -> Paginator[Any]:
        """The paginated listing of a workspace's projects, tags or tasks.

        ``since`` (projects and tasks, :data:`SINCE_KINDS`): only what changed from then,
        deleted ones included (with ``server_deleted_at`` set).
        """
        toggl = self.client
        if since is not None and kind not in SINCE_KINDS:
            raise ValueError(f"no since-listing for {kind!r}")
        if kind == "projects":
            return toggl.projects.iter(
                workspace_id, per_page=TRACK_PAGE_SIZE, cursor=cursor, since=since
            )
        if kind == "tags":
            return toggl.tags.iter(workspace_id, cursor=cursor)
        if kind == "tasks":
            return toggl.tasks.iter(
                workspace_id, active="both", per_page=TRACK_PAGE_SIZE, cursor=cursor, since=since
            )
        raise ValueError(f"no listing for {kind!r}")

    async def own_changes(self, since: datetime) -> list[TimeEntry]:
        """The user's own entries changed or deleted from ``since`` (one request; Toggl
        lists only entries that started in about the last three months, at most 1000)."""
        return await self.client.time_entries.list(since=since)

    def time_entries(
        self,
        workspace_id: int,
        start: date,
        end: date,
        cursor: Cursor | None,
        *,
        grouped: bool = False,
    ) -> Paginator[Any]:
        """Reports detailed search over ``start``..``end`` (inclusive), oldest first.

        ``grouped``: Reports merges entries alike on one day into one row, so a page holds
        more entries (see :mod:`.amounts` for what that does to amounts). The cursor
        remembers which: a grouped cursor cannot resume an ungrouped search.
        """
        return self.client.reports.iter_time_entries(
            workspace_id,
            start_date=start,
            end_date=end,
            page_size=self.page_size,
            order_by="date",  # oldest first: the engine splits windows by day
            order_dir="ASC",
            grouped=grouped,
            cursor=cursor,
        )

    def entries_by_id(
        self, workspace_id: int, start: date, end: date, ids: Sequence[int]
    ) -> Paginator[Any]:
        """The ungrouped rows of just these entries (started ``start``..``end``)."""
        return self.client.reports.iter_time_entries(
            workspace_id,
            start_date=start,
            end_date=end,
            page_size=self.page_size,
            order_by="date",
            order_dir="ASC",
            time_entry_ids=ids,
        )

    async def any_entry(self, workspace_id: int, start: date, end: date) -> bool:
        """Whether the workspace has a time entry in ``start``..``end`` (one request)."""
        listing = self.client.reports.iter_time_entries(
            workspace_id, start_date=start, end_date=end, page_size=1, limit=1
        )
        async with listing:
            async for _ in listing:
                return True
        return False

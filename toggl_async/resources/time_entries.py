"""``toggl.time_entries``: reading and writing Track time entries."""

from __future__ import annotations

from .._params import check_id, flag
from ..errors import NotFoundError
from ..records import TimeEntry
from ._base import Resource

__all__ = ["TimeEntriesResource"]


class TimeEntriesResource(Resource):
    """Time entries of the current user."""

    async def current(self) -> TimeEntry | None:
        """The running entry, or None when no timer runs (Toggl sends ``null``, or a 404)."""
        try:
            return await self._fetch_optional(TimeEntry, "GET", "/me/time_entries/current")
        except NotFoundError:
            return None

    async def get(
        self, time_entry_id: int, *, meta: bool = False, include_sharing: bool = False
    ) -> TimeEntry:
        """One entry by id; ``meta`` adds project/task/client names."""
        check_id("time_entry_id", time_entry_id)
        params = {"meta": flag(meta), "include_sharing": flag(include_sharing)}
        return await self._fetch(
            TimeEntry, "GET", f"/me/time_entries/{time_entry_id}", params=params
        )

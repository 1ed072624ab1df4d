"""``toggl.time_entry_constraints``: which time entry fields a workspace makes mandatory."""

from __future__ import annotations

from ._gen import TimeEntryConstraintsEndpoints

__all__ = ["TimeEntryConstraintsResource"]


class TimeEntryConstraintsResource(TimeEntryConstraintsEndpoints):
    """Which time entry fields a workspace makes mandatory."""

"""``toggl.scheduled_reports``: reports Toggl emails on a schedule."""

from __future__ import annotations

from ._gen import ScheduledReportsEndpoints

__all__ = ["ScheduledReportsResource"]


class ScheduledReportsResource(ScheduledReportsEndpoints):
    """Reports Toggl emails on a schedule."""

"""``toggl.timesheets``: timesheets to approve: their hours, history and entries."""

from __future__ import annotations

from ._gen import TimesheetsEndpoints

__all__ = ["TimesheetsResource"]


class TimesheetsResource(TimesheetsEndpoints):
    """Timesheets to approve: their hours, history and entries."""

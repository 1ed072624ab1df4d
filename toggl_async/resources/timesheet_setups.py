"""``toggl.timesheet_setups``: approval setups: who approves whose timesheets."""

from __future__ import annotations

from ._gen import TimesheetSetupsEndpoints

__all__ = ["TimesheetSetupsResource"]


class TimesheetSetupsResource(TimesheetSetupsEndpoints):
    """Approval setups: who approves whose timesheets."""

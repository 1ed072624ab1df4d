"""``toggl.timesheet_setups``: approval setups: who approves whose timesheets."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .._params import check_id, check_ids
from ._gen import TimesheetSetupsEndpoints

if TYPE_CHECKING:  # imported on first use, like the generated records
    from ..records.track_api import APITimesheetSetup

__all__ = ["TimesheetSetupsResource"]


class TimesheetSetupsResource(TimesheetSetupsEndpoints):
    """Approval setups: who approves whose timesheets."""

    async def list(
        self,
        workspace_id: int,
        *,
        member_ids: Iterable[int] | None = None,
        approver_ids: Iterable[int] | None = None,
        sort_field: str | None = None,
        sort_order: str | None = None,
    ) -> builtins.list[APITimesheetSetup]:
        """Every timesheet setup of the workspace (Toggl wraps them in ``{"data": [...]}``;
        you get the setups).

        ``GET /workspaces/{workspace_id}/timesheet_setups``
        """
        from ..records.track_api import APITimesheetSetup

        workspace_id = check_id("workspace_id", workspace_id)
        params = {
            "member_ids": None if member_ids is None else check_ids("member_ids", member_ids),
            "approver_ids": None
            if approver_ids is None
            else check_ids("approver_ids", approver_ids),
            "sort_field": sort_field,
            "sort_order": sort_order,
        }
        path = f"/workspaces/{workspace_id}/timesheet_setups"
        return await self._fetch_unwrapped(
            builtins.list[APITimesheetSetup], "data", "GET", path, params=params
        )

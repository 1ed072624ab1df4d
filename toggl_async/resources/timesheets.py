"""``toggl.timesheets``: timesheets to approve: their hours, history and entries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from .._params import check_id, check_ids, check_positive
from ..pagination import Cursor, NumberedPages, Paginator
from ._gen import TimesheetsEndpoints

if TYPE_CHECKING:  # imported on first use, like the generated records
    from ..records.track_api import APITimesheet

__all__ = ["TimesheetsResource"]


class TimesheetsResource(TimesheetsEndpoints):
    """Timesheets to approve: their hours, history and entries."""

    def iter(
        self,
        workspace_id: int,
        *,
        member_ids: Iterable[int] | None = None,
        approver_ids: Iterable[int] | None = None,
        timesheet_setup_ids: Iterable[int] | None = None,
        statuses: Iterable[str] | None = None,
        after: date | None = None,
        before: date | None = None,
        sort_field: str | None = None,
        sort_order: str | None = None,
        per_page: int = 100,
        cursor: Cursor | None = None,
        limit: int | None = None,
    ) -> Paginator[APITimesheet]:
        """Every timesheet matching the filters, ``per_page`` a page (Toggl wraps them in
        ``{"data": [...], "total_count": N}``; you get the timesheets).

        ``GET /workspaces/{workspace_id}/timesheets``
        """
        from ..records.track_api import APITimesheet

        workspace_id = check_id("workspace_id", workspace_id)
        per_page = check_positive("per_page", per_page)
        if statuses is not None and isinstance(statuses, str):
            raise TypeError("statuses must be a list of names, e.g. ['pending']")
        ids = {
            "member_ids": member_ids,
            "approver_ids": approver_ids,
            "timesheet_setup_ids": timesheet_setup_ids,
        }
        params: dict[str, Any] = {k: None if v is None else check_ids(k, v) for k, v in ids.items()}
        params.update(
            statuses=None if statuses is None else list(statuses),
            after=None if after is None else after.isoformat(),
            before=None if before is None else before.isoformat(),
            sort_field=sort_field,
            sort_order=sort_order,
        )
        return self._paginate(
            APITimesheet,
            NumberedPages(per_page=per_page, envelope="data"),
            "GET",
            f"/workspaces/{workspace_id}/timesheets",
            params=params,
            cursor=cursor,
            limit=limit,
        )

"""``toggl.expenses``: a workspace's work expenses and their receipts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._params import check_id
from ._endpoints import UploadSource
from ._gen import ExpensesEndpoints

if TYPE_CHECKING:  # imported on first use, like the generated records
    from ..records.track_api import Expense

__all__ = ["ExpensesResource"]


class ExpensesResource(ExpensesEndpoints):
    """A workspace's work expenses and their receipts."""

    async def upload(
        self,
        workspace_id: int,
        file: UploadSource,
        *,
        filename: str | None = None,
        content_type: str = "application/octet-stream",
    ) -> Expense:
        """Upload a receipt (a path, bytes or a binary file) as a new expense.

        ``POST /workspaces/{workspace_id}/expenses/upload`` (multipart field ``file``)
        """
        workspace_id = check_id("workspace_id", workspace_id)
        path = f"/workspaces/{workspace_id}/expenses/upload"
        from ..records.track_api import Expense

        return await self._upload(
            Expense,
            "POST",
            path,
            field="file",
            file=file,
            filename=filename,
            content_type=content_type,
        )

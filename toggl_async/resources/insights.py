"""``toggl.insights``: Insights (Reports) data trends and profitability exports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._params import check_id
from ..auth import Api
from ._endpoints import Download, DownloadTarget
from ._gen import InsightsEndpoints

__all__ = ["InsightsResource"]


def _kind(format: str) -> str:
    if format not in ("csv", "xlsx"):
        raise ValueError(f"format must be 'csv' or 'xlsx', got {format!r}")
    return format


class InsightsResource(InsightsEndpoints):
    """Insights: project data trends, and employee/project profitability as files.

    The export bodies are Toggl's insight parameters (``start_date``, ``end_date``,
    ``currency``, ``resolution`` ...), passed as ``parameters``.
    """

    async def _export(
        self, workspace_id: int, name: str, to: DownloadTarget, format: str, body: Any
    ) -> Download:
        workspace_id = check_id("workspace_id", workspace_id)
        if not isinstance(body, Mapping):
            raise TypeError("parameters must be a dict of insight fields")
        path = f"/workspace/{workspace_id}/{name}.{_kind(format)}"
        return await self._download(
            to, "POST", path, json=dict(body), idempotent=True, api=Api.INSIGHTS
        )

    async def download_employee_profitability(
        self,
        workspace_id: int,
        to: DownloadTarget,
        *,
        parameters: Mapping[str, Any],
        format: str = "csv",
    ) -> Download:
        """Employee profitability as a ``csv`` or ``xlsx`` file.

        ``POST /insights/api/v1/workspace/{workspace_id}/profitability/employees.{extension}``
        """
        return await self._export(workspace_id, "profitability/employees", to, format, parameters)

    async def download_project_profitability(
        self,
        workspace_id: int,
        to: DownloadTarget,
        *,
        parameters: Mapping[str, Any],
        format: str = "csv",
    ) -> Download:
        """Project profitability as a ``csv`` or ``xlsx`` file.

        ``POST /insights/api/v1/workspace/{workspace_id}/profitability/projects.{extension}``
        """
        return await self._export(workspace_id, "profitability/projects", to, format, parameters)

    async def download_project_trends(
        self,
        workspace_id: int,
        to: DownloadTarget,
        *,
        parameters: Mapping[str, Any],
        format: str = "csv",
    ) -> Download:
        """Project data trends as a ``csv`` or ``xlsx`` file.

        ``POST /insights/api/v1/workspace/{workspace_id}/trends/projects.{extension}``
        """
        return await self._export(workspace_id, "trends/projects", to, format, parameters)

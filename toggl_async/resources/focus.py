"""``toggl.focus``: Toggl Focus time tracking (Bearer key, its own base URL)."""

from __future__ import annotations

from datetime import datetime

from .._params import check_id, rfc3339
from ..auth import Api
from ..records import FocusTimeEntry
from ._base import Resource

__all__ = ["FocusResource"]


def _tracking(organization_id: int, workspace_id: int, action: str) -> str:
    organization_id = check_id("organization_id", organization_id)
    workspace_id = check_id("workspace_id", workspace_id)
    return f"/organizations/{organization_id}/workspaces/{workspace_id}/tracking/{action}"


class FocusResource(Resource):
    """Start, stop and read the Focus timer of one workspace."""

    api = Api.FOCUS

    async def current(self, organization_id: int, workspace_id: int) -> FocusTimeEntry | None:
        """The entry being tracked, or None (Toggl answers 204 when nothing runs)."""
        path = _tracking(organization_id, workspace_id, "current")
        return await self._fetch_optional(FocusTimeEntry, "GET", path)

    async def start(
        self,
        organization_id: int,
        workspace_id: int,
        *,
        task_id: int,
        start: datetime | None = None,
        time_block_id: int | None = None,
        type: str | None = None,
    ) -> FocusTimeEntry:
        """Start tracking a task. Raises ``UnprocessableError`` (422) if a timer already runs
        and ``NotFoundError`` (404) if the task does not exist. Never retried blindly."""
        path = _tracking(organization_id, workspace_id, "start")
        body: dict[str, object] = {"task_id": check_id("task_id", task_id)}
        if start is not None:
            body["start"] = rfc3339("start", start)
        if time_block_id is not None:
            body["time_block_id"] = check_id("time_block_id", time_block_id)
        if type is not None:
            body["type"] = type
        return await self._fetch(FocusTimeEntry, "POST", path, json=body)

    async def stop(
        self, organization_id: int, workspace_id: int, *, end: datetime | None = None
    ) -> FocusTimeEntry:
        """Stop the running entry. Raises ``NotFoundError`` (404) when nothing is tracked."""
        path = _tracking(organization_id, workspace_id, "stop")
        body = {} if end is None else {"end": rfc3339("end", end)}
        return await self._fetch(FocusTimeEntry, "POST", path, json=body)

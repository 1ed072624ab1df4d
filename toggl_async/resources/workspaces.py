"""``toggl.workspaces``: one workspace and its members."""

from __future__ import annotations

from .._params import check_id
from ..records import Workspace, WorkspaceUser
from ._base import Resource

__all__ = ["WorkspacesResource"]


class WorkspacesResource(Resource):
    """Workspaces by id (the user's list is ``toggl.me.workspaces()``)."""

    async def get(self, workspace_id: int) -> Workspace:
        """One workspace and its settings."""
        workspace_id = check_id("workspace_id", workspace_id)
        return await self._fetch(Workspace, "GET", f"/workspaces/{workspace_id}")

    async def users(self, workspace_id: int) -> list[WorkspaceUser]:
        """The members of a workspace."""
        workspace_id = check_id("workspace_id", workspace_id)
        return await self._fetch(list[WorkspaceUser], "GET", f"/workspaces/{workspace_id}/users")

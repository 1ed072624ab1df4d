"""``toggl.workspaces``: one workspace and its members."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._params import check_id
from ..records import Workspace, WorkspaceUser
from ._endpoints import UploadSource
from ._gen import WorkspacesEndpoints

if TYPE_CHECKING:  # imported on first use, like the generated records
    from ..records.track_api import Logo

__all__ = ["WorkspacesResource"]


class WorkspacesResource(WorkspacesEndpoints):
    """Workspaces by id (the user's list is ``toggl.me.workspaces()``)."""

    async def get(self, workspace_id: int) -> Workspace:
        """One workspace and its settings."""
        workspace_id = check_id("workspace_id", workspace_id)
        return await self._fetch(Workspace, "GET", f"/workspaces/{workspace_id}")

    async def users(self, workspace_id: int) -> list[WorkspaceUser]:
        """The members of a workspace."""
        workspace_id = check_id("workspace_id", workspace_id)
        return await self._fetch(list[WorkspaceUser], "GET", f"/workspaces/{workspace_id}/users")

    async def upload_logo(
        self,
        workspace_id: int,
        file: UploadSource,
        *,
        filename: str | None = None,
        content_type: str = "image/png",
    ) -> Logo:
        """Upload the workspace logo (a path, bytes or a binary file).

        ``POST /workspaces/{workspace_id}/logo`` (multipart field ``file``)
        """
        workspace_id = check_id("workspace_id", workspace_id)
        path = f"/workspaces/{workspace_id}/logo"
        from ..records.track_api import Logo

        return await self._upload(
            Logo,
            "POST",
            path,
            field="file",
            file=file,
            filename=filename,
            content_type=content_type,
        )

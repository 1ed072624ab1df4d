"""``toggl.workspace_users``: memberships of a workspace (workspace-user records)."""

from __future__ import annotations

from ._gen import WorkspaceUsersEndpoints

__all__ = ["WorkspaceUsersResource"]


class WorkspaceUsersResource(WorkspaceUsersEndpoints):
    """Memberships of a workspace (workspace-user records)."""

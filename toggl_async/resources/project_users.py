"""``toggl.project_users``: which users belong to which projects, with their rates and roles."""

from __future__ import annotations

from ._gen import ProjectUsersEndpoints

__all__ = ["ProjectUsersResource"]


class ProjectUsersResource(ProjectUsersEndpoints):
    """Which users belong to which projects, with their rates and roles."""

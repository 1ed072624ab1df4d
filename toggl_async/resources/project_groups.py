"""``toggl.project_groups``: which groups belong to which projects."""

from __future__ import annotations

from ._gen import ProjectGroupsEndpoints

__all__ = ["ProjectGroupsResource"]


class ProjectGroupsResource(ProjectGroupsEndpoints):
    """Which groups belong to which projects."""

"""``toggl.groups``: user groups of an organization and of its workspaces."""

from __future__ import annotations

from ._gen import GroupsEndpoints

__all__ = ["GroupsResource"]


class GroupsResource(GroupsEndpoints):
    """User groups of an organization and of its workspaces."""

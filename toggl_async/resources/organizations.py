"""``toggl.organizations``: organizations: settings, users, roles, usage, owner transfer."""

from __future__ import annotations

from ._gen import OrganizationsEndpoints

__all__ = ["OrganizationsResource"]


class OrganizationsResource(OrganizationsEndpoints):
    """Organizations: settings, users, roles, usage, owner transfer."""

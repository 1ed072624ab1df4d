"""``toggl.invitations``: invitations to an organization."""

from __future__ import annotations

from ._gen import InvitationsEndpoints

__all__ = ["InvitationsResource"]


class InvitationsResource(InvitationsEndpoints):
    """Invitations to an organization."""

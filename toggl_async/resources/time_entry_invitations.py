"""``toggl.time_entry_invitations``: invitations to join shared time entries."""

from __future__ import annotations

from ._gen import TimeEntryInvitationsEndpoints

__all__ = ["TimeEntryInvitationsResource"]


class TimeEntryInvitationsResource(TimeEntryInvitationsEndpoints):
    """Invitations to join shared time entries."""

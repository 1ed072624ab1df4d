"""``toggl.goals``: tracking goals of a workspace or of the current user."""

from __future__ import annotations

from ._gen import GoalsEndpoints

__all__ = ["GoalsResource"]


class GoalsResource(GoalsEndpoints):
    """Tracking goals of a workspace or of the current user."""

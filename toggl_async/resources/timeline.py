"""``toggl.timeline``: the current user's timeline (desktop activity)."""

from __future__ import annotations

from ._gen import TimelineEndpoints

__all__ = ["TimelineResource"]


class TimelineResource(TimelineEndpoints):
    """The current user's timeline (desktop activity)."""

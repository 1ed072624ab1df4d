"""``toggl.track_reminders``: reminders to track time."""

from __future__ import annotations

from ._gen import TrackRemindersEndpoints

__all__ = ["TrackRemindersResource"]


class TrackRemindersResource(TrackRemindersEndpoints):
    """Reminders to track time."""

"""``toggl.timezones``: time zones and their offsets."""

from __future__ import annotations

from ._gen import TimezonesEndpoints

__all__ = ["TimezonesResource"]


class TimezonesResource(TimezonesEndpoints):
    """Time zones and their offsets."""

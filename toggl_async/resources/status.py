"""``toggl.status``: toggl's service status."""

from __future__ import annotations

from ._gen import StatusEndpoints

__all__ = ["StatusResource"]


class StatusResource(StatusEndpoints):
    """Toggl's service status."""

"""``toggl.rates``: billable rates at workspace, project, user or task level."""

from __future__ import annotations

from ._gen import RatesEndpoints

__all__ = ["RatesResource"]


class RatesResource(RatesEndpoints):
    """Billable rates at workspace, project, user or task level."""

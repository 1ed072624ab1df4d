"""``toggl.dashboard``: a workspace's dashboard: who is tracking now, who tracked most, on what."""

from __future__ import annotations

from ._gen import DashboardEndpoints

__all__ = ["DashboardResource"]


class DashboardResource(DashboardEndpoints):
    """A workspace's dashboard: who is tracking now, who tracked most, on what."""

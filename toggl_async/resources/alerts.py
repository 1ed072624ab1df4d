"""``toggl.alerts``: alerts when a project or a workspace passes a threshold."""

from __future__ import annotations

from ._gen import AlertsEndpoints

__all__ = ["AlertsResource"]


class AlertsResource(AlertsEndpoints):
    """Alerts of a workspace: notify when a project or the workspace passes a threshold."""

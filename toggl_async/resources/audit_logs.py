"""``toggl.audit_logs``: an organization's audit log."""

from __future__ import annotations

from ._gen import AuditLogsEndpoints

__all__ = ["AuditLogsResource"]


class AuditLogsResource(AuditLogsEndpoints):
    """An organization's audit log."""

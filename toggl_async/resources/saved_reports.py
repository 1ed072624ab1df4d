"""``toggl.saved_reports``: saved (and shared) reports of a workspace."""

from __future__ import annotations

from ._gen import SavedReportsEndpoints

__all__ = ["SavedReportsResource"]


class SavedReportsResource(SavedReportsEndpoints):
    """Saved (and shared) reports of a workspace."""

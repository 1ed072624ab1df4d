"""``toggl.preferences``: preferences of the current user and of a workspace."""

from __future__ import annotations

from ._gen import PreferencesEndpoints

__all__ = ["PreferencesResource"]


class PreferencesResource(PreferencesEndpoints):
    """Preferences of the current user and of a workspace."""

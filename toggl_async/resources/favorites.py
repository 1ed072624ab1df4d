"""``toggl.favorites``: the current user's favorite time entries (templates)."""

from __future__ import annotations

from ._gen import FavoritesEndpoints

__all__ = ["FavoritesResource"]


class FavoritesResource(FavoritesEndpoints):
    """Favorite time entries (templates) of the current user, per workspace or overall."""

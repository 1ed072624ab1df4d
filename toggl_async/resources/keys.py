"""``toggl.keys``: toggl's public keys (to verify what Toggl signs)."""

from __future__ import annotations

from ._gen import KeysEndpoints

__all__ = ["KeysResource"]


class KeysResource(KeysEndpoints):
    """Toggl's public keys (to verify what Toggl signs)."""

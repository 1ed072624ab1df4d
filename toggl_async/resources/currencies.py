"""``toggl.currencies``: the currencies Toggl knows."""

from __future__ import annotations

from ._gen import CurrenciesEndpoints

__all__ = ["CurrenciesResource"]


class CurrenciesResource(CurrenciesEndpoints):
    """The currencies Toggl knows."""

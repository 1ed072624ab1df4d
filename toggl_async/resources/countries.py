"""``toggl.countries``: countries and their subdivisions (for addresses and tax settings)."""

from __future__ import annotations

from ._gen import CountriesEndpoints

__all__ = ["CountriesResource"]


class CountriesResource(CountriesEndpoints):
    """Countries and their subdivisions (for addresses and tax settings)."""

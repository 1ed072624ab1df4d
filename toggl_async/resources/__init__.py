"""Endpoint namespaces: one module per area of the API."""

from ._base import Resource
from .focus import FocusResource
from .me import MeResource
from .time_entries import TimeEntriesResource

__all__ = ["FocusResource", "MeResource", "Resource", "TimeEntriesResource"]

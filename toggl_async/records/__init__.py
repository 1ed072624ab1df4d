"""Typed records for every API object, and the converter that builds them."""

from ._base import Record
from .converter import converter, structure, to_dict
from .focus import FocusTimeEntry
from .quota import OrganizationQuota
from .track import (
    Client,
    Feature,
    Location,
    Me,
    Organization,
    Project,
    SharedWith,
    Tag,
    Task,
    TimeEntry,
    Workspace,
    WorkspaceFeatures,
)

__all__ = [
    "Client",
    "Feature",
    "FocusTimeEntry",
    "Location",
    "Me",
    "Organization",
    "OrganizationQuota",
    "Project",
    "Record",
    "SharedWith",
    "Tag",
    "Task",
    "TimeEntry",
    "Workspace",
    "WorkspaceFeatures",
    "converter",
    "structure",
    "to_dict",
]

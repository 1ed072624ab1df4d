"""Typed records for every API object, and the converter that builds them."""

from ._base import Record
from .converter import converter, structure, to_dict
from .focus import FocusTimeEntry
from .quota import OrganizationQuota
from .reports import (
    ReportGraphPoint,
    ReportRate,
    ReportTimeEntry,
    ReportTotals,
    SummaryGroup,
    SummaryReport,
    SummarySubGroup,
)
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
from .workspace import PatchFailure, PatchResult, WorkspaceUser

__all__ = [
    "WorkspaceUser",
    "ReportRate",
    "ReportTotals",
    "ReportGraphPoint",
    "SummarySubGroup",
    "SummaryReport",
    "SummaryGroup",
    "ReportTimeEntry",
    "PatchResult",
    "PatchFailure",
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

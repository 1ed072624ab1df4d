"""Endpoint namespaces: one module per area of the API."""

from ._base import Resource
from .clients import ClientsResource
from .focus import FocusResource
from .me import MeResource
from .projects import ProjectsResource
from .reports import ReportsResource
from .tags import TagsResource
from .tasks import TasksResource
from .time_entries import TimeEntriesResource
from .workspaces import WorkspacesResource

__all__ = [
    "ClientsResource",
    "FocusResource",
    "MeResource",
    "ProjectsResource",
    "ReportsResource",
    "Resource",
    "TagsResource",
    "TasksResource",
    "TimeEntriesResource",
    "WorkspacesResource",
]

"""Endpoint namespaces: one module per area of the API."""

from ._base import Resource
from .alerts import AlertsResource
from .audit_logs import AuditLogsResource
from .avatars import AvatarsResource
from .clients import ClientsResource
from .countries import CountriesResource
from .currencies import CurrenciesResource
from .dashboard import DashboardResource
from .expenses import ExpensesResource
from .exports import ExportsResource
from .favorites import FavoritesResource
from .focus import FocusResource
from .goals import GoalsResource
from .groups import GroupsResource
from .http import HttpResource
from .ical import IcalResource
from .insights import InsightsResource
from .invitations import InvitationsResource
from .keys import KeysResource
from .me import MeResource
from .organizations import OrganizationsResource
from .preferences import PreferencesResource
from .project_groups import ProjectGroupsResource
from .project_users import ProjectUsersResource
from .projects import ProjectsResource
from .rates import RatesResource
from .reports import ReportsResource
from .saved_reports import SavedReportsResource
from .scheduled_reports import ScheduledReportsResource
from .status import StatusResource
from .tags import TagsResource
from .tasks import TasksResource
from .time_entries import TimeEntriesResource
from .time_entry_constraints import TimeEntryConstraintsResource
from .time_entry_invitations import TimeEntryInvitationsResource
from .timeline import TimelineResource
from .timesheet_setups import TimesheetSetupsResource
from .timesheets import TimesheetsResource
from .timezones import TimezonesResource
from .track_reminders import TrackRemindersResource
from .workspace_users import WorkspaceUsersResource
from .workspaces import WorkspacesResource

__all__ = [
    "AlertsResource",
    "AuditLogsResource",
    "AvatarsResource",
    "CountriesResource",
    "CurrenciesResource",
    "DashboardResource",
    "ExpensesResource",
    "ExportsResource",
    "FavoritesResource",
    "GoalsResource",
    "GroupsResource",
    "HttpResource",
    "IcalResource",
    "InsightsResource",
    "InvitationsResource",
    "KeysResource",
    "OrganizationsResource",
    "PreferencesResource",
    "ProjectGroupsResource",
    "ProjectUsersResource",
    "RatesResource",
    "SavedReportsResource",
    "ScheduledReportsResource",
    "StatusResource",
    "TimeEntryConstraintsResource",
    "TimeEntryInvitationsResource",
    "TimelineResource",
    "TimesheetSetupsResource",
    "TimesheetsResource",
    "TimezonesResource",
    "TrackRemindersResource",
    "WorkspaceUsersResource",
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

"""Track v9 records: the user, organizations, workspaces and their objects, time entries.

Names follow the API (snake_case). A field without a default is one that every recorded
response carries non-null and the specification does not mark nullable; everything the API
may omit or null is optional. Legacy duplicates (``wid``, ``pid``, ``tid``, ``uid``, ``cid``)
are kept as fields because Toggl still sends them and an export must reproduce the payload;
the long names are filled from them when Toggl sent only the short one, so read the long names.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import attrs

from ._base import Record

__all__ = [
    "Client",
    "Feature",
    "Location",
    "Me",
    "Organization",
    "Project",
    "SharedWith",
    "Tag",
    "Task",
    "TimeEntry",
    "Workspace",
    "WorkspaceFeatures",
]

Json = dict[str, Any]


@attrs.frozen(kw_only=True)
class SharedWith(Record):
    """One user a time entry is shared with (``include_sharing=True``)."""

    user_id: int | None = None
    user_name: str | None = None
    accepted: bool | None = None


@attrs.frozen(kw_only=True)
class TimeEntry(Record):
    """A Track time entry.

    Running entries have ``stop`` = None and a negative ``duration``: Toggl used to send
    ``-start_epoch`` and now only promises "negative", so never sum raw durations; use
    :attr:`is_running` and :meth:`elapsed`. Meta fields (``project_name`` ...) are filled only
    when the call asked for ``meta=True``.
    """

    id: int
    workspace_id: int
    project_id: int | None = None
    task_id: int | None = None
    user_id: int
    description: str | None = None
    start: datetime
    stop: datetime | None = None
    duration: int | None = None
    billable: bool | None = None
    tags: list[str] | None = None
    tag_ids: list[int] | None = None
    duronly: bool | None = None
    at: datetime
    server_deleted_at: datetime | None = None
    permissions: list[str] | None = None
    shared_with: list[SharedWith] | None = None
    expense_ids: list[int] | None = None
    client_id: int | None = None
    client_name: str | None = None
    project_name: str | None = None
    project_color: str | None = None
    project_active: bool | None = None
    project_billable: bool | None = None
    task_name: str | None = None
    user_name: str | None = None
    user_avatar_url: str | None = None
    wid: int | None = None
    pid: int | None = None
    tid: int | None = None
    uid: int | None = None

    @property
    def is_running(self) -> bool:
        """True while the timer runs (negative duration, or no stop time and no duration)."""
        if self.duration is not None and self.duration < 0:
            return True
        return self.stop is None and self.duration is None

    def elapsed(self, now: datetime | None = None) -> float:
        """Seconds tracked so far: the duration, or now - start for a running entry."""
        if not self.is_running:
            if self.duration is not None:
                return float(self.duration)
            if self.stop is not None:
                return (self.stop - self.start).total_seconds()
            return 0.0
        if now is None:
            now = datetime.now(self.start.tzinfo)
        elif now.tzinfo is None:
            raise ValueError("now must be timezone-aware, e.g. datetime.now(timezone.utc)")
        return max(0.0, (now - self.start).total_seconds())


@attrs.frozen(kw_only=True)
class Client(Record):
    """A client (customer) of a workspace."""

    id: int
    wid: int | None = None
    workspace_id: int
    name: str
    notes: str | None = None
    archived: bool | None = None
    at: datetime | None = None
    creator_id: int | None = None
    server_deleted_at: datetime | None = None
    external_reference: str | None = None
    permissions: Any = None
    integration_ext_id: str | None = None
    integration_ext_type: str | None = None
    integration_provider: str | None = None


@attrs.frozen(kw_only=True)
class Project(Record):
    """A project. ``status`` is one of upcoming, active, ended, archived, deleted."""

    id: int
    workspace_id: int
    client_id: int | None = None
    name: str
    is_private: bool
    active: bool
    at: datetime
    created_at: datetime | None = None
    server_deleted_at: datetime | None = None
    color: str
    billable: bool | None = None
    template: bool | None = None
    template_id: int | None = None
    auto_estimates: bool | None = None
    estimated_hours: float | None = None
    estimated_seconds: int | None = None
    rate: float | None = None
    rate_last_updated: datetime | None = None
    currency: str | None = None
    recurring: bool | None = None
    recurring_parameters: list[Json] | None = None
    current_period: Json | None = None
    fixed_fee: float | None = None
    actual_hours: float | None = None
    actual_seconds: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    status: str | None = None
    can_track_time: bool | None = None
    can_see_rates: bool | None = None
    """``canSeeRates`` in the API."""
    pinned: bool | None = None
    is_shared: bool | None = None
    shared_at: datetime | None = None
    shared_hash: str | None = None
    tasks_count: int | None = None
    permissions: Any = None
    integration_ext_id: str | None = None
    integration_ext_type: str | None = None
    integration_provider: str | None = None
    wid: int | None = None
    cid: int | None = None


@attrs.frozen(kw_only=True)
class Task(Record):
    """A task of a project. ``tracked_seconds`` is in MILLISECONDS (Toggl's naming, not ours).

    :attr:`tracked` gives the same figure in seconds.
    """

    id: int
    name: str
    workspace_id: int
    project_id: int
    user_id: int | None = None
    active: bool | None = None
    at: datetime | None = None
    server_deleted_at: datetime | None = None
    estimated_seconds: int | None = None
    tracked_seconds: int | None = None
    recurring: bool | None = None
    rate: float | None = None
    rate_last_updated: datetime | None = None
    client_name: str | None = None
    project_name: str | None = None
    project_color: str | None = None
    project_billable: bool | None = None
    toggl_accounts_id: str | None = None
    external_reference: str | None = None
    permissions: Any = None
    integration_ext_id: str | None = None
    integration_ext_type: str | None = None
    integration_provider: str | None = None

    @property
    def tracked(self) -> float | None:
        """Tracked time in seconds (``tracked_seconds`` / 1000)."""
        return None if self.tracked_seconds is None else self.tracked_seconds / 1000


@attrs.frozen(kw_only=True)
class Tag(Record):
    """A tag of a workspace."""

    id: int
    workspace_id: int
    name: str
    at: datetime | None = None
    creator_id: int | None = None
    deleted_at: datetime | None = None
    permissions: Any = None
    integration_ext_id: str | None = None
    integration_ext_type: str | None = None
    integration_provider: str | None = None


@attrs.frozen(kw_only=True)
class Workspace(Record):
    """A workspace. ``api_token`` (deprecated by Toggl) is kept but never shown in repr."""

    id: int
    organization_id: int
    name: str
    profile: int | None = None
    premium: bool | None = None
    """Optional: the Track API always sends it, but webhook ``workspace`` payloads do not."""
    business_ws: bool | None = None
    admin: bool | None = None
    role: str | None = None
    suspended_at: datetime | None = None
    server_deleted_at: datetime | None = None
    default_hourly_rate: float | None = None
    rate_last_updated: datetime | None = None
    default_currency: str | None = None
    only_admins_may_create_projects: bool | None = None
    only_admins_may_create_tags: bool | None = None
    only_admins_see_billable_rates: bool | None = None
    only_admins_see_team_dashboard: bool | None = None
    projects_billable_by_default: bool | None = None
    projects_private_by_default: bool | None = None
    projects_enforce_billable: bool | None = None
    limit_public_project_data: bool | None = None
    last_modified: datetime | None = None
    reports_collapse: bool | None = None
    rounding: int | None = None
    rounding_minutes: int | None = None
    api_token: str | None = attrs.field(default=None, repr=False)
    at: datetime
    logo_url: str | None = None
    ical_url: str | None = None
    ical_enabled: bool | None = None
    csv_upload: Json | None = None
    subscription: Json | None = None
    te_constraints: Json | None = None
    hide_start_end_times: bool | None = None
    working_hours_in_minutes: int | None = None
    max_data_retention_days: int | None = None
    permissions: Any = None


@attrs.frozen(kw_only=True)
class Me(Record):
    """The authenticated user. With ``with_related_data=True`` the lists are filled.

    ``api_token`` and ``intercom_hash`` are secrets: kept, never shown in repr.
    """

    id: int
    email: str
    fullname: str
    timezone: str
    default_workspace_id: int
    beginning_of_week: int
    image_url: str | None = None
    country_id: int | None = None
    has_password: bool | None = None
    openid_email: str | None = None
    openid_enabled: bool | None = None
    oauth_providers: list[str] | None = None
    toggl_accounts_id: str | None = None
    created_at: datetime
    updated_at: datetime
    at: datetime
    authorization_updated_at: datetime | None = None
    toggl_accounts_updated_at: datetime | None = None
    options: Json | None = None
    api_token: str | None = attrs.field(default=None, repr=False)
    intercom_hash: str | None = attrs.field(default=None, repr=False)
    clients: list[Client] | None = None
    projects: list[Project] | None = None
    tags: list[Tag] | None = None
    tasks: list[Task] | None = None
    time_entries: list[TimeEntry] | None = None
    workspaces: list[Workspace] | None = None


@attrs.frozen(kw_only=True)
class Organization(Record):
    """An organization (the billing unit that owns workspaces)."""

    id: int
    name: str
    admin: bool | None = None
    owner: bool | None = None
    at: datetime | None = None
    created_at: datetime | None = None
    server_deleted_at: datetime | None = None
    is_multi_workspace_enabled: bool | None = None
    is_unified: bool | None = None
    is_chargify: bool | None = None
    max_data_retention_days: int | None = None
    max_workspaces: int | None = None
    pricing_plan_enterprise: bool | None = None
    pricing_plan_id: int | None = None
    pricing_plan_name: str | None = None
    suspended_at: datetime | None = None
    trial_info: Json | None = None
    user_count: int | None = None
    permissions: Any = None


@attrs.frozen(kw_only=True)
class Location(Record):
    """The caller's IP-based location (``GET /me/location``); every field may be missing."""

    city: str | None = None
    city_lat_long: str | None = None
    country_code: str | None = None
    country_name: str | None = None
    state: str | None = None


@attrs.frozen(kw_only=True)
class Feature(Record):
    """One plan feature and whether the workspace has it."""

    feature_id: int | None = None
    name: str | None = None
    enabled: bool | None = None


@attrs.frozen(kw_only=True)
class WorkspaceFeatures(Record):
    """The features of one workspace (``GET /me/features`` returns one per workspace)."""

    workspace_id: int | None = None
    features: list[Feature] | None = None

    def enabled(self, name: str) -> bool:
        """Whether the feature called ``name`` is enabled here."""
        return any(f.name == name and f.enabled for f in self.features or ())

"""``TogglClient``: configuration, lifetime, and the endpoint namespaces."""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import aiohttp

from .auth import Api, Credentials
from .errors import ConfigurationError
from .limits import Quota
from .pagination import Cursor, Paginator, Strategy
from .raw import WithRawResponse
from .resources import (
    AlertsResource,
    AuditLogsResource,
    AvatarsResource,
    ClientsResource,
    CountriesResource,
    CurrenciesResource,
    DashboardResource,
    ExpensesResource,
    ExportsResource,
    FavoritesResource,
    FocusResource,
    GoalsResource,
    GroupsResource,
    HttpResource,
    IcalResource,
    InsightsResource,
    InvitationsResource,
    KeysResource,
    MeResource,
    OrganizationsResource,
    PreferencesResource,
    ProjectGroupsResource,
    ProjectsResource,
    ProjectUsersResource,
    RatesResource,
    ReportsResource,
    Resource,
    SavedReportsResource,
    ScheduledReportsResource,
    StatusResource,
    TagsResource,
    TasksResource,
    TimeEntriesResource,
    TimeEntryConstraintsResource,
    TimeEntryInvitationsResource,
    TimelineResource,
    TimesheetSetupsResource,
    TimesheetsResource,
    TimezonesResource,
    TrackRemindersResource,
    WorkspacesResource,
    WorkspaceUsersResource,
)
from .resources.webhooks import WebhooksResource
from .retry import RetryPolicy
from .transport import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_USER_AGENT, Transport

__all__ = [
    "DEFAULT_FOCUS_URL",
    "DEFAULT_INSIGHTS_URL",
    "DEFAULT_REPORTS_URL",
    "DEFAULT_TRACK_URL",
    "DEFAULT_WEBHOOKS_URL",
    "TogglClient",
]

DEFAULT_TRACK_URL = "https://api.track.toggl.com/api/v9"
DEFAULT_REPORTS_URL = "https://api.track.toggl.com/reports/api/v3"
DEFAULT_FOCUS_URL = "https://focus.toggl.com/api"
DEFAULT_WEBHOOKS_URL = "https://api.track.toggl.com/webhooks/api/v1"
DEFAULT_INSIGHTS_URL = "https://api.track.toggl.com/insights/api/v1"
WEBHOOKS_URL_ENV = "TOGGL_WEBHOOKS_BASE_URL"

_URL_ENV = {
    "track_base_url": ("TOGGL_TRACK_BASE_URL", DEFAULT_TRACK_URL),
    "reports_base_url": ("TOGGL_REPORTS_BASE_URL", DEFAULT_REPORTS_URL),
    "focus_base_url": ("TOGGL_FOCUS_BASE_URL", DEFAULT_FOCUS_URL),
    "webhooks_base_url": (WEBHOOKS_URL_ENV, DEFAULT_WEBHOOKS_URL),
    "insights_base_url": ("TOGGL_INSIGHTS_BASE_URL", DEFAULT_INSIGHTS_URL),
}


def _check_url(name: str, url: str | None) -> str:
    """The argument, else its environment variable (the CLI reads the same), else Toggl's."""
    source = name
    if url is None:
        variable, default = _URL_ENV[name]
        url = os.environ.get(variable) or default
        source = f"{name} (from ${variable})" if os.environ.get(variable) else name
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ConfigurationError(f"{source} must be an http(s) URL prefix, got {url!r}")
    return url


class TogglClient:
    """An asyncio client for Toggl Track v9, Reports v3 and Focus.

    Use it as ``async with TogglClient(api_token=...) as toggl:`` (or call
    :meth:`aclose`). Credentials come from the arguments or from ``TOGGL_API_TOKEN`` /
    ``TOGGL_FOCUS_API_KEY``; the client refuses to start without any. One pooled aiohttp
    session serves every call (pass ``session=`` to share yours: it is then never closed
    here); ``max_concurrency`` bounds requests in flight, ``rate_limit`` spaces them
    (requests per second), ``retry`` decides what is retried and whether to wait for the
    hourly quota.

    Base URLs not given come from ``TOGGL_TRACK_BASE_URL``, ``TOGGL_REPORTS_BASE_URL`` and
    ``TOGGL_FOCUS_BASE_URL`` (as the CLI), else Toggl's. ``trust_env`` (default True, as
    in requests and httpx) uses the ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY`` proxies
    of the environment. A decoded body larger than ``max_response_bytes`` (64 MiB) raises
    :class:`~toggl_async.ResponseTooLargeError`. A 3xx raises
    :class:`~toggl_async.RedirectError`: redirects are never followed.
    """

    def __init__(
        self,
        *,
        api_token: str | None = None,
        email: str | None = None,
        password: str | None = None,
        focus_api_key: str | None = None,
        track_base_url: str | None = None,
        reports_base_url: str | None = None,
        focus_base_url: str | None = None,
        webhooks_base_url: str | None = None,
        insights_base_url: str | None = None,
        timeout: float = 30.0,
        max_connections: int | None = None,
        max_concurrency: int = 10,
        rate_limit: float | None = None,
        retry: RetryPolicy | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        trust_env: bool = True,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self._credentials = Credentials(
            api_token=api_token, email=email, password=password, focus_api_key=focus_api_key
        )
        if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int):
            raise ConfigurationError(f"max_concurrency must be an int, got {max_concurrency!r}")
        if max_concurrency < 1:
            raise ConfigurationError(f"max_concurrency must be at least 1, got {max_concurrency}")
        connections = max_concurrency if max_connections is None else max_connections
        if isinstance(connections, bool) or not isinstance(connections, int) or connections < 1:
            raise ConfigurationError(f"max_connections must be an int >= 1, got {connections!r}")
        if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
            raise ConfigurationError(
                f"timeout must be a positive number of seconds, got {timeout!r}"
            )
        if rate_limit is not None and not rate_limit > 0:
            raise ConfigurationError(
                f"rate_limit must be positive (requests/second), got {rate_limit!r}"
            )
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise ConfigurationError(f"retry must be a RetryPolicy, got {type(retry).__name__}")
        if session is not None and not isinstance(session, aiohttp.ClientSession):
            raise ConfigurationError("session must be an aiohttp.ClientSession")
        if (
            isinstance(max_response_bytes, bool)
            or not isinstance(max_response_bytes, int)
            or max_response_bytes < 1
        ):
            raise ConfigurationError(
                f"max_response_bytes must be an int >= 1, got {max_response_bytes!r}"
            )
        if not isinstance(trust_env, bool):
            raise ConfigurationError(f"trust_env must be True or False, got {trust_env!r}")
        urls = (
            _check_url("track_base_url", track_base_url),
            _check_url("reports_base_url", reports_base_url),
            _check_url("focus_base_url", focus_base_url),
            _check_url("webhooks_base_url", webhooks_base_url),
            _check_url("insights_base_url", insights_base_url),
        )
        self._transport = Transport(
            credentials=self._credentials,
            base_urls={
                Api.TRACK: urls[0],
                Api.REPORTS: urls[1],
                Api.FOCUS: urls[2],
                Api.WEBHOOKS: urls[3],
                Api.INSIGHTS: urls[4],
            },
            timeout=float(timeout),
            max_connections=connections,
            max_concurrency=max_concurrency,
            rate_limit=rate_limit,
            retry=retry or RetryPolicy(),
            user_agent=user_agent,
            session=session,
            max_response_bytes=max_response_bytes,
            trust_env=trust_env,
        )
        self._base_urls = urls
        self.me = MeResource(self._transport)
        self.time_entries = TimeEntriesResource(self._transport)
        self.workspaces = WorkspacesResource(self._transport)
        self.projects = ProjectsResource(self._transport)
        self.clients = ClientsResource(self._transport)
        self.tags = TagsResource(self._transport)
        self.tasks = TasksResource(self._transport)
        self.reports = ReportsResource(self._transport)
        self.focus = FocusResource(self._transport)
        self.webhooks = WebhooksResource(self._transport)
        # The rest of Toggl's public API (see toggl_async/coverage.py):
        self.http = HttpResource(self._transport)
        self.alerts = AlertsResource(self._transport)
        self.audit_logs = AuditLogsResource(self._transport)
        self.avatars = AvatarsResource(self._transport)
        self.countries = CountriesResource(self._transport)
        self.currencies = CurrenciesResource(self._transport)
        self.dashboard = DashboardResource(self._transport)
        self.expenses = ExpensesResource(self._transport)
        self.exports = ExportsResource(self._transport)
        self.favorites = FavoritesResource(self._transport)
        self.goals = GoalsResource(self._transport)
        self.groups = GroupsResource(self._transport)
        self.ical = IcalResource(self._transport)
        self.insights = InsightsResource(self._transport)
        self.invitations = InvitationsResource(self._transport)
        self.keys = KeysResource(self._transport)
        self.organizations = OrganizationsResource(self._transport)
        self.preferences = PreferencesResource(self._transport)
        self.project_groups = ProjectGroupsResource(self._transport)
        self.project_users = ProjectUsersResource(self._transport)
        self.rates = RatesResource(self._transport)
        self.saved_reports = SavedReportsResource(self._transport)
        self.scheduled_reports = ScheduledReportsResource(self._transport)
        self.status = StatusResource(self._transport)
        self.time_entry_constraints = TimeEntryConstraintsResource(self._transport)
        self.time_entry_invitations = TimeEntryInvitationsResource(self._transport)
        self.timeline = TimelineResource(self._transport)
        self.timesheet_setups = TimesheetSetupsResource(self._transport)
        self.timesheets = TimesheetsResource(self._transport)
        self.timezones = TimezonesResource(self._transport)
        self.track_reminders = TrackRemindersResource(self._transport)
        self.workspace_users = WorkspaceUsersResource(self._transport)

    # -- any operation --------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        api: Api | str = "track",
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        into: Any = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Any operation, through the client's transport: see :meth:`HttpResource.request`
        (``toggl.http``)."""
        return await self.http.request(
            method, path, api=api, params=params, json=json, into=into, idempotent=idempotent
        )

    def paginate(
        self,
        method: str,
        path: str,
        strategy: Strategy,
        *,
        api: Api | str = "track",
        params: Mapping[str, Any] | None = None,
        in_body: bool = False,
        into: Any = Any,
        cursor: Cursor | None = None,
        limit: int | None = None,
    ) -> Paginator[Any]:
        """Any paginated listing: see :meth:`HttpResource.paginate` (``toggl.http``)."""
        return self.http.paginate(
            method,
            path,
            strategy,
            api=api,
            params=params,
            in_body=in_body,
            into=into,
            cursor=cursor,
            limit=limit,
        )

    @property
    def with_raw_response(self) -> WithRawResponse:
        """The same namespaces; each call returns a :class:`~toggl_async.raw.RawResponse`
        (``.parsed``, ``.status``, ``.headers``, ``.body``)."""
        spaces = {k: v for k, v in vars(self).items() if isinstance(v, Resource)}
        return WithRawResponse(spaces, self._transport)

    # -- lifetime -------------------------------------------------------------------------

    async def __aenter__(self) -> TogglClient:
        self._transport._ensure_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (unless it was passed in as ``session``). Idempotent."""
        await self._transport.aclose()

    @property
    def closed(self) -> bool:
        return self._transport.closed

    def __del__(self) -> None:
        transport = getattr(self, "_transport", None)
        if (
            transport is not None
            and transport._session is not None
            and transport._owns_session
            and not transport.closed
        ):
            warnings.warn(
                "TogglClient was not closed; use `async with TogglClient(...)` or "
                "`await client.aclose()`",
                ResourceWarning,
                stacklevel=2,
            )

    # -- state ----------------------------------------------------------------------------

    @property
    def retry(self) -> RetryPolicy:
        return self._transport.retry

    @property
    def quota(self) -> Quota | None:
        """The latest quota headers seen (any bucket), or None before the first response."""
        return self._transport.quota.latest

    @property
    def quotas(self) -> dict[str, Quota]:
        """The latest quota per bucket (``"user"``, ``"workspace:<id>"`` ...)."""
        return self._transport.quota.snapshot()

    @property
    def requests_sent(self) -> int:
        """HTTP requests put on the wire so far, retries included."""
        return self._transport.requests_sent

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return (
            f"<TogglClient {state} auth={self._credentials.kind}"
            f"{'+focus' if self._credentials.has_focus else ''} track={self._base_urls[0]!r}>"
        )

"""``toggl.me``: the authenticated user and everything listed under ``/me``."""

from __future__ import annotations

from .._params import Since, check_id, check_positive, flag, unix_seconds
from ..errors import AuthenticationError
from ..pagination import Cursor, Keyset, Offset, Paginator
from ..records import (
    Client,
    Location,
    Me,
    Organization,
    OrganizationQuota,
    Project,
    Tag,
    Task,
    Workspace,
    WorkspaceFeatures,
)
from ._fields import body_of, require_changes
from ._gen import MeEndpoints

__all__ = ["MeResource"]


def _since(value: Since | None) -> int | None:
    return None if value is None else unix_seconds("since", value)


class MeResource(MeEndpoints):
    """The current user (``/me``): profile, and the objects across all their workspaces."""

    async def get(self, *, with_related_data: bool = False) -> Me:
        """The user; ``with_related_data`` also fills clients, projects, tags, tasks, entries."""
        return await self._fetch(
            Me, "GET", "/me", params={"with_related_data": flag(with_related_data)}
        )

    async def update(
        self,
        *,
        fullname: str | None = None,
        email: str | None = None,
        timezone: str | None = None,
        beginning_of_week: int | None = None,
        country_id: int | None = None,
        default_workspace_id: int | None = None,
        current_password: str | None = None,
        password: str | None = None,
    ) -> Me:
        """Change profile fields (``PUT /me``); only the fields you pass are sent.

        To change the password pass both ``current_password`` and the new ``password``.
        """
        if password is not None and current_password is None:
            raise ValueError("changing the password needs current_password as well")
        if password is not None and len(password) < 6:
            raise ValueError("password must be at least 6 characters (Toggl's rule)")
        if beginning_of_week is not None and beginning_of_week not in range(7):
            raise ValueError(
                f"beginning_of_week must be 0 (Sunday) to 6 (Saturday), got {beginning_of_week!r}"
            )
        if country_id is not None:
            country_id = check_id("country_id", country_id)
        if default_workspace_id is not None:
            default_workspace_id = check_id("default_workspace_id", default_workspace_id)
        body = body_of(
            fullname=fullname,
            email=email,
            timezone=timezone,
            beginning_of_week=beginning_of_week,
            country_id=country_id,
            default_workspace_id=default_workspace_id,
            current_password=current_password,
            password=password,
        )
        return await self._fetch(Me, "PUT", "/me", json=require_changes(body, "me.update()"))

    async def logged(self) -> bool:
        """True when the credentials work; raises :class:`AuthenticationError` when not."""
        response = await self._send("GET", "/me/logged")
        if response.status != 200:  # pragma: no cover - the transport raises on errors
            raise AuthenticationError(
                response.status, "unexpected status", method="GET", url=response.url
            )
        return True

    async def clients(self, *, since: Since | None = None) -> list[Client]:
        """Clients of all the user's workspaces; ``since`` includes deleted ones."""
        return await self._fetch(
            list[Client], "GET", "/me/clients", params={"since": _since(since)}
        )

    async def features(self) -> list[WorkspaceFeatures]:
        """Plan features enabled in each of the user's workspaces."""
        return await self._fetch(list[WorkspaceFeatures], "GET", "/me/features")

    async def location(self) -> Location | None:
        """The caller's IP-based location, or None when Toggl has none."""
        return await self._fetch_optional(Location, "GET", "/me/location")

    async def organizations(self) -> list[Organization]:
        """The organizations the user belongs to."""
        return await self._fetch(list[Organization], "GET", "/me/organizations")

    async def workspaces(self, *, since: Since | None = None) -> list[Workspace]:
        """The user's workspaces."""
        return await self._fetch(
            list[Workspace], "GET", "/me/workspaces", params={"since": _since(since)}
        )

    async def quota(self) -> list[OrganizationQuota]:
        """What is left of each hourly API quota (one entry per organization, plus the user's)."""
        return await self._fetch(list[OrganizationQuota], "GET", "/me/quota")

    async def projects(
        self, *, include_archived: bool = False, since: Since | None = None
    ) -> list[Project]:
        """All projects the user can see, in one response (see :meth:`iter_projects`)."""
        params = {"include_archived": flag(include_archived), "since": _since(since)}
        return await self._fetch(list[Project], "GET", "/me/projects", params=params)

    def iter_projects(
        self,
        *,
        per_page: int = 201,
        start_project_id: int | None = None,
        since: Since | None = None,
        cursor: Cursor | None = None,
        limit: int | None = None,
    ) -> Paginator[Project]:
        """Every project, ``per_page`` at a time, in ascending id order (keyset pagination).

        ``start_project_id`` is inclusive; each next page starts at the last id + 1 and a
        short page ends the listing.
        """
        per_page = check_positive("per_page", per_page)
        if start_project_id is not None:
            start_project_id = check_id("start_project_id", start_project_id)
        return self._paginate(
            Project,
            Keyset(per_page=per_page, start=start_project_id),
            "GET",
            "/me/projects/paginated",
            params={"since": _since(since)},
            cursor=cursor,
            limit=limit,
        )

    async def tags(self, *, since: Since | None = None) -> list[Tag]:
        """Tags of all the user's workspaces; ``since`` includes deleted ones."""
        return await self._fetch(list[Tag], "GET", "/me/tags", params={"since": _since(since)})

    async def tasks(
        self, *, meta: bool = False, since: Since | None = None, include_not_active: bool = False
    ) -> list[Task]:
        """Tasks of the projects the user takes part in, in one response."""
        params = {
            "meta": flag(meta),
            "since": _since(since),
            "include_not_active": flag(include_not_active),
        }
        return await self._fetch(list[Task], "GET", "/me/tasks", params=params)

    def iter_tasks(
        self,
        *,
        per_page: int = 200,
        offset: int = 0,
        meta: bool = False,
        since: Since | None = None,
        include_not_active: bool = False,
        cursor: Cursor | None = None,
        limit: int | None = None,
    ) -> Paginator[Task]:
        """Tasks ``per_page`` at a time by row ``offset``; a short page ends the listing."""
        per_page = check_positive("per_page", per_page)
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise ValueError(f"offset must be a non-negative int, got {offset!r}")
        params = {
            "meta": flag(meta),
            "since": _since(since),
            "include_not_active": flag(include_not_active),
        }
        return self._paginate(
            Task,
            Offset(per_page=per_page, offset=offset),
            "GET",
            "/me/tasks",
            params=params,
            cursor=cursor,
            limit=limit,
        )

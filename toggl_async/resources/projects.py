"""``toggl.projects``: the projects of a workspace."""

from __future__ import annotations

from datetime import date

from .._params import Since, check_id, check_positive, unix_seconds
from ..pagination import Cursor, NumberedPages, Paginator
from ..records import Project
from ._fields import active_filter, body_of, require_changes
from ._gen import ProjectsEndpoints

__all__ = ["ProjectsResource"]

_MAX_PER_PAGE = 200


class ProjectsResource(ProjectsEndpoints):
    """List, read, create, change and delete projects."""

    def iter(
        self,
        workspace_id: int,
        *,
        active: bool | str | None = None,
        since: Since | None = None,
        per_page: int = _MAX_PER_PAGE,
        cursor: Cursor | None = None,
        limit: int | None = None,
    ) -> Paginator[Project]:
        """Every project of the workspace, ``per_page`` (≤ 200) a page; ``active`` True or
        False filters, None (the default) or ``"both"`` lists both."""
        check_id("workspace_id", workspace_id)
        check_positive("per_page", per_page, maximum=_MAX_PER_PAGE)
        params = {
            "active": active_filter(active),
            "since": None if since is None else unix_seconds("since", since),
        }
        return self._paginate(
            Project,
            NumberedPages(per_page=per_page),
            "GET",
            f"/workspaces/{workspace_id}/projects",
            params=params,
            cursor=cursor,
            limit=limit,
        )

    async def get(self, workspace_id: int, project_id: int) -> Project:
        """One project."""
        check_id("workspace_id", workspace_id)
        check_id("project_id", project_id)
        return await self._fetch(
            Project, "GET", f"/workspaces/{workspace_id}/projects/{project_id}"
        )

    async def create(
        self,
        workspace_id: int,
        *,
        name: str,
        client_id: int | None = None,
        active: bool = True,
        is_private: bool | None = None,
        color: str | None = None,
        billable: bool | None = None,
        start_date: date | None = None,
        end_date: date | None = None,
        estimated_hours: int | None = None,
        rate: float | None = None,
        currency: str | None = None,
        template: bool | None = None,
    ) -> Project:
        """Create a project. ``billable``, ``rate``, ``currency`` and custom colors need a paid
        plan: Toggl answers ``PaymentRequiredError`` otherwise."""
        check_id("workspace_id", workspace_id)
        if not isinstance(name, str) or not name.strip():
            raise ValueError("name must be a non-empty string")
        body = body_of(
            name=name,
            client_id=None if client_id is None else check_id("client_id", client_id),
            active=active,
            is_private=is_private,
            color=color,
            billable=billable,
            start_date=None if start_date is None else start_date.isoformat(),
            end_date=None if end_date is None else end_date.isoformat(),
            estimated_hours=estimated_hours,
            rate=rate,
            currency=currency,
            template=template,
        )
        return await self._fetch(Project, "POST", f"/workspaces/{workspace_id}/projects", json=body)

    async def update(
        self,
        workspace_id: int,
        project_id: int,
        *,
        name: str | None = None,
        client_id: int | None = None,
        active: bool | None = None,
        is_private: bool | None = None,
        color: str | None = None,
        billable: bool | None = None,
        start_date: date | None = None,
        end_date: date | None = None,
        estimated_hours: int | None = None,
        rate: float | None = None,
        currency: str | None = None,
    ) -> Project:
        """Change the fields you pass; ``active=False`` archives the project."""
        check_id("workspace_id", workspace_id)
        check_id("project_id", project_id)
        body = require_changes(
            body_of(
                name=name,
                client_id=None if client_id is None else check_id("client_id", client_id),
                active=active,
                is_private=is_private,
                color=color,
                billable=billable,
                start_date=None if start_date is None else start_date.isoformat(),
                end_date=None if end_date is None else end_date.isoformat(),
                estimated_hours=estimated_hours,
                rate=rate,
                currency=currency,
            ),
            "projects.update()",
        )
        path = f"/workspaces/{workspace_id}/projects/{project_id}"
        return await self._fetch(Project, "PUT", path, json=body)

    async def delete(
        self, workspace_id: int, project_id: int, *, te_deletion_mode: str | None = None
    ) -> None:
        """Delete a project; its entries are unassigned, or deleted with
        ``te_deletion_mode="delete"``."""
        check_id("workspace_id", workspace_id)
        check_id("project_id", project_id)
        if te_deletion_mode not in (None, "delete", "unassign"):
            raise ValueError("te_deletion_mode must be 'delete', 'unassign' or None")
        path = f"/workspaces/{workspace_id}/projects/{project_id}"
        await self._send("DELETE", path, params={"teDeletionMode": te_deletion_mode})

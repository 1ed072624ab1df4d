"""``toggl.projects``: the projects of a workspace."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from .._params import Since, check_id, check_ids, check_positive, flag, unix_seconds
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
        name: str | None = None,
        client_ids: Sequence[int] | None = None,
        user_ids: Sequence[int] | None = None,
        group_ids: Sequence[int] | None = None,
        project_ids: Sequence[int] | None = None,
        billable: bool | None = None,
        statuses: Sequence[str] | None = None,
        only_me: bool = False,
        only_templates: bool = False,
        sort_field: str | None = None,
        sort_order: str | None = None,
        per_page: int = _MAX_PER_PAGE,
        cursor: Cursor | None = None,
        limit: int | None = None,
    ) -> Paginator[Project]:
        """Every project of the workspace, ``per_page`` (≤ 200) a page; ``active`` True or
        False filters, None (the default) or ``"both"`` lists both. The other filters are
        Toggl's: ``name`` (substring), id lists, ``statuses`` (names, sent as given),
        ``only_me``, ``sort_field``/``sort_order`` (``ASC``/``DESC``). The specification marks
        ``name`` and ``sort_field`` required; the recorded listings show they are not."""
        workspace_id = check_id("workspace_id", workspace_id)
        per_page = check_positive("per_page", per_page, maximum=_MAX_PER_PAGE)
        if sort_order is not None and sort_order not in ("ASC", "DESC"):
            raise ValueError(f"sort_order must be 'ASC' or 'DESC', got {sort_order!r}")
        if statuses is not None and (
            isinstance(statuses, str) or not all(isinstance(x, str) for x in statuses)
        ):
            raise TypeError("statuses must be a list of names, e.g. ['active']")
        params = {
            "active": active_filter(active),
            "since": None if since is None else unix_seconds("since", since),
            "name": name,
            "client_ids": None if client_ids is None else check_ids("client_ids", client_ids),
            "user_ids": None if user_ids is None else check_ids("user_ids", user_ids),
            "group_ids": None if group_ids is None else check_ids("group_ids", group_ids),
            "project_ids": None if project_ids is None else check_ids("project_ids", project_ids),
            "billable": billable,
            "statuses": None if statuses is None else list(statuses),
            "only_me": flag(only_me),
            "only_templates": flag(only_templates),
            "sort_field": sort_field,
            "sort_order": sort_order,
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
        workspace_id = check_id("workspace_id", workspace_id)
        project_id = check_id("project_id", project_id)
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
        client_name: str | None = None,
        fixed_fee: float | None = None,
        template_id: int | None = None,
        recurring: bool | None = None,
        recurring_parameters: Mapping[str, Any] | None = None,
        external_reference: str | None = None,
        auto_estimates: bool | None = None,
    ) -> Project:
        """Create a project. ``billable``, ``rate``, ``currency``, ``fixed_fee``, recurring
        projects and custom colors need a paid plan: Toggl answers ``PaymentRequiredError``
        otherwise. ``client_name`` names (or creates) the client instead of ``client_id``;
        ``template_id`` copies a template project."""
        workspace_id = check_id("workspace_id", workspace_id)
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
            client_name=client_name,
            fixed_fee=fixed_fee,
            template_id=None if template_id is None else check_id("template_id", template_id),
            recurring=recurring,
            recurring_parameters=None
            if recurring_parameters is None
            else dict(recurring_parameters),
            external_reference=external_reference,
            auto_estimates=auto_estimates,
        )
        if client_id is not None and client_name is not None:
            raise ValueError("pass client_id or client_name, not both")
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
        workspace_id = check_id("workspace_id", workspace_id)
        project_id = check_id("project_id", project_id)
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
        workspace_id = check_id("workspace_id", workspace_id)
        project_id = check_id("project_id", project_id)
        if te_deletion_mode not in (None, "delete", "unassign"):
            raise ValueError("te_deletion_mode must be 'delete', 'unassign' or None")
        path = f"/workspaces/{workspace_id}/projects/{project_id}"
        await self._send("DELETE", path, params={"teDeletionMode": te_deletion_mode})

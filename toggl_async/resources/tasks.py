"""``toggl.tasks``: the tasks of a workspace's projects."""

from __future__ import annotations

from .._params import Since, check_id, check_positive, unix_seconds
from ..pagination import Cursor, NumberedPages, Paginator
from ..records import Task
from ._fields import active_filter, body_of, require_changes
from ._gen import TasksEndpoints

__all__ = ["TasksResource"]


class TasksResource(TasksEndpoints):
    """List every task of a workspace; create, change and delete them under a project."""

    def iter(
        self,
        workspace_id: int,
        *,
        active: bool | str | None = None,
        project_id: int | None = None,
        search: str | None = None,
        since: Since | None = None,
        sort_field: str | None = None,
        sort_order: str | None = None,
        per_page: int = 200,
        cursor: Cursor | None = None,
        limit: int | None = None,
    ) -> Paginator[Task]:
        """Every task of the workspace, ``per_page`` at a time (Toggl wraps this listing in
        ``{"data": [...], "total_count": N}``; you get the tasks). ``active`` None (or
        ``"both"``) lists open and done tasks alike, unlike Toggl's default (open only).
        ``project_id`` keeps one project's tasks, ``search`` matches names, ``since`` (an
        aware datetime or UNIX seconds) keeps what changed since."""
        workspace_id = check_id("workspace_id", workspace_id)
        per_page = check_positive("per_page", per_page)
        if sort_order is not None and sort_order not in ("ASC", "DESC"):
            raise ValueError(f"sort_order must be 'ASC' or 'DESC', got {sort_order!r}")
        params = {
            "active": active_filter(active),
            "pid": None if project_id is None else check_id("project_id", project_id),
            "search": search,
            "since": None if since is None else unix_seconds("since", since),
            "sort_field": sort_field,
            "sort_order": sort_order,
        }
        return self._paginate(
            Task,
            NumberedPages(per_page=per_page, envelope="data"),
            "GET",
            f"/workspaces/{workspace_id}/tasks",
            params=params,
            cursor=cursor,
            limit=limit,
        )

    async def create(
        self,
        workspace_id: int,
        project_id: int,
        *,
        name: str,
        active: bool | None = None,
        estimated_seconds: int | None = None,
        user_id: int | None = None,
        external_reference: str | None = None,
    ) -> Task:
        """Create a task in a project."""
        workspace_id = check_id("workspace_id", workspace_id)
        project_id = check_id("project_id", project_id)
        if not isinstance(name, str) or not name.strip():
            raise ValueError("name must be a non-empty string")
        body = body_of(
            name=name,
            active=active,
            estimated_seconds=estimated_seconds,
            user_id=None if user_id is None else check_id("user_id", user_id),
            external_reference=external_reference,
        )
        path = f"/workspaces/{workspace_id}/projects/{project_id}/tasks"
        return await self._fetch(Task, "POST", path, json=body)

    async def update(
        self,
        workspace_id: int,
        project_id: int,
        task_id: int,
        *,
        name: str | None = None,
        active: bool | None = None,
        estimated_seconds: int | None = None,
        user_id: int | None = None,
        external_reference: str | None = None,
    ) -> Task:
        """Change the fields you pass; ``active=False`` marks the task done."""
        workspace_id = check_id("workspace_id", workspace_id)
        project_id = check_id("project_id", project_id)
        task_id = check_id("task_id", task_id)
        body = require_changes(
            body_of(
                name=name,
                active=active,
                estimated_seconds=estimated_seconds,
                user_id=None if user_id is None else check_id("user_id", user_id),
                external_reference=external_reference,
            ),
            "tasks.update()",
        )
        path = f"/workspaces/{workspace_id}/projects/{project_id}/tasks/{task_id}"
        return await self._fetch(Task, "PUT", path, json=body)

    async def delete(self, workspace_id: int, project_id: int, task_id: int) -> None:
        """Delete a task."""
        workspace_id = check_id("workspace_id", workspace_id)
        project_id = check_id("project_id", project_id)
        task_id = check_id("task_id", task_id)
        await self._send(
            "DELETE", f"/workspaces/{workspace_id}/projects/{project_id}/tasks/{task_id}"
        )

"""Track workspace endpoints: the workspace, its users, projects, clients, tags and tasks."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from aiohttp import web

from ._http import (
    ApiError,
    Context,
    body_json,
    body_object,
    empty,
    has_body,
    ok,
    q_bool,
    q_choice,
    q_ids,
    q_int,
    raw,
)
from ._patch import parse_patch, patch_ids
from ._track_me import changed_since
from ._util import JSONDict, dumps, iso_micro_z, iso_utc, parse_date
from .data import FREE_COLORS, is_deleted

__all__ = ["WorkspaceRoutes"]

_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_PROJECT_SORT = {"name": "project_name", "project_name": "project_name", "created_at": "created_at"}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _without_actuals(project: JSONDict) -> JSONDict:
    """Recorded: a single project (GET, PUT) has ``actual_hours``/``actual_seconds`` null,
    even when the lists show the tracked time."""
    return {**project, "actual_hours": None, "actual_seconds": None}


class WorkspaceRoutes:
    """Handlers for ``/api/v9/workspaces/{wid}/...`` except time entries."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def routes(self, prefix: str) -> list[web.RouteDef]:
        """Route table, registered by the server under ``/api/v9``."""
        ws = prefix + r"/workspaces/{wid:\d+}"
        project = ws + r"/projects/{pid:\d+}"
        client = ws + r"/clients/{cid:\d+}"
        return [
            web.get(ws, self.get_workspace),
            web.get(ws + "/users", self.users),
            web.get(ws + "/projects", self.list_projects),
            web.post(ws + "/projects", self.create_project),
            web.get(project, self.get_project),
            web.put(project, self.update_project),
            web.delete(project, self.delete_project),
            web.patch(ws + r"/projects/{ids:\d+(?:,\d+)+}", self.patch_projects),
            web.get(ws + "/clients", self.list_clients),
            web.post(ws + "/clients", self.create_client),
            web.get(client, self.get_client),
            web.put(client, self.update_client),
            web.delete(client, self.delete_client),
            web.post(client + "/archive", self.archive_client),
            web.post(client + "/restore", self.restore_client),
            web.get(ws + "/tags", self.list_tags),
            web.post(ws + "/tags", self.create_tag),
            web.put(ws + r"/tags/{tag_id:\d+}", self.update_tag),
            web.delete(ws + r"/tags/{tag_id:\d+}", self.delete_tag),
            web.get(ws + "/tasks", self.list_workspace_tasks),
            web.get(project + "/tasks", self.list_project_tasks),
            web.post(project + "/tasks", self.create_task),
            web.get(project + r"/tasks/{task_id:\d+}", self.get_task),
            web.put(project + r"/tasks/{task_id:\d+}", self.update_task),
            web.delete(project + r"/tasks/{task_id:\d+}", self.delete_task),
        ]

    def _cached(self, key: tuple[Any, ...], build: Callable[[], Any]) -> bytes:
        body: bytes = self.ctx.cached(key, lambda: dumps(build()))
        return body

    def _stamp(self) -> str:
        return iso_utc(self.ctx.now())

    @staticmethod
    def _live(items: list[JSONDict], field: str, value: Any, skip_id: Any = None) -> list[JSONDict]:
        """Non-deleted items whose ``field`` equals ``value``, except the one with ``skip_id``."""
        return [
            item
            for item in items
            if item.get(field) == value and item["id"] != skip_id and not is_deleted(item)
        ]

    # -- workspace ----------------------------------------------------------------------------

    async def get_workspace(self, request: web.Request) -> web.Response:
        """Recorded: a single workspace has ``last_modified: null`` (lists carry a date)."""
        return ok({**self.ctx.workspace(request), "last_modified": None})

    async def users(self, request: web.Request) -> web.Response:
        ws = self.ctx.workspace(request)
        return ok(self.ctx.account.workspace_users.get(ws["id"], []))

    # -- projects -----------------------------------------------------------------------------

    def _project(self, request: web.Request, ws: JSONDict) -> JSONDict:
        project = self.ctx.account.index().projects.get(int(request.match_info["pid"]))
        if project is None or project["workspace_id"] != ws["id"] or is_deleted(project):
            raise ApiError(404, "Project not found")
        return project

    async def list_projects(self, request: web.Request) -> web.Response:
        """Numbered pages (default 151, at most 200 a page); X-Page/X-Page-Size/X-Sort-*."""
        ws = self.ctx.workspace(request)
        page = q_int(request, "page", 1, minimum=1) or 1
        per_page = min(q_int(request, "per_page", 151, minimum=1) or 151, 200)
        sort_field = _PROJECT_SORT[q_choice(request, "sort_field", tuple(_PROJECT_SORT), "name")]
        sort_order = q_choice(request, "sort_order", ("asc", "desc"), "asc")
        filters = self._project_filters(request)
        key = ("projects", ws["id"], page, per_page, sort_field, sort_order, filters)
        body = self._cached(
            key, lambda: self._projects_page(ws, page, per_page, sort_field, sort_order, filters)
        )
        headers = {
            "X-Page": str(page),
            "X-Page-Size": str(per_page),
            "X-Sort-Field": sort_field,
            "X-Sort-Order": sort_order,
        }
        return raw(body, headers=headers)

    def _project_filters(self, request: web.Request) -> tuple[Any, ...]:
        active = q_choice(request, "active", ("true", "false", "both"), "both")
        billable = None if "billable" not in request.query else q_bool(request, "billable")
        client_ids = q_ids(request, "client_ids")
        project_ids = q_ids(request, "project_ids")
        statuses = request.query.get("statuses")
        name = request.query.get("name") or request.query.get("search")
        return (
            active,
            q_int(request, "since"),
            billable,
            None if client_ids is None else tuple(client_ids),
            None if project_ids is None else tuple(project_ids),
            None if not statuses else tuple(s.strip() for s in statuses.split(",")),
            name.casefold() if name else None,
        )

    def _projects_page(
        self,
        ws: JSONDict,
        page: int,
        per_page: int,
        sort_field: str,
        sort_order: str,
        filters: tuple[Any, ...],
    ) -> list[JSONDict]:
        active, since, billable, client_ids, project_ids, statuses, name = filters
        items = [p for p in changed_since(self.ctx.account.projects, since) if p["wid"] == ws["id"]]
        if active != "both":
            items = [p for p in items if p["active"] == (active == "true")]
        if billable is not None:
            items = [p for p in items if bool(p["billable"]) == billable]
        if client_ids is not None:
            items = [p for p in items if p["client_id"] in client_ids]
        if project_ids is not None:
            items = [p for p in items if p["id"] in project_ids]
        if statuses is not None:
            items = [p for p in items if p["status"] in statuses]
        if name is not None:
            items = [p for p in items if name in str(p["name"]).casefold()]
        if sort_field == "created_at":
            items.sort(key=lambda p: (str(p.get("created_at")), p["id"]))
        else:
            items.sort(key=lambda p: (str(p["name"]).casefold(), p["id"]))
        if sort_order == "desc":
            items.reverse()
        return items[(page - 1) * per_page : page * per_page]

    async def get_project(self, request: web.Request) -> web.Response:
        ws = self.ctx.workspace(request)
        return ok(_without_actuals(self._project(request, ws)))

    async def create_project(self, request: web.Request) -> web.Response:
        """Create a project; like the real API, ``active`` defaults to false when omitted."""
        ws = self.ctx.workspace(request)
        body = body_object(request)
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ApiError(400, "Name can't be blank")
        self._check_project_name(ws, name, None)
        now = self.ctx.now()
        pid = self._new_project_id()
        project = self._new_project(ws, pid, name.strip(), now)
        self._apply_project(ws, project, body, premium_colors=True)
        self.ctx.account.projects.append(project)
        self.ctx.changed()
        created = {k: v for k, v in project.items() if k not in ("created_at", "status")}
        return ok(created)

    def _new_project_id(self) -> int:
        ids = [int(p["id"]) for p in self.ctx.account.projects]
        return max(ids, default=200_000_000) + 1 + len(ids) % 97

    def _new_project(self, ws: JSONDict, pid: int, name: str, now: int) -> JSONDict:
        premium = bool(ws["premium"])
        return {
            "id": pid,
            "workspace_id": ws["id"],
            "client_id": None,
            "name": name,
            "is_private": bool(ws["projects_private_by_default"]),
            "active": False,
            "at": iso_utc(now),
            "created_at": iso_utc(now),
            "server_deleted_at": None,
            "color": FREE_COLORS[pid % len(FREE_COLORS)],
            "billable": bool(ws["projects_billable_by_default"]) if premium else None,
            "template": False if premium else None,
            "auto_estimates": False if premium else None,
            "estimated_hours": None,
            "estimated_seconds": None,
            "rate": None,
            "rate_last_updated": None,
            "currency": ws["default_currency"] if premium else None,
            "recurring": False,
            "template_id": None,
            "recurring_parameters": None,
            "fixed_fee": None,
            "actual_hours": None,  # recorded: null until Toggl has counted the project
            "actual_seconds": None,
            "start_date": iso_utc(now)[:10],
            "status": "archived",
            "wid": ws["id"],
            "cid": None,
            "permissions": None,
        }

    def _check_project_name(self, ws: JSONDict, name: str, own_id: int | None) -> None:
        folded = name.strip().casefold()
        for other in self.ctx.account.projects:
            if (
                other["workspace_id"] == ws["id"]
                and other["id"] != own_id
                and not is_deleted(other)
                and str(other["name"]).casefold() == folded
            ):
                raise ApiError(400, "Name has already been taken")

    def _apply_project(
        self, ws: JSONDict, project: JSONDict, body: JSONDict, *, premium_colors: bool
    ) -> None:
        """Validate then apply project fields (all checks happen before any change)."""
        changes: JSONDict = {}
        if "name" in body:
            name = body["name"]
            if not isinstance(name, str) or not name.strip():
                raise ApiError(400, "Name can't be blank")
            self._check_project_name(ws, name, project["id"])
            changes["name"] = name.strip()
        for flag in ("active", "is_private", "template", "auto_estimates"):
            if flag in body:
                if not isinstance(body[flag], bool):
                    raise ApiError(400, f"Invalid {flag}")
                changes[flag] = body[flag]
        changes.update(self._project_client(ws, body))
        changes.update(self._project_color(ws, body, premium_colors))
        changes.update(self._project_premium(ws, body))
        changes.update(self._project_dates(body))
        project.update(changes)
        if not project["actual_seconds"]:  # recorded: an untracked project changed through
            project.update(actual_hours=None, actual_seconds=None)  # the API lists nulls
        project["cid"] = project["client_id"]
        project["status"] = "active" if project["active"] else "archived"
        project["at"] = self._stamp()

    def _project_client(self, ws: JSONDict, body: JSONDict) -> JSONDict:
        key = "client_id" if "client_id" in body else "cid" if "cid" in body else None
        if key is None:
            name = body.get("client_name")
            if isinstance(name, str) and name.strip():
                return {"client_id": self._client_by_name(ws, name.strip())["id"]}
            return {}
        client_id = body[key]
        if client_id is None:
            return {"client_id": None}
        client = self.ctx.account.index().clients.get(client_id) if _is_int(client_id) else None
        if client is None or client["wid"] != ws["id"] or is_deleted(client):
            raise ApiError(
                400, f"Client with the ID {client_id} isn't present in workspace {ws['id']}"
            )
        return {"client_id": client_id}

    def _client_by_name(self, ws: JSONDict, name: str) -> JSONDict:
        for client in self.ctx.account.clients:
            if client["wid"] == ws["id"] and not is_deleted(client) and client["name"] == name:
                return client
        return self._add_client(ws, name, None, None)

    @staticmethod
    def _project_color(ws: JSONDict, body: JSONDict, premium_colors: bool) -> JSONDict:
        if "color" not in body:
            return {}
        color = body["color"]
        if not isinstance(color, str) or not _COLOR.fullmatch(color):
            raise ApiError(
                400,
                f"Error in validating color '{color}'. "
                "Project color must be a hex value in the form of #[0-9a-f]{6}.",
            )
        if premium_colors and not ws["premium"] and color.lower() not in FREE_COLORS:
            raise ApiError(402, "Custom project colors available only for premium plans")
        return {"color": color.lower()}

    @staticmethod
    def _project_premium(ws: JSONDict, body: JSONDict) -> JSONDict:
        changes: JSONDict = {}
        for field in ("rate", "fixed_fee", "estimated_hours"):
            if field in body and body[field] is not None:
                value = body[field]
                if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                    raise ApiError(400, f"Invalid {field}")
                if field != "estimated_hours" and not ws["premium"]:
                    raise ApiError(
                        402, "Billable rates are available for Starter and higher plans."
                    )
                changes[field] = value
        if "estimated_hours" in changes:
            changes["estimated_seconds"] = int(changes["estimated_hours"] * 3600)
        if "billable" in body:
            if not isinstance(body["billable"], bool):
                raise ApiError(400, "Invalid billable")
            if ws["premium"]:
                changes["billable"] = body["billable"]
        if "currency" in body and ws["premium"]:
            changes["currency"] = body["currency"]
        return changes

    @staticmethod
    def _project_dates(body: JSONDict) -> JSONDict:
        changes: JSONDict = {}
        for field in ("start_date", "end_date"):
            if field in body:
                if body[field] is not None and parse_date(body[field]) is None:
                    raise ApiError(400, f"Invalid {field}")
                changes[field] = body[field]
        return changes

    async def update_project(self, request: web.Request) -> web.Response:
        ws = self.ctx.workspace(request)
        project = self._project(request, ws)
        body = body_object(request)
        self._apply_project(ws, project, body, premium_colors=True)
        self.ctx.changed()
        return ok(_without_actuals(project))

    async def delete_project(self, request: web.Request) -> web.Response:
        """Delete; ``teDeletionMode=delete`` drops its entries, default unassigns them."""
        ws = self.ctx.workspace(request)
        project = self._project(request, ws)
        mode = q_choice(request, "teDeletionMode", ("delete", "unassign"), "unassign")
        now = self.ctx.now()
        project.update(
            server_deleted_at=iso_utc(now), active=False, status="deleted", at=iso_utc(now)
        )
        for task in self.ctx.account.tasks:
            if task["project_id"] == project["id"] and not is_deleted(task):
                task.update(server_deleted_at=iso_utc(now), at=iso_utc(now))
        self._detach_entries(project["id"], now, delete=mode == "delete")
        self.ctx.changed()
        return ok(project["id"])

    def _detach_entries(self, project_id: int, now: int, *, delete: bool) -> None:
        store = self.ctx.account.time_entries
        for ref in store.refs_with_project(project_id):
            row = store.row(ref)
            if delete:
                store.delete(row.id, now)
                continue
            row = store.row_by_id(row.id) or row
            row.project_id = row.task_id = None
            row.at = now
            store.save(row)

    async def patch_projects(self, request: web.Request) -> web.Response:
        """JSON-Patch several projects; per-project failures are reported, not raised.

        Recorded quirk: a bulk color change to a non-palette color succeeded on a free
        workspace, so the premium color check only applies to POST and PUT.
        """
        ws = self.ctx.workspace(request)
        ids = patch_ids(request.match_info["ids"])
        ops = parse_patch(body_json(request))
        success: list[int] = []
        failure: list[JSONDict] = []
        index = self.ctx.account.index()
        for pid in ids:
            project = index.projects.get(pid)
            if project is None or project["workspace_id"] != ws["id"] or is_deleted(project):
                failure.append({"id": pid, "message": "Project not found"})
                continue
            changes = {op.field: None if op.op == "remove" else op.value for op in ops}
            try:
                self._apply_project(ws, project, changes, premium_colors=False)
            except ApiError as exc:
                failure.append({"id": pid, "message": exc.message})
            else:
                success.append(pid)
        self.ctx.changed()
        return ok({"success": success, "failure": failure})

    # -- clients --------------------------------------------------------------------------------

    def _client(self, request: web.Request, ws: JSONDict) -> JSONDict:
        cid = int(request.match_info["cid"])
        client = self.ctx.account.index().clients.get(cid)
        if client is None or client["wid"] != ws["id"] or is_deleted(client):
            raise ApiError(404, f"No client with ID {cid} was found")
        return client

    async def list_clients(self, request: web.Request) -> web.Response:
        """``status`` active|archived|both (default both), ``name`` contains, no paging."""
        ws = self.ctx.workspace(request)
        status = request.query.get("status") or "both"
        if status not in ("active", "archived", "both"):
            raise ApiError(400, "Client status is invalid")
        name = (request.query.get("name") or "").casefold()
        items = [
            c
            for c in self.ctx.account.clients
            if c["wid"] == ws["id"]
            and not is_deleted(c)
            and (status == "both" or c["archived"] == (status == "archived"))
            and name in str(c["name"]).casefold()
        ]
        return ok(items)

    @staticmethod
    def _client_name(body: JSONDict) -> str:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ApiError(400, "Client name cannot be empty")
        if len(name) > 100:
            raise ApiError(400, "Client name maximum length is 100")
        return name.strip()

    def _check_client_name(self, ws: JSONDict, name: str, own_id: int | None) -> None:
        for other in self._live(self.ctx.account.clients, "wid", ws["id"], own_id):
            if other["name"] == name:
                raise ApiError(400, "Name has already been taken")

    async def create_client(self, request: web.Request) -> web.Response:
        ws = self.ctx.workspace(request)
        body = body_object(request)
        name = self._client_name(body)
        self._check_client_name(ws, name, None)
        client = self._add_client(ws, name, body.get("notes"), body.get("external_reference"))
        return ok(client)

    def _add_client(self, ws: JSONDict, name: str, notes: Any, external_reference: Any) -> JSONDict:
        ids = [int(c["id"]) for c in self.ctx.account.clients]
        client = {
            "id": max(ids, default=60_000_000) + 1 + len(ids) % 31,
            "wid": ws["id"],
            "archived": False,
            "name": name,
            "at": self._stamp(),
            "creator_id": self.ctx.account.user_id,
            "integration_provider": None,
            "integration_ext_id": None,
            "integration_ext_type": None,
            "notes": notes,
            "external_reference": external_reference,
            "permissions": None,
        }
        self.ctx.account.clients.append(client)
        self.ctx.changed()
        return client

    async def get_client(self, request: web.Request) -> web.Response:
        ws = self.ctx.workspace(request)
        return ok(self._client(request, ws))

    async def update_client(self, request: web.Request) -> web.Response:
        ws = self.ctx.workspace(request)
        client = self._client(request, ws)
        body = body_object(request)
        if "name" in body:
            name = self._client_name(body)
            self._check_client_name(ws, name, client["id"])
            client["name"] = name
        for field in ("notes", "external_reference"):
            if field in body:
                client[field] = body[field]
        client["at"] = self._stamp()
        self.ctx.changed()
        return ok(client)

    async def delete_client(self, request: web.Request) -> web.Response:
        """Delete a client; its projects lose the client (the body is the id, a number)."""
        ws = self.ctx.workspace(request)
        client = self._client(request, ws)
        stamp = self._stamp()
        client.update(server_deleted_at=stamp, at=stamp)
        for project in self.ctx.account.projects:
            if project["client_id"] == client["id"]:
                project.update(client_id=None, cid=None, at=stamp)
        self.ctx.changed()
        return ok(client["id"])

    async def archive_client(self, request: web.Request) -> web.Response:
        """Archive a client and its active projects (premium); returns the project ids."""
        ws = self.ctx.workspace(request)
        client = self._client(request, ws)
        if not ws["premium"]:
            raise ApiError(402, "Archiving clients is available only for premium plans")
        stamp = self._stamp()
        archived = []
        for project in self.ctx.account.projects:
            if project["client_id"] == client["id"] and project["active"]:
                project.update(active=False, status="archived", at=stamp)
                archived.append(project["id"])
        client.update(archived=True, at=stamp)
        self.ctx.changed()
        return ok(archived)

    async def restore_client(self, request: web.Request) -> web.Response:
        """Restore a client and, optionally, all or some of its projects."""
        ws = self.ctx.workspace(request)
        client = self._client(request, ws)
        body = body_object(request) if has_body(request) else {}
        every = bool(body.get("restore_all_projects"))
        chosen = body.get("projects") or []
        if not isinstance(chosen, list) or not all(_is_int(p) for p in chosen):
            raise ApiError(400, "Invalid projects")
        stamp = self._stamp()
        for project in self._live(self.ctx.account.projects, "client_id", client["id"]):
            if every or project["id"] in chosen:
                project.update(active=True, status="active", at=stamp)
        client.update(archived=False, at=stamp)
        self.ctx.changed()
        return ok(client)

    # -- tags -------------------------------------------------------------------------------------

    def _tag(self, request: web.Request, ws: JSONDict) -> JSONDict:
        tag = self.ctx.account.index().tags.get(int(request.match_info["tag_id"]))
        if tag is None or tag["workspace_id"] != ws["id"] or is_deleted(tag):
            raise ApiError(404, "Tag was not found")
        return tag

    async def list_tags(self, request: web.Request) -> web.Response:
        """All tags by name; ``page``/``per_page`` only when ``per_page`` is given."""
        ws = self.ctx.workspace(request)
        page = q_int(request, "page", 1, minimum=1) or 1
        per_page = q_int(request, "per_page", None, minimum=1)
        search = (request.query.get("search") or "").casefold()
        items = sorted(
            (
                t
                for t in self.ctx.account.tags
                if t["workspace_id"] == ws["id"]
                and not is_deleted(t)
                and search in str(t["name"]).casefold()
            ),
            key=lambda t: (str(t["name"]).casefold(), t["id"]),
        )
        if per_page is not None:
            items = items[(page - 1) * per_page : page * per_page]
        elif page > 1:
            items = []
        return ok(items)

    def _tag_name(self, ws: JSONDict, body: JSONDict, own_id: int | None) -> str:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ApiError(400, "tag name can't be blank")
        name = name.strip()
        for other in self._live(self.ctx.account.tags, "workspace_id", ws["id"], own_id):
            if str(other["name"]).casefold() == name.casefold():
                raise ApiError(400, f"a tag with the name '{name}' already exists")
        return name

    def add_tag(self, ws: JSONDict, name: str) -> JSONDict:
        """Create a tag (also used when a time entry names an unknown tag)."""
        ids = [int(t["id"]) for t in self.ctx.account.tags]
        tag = {
            "id": max(ids, default=15_000_000) + 1 + len(ids) % 13,
            "workspace_id": ws["id"],
            "name": name,
            "at": iso_micro_z(self.ctx.now_dt()),
            "creator_id": self.ctx.account.user_id,
            "permissions": None,
        }
        self.ctx.account.tags.append(tag)
        self.ctx.changed()
        return tag

    async def create_tag(self, request: web.Request) -> web.Response:
        """Create a tag. The spec says an array comes back; the API sends the tag object."""
        ws = self.ctx.workspace(request)
        name = self._tag_name(ws, body_object(request), None)
        return ok(self.add_tag(ws, name))

    async def update_tag(self, request: web.Request) -> web.Response:
        ws = self.ctx.workspace(request)
        tag = self._tag(request, ws)
        tag["name"] = self._tag_name(ws, body_object(request), tag["id"])
        tag["at"] = iso_micro_z(self.ctx.now_dt())
        self.ctx.changed()
        return ok(tag)

    async def delete_tag(self, request: web.Request) -> web.Response:
        """Delete a tag; entries drop it without a new ``at`` (as Toggl does)."""
        ws = self.ctx.workspace(request)
        tag = self._tag(request, ws)
        tag["deleted_at"] = iso_micro_z(self.ctx.now_dt())
        self.ctx.changed()
        return empty()

    # -- tasks -------------------------------------------------------------------------------------

    def _task(self, request: web.Request, project: JSONDict) -> JSONDict:
        task = self.ctx.account.index().tasks.get(int(request.match_info["task_id"]))
        if task is None or task["project_id"] != project["id"] or is_deleted(task):
            raise ApiError(404, "Task not found")
        return task

    async def list_workspace_tasks(self, request: web.Request) -> web.Response:
        """The one wrapped list: ``{data, page, per_page, sort_field, sort_order, total_count}``."""
        ws = self.ctx.workspace(request)
        page = q_int(request, "page", 1, minimum=1) or 1
        per_page = min(q_int(request, "per_page", 50, minimum=1) or 50, 200)
        active = q_choice(request, "active", ("true", "false", "both"), "true")
        sort_field = q_choice(request, "sort_field", ("name", "created_at"), "name")
        sort_order = q_choice(request, "sort_order", ("asc", "desc"), "asc").upper()
        pid = q_int(request, "pid")
        since = q_int(request, "since")
        search = (request.query.get("search") or "").casefold()
        key = (
            "ws/tasks",
            ws["id"],
            page,
            per_page,
            active,
            sort_field,
            sort_order,
            pid,
            since,
            search,
        )

        def build() -> JSONDict:
            items = [
                t
                for t in changed_since(self.ctx.account.tasks, since)
                if t["workspace_id"] == ws["id"]
                and (active == "both" or t["active"] == (active == "true"))
                and (pid is None or t["project_id"] == pid)
                and search in str(t["name"]).casefold()
            ]
            items.sort(key=lambda t: (str(t["name"]).casefold(), t["id"]))
            if sort_order == "DESC":
                items.reverse()
            return {
                "data": items[(page - 1) * per_page : page * per_page],
                "page": page,
                "per_page": per_page,
                "sort_field": sort_field,
                "sort_order": sort_order,
                "total_count": len(items),
            }

        return raw(self._cached(key, build))

    async def list_project_tasks(self, request: web.Request) -> web.Response:
        ws = self.ctx.workspace(request)
        project = self._project(request, ws)
        active = q_choice(request, "active", ("true", "false", "both"), "both")
        items = [
            t
            for t in self.ctx.account.tasks
            if t["project_id"] == project["id"]
            and not is_deleted(t)
            and (active == "both" or t["active"] == (active == "true"))
        ]
        return ok(items)

    async def get_task(self, request: web.Request) -> web.Response:
        ws = self.ctx.workspace(request)
        return ok(self._task(request, self._project(request, ws)))

    async def create_task(self, request: web.Request) -> web.Response:
        ws = self.ctx.workspace(request)
        project = self._project(request, ws)
        if not project["active"]:
            raise ApiError(400, "Can not change tasks of archived project")
        body = body_object(request)
        ids = [int(t["id"]) for t in self.ctx.account.tasks]
        task: JSONDict = {
            "id": max(ids, default=90_000_000) + 1 + len(ids) % 17,
            "name": "",
            "workspace_id": ws["id"],
            "project_id": project["id"],
            "user_id": None,
            "recurring": False,
            "active": True,
            "at": self._stamp(),
            "tracked_seconds": 0,
            "server_deleted_at": None,
            "estimated_seconds": None,
            "toggl_accounts_id": None,
            "rate": None,
            "rate_last_updated": None,
            "integration_provider": None,
            "integration_ext_id": None,
            "integration_ext_type": None,
            "permissions": None,
        }
        if "name" not in body:
            raise ApiError(400, "Name can't be blank")
        self._apply_task(ws, project, task, body)
        self.ctx.account.tasks.append(task)
        self.ctx.changed()
        return ok(task)

    def _apply_task(self, ws: JSONDict, project: JSONDict, task: JSONDict, body: JSONDict) -> None:
        changes: JSONDict = {}
        if "name" in body:
            name = body["name"]
            if not isinstance(name, str) or not name.strip():
                raise ApiError(400, "Name can't be blank")
            for other in self._live(
                self.ctx.account.tasks, "project_id", project["id"], task["id"]
            ):
                if other["name"] == name.strip():
                    raise ApiError(400, "Name has already been taken")
            changes["name"] = name.strip()
        if "active" in body:
            if not isinstance(body["active"], bool):
                raise ApiError(400, "Invalid active")
            changes["active"] = body["active"]
        if "estimated_seconds" in body:
            value = body["estimated_seconds"]
            if value is not None and (not _is_int(value) or value < 0):
                raise ApiError(400, "Invalid estimated_seconds")
            changes["estimated_seconds"] = value
        if "user_id" in body:
            user = body["user_id"]
            if user is not None and user not in self.ctx.member_ids(ws["id"]):
                raise ApiError(400, "Invalid user_id")
            changes["user_id"] = user
        task.update(changes)
        task["at"] = self._stamp()

    async def update_task(self, request: web.Request) -> web.Response:
        ws = self.ctx.workspace(request)
        project = self._project(request, ws)
        task = self._task(request, project)
        self._apply_task(ws, project, task, body_object(request))
        self.ctx.changed()
        return ok(task)

    async def delete_task(self, request: web.Request) -> web.Response:
        ws = self.ctx.workspace(request)
        task = self._task(request, self._project(request, ws))
        task.update(server_deleted_at=self._stamp(), at=self._stamp())
        self.ctx.changed()
        return empty()

"""Sandbox flows beyond the seed endpoints: organization users, groups, project users, the
dashboard and data exports (request -> list -> download the zip).

Shapes follow the specification and, where one exists, the recording
(``GET /organizations/{oid}/workspaces/{wid}/groups``). Groups, project users and export
requests live in this object (per server), beside the generated account.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from typing import Any

from aiohttp import web

from ._http import ApiError, Context, body_json, body_object, ok, q_ids, q_int
from ._util import JSONDict, iso_utc

__all__ = ["OrganizationRoutes"]


class OrganizationRoutes:
    """Handlers for organizations, groups, project users, dashboard and exports."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.groups: dict[int, JSONDict] = {}
        self.project_users: dict[int, JSONDict] = {}
        self.exports: dict[str, JSONDict] = {}
        self._next_id = 9_000_000

    def routes(self, prefix: str) -> list[web.RouteDef]:
        org = prefix + r"/organizations/{oid:\d+}"
        ws = prefix + r"/workspaces/{wid:\d+}"
        return [
            web.get(org + "/users", self.org_users),
            web.get(org + "/users/detailed", self.org_users),
            web.get(org + "/groups", self.org_groups),
            web.post(org + "/groups", self.create_group),
            web.put(org + r"/groups/{gid:\d+}", self.update_group),
            web.delete(org + r"/groups/{gid:\d+}", self.delete_group),
            web.get(org + r"/workspaces/{wid:\d+}/groups", self.org_workspace_groups),
            web.get(ws + "/groups", self.workspace_groups),
            web.get(ws + "/project_users", self.list_project_users),
            web.post(ws + "/project_users", self.add_project_user),
            web.delete(ws + r"/project_users/{puid:\d+}", self.delete_project_user),
            web.get(ws + "/dashboard/all_activity", self.all_activity),
            web.get(ws + "/exports", self.list_exports),
            web.post(ws + "/exports", self.request_export),
            web.get(ws + r"/exports/data/{token}.zip", self.download_export),
            web.get(prefix + "/me/export", self.list_exports),
            web.post(prefix + "/me/export", self.request_export),
            web.get(prefix + r"/me/export/data/{token}.zip", self.download_export),
        ]

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _stamp(self) -> str:
        return iso_utc(self.ctx.now())

    def _organization(self, request: web.Request) -> JSONDict:
        oid = int(request.match_info["oid"])
        for org in self.ctx.account.organizations:
            if org["id"] == oid:
                return org
        raise ApiError(403, "User does not have access to this resource.")

    def _workspaces_of(self, org: JSONDict) -> list[JSONDict]:
        return [w for w in self.ctx.account.workspaces if w.get("organization_id") == org["id"]]

    # -- users ------------------------------------------------------------------------------

    async def org_users(self, request: web.Request) -> web.Response:
        org = self._organization(request)
        people: dict[int, JSONDict] = {}
        for ws in self._workspaces_of(org):
            for member in self.ctx.account.workspace_users.get(ws["id"], []):
                user = people.setdefault(
                    member["id"],
                    {
                        "id": member["id"],
                        "user_id": member["id"],
                        "name": member.get("fullname"),
                        "email": member.get("email"),
                        "organization_id": org["id"],
                        "admin": bool(member.get("is_admin")),
                        "owner": member["id"] == self.ctx.account.user_id,
                        "joined": True,
                        "inactive": bool(member.get("inactive")),
                        "avatar_url": "",
                        "groups": [],
                        "workspaces": [],
                    },
                )
                user["workspaces"].append(
                    {
                        "workspace_id": ws["id"],
                        "workspace_name": ws["name"],
                        "admin": bool(member.get("is_admin")),
                        "active": bool(member.get("is_active", True)),
                        "inactive": bool(member.get("inactive")),
                        "groups": [],
                    }
                )
        for group in self.groups.values():
            if group["organization_id"] != org["id"]:
                continue
            for user_id in group["user_ids"]:
                if user_id in people:
                    people[user_id]["groups"].append(
                        {"group_id": group["group_id"], "name": group["name"]}
                    )
        users = sorted(people.values(), key=lambda u: u["id"])
        for user in users:
            user["workspace_count"] = len(user["workspaces"])
        page = q_int(request, "page", 1, minimum=1) or 1
        per_page = q_int(request, "per_page", 50, minimum=1) or 50
        pages = max(1, -(-len(users) // per_page))
        headers = {
            "X-Page": str(page),
            "X-Page-Size": str(per_page),
            "X-Pages": str(pages),
            "X-Records": str(len(users)),
        }
        return ok(users[(page - 1) * per_page : page * per_page], headers)

    # -- groups -----------------------------------------------------------------------------

    def _members(self, group: JSONDict) -> list[JSONDict]:
        names = {
            u["id"]: u.get("fullname")
            for members in self.ctx.account.workspace_users.values()
            for u in members
        }
        return [
            {"user_id": uid, "name": names.get(uid), "avatar_url": "", "joined": True}
            for uid in group["user_ids"]
        ]

    def _shown(self, group: JSONDict) -> JSONDict:
        return {
            "group_id": group["group_id"],
            "name": group["name"],
            "at": group["at"],
            "workspaces": list(group["workspaces"]),
            "users": self._members(group),
            "permissions": None,
        }

    async def org_groups(self, request: web.Request) -> web.Response:
        org = self._organization(request)
        mine = [g for g in self.groups.values() if g["organization_id"] == org["id"]]
        return ok([self._shown(g) for g in sorted(mine, key=lambda g: g["group_id"])])

    def _group_fields(self, org: JSONDict, body: JSONDict, group: JSONDict) -> None:
        if "name" in body:
            if not isinstance(body["name"], str) or not body["name"].strip():
                raise ApiError(400, "name can't be blank")
            group["name"] = body["name"]
        known = {w["id"] for w in self._workspaces_of(org)}
        for key, field in (("workspaces", "workspaces"), ("users", "user_ids")):
            if key in body:
                values = body[key]
                if not isinstance(values, list) or not all(isinstance(v, int) for v in values):
                    raise ApiError(400, f"Invalid '{key}' value")
                if key == "workspaces" and not set(values) <= known:
                    raise ApiError(400, "workspace does not belong to the organization")
                group[field] = list(values)

    async def create_group(self, request: web.Request) -> web.Response:
        org = self._organization(request)
        body = body_object(request)
        if "name" not in body:
            raise ApiError(400, "name can't be blank")
        group: JSONDict = {
            "group_id": self._id(),
            "organization_id": org["id"],
            "name": "",
            "workspaces": [],
            "user_ids": [],
            "at": self._stamp(),
        }
        self._group_fields(org, body, group)
        self.groups[group["group_id"]] = group
        return ok(self._shown(group))

    def _group(self, request: web.Request, org: JSONDict) -> JSONDict:
        group = self.groups.get(int(request.match_info["gid"]))
        if group is None or group["organization_id"] != org["id"]:
            raise ApiError(404, "Group not found")
        return group

    async def update_group(self, request: web.Request) -> web.Response:
        org = self._organization(request)
        group = self._group(request, org)
        self._group_fields(org, body_object(request), group)
        group["at"] = self._stamp()
        return ok(self._shown(group))

    async def delete_group(self, request: web.Request) -> web.Response:
        org = self._organization(request)
        del self.groups[self._group(request, org)["group_id"]]
        return ok(None)

    async def org_workspace_groups(self, request: web.Request) -> web.Response:
        self._organization(request)
        ws = self.ctx.workspace(request)
        found = [g for g in self.groups.values() if ws["id"] in g["workspaces"]]
        return ok([self._shown(g) for g in found])

    async def workspace_groups(self, request: web.Request) -> web.Response:
        ws = self.ctx.workspace(request)
        found = [g for g in self.groups.values() if ws["id"] in g["workspaces"]]
        return ok(
            [
                {
                    "id": g["group_id"],
                    "name": g["name"],
                    "workspace_id": ws["id"],
                    "has_users": bool(g["user_ids"]),
                    "at": g["at"],
                    "permissions": None,
                }
                for g in found
            ]
        )

    # -- project users ----------------------------------------------------------------------

    async def list_project_users(self, request: web.Request) -> web.Response:
        ws = self.ctx.workspace(request)
        wanted = q_ids(request, "project_ids")
        user = request.query.get("user_id")
        rows = [
            pu
            for pu in self.project_users.values()
            if pu["workspace_id"] == ws["id"]
            and (wanted is None or pu["project_id"] in wanted)
            and (user is None or str(pu["user_id"]) == user)
        ]
        return ok(sorted(rows, key=lambda pu: pu["id"]))

    async def add_project_user(self, request: web.Request) -> web.Response:
        ws = self.ctx.workspace(request)
        body = body_object(request)
        project_id, user_id = body.get("project_id"), body.get("user_id")
        if not isinstance(project_id, int) or not isinstance(user_id, int):
            raise ApiError(400, "project_id and user_id are required")
        project = self.ctx.account.index().projects.get(project_id)
        if project is None or project["workspace_id"] != ws["id"]:
            raise ApiError(400, "Project not found in workspace")
        if user_id not in self.ctx.member_ids(ws["id"]):
            raise ApiError(400, "User is not a member of the workspace")
        for existing in self.project_users.values():
            if (existing["project_id"], existing["user_id"]) == (project_id, user_id):
                raise ApiError(400, "User is already a member of the project")
        row: JSONDict = {
            "id": self._id(),
            "workspace_id": ws["id"],
            "project_id": project_id,
            "user_id": user_id,
            "manager": bool(body.get("manager", False)),
            "rate": body.get("rate"),
            "rate_last_updated": None,
            "labor_cost": body.get("labor_cost"),
            "labor_cost_last_updated": None,
            "group_id": None,
            "gid": None,
            "at": self._stamp(),
        }
        self.project_users[row["id"]] = row
        return ok(row)

    async def delete_project_user(self, request: web.Request) -> web.Response:
        ws = self.ctx.workspace(request)
        row = self.project_users.get(int(request.match_info["puid"]))
        if row is None or row["workspace_id"] != ws["id"]:
            raise ApiError(404, "Project user not found")
        del self.project_users[row["id"]]
        return ok(None)

    # -- dashboard --------------------------------------------------------------------------

    async def all_activity(self, request: web.Request) -> web.Response:
        """Each member's latest activity: the running entry (negative duration), if any."""
        ws = self.ctx.workspace(request)
        out: list[JSONDict] = []
        for user_id in sorted(self.ctx.member_ids(ws["id"])):
            entry = self.ctx.account.time_entries.running(user_id)
            if entry is None or entry["workspace_id"] != ws["id"]:
                continue
            out.append(
                {
                    "user_id": user_id,
                    "project_id": entry.get("project_id"),
                    "tid": entry.get("task_id"),
                    "description": entry.get("description"),
                    "duration": entry["duration"],
                    "stop": None,
                }
            )
        return ok(out)

    # -- data exports -----------------------------------------------------------------------

    def _scope(self, request: web.Request) -> int | None:
        return self.ctx.workspace(request)["id"] if "wid" in request.match_info else None

    async def request_export(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        body = body_json(request)
        if scope is not None:
            if not isinstance(body, list) or not body or not all(isinstance(x, str) for x in body):
                raise ApiError(400, "You must select at least one object to export")
            objects = list(body)
        else:
            objects = [k for k, v in (body or {}).items() if v] or ["profile"]
        if any(e["scope"] == scope and e["state"] != "completed" for e in self.exports.values()):
            raise ApiError(400, "Cannot start another export until current one is complete")
        token = str(uuid.uuid4())
        # Ready at once: the sandbox has no background workers.
        self.exports[token] = {"token": token, "scope": scope, "objects": objects}
        self.exports[token]["state"] = "completed"
        return ok(token)

    async def list_exports(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        rows = [
            {"token": e["token"], "state": e["state"], "error_message": ""}
            for e in self.exports.values()
            if e["scope"] == scope
        ]
        return ok(rows)

    async def download_export(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        export = self.exports.get(request.match_info["token"])
        if export is None or export["scope"] != scope:
            raise ApiError(404, "Export not found")
        return web.Response(body=self._zip(export), content_type="application/zip")

    def _zip(self, export: JSONDict) -> bytes:
        account = self.ctx.account
        scope = export["scope"]
        tables: dict[str, Any] = {}
        for name in export["objects"]:
            if name == "time_entries":
                tables[name] = [
                    e for e in account.time_entries if scope is None or e["workspace_id"] == scope
                ]
            elif name in ("projects", "clients", "tags", "tasks"):
                tables[name] = [
                    x
                    for x in getattr(account, name)
                    if scope is None or x.get("workspace_id", x.get("wid")) == scope
                ]
            elif name == "profile":
                tables[name] = {k: v for k, v in account.me.items() if k != "api_token"}
            else:
                tables[name] = []
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, rows in tables.items():
                archive.writestr(f"{name}.json", json.dumps(rows, ensure_ascii=False))
        return buffer.getvalue()

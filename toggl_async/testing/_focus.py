"""Toggl Focus tracking: current / start / stop under an organization and workspace."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ._http import ApiError, Context, body_object, has_body, ok
from ._util import JSONDict, iso_z, parse_instant
from .data import is_deleted

__all__ = ["FocusRoutes"]


class FocusRoutes:
    """Handlers for ``/focus/api/organizations/{oid}/workspaces/{wid}/tracking/...``.

    The seed documents only the entry's field names. Our choices: ``duration`` is null
    while tracking and seconds once stopped; ``type`` echoes what ``start`` was sent.
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def routes(self, prefix: str) -> list[web.RouteDef]:
        """Route table, registered by the server under ``/focus/api``."""
        base = prefix + r"/organizations/{oid:\d+}/workspaces/{wid:\d+}/tracking"
        return [
            web.get(base + "/current", self.current),
            web.post(base + "/start", self.start),
            web.post(base + "/stop", self.stop),
        ]

    def _workspace(self, request: web.Request) -> JSONDict:
        """404 for an unknown organization, 403 for a workspace outside it."""
        index = self.ctx.account.index()
        org = index.organizations.get(int(request.match_info["oid"]))
        if org is None or is_deleted(org):
            raise ApiError(404, "Organization not found")
        ws = index.workspaces.get(int(request.match_info["wid"]))
        if ws is None or ws["organization_id"] != org["id"] or is_deleted(ws):
            raise ApiError(403, "Insufficient permissions")
        return ws

    def _running(self) -> JSONDict | None:
        me = self.ctx.account.user_id
        for entry in reversed(self.ctx.account.focus_entries):
            mine = entry["toggl_user_id"] == me and entry["deleted_at"] is None
            if mine and entry["duration"] is None:
                return entry
        return None

    async def current(self, request: web.Request) -> web.StreamResponse:
        """200 with the entry, or 204 with no body when nothing is tracked here."""
        ws = self._workspace(request)
        entry = self._running()
        if entry is None or entry["workspace_id"] != ws["id"]:
            return web.Response(status=204)
        return ok(entry)

    async def start(self, request: web.Request) -> web.Response:
        """Start tracking; one entry at a time (422), known Focus task ids only (404)."""
        ws = self._workspace(request)
        body = body_object(request) if has_body(request) else {}
        if self._running() is not None:
            raise ApiError(422, "Cannot track multiple time entries at the same time")
        task_id = body.get("task_id")
        if task_id is not None:
            task = self.ctx.account.focus_tasks.get(task_id) if isinstance(task_id, int) else None
            if task is None or task["workspace_id"] != ws["id"]:
                raise ApiError(404, "User task does not exist")
        start = self._moment(body.get("start"))
        stamp = iso_z(self.ctx.now())
        entry = {
            "id": self._next_id(),
            "workspace_id": ws["id"],
            "task_id": task_id,
            "time_block_id": body.get("time_block_id"),
            "toggl_user_id": self.ctx.account.user_id,
            "type": body.get("type"),
            "start": iso_z(start),
            "duration": None,
            "created_at": stamp,
            "updated_at": stamp,
            "deleted_at": None,
            "archived_at": None,
        }
        self.ctx.account.focus_entries.append(entry)
        return ok(entry)

    async def stop(self, request: web.Request) -> web.Response:
        """Stop tracking at ``end`` (default now); 404 when nothing is tracked."""
        ws = self._workspace(request)
        body = body_object(request) if has_body(request) else {}
        entry = self._running()
        if entry is None or entry["workspace_id"] != ws["id"]:
            raise ApiError(404, "Not tracking a time entry")
        end = self._moment(body.get("end"))
        start = parse_instant(entry["start"])
        began = start[0] if start else end
        if end < began:
            raise ApiError(400, "Invalid request")
        entry["duration"] = end - began
        entry["updated_at"] = iso_z(self.ctx.now())
        return ok(entry)

    def _moment(self, value: Any) -> int:
        """RFC 3339 with a time (Focus rejects bare dates), default now."""
        if value is None:
            return self.ctx.now()
        parsed = parse_instant(value)
        if parsed is None or parsed[1]:
            raise ApiError(400, "Invalid request")
        return parsed[0]

    def _next_id(self) -> int:
        ids = [int(e["id"]) for e in self.ctx.account.focus_entries]
        return max(ids, default=500_000) + 1 + len(ids) % 7

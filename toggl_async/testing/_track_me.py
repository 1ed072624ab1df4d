"""Track ``/me`` endpoints: the user, and everything visible to them across workspaces."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

from ._http import ApiError, Context, body_object, empty, ok, q_bool, q_int, raw
from ._util import JSONDict, dumps, iso_micro_z
from .data import is_deleted

__all__ = ["MeRoutes", "epoch_of"]

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

#: Features by id as ``/me/features`` names them; premium workspaces get all of them.
_FEATURES = (
    (0, "free", False), (13, "pro", True), (15, "business", True),
    (50, "scheduled_reports", True), (51, "time_audits", True),
    (52, "locking_time_entries", True), (55, "tracking_reminders", True),
    (58, "pro_reports", True), (59, "custom_project_colors", True),
    (61, "tasks", True), (62, "billable_rates", True), (64, "project_estimates", True),
)  # fmt: skip

_LOCATION: JSONDict = {
    "city": "Tallinn",
    "city_lat_long": "59.436962,24.753574",
    "country_code": "EE",
    "country_name": "Estonia",
    "state": "Harjumaa",
}

#: ``GET /me`` related lists, in the order the recorded response has them.
_RELATED = ("clients", "tags", "time_entries", "projects", "workspaces", "tasks")


def epoch_of(stamp: Any) -> float:
    """Epoch seconds of an API timestamp (``...+00:00`` or ``...Z``); 0 when unset."""
    if not isinstance(stamp, str):
        return 0.0
    return datetime.fromisoformat(stamp).timestamp()


def changed_since(items: Iterable[JSONDict], since: int | None) -> list[JSONDict]:
    """Live items, or with ``since`` everything (deleted too) modified at or after it."""
    if since is None:
        return [item for item in items if not is_deleted(item)]
    return [item for item in items if _modified(item) >= since]


def _modified(item: JSONDict) -> float:
    deleted = item.get("server_deleted_at") or item.get("deleted_at")
    return max(epoch_of(item.get("at")), epoch_of(deleted))


class MeRoutes:
    """Handlers for ``/api/v9/me...`` (time entries live in ``_entries``)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def routes(self, prefix: str) -> list[web.RouteDef]:
        """Route table, registered by the server under ``/api/v9``."""
        return [
            web.get(prefix + "/me", self.get_me),
            web.put(prefix + "/me", self.put_me),
            web.get(prefix + "/me/logged", self.logged),
            web.get(prefix + "/me/clients", self.clients),
            web.get(prefix + "/me/features", self.features),
            web.get(prefix + "/me/location", self.location),
            web.get(prefix + "/me/organizations", self.organizations),
            web.get(prefix + "/me/projects", self.projects),
            web.get(prefix + "/me/projects/paginated", self.projects_paginated),
            web.get(prefix + "/me/tags", self.tags),
            web.get(prefix + "/me/tasks", self.tasks),
            web.get(prefix + "/me/workspaces", self.workspaces),
            web.get(prefix + "/me/quota", self.quota),
        ]

    def _cached(self, key: tuple[Any, ...], build: Callable[[], Any]) -> web.Response:
        return raw(self.ctx.cached(key, lambda: dumps(build())))

    # -- the user ----------------------------------------------------------------------------

    async def get_me(self, request: web.Request) -> web.Response:
        """The user; ``with_related_data`` adds their clients, projects, tags, tasks, ..."""
        related = q_bool(request, "with_related_data")
        minute = self.ctx.now() // 60 if related else 0
        return self._cached(("me", related, minute), lambda: self._me(related))

    def _me(self, related: bool) -> JSONDict:
        me = dict(self.ctx.account.me)
        if not related:
            return me
        stamp = me.pop("authorization_updated_at", None)
        lists = {
            "clients": self._live(self.ctx.account.clients),
            "tags": self._live(self.ctx.account.tags),
            "time_entries": self._recent_entries(),
            "projects": self._live(self.ctx.account.projects),
            "workspaces": self._live(self.ctx.account.workspaces),
            "tasks": [t for t in self._live(self.ctx.account.tasks) if t["active"]],
        }
        for name in _RELATED:
            if lists[name]:  # Toggl leaves a list out when the user has none of it
                me[name] = lists[name]
        me["authorization_updated_at"] = stamp
        return me

    @staticmethod
    def _live(items: list[JSONDict]) -> list[JSONDict]:
        return [item for item in items if not is_deleted(item)]

    def _recent_entries(self) -> list[JSONDict]:
        """The last week of the user's entries, newest first (what the web app preloads)."""
        store = self.ctx.account.time_entries
        now = self.ctx.now()
        limit = self.ctx.limits.me_time_entries_limit
        rows = store.user_rows_desc(self.ctx.account.user_id, now - 7 * 86_400, now + 1, limit)
        names = store.tag_names()
        return [store.render(row, names=names) for row in rows]

    async def put_me(self, request: web.Request) -> web.Response:
        """Update profile fields; a password change needs the current password."""
        body = body_object(request)
        changes = self._validate_me(body)
        me = self.ctx.account.me
        me.update(changes)
        if "email" in changes:
            self.ctx.credentials.email = changes["email"]
        if "password" in body:
            self.ctx.credentials.password = body["password"]
        stamp = iso_micro_z(self.ctx.now_dt())
        me["updated_at"] = me["at"] = stamp
        self.ctx.changed()
        hidden = ("intercom_hash", "authorization_updated_at")
        response = {k: v for k, v in me.items() if k not in hidden}
        return ok(_insert_after(response, "toggl_accounts_id", "toggl_accounts_updated_at", stamp))

    def _validate_me(self, body: JSONDict) -> JSONDict:
        """Check every field before changing any (messages from the API reference)."""
        changes: JSONDict = {}
        if "beginning_of_week" in body:
            value = body["beginning_of_week"]
            if not _is_int(value) or not 0 <= value <= 6:
                raise ApiError(400, "Invalid beginning_of_week")
            changes["beginning_of_week"] = value
        if "country_id" in body:
            value = body["country_id"]
            if value is not None and (not _is_int(value) or value <= 0):
                raise ApiError(400, "Invalid country_id")
            changes["country_id"] = value
        if "default_workspace_id" in body:
            value = body["default_workspace_id"]
            if not _is_int(value) or value not in self.ctx.account.index().workspaces:
                raise ApiError(400, "Invalid default_workspace_id")
            changes["default_workspace_id"] = value
        changes.update(self._validate_identity(body))
        self._validate_password(body)
        return changes

    def _validate_identity(self, body: JSONDict) -> JSONDict:
        changes: JSONDict = {}
        if "email" in body:
            email = body["email"]
            if not isinstance(email, str) or not _EMAIL.fullmatch(email):
                raise ApiError(400, "Invalid email")
            changes["email"] = email
        if "fullname" in body:
            name = body["fullname"]
            if not isinstance(name, str) or not name.strip() or len(name) > 100:
                raise ApiError(400, "Invalid fullname")
            changes["fullname"] = name
        if "timezone" in body:
            zone = body["timezone"]
            if not isinstance(zone, str) or not _valid_zone(zone):
                raise ApiError(400, "Invalid timezone")
            changes["timezone"] = zone
        return changes

    def _validate_password(self, body: JSONDict) -> None:
        if "password" not in body:
            return
        current = body.get("current_password")
        if not current:
            raise ApiError(400, "Current password must be present to change password")
        if current != self.ctx.credentials.password:
            raise ApiError(400, "Current password is not valid")
        new = body["password"]
        if not isinstance(new, str) or len(new) < 6:
            raise ApiError(400, "Password must be at least 6 characters long")

    async def logged(self, request: web.Request) -> web.Response:
        """Auth check. The docs say 200 "OK"; we send 200 with an empty body (the spec's
        schema is null), so clients must not parse it as JSON."""
        return empty()

    # -- lists across workspaces ----------------------------------------------------------------

    async def clients(self, request: web.Request) -> web.Response:
        since = q_int(request, "since")
        return self._cached(
            ("me/clients", since), lambda: changed_since(self.ctx.account.clients, since)
        )

    async def tags(self, request: web.Request) -> web.Response:
        since = q_int(request, "since")
        return self._cached(("me/tags", since), lambda: changed_since(self.ctx.account.tags, since))

    async def workspaces(self, request: web.Request) -> web.Response:
        since = q_int(request, "since")
        return self._cached(
            ("me/workspaces", since), lambda: changed_since(self.ctx.account.workspaces, since)
        )

    async def organizations(self, request: web.Request) -> web.Response:
        return self._cached(("me/orgs",), lambda: self._live(self.ctx.account.organizations))

    async def location(self, request: web.Request) -> web.Response:
        return ok(_LOCATION)

    async def features(self, request: web.Request) -> web.Response:
        return self._cached(("me/features",), self._features)

    def _features(self) -> list[JSONDict]:
        out = []
        for ws in self._live(self.ctx.account.workspaces):
            premium = bool(ws.get("premium"))
            features = [
                {"feature_id": fid, "name": name, "enabled": premium if paid else not premium}
                for fid, name, paid in _FEATURES
            ]
            out.append({"workspace_id": ws["id"], "features": features})
        return out

    async def quota(self, request: web.Request) -> web.Response:
        """Quota windows for ``/me`` (``organization_id: null``) and each organization."""
        return ok(self.ctx.quota_view(request))

    async def projects(self, request: web.Request) -> web.Response:
        """Active projects; ``include_archived`` adds archived; ``since`` adds deleted too."""
        archived = q_bool(request, "include_archived")
        since = q_int(request, "since")
        return self._cached(
            ("me/projects", archived, since), lambda: self._projects(archived, since)
        )

    def _projects(self, archived: bool, since: int | None) -> list[JSONDict]:
        items = changed_since(self.ctx.account.projects, since)
        if not archived and since is None:
            items = [p for p in items if p["active"]]
        return sorted(items, key=lambda p: int(p["id"]))

    async def projects_paginated(self, request: web.Request) -> web.Response:
        """Keyset pages by ascending id; ``start_project_id`` is inclusive; no headers."""
        start = q_int(request, "start_project_id", 0, minimum=0) or 0
        per_page = q_int(request, "per_page", 201, minimum=1) or 201
        since = q_int(request, "since")
        return self._cached(
            ("me/projects/paginated", start, per_page, since),
            lambda: self._paginated(start, per_page, since),
        )

    def _paginated(self, start: int, per_page: int, since: int | None) -> list[JSONDict]:
        items = sorted(changed_since(self.ctx.account.projects, since), key=lambda p: int(p["id"]))
        return [p for p in items if p["id"] >= start][:per_page]

    async def tasks(self, request: web.Request) -> web.Response:
        """Tasks by ascending id, ``offset`` rows skipped, ``per_page`` (default: all)."""
        since = q_int(request, "since")
        not_active = q_bool(request, "include_not_active")
        meta = q_bool(request, "meta")
        offset = q_int(request, "offset", 0, minimum=0) or 0
        per_page = q_int(request, "per_page", None, minimum=1)
        key = ("me/tasks", since, not_active, meta, offset, per_page)
        return self._cached(key, lambda: self._tasks(since, not_active, meta, offset, per_page))

    def _tasks(
        self, since: int | None, not_active: bool, meta: bool, offset: int, per_page: int | None
    ) -> list[JSONDict]:
        items = [
            t
            for t in changed_since(self.ctx.account.tasks, since)
            if not_active or since is not None or t["active"]
        ]
        items.sort(key=lambda t: int(t["id"]))
        end = None if per_page is None else offset + per_page
        page = items[offset:end]
        return [self._task_meta(t) for t in page] if meta else page

    def _task_meta(self, task: JSONDict) -> JSONDict:
        index = self.ctx.account.index()
        project = index.projects.get(task["project_id"], {})
        client = index.clients.get(project.get("client_id") or 0, {})
        extra = {
            "project_name": project.get("name"),
            "project_color": project.get("color"),
            "project_billable": project.get("billable"),
            "client_name": client.get("name"),
        }
        return {**task, **extra}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return name == "UTC"
    return True


def _insert_after(data: JSONDict, anchor: str, key: str, value: Any) -> JSONDict:
    """Copy of ``data`` with ``key`` placed right after ``anchor`` (field order as recorded)."""
    out: JSONDict = {}
    for k, v in data.items():
        out[k] = v
        if k == anchor:
            out[key] = value
    out.setdefault(key, value)
    return out

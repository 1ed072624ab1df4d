"""Track time-entry endpoints: listing under /me, and create/update/patch/stop/delete."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from ._http import ApiError, Context, body_json, body_object, empty, ok, q_bool, q_int, raw
from ._patch import parse_patch, patch_ids
from ._store import TERow, TimeEntryStore
from ._util import JSONDict, dumps, go_time_error, parse_date, parse_instant
from .data import is_deleted

__all__ = ["EntryRoutes"]

_FAR_FUTURE = 2**62
_EPOCH_ORDINAL = datetime(1970, 1, 1).toordinal()
#: Fields a bulk PATCH may touch; others fail that entry.
_PATCHABLE = {
    "description", "billable", "project_id", "pid", "task_id", "tid", "tags", "tag_ids",
    "start", "stop", "duration", "user_id", "uid", "shared_with_user_ids", "expense_ids",
}  # fmt: skip
_IGNORED = ("shared_with_user_ids", "expense_ids")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class EntryRoutes:
    """Handlers for time entries; ``add_tag`` creates tags named by an entry."""

    def __init__(self, ctx: Context, add_tag: Callable[[JSONDict, str], JSONDict]) -> None:
        self.ctx = ctx
        self.add_tag = add_tag

    def routes(self, prefix: str) -> list[web.RouteDef]:
        """Route table, registered by the server under ``/api/v9``."""
        me = prefix + "/me/time_entries"
        ws = prefix + r"/workspaces/{wid:\d+}/time_entries"
        return [
            web.get(me, self.list_entries),
            web.get(me + "/current", self.current),
            web.get(me + r"/{id:\d+}", self.get_entry),
            web.post(ws, self.create),
            web.put(ws + r"/{id:\d+}", self.update),
            web.patch(ws + r"/{ids:\d+(?:,\d+)*}", self.patch),
            web.patch(ws + r"/{id:\d+}/stop", self.stop),
            web.delete(ws + r"/{id:\d+}", self.delete),
        ]

    @property
    def store(self) -> TimeEntryStore:
        return self.ctx.account.time_entries

    # -- reading ------------------------------------------------------------------------------

    async def list_entries(self, request: web.Request) -> web.Response:
        """The user's entries, newest first, at most ``me_time_entries_limit``.

        Only the last ``me_time_entries_max_days`` are reachable ("use Reports for history").
        Older entries are simply not returned; a ``start_date`` more than a day before that
        window is a 400 (the real wording is undocumented; ours names the earliest date).
        """
        meta = q_bool(request, "meta")
        q_bool(request, "include_sharing")
        since = q_int(request, "since", minimum=0)
        lo, hi = self._window(request)
        key = ("me/time_entries", meta, since, lo // 60, hi)
        return raw(self.ctx.cached(key, lambda: dumps(self._list(lo, hi, since, meta))))

    def _list(self, lo: int, hi: int, since: int | None, meta: bool) -> list[JSONDict]:
        limit = self.ctx.limits.me_time_entries_limit
        rows = self.store.user_rows_desc(self.ctx.account.user_id, lo, hi, limit, since)
        names = self.store.tag_names()
        return [self._render(row, meta=meta, names=names) for row in rows]

    def _window(self, request: web.Request) -> tuple[int, int]:
        now = self.ctx.now()
        floor = now - self.ctx.limits.me_time_entries_max_days * 86_400
        earliest = datetime.fromtimestamp(floor, UTC).date() - timedelta(days=1)
        lo, hi = floor, _FAR_FUTURE
        start = self._instant(request, "start_date")
        if start is not None:
            if start[0] < (earliest.toordinal() - _EPOCH_ORDINAL) * 86_400:
                raise ApiError(400, f"start_date must not be earlier than {earliest.isoformat()}")
            lo = max(lo, start[0])
        end = self._instant(request, "end_date")
        if end is not None:
            hi = min(hi, end[0] if end[1] else end[0] + 1)  # date-only end: midnight, exclusive
        before = self._instant(request, "before")
        if before is not None:
            hi = min(hi, before[0])
        if start is not None and end is not None and start[0] > end[0]:
            raise ApiError(400, "start_date must be earlier than end_date")
        return lo, hi

    @staticmethod
    def _instant(request: web.Request, name: str) -> tuple[int, bool] | None:
        text = request.query.get(name)
        if not text:
            return None
        parsed = parse_instant(text)
        if parsed is None:  # YYYY-MM-DD or strict RFC 3339 (seconds and Z/+HH:MM required)
            raise ApiError(400, f"Invalid {name}: {go_time_error(text)}")
        return parsed

    async def current(self, request: web.Request) -> web.Response:
        """The running entry, or a ``null`` body (200), as recorded."""
        row = self.store.running_row(self.ctx.account.user_id)
        return ok(None if row is None else self.store.render(row))

    async def get_entry(self, request: web.Request) -> web.Response:
        """One of the user's entries; this shape has no legacy ``uid/wid/pid/tid`` fields."""
        meta = q_bool(request, "meta")
        q_bool(request, "include_sharing")
        row = self.store.row_by_id(int(request.match_info["id"]))
        if row is None or row.user_id != self.ctx.account.user_id:
            raise ApiError(404, "Resource can not be found")
        return ok(self.store.render(row, legacy=False, meta=self._meta(row) if meta else None))

    def _render(
        self,
        row: TERow,
        *,
        meta: bool = False,
        zulu: bool = False,
        names: Mapping[int, str] | None = None,
    ) -> JSONDict:
        extra = self._meta(row) if meta else None
        return self.store.render(row, zulu=zulu, meta=extra, names=names)

    def _meta(self, row: TERow) -> JSONDict:
        """``meta=true`` names of related entities; absent ones are left out."""
        index = self.ctx.account.index()
        meta: JSONDict = {}
        project = index.projects.get(row.project_id or 0)
        if project is not None:
            meta["project_name"] = project["name"]
            meta["project_color"] = project["color"]
            meta["project_active"] = project["active"]
            if project["billable"] is not None:
                meta["project_billable"] = project["billable"]
            client = index.clients.get(project["client_id"] or 0)
            if client is not None:
                meta["client_name"] = client["name"]
        task = index.tasks.get(row.task_id or 0)
        if task is not None:
            meta["task_name"] = task["name"]
        return meta

    # -- writing -------------------------------------------------------------------------------

    def _own_row(self, request: web.Request, ws: JSONDict, te_id: int) -> TERow:
        row = self.store.row_by_id(te_id)
        if row is None or row.workspace_id != ws["id"]:
            raise ApiError(404, "Time entry not found")
        return row

    async def create(self, request: web.Request) -> web.Response:
        """Create; ``created_with`` and ``start`` are required, a negative duration runs."""
        ws = self.ctx.workspace(request)
        body = body_object(request)
        created_with = body.get("created_with")
        if not isinstance(created_with, str) or not created_with.strip():
            raise ApiError(400, "created_with needs to be provided an a valid string")
        now = self.ctx.now()
        row = TERow(
            id=0,
            workspace_id=ws["id"],
            project_id=None,
            task_id=None,
            user_id=self.ctx.account.user_id,
            start=now,
            duration=0,
            at=now,
            billable=False,
            description=None,
            tag_ids=None,
        )
        self._apply(ws, row, body, creating=True)
        row.id = self.store.new_id()
        self._save(row, now)
        return ok(self._render(row, meta=q_bool(request, "meta"), zulu=True))

    async def update(self, request: web.Request) -> web.Response:
        """Partial update: only the fields sent change."""
        ws = self.ctx.workspace(request)
        row = self._own_row(request, ws, int(request.match_info["id"]))
        self._apply(ws, row, body_object(request), creating=False)
        self._save(row, self.ctx.now())
        return ok(self._render(row, meta=q_bool(request, "meta"), zulu=True))

    async def patch(self, request: web.Request) -> web.Response:
        """Bulk JSON-Patch: no transaction; each entry succeeds or fails on its own."""
        ws = self.ctx.workspace(request)
        ids = patch_ids(request.match_info["ids"])
        ops = parse_patch(body_json(request))
        success: list[int] = []
        failure: list[JSONDict] = []
        for te_id in ids:
            row = self.store.row_by_id(te_id)
            if row is None or row.workspace_id != ws["id"]:
                failure.append({"id": te_id, "message": "Time entry not found"})
                continue
            try:
                for op in ops:
                    self._apply_op(ws, row, op.op, op.field, op.value)
            except ApiError as exc:
                failure.append({"id": te_id, "message": exc.message})
                continue
            self._save(row, self.ctx.now())
            success.append(te_id)
        return ok({"success": success, "failure": failure})

    def _apply_op(self, ws: JSONDict, row: TERow, op: str, field: str, value: Any) -> None:
        if field not in _PATCHABLE:
            raise ApiError(400, f"Unsupported patch path /{field}")
        if field in _IGNORED:
            return
        if field in ("tags", "tag_ids"):
            if op == "remove" and value is None:
                self._apply(ws, row, {field: []}, creating=False)
                return
            items = value if isinstance(value, list) else [value]
            action = {"add": "add", "remove": "delete"}.get(op)
            change: JSONDict = {field: items if op != "replace" else value}
            if action is not None:
                change["tag_action"] = action
            self._apply(ws, row, change, creating=False)
            return
        self._apply(ws, row, {field: None if op == "remove" else value}, creating=False)

    async def stop(self, request: web.Request) -> web.Response:
        """Stop a running entry now; 409 ``"Time entry already stopped"`` otherwise."""
        ws = self.ctx.workspace(request)
        row = self._own_row(request, ws, int(request.match_info["id"]))
        if not row.running:
            raise ApiError(409, "Time entry already stopped")
        now = self.ctx.now()
        row.duration = max(0, now - row.start)
        self._save(row, now)
        return ok(self._render(row, zulu=True))

    async def delete(self, request: web.Request) -> web.Response:
        """Delete; 200 with an empty body, as recorded."""
        ws = self.ctx.workspace(request)
        row = self._own_row(request, ws, int(request.match_info["id"]))
        self.store.delete(row.id, self.ctx.now())
        return empty()

    def _save(self, row: TERow, now: int) -> None:
        """Store the row; a new running entry stops the user's previous one (one timer)."""
        row.at = now
        if row.running:
            other = self.store.running_row(row.user_id)
            if other is not None and other.id != row.id:
                stop_at = max(other.start, min(row.start, now))
                other.duration = stop_at - other.start
                other.at = now
                self.store.save(other)
        self.store.save(row)

    # -- field rules ----------------------------------------------------------------------------

    def _apply(self, ws: JSONDict, row: TERow, body: JSONDict, *, creating: bool) -> None:
        """Validate and apply payload fields to ``row`` (a private copy)."""
        for key in ("workspace_id", "wid"):
            if key in body and body[key] != ws["id"]:
                raise ApiError(400, "Workspace ID in the body does not match the URL")
        if "description" in body:
            row.description = self._description(body["description"])
        if "billable" in body:
            if not isinstance(body["billable"], bool):
                raise ApiError(400, "Invalid billable")
            row.billable = body["billable"]
        self._apply_project(ws, row, body)
        self._apply_task(ws, row, body)
        self._apply_tags(ws, row, body)
        self._apply_user(ws, row, body)
        self._apply_timing(row, body, creating=creating)

    @staticmethod
    def _description(value: Any) -> str | None:
        if value is not None and not isinstance(value, str):
            raise ApiError(400, "Invalid description")
        if value is not None and len(value) > 3000:
            raise ApiError(400, "Description must not be longer than 3000 characters")
        return value

    def _apply_project(self, ws: JSONDict, row: TERow, body: JSONDict) -> None:
        key = "project_id" if "project_id" in body else "pid" if "pid" in body else None
        if key is None:
            return
        pid = body[key]
        if pid is None:
            row.project_id = row.task_id = None
            return
        project = self.ctx.account.index().projects.get(pid) if _is_int(pid) else None
        if project is None or project["workspace_id"] != ws["id"] or is_deleted(project):
            raise ApiError(400, "Invalid project_id")
        if row.project_id != pid:
            row.task_id = None
        row.project_id = pid

    def _apply_task(self, ws: JSONDict, row: TERow, body: JSONDict) -> None:
        key = "task_id" if "task_id" in body else "tid" if "tid" in body else None
        if key is None:
            return
        tid = body[key]
        if tid is None:
            row.task_id = None
            return
        task = self.ctx.account.index().tasks.get(tid) if _is_int(tid) else None
        if task is None or task["workspace_id"] != ws["id"] or is_deleted(task):
            raise ApiError(400, "Invalid task_id")
        if row.project_id is not None and row.project_id != task["project_id"]:
            raise ApiError(400, "Task does not belong to the time entry's project")
        row.project_id = task["project_id"]
        row.task_id = tid

    def _apply_tags(self, ws: JSONDict, row: TERow, body: JSONDict) -> None:
        """``tags`` (names, unknown ones created) and/or ``tag_ids``; ``tag_action`` add/delete."""
        if "tags" not in body and "tag_ids" not in body:
            return
        given: list[int] | None = None
        if body.get("tag_ids") is not None:
            given = self._tag_ids(ws, body["tag_ids"])
        if body.get("tags") is not None:
            named = self._tag_names(ws, body["tags"])
            given = list(dict.fromkeys([*(given or []), *named]))
        action = body.get("tag_action")
        if action not in (None, "add", "delete"):
            raise ApiError(400, "tag_action must be 'add' or 'delete'")
        current = list(row.tag_ids or ())
        if action == "add":
            row.tag_ids = tuple(current + [t for t in given or [] if t not in current])
        elif action == "delete":
            row.tag_ids = tuple(t for t in current if t not in (given or []))
        else:
            row.tag_ids = None if given is None else tuple(given)

    def _tag_ids(self, ws: JSONDict, value: Any) -> list[int]:
        names = self.ctx.account.index().tag_names
        tags = self.ctx.account.index().tags
        if not isinstance(value, list) or not all(_is_int(t) for t in value):
            raise ApiError(400, "Invalid tag_ids")
        for tag_id in value:
            if tag_id not in names or tags[tag_id]["workspace_id"] != ws["id"]:
                raise ApiError(400, f"Tag {tag_id} does not exist in this workspace")
        return list(dict.fromkeys(value))

    def _tag_names(self, ws: JSONDict, value: Any) -> list[int]:
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise ApiError(400, "Invalid tags")
        existing = {
            str(t["name"]).casefold(): t["id"]
            for t in self.ctx.account.tags
            if t["workspace_id"] == ws["id"] and not is_deleted(t)
        }
        ids = []
        for name in value:
            if not name.strip():
                continue
            tag_id = existing.get(name.strip().casefold())
            if tag_id is None:
                tag_id = self.add_tag(ws, name.strip())["id"]
                existing[name.strip().casefold()] = tag_id
            if tag_id not in ids:
                ids.append(tag_id)
        return ids

    def _apply_user(self, ws: JSONDict, row: TERow, body: JSONDict) -> None:
        key = "user_id" if "user_id" in body else "uid" if "uid" in body else None
        if key is None or body[key] is None:
            return
        if body[key] not in self.ctx.member_ids(ws["id"]):
            raise ApiError(403, "User does not have access to this resource.")
        row.user_id = body[key]

    def _apply_timing(self, row: TERow, body: JSONDict, *, creating: bool) -> None:
        """start/stop/duration rules: stop = start + duration, negative duration = running.

        Changing only ``start`` keeps the duration (the stop moves with it).
        """
        start = row.start
        if "start" in body:
            parsed = parse_instant(body["start"])
            if parsed is None or parsed[1]:
                raise ApiError(400, f"Invalid start: {go_time_error(body['start'])}")
            start = parsed[0]
        elif creating:
            raise ApiError(400, "Start time is required")
        start = self._start_date(body, start)
        stop = self._stop(body)
        duration = body.get("duration")
        if duration is not None and not _is_int(duration):
            raise ApiError(400, "Invalid duration")
        if duration is not None and duration >= 0 and stop is not None and stop != start + duration:
            raise ApiError(400, "Stop time and duration do not match")
        if duration is not None:
            running, length = duration < 0, duration
        elif stop is not None:
            if stop < start:
                raise ApiError(400, "Stop time must be after start time")
            running, length = False, stop - start
        elif creating:
            raise ApiError(400, "duration or stop must be provided")
        else:
            running, length = row.running, row.duration
        row.start = start
        row.duration = -start if running else length

    @staticmethod
    def _start_date(body: JSONDict, start: int) -> int:
        if "start_date" not in body or body["start_date"] is None:
            return start
        day = parse_date(body["start_date"])
        if day is None:
            raise ApiError(400, "Invalid start_date")
        moment = datetime.fromtimestamp(start, UTC)
        return int(moment.replace(year=day.year, month=day.month, day=day.day).timestamp())

    @staticmethod
    def _stop(body: JSONDict) -> int | None:
        if body.get("stop") is None:
            return None
        parsed = parse_instant(body["stop"])
        if parsed is None or parsed[1]:
            raise ApiError(400, f"Invalid stop: {go_time_error(body['stop'])}")
        return parsed[0]

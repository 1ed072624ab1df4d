"""``toggl.time_entries``: reading and writing Track time entries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from .._params import Since, check_duration, check_id, check_ids, flag, rfc3339, unix_seconds
from .._version import __version__
from ..errors import NotFoundError
from ..records import PatchResult, TimeEntry
from ._fields import require_changes
from ._gen import TimeEntriesEndpoints

__all__ = ["CREATED_WITH", "TimeEntriesResource"]

CREATED_WITH = f"toggl-async/{__version__}"
"""What we tell Toggl created an entry (it requires ``created_with`` on creation)."""

_PATCH_OPS = frozenset({"add", "remove", "replace"})
DateLike = date | datetime | str


def _aware(name: str, value: datetime) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware, e.g. datetime.now(timezone.utc)")
    return value


def _seconds_between(start: datetime, stop: datetime) -> int:
    """Whole seconds as Toggl will see them: timestamps are sent without microseconds."""
    return int((stop.replace(microsecond=0) - start.replace(microsecond=0)).total_seconds())


def _fields(
    *,
    start: datetime | None,
    stop: datetime | None,
    duration: int | None,
    description: str | None,
    project_id: int | None,
    task_id: int | None,
    tags: Sequence[str] | None,
    tag_ids: Sequence[int] | None,
    billable: bool | None,
) -> dict[str, Any]:
    """The JSON body of a create or an update, validated; ``None`` means "not sent"."""
    body: dict[str, Any] = {}
    if start is not None:
        body["start"] = rfc3339("start", _aware("start", start))
    if stop is not None:
        body["stop"] = rfc3339("stop", _aware("stop", stop))
        if start is not None and stop < start:
            raise ValueError(f"stop ({stop.isoformat()}) is before start ({start.isoformat()})")
    if duration is not None:
        duration = check_duration("duration", duration)
        agrees = start is None or stop is None or duration < 0
        if not agrees and _seconds_between(start, stop) != duration:  # type: ignore[arg-type]
            raise ValueError("duration disagrees with stop - start; pass one of them")
        body["duration"] = duration
    if description is not None:
        body["description"] = description
    if project_id is not None:
        body["project_id"] = check_id("project_id", project_id)
    if task_id is not None:
        body["task_id"] = check_id("task_id", task_id)
    if tags is not None:
        if isinstance(tags, str) or not all(isinstance(t, str) for t in tags):
            raise TypeError("tags must be a list of tag names")
        body["tags"] = list(tags)
    if tag_ids is not None:
        body["tag_ids"] = [check_id(f"tag_ids[{i}]", t) for i, t in enumerate(tag_ids)]
    if billable is not None:
        body["billable"] = bool(billable)
    return body


class TimeEntriesResource(TimeEntriesEndpoints):
    """Time entries of the current user."""

    async def current(self) -> TimeEntry | None:
        """The running entry, or None when no timer runs (Toggl sends ``null``, or a 404)."""
        try:
            return await self._fetch_optional(TimeEntry, "GET", "/me/time_entries/current")
        except NotFoundError:
            return None

    async def get(
        self, time_entry_id: int, *, meta: bool = False, include_sharing: bool = False
    ) -> TimeEntry:
        """One entry by id; ``meta`` adds project/task/client names."""
        time_entry_id = check_id("time_entry_id", time_entry_id)
        params = {"meta": flag(meta), "include_sharing": flag(include_sharing)}
        return await self._fetch(
            TimeEntry, "GET", f"/me/time_entries/{time_entry_id}", params=params
        )

    async def list(
        self,
        *,
        start_date: DateLike | None = None,
        end_date: DateLike | None = None,
        since: Since | None = None,
        before: DateLike | None = None,
        meta: bool = False,
        include_sharing: bool = False,
    ) -> list[TimeEntry]:
        """The user's recent entries (``GET /me/time_entries``), newest first.

        Toggl returns at most 1000 entries and nothing older than about three months here;
        for history use ``toggl.reports.iter_time_entries`` (the detailed report), which is
        paginated and reaches back to the account's start. A date-only ``end_date`` means
        midnight, so it excludes that day. ``since`` also returns deleted entries.
        ``include_sharing`` adds who each entry is shared with.
        """
        if (start_date is None) != (end_date is None):
            raise ValueError("start_date and end_date go together: pass both or neither")
        params = {
            "start_date": None if start_date is None else rfc3339("start_date", start_date),
            "end_date": None if end_date is None else rfc3339("end_date", end_date),
            "since": None if since is None else unix_seconds("since", since),
            "before": None if before is None else rfc3339("before", before),
            "meta": flag(meta),
            "include_sharing": flag(include_sharing),
        }
        return await self._fetch(list[TimeEntry], "GET", "/me/time_entries", params=params)

    async def create(
        self,
        workspace_id: int,
        *,
        start: datetime,
        duration: int | None = None,
        stop: datetime | None = None,
        description: str | None = None,
        project_id: int | None = None,
        task_id: int | None = None,
        tags: Sequence[str] | None = None,
        tag_ids: Sequence[int] | None = None,
        billable: bool | None = None,
        created_with: str = CREATED_WITH,
        user_id: int | None = None,
        shared_with_user_ids: Sequence[int] | None = None,
        start_date: date | str | None = None,
        tag_action: str | None = None,
    ) -> TimeEntry:
        """Create a stopped entry (give ``stop`` or ``duration``); see :meth:`start` to run one.

        ``user_id`` creates it for another member of the workspace (an admin's token);
        ``shared_with_user_ids`` shares it with them; ``start_date`` (``YYYY-MM-DD``) is
        Toggl's date-only alternative used by duration-only workspaces; ``tag_action`` as in
        :meth:`update`. Never retried blindly: if the connection drops after sending,
        Toggl may or may not have created it. Check with ``list(since=...)`` before creating
        it again.
        """
        workspace_id = check_id("workspace_id", workspace_id)
        if start is None:
            raise ValueError("start is required")
        if duration is None and stop is None:
            raise ValueError("pass stop or duration (use time_entries.start() for a timer)")
        if stop is not None and _aware("stop", stop) < _aware("start", start):
            raise ValueError(f"stop ({stop.isoformat()}) is before start ({start.isoformat()})")
        if duration is None and stop is not None:
            duration = _seconds_between(start, stop)
        if duration is not None and duration < 0:
            raise ValueError("duration must not be negative (use time_entries.start())")
        body = _fields(
            start=start,
            stop=stop,
            duration=duration,
            description=description,
            project_id=project_id,
            task_id=task_id,
            tags=tags,
            tag_ids=tag_ids,
            billable=billable,
        )
        body.update(workspace_id=workspace_id, created_with=created_with)
        body.update(
            _for_others(
                user_id=user_id,
                shared_with_user_ids=shared_with_user_ids,
                start_date=start_date,
                tag_action=tag_action,
            )
        )
        return await self._fetch(
            TimeEntry, "POST", f"/workspaces/{workspace_id}/time_entries", json=body
        )

    async def start(
        self,
        workspace_id: int,
        *,
        start: datetime | None = None,
        description: str | None = None,
        project_id: int | None = None,
        task_id: int | None = None,
        tags: Sequence[str] | None = None,
        tag_ids: Sequence[int] | None = None,
        billable: bool | None = None,
        created_with: str = CREATED_WITH,
    ) -> TimeEntry:
        """Start a timer now (or at ``start``); Toggl stops the one already running.

        Like :meth:`create`, never retried once sent: after a ``TogglConnectionError`` check
        :meth:`current` before starting again.
        """
        workspace_id = check_id("workspace_id", workspace_id)
        body = _fields(
            start=start or datetime.now(UTC).replace(microsecond=0),
            stop=None,
            duration=-1,
            description=description,
            project_id=project_id,
            task_id=task_id,
            tags=tags,
            tag_ids=tag_ids,
            billable=billable,
        )
        body.update(workspace_id=workspace_id, created_with=created_with)
        return await self._fetch(
            TimeEntry, "POST", f"/workspaces/{workspace_id}/time_entries", json=body
        )

    async def stop(self, workspace_id: int, time_entry_id: int) -> TimeEntry:
        """Stop a running entry; a stopped one raises ``ConflictError`` (409)."""
        workspace_id = check_id("workspace_id", workspace_id)
        time_entry_id = check_id("time_entry_id", time_entry_id)
        path = f"/workspaces/{workspace_id}/time_entries/{time_entry_id}/stop"
        return await self._fetch(TimeEntry, "PATCH", path)

    async def update(
        self,
        workspace_id: int,
        time_entry_id: int,
        *,
        start: datetime | None = None,
        stop: datetime | None = None,
        duration: int | None = None,
        description: str | None = None,
        project_id: int | None = None,
        task_id: int | None = None,
        tags: Sequence[str] | None = None,
        tag_ids: Sequence[int] | None = None,
        billable: bool | None = None,
        tag_action: str | None = None,
        user_id: int | None = None,
        shared_with_user_ids: Sequence[int] | None = None,
    ) -> TimeEntry:
        """Change the fields you pass (``PUT``, partial). To clear a field use :meth:`patch`
        with a ``remove`` operation.

        Tags: by default ``tags``/``tag_ids`` REPLACE the entry's tags. With
        ``tag_action="add"`` they are added to the tags it has; with ``"delete"`` they are
        removed from them (Toggl's word; JSON-patch says ``remove``). ``user_id`` moves the
        entry to another member (admins only).
        """
        workspace_id = check_id("workspace_id", workspace_id)
        time_entry_id = check_id("time_entry_id", time_entry_id)
        body = _fields(
            start=start,
            stop=stop,
            duration=duration,
            description=description,
            project_id=project_id,
            task_id=task_id,
            tags=tags,
            tag_ids=tag_ids,
            billable=billable,
        )
        body.update(
            _for_others(
                user_id=user_id, shared_with_user_ids=shared_with_user_ids, tag_action=tag_action
            )
        )
        if tag_action is not None and "tags" not in body and "tag_ids" not in body:
            raise ValueError("tag_action needs tags or tag_ids to add or delete")
        path = f"/workspaces/{workspace_id}/time_entries/{time_entry_id}"
        return await self._fetch(TimeEntry, "PUT", path, json=require_changes(body, "update()"))

    async def delete(self, workspace_id: int, time_entry_id: int) -> None:
        """Delete an entry (Toggl answers 200 with an empty body)."""
        workspace_id = check_id("workspace_id", workspace_id)
        time_entry_id = check_id("time_entry_id", time_entry_id)
        await self._send("DELETE", f"/workspaces/{workspace_id}/time_entries/{time_entry_id}")

    async def patch(
        self, workspace_id: int, ids: Iterable[int], operations: Sequence[Mapping[str, Any]]
    ) -> PatchResult:
        """Apply JSON-patch ``operations`` to up to 100 entries at once.

        Toggl applies them per entry with no transaction: read ``result.failure`` for the ids
        it could not change. Operations: ``{"op": "add"|"remove"|"replace", "path":
        "/description", "value": ...}``.
        """
        workspace_id = check_id("workspace_id", workspace_id)
        id_list = check_ids("ids", ids, limit=100)
        ops = _check_operations(operations)
        path = f"/workspaces/{workspace_id}/time_entries/{','.join(map(str, id_list))}"
        return await self._fetch(PatchResult, "PATCH", path, json=ops)


_TAG_ACTIONS = ("add", "delete")


def _for_others(
    *,
    user_id: int | None = None,
    shared_with_user_ids: Sequence[int] | None = None,
    start_date: date | str | None = None,
    tag_action: str | None = None,
) -> dict[str, Any]:
    """The fields of a create/update that act for other users, or on tags as a set."""
    body: dict[str, Any] = {}
    if user_id is not None:
        body["user_id"] = check_id("user_id", user_id)
    if shared_with_user_ids is not None:
        body["shared_with_user_ids"] = check_ids("shared_with_user_ids", shared_with_user_ids)
    if start_date is not None:
        body["start_date"] = rfc3339("start_date", start_date)[:10]
    if tag_action is not None:
        if tag_action not in _TAG_ACTIONS:
            raise ValueError(
                f"tag_action must be 'add' or 'delete' (None replaces the tags), got {tag_action!r}"
            )
        body["tag_action"] = tag_action
    return body


def _check_operations(operations: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(operations, Mapping) or not isinstance(operations, Sequence):
        raise TypeError("operations must be a list of {'op', 'path', 'value'} dicts")
    if not operations:
        raise ValueError("operations must not be empty")
    checked = []
    for i, op in enumerate(operations):
        if not isinstance(op, Mapping):
            raise TypeError(f"operations[{i}] must be a dict, got {type(op).__name__}")
        if op.get("op") not in _PATCH_OPS:
            raise ValueError(f"operations[{i}]['op'] must be add, remove or replace")
        path = op.get("path")
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError(f"operations[{i}]['path'] must be a JSON pointer like '/description'")
        if op["op"] != "remove" and "value" not in op:
            raise ValueError(f"operations[{i}] needs a 'value'")
        checked.append(dict(op))
    return checked

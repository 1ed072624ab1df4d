"""Compact storage for up to millions of time entries, rendered to API JSON on demand.

Generated entries live in parallel ``array`` columns sorted by (start, id) with ids rising
in the same order, so an id is found by bisection and a date range by two bisections: about
80 bytes an entry instead of a kilobyte of dicts. Entries created through the API, or moved
to another start or workspace, live in a small overlay keyed by id; their old column slot is
marked dead. Every mutation bumps ``version`` so the server can cache query results.
"""

from __future__ import annotations

import dataclasses
import heapq
import random
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from ._util import JSONDict, iso_utc, iso_z

__all__ = ["TERow", "TimeEntryStore"]

Tags = tuple[int, ...] | None


@dataclass(slots=True)
class TERow:
    """One time entry in plain numbers; ``duration`` is negative while running."""

    id: int
    workspace_id: int
    project_id: int | None
    task_id: int | None
    user_id: int
    start: int
    duration: int
    at: int
    billable: bool
    description: str | None
    tag_ids: Tags
    deleted_at: int | None = None

    @property
    def running(self) -> bool:
        """Running entries have a negative duration and no stop."""
        return self.duration < 0

    @property
    def stop(self) -> int | None:
        """Stop as epoch seconds, None while running."""
        return None if self.duration < 0 else self.start + self.duration


def _key(row: TERow) -> tuple[int, int]:
    return (row.start, row.id)


class TimeEntryStore:
    """Sequence-like view of all live time entries, oldest first, as API dicts."""

    def __init__(self, tag_names: Callable[[], Mapping[int, str]] | None = None) -> None:
        self._id = array("q")
        self._start = array("q")
        self._dur = array("q")
        self._at = array("q")
        self._ws = array("q")
        self._proj = array("q")
        self._task = array("q")
        self._user = array("q")
        self._desc = array("i")
        self._tags = array("i")
        self._bill = bytearray()
        self._dead = bytearray()
        self._dead_count = 0
        self._desc_pool: list[str | None] = []
        self._desc_index: dict[str | None, int] = {}
        self._tag_pool: list[Tags] = []
        self._tag_index: dict[Tags, int] = {}
        self._ws_pos: dict[int, array[int]] = {}
        self._extra: dict[int, TERow] = {}
        self._deleted: dict[int, TERow] = {}
        self._running: dict[int, int] = {}
        self._max_id = 0
        self._rng = random.Random(0)
        self._tag_names: Callable[[], Mapping[int, str]] = tag_names or dict
        self.version = 0

    # -- building ----------------------------------------------------------------------------

    def bind_tag_names(self, tag_names: Callable[[], Mapping[int, str]]) -> None:
        """Where live tag names come from (deleted tags vanish from rendered entries)."""
        self._tag_names = tag_names

    def intern_description(self, text: str | None) -> int:
        """Pool index of a description (entries share a few thousand distinct texts)."""
        index = self._desc_index.get(text)
        if index is None:
            index = len(self._desc_pool)
            self._desc_pool.append(text)
            self._desc_index[text] = index
        return index

    def intern_tags(self, tag_ids: Tags) -> int:
        """Pool index of a tag-id tuple (None and () are distinct, as in the API)."""
        index = self._tag_index.get(tag_ids)
        if index is None:
            index = len(self._tag_pool)
            self._tag_pool.append(tag_ids)
            self._tag_index[tag_ids] = index
        return index

    def description_at(self, index: int) -> str | None:
        """The description behind a pool index."""
        return self._desc_pool[index]

    def tags_at(self, index: int) -> Tags:
        """The tag-id tuple behind a pool index."""
        return self._tag_pool[index]

    def append(
        self,
        te_id: int,
        workspace_id: int,
        project_id: int,
        task_id: int,
        user_id: int,
        start: int,
        duration: int,
        at: int,
        billable: bool,
        desc_index: int,
        tags_index: int,
    ) -> None:
        """Add a generated entry; callers append in (start, id) order with rising ids."""
        self._id.append(te_id)
        self._start.append(start)
        self._dur.append(duration)
        self._at.append(at)
        self._ws.append(workspace_id)
        self._proj.append(project_id)
        self._task.append(task_id)
        self._user.append(user_id)
        self._desc.append(desc_index)
        self._tags.append(tags_index)
        self._bill.append(1 if billable else 0)
        self._dead.append(0)

    def add_deleted(self, row: TERow) -> None:
        """Remember an entry deleted before the sandbox started (seen only with ``since``)."""
        self._deleted[row.id] = row
        self._max_id = max(self._max_id, row.id)

    def seal(self, seed: int) -> None:
        """Build the per-workspace index and running map once generation is done."""
        self._ws_pos = {}
        for pos, wid in enumerate(self._ws):
            positions = self._ws_pos.get(wid)
            if positions is None:
                positions = self._ws_pos[wid] = array("q")
            positions.append(pos)
        self._running = {}
        for pos, duration in enumerate(self._dur):
            if duration < 0:
                self._running[self._user[pos]] = self._id[pos]
        if self._id:
            self._max_id = max(self._max_id, self._id[-1])
        self._rng = random.Random(seed)

    def copy(self) -> TimeEntryStore:
        """An independent copy (columns are copied in C, so even large stores copy fast)."""
        other = TimeEntryStore(self._tag_names)
        for name in ("_id", "_start", "_dur", "_at", "_ws", "_proj", "_task", "_user"):
            setattr(other, name, array("q", getattr(self, name)))
        other._desc = array("i", self._desc)
        other._tags = array("i", self._tags)
        other._bill = bytearray(self._bill)
        other._dead = bytearray(self._dead)
        other._dead_count = self._dead_count
        other._desc_pool = list(self._desc_pool)
        other._desc_index = dict(self._desc_index)
        other._tag_pool = list(self._tag_pool)
        other._tag_index = dict(self._tag_index)
        other._ws_pos = {wid: array("q", pos) for wid, pos in self._ws_pos.items()}
        other._extra = {k: dataclasses.replace(v) for k, v in self._extra.items()}
        other._deleted = {k: dataclasses.replace(v) for k, v in self._deleted.items()}
        other._running = dict(self._running)
        other._max_id = self._max_id
        other._rng.setstate(self._rng.getstate())
        other.version = self.version
        return other

    # -- public, sequence-like -----------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._id) - self._dead_count + len(self._extra)

    def __iter__(self) -> Iterator[JSONDict]:
        """Every live entry (running one included) as the API lists it, oldest first."""
        names = self._tag_names()
        return (self.render(row, names=names) for row in self.rows())

    def __contains__(self, te_id: object) -> bool:
        return isinstance(te_id, int) and self.row_by_id(te_id) is not None

    def get(self, te_id: int) -> JSONDict | None:
        """The entry as ``GET /me/time_entries`` lists it, or None (deleted or unknown)."""
        row = self.row_by_id(te_id)
        return None if row is None else self.render(row)

    def running(self, user_id: int) -> JSONDict | None:
        """The user's running entry, or None."""
        row = self.running_row(user_id)
        return None if row is None else self.render(row)

    def deleted(self) -> list[JSONDict]:
        """Deleted entries as ``since`` queries return them (``server_deleted_at`` set)."""
        return [self.render(row) for row in sorted(self._deleted.values(), key=_key)]

    def ids(self) -> list[int]:
        """Ids of all live entries, oldest first."""
        return [row.id for row in self.rows()]

    # -- rows for the server ---------------------------------------------------------------------

    def rows(self) -> Iterator[TERow]:
        """All live rows ordered by (start, id)."""
        dead = self._dead
        base = (self._row_at(p) for p in range(len(self._id)) if not dead[p])
        extras = sorted(self._extra.values(), key=_key)
        return heapq.merge(base, extras, key=_key)

    def _row_at(self, pos: int) -> TERow:
        project = self._proj[pos]
        task = self._task[pos]
        return TERow(
            id=self._id[pos],
            workspace_id=self._ws[pos],
            project_id=project or None,
            task_id=task or None,
            user_id=self._user[pos],
            start=self._start[pos],
            duration=self._dur[pos],
            at=self._at[pos],
            billable=bool(self._bill[pos]),
            description=self._desc_pool[self._desc[pos]],
            tag_ids=self._tag_pool[self._tags[pos]],
        )

    def _position(self, te_id: int) -> int | None:
        pos = bisect_left(self._id, te_id)
        if pos < len(self._id) and self._id[pos] == te_id and not self._dead[pos]:
            return pos
        return None

    def row_by_id(self, te_id: int) -> TERow | None:
        """A private copy of a live row (mutate it, then ``save`` it)."""
        pos = self._position(te_id)
        if pos is not None:
            return self._row_at(pos)
        row = self._extra.get(te_id)
        return None if row is None else dataclasses.replace(row)

    def deleted_row(self, te_id: int) -> TERow | None:
        """A deleted row, if the id belonged to one."""
        return self._deleted.get(te_id)

    def running_row(self, user_id: int) -> TERow | None:
        """The user's running row, or None."""
        te_id = self._running.get(user_id)
        return None if te_id is None else self.row_by_id(te_id)

    def row(self, ref: int) -> TERow:
        """Resolve a ref from :meth:`refs_in` (read-only use)."""
        return self._row_at(ref) if ref >= 0 else self._extra[-ref]

    def ref_is_running(self, ref: int) -> bool:
        """Cheap running check on a ref without building the row."""
        return (self._dur[ref] if ref >= 0 else self._extra[-ref].duration) < 0

    def refs_in(self, workspace_id: int, lo: int, hi: int) -> list[int]:
        """Refs of a workspace's live entries with ``lo <= start < hi``, by (start, id).

        A ref is a column position (>= 0) or minus the id of an overlay row.
        """
        positions = self._ws_pos.get(workspace_id, array("q"))
        start = self._start.__getitem__
        i = bisect_left(positions, lo, key=start)
        j = bisect_left(positions, hi, key=start)
        refs: list[int] = positions[i:j].tolist()
        if self._dead_count:
            dead = self._dead
            refs = [p for p in refs if not dead[p]]
        extra = [
            -row.id
            for row in self._extra.values()
            if row.workspace_id == workspace_id and lo <= row.start < hi
        ]
        if extra:
            refs.extend(extra)
            refs.sort(key=lambda ref: _key(self.row(ref)))
        return refs

    def user_rows_desc(
        self, user_id: int, lo: int, hi: int, limit: int, since: int | None = None
    ) -> list[TERow]:
        """A user's entries with ``lo <= start < hi``, newest first, at most ``limit``.

        With ``since``, only entries changed at or after it, deleted ones included.
        """
        i = bisect_left(self._start, lo)
        j = bisect_left(self._start, hi)
        users, dead, at = self._user, self._dead, self._at
        picked: list[TERow] = []
        for pos in range(j - 1, i - 1, -1):
            if users[pos] != user_id or dead[pos] or (since is not None and at[pos] < since):
                continue
            picked.append(self._row_at(pos))
            if len(picked) >= limit:
                break
        pools: list[Iterable[TERow]] = [self._extra.values()]
        if since is not None:
            pools.append(self._deleted.values())
        for pool in pools:
            for row in pool:
                if row.user_id == user_id and lo <= row.start < hi:
                    changed = row.deleted_at if row.deleted_at is not None else row.at
                    if since is None or changed >= since:
                        picked.append(dataclasses.replace(row))
        picked.sort(key=_key, reverse=True)
        return picked[:limit]

    def refs_with_project(self, project_id: int) -> list[int]:
        """Refs of live entries on a project (for project deletion)."""
        dead = self._dead
        refs = [p for p, pid in enumerate(self._proj) if pid == project_id and not dead[p]]
        refs.extend(-row.id for row in self._extra.values() if row.project_id == project_id)
        return refs

    # -- mutations --------------------------------------------------------------------------------

    def new_id(self) -> int:
        """A fresh id above every existing one, with a random gap like the real API's."""
        self._max_id += 1 + int(self._rng.random() * 40)
        return self._max_id

    def save(self, row: TERow) -> None:
        """Insert or replace a live row."""
        pos = self._position(row.id)
        if pos is not None and row.start == self._start[pos] and row.workspace_id == self._ws[pos]:
            self._write(pos, row)
        else:
            if pos is not None:
                self._kill(pos)
            self._extra[row.id] = row
            self._max_id = max(self._max_id, row.id)
        self._track_running(row)
        self.version += 1

    def delete(self, te_id: int, when: int) -> TERow | None:
        """Delete a live row; it stays visible to ``since`` queries."""
        row = self.row_by_id(te_id)
        if row is None:
            return None
        pos = self._position(te_id)
        if pos is not None:
            self._kill(pos)
        self._extra.pop(te_id, None)
        if self._running.get(row.user_id) == te_id:
            del self._running[row.user_id]
        row.deleted_at = when
        row.at = when
        self._deleted[te_id] = row
        self.version += 1
        return row

    def _kill(self, pos: int) -> None:
        self._dead[pos] = 1
        self._dead_count += 1

    def _write(self, pos: int, row: TERow) -> None:
        self._dur[pos] = row.duration
        self._at[pos] = row.at
        self._proj[pos] = row.project_id or 0
        self._task[pos] = row.task_id or 0
        self._user[pos] = row.user_id
        self._bill[pos] = 1 if row.billable else 0
        self._desc[pos] = self.intern_description(row.description)
        self._tags[pos] = self.intern_tags(row.tag_ids)

    def _track_running(self, row: TERow) -> None:
        if row.duration < 0:
            self._running[row.user_id] = row.id
        elif self._running.get(row.user_id) == row.id:
            del self._running[row.user_id]

    # -- rendering ------------------------------------------------------------------------------

    def tag_names(self) -> Mapping[int, str]:
        """Live tag names by id (fetch once per response and pass to ``render``)."""
        return self._tag_names()

    def tags_json(
        self, tag_ids: Tags, names: Mapping[int, str] | None = None
    ) -> tuple[list[str] | None, list[int] | None]:
        """(names, ids) with deleted tags dropped; null when all of them were deleted."""
        if tag_ids is None:
            return None, None
        if not tag_ids:
            return [], []
        if names is None:
            names = self._tag_names()
        live = [t for t in tag_ids if t in names]
        if tag_ids and not live:
            return None, None
        return [names[t] for t in live], live

    def render(
        self,
        row: TERow,
        *,
        legacy: bool = True,
        zulu: bool = False,
        meta: JSONDict | None = None,
        names: Mapping[int, str] | None = None,
    ) -> JSONDict:
        """The API's TimeEntry JSON.

        ``legacy`` adds ``uid``/``wid`` and, only when set, ``pid``/``tid`` (lists and
        mutation responses have them, ``GET /me/time_entries/{id}`` does not). ``zulu``
        writes start/stop as ``...Z``, as create/update/stop responses do.
        """
        stamp = iso_z if zulu else iso_utc
        running = row.duration < 0
        tags, tag_ids = self.tags_json(row.tag_ids, names)
        data: JSONDict = {
            "id": row.id,
            "workspace_id": row.workspace_id,
            "project_id": row.project_id,
            "task_id": row.task_id,
            "billable": row.billable,
            "start": stamp(row.start),
            "stop": None if running else stamp(row.start + row.duration),
            "duration": -row.start if running else row.duration,
            "description": row.description,
            "tags": tags,
            "tag_ids": tag_ids,
            "duronly": True,
            "at": iso_utc(row.at),
            "server_deleted_at": None if row.deleted_at is None else iso_utc(row.deleted_at),
            "user_id": row.user_id,
        }
        if legacy:
            data["uid"] = row.user_id
            data["wid"] = row.workspace_id
            if row.project_id is not None:
                data["pid"] = row.project_id
            if row.task_id is not None:
                data["tid"] = row.task_id
        if meta:
            data.update(meta)
        data["permissions"] = None
        return data

"""A live mirror: an SQLite export kept current from webhook events.

:class:`Mirror` runs :func:`~toggl_async.export.export_account` into ``DIR/toggl.sqlite``
once, then applies each webhook event (insert or update by id, delete by id) and, after any
gap (the receiver was down, events were lost), reads what changed with Track's ``since=``
listings. A dashboard reads the local database, which follows Toggl within seconds without
spending the hourly quota on polling.

It relies only on the export's public API and its SQLite layout (a table per object, ``id``
the primary key, columns named as the API names them, lists and objects as JSON text,
booleans 0/1, timestamps ISO 8601 text, unmodelled fields in ``extra``). What it can and
cannot see is in the README ("A live mirror").
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import _json
from .export import export_account
from .export.tables import utc_text
from .records import Record, TimeEntry, to_dict
from .records.webhooks import Event

if TYPE_CHECKING:
    from .client import TogglClient

__all__ = ["DATABASE", "Mirror", "MirrorError"]

log = logging.getLogger("toggl_async.mirror")

DATABASE = "toggl.sqlite"
TABLES = {
    "time_entry": "time_entries",
    "project": "projects",
    "client": "clients",
    "tag": "tags",
    "task": "tasks",
}
"""Event models the mirror applies -> the export's tables."""
SECRET_KEYS = frozenset({"api_token", "intercom_hash"})
CATCH_UP_MARGIN = 120.0
"""Seconds re-read before the last catch-up, for clock skew between here and Toggl."""
_STATE = "_mirror_state"
_DELETED = "_mirror_deleted"
_TIME_COLUMNS = (
    "id",
    "workspace_id",
    "user_id",
    "project_id",
    "task_id",
    "description",
    "billable",
    "tag_ids",
    "seconds",
    "start",
    "stop",
    "at",
)
"""The time_entries columns an event carries; the others (``username``, the billable
amounts, ``currency``) only the Reports API computes: they stay as exported, or NULL."""


class MirrorError(Exception):
    """The directory cannot hold a mirror (it holds something else)."""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, list | dict):
        return _json.dumps_str(value)
    return value


class Mirror:
    """An SQLite copy of the account, current as of the last event or catch-up.

    ``await mirror.open()`` exports (first run) or reopens ``directory``; ``apply(event)``
    applies one webhook event; ``await catch_up()`` reads every change since the last
    catch-up (call it after a gap: :meth:`open` does). ``workspaces`` limits the mirror
    to those ids (default: all the user's). Close it with :meth:`close`.
    """

    def __init__(
        self,
        client: TogglClient,
        directory: str | os.PathLike[str],
        *,
        workspaces: Sequence[int] | None = None,
        since: date | None = None,
    ) -> None:
        self.client = client
        self.directory = Path(directory)
        self.path = self.directory / DATABASE
        self.workspaces = None if workspaces is None else frozenset(workspaces)
        self._since = since
        self._db: sqlite3.Connection | None = None
        self._columns: dict[str, tuple[str, ...]] = {}
        self._zone: ZoneInfo | None = None
        self.applied = 0
        """Events applied so far (duplicates and out-of-date ones not counted)."""

    # -- lifetime -------------------------------------------------------------------------------

    async def open(self) -> None:
        """Export into ``directory`` if it holds no mirror yet, then catch up."""
        fresh = not self.path.exists()
        started = time.time()
        if fresh:
            await export_account(
                self.client,
                self.directory,
                format="sqlite",
                workspaces=None if self.workspaces is None else sorted(self.workspaces),
                since=self._since,
            )
        db = sqlite3.connect(self.path)
        self._db = db
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        missing = set(TABLES.values()) - tables
        if missing:
            db.close()
            self._db = None
            raise MirrorError(
                f"{self.path} is not a toggl-async SQLite export (no {', '.join(sorted(missing))} "
                "table); point the mirror at an empty directory or at one of its own"
            )
        db.execute(f"CREATE TABLE IF NOT EXISTS {_STATE} (key TEXT PRIMARY KEY, value)")
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {_DELETED} (kind TEXT, id INTEGER, PRIMARY KEY (kind, id))"
        )
        for table in TABLES.values():
            info = db.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
            self._columns[table] = tuple(row[1] for row in info)
        if fresh or self._state("checkpoint") is None:
            self._set_state("checkpoint", started - CATCH_UP_MARGIN)
        me = await self.client.me.get()
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError, TypeError):
            self._zone = ZoneInfo(str(me.timezone or "UTC"))
        db.commit()
        if not fresh:
            await self.catch_up()

    def close(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            db.commit()
            db.close()

    async def __aenter__(self) -> Mirror:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()

    # -- events -----------------------------------------------------------------------------------

    def apply(self, event: Event) -> bool:
        """Apply one verified event; False when it is not for the mirror or is out of date."""
        table = TABLES.get(event.model or "")
        entity_id = event.entity_id
        if table is None or entity_id is None or event.is_ping:
            return False
        workspace = event.metadata.workspace_id
        if self.workspaces is not None and workspace not in self.workspaces:
            return False
        payload = event.payload if isinstance(event.payload, Record) else None
        if event.action == "deleted":
            changed = self._delete(table, entity_id)
        elif payload is not None and event.action in ("created", "updated"):
            changed = self._upsert(table, payload)
        else:
            return False
        self._connection().commit()
        self.applied += changed
        return changed

    async def on_event(self, event: Event) -> None:
        """The webhook callback: ``make_app(secret, mirror.on_event)``."""
        self.apply(event)

    # -- catching up -------------------------------------------------------------------------------

    async def catch_up(self) -> int:
        """Read every change since the last catch-up (deleted objects included); return how
        many objects were applied. Costs five requests."""
        checkpoint = float(self._state("checkpoint") or 0.0)
        started = time.time()
        since = max(0, int(checkpoint))
        toggl = self.client
        changed = 0
        listings: list[tuple[str, Iterable[Record]]] = [
            ("clients", await toggl.me.clients(since=since)),
            ("projects", await toggl.me.projects(since=since)),
            ("tags", await toggl.me.tags(since=since)),
            ("tasks", await toggl.me.tasks(since=since, include_not_active=True)),
            ("time_entries", await toggl.time_entries.list(since=since)),
        ]
        for table, records in listings:
            for record in records:
                if not self._wanted(record):
                    continue
                if _is_deleted(record):
                    changed += self._delete(table, _id(record))
                else:
                    changed += self._upsert(table, record)
        self._set_state("checkpoint", started - CATCH_UP_MARGIN)
        self._connection().commit()
        log.info("mirror caught up since %s: %d changes", since, changed)
        return changed

    # -- writing ---------------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            raise MirrorError("the mirror is not open: await mirror.open() first")
        return self._db

    def _wanted(self, record: Record) -> bool:
        if self.workspaces is None:
            return True
        return getattr(record, "workspace_id", None) in self.workspaces

    def _state(self, key: str) -> Any:
        row = self._connection().execute(f"SELECT value FROM {_STATE} WHERE key=?", (key,))
        found = row.fetchone()
        return None if found is None else found[0]

    def _set_state(self, key: str, value: Any) -> None:
        self._connection().execute(
            f"INSERT INTO {_STATE} (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, value),
        )

    def _delete(self, table: str, entity_id: int) -> bool:
        db = self._connection()
        db.execute(f"INSERT OR IGNORE INTO {_DELETED} (kind, id) VALUES (?, ?)", (table, entity_id))
        cursor = db.execute(f"DELETE FROM {_quote(table)} WHERE id=?", (entity_id,))
        return cursor.rowcount > 0

    def _upsert(self, table: str, record: Record) -> bool:
        db = self._connection()
        columns = self._columns[table]
        values, extra = self._row(table, record)
        entity_id = values["id"]
        gone = db.execute(f"SELECT 1 FROM {_DELETED} WHERE kind=? AND id=?", (table, entity_id))
        if gone.fetchone() is not None:
            return False  # a late event about an object already deleted
        if "at" in columns and values.get("at") is not None:
            row = db.execute(f"SELECT at FROM {_quote(table)} WHERE id=?", (entity_id,)).fetchone()
            if row is not None and _newer(row[0], values["at"]):
                return False  # an older state delivered after a newer one
        if extra is not None and "extra" in columns:
            values["extra"] = _json.dumps_str(extra) if extra else None
        names = [c for c in values if c in columns]
        cells = [_cell(values[c]) for c in names]
        updates = ", ".join(f"{_quote(c)}=excluded.{_quote(c)}" for c in names if c != "id")
        db.execute(
            f"INSERT INTO {_quote(table)} ({', '.join(_quote(c) for c in names)}) "
            f"VALUES ({', '.join('?' for _ in names)}) ON CONFLICT(id) DO UPDATE SET {updates}",
            cells,
        )
        return True

    def _row(self, table: str, record: Record) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Column values, and the ``extra`` object (None: leave the stored one alone)."""
        data = {k: v for k, v in to_dict(record).items() if k not in SECRET_KEYS}
        for key in data:  # instants as the export writes them: UTC with Z (issue 13)
            when = getattr(record, key, None)
            if isinstance(when, datetime):
                data[key] = utc_text(when)
        if table != "time_entries":
            columns = set(self._columns[table])
            values = {k: v for k, v in data.items() if k in columns}
            extra = {k: v for k, v in data.items() if k not in columns}
            return values, extra
        assert isinstance(record, TimeEntry)
        values = {k: data.get(k) for k in _TIME_COLUMNS if k in data}
        duration = record.duration
        values["seconds"] = duration if duration is not None and duration >= 0 else None
        if values.get("tag_ids") is None:
            values["tag_ids"] = []  # Track sends null for "no tags", Reports an empty list
        values["start"] = self._local(record.start)
        values["stop"] = self._local(record.stop)
        return values, None

    def _local(self, when: datetime | None) -> str | None:
        """Times as the export writes them (issue 13): in UTC, with ``Z``."""
        if when is None:
            return None
        return utc_text(when)


def _newer(stored: Any, incoming: Any) -> bool:
    try:
        return datetime.fromisoformat(str(stored)) > datetime.fromisoformat(str(incoming))
    except ValueError:
        return False


def _id(record: Record) -> int:
    value = getattr(record, "id", None)
    if not isinstance(value, int):
        raise MirrorError(f"a {type(record).__name__} without an id cannot be mirrored")
    return value


def _is_deleted(record: Record) -> bool:
    return any(
        getattr(record, name, None) is not None for name in ("server_deleted_at", "deleted_at")
    )

"""SQLite: one database, a table per object with ``id`` as primary key, upserts.

Replaying a page after a crash is harmless (upsert by primary key); ``sync`` commits.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .. import _json
from ._fs import FILE_MODE, fsync_dir
from .errors import ExportDataError
from .sinks import CHUNK, FileInfo, guarded
from .state import Unit
from .tables import EXTRA, Row, Table, column_kinds

__all__ = ["SqliteSink"]


def _sql_value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, list | dict):
        return _json.dumps_str(value)
    return value


#: SQLite type of each column kind (see :func:`~.tables.column_kinds`); "" = as given.
SQL_TYPES = {
    "int": "INTEGER",
    "bool": "INTEGER",
    "float": "REAL",
    "text": "TEXT",
    "instant": "TEXT",
    "date": "TEXT",
    "list_int": "TEXT",
    "list_text": "TEXT",
    "list_float": "TEXT",
    "list_bool": "TEXT",
    "json": "",
}

#: Indexes on time entries: by start (any time range), and per workspace by start.
INDEXES = (
    "CREATE INDEX IF NOT EXISTS time_entries_start ON time_entries (start)",
    "CREATE INDEX IF NOT EXISTS time_entries_workspace_start ON time_entries (workspace_id, start)",
)

#: Views that join names in (time entries carry their names already; these are for the
#: other objects and for one row per entry and tag).
VIEWS = {
    "project_names": (
        "SELECT p.id, p.name, p.workspace_id, w.name AS workspace_name, p.client_id, "
        "c.name AS client_name FROM projects p LEFT JOIN workspaces w ON w.id = p.workspace_id "
        "LEFT JOIN clients c ON c.id = p.client_id"
    ),
    "task_names": (
        "SELECT t.id, t.name, t.workspace_id, t.project_id, p.name AS project_name, "
        "p.client_id, c.name AS client_name FROM tasks t "
        "LEFT JOIN projects p ON p.id = t.project_id LEFT JOIN clients c ON c.id = p.client_id"
    ),
    "time_entry_tags": (
        "SELECT e.id AS time_entry_id, e.workspace_id, CAST(j.value AS INTEGER) AS tag_id, "
        "g.name AS tag_name, e.start, e.seconds FROM time_entries e, json_each(e.tag_ids) j "
        "LEFT JOIN tags g ON g.id = j.value"
    ),
}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SqliteSink:
    """One SQLite database, a table per object with ``id`` as primary key, upserts.

    Written in the work directory and moved to ``toggl.sqlite`` when complete. Columns are
    declared from the records (:data:`SQL_TYPES`): ``INTEGER`` ids, counts and booleans
    (0/1), ``REAL`` for floats, ``TEXT`` for text, instants (ISO 8601 UTC with ``Z``, so
    text order is time order), dates and lists (JSON). Loosely typed fields (nested objects,
    ``extra``) have no declared type, so SQLite keeps each value as given. The views in
    :data:`VIEWS` join names in.
    """

    NAME = "toggl.sqlite"

    def __init__(self, out_dir: Path, work_dir: Path) -> None:
        self.out_dir = out_dir
        self.path = work_dir / "export.sqlite"
        self._db: sqlite3.Connection | None = None
        self._statements: dict[str, str] = {}

    def outputs(self, tables: Iterable[Table]) -> list[str]:
        return [self.NAME]

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            # Created 0600 before SQLite opens it; its -wal and -shm files take its mode.
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE))
            db = sqlite3.connect(self.path)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            self._db = db
        return self._db

    @guarded
    def open(self, unit: Unit, table: Table) -> None:
        if table.name in self._statements:
            return
        db = self._connect()
        columns = [*table.columns, EXTRA]
        kinds = column_kinds(table)
        defs = ", ".join(
            f"{_quote(c)} INTEGER PRIMARY KEY"
            if c == "id"
            else f"{_quote(c)} {SQL_TYPES[kinds.get(c, 'json')]}".rstrip()
            for c in columns
        )
        db.execute(f"CREATE TABLE IF NOT EXISTS {_quote(table.name)} ({defs})")
        names = ", ".join(_quote(c) for c in columns)
        marks = ", ".join("?" for _ in columns)
        updates = ", ".join(f"{_quote(c)}=excluded.{_quote(c)}" for c in columns if c != "id")
        self._statements[table.name] = (
            f"INSERT INTO {_quote(table.name)} ({names}) VALUES ({marks}) "
            f"ON CONFLICT(id) DO UPDATE SET {updates}"
        )
        db.commit()

    @guarded
    def write(self, unit: Unit, table: Table, rows: Sequence[Row]) -> None:
        if not rows:
            return
        params = []
        try:
            for values, extra in rows:
                cells = [_sql_value(v) for v in values]
                cells.append(_json.dumps_str(extra) if extra else None)
                params.append(cells)
        except TypeError as exc:  # orjson: "Integer exceeds 64-bit range"
            raise ExportDataError(
                f"{table.name}: Toggl sent a value JSON cannot encode ({exc})"
            ) from None
        self._connect().executemany(self._statements[table.name], params)

    @guarded
    def sync(self) -> None:
        if self._db is not None:
            self._db.commit()

    def finish(self, unit: Unit) -> None:
        self.sync()

    def close(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            with contextlib.suppress(sqlite3.Error):
                db.commit()
            db.close()

    @guarded
    def assemble(self, groups: Sequence[tuple[Table, Sequence[Unit]]]) -> dict[str, FileInfo]:
        final = self.out_dir / self.NAME
        if self.path.exists() or not final.exists():
            self._finalize(groups)
            os.replace(self.path, final)
            fsync_dir(self.out_dir)
        # else: a crash came after the move; the database in place is the finished one.
        with contextlib.closing(sqlite3.connect(final)) as db:
            counts = {
                t.name: db.execute(f"SELECT count(*) FROM {_quote(t.name)}").fetchone()[0]
                for t, _ in groups
            }
        digest = hashlib.sha256()
        with open(final, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
            size = handle.tell()
        return {self.NAME: {"sha256": digest.hexdigest(), "bytes": size, "records": counts}}

    def _finalize(self, groups: Sequence[tuple[Table, Sequence[Unit]]]) -> None:
        """Create empty tables too, index time entries, fold the WAL into one file."""
        db = self._connect()
        for table, _ in groups:
            self.open(Unit(key=table.name, kind=table.name), table)
        names = {t.name for t, _ in groups}
        if "time_entries" in names:
            for index in INDEXES:
                db.execute(index)
        if {"workspaces", "projects", "clients", "tags", "tasks", "time_entries"} <= names:
            for view, select in VIEWS.items():
                db.execute(f"CREATE VIEW IF NOT EXISTS {_quote(view)} AS {select}")
        db.commit()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("PRAGMA journal_mode=DELETE")
        self.close()
        with open(self.path, "rb") as handle:
            os.fsync(handle.fileno())

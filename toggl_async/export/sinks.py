"""Where rows go: part files for JSON lines and CSV, one SQLite database for ``sqlite``.

Every format follows the same contract, which is what makes resuming exact:

* ``write`` appends a page of rows (buffered, not yet durable);
* ``sync`` makes everything written so far durable and records, per unit, how much of it
  there is (``Unit.size``); only then does the engine save the checkpoint;
* ``open`` on resume drops whatever a unit wrote after its last checkpoint.

JSON lines and CSV write one part file per unit and concatenate them, in a fixed order,
into the final files at the end, so the output is the same byte for byte however the work
was scheduled, interrupted or resumed. SQLite upserts by primary key, which makes replaying
a page after a crash harmless; it commits in ``sync``.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import io
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, ParamSpec, Protocol, TypeVar

from .. import _json
from ._fs import DIR_MODE, FILE_MODE, fsync_dir, open_private
from .errors import ExportDataError, ExportDirectoryError, ExportError, ExportStateError
from .state import Unit
from .tables import EXTRA, Row, Table

__all__ = ["FORMATS", "CsvSink", "JsonlSink", "Sink", "SqliteSink", "make_sink"]

FORMATS = ("jsonl", "csv", "sqlite")
_CHUNK = 1 << 20

FileInfo = dict[str, Any]

P = ParamSpec("P")
R = TypeVar("R")


@contextlib.contextmanager
def writing(where: Path) -> Iterator[None]:
    """One meaning for "the disk refused" in every format: :class:`ExportDirectoryError`.

    A full disk is ENOSPC from a part file but ``sqlite3.OperationalError`` from SQLite;
    both become the same clear message (and the CLI's exit 6), progress kept for a resume.
    A number beyond 64 bits in a column SQLite must store is an :class:`ExportDataError`
    (JSON text, in every format, holds any integer).
    """
    try:
        yield
    except ExportError:
        raise
    except OSError as exc:
        name = f" ({exc.filename})" if exc.filename else ""
        raise ExportDirectoryError(
            f"cannot write the export in {where}: {exc.strerror or exc}{name}; free some "
            "space or fix the directory, then run again to resume"
        ) from None
    except sqlite3.Error as exc:
        raise ExportDirectoryError(
            f"cannot write the export in {where}: SQLite says {exc}; free some space or fix "
            "the directory, then run again to resume"
        ) from None
    except OverflowError as exc:
        raise ExportDataError(
            f"Toggl sent a number beyond 64 bits ({exc}); SQLite cannot store it (the jsonl "
            "and csv formats can)"
        ) from None


def _guarded(method: Callable[P, R]) -> Callable[P, R]:
    """Run a sink method under :func:`writing` (``self.out_dir`` names the place)."""

    @functools.wraps(method)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        with writing(args[0].out_dir):  # type: ignore[attr-defined]
            return method(*args, **kwargs)

    return guarded


class Sink(Protocol):
    """The contract every output format follows (see the module docstring)."""

    def open(self, unit: Unit, table: Table) -> None: ...

    def write(self, unit: Unit, table: Table, rows: Sequence[Row]) -> None: ...

    def sync(self) -> None: ...

    def finish(self, unit: Unit) -> None: ...

    def close(self) -> None: ...

    def assemble(self, groups: Sequence[tuple[Table, Sequence[Unit]]]) -> dict[str, FileInfo]: ...

    def outputs(self, tables: Iterable[Table]) -> list[str]: ...


def make_sink(fmt: str, out_dir: Path, work_dir: Path) -> Sink:
    if fmt == "jsonl":
        return JsonlSink(out_dir, work_dir)
    if fmt == "csv":
        return CsvSink(out_dir, work_dir)
    if fmt == "sqlite":
        return SqliteSink(out_dir, work_dir)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


# -- part files (JSON lines, CSV) ----------------------------------------------------------------


class _PartSink:
    """One append-only part file per unit, concatenated in order at the end."""

    ext = ""

    def __init__(self, out_dir: Path, work_dir: Path) -> None:
        self.out_dir = out_dir
        self.parts = work_dir / "parts"
        with writing(out_dir):
            self.parts.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        self._open: dict[str, tuple[Unit, IO[bytes]]] = {}

    def outputs(self, tables: Iterable[Table]) -> list[str]:
        return [f"{t.name}.{self.ext}" for t in tables]

    @_guarded
    def open(self, unit: Unit, table: Table) -> None:
        if unit.key in self._open:
            return
        assert unit.part is not None
        path = self.parts / unit.part
        if path.exists():
            if path.stat().st_size < unit.size:
                raise ExportStateError(
                    f"{path} is shorter than the checkpoint says ({path.stat().st_size} < "
                    f"{unit.size} bytes): the export directory was modified; start again "
                    "with --overwrite"
                )
            os.truncate(path, unit.size)
        elif unit.size:
            raise ExportStateError(f"{path} is missing; start again with --overwrite")
        handle = open_private(path, "ab")  # kept open across pages, closed in finish()
        self._open[unit.key] = (unit, handle)

    @_guarded
    def write(self, unit: Unit, table: Table, rows: Sequence[Row]) -> None:
        if not rows:
            return
        _, handle = self._open[unit.key]
        try:
            data = self.encode(table, rows)
        except TypeError as exc:  # orjson: "Integer exceeds 64-bit range"
            raise ExportDataError(
                f"{table.name}: Toggl sent a value JSON cannot encode ({exc})"
            ) from None
        handle.write(data)

    def encode(self, table: Table, rows: Sequence[Row]) -> bytes:
        raise NotImplementedError

    def header(self, table: Table) -> bytes:
        return b""

    @_guarded
    def sync(self) -> None:
        for unit, handle in self._open.values():
            handle.flush()
            os.fsync(handle.fileno())
            unit.size = handle.tell()

    @_guarded
    def finish(self, unit: Unit) -> None:
        entry = self._open.pop(unit.key, None)
        if entry is None:
            return
        _, handle = entry
        handle.flush()
        os.fsync(handle.fileno())
        unit.size = handle.tell()
        handle.close()

    def close(self) -> None:
        for _, handle in self._open.values():
            with contextlib.suppress(OSError):
                handle.close()
        self._open.clear()

    @_guarded
    def assemble(self, groups: Sequence[tuple[Table, Sequence[Unit]]]) -> dict[str, FileInfo]:
        """Concatenate each table's parts (in the given order) into its final file."""
        files: dict[str, FileInfo] = {}
        for table, units in groups:
            name = f"{table.name}.{self.ext}"
            final = self.out_dir / name
            tmp = self.out_dir / f".{name}.tmp"
            digest = hashlib.sha256()
            with open_private(tmp, "wb") as out:
                head = self.header(table)
                out.write(head)
                digest.update(head)
                for unit in units:
                    if unit.part is None:
                        continue
                    _copy(self.parts / unit.part, unit.size, out, digest)
                out.flush()
                os.fsync(out.fileno())
                size = out.tell()
            os.replace(tmp, final)
            files[name] = {
                "sha256": digest.hexdigest(),
                "bytes": size,
                "records": sum(u.count for u in units),
            }
        fsync_dir(self.out_dir)
        return files


def _copy(path: Path, size: int, out: IO[bytes], digest: Any) -> None:
    left = size
    with open(path, "rb") as part:
        while left > 0:
            chunk = part.read(min(_CHUNK, left))
            if not chunk:
                raise ExportStateError(f"{path} ended before the {size} bytes the checkpoint lists")
            out.write(chunk)
            digest.update(chunk)
            left -= len(chunk)


class JsonlSink(_PartSink):
    """One JSON object per line: the columns in order, then any extra fields Toggl sent."""

    ext = "jsonl"

    def encode(self, table: Table, rows: Sequence[Row]) -> bytes:
        dumps = _json.dumps
        columns = table.columns
        lines = []
        for values, extra in rows:
            line = dict(zip(columns, values, strict=True))
            if extra:
                line.update(extra)
            lines.append(dumps(line))
        lines.append(b"")
        return b"\n".join(lines)


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, list | dict):
        return _json.dumps_str(value)
    return value


class CsvSink(_PartSink):
    """RFC 4180 CSV with a header; lists and objects as JSON text, null as an empty cell."""

    ext = "csv"

    def header(self, table: Table) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer).writerow([*table.columns, EXTRA])
        return buffer.getvalue().encode()

    def encode(self, table: Table, rows: Sequence[Row]) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for values, extra in rows:
            cells = [_csv_cell(v) for v in values]
            cells.append(_json.dumps_str(extra) if extra else "")
            writer.writerow(cells)
        return buffer.getvalue().encode()


# -- SQLite --------------------------------------------------------------------------------------


def _sql_value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, list | dict):
        return _json.dumps_str(value)
    return value


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SqliteSink:
    """One SQLite database, a table per object with ``id`` as primary key, upserts.

    Written in the work directory and moved to ``toggl.sqlite`` when complete. Columns
    have no declared type (SQLite keeps each value as given); lists and objects are JSON
    text, booleans 0/1, timestamps ISO 8601 text.
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

    @_guarded
    def open(self, unit: Unit, table: Table) -> None:
        if table.name in self._statements:
            return
        db = self._connect()
        columns = [*table.columns, EXTRA]
        defs = ", ".join(
            f"{_quote(c)} INTEGER PRIMARY KEY" if c == "id" else _quote(c) for c in columns
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

    @_guarded
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

    @_guarded
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

    @_guarded
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
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
            size = handle.tell()
        return {self.NAME: {"sha256": digest.hexdigest(), "bytes": size, "records": counts}}

    def _finalize(self, groups: Sequence[tuple[Table, Sequence[Unit]]]) -> None:
        """Create empty tables too, index time entries, fold the WAL into one file."""
        db = self._connect()
        for table, _ in groups:
            self.open(Unit(key=table.name, kind=table.name), table)
        if any(t.name == "time_entries" for t, _ in groups):
            db.execute(
                "CREATE INDEX IF NOT EXISTS time_entries_start "
                "ON time_entries (workspace_id, start)"
            )
        db.commit()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("PRAGMA journal_mode=DELETE")
        self.close()
        with open(self.path, "rb") as handle:
            os.fsync(handle.fileno())

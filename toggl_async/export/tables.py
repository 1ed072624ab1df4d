"""The exported objects: one table per object, its columns, and how a record becomes a row.

Columns are the record's fields under the API's names (what :func:`~toggl_async.records.to_dict`
produces), in declaration order. Fields Toggl sends that the record does not model go into
``extra`` (JSON lines keep them as top-level keys; CSV and SQLite put them in an ``extra``
column as a JSON object), so an export never drops a field. Secrets never get written.

A row is ``(values in column order, extra fields)``. Building it is the export's hot loop,
so each table gets a generated function that reads the record's slots directly and calls
the converter only for nested records; the result equals :func:`to_dict` (the export
tests compare every field with the sandbox's own JSON), without the intermediate dicts.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import attrs

from ..records import (
    Client,
    Project,
    Record,
    ReportTimeEntry,
    Tag,
    Task,
    Workspace,
    converter,
    to_dict,
)
from ..records.converter import RENAMES

__all__ = [
    "DERIVED",
    "EXTRA",
    "JOINED",
    "KINDS",
    "QUERY_ARTIFACTS",
    "SECRET_KEYS",
    "Row",
    "Table",
    "column_kinds",
    "table",
    "utc_text",
]

#: Export order of the objects (files, tables, manifest).
KINDS: tuple[str, ...] = ("workspaces", "projects", "clients", "tags", "tasks", "time_entries")

#: Credentials Toggl echoes inside objects; they never reach an export file.
SECRET_KEYS = frozenset({"api_token", "intercom_hash"})

#: Reports fields that describe a row's place in one particular search, not the entry: the
#: row number changes with the date window a row was read in, so keeping it would make two
#: exports of the same data differ (and a resumed export differ from an uninterrupted one).
QUERY_ARTIFACTS = frozenset({"row_number"})

EXTRA = "extra"

#: Names joined onto every time entry from the objects the same export wrote (see
#: :mod:`.names`), so that no analysis has to start with a join. Last columns, in this order.
JOINED: tuple[str, ...] = (
    "workspace_name",
    "project_name",
    "client_id",
    "client_name",
    "task_name",
    "tag_names",
    "user_name",
)

#: Columns computed from a field whose name lies about its unit: Toggl's
#: ``Task.tracked_seconds`` is milliseconds (its own spec says so, and the sandbox does it);
#: the raw field is kept as sent and this one holds the same figure in seconds.
DERIVED: dict[str, dict[str, str]] = {
    "tasks": {
        "tracked_time_seconds": "(None if (x := r.tracked_seconds) is None else x / 1000)",
    },
}


def utc_text(value: datetime) -> str:
    """An instant as the export writes it in every format: ISO 8601 in UTC with ``Z``.

    Toggl mixes conventions (Reports rows in the user's offset, Track in ``+00:00``); one
    spelling makes text comparisons and sorting in CSV/SQLite mean time order.
    """
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


Row = tuple[list[Any], dict[str, Any]]
"""Values in column order, and the fields that have no column."""


@attrs.frozen(eq=False)
class Table:
    """One exported object: its name, columns, and the fast record-to-row function."""

    name: str
    columns: tuple[str, ...]
    """Column names in order; ``id`` first (the primary key), ``extra`` not included."""
    record: type[Record]
    _make: Callable[[Record], Row] = attrs.field(repr=False)
    skipped: frozenset[str] = SECRET_KEYS
    """Keys never written: secrets, and (time entries) per-search artifacts."""

    def row(self, record: Record) -> Row:
        """The record as a row (equal to splitting :func:`to_dict`, secrets removed)."""
        return self._make(record)

    def split(self, data: Mapping[str, Any]) -> Row:
        """A row from a JSON-shaped dict (the slow path, for the odd record of another type)."""
        values = [data.get(name) for name in self.columns]
        known = self._known
        skip = self.skipped
        extra = {k: v for k, v in data.items() if k not in known and k not in skip}
        return values, extra

    def as_dict(self, row: Row) -> dict[str, Any]:
        """A row as one JSON object: the columns, then the extra fields."""
        values, extra = row
        data = dict(zip(self.columns, values, strict=True))
        if extra:
            data.update(extra)
        return data

    @functools.cached_property
    def index(self) -> dict[str, int]:
        """Column name -> position in a row's values."""
        return {name: i for i, name in enumerate(self.columns)}

    @functools.cached_property
    def _known(self) -> frozenset[str]:
        return frozenset(self.columns)


def _plain(annotation: Any) -> bool:
    """Whether values of this type are already JSON-native in a structured record."""
    if annotation in (int, str, float, bool, Any, type(None)):
        return True
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return all(_plain(a) for a in typing.get_args(annotation))
    if origin in (list, dict):
        return all(_plain(a) for a in typing.get_args(annotation))
    return False


def _time(annotation: Any) -> bool:
    args = typing.get_args(annotation) or (annotation,)
    return any(a in (datetime, date) for a in args) and all(
        a in (datetime, date, type(None)) for a in args
    )


def _instant(annotation: Any) -> bool:
    args = typing.get_args(annotation) or (annotation,)
    return datetime in args


def _build(
    name: str,
    record: type[Record],
    first: tuple[str, ...],
    skip: frozenset[str] = SECRET_KEYS,
    last: tuple[str, ...] = (),
) -> Table:
    attrs.resolve_types(record)
    fields = {
        RENAMES.get(f.name, f.name): f
        for f in attrs.fields(record)
        if f.name != "extra" and RENAMES.get(f.name, f.name) not in skip
    }
    derived = DERIVED.get(name, {})
    columns = (*first, *(c for c in fields if c not in first), *derived, *last)
    ns: dict[str, Any] = {"unstructure": converter.unstructure, "SKIP": skip, "utc": utc_text}
    items = []
    for column in columns:
        field = fields.get(column)
        if column in derived:
            items.append(derived[column])
        elif field is None:
            items.append("None")
        elif _plain(field.type):
            items.append(f"r.{field.name}")
        elif _instant(field.type):
            items.append(f"(None if (x := r.{field.name}) is None else utc(x))")
        elif _time(field.type):
            items.append(f"(None if (x := r.{field.name}) is None else x.isoformat())")
        else:
            items.append(f"(None if (x := r.{field.name}) is None else unstructure(x))")
    source = "\n".join(
        [
            "def make_row(r):",
            "    extra = r.extra",
            "    if extra:",
            "        extra = {k: v for k, v in extra.items() if k not in SKIP}",
            "    else:",
            "        extra = {}",
            "    return [" + ", ".join(items) + "], extra",
        ]
    )
    exec(compile(source, f"<toggl_async export row {name}>", "exec"), ns)
    return Table(name, columns, record, ns["make_row"], skip)


@functools.cache
def table(kind: str) -> Table:
    """The :class:`Table` of ``kind`` (one of :data:`KINDS`)."""
    records: dict[str, type[Record]] = {
        "workspaces": Workspace,
        "projects": Project,
        "clients": Client,
        "tags": Tag,
        "tasks": Task,
    }
    if kind == "time_entries":
        return _build(
            kind, ReportTimeEntry, ("id", "workspace_id"), SECRET_KEYS | QUERY_ARTIFACTS, JOINED
        )
    if kind not in records:
        raise ValueError(f"unknown export object {kind!r}; expected one of {', '.join(KINDS)}")
    return _build(kind, records[kind], ("id",))


#: Kinds of the columns that are not record fields (joined names, converted units).
_COMPUTED_KINDS = {
    "workspace_name": "text",
    "project_name": "text",
    "client_id": "int",
    "client_name": "text",
    "task_name": "text",
    "tag_names": "list_text",
    "user_name": "text",
    "tracked_time_seconds": "float",
}


def _kind(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _kind(args[0]) if len(args) == 1 else "json"
    if origin is list:
        (item,) = typing.get_args(annotation) or (Any,)
        inner = _kind(item)
        return f"list_{inner}" if inner in ("int", "text", "float", "bool") else "json"
    simple = {
        bool: "bool",
        int: "int",
        float: "float",
        str: "text",
        datetime: "instant",
        date: "date",
    }
    return simple.get(annotation, "json")


@functools.cache
def column_kinds(tbl: Table) -> dict[str, str]:
    """Each column's kind, from the record's annotations: the one source every typed
    format (SQLite, Parquet) maps to its own types. Kinds: ``int``, ``float``, ``bool``,
    ``text``, ``instant`` (UTC text with ``Z``), ``date``, ``list_int``, ``list_text``,
    ``json`` (anything nested or loosely typed, kept as JSON)."""
    attrs.resolve_types(tbl.record)
    fields = {RENAMES.get(f.name, f.name): f.type for f in attrs.fields(tbl.record)}
    kinds = {}
    for name in tbl.columns:
        if name in _COMPUTED_KINDS and (name in JOINED or name not in fields):
            kinds[name] = _COMPUTED_KINDS[name]
        else:
            kinds[name] = _kind(fields.get(name, str))
    return kinds


def record_dict(record: Record) -> dict[str, Any]:
    """A record as :func:`to_dict` gives it, secrets removed (the slow, general path)."""
    data = to_dict(record)
    for key in SECRET_KEYS.intersection(data):
        del data[key]
    return data

"""Parquet (``pip install "toggl-async[parquet]"``): one file per object, declared schema.

Resumable like the other formats: each page becomes one framed Arrow IPC message in the
unit's append-only part file (8-byte length, then a complete IPC stream), so a part cut at
its checkpointed length is always a whole number of pages. ``assemble`` streams the parts,
in the fixed unit order, into ``<object>.parquet`` in row groups of :data:`ROW_GROUP` rows:
memory holds one row group, whatever the size of the account, and the file is the same byte
for byte however the export was scheduled or resumed.

The schema is declared from the records (see :func:`schema`): ``int64`` ids and counts,
``timestamp[us, tz=UTC]`` instants, ``date32`` dates, ``bool``, ``list<int64>``,
``list<string>``, ``float64`` for Track's money (``rate``, ``default_hourly_rate``: Toggl
sends them as JSON numbers, i.e. binary floats, so a decimal would claim a precision the
source does not have) and ``int64`` for Reports' money in cents (exact). Nested objects and
``extra`` are JSON text columns.
"""

from __future__ import annotations

import functools
import hashlib
import os
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

try:
    import pyarrow as pa
    import pyarrow.ipc as ipc
    import pyarrow.parquet as pq
except ImportError as exc:  # pragma: no cover - depends on the environment
    from .errors import ExportOptionsError

    raise ExportOptionsError(
        'the parquet format needs pyarrow: pip install "toggl-async[parquet]"'
    ) from exc

from .. import _json
from ._fs import fsync_dir, open_private
from .errors import ExportDataError, ExportStateError
from .sink_parts import PartSink
from .sinks import CHUNK, FileInfo, guarded
from .state import Unit
from .tables import EXTRA, Row, Table, column_kinds

__all__ = ["ROW_GROUP", "ParquetSink", "schema"]

#: Rows per row group: large enough for fast scans, small enough to keep memory flat.
ROW_GROUP = 65_536
_FRAME = struct.Struct("<Q")

#: Arrow type of each column kind (see :func:`~.tables.column_kinds`).
_ARROW: dict[str, pa.DataType] = {
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "text": pa.string(),
    "instant": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
    "list_int": pa.list_(pa.int64()),
    "list_text": pa.list_(pa.string()),
    "list_float": pa.list_(pa.float64()),
    "list_bool": pa.list_(pa.bool_()),
    "json": pa.string(),
}


@functools.cache
def schema(tbl: Table) -> pa.Schema:
    """The declared schema of one exported object (``extra`` last, as JSON text)."""
    columns = [
        pa.field(name, _ARROW[kind], nullable=name != "id")
        for name, kind in column_kinds(tbl).items()
    ]
    columns.append(pa.field(EXTRA, pa.string()))
    return pa.schema(columns)


def _json_text(value: Any) -> Any:
    return value if value is None or isinstance(value, str) else _json.dumps_str(value)


def batch(tbl: Table, rows: Sequence[Row]) -> pa.RecordBatch:
    """Rows as one record batch of the declared schema (instants parsed from their text)."""
    declared = schema(tbl)
    arrays = []
    for position, field in enumerate(declared):
        if field.name == EXTRA:
            values: list[Any] = [_json.dumps_str(extra) if extra else None for _, extra in rows]
        else:
            values = [row[0][position] for row in rows]
        kind = field.type
        if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
            arrays.append(pa.array(values, pa.string()).cast(kind))
        elif pa.types.is_string(kind):
            arrays.append(pa.array([_json_text(v) for v in values], kind))
        else:
            arrays.append(pa.array(values, kind))
    return pa.RecordBatch.from_arrays(arrays, schema=declared)


class ParquetSink(PartSink):
    """Framed Arrow pages per unit, streamed into one Parquet file per object at the end."""

    ext = "parquet"

    def encode(self, table: Table, rows: Sequence[Row]) -> bytes:
        try:
            page = batch(table, rows)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
            raise ExportDataError(
                f"{table.name}: Toggl sent a value the declared Parquet schema cannot hold ({exc})"
            ) from None
        sink = pa.BufferOutputStream()
        with ipc.new_stream(sink, page.schema) as writer:
            writer.write_batch(page)
        data: bytes = sink.getvalue().to_pybytes()
        return _FRAME.pack(len(data)) + data

    @guarded
    def assemble(self, groups: Sequence[tuple[Table, Sequence[Unit]]]) -> dict[str, FileInfo]:
        files: dict[str, FileInfo] = {}
        for table, units in groups:
            name = f"{table.name}.parquet"
            final = self.out_dir / name
            tmp = self.out_dir / f".{name}.tmp"
            declared = schema(table)
            with open_private(tmp, "wb") as out:
                writer = pq.ParquetWriter(out, declared, compression="zstd")
                pending: list[pa.RecordBatch] = []
                held = 0
                wrote = False
                for page in self._pages(units):
                    pending.append(page)
                    held += page.num_rows
                    if held >= ROW_GROUP:
                        writer.write_table(pa.Table.from_batches(pending, declared), ROW_GROUP)
                        pending, held, wrote = [], 0, True
                if pending or not wrote:  # an empty object still gets a file with its schema
                    writer.write_table(pa.Table.from_batches(pending, declared), ROW_GROUP)
                writer.close()
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, final)
            digest = hashlib.sha256()
            with open(final, "rb") as handle:
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
            files[name] = {
                "sha256": digest.hexdigest(),
                "bytes": final.stat().st_size,
                "records": sum(u.count for u in units),
            }
        fsync_dir(self.out_dir)
        return files

    def _pages(self, units: Sequence[Unit]) -> Iterator[pa.RecordBatch]:
        for unit in units:
            if unit.part is None or not unit.size:
                continue
            yield from _read_frames(self.parts / unit.part, unit.size)


def _read_frames(path: Path, size: int) -> Iterator[pa.RecordBatch]:
    left = size
    with open(path, "rb") as part:
        while left > 0:
            head = part.read(_FRAME.size)
            if len(head) < _FRAME.size:
                raise ExportStateError(f"{path} ended before the {size} bytes the checkpoint lists")
            (length,) = _FRAME.unpack(head)
            data = part.read(length)
            if len(data) < length:
                raise ExportStateError(f"{path} ended before the {size} bytes the checkpoint lists")
            left -= _FRAME.size + length
            with ipc.open_stream(data) as reader:
                yield from reader

"""Reading a finished export's rows back, for ``--update``.

An update re-reads the recent past (``--recheck-days``) and *carries over* the older
time entries from the previous export's own file. Each format has a reader that is the
exact inverse of its writer (a row read back and written again gives the same bytes), so a
carried row is written through the same sink as a fetched one, its names joined again from
this run's objects (a renamed project is renamed on old entries too).
"""

from __future__ import annotations

import contextlib
import csv
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .. import _json
from .tables import EXTRA, Row, Table, column_kinds, utc_text

__all__ = ["read_rows"]


def _loads(text: Any) -> Any:
    return _json.loads(text) if isinstance(text, str | bytes) and text else None


def _jsonl(path: Path, table: Table) -> Iterator[Row]:
    with open(path, "rb") as handle:
        for line in handle:
            if line.strip():
                yield table.split(_json.loads(line))


def _csv_decoder(kind: str) -> Callable[[str], Any]:
    def decode(cell: str) -> Any:
        if cell == "":
            return None
        if kind in ("int",):
            return int(cell)
        if kind == "float":
            return float(cell)
        if kind == "bool":
            return cell == "true"
        if kind.startswith("list_"):
            return _json.loads(cell)
        if kind == "json" and cell[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                return _json.loads(cell)
        return cell

    return decode


def _csv(path: Path, table: Table) -> Iterator[Row]:
    kinds = column_kinds(table)
    decoders = [_csv_decoder(kinds[c]) for c in table.columns]
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        if header != [*table.columns, EXTRA]:
            raise ValueError(f"{path} has other columns than this version writes")
        for cells in reader:
            values = [d(c) for d, c in zip(decoders, cells, strict=False)]
            yield values, _loads(cells[-1]) or {}


def _sqlite(path: Path, table: Table) -> Iterator[Row]:
    kinds = column_kinds(table)
    lists = [i for i, c in enumerate(table.columns) if kinds[c].startswith("list_")]
    bools = [i for i, c in enumerate(table.columns) if kinds[c] == "bool"]
    names = ", ".join(f'"{c}"' for c in (*table.columns, EXTRA))
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        for record in db.execute(f'SELECT {names} FROM "{table.name}" ORDER BY rowid'):
            values = list(record[:-1])
            for i in lists:
                values[i] = _loads(values[i])
            for i in bools:
                if values[i] is not None:
                    values[i] = bool(values[i])
            yield values, _loads(record[-1]) or {}


def _parquet(path: Path, table: Table) -> Iterator[Row]:
    import pyarrow.parquet as pq

    columns = table.columns
    for batch in pq.ParquetFile(path).iter_batches(batch_size=10_000):
        for record in batch.to_pylist():
            values = []
            for column in columns:
                value = record[column]
                if isinstance(value, datetime):
                    value = utc_text(value)
                elif isinstance(value, date):
                    value = value.isoformat()
                values.append(value)
            yield values, _loads(record[EXTRA]) or {}


_READERS: dict[str, tuple[str, Callable[[Path, Table], Iterator[Row]]]] = {
    "jsonl": ("{}.jsonl", _jsonl),
    "csv": ("{}.csv", _csv),
    "sqlite": ("toggl.sqlite", _sqlite),
    "parquet": ("{}.parquet", _parquet),
}


def read_rows(fmt: str, out_dir: Path, table: Table) -> Iterator[Row]:
    """The rows of ``table`` in the finished export of format ``fmt`` in ``out_dir``."""
    name, reader = _READERS[fmt]
    return reader(out_dir / name.format(table.name), table)

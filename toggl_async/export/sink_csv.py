"""CSV: RFC 4180 with a header; lists and objects as JSON text, null as an empty cell."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from .. import _json
from .sink_parts import PartSink
from .tables import EXTRA, Row, Table

__all__ = ["CsvSink"]


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


class CsvSink(PartSink):
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

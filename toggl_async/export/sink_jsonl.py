"""JSON lines: one JSON object per line, the columns in order, then the extra fields."""

from __future__ import annotations

from collections.abc import Sequence

from .. import _json
from .sink_parts import PartSink
from .tables import Row, Table

__all__ = ["JsonlSink"]


class JsonlSink(PartSink):
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

"""Part files: one append-only file per unit, concatenated in order at the end.

The base of the JSON lines and CSV sinks: a subclass only says how rows become bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from ._fs import DIR_MODE, fsync_dir, open_private
from .errors import ExportDataError, ExportStateError
from .sinks import CHUNK, FileInfo, guarded, writing
from .state import Unit
from .tables import Row, Table

__all__ = ["PartSink"]


class PartSink:
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

    @guarded
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

    @guarded
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

    @guarded
    def sync(self) -> None:
        for unit, handle in self._open.values():
            handle.flush()
            os.fsync(handle.fileno())
            unit.size = handle.tell()

    @guarded
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

    @guarded
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
            chunk = part.read(min(CHUNK, left))
            if not chunk:
                raise ExportStateError(f"{path} ended before the {size} bytes the checkpoint lists")
            out.write(chunk)
            digest.update(chunk)
            left -= len(chunk)

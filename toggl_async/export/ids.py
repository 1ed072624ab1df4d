"""A compact set of record ids: what the export has written, so no id is written twice.

Toggl's pages shift while data changes under a read, so a record can come again on any later
page, not only the next one. A Python ``set`` of ints costs about 70 bytes per id (measured:
66 MiB for a million); this open-addressing table keeps them in one ``array('q')`` at 8
bytes a slot, at most half full: 16-32 bytes per id (16 MiB for a million, 24 MiB at the
peak of a resize), 1.4-2.8 µs per id added (a set: 0.3 µs). Ids are positive 64-bit
integers (0 marks an empty slot).
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Iterable, Mapping
from pathlib import Path

from ._fs import DIR_MODE, FILE_MODE
from .errors import ExportStateError

__all__ = ["INT64_MAX", "IdSet", "SeenIds"]

INT64_MAX = 2**63 - 1
_MIN_SLOTS = 1 << 10


def _slot(value: int, mask: int) -> int:
    """Where ``value`` starts probing: its low bits mixed with higher ones (no big-int
    multiply: that alone doubled the cost), so ids sharing their low bits still spread."""
    return (value ^ (value >> 17) ^ (value >> 31)) & mask


class IdSet:
    """Positive 64-bit ids; ``add`` says whether the id is new."""

    __slots__ = ("_count", "_mask", "_slots")

    def __init__(self, ids: Iterable[int] = ()) -> None:
        self._slots = array("q", [0]) * _MIN_SLOTS
        self._mask = _MIN_SLOTS - 1
        self._count = 0
        for value in ids:
            self.add(value)

    def __len__(self) -> int:
        return self._count

    def __contains__(self, value: int) -> bool:
        slots, mask = self._slots, self._mask
        index = (value ^ (value >> 17) ^ (value >> 31)) & mask
        while True:
            held = slots[index]
            if held == value:
                return True
            if held == 0:
                return False
            index = (index + 1) & mask

    def add(self, value: int) -> bool:
        """Add ``value`` (0 < value <= 2**63-1); True when it was not there yet."""
        if not 0 < value <= INT64_MAX:
            raise ValueError(f"an id must be a positive 64-bit integer, got {value}")
        slots, mask = self._slots, self._mask
        index = (value ^ (value >> 17) ^ (value >> 31)) & mask
        while True:
            held = slots[index]
            if held == value:
                return False
            if held == 0:
                break
            index = (index + 1) & mask
        slots[index] = value
        self._count += 1
        if self._count * 2 > mask:
            self._grow()
        return True

    def _grow(self) -> None:
        """Double the table (at most half full keeps probes short)."""
        old = self._slots
        size = 2 * len(old)
        slots = array("q", [0]) * size  # filled in C, without a temporary copy
        mask = size - 1
        for value in old:
            if value:
                index = _slot(value, mask)
                while slots[index]:
                    index = (index + 1) & mask
                slots[index] = value
        self._slots, self._mask = slots, mask

    def nbytes(self) -> int:
        """Memory held by the table itself."""
        return len(self._slots) * self._slots.itemsize


class SeenIds:
    """Per object, the ids written so far, durable like the data and resumed with it.

    Each object has an append-only log of its ids (``.toggl-export/seen/<object>``, 8 bytes
    an id). :meth:`sync` makes it durable and returns its lengths, which the checkpoint
    records next to the part files' lengths; a resume truncates each log to that length and
    reloads it, so the set holds exactly the ids of the rows the checkpoint kept.
    """

    def __init__(self, work_dir: Path, kinds: Iterable[str], sizes: Mapping[str, int]) -> None:
        self.dir = work_dir / "seen"
        self.dir.mkdir(mode=DIR_MODE, exist_ok=True)
        self._sets: dict[str, IdSet] = {}
        self._pending: dict[str, array[int]] = {}
        self._durable: dict[str, int] = {}
        for kind in kinds:
            self._sets[kind] = self._load(kind, sizes.get(kind, 0))
            self._pending[kind] = array("q")
            self._durable[kind] = sizes.get(kind, 0)

    def _load(self, kind: str, size: int) -> IdSet:
        path = self.dir / kind
        ids = IdSet()
        if not path.exists():
            if size:
                raise ExportStateError(f"{path} is missing; start again with --overwrite")
            return ids
        if path.stat().st_size < size or size % 8:
            raise ExportStateError(
                f"{path} is shorter than the checkpoint says: the export directory was "
                "modified; start again with --overwrite"
            )
        os.truncate(path, size)
        with open(path, "rb") as handle:
            while data := handle.read(1 << 20):
                chunk = array("q")
                chunk.frombytes(data)
                for value in chunk:
                    if not 0 < value <= INT64_MAX:
                        raise ExportStateError(f"{path} holds an invalid id; start again")
                    ids.add(value)
        return ids

    def add(self, kind: str, value: int) -> bool:
        """Record ``value`` as written; False when it already was (write it no more)."""
        if self._sets[kind].add(value):
            self._pending[kind].append(value)
            return True
        return False

    def __contains__(self, item: tuple[str, int]) -> bool:
        kind, value = item
        return value in self._sets[kind]

    def sync(self) -> dict[str, int]:
        """Write and fsync the new ids; the logs' durable lengths, for the checkpoint.

        Each write goes at the durable length, not "at the end": after a failed write (a
        full disk) the next sync overwrites the torn tail instead of appending after it.
        """
        for kind, pending in self._pending.items():
            if not pending:
                continue
            data = memoryview(pending.tobytes())
            offset = self._durable[kind]
            fd = os.open(self.dir / kind, os.O_WRONLY | os.O_CREAT, FILE_MODE)
            try:
                while data:
                    written = os.pwrite(fd, data, offset)
                    data, offset = data[written:], offset + written
                os.fsync(fd)
            finally:
                os.close(fd)
            self._durable[kind] = offset
            del pending[:]
        return dict(self._durable)

    def nbytes(self) -> int:
        return sum(s.nbytes() for s in self._sets.values())

    def close(self) -> None:
        """Nothing stays open between syncs (kept for symmetry with the sinks)."""

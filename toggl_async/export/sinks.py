"""Where rows go: the contract every output format follows, and the registry of formats.

Each format is one module (``sink_jsonl``, ``sink_csv``, ``sink_sqlite``, ``sink_parquet``)
with one class following :class:`Sink`, which is what makes resuming exact:

* ``open`` on resume drops whatever a unit wrote after its last checkpoint;
* ``write`` appends a page of rows (buffered, not yet durable);
* ``sync`` makes everything written so far durable and records, per unit, how much of it
  there is (``Unit.size``); only then does the engine save the checkpoint;
* ``finish`` closes a unit; ``assemble`` turns the durable parts into the final files, in
  a fixed order, so the output is the same byte for byte however the work was scheduled,
  interrupted or resumed.

A format is imported only when chosen, so an optional dependency (pyarrow for Parquet) is
needed only by those who use it.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, ParamSpec, Protocol, TypeVar

from .errors import ExportDataError, ExportDirectoryError, ExportError
from .state import Unit
from .tables import Row, Table

__all__ = ["FORMATS", "FileInfo", "Sink", "guarded", "make_sink", "writing"]

#: Format name -> "module:class" of its sink (imported on first use).
_REGISTRY = {
    "jsonl": "sink_jsonl:JsonlSink",
    "csv": "sink_csv:CsvSink",
    "sqlite": "sink_sqlite:SqliteSink",
    "parquet": "sink_parquet:ParquetSink",
}
FORMATS = tuple(_REGISTRY)
CHUNK = 1 << 20


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


def guarded(method: Callable[P, R]) -> Callable[P, R]:
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
    """The sink of format ``fmt`` writing into ``out_dir`` (parts in ``work_dir``)."""
    target = _REGISTRY.get(fmt)
    if target is None:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    module, name = target.split(":")
    sink: Sink = getattr(importlib.import_module(f".{module}", __package__), name)(
        out_dir, work_dir
    )
    return sink

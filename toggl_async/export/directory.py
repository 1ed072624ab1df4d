"""The export directory: created private, refused when it holds something else, reset.

Only ever touches the files an export writes (:func:`ours`); a refused run leaves the
directory exactly as it found it (see :func:`remove_empty`).
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

from ._fs import fsync_dir, make_dir
from .errors import ExportDirectoryError, ExportStateError
from .report import MANIFEST
from .sinks import FORMATS
from .state import ExportState
from .tables import KINDS

__all__ = [
    "WORK_DIR",
    "drop_stray_parts",
    "ours",
    "prepare",
    "refuse_foreign_files",
    "remove_empty",
    "reset",
    "reset_work",
]

WORK_DIR = ".toggl-export"


def prepare(out_dir: Path, work_dir: Path) -> list[Path]:
    """Create the output and work directories (0700); return those this run created."""
    try:
        created = make_dir(out_dir)
        if not out_dir.is_dir():
            raise FileExistsError
        created += make_dir(work_dir)
    except FileExistsError:
        raise ExportDirectoryError(f"{out_dir} exists and is not a directory") from None
    except OSError as exc:
        raise ExportDirectoryError(
            f"cannot create the export directory {out_dir}: {exc.strerror or exc}"
        ) from None
    return created


def ours() -> set[str]:
    """Every name an export writes in its directory."""
    names = {MANIFEST, WORK_DIR, "toggl.sqlite"}
    for kind in KINDS:
        names.update(f"{kind}.{fmt}" for fmt in FORMATS if fmt != "sqlite")
    return names


def refuse_foreign_files(out_dir: Path, previous: ExportState | None, *, overwrite: bool) -> None:
    mine = ours()
    present = [p.name for p in out_dir.iterdir()]
    foreign = sorted(n for n in present if n not in mine and not n.startswith("."))
    if foreign:
        shown = ", ".join(foreign[:5]) + (" ..." if len(foreign) > 5 else "")
        raise ExportStateError(
            f"{out_dir} is not empty and is not a toggl-async export ({shown}); "
            "choose an empty or new directory"
        )
    outputs = [n for n in present if n in mine and n != WORK_DIR]
    if outputs and previous is None and not overwrite:
        raise ExportStateError(
            f"{out_dir} holds export files but no checkpoint to continue from; "
            "pass --overwrite (overwrite=True) to export again into it"
        )


def reset(out_dir: Path, work_dir: Path) -> None:
    """Remove a previous export's files (only ever ours), before writing the new one."""
    for name in ours() - {WORK_DIR}:
        with contextlib.suppress(FileNotFoundError):
            (out_dir / name).unlink()
    for child in work_dir.iterdir():
        if child.name == "lock":
            continue
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()
    fsync_dir(out_dir)


def reset_work(work_dir: Path) -> None:
    """Empty the work directory but for the lock and the finished export's checkpoint
    (``--update``: until the update saves its own, a crash leaves the export as it was)."""
    for child in work_dir.iterdir():
        if child.name in ("lock", "checkpoint.json"):
            continue
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()


def drop_stray_parts(work_dir: Path, state: ExportState) -> None:
    """Parts of units created after the last checkpoint: their work is redone."""
    known = {u.part for u in state.units.values() if u.part}
    parts = work_dir / "parts"
    if parts.is_dir():
        for path in parts.iterdir():
            if path.name not in known:
                path.unlink()


def remove_empty(created: list[Path]) -> None:
    """Remove the directories a refused run created (innermost first; only if empty)."""
    for directory in reversed(created):
        with contextlib.suppress(OSError):
            directory.rmdir()

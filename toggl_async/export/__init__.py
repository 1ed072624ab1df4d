"""Bulk export of a whole Toggl account: concurrent, resumable, quota-aware.

``await export_account(client, "out/")`` writes the account's workspaces, projects,
clients, tags, tasks and time entries (JSON lines, CSV or SQLite) plus ``manifest.json``.
The ``toggl-async export`` command is a thin shell around it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .engine import Exporter, ExportOptions, ProgressCallback
from .errors import (
    ExportDataError,
    ExportDirectoryError,
    ExportError,
    ExportLockedError,
    ExportOptionsError,
    ExportStateError,
)
from .sinks import FORMATS
from .summary import ExportProgress, ExportSummary, WorkspaceProgress
from .tables import KINDS

if TYPE_CHECKING:
    from ..client import TogglClient

__all__ = [
    "FORMATS",
    "KINDS",
    "ExportDataError",
    "ExportDirectoryError",
    "ExportError",
    "ExportLockedError",
    "ExportOptionsError",
    "ExportProgress",
    "ExportStateError",
    "ExportSummary",
    "Format",
    "WorkspaceProgress",
    "export_account",
]

Format = Literal["jsonl", "csv", "sqlite", "parquet"]


async def export_account(
    client: TogglClient,
    out_dir: str | os.PathLike[str],
    *,
    since: date | str | None = None,
    until: date | str | None = None,
    workspaces: Sequence[int] | None = None,
    format: Format | None = None,
    concurrency: int = 10,
    page_size: int | None = None,
    resume: bool | None = None,
    overwrite: bool = False,
    on_progress: ProgressCallback | None = None,
    checkpoint_interval: float = 0.5,
    progress_interval: float = 0.25,
    source: Mapping[str, Any] | None = None,
    update: bool = False,
    recheck_days: int = 90,
    paths: Literal["auto", "reports"] | None = None,
) -> ExportSummary:
    """Export the account behind ``client`` into ``out_dir``; return what was written.

    ``since``/``until`` bound the time entries by start day in the user's timezone
    (a ``date`` or ``"YYYY-MM-DD"``, as everywhere in the client; default: the whole history
    up to today); the other objects are always exported whole.
    ``workspaces`` picks workspace ids (default: all of the user's). ``format`` is
    ``"jsonl"`` (default), ``"csv"``, ``"sqlite"`` or ``"parquet"`` (needs pyarrow).
    ``concurrency`` bounds the listings
    read at once (give the client at least as much ``max_concurrency``).

    Re-running into the same directory continues an unfinished export (options not given
    are taken from it; options given must match, and so must the account: same user, same
    workspaces, same ``source``); ``resume=True`` insists that there is one to continue. A
    directory holding a finished export is left alone unless ``overwrite=True`` (asking it
    for other options raises :class:`ExportStateError`). ``source`` names where the data
    comes from (default: the client's base URLs); the CLI's sandbox passes its size and seed.

    A listing Toggl refuses (403/404 on one workspace) does not stop the rest: the summary's
    ``missing`` (and the manifest's) name it and ``summary.complete`` is False. Files are
    created 0600 and directories 0700.

    When the hourly quota is spent the export waits for the reset if the client's
    ``RetryPolicy(wait_for_quota=True)`` says so (``RetryPolicy.for_export()``), else it raises
    :class:`~toggl_async.QuotaExceededError` after saving its progress.

    ``update=True`` brings a finished export up to date (see the README's "Keeping an
    export current"): changed projects and tasks through their ``since=`` listings, the
    other objects in full, time entries from ``recheck_days`` days ago on read again, your
    own older entries changed since the last run read again by id, the other older ones
    carried over from the export's own files.

    ``paths`` chooses how time entries are read: ``"auto"`` (default) takes the cheapest
    path that gives the same rows (grouped Reports rows, each checked; see the README's
    "Requests and paths"), ``"reports"`` one Reports row per entry, as older versions did.

    ``on_progress`` receives an :class:`ExportProgress` snapshot every
    ``progress_interval`` seconds. Raises :class:`ExportOptionsError` for impossible
    arguments, :class:`ExportDirectoryError` when ``out_dir`` cannot be written,
    :class:`ExportLockedError` when another export writes there, :class:`ExportStateError`
    when the directory holds something else, :class:`ExportDataError` when Toggl sends a
    value no format can store, and the client's API errors. A refused run leaves the
    directory as it found it.
    """
    options = ExportOptions(
        since=since,
        until=until,
        workspaces=workspaces,
        format=format,
        concurrency=concurrency,
        page_size=page_size,
        resume=resume,
        overwrite=overwrite,
        checkpoint_interval=checkpoint_interval,
        progress_interval=progress_interval,
        source=source,
        update=update,
        recheck_days=recheck_days,
        paths=paths,
    )
    return await Exporter(client, Path(out_dir), options, on_progress).run()

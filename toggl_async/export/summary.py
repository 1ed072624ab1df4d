"""What an export hands back: a live progress snapshot and the final summary."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import attrs

__all__ = ["ExportProgress", "ExportSummary", "WorkspaceProgress"]


@attrs.frozen(kw_only=True)
class WorkspaceProgress:
    """One workspace's share of a running export."""

    id: int
    name: str
    counts: Mapping[str, int]
    """Records written so far per object (``projects``, ``time_entries`` ...)."""
    fraction: float
    """Share of the workspace's date range whose time entries are read (0.0 to 1.0)."""
    done: bool


@attrs.frozen(kw_only=True)
class ExportProgress:
    """A snapshot of a running export, passed to ``on_progress`` a few times a second."""

    phase: str
    """``"planning"``, ``"fetching"``, ``"assembling"`` or ``"done"``."""
    elapsed: float
    """Seconds since this run started."""
    workspaces: tuple[WorkspaceProgress, ...]
    counts: Mapping[str, int]
    entries_per_second: float | None
    """This run's pace; None until it has written an entry (a resume starts unknown)."""
    requests: int
    """Requests spent by the export so far, earlier (interrupted) runs included."""
    requests_per_1000: float | None
    quota_remaining: int | None
    """Requests left in the most used quota bucket, from the latest response headers."""
    quota_wait: float | None
    """While the hourly quota is spent: seconds until it resets (the export waits)."""
    eta: float | None
    """Estimated seconds to the end, quota waits included; None until there is a basis."""
    fraction: float


@attrs.frozen(kw_only=True)
class ExportSummary:
    """The result of :func:`~toggl_async.export.export_account` (also in ``manifest.json``)."""

    out_dir: Path
    format: str
    manifest_path: Path
    since: date
    until: date
    workspaces: tuple[int, ...]
    counts: Mapping[str, int]
    files: Mapping[str, Mapping[str, Any]]
    """Per output file: ``sha256``, ``bytes`` and ``records``."""
    requests: int
    """Requests spent by the whole export, every run included."""
    requests_this_run: int
    requests_per_1000_entries: float | None
    started_at: datetime
    finished_at: datetime
    elapsed: float
    """Seconds this run took."""
    runs: int
    """1 for an export that ran in one go; more when it was resumed."""
    quota_waits: int
    quota_wait_seconds: float
    warnings: tuple[str, ...]
    already_complete: bool = False
    """True when the directory already held this finished export and nothing was done."""
    first_entry: date | None = None
    last_entry: date | None = None
    """Start days of the earliest and latest entry exported: the range actually covered
    (``since``/``until`` are the range requested)."""
    missing: tuple[Mapping[str, Any], ...] = ()
    """Listings asked for but refused (403/404 on a workspace): ``workspace_id``,
    ``object``, ``start`` (time-entry windows) and ``reason``. Empty when complete."""

    @property
    def complete(self) -> bool:
        """False for a partial export: some listing could not be read (see ``missing``)."""
        return not self.missing

    @property
    def entries(self) -> int:
        return self.counts.get("time_entries", 0)

"""The export's options, validated before anything is read or written."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .._params import as_date
from .errors import ExportOptionsError
from .sinks import FORMATS

__all__ = ["EARLIEST", "PATHS", "ExportOptions"]

#: How time entries may be read: ``"auto"`` (the cheapest path that gives the same rows:
#: grouped Reports rows, checked) or ``"reports"`` (one Reports row per entry, as before).
PATHS = ("auto", "reports")

#: Toggl keeps no time entry from before this day.
EARLIEST = date(2006, 1, 1)
LATEST_AHEAD_DAYS = 366
"""How far past today ``until`` may go (entries can be planned ahead, not for decades)."""


class ExportOptions:
    """Validated options (see :func:`~toggl_async.export.export_account`)."""

    def __init__(
        self,
        *,
        since: date | str | None,
        until: date | str | None,
        workspaces: Sequence[int] | None,
        format: str | None,
        concurrency: int,
        page_size: int | None,
        resume: bool | None,
        overwrite: bool,
        checkpoint_interval: float,
        progress_interval: float,
        source: Mapping[str, Any] | None = None,
        update: bool = False,
        recheck_days: int = 90,
        paths: str | None = None,
    ) -> None:
        try:
            since = None if since is None else as_date("since", since)
            until = None if until is None else as_date("until", until)
        except ValueError as exc:
            raise ExportOptionsError(str(exc)) from None
        if source is not None and (
            not isinstance(source, Mapping)
            or not all(isinstance(v, str | int) for v in source.values())
        ):
            raise ExportOptionsError(f"source must be a mapping of str/int values, got {source!r}")
        if format == "parquet" and importlib.util.find_spec("pyarrow") is None:
            raise ExportOptionsError(
                'the parquet format needs pyarrow: pip install "toggl-async[parquet]"'
            )
        if isinstance(recheck_days, bool) or not isinstance(recheck_days, int) or recheck_days < 0:
            raise ExportOptionsError(f"recheck_days must be an int >= 0, got {recheck_days!r}")
        if paths is not None and paths not in PATHS:
            raise ExportOptionsError(f"paths must be one of {', '.join(PATHS)}, got {paths!r}")
        if update and overwrite:
            raise ExportOptionsError("update and overwrite exclude each other: choose one")
        if since is not None and until is not None and since > until:
            raise ExportOptionsError(f"since ({since}) is after until ({until})")
        if since is not None and since < EARLIEST:
            raise ExportOptionsError(f"since must be {EARLIEST} or later (Toggl's first day)")
        latest = datetime.now(UTC).date() + timedelta(days=LATEST_AHEAD_DAYS)
        if until is not None and until > latest:
            # Every day of the range costs requests (a Reports window a year): a far-future
            # ``until`` would spend thousands of them on days no entry can be in.
            raise ExportOptionsError(
                f"until ({until}) is more than {LATEST_AHEAD_DAYS} days ahead; "
                f"leave it out to export up to today, or give a day up to {latest}"
            )
        if format is not None and format not in FORMATS:
            raise ExportOptionsError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ExportOptionsError(f"concurrency must be an int >= 1, got {concurrency!r}")
        if page_size is not None and (
            isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1
        ):
            raise ExportOptionsError(f"page_size must be an int >= 1, got {page_size!r}")
        if not checkpoint_interval >= 0:
            raise ExportOptionsError("checkpoint_interval must be >= 0 seconds")
        ids: tuple[int, ...] | None = None
        if workspaces is not None:
            if isinstance(workspaces, str | bytes) or not all(
                isinstance(w, int) and not isinstance(w, bool) and w > 0 for w in workspaces
            ):
                raise ExportOptionsError(f"workspaces must be positive int ids, got {workspaces!r}")
            ids = tuple(dict.fromkeys(workspaces))
            if not ids:
                raise ExportOptionsError("workspaces must not be empty (None means all)")
        self.since = since
        self.until = until
        self.workspaces = ids
        self.format = format
        self.concurrency = concurrency
        self.page_size = page_size
        self.resume = resume
        self.overwrite = overwrite
        self.update = update
        self.recheck_days = recheck_days
        self.paths = paths
        self.checkpoint_interval = checkpoint_interval
        self.progress_interval = progress_interval
        self.source = None if source is None else {str(k): v for k, v in source.items()}

    def requested(self, fmt: str | None) -> dict[str, Any]:
        """The options as recorded in the checkpoint (what a resume must agree with)."""
        return {
            "since": None if self.since is None else self.since.isoformat(),
            "until": None if self.until is None else self.until.isoformat(),
            "workspaces": None if self.workspaces is None else list(self.workspaces),
            "format": fmt,
            "page_size": self.page_size,
            "paths": self.paths,
        }

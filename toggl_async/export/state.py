"""The checkpoint: everything needed to continue an export exactly where it stopped.

An export is a set of *units* (one listing each: a workspace's projects, or its time entries
in a date window). Each unit has its own part file, its paginator cursor and the byte length
of the part that is durably written. The checkpoint is saved atomically only after the part
files it describes were fsynced, so on resume every part is truncated back to the recorded
length (dropping a page written just before a crash) and every unit continues from its
cursor: no record lost, none written twice.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import attrs

from .. import _json
from ._fs import atomic_write
from .errors import ExportStateError

__all__ = ["STATE_VERSION", "ExportState", "Unit"]

STATE_VERSION = 3
"""3: rows in UTC with joined names (``unresolved`` counts the names not found);
2: the export's identity (``source``, ``account_workspaces``), the written-id logs
(``seen``) and the range covered; 1 deduplicated only against the previous page."""


def check_name(name: object) -> str:
    """A file name read from the checkpoint: plain, inside its directory, nothing else.

    A tampered checkpoint must not make a resume truncate or write a file elsewhere.
    """
    if (
        not isinstance(name, str)
        or name in ("", ".", "..")
        or "/" in name
        or "\\" in name
        or "\0" in name
        or os.sep in name
        or (os.altsep is not None and os.altsep in name)
        or os.path.isabs(name)
        or len(name) > 200
    ):
        raise ValueError(f"{name!r} is not a plain file name")
    return name


@attrs.define(kw_only=True, eq=False)
class Unit:
    """One listing of the export and how far it got."""

    key: str
    kind: str
    workspace_id: int | None = None
    start: str | None = None
    """Time-entry windows: the first day queried (``YYYY-MM-DD``, the user's timezone)."""
    end: str | None = None
    """Time-entry windows: the last day queried (inclusive)."""
    stop_before: str | None = None
    """Set when the window was split: rows from this day on belong to a later unit."""
    part: str | None = None
    cursor: dict[str, Any] | None = None
    size: int = 0
    """Durable length of the part file in bytes (JSON lines and CSV)."""
    count: int = 0
    done: bool = False
    skipped: str | None = None
    """Why this listing was skipped (e.g. Reports refused a workspace), or None."""
    position: str | None = None
    """Time-entry windows: the day of the last row read."""
    path: str | None = None
    """Time-entry windows: how they are read, ``"grouped"`` (Reports rows of alike entries,
    see :mod:`.amounts`) or ``"reports"`` (one row an entry; None in older checkpoints)."""
    requests: int = 0
    """Pages this unit read (refetches of untrusted grouped rows included)."""
    refetched: int = 0
    """Time-entry windows: entries of untrusted grouped rows read again ungrouped."""
    since: str | None = None
    """``--update``, projects and tasks: read only what changed from this instant (ISO
    8601, deletions included) and merge it into the previous export's rows; None reads
    the full listing (see :mod:`.merge`)."""
    listing: str | None = None
    """Objects in an update: how they were read, ``"since"`` or ``"full (why)"``."""
    merged: dict[str, int] | None = None
    """Objects merged from a since-listing: rows inserted, changed and deleted."""

    @property
    def is_window(self) -> bool:
        return self.kind == "time_entries" and self.start is not None

    def first_day(self) -> date:
        assert self.start is not None
        return date.fromisoformat(self.start)

    def last_day(self) -> date:
        """The last day this unit is responsible for (its query end, or before the split)."""
        assert self.end is not None
        last = date.fromisoformat(self.end)
        if self.stop_before is not None:
            last = min(last, date.fromordinal(date.fromisoformat(self.stop_before).toordinal() - 1))
        return last

    def covered_days(self) -> int:
        """Days of the window already read through (all of them once done)."""
        if not self.is_window:
            return 0
        if self.done:
            return max(0, (self.last_day() - self.first_day()).days + 1)
        if self.position is None:
            return 0
        reached = min(date.fromisoformat(self.position), self.last_day())
        return max(0, (reached - self.first_day()).days)

    def span_days(self) -> int:
        if not self.is_window:
            return 0
        return max(0, (self.last_day() - self.first_day()).days + 1)


@attrs.define(kw_only=True)
class ExportState:
    """The whole checkpoint (``.toggl-export/checkpoint.json``)."""

    version: int = STATE_VERSION
    tool_version: str
    format: str
    options: dict[str, Any]
    """The options as requested (``since``/``until``/``workspaces`` may be None)."""
    since: str
    until: str
    timezone: str | None
    user_id: int
    workspaces: list[dict[str, Any]]
    """``[{"id", "name", "organization_id"}]`` in export order."""
    started_at: str
    track_base_url: str = ""
    reports_base_url: str = ""
    source: dict[str, Any] = attrs.field(factory=dict)
    """Where the data comes from: the base URLs, or the sandbox's size and seed."""
    account_workspaces: list[int] = attrs.field(factory=list)
    """Every workspace id the user had when the export started (the account's identity)."""
    seen: dict[str, int] = attrs.field(factory=dict)
    """Per object: durable length in bytes of its written-id log (8 bytes an id)."""
    first_entry: str | None = None
    last_entry: str | None = None
    """Start days of the earliest and latest time entry written (the range covered)."""
    runs: int = 1
    requests: int = 0
    phase: str = "fetching"
    units: dict[str, Unit] = attrs.field(factory=dict)
    running: dict[str, Any] | None = None
    """The running entry when the export began: ``{"row", "workspace_id", "seen"}``."""
    warnings: list[str] = attrs.field(factory=list)
    quota_waits: int = 0
    quota_wait_seconds: float = 0.0
    finished_at: str | None = None
    files: dict[str, Any] = attrs.field(factory=dict)
    recheck_from: str | None = None
    """``--update``: the first day read again; older entries are carried over."""
    updates: list[dict[str, Any]] = attrs.field(factory=list)
    """Every update of this export: when, from which day, requests, rows carried/read."""
    unresolved: dict[str, int] = attrs.field(factory=dict)
    """Per id column: time-entry rows whose id named no object this export wrote."""
    mergeable: bool = False
    """Whether a later ``--update`` may merge since-listings into this export's object
    rows (False in checkpoints written before since-listings: those read in full)."""
    own_changes: dict[str, Any] | None = None
    """``--update``: what ``/me/time_entries?since=`` reported (see :mod:`.own`)."""

    def to_json(self) -> bytes:
        data = attrs.asdict(self, recurse=True)
        return _json.dumps(data)

    @classmethod
    def from_json(cls, raw: bytes, where: Path) -> ExportState:
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
                raise ValueError(f"unsupported checkpoint version {data.get('version')!r}")
            units = {k: Unit(**v) for k, v in data.pop("units").items()}
            for unit in units.values():
                if unit.part is not None:
                    check_name(unit.part)
            for name in data.get("files") or {}:
                check_name(name)
            return cls(units=units, **data)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise ExportStateError(
                f"{where} is not a checkpoint this version can resume ({exc}); "
                "use another directory, or pass --overwrite to start again"
            ) from None

    def save(self, path: Path) -> None:
        atomic_write(path, self.to_json())

    @classmethod
    def load(cls, path: Path) -> ExportState | None:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        return cls.from_json(raw, path)

"""The end of an export: the order of the final files, the manifest and the summary.

Everything here is computed from the finished :class:`ExportState` alone (data flows one
way: the run fills the state; this turns it into what the user reads).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from .. import _json
from .._version import __version__
from ._fs import atomic_write
from .cost import paths_taken
from .identity import missing
from .sinks import writing
from .state import ExportState, Unit
from .summary import ExportSummary
from .tables import KINDS, Table, table

__all__ = ["MANIFEST", "counts_of", "groups", "summarize", "write_manifest"]

MANIFEST = "manifest.json"


def counts_of(state: ExportState) -> dict[str, int]:
    """Records written per object."""
    counts = dict.fromkeys(KINDS, 0)
    for unit in state.units.values():
        counts[unit.kind] += unit.count
    return counts


def groups(state: ExportState) -> list[tuple[Table, list[Unit]]]:
    """Each object's units in the fixed order of the final files (workspace, then start)."""
    order = {ws["id"]: i for i, ws in enumerate(state.workspaces)}

    def key(unit: Unit) -> tuple[int, str]:
        if unit.key.endswith("/carry"):  # entries older than every re-read window
            return order.get(unit.workspace_id or 0, -1), ""
        return order.get(unit.workspace_id or 0, -1), unit.start or "~running"

    result = []
    for kind in KINDS:
        units = sorted((u for u in state.units.values() if u.kind == kind), key=key)
        result.append((table(kind), units))
    return result


def write_manifest(out_dir: Path, state: ExportState) -> None:
    """``manifest.json``: what was exported, from where, how, and how to read it."""
    counts = counts_of(state)
    entries = counts["time_entries"]
    manifest = {
        "tool": {"name": "toggl-async", "version": __version__},
        "api": {
            "track": "v9",
            "reports": "v3",
            "track_base_url": state.track_base_url,
            "reports_base_url": state.reports_base_url,
        },
        "format": state.format,
        "user_id": state.user_id,
        "timezone": state.timezone,
        "range": {
            "since": state.since,
            "until": state.until,
            "timezone": state.timezone,
            "first_entry": state.first_entry,
            "last_entry": state.last_entry,
        },
        "complete": not missing(state),
        "missing": missing(state),
        "workspaces": [
            {k: ws[k] for k in ("id", "name", "organization_id", "since")}
            for ws in state.workspaces
        ],
        "counts": counts,
        "files": state.files,
        "conventions": {
            "instants": "ISO 8601 in UTC with Z (e.g. 2024-04-08T21:19:52Z) in every format",
            "running_entry": "same columns as the others; seconds and stop null",
            "joined_names": (
                "workspace_name, project_name, client_id, client_name, task_name, "
                "tag_names and user_name on each time entry come from the workspaces, "
                "projects, clients, tags and tasks this export wrote (user_name from "
                "Reports' username); an id with no such object gets null"
            ),
            "unresolved_names": dict(sorted(state.unresolved.items())),
            "tasks.tracked_seconds": (
                "milliseconds, as Toggl sends it (its name is Toggl's); "
                "tracked_time_seconds holds the same figure in seconds"
            ),
        },
        "requests": {
            "total": state.requests,
            "per_1000_entries": round(state.requests * 1000 / entries, 2) if entries else None,
            **paths_taken(state),
        },
        "quota_waits": {
            "count": state.quota_waits,
            "seconds": round(state.quota_wait_seconds, 1),
        },
        "runs": state.runs,
        "updates": state.updates,
        "started_at": state.started_at,
        "finished_at": state.finished_at,
        "warnings": state.warnings,
        "time_entries": (
            "Every stopped entry Reports v3 shows you in these workspaces (all members' "
            "entries where you may see them), with the report row's fields, plus your "
            "running entry from /me/time_entries/current. Path 'grouped': Reports rows of "
            "alike entries, each entry's billable_amount_in_cents derived as "
            "round(seconds * hourly_rate_in_cents / 3600) where the row's total checks out, "
            "else the entries read again ungrouped ('refetched'); path 'reports': one row "
            "per entry. Both give the same rows."
        ),
    }
    with writing(out_dir):
        atomic_write(out_dir / MANIFEST, _json.dumps(manifest) + b"\n")


def summarize(
    out_dir: Path,
    state: ExportState,
    *,
    this_run: int,
    elapsed: float,
    already_complete: bool = False,
) -> ExportSummary:
    """The :class:`ExportSummary` of ``state`` (``this_run``: requests of this run)."""
    counts = counts_of(state)
    entries = counts["time_entries"]
    finished = datetime.fromisoformat(state.finished_at) if state.finished_at else _now()
    return ExportSummary(
        out_dir=out_dir,
        format=state.format,
        manifest_path=out_dir / MANIFEST,
        since=date.fromisoformat(state.since),
        until=date.fromisoformat(state.until),
        workspaces=tuple(ws["id"] for ws in state.workspaces),
        counts=counts,
        files=state.files,
        requests=state.requests,
        requests_this_run=this_run,
        requests_per_1000_entries=state.requests * 1000 / entries if entries else None,
        started_at=datetime.fromisoformat(state.started_at),
        finished_at=finished,
        elapsed=elapsed,
        runs=state.runs,
        quota_waits=state.quota_waits,
        quota_wait_seconds=state.quota_wait_seconds,
        warnings=tuple(state.warnings),
        already_complete=already_complete,
        first_entry=_day(state.first_entry),
        last_entry=_day(state.last_entry),
        missing=tuple(missing(state)),
    )


def _now() -> datetime:
    return datetime.now(UTC)


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)

"""What makes an export *this* export: checked before a run continues or reuses one.

A checkpoint records the account (user id, its workspaces), the options that shape the
output and where the data comes from. Continuing it with other options, another user's token,
a changed set of workspaces or another server would mix two exports in one directory (or
quietly skip what the first one was asked for), so each of those is refused, naming the
difference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..records import Me, Workspace
from .errors import ExportStateError
from .state import ExportState

__all__ = ["check_account", "check_options", "missing"]

_AGAIN = " or pass --overwrite to start again"


def _shown(source: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in source.items()) or "unknown"


def check_options(
    out_dir: Path,
    previous: ExportState,
    asked: Mapping[str, Any],
    source: Mapping[str, Any],
    *,
    finished: bool,
) -> None:
    """Options given now (None: not given, taken from the export) and the data's source
    must agree with the recorded export. Raises naming every difference."""
    clashes = [
        f"{key}: {previous.options.get(key)!r} before, {value!r} now"
        for key, value in asked.items()
        if value is not None and previous.options.get(key) != value
    ]
    if previous.source != source:
        clashes.append(f"source: {_shown(previous.source)} before, {_shown(source)} now")
    if not clashes:
        return
    what = "a finished" if finished else "an unfinished"
    advice = (
        "pass --overwrite (overwrite=True) to replace it, or use another directory"
        if finished
        else "run with the same options (or none: a resume reuses them)," + _AGAIN.removeprefix(" ")
    )
    raise ExportStateError(
        f"{out_dir} holds {what} export made with other options (" + "; ".join(clashes) + f"); "
        f"{advice}"
    )


def check_account(
    out_dir: Path, previous: ExportState, me: Me, workspaces: Iterable[Workspace]
) -> None:
    """A resume continues the same account: the same user, the same workspaces."""
    if me.id != previous.user_id:
        raise ExportStateError(
            f"{out_dir} holds an export of Toggl user {previous.user_id}, but this "
            f"API token belongs to user {me.id}: use that user's token,{_AGAIN}"
        )
    have = {ws.id for ws in workspaces}
    gone = [ws["id"] for ws in previous.workspaces if ws["id"] not in have]
    if gone:
        raise ExportStateError(
            f"{out_dir} holds an export of workspace(s) "
            f"{', '.join(map(str, gone))}, which this user no longer has;{_AGAIN}"
        )
    if previous.options.get("workspaces") is None:
        new = sorted(have - set(previous.account_workspaces))
        if new:
            raise ExportStateError(
                f"{out_dir} holds an export of all of the user's workspaces, but "
                f"workspace(s) {', '.join(map(str, new))} appeared since it began: "
                f"finishing it would leave them out;{_AGAIN}"
            )


def missing(state: ExportState) -> list[dict[str, Any]]:
    """The listings that were asked for but could not be read (a partial export)."""
    return [
        {"workspace_id": u.workspace_id, "object": u.kind, "start": u.start, "reason": u.skipped}
        for u in state.units.values()
        if u.skipped is not None
    ]

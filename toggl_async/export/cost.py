"""What an export costs in requests: per path taken (the manifest) and ahead of time (the
``quota --entries N`` estimate), from one model.

The model. Time entries cost pages: ``entries / (page_size * entries_per_row)`` requests
per date window, where ``entries_per_row`` is 1 on the ``reports`` path (one Reports row
per entry) and, on the ``grouped`` path, how many entries Reports puts in one row (entries
alike on one day: same user, project, task, description, billable and tags). Each window
(a year of one workspace) adds up to one partial page. Everything else is a fixed cost per
workspace: its projects, clients, tags and tasks listings and the history probes. Rows of a
grouped page whose amounts do not check out are read again (one more request per such page).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .state import ExportState

__all__ = [
    "GROUPED_ENTRIES_PER_ROW",
    "SETUP_PER_WORKSPACE",
    "Estimate",
    "estimate",
    "paths_taken",
]

#: Entries per grouped Reports row assumed by the estimate: what the sandbox's demo account
#: (people repeating about 15 activities a day, see ``testing.data``) gives, rounded down.
#: Accounts of all one-off descriptions get 1 (then grouped costs what ``reports`` does).
GROUPED_ENTRIES_PER_ROW = 3.0
#: Requests per workspace that do not depend on the entries: four listings (projects,
#: clients, tags, tasks; one page each up to 200 objects), a history probe and a partial
#: last page; plus three account-wide calls (me, workspaces, organizations) shared by all.
SETUP_PER_WORKSPACE = 6
SETUP_ACCOUNT = 3


@dataclass(frozen=True)
class Estimate:
    """Requests an export of ``entries`` time entries is expected to spend."""

    entries: int
    best: int
    """With grouped rows of :data:`GROUPED_ENTRIES_PER_ROW` entries."""
    worst: int
    """When nothing repeats (one entry a row, as the ``reports`` path)."""

    def per_1000(self, requests: int) -> float:
        return requests * 1000 / self.entries if self.entries else 0.0


def estimate(
    entries: int,
    *,
    workspaces: int = 1,
    years: int = 1,
    page_size: int = 50,
    entries_per_row: float = GROUPED_ENTRIES_PER_ROW,
) -> Estimate:
    """The model above for ``entries`` spread over ``workspaces`` and ``years``."""
    if entries < 0 or workspaces < 1 or years < 1 or page_size < 1 or entries_per_row < 1:
        raise ValueError(
            "estimate needs entries >= 0, workspaces >= 1, years >= 1, page_size >= 1 and "
            f"entries_per_row >= 1 (got {entries}, {workspaces}, {years}, {page_size}, "
            f"{entries_per_row})"
        )
    fixed = SETUP_ACCOUNT + workspaces * SETUP_PER_WORKSPACE + workspaces * (years - 1)

    def pages(per_row: float) -> int:
        return math.ceil(entries / (page_size * per_row))

    return Estimate(entries, fixed + pages(entries_per_row), fixed + pages(1.0))


def paths_taken(state: ExportState) -> dict[str, Any]:
    """The manifest's per-path figures: requests (pages read, refetches included), entries
    written and requests per 1000 entries, for each path and each workspace; ``other`` is
    every request that read no time entries (setup, objects, retries)."""
    paths: dict[str, dict[str, Any]] = {}
    by_ws: dict[tuple[int, str], dict[str, Any]] = {}
    windows = 0
    for unit in state.units.values():
        if not unit.is_window:
            continue
        path = unit.path or "reports"
        windows += unit.requests
        for figures in (_slot(paths, path), _slot(by_ws, (unit.workspace_id or 0, path))):
            figures["requests"] += unit.requests
            figures["entries"] += unit.count
            figures["refetched"] += unit.refetched
    for figures in (*paths.values(), *by_ws.values()):
        entries = figures["entries"]
        figures["per_1000_entries"] = (
            round(figures["requests"] * 1000 / entries, 2) if entries else None
        )
    return {
        "paths": paths,
        "workspaces": [
            {"workspace_id": ws, "path": path, **figures}
            for (ws, path), figures in sorted(by_ws.items())
        ],
        "other": max(0, state.requests - windows),
    }


def _slot(into: dict[Any, dict[str, Any]], key: Any) -> dict[str, Any]:
    return into.setdefault(key, {"requests": 0, "entries": 0, "refetched": 0})

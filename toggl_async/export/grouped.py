"""The grouped path's two decisions: which rows to read again, and when to stop grouping.

A grouped page goes through :func:`ungroup` before it is written: rows whose amounts check
out (see :mod:`.amounts`) keep their entries with derived amounts, the others' entries are
read again ungrouped by id, in the page's order. :func:`costs_more` tells the engine when a
workspace's second reads have made grouping dearer than one row per entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .amounts import HalfCents, split_amounts
from .sources import Sources
from .state import ExportState, Unit

__all__ = ["costs_more", "ungroup"]


async def ungroup(
    sources: Sources, unit: Unit, page: Sequence[Any], halves: HalfCents
) -> tuple[list[Any], dict[int, int | None], int]:
    """``page`` as the ungrouped search gives it: ``(entries, amounts by id, vanished)``.

    ``vanished`` counts entries the second read no longer found (deleted, or moved out of
    the workspace, in between): the ungrouped search would not list them either. The
    unit's ``requests`` and ``refetched`` count the second read; its entries (one a row)
    teach ``halves`` how Reports rounds half cents.
    """
    split = split_amounts(page, halves)
    if not split.untrusted:
        return list(page), split.amounts, 0
    assert unit.workspace_id is not None
    wanted = {e.id for e in split.untrusted}
    days = [e.start.date() for e in split.untrusted]  # the report's own (local) days
    again: dict[int, Any] = {}
    listing = sources.entries_by_id(unit.workspace_id, min(days), max(days), sorted(wanted))
    async with listing:
        async for part in listing.pages():
            unit.requests += 1
            for entry in part:
                if entry.id in wanted:
                    again[entry.id] = entry
                    halves.learn(entry.seconds, entry.hourly_rate_in_cents,
                                 entry.billable_amount_in_cents)  # fmt: skip
    unit.refetched += len(wanted)
    entries = [again.get(e.id) if e.id in wanted else e for e in page]
    return [e for e in entries if e is not None], split.amounts, len(wanted - again.keys())


def costs_more(state: ExportState, ws_id: int, page_size: int) -> bool:
    """Whether the workspace's grouped pages with their second reads have cost more
    requests than one row per entry would have, allowing each window its last, partial
    page (both paths pay it). Judged only after ten requests and once a tenth of the
    entries needed a second read: the few read again while the half-cent rule is being
    learnt must not switch paths (a switch changes the order of entries within a day)."""
    requests = entries = windows = refetched = 0
    for unit in state.units.values():
        if unit.workspace_id == ws_id and unit.is_window and unit.path == "grouped":
            requests += unit.requests
            entries += unit.count
            windows += unit.requests > 0
            refetched += unit.refetched
    return (
        refetched * 10 > entries and requests >= 10 and (requests - windows) * page_size > entries
    )

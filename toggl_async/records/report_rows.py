"""Rows of the Reports v3 reports that have no record elsewhere (the weekly report)."""

from __future__ import annotations

import attrs

from ._base import Record

__all__ = ["WeeklyRow"]


@attrs.frozen(kw_only=True)
class WeeklyRow(Record):
    """One user x project row of the weekly report (``weekly.DataRow``).

    ``seconds`` (and the billable lists) hold one value per day of the requested range,
    in order; amounts are in cents.
    """

    user_id: int | None = None
    user_name: str | None = None
    project_id: int | None = None
    project_name: str | None = None
    project_color: str | None = None
    project_hex_color: str | None = None
    client_name: str | None = None
    planned_task_id: int | None = None
    seconds: list[int | None] = attrs.field(factory=list)
    billable_seconds: list[int | None] | None = None
    billable_amounts_in_cents: list[int | None] | None = None
    hourly_rate_in_cents: int | None = None
    currency: str | None = None

"""Reports v3 records: detailed-report time entries, summary groups and totals.

The detailed report answers with *rows* (entries alike in user, project, description ...),
each holding one or more ``time_entries``; the library hands out one
:class:`ReportTimeEntry` per entry with its row's fields joined in, so every entry is one
record whatever the grouping. Report times carry the user's timezone offset, not UTC
(``at`` is UTC), and durations are ``seconds`` (Reports v2 used milliseconds).
"""

from __future__ import annotations

from datetime import datetime

import attrs

from ._base import Record

__all__ = [
    "ReportGraphPoint",
    "ReportRate",
    "ReportTimeEntry",
    "ReportTotals",
    "SummaryGroup",
    "SummaryReport",
    "SummarySubGroup",
]


@attrs.frozen(kw_only=True)
class ReportTimeEntry(Record):
    """One time entry of the detailed report, with its row's fields.

    ``id``, ``seconds``, ``start``, ``stop`` and ``at`` are the entry's own; the rest is the
    row's (with ``grouped=True`` a row may hold several entries, which then share
    ``billable_amount_in_cents``, the row's total). ``workspace_id`` is the workspace the
    report was run on (the API does not repeat it in rows). ``row_number`` is the row's place
    in this particular search, not a property of the entry.
    """

    id: int
    workspace_id: int
    user_id: int
    username: str
    project_id: int | None = None
    task_id: int | None = None
    description: str | None = None
    billable: bool
    tag_ids: list[int] | None = None
    billable_amount_in_cents: int | None = None
    hourly_rate_in_cents: int | None = None
    currency: str | None = None
    row_number: int | None = None
    seconds: int
    start: datetime
    stop: datetime | None = None
    at: datetime


@attrs.frozen(kw_only=True)
class SummarySubGroup(Record):
    """A sub-group of the summary report (an entry description, a task, a user ...).

    ``local_start`` is kept as the text Toggl sends: the user's wall-clock time, suffixed
    ``Z`` although it is not UTC, so parsing it as a timestamp would be wrong.
    """

    id: int | None = None
    title: str | None = None
    seconds: int | None = None
    local_start: str | None = None
    ids: list[int] | None = None
    project_color: str | None = None
    project_hex_color: str | None = None


@attrs.frozen(kw_only=True)
class SummaryGroup(Record):
    """A group of the summary report; ``id`` None is the "without project/client" group."""

    id: int | None = None
    ids: list[int] | None = None
    names: list[str] | None = None
    project_color: str | None = None
    project_hex_color: str | None = None
    sub_groups: list[SummarySubGroup] | None = None

    @property
    def seconds(self) -> int:
        """The group's total: the sum of its sub-groups."""
        return sum(sub.seconds or 0 for sub in self.sub_groups or ())


@attrs.frozen(kw_only=True)
class SummaryReport(Record):
    """``POST .../summary/time_entries``: time per group and sub-group."""

    groups: list[SummaryGroup] | None = None


@attrs.frozen(kw_only=True)
class ReportRate(Record):
    """Billable seconds at one hourly rate (premium workspaces)."""

    billable_seconds: int | None = None
    currency: str | None = None
    hourly_rate_in_cents: int | None = None


@attrs.frozen(kw_only=True)
class ReportGraphPoint(Record):
    """One bucket (day, week or month) of the totals graph; ``by_rate`` maps rate -> seconds."""

    seconds: int | None = None
    billable_amount_in_cents: int | None = None
    labour_cost_in_cents: int | None = None
    by_rate: dict[str, int] | None = None


@attrs.frozen(kw_only=True)
class ReportTotals(Record):
    """``POST .../search/time_entries/totals``: the detailed report's sums."""

    seconds: int | None = None
    tracked_days: int | None = None
    billable_amount_in_cents: int | None = None
    labour_cost_in_cents: int | None = None
    resolution: str | None = None
    rates: list[ReportRate] | None = None
    graph: list[ReportGraphPoint] | None = None

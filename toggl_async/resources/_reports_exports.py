"""Reports v3 downloads (CSV/XLSX/PDF) and the weekly report: the hand-written part of
``toggl.reports`` beside the searches in ``reports.py``.

Every report body is built by one function, :func:`report_body`, so the date checks and the
filters (``task_ids``, ``group_ids``, ``time_entry_ids``, duration bounds, rounding ...)
mean the same in every report and every export.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from .._params import as_date, check_id
from ..auth import Api
from ..records.report_rows import WeeklyRow
from ._endpoints import Download, DownloadTarget, Endpoints, segment

__all__ = ["ReportExports", "extra_filters", "id_filter", "report_body"]

ROUNDING_MINUTES = (0, 1, 5, 6, 10, 12, 15, 30, 60, 240)
_FORMATS = {"detailed": ("csv", "xlsx", "pdf"), "summary": ("csv", "xlsx", "pdf")}
_MAX_DAYS = 366


def _day(name: str, value: date | str) -> str:
    return as_date(name, value).isoformat()


def id_filter(
    name: str, values: Iterable[int | None] | None, *, nullable: bool
) -> list[Any] | None:
    """A filter list; ``None`` in it means "entries without one" where Toggl allows it."""
    if values is None:
        return None
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a list of ids")
    out = [
        None if value is None and nullable else check_id(f"{name}[{i}]", value)
        for i, value in enumerate(values)
    ]
    if not out:
        raise ValueError(f"{name} must not be empty (pass None for no filter)")
    return out


def _seconds(name: str, value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative int of seconds, got {value!r}")
    return value


def report_body(
    *,
    start_date: date | str,
    end_date: date | str,
    user_ids: Iterable[int] | None = None,
    project_ids: Iterable[int | None] | None = None,
    client_ids: Iterable[int | None] | None = None,
    tag_ids: Iterable[int | None] | None = None,
    task_ids: Iterable[int | None] | None = None,
    group_ids: Iterable[int] | None = None,
    time_entry_ids: Iterable[int] | None = None,
    description: str | None = None,
    billable: bool | None = None,
    min_duration_seconds: int | None = None,
    max_duration_seconds: int | None = None,
    rounding: bool | None = None,
    rounding_minutes: int | None = None,
    options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON body every Reports v3 report shares: dates, filters, rounding.

    ``rounding`` True rounds each entry to ``rounding_minutes`` (Toggl's default is the
    user's preference). ``options`` adds any other field Toggl accepts, as is.
    """
    first, last = _day("start_date", start_date), _day("end_date", end_date)
    if first > last:
        raise ValueError(f"start_date {first} is after end_date {last}")
    if (date.fromisoformat(last) - date.fromisoformat(first)).days + 1 > _MAX_DAYS:
        raise ValueError(f"a report may span at most {_MAX_DAYS} days; split the range")
    low = _seconds("min_duration_seconds", min_duration_seconds)
    high = _seconds("max_duration_seconds", max_duration_seconds)
    if low is not None and high is not None and low > high:
        raise ValueError("min_duration_seconds is above max_duration_seconds")
    if rounding_minutes is not None and rounding_minutes not in ROUNDING_MINUTES:
        raise ValueError(f"rounding_minutes must be one of {ROUNDING_MINUTES}")
    body: dict[str, Any] = {"start_date": first, "end_date": last}
    fields = {
        "user_ids": id_filter("user_ids", user_ids, nullable=False),
        "project_ids": id_filter("project_ids", project_ids, nullable=True),
        "client_ids": id_filter("client_ids", client_ids, nullable=True),
        "tag_ids": id_filter("tag_ids", tag_ids, nullable=True),
        "task_ids": id_filter("task_ids", task_ids, nullable=True),
        "group_ids": id_filter("group_ids", group_ids, nullable=False),
        "time_entry_ids": id_filter("time_entry_ids", time_entry_ids, nullable=False),
        "description": description,
        "billable": billable,
        "min_duration_seconds": low,
        "max_duration_seconds": high,
        "rounding": None if rounding is None else int(bool(rounding)),
        "rounding_minutes": rounding_minutes,
    }
    body.update((k, v) for k, v in fields.items() if v is not None)
    if options is not None:
        if not isinstance(options, Mapping):
            raise TypeError("options must be a dict of extra report fields")
        clash = sorted(set(options) & set(body))
        if clash:
            raise ValueError(f"options repeats {clash}: pass them as arguments")
        body.update(options)
    return body


def extra_filters(
    *,
    task_ids: Iterable[int | None] | None = None,
    group_ids: Iterable[int] | None = None,
    time_entry_ids: Iterable[int] | None = None,
    min_duration_seconds: int | None = None,
    max_duration_seconds: int | None = None,
    rounding: bool | None = None,
    rounding_minutes: int | None = None,
    hide_amounts: bool | None = None,
    enrich_response: bool | None = None,
) -> dict[str, Any]:
    """The Reports filters beyond users/projects/clients/tags, checked as in
    :func:`report_body` (for the searches whose own body is built elsewhere)."""
    body = report_body(
        start_date="2000-01-01",
        end_date="2000-01-01",
        task_ids=task_ids,
        group_ids=group_ids,
        time_entry_ids=time_entry_ids,
        min_duration_seconds=min_duration_seconds,
        max_duration_seconds=max_duration_seconds,
        rounding=rounding,
        rounding_minutes=rounding_minutes,
    )
    del body["start_date"], body["end_date"]
    if hide_amounts is not None:
        body["hide_amounts"] = bool(hide_amounts)
    if enrich_response is not None:
        body["enrich_response"] = bool(enrich_response)
    return body


def _format(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"format must be one of {', '.join(allowed)} for {name}, got {value!r}")
    return value


_WORKSPACE = "/workspace/{}"


class ReportExports(Endpoints):
    """Reports that are files (CSV, XLSX, PDF) and the weekly report."""

    async def weekly(
        self,
        workspace_id: int,
        *,
        start_date: date | str,
        end_date: date | str,
        user_ids: Iterable[int] | None = None,
        project_ids: Iterable[int | None] | None = None,
        client_ids: Iterable[int | None] | None = None,
        tag_ids: Iterable[int | None] | None = None,
        task_ids: Iterable[int | None] | None = None,
        group_ids: Iterable[int] | None = None,
        description: str | None = None,
        billable: bool | None = None,
        rounding: bool | None = None,
        rounding_minutes: int | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> builtins.list[WeeklyRow]:
        """The weekly report: one row per user and project, seconds per day of the range.

        ``row.seconds[i]`` is day ``start_date + i`` (Toggl covers at most a week here).
        """
        workspace_id = check_id("workspace_id", workspace_id)
        body = report_body(
            start_date=start_date,
            end_date=end_date,
            user_ids=user_ids,
            project_ids=project_ids,
            client_ids=client_ids,
            tag_ids=tag_ids,
            task_ids=task_ids,
            group_ids=group_ids,
            description=description,
            billable=billable,
            rounding=rounding,
            rounding_minutes=rounding_minutes,
            options=options,
        )
        path = f"/workspace/{workspace_id}/weekly/time_entries"
        return await self._fetch(
            builtins.list[WeeklyRow], "POST", path, json=body, idempotent=True, api=Api.REPORTS
        )

    async def download_detailed(
        self,
        workspace_id: int,
        to: DownloadTarget,
        *,
        start_date: date | str,
        end_date: date | str,
        format: str = "csv",
        user_ids: Iterable[int] | None = None,
        project_ids: Iterable[int | None] | None = None,
        client_ids: Iterable[int | None] | None = None,
        tag_ids: Iterable[int | None] | None = None,
        task_ids: Iterable[int | None] | None = None,
        group_ids: Iterable[int] | None = None,
        time_entry_ids: Iterable[int] | None = None,
        description: str | None = None,
        billable: bool | None = None,
        min_duration_seconds: int | None = None,
        max_duration_seconds: int | None = None,
        rounding: bool | None = None,
        rounding_minutes: int | None = None,
        hide_amounts: bool | None = None,
        grouped: bool | None = None,
        order_by: str | None = None,
        order_dir: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Download:
        """The detailed report as a ``csv``, ``xlsx`` or ``pdf`` file, streamed to ``to``.

        Returns what was written. Retried like a search (it only reads); a failed download
        leaves no partial file at a path.
        """
        workspace_id = check_id("workspace_id", workspace_id)
        kind = _format("the detailed report", format, _FORMATS["detailed"])
        body = report_body(
            start_date=start_date,
            end_date=end_date,
            user_ids=user_ids,
            project_ids=project_ids,
            client_ids=client_ids,
            tag_ids=tag_ids,
            task_ids=task_ids,
            group_ids=group_ids,
            time_entry_ids=time_entry_ids,
            description=description,
            billable=billable,
            min_duration_seconds=min_duration_seconds,
            max_duration_seconds=max_duration_seconds,
            rounding=rounding,
            rounding_minutes=rounding_minutes,
            options=options,
        )
        extra = {
            "hide_amounts": hide_amounts,
            "grouped": grouped,
            "order_by": order_by,
            "order_dir": order_dir,
        }
        body.update((k, v) for k, v in extra.items() if v is not None)
        path = f"/workspace/{workspace_id}/search/time_entries.{kind}"
        return await self._download(to, "POST", path, json=body, idempotent=True, api=Api.REPORTS)

    async def download_summary(
        self,
        workspace_id: int,
        to: DownloadTarget,
        *,
        start_date: date | str,
        end_date: date | str,
        format: str = "csv",
        grouping: str | None = None,
        sub_grouping: str | None = None,
        user_ids: Iterable[int] | None = None,
        project_ids: Iterable[int | None] | None = None,
        client_ids: Iterable[int | None] | None = None,
        tag_ids: Iterable[int | None] | None = None,
        task_ids: Iterable[int | None] | None = None,
        group_ids: Iterable[int] | None = None,
        description: str | None = None,
        billable: bool | None = None,
        rounding: bool | None = None,
        rounding_minutes: int | None = None,
        hide_amounts: bool | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Download:
        """The summary report as a ``csv``, ``xlsx`` or ``pdf`` file, streamed to ``to``."""
        workspace_id = check_id("workspace_id", workspace_id)
        kind = _format("the summary report", format, _FORMATS["summary"])
        body = report_body(
            start_date=start_date,
            end_date=end_date,
            user_ids=user_ids,
            project_ids=project_ids,
            client_ids=client_ids,
            tag_ids=tag_ids,
            task_ids=task_ids,
            group_ids=group_ids,
            description=description,
            billable=billable,
            rounding=rounding,
            rounding_minutes=rounding_minutes,
            options=options,
        )
        extra = {"grouping": grouping, "sub_grouping": sub_grouping, "hide_amounts": hide_amounts}
        body.update((k, v) for k, v in extra.items() if v is not None)
        path = f"/workspace/{workspace_id}/summary/time_entries.{kind}"
        return await self._download(to, "POST", path, json=body, idempotent=True, api=Api.REPORTS)

    async def download_weekly(
        self,
        workspace_id: int,
        to: DownloadTarget,
        *,
        start_date: date | str,
        end_date: date | str,
        format: str = "csv",
        user_ids: Iterable[int] | None = None,
        project_ids: Iterable[int | None] | None = None,
        client_ids: Iterable[int | None] | None = None,
        tag_ids: Iterable[int | None] | None = None,
        description: str | None = None,
        billable: bool | None = None,
        rounding: bool | None = None,
        rounding_minutes: int | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Download:
        """The weekly report as a ``csv`` or ``pdf`` file, streamed to ``to``."""
        workspace_id = check_id("workspace_id", workspace_id)
        kind = _format("the weekly report", format, ("csv", "pdf"))
        body = report_body(
            start_date=start_date,
            end_date=end_date,
            user_ids=user_ids,
            project_ids=project_ids,
            client_ids=client_ids,
            tag_ids=tag_ids,
            description=description,
            billable=billable,
            rounding=rounding,
            rounding_minutes=rounding_minutes,
            options=options,
        )
        path = f"/workspace/{workspace_id}/weekly/time_entries.{kind}"
        return await self._download(to, "POST", path, json=body, idempotent=True, api=Api.REPORTS)

    async def download_shared(
        self,
        report_token: str,
        to: DownloadTarget,
        *,
        format: str = "csv",
        start_date: date | str | None = None,
        end_date: date | str | None = None,
    ) -> Download:
        """A saved (shared) report as a ``csv``, ``xlsx`` or ``pdf`` file; the dates
        override the saved range when given."""
        segment("report_token", report_token)
        kind = _format("a shared report", format, ("csv", "xlsx", "pdf"))
        body: dict[str, Any] = {}
        if start_date is not None:
            body["start_date"] = _day("start_date", start_date)
        if end_date is not None:
            body["end_date"] = _day("end_date", end_date)
        path = f"/shared/{report_token}/{kind}"
        return await self._download(to, "POST", path, json=body, idempotent=True, api=Api.REPORTS)

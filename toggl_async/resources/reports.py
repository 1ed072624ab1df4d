"""``toggl.reports``: Reports v3 — the detailed search (all history), summaries, totals."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from operator import attrgetter
from typing import Any, ClassVar

import attrs

from .._params import as_date as _as_date
from .._params import check_id, check_positive
from ..auth import Api
from ..errors import InvalidCursorError
from ..pagination import Cursor, HeaderCursor, PaginationError, Paginator, Strategy
from ..records import ReportTimeEntry, ReportTotals, SummaryReport
from ..transport import Response
from ._fields import body_of
from ._gen import ReportsEndpoints
from ._reports_exports import ReportExports, extra_filters
from ._reports_exports import id_filter as _ids

__all__ = ["MAX_RANGE_DAYS", "ReportsResource", "ReportsSearch"]

MAX_RANGE_DAYS = 366
"""Days one search may span (Toggl does not document the v3 limit; v2 allowed a year).
Longer ranges are split into consecutive windows of at most this many days."""

_ORDER_BY = ("date", "user", "duration", "description", "last_update")
_ORDER_DIR = ("ASC", "DESC")
_GRANULARITY = ("day", "week", "month")


def windows(start: date, end: date, max_days: int = MAX_RANGE_DAYS) -> list[tuple[str, str]]:
    """``[start, end]`` (inclusive) cut into consecutive windows of at most ``max_days``.

    Never steps past ``end``, so ranges ending at ``date.max`` cannot overflow.
    """
    out = []
    while True:
        last = end if (end - start).days < max_days else start + timedelta(days=max_days - 1)
        out.append((start.isoformat(), last.isoformat()))
        if last == end:
            return out
        start = last + timedelta(days=1)


def _filters(
    *,
    user_ids: Iterable[int] | None,
    project_ids: Iterable[int | None] | None,
    client_ids: Iterable[int | None] | None,
    tag_ids: Iterable[int | None] | None,
    description: str | None,
    billable: bool | None,
) -> dict[str, Any]:
    return body_of(
        user_ids=_ids("user_ids", user_ids, nullable=False),
        project_ids=_ids("project_ids", project_ids, nullable=True),
        client_ids=_ids("client_ids", client_ids, nullable=True),
        tag_ids=_ids("tag_ids", tag_ids, nullable=True),
        description=description,
        billable=billable,
    )


_ROWS = HeaderCursor(
    header="X-Next-Row-Number",
    param="first_row_number",
    keep=(("X-Next-ID", "next_id"), ("X-Next-Timestamp", "next_timestamp")),
    row_of=attrgetter("row_number"),
)


@attrs.frozen
class ReportsSearch(Strategy):
    """The detailed search: date windows in order, each paged by the ``X-Next-Row-Number``
    header (sent back as ``first_row_number``); a window ends when the headers are absent.

    ``X-Next-ID``/``X-Next-Timestamp`` are kept in the position but not sent: adding
    ``first_id`` was reported to make the live API return nothing. A position is the window
    (its index; the whole range is part of the cursor's identity) plus the row to start at;
    a cursor taken inside a grouped row also says how many of its entries were yielded.

    Toggl may answer a shorter range than asked and say so in ``X-Range-Start``/
    ``X-Range-End``: the days it left out are queued in the position (``rest``) and searched
    as their own ``span`` once the answered range is done, so no entry is lost or repeated.
    """

    kind: ClassVar[str] = "reports-search"
    windows: tuple[tuple[str, str], ...]
    page_size: int
    workspace_id: int | None = None
    rows: HeaderCursor = _ROWS

    def first(self) -> dict[str, Any]:
        return {"window": 0, **self.rows.first()}

    def params(self, at: dict[str, Any]) -> dict[str, Any]:
        start, end = self._span(at)
        self._rest(at)  # a cursor's queued ranges are checked before anything is sent
        return {
            "start_date": start,
            "end_date": end,
            "page_size": self.page_size,
            **self.rows.params(_row_position(at)),
        }

    def unwrap(self, payload: Any) -> list[Any]:
        """Rows of grouped entries -> one dict per entry, the row's fields joined in."""
        rows = super().unwrap(payload)
        entries: list[Any] = []
        base = {} if self.workspace_id is None else {"workspace_id": self.workspace_id}
        for row in rows:
            if not isinstance(row, dict) or not isinstance(row.get("time_entries"), list):
                raise TypeError("expected rows with a 'time_entries' array")
            shared = {k: v for k, v in row.items() if k != "time_entries"}
            entries.extend({**base, **shared, **entry} for entry in row["time_entries"])
        return entries

    def next(self, at: dict[str, Any], raw: list[Any], response: Response) -> dict[str, Any] | None:
        window = self._window(at)
        rest = self._rest(at)
        rest[:0] = [span for span in _missing(self._span(at), response, at) if span not in rest]
        place: dict[str, Any] = {"window": window, **_where(at)}
        if rest:
            place["rest"] = rest
        following = self.rows.next(_row_position(at), raw, response)
        if following is not None:
            return {**place, **following}
        if rest:  # the answered range is done: now the days the server left out
            span, *later = rest
            piece: dict[str, Any] = {"window": window, "span": span}
            if later:
                piece["rest"] = later
            return {**piece, **self.rows.first()}
        if window + 1 < len(self.windows):
            return {"window": window + 1, **self.rows.first()}
        return None

    def resume(
        self, at: dict[str, Any], items: Sequence[Any], consumed: int
    ) -> tuple[dict[str, Any], int]:
        position, skip = self.rows.resume(_row_position(at), items, consumed)
        return {"window": self._window(at), **_where(at), **position}, skip

    def _span(self, at: dict[str, Any]) -> tuple[str, str]:
        """The range this position searches: its window, or a part the server left out."""
        window = self.windows[self._window(at)]
        span = at.get("span", window)
        if not self._inside(span, window):
            raise InvalidCursorError(f"this cursor names no range of this search: {at!r}")
        return span[0], span[1]

    def _rest(self, at: dict[str, Any]) -> list[list[str]]:
        window = self.windows[self._window(at)]
        rest = at.get("rest", [])
        if not isinstance(rest, list) or not all(self._inside(span, window) for span in rest):
            raise InvalidCursorError(f"this cursor names no range of this search: {at!r}")
        return [list(span) for span in rest]

    @staticmethod
    def _inside(span: Any, window: tuple[str, str]) -> bool:
        """Whether ``span`` is a pair of ISO dates, in order, within ``window``."""
        if not isinstance(span, list | tuple) or len(span) != 2:
            return False
        try:
            first, last = (date.fromisoformat(day) for day in span)
        except (TypeError, ValueError):
            return False
        low, high = date.fromisoformat(window[0]), date.fromisoformat(window[1])
        return low <= first <= last <= high

    def _window(self, at: dict[str, Any]) -> int:
        index = at.get("window")
        if (
            isinstance(index, bool)
            or not isinstance(index, int)
            or not 0 <= index < len(self.windows)
        ):
            raise InvalidCursorError(f"this cursor names no window of this search: {at!r}")
        return index


_PLACE = ("window", "span", "rest")


def _row_position(at: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in at.items() if k not in _PLACE}


def _where(at: dict[str, Any]) -> dict[str, Any]:
    """The range part of a position (``span``/``rest``, when the server shortened one)."""
    return {k: at[k] for k in ("span", "rest") if k in at}


def _missing(asked: tuple[str, str], response: Response, at: dict[str, Any]) -> list[list[str]]:
    """The days of ``asked`` outside the range the server says it searched (X-Range-*).

    Every page says it (a cursor may resume mid-range); the caller keeps each day once. A
    range wider than asked would bring in other windows' entries: refused.
    """
    first, last = date.fromisoformat(asked[0]), date.fromisoformat(asked[1])
    start = _range_header(response, "X-Range-Start", at) or first
    end = _range_header(response, "X-Range-End", at) or last
    if start < first or end > last or start > end:
        raise PaginationError(
            f"{response.method} {response.url} searched {start}..{end} (X-Range-Start/End) "
            f"when asked for {first}..{last}; refusing entries outside the range asked for",
            method=response.method,
            url=response.url,
            body=response.body,
            position=dict(at),
        )
    out = []
    if start > first:
        out.append([first.isoformat(), (start - timedelta(days=1)).isoformat()])
    if end < last:
        out.append([(end + timedelta(days=1)).isoformat(), last.isoformat()])
    return out


def _range_header(response: Response, name: str, at: dict[str, Any]) -> date | None:
    value = response.headers.get(name)
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise PaginationError(
            f"{response.method} {response.url} sent {name}: {value!r}, not a date; cannot "
            "tell which days it searched",
            method=response.method,
            url=response.url,
            body=response.body,
            position=dict(at),
        ) from None


class ReportsResource(ReportsEndpoints, ReportExports):
    """Reports v3 for one workspace at a time (Toggl has no cross-workspace reports)."""

    api = Api.REPORTS

    def iter_time_entries(
        self,
        workspace_id: int,
        *,
        start_date: date | str,
        end_date: date | str,
        user_ids: Sequence[int] | None = None,
        project_ids: Sequence[int | None] | None = None,
        client_ids: Sequence[int | None] | None = None,
        tag_ids: Sequence[int | None] | None = None,
        description: str | None = None,
        billable: bool | None = None,
        page_size: int = 50,
        order_by: str | None = None,
        order_dir: str | None = None,
        grouped: bool = False,
        task_ids: Sequence[int | None] | None = None,
        group_ids: Sequence[int] | None = None,
        time_entry_ids: Sequence[int] | None = None,
        min_duration_seconds: int | None = None,
        max_duration_seconds: int | None = None,
        rounding: bool | None = None,
        rounding_minutes: int | None = None,
        hide_amounts: bool | None = None,
        enrich_response: bool | None = None,
        cursor: Cursor | None = None,
        limit: int | None = None,
    ) -> Paginator[ReportTimeEntry]:
        """Every time entry between two dates (inclusive), of every user of the workspace.

        This is how to read history: ``/me/time_entries`` stops at about three months.
        Yields one :class:`ReportTimeEntry` per entry with its row's fields joined in;
        ranges longer than Toggl accepts are split into windows, transparently and in
        order, under one resumable cursor. Running entries are not in reports. A filter
        list may hold ``None`` for "no project/client/tag". ``grouped=True`` lets Toggl
        merge alike entries of a day into one row (you still get every entry). Ranges
        longer than a window are ordered window by window (newest window first with
        ``order_dir="DESC"`` and date order). Retried like a GET: it only reads.
        """
        workspace_id = check_id("workspace_id", workspace_id)
        page_size = check_positive("page_size", page_size)
        first, last = _as_date("start_date", start_date), _as_date("end_date", end_date)
        if first > last:
            raise ValueError(f"start_date {first} is after end_date {last}")
        if order_by is not None and order_by not in _ORDER_BY:
            raise ValueError(f"order_by must be one of {', '.join(_ORDER_BY)}")
        if order_dir is not None and order_dir not in _ORDER_DIR:
            raise ValueError("order_dir must be 'ASC' or 'DESC'")
        spans = windows(first, last)
        if order_dir == "DESC" and order_by in (None, "date"):
            spans.reverse()
        params = _filters(
            user_ids=user_ids,
            project_ids=project_ids,
            client_ids=client_ids,
            tag_ids=tag_ids,
            description=description,
            billable=billable,
        )
        params.update(order_by=order_by, order_dir=order_dir, grouped=True if grouped else None)
        params.update(
            extra_filters(
                task_ids=task_ids,
                group_ids=group_ids,
                time_entry_ids=time_entry_ids,
                min_duration_seconds=min_duration_seconds,
                max_duration_seconds=max_duration_seconds,
                rounding=rounding,
                rounding_minutes=rounding_minutes,
                hide_amounts=hide_amounts,
                enrich_response=enrich_response,
            )
        )
        return self._paginate(
            ReportTimeEntry,
            ReportsSearch(windows=tuple(spans), page_size=page_size, workspace_id=workspace_id),
            "POST",
            f"/workspace/{workspace_id}/search/time_entries",
            params=params,
            identity={"range": f"{first}..{last}", "page_size": page_size},
            in_body=True,
            cursor=cursor,
            limit=limit,
        )

    async def summary(
        self,
        workspace_id: int,
        *,
        start_date: date | str,
        end_date: date | str,
        grouping: str | None = None,
        sub_grouping: str | None = None,
        user_ids: Sequence[int] | None = None,
        project_ids: Sequence[int | None] | None = None,
        client_ids: Sequence[int | None] | None = None,
        tag_ids: Sequence[int | None] | None = None,
        description: str | None = None,
        billable: bool | None = None,
        task_ids: Sequence[int | None] | None = None,
        group_ids: Sequence[int] | None = None,
        time_entry_ids: Sequence[int] | None = None,
        min_duration_seconds: int | None = None,
        max_duration_seconds: int | None = None,
        rounding: bool | None = None,
        rounding_minutes: int | None = None,
        hide_amounts: bool | None = None,
    ) -> SummaryReport:
        """Tracked time grouped (``projects``, ``clients``, ``users`` ...) and sub-grouped."""
        body = self._report_body(workspace_id, start_date, end_date)
        body |= _filters(
            user_ids=user_ids,
            project_ids=project_ids,
            client_ids=client_ids,
            tag_ids=tag_ids,
            description=description,
            billable=billable,
        )
        body |= extra_filters(
            task_ids=task_ids,
            group_ids=group_ids,
            time_entry_ids=time_entry_ids,
            min_duration_seconds=min_duration_seconds,
            max_duration_seconds=max_duration_seconds,
            rounding=rounding,
            rounding_minutes=rounding_minutes,
            hide_amounts=hide_amounts,
        )
        if grouping is not None:
            body["grouping"] = grouping
        if sub_grouping is not None:
            body["sub_grouping"] = sub_grouping
        path = f"/workspace/{workspace_id}/summary/time_entries"
        return await self._fetch(SummaryReport, "POST", path, json=body, idempotent=True)

    async def totals(
        self,
        workspace_id: int,
        *,
        start_date: date | str,
        end_date: date | str,
        resolution: str | None = None,
        user_ids: Sequence[int] | None = None,
        project_ids: Sequence[int | None] | None = None,
        client_ids: Sequence[int | None] | None = None,
        tag_ids: Sequence[int | None] | None = None,
        description: str | None = None,
        billable: bool | None = None,
        task_ids: Sequence[int | None] | None = None,
        group_ids: Sequence[int] | None = None,
        time_entry_ids: Sequence[int] | None = None,
        min_duration_seconds: int | None = None,
        max_duration_seconds: int | None = None,
        rounding: bool | None = None,
        rounding_minutes: int | None = None,
        hide_amounts: bool | None = None,
        with_graph: bool = False,
        granularity: str | None = None,
    ) -> ReportTotals:
        """Total seconds and billable amounts per rate; ``with_graph=True`` adds the graph
        (one point per ``granularity`` bucket: ``day``, ``week`` or ``month``; Toggl sends
        no graph without it). ``resolution`` is the older name Toggl also reads."""
        body = self._report_body(workspace_id, start_date, end_date)
        body |= _filters(
            user_ids=user_ids,
            project_ids=project_ids,
            client_ids=client_ids,
            tag_ids=tag_ids,
            description=description,
            billable=billable,
        )
        body |= extra_filters(
            task_ids=task_ids,
            group_ids=group_ids,
            time_entry_ids=time_entry_ids,
            min_duration_seconds=min_duration_seconds,
            max_duration_seconds=max_duration_seconds,
            rounding=rounding,
            rounding_minutes=rounding_minutes,
            hide_amounts=hide_amounts,
        )
        if granularity is not None and granularity not in _GRANULARITY:
            raise ValueError(f"granularity must be one of {', '.join(_GRANULARITY)}")
        if with_graph:
            body["with_graph"] = True
        if granularity is not None:
            body["granularity"] = granularity
        if resolution is not None:
            body["resolution"] = resolution
        path = f"/workspace/{workspace_id}/search/time_entries/totals"
        return await self._fetch(ReportTotals, "POST", path, json=body, idempotent=True)

    @staticmethod
    def _report_body(
        workspace_id: int, start_date: date | str, end_date: date | str
    ) -> dict[str, Any]:
        workspace_id = check_id("workspace_id", workspace_id)
        first, last = _as_date("start_date", start_date), _as_date("end_date", end_date)
        if first > last:
            raise ValueError(f"start_date {first} is after end_date {last}")
        if (last - first).days + 1 > MAX_RANGE_DAYS:
            raise ValueError(
                f"a summary may span at most {MAX_RANGE_DAYS} days; split the range and add "
                "the results"
            )
        return {"start_date": first.isoformat(), "end_date": last.isoformat()}

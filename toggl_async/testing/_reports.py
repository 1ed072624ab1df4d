"""Reports v3: detailed search (header cursor), its totals, and the summary report.

Fidelity notes. Pages hold at most ``reports_max_page_size`` rows (50): that cap is what the
recordings show as the default page size; whether Toggl caps a larger ``page_size`` at 50 is
UNVERIFIED. A range longer than ``reports_max_range_days`` (366) is refused with a 400 the
sandbox made up, or with ``reports_long_range="shorten"`` cut to that many days from
``start_date`` and reported in ``X-Range-Start``/``X-Range-End`` (Toggl documents those
headers as "actual start/end date used for query"; which end it cuts is assumed).
``first_id`` sent with ``first_row_number`` returns no rows: reported for the live API by a
third-party client, mirrored so a client that sends both fails its tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta, tzinfo
from operator import attrgetter
from typing import Any

from aiohttp import web

from ._http import ApiError, Context, body_object, ok, raw
from ._store import TERow, TimeEntryStore
from ._util import JSONDict, day_bounds, dumps, iso_local, iso_utc, parse_date
from .data import Index

__all__ = ["ReportRoutes"]

_ORDER_BY = ("date", "user", "duration", "description", "last_update")
_GROUPINGS = ("projects", "clients", "users")
_SUB_GROUPINGS = ("time_entries", "projects", "clients", "users", "tasks")
_ID_FILTERS = ("user_ids", "project_ids", "client_ids", "tag_ids", "task_ids", "time_entry_ids")

IdSet = frozenset[int | None] | None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Filters:
    """Row filters shared by all three reports; ``None`` in an id set means "none set"."""

    user_ids: IdSet = None
    project_ids: IdSet = None
    client_ids: IdSet = None
    tag_ids: IdSet = None
    task_ids: IdSet = None
    time_entry_ids: IdSet = None
    description: str | None = None
    billable: bool | None = None
    min_duration_seconds: int | None = None
    max_duration_seconds: int | None = None

    def empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))


@dataclass(frozen=True)
class Query:
    """A parsed report request (without paging)."""

    workspace: int
    first: date
    last: date
    filters: Filters


def _id_set(body: JSONDict, name: str) -> IdSet:
    if name not in body or body[name] is None:
        return None
    value = body[name]
    if not isinstance(value, list) or not all(v is None or _is_int(v) for v in value):
        raise ApiError(400, f"Invalid '{name}' value")
    return frozenset(value)


def _optional(body: JSONDict, name: str, kind: type) -> Any:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ApiError(400, f"Invalid '{name}' value")
    return value


class ReportRoutes:
    """Handlers for ``/reports/api/v3/workspace/{wid}/...``."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def routes(self, prefix: str) -> list[web.RouteDef]:
        """Route table, registered by the server under ``/reports/api/v3``."""
        ws = prefix + r"/workspace/{wid:\d+}"
        return [
            web.post(ws + "/search/time_entries", self.search),
            web.post(ws + "/search/time_entries/totals", self.totals),
            web.post(ws + "/summary/time_entries", self.summary),
        ]

    @property
    def store(self) -> TimeEntryStore:
        return self.ctx.account.time_entries

    # -- parsing ---------------------------------------------------------------------------------

    def _workspace(self, request: web.Request) -> JSONDict:
        try:
            return self.ctx.workspace(request)
        except ApiError:
            raise ApiError(403, "Workspace not found/accessible") from None

    def _query(self, ws: JSONDict, body: JSONDict) -> Query:
        if not body:
            raise ApiError(400, "At least one parameter must be set")
        first, last = self._dates(body)
        filters = Filters(
            **{name: _id_set(body, name) for name in _ID_FILTERS},
            description=_optional(body, "description", str),
            billable=_optional(body, "billable", bool),
            min_duration_seconds=_optional(body, "min_duration_seconds", int),
            max_duration_seconds=_optional(body, "max_duration_seconds", int),
        )
        if filters.billable is not None and not ws["premium"]:
            raise ApiError(402, "Workspace needs to have this feature enabled")
        return Query(ws["id"], first, last, filters)

    def _dates(self, body: JSONDict) -> tuple[date, date]:
        """Inclusive ``YYYY-MM-DD`` dates; one alone spans a week (as recorded)."""
        first = self._date(body, "start_date")
        last = self._date(body, "end_date")
        if first is None and last is None:
            last = datetime.fromtimestamp(self.ctx.now(), self.ctx.zone()).date()
        if first is None:
            assert last is not None
            first = last - timedelta(days=6)
        if last is None:
            last = first + timedelta(days=6)
        if first > last:
            raise ApiError(400, "end_date must not be earlier than start_date")
        limit = self.ctx.limits.reports_max_range_days
        if (last - first).days + 1 > limit:
            if self.ctx.limits.reports_long_range == "shorten":
                # Assumed: Toggl keeps the start and cuts the end ("Actual start/end date
                # used for query" in the headers); the client must notice and continue.
                return first, first + timedelta(days=limit - 1)
            raise ApiError(
                400,
                f"The date range may span at most {limit} days; "
                f"got {(last - first).days + 1} ({first} to {last})",
            )
        return first, last

    @staticmethod
    def _date(body: JSONDict, name: str) -> date | None:
        if body.get(name) is None:
            return None
        parsed = parse_date(body[name])
        if parsed is None:
            raise ApiError(400, f"Invalid '{name}' value, expected YYYY-MM-DD")
        return parsed

    @staticmethod
    def _range_headers(query: Query) -> dict[str, str]:
        return {"X-Range-Start": query.first.isoformat(), "X-Range-End": query.last.isoformat()}

    # -- matching --------------------------------------------------------------------------------

    def _refs(self, query: Query) -> list[int]:
        """Refs of the stopped, live entries matching ``query``, ordered by (start, id)."""
        lo, hi = day_bounds(query.first, query.last, self.ctx.zone())
        store = self.store
        refs = store.refs_in(query.workspace, lo, hi)
        running = store.ref_is_running
        match = self._predicate(query.filters)
        if match is None:
            return [ref for ref in refs if not running(ref)]
        row = store.row
        return [ref for ref in refs if not running(ref) and match(row(ref))]

    def _predicate(self, f: Filters) -> Callable[[TERow], bool] | None:
        """One function testing every filter that is set (None when no filter is)."""
        if f.empty():
            return None
        index = self.ctx.account.index()
        checks: list[Callable[[TERow], bool]] = []
        id_filters: tuple[tuple[IdSet, Callable[[TERow], int | None]], ...] = (
            (f.user_ids, attrgetter("user_id")),
            (f.project_ids, attrgetter("project_id")),
            (f.task_ids, attrgetter("task_id")),
            (f.time_entry_ids, attrgetter("id")),
            (f.client_ids, lambda r: _client_of(index, r.project_id)),
        )
        for allowed, field in id_filters:
            if allowed is not None:
                checks.append(_member_check(field, allowed))
        if f.tag_ids is not None:
            checks.append(self._tag_check(f.tag_ids))
        checks.extend(_value_checks(f))
        return lambda r: all(check(r) for check in checks)

    def _tag_check(self, wanted: frozenset[int | None]) -> Callable[[TERow], bool]:
        """Any of the tags; ``null`` in the list matches entries without tags."""
        untagged = None in wanted
        ids = {t for t in wanted if t is not None}
        names = self.ctx.account.index().tag_names

        def check(row: TERow) -> bool:
            live = [t for t in row.tag_ids or () if t in names]
            return (untagged and not live) or any(t in ids for t in live)

        return check

    # -- detailed search ---------------------------------------------------------------------

    async def search(self, request: web.Request) -> web.Response:
        """One page of rows; ``X-Next-*`` headers only when another page exists."""
        ws = self._workspace(request)
        body = body_object(request)
        query = self._query(ws, body)
        order_by = self._order_by(body)
        descending = self._descending(body)
        grouped = bool(_optional(body, "grouped", bool))
        page_size = self._page_size(body)
        rows: list[list[int]] = self.ctx.cached(
            (
                "search",
                query,
                order_by,
                descending,
                grouped,
                str(self.ctx.account.me.get("timezone")),
            ),
            lambda: self._rows(query, order_by, descending, grouped),
        )
        begin = self._cursor(body, rows)
        page = rows[begin : begin + page_size]
        zone, index = self.ctx.zone(), self.ctx.account.index()
        payload = [
            self._render_row(ws, index, zone, [self.store.row(r) for r in refs], begin + n + 1)
            for n, refs in enumerate(page)
        ]
        headers = {"X-Page-Size": str(page_size), **self._range_headers(query)}
        following = begin + page_size
        if following < len(rows):
            head = self.store.row(rows[following][0])
            headers["X-Next-ID"] = str(head.id)
            headers["X-Next-Row-Number"] = str(following + 1)
            headers["X-Next-Timestamp"] = str(head.start)
        return raw(dumps(payload), headers=headers)

    @staticmethod
    def _order_by(body: JSONDict) -> str:
        order_by = body.get("order_by") or "date"
        if order_by not in _ORDER_BY:
            allowed = "', '".join(_ORDER_BY)
            raise ApiError(400, f"Invalid 'order_by' value, allowed values are: '{allowed}'")
        return str(order_by)

    @staticmethod
    def _descending(body: JSONDict) -> bool:
        direction = body.get("order_dir") or "ASC"
        if not isinstance(direction, str) or direction.upper() not in ("ASC", "DESC"):
            raise ApiError(400, "Invalid 'order_dir' value, allowed values are: 'ASC', 'DESC'")
        return direction.upper() == "DESC"

    def _page_size(self, body: JSONDict) -> int:
        size = _optional(body, "page_size", int)
        if size is not None and size < 1:
            raise ApiError(400, "Invalid 'page_size' value")
        return min(size or 50, self.ctx.limits.reports_max_page_size)

    def _cursor(self, body: JSONDict, rows: list[list[int]]) -> int:
        """Index of the first row to send: ``first_row_number`` (else ``first_id`` /
        ``first_timestamp``, which locate the row whose first entry has that id or start)."""
        number: int | None = _optional(body, "first_row_number", int)
        if number is not None:
            if number < 1:
                raise ApiError(400, "Invalid 'first_row_number' value")
            if _optional(body, "first_id", int) is not None:
                # Reported (third-party, live API): first_id together with first_row_number
                # returns no rows. Mirrored so a client that sends both fails its tests.
                return len(rows)
            return number - 1
        first_id = _optional(body, "first_id", int)
        stamp = _optional(body, "first_timestamp", int)
        if first_id is None and stamp is None:
            return 0
        for n, refs in enumerate(rows):
            head = self.store.row(refs[0])
            if (first_id is not None and head.id == first_id) or (
                first_id is None and stamp is not None and head.start >= stamp
            ):
                return n
        return len(rows)

    def _rows(
        self, query: Query, order_by: str, descending: bool, grouped: bool
    ) -> list[list[int]]:
        refs = self._order(self._refs(query), order_by, descending)
        if not grouped:
            return [[ref] for ref in refs]
        return self._group(refs)

    def _order(self, refs: list[int], order_by: str, descending: bool) -> list[int]:
        if order_by == "date":
            return refs[::-1] if descending else refs
        index = self.ctx.account.index()
        keys: dict[str, Callable[[TERow], Any]] = {
            "user": lambda r: str(index.users.get(r.user_id, {}).get("fullname", "")).casefold(),
            "duration": lambda r: r.duration,
            "description": lambda r: (r.description or "").casefold(),
            "last_update": lambda r: r.at,
        }
        key = keys[order_by]
        row = self.store.row

        def sort_key(ref: int) -> tuple[Any, int, int]:
            r = row(ref)
            return (key(r), r.start, r.id)

        return sorted(refs, key=sort_key, reverse=descending)

    def _group(self, refs: list[int]) -> list[list[int]]:
        """Merge entries alike in user, project, task, description, billable and tags on the
        same local day into one row (``grouped: true``), keeping first-seen order."""
        local_day = _LocalDays(self.ctx.zone())
        groups: dict[tuple[Any, ...], list[int]] = {}
        for ref in refs:
            r = self.store.row(ref)
            key = (
                local_day(r.start),
                r.user_id,
                r.project_id,
                r.task_id,
                r.description or "",
                r.billable,
                tuple(r.tag_ids or ()),
            )
            groups.setdefault(key, []).append(ref)
        return list(groups.values())

    def _render_row(
        self, ws: JSONDict, index: Index, zone: tzinfo, rows: list[TERow], number: int
    ) -> JSONDict:
        """A row as recorded: user-timezone start/stop, UTC ``at``, ``seconds``."""
        first = rows[0]
        project = index.projects.get(first.project_id or 0)
        rate = _rate_cents(ws, project, first.billable)
        _, tag_ids = self.store.tags_json(first.tag_ids, index.tag_names)
        return {
            "user_id": first.user_id,
            "username": index.users.get(first.user_id, {}).get("fullname", ""),
            "project_id": first.project_id,
            "task_id": first.task_id,
            "billable": first.billable,
            "description": first.description or "",
            "tag_ids": tag_ids or [],
            "billable_amount_in_cents": self._amount(rate, [r.duration for r in rows]),
            "hourly_rate_in_cents": rate,
            "currency": _currency(ws, project),
            "time_entries": [
                {
                    "id": r.id,
                    "seconds": r.duration,
                    "start": iso_local(r.start, zone),
                    "stop": iso_local(r.start + r.duration, zone),
                    "at": iso_utc(r.at),
                }
                for r in rows
            ],
            "row_number": number,
        }

    def _amount(self, rate: int | None, seconds: list[int]) -> int | None:
        """A row's amount: its seconds at the rate, rounded once (or, with the billing
        rounding variant, the sum of each entry's rounded-up amount)."""
        if rate is None:
            return None
        step = self.ctx.limits.reports_billing_rounding_minutes * 60
        if step <= 0:
            return round(sum(seconds) * rate / 3600)
        return sum(round(-(-s // step) * step * rate / 3600) for s in seconds)

    # -- totals ----------------------------------------------------------------------------------

    async def totals(self, request: web.Request) -> web.Response:
        """``{seconds, rates, graph, resolution, ...}`` for the detailed report's filters."""
        ws = self._workspace(request)
        body = body_object(request)
        query = self._query(ws, body)
        resolution = self._resolution(body, query)
        data = self.ctx.cached(
            ("totals", query, resolution), lambda: self._totals(ws, query, resolution)
        )
        return ok(data, self._range_headers(query))

    @staticmethod
    def _resolution(body: JSONDict, query: Query) -> str:
        chosen = body.get("granularity") or body.get("resolution")
        if chosen is not None:
            if chosen not in ("day", "week", "month"):
                raise ApiError(
                    400, "Invalid 'granularity' value, allowed values are: 'day', 'week', 'month'"
                )
            return str(chosen)
        days = (query.last - query.first).days + 1
        return "day" if days <= 31 else "week" if days <= 183 else "month"

    def _totals(self, ws: JSONDict, query: Query, resolution: str) -> JSONDict:
        index, zone = self.ctx.account.index(), self.ctx.zone()
        local_day = _LocalDays(zone)
        buckets = _Buckets(query.first, query.last, resolution)
        graph: list[JSONDict] = [
            {"seconds": 0, "by_rate": {} if ws["premium"] else None} for _ in range(len(buckets))
        ]
        rates: dict[tuple[int, str], int] = {}
        days: set[date] = set()
        total = amount = 0
        for ref in self._refs(query):
            r = self.store.row(ref)
            day = local_day(r.start)
            days.add(day)
            total += r.duration
            slot = graph[buckets.index(day)]
            slot["seconds"] += r.duration
            project = index.projects.get(r.project_id or 0)
            rate = _rate_cents(ws, project, r.billable)
            if rate is not None:
                rates[(rate, _currency(ws, project))] = (
                    rates.get((rate, _currency(ws, project)), 0) + r.duration
                )
                slot["by_rate"][str(rate)] = slot["by_rate"].get(str(rate), 0) + r.duration
                amount += self._amount(rate, [r.duration]) or 0
        return {
            "seconds": total,
            "rates": [
                {"billable_seconds": s, "currency": cur, "hourly_rate_in_cents": rate}
                for (rate, cur), s in sorted(rates.items())
            ],
            "graph": graph,
            "resolution": resolution,
            "billable_amount_in_cents": amount if ws["premium"] else None,
            "labour_cost_in_cents": None,
            "tracked_days": len(days),
        }

    # -- summary ---------------------------------------------------------------------------------

    async def summary(self, request: web.Request) -> web.Response:
        """``{"groups": [{id, sub_groups: [{id, title, seconds, ...}]}]}`` as recorded."""
        ws = self._workspace(request)
        body = body_object(request)
        query = self._query(ws, body)
        grouping = body.get("grouping") or "projects"
        if grouping not in _GROUPINGS:
            allowed = "', '".join(_GROUPINGS)
            raise ApiError(400, f"Invalid 'grouping' value, allowed values are: '{allowed}'")
        sub = body.get("sub_grouping") or "time_entries"
        if sub not in _SUB_GROUPINGS or sub == grouping:
            allowed = "', '".join(s for s in _SUB_GROUPINGS if s != grouping)
            raise ApiError(400, f"Invalid 'sub_grouping' value, allowed values are: '{allowed}'")
        data = self.ctx.cached(
            ("summary", query, grouping, sub), lambda: self._summary(query, str(grouping), str(sub))
        )
        return ok(data, self._range_headers(query))

    def _summary(self, query: Query, grouping: str, sub: str) -> JSONDict:
        index, zone = self.ctx.account.index(), self.ctx.zone()
        tree: dict[int | None, dict[Any, list[TERow]]] = {}
        for ref in self._refs(query):
            r = self.store.row(ref)
            group = _group_id(index, r, grouping)
            tree.setdefault(group, {}).setdefault(_sub_key(index, r, sub), []).append(r)
        groups = []
        for group_id in sorted(tree, key=lambda g: (g is None, g or 0)):
            subs = tree[group_id]
            items = [
                self._sub_group(index, zone, grouping, sub, key, rows)
                for key, rows in sorted(subs.items(), key=lambda kv: (kv[0] is None, str(kv[0])))
            ]
            entry: JSONDict = {"id": group_id, "sub_groups": items}
            if grouping == "projects":
                entry.update(_project_colors(index, group_id))
            groups.append(entry)
        return {"groups": groups}

    def _sub_group(
        self,
        index: Index,
        zone: tzinfo,
        grouping: str,
        sub: str,
        key: Any,
        rows: list[TERow],
    ) -> JSONDict:
        seconds = sum(r.duration for r in rows)
        if sub != "time_entries":
            return {"id": key, "title": _title(index, sub, key), "seconds": seconds}
        earliest = min(r.start for r in rows)
        return {
            "id": None,
            "title": key,
            "seconds": seconds,
            # Recorded quirk: the local wall-clock time, but suffixed with "Z".
            "local_start": datetime.fromtimestamp(earliest, zone).strftime("%Y-%m-%dT%H:%M:%SZ"),
            **_project_colors(index, rows[0].project_id),
            "ForExport": False,
            "DistinguishRates": False,
            "Grouping": grouping,
            "SubGrouping": sub,
        }


class _LocalDays:
    """Local calendar day of an epoch, caching the zone offset per hour."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self.offsets: dict[int, int] = {}

    def __call__(self, ts: int) -> date:
        hour = ts // 3600
        offset = self.offsets.get(hour)
        if offset is None:
            delta = datetime.fromtimestamp(ts, self.zone).utcoffset()
            offset = self.offsets[hour] = int(delta.total_seconds()) if delta else 0
        return datetime.fromtimestamp(ts + offset, UTC).date()


class _Buckets:
    """Graph buckets of a totals report: days, 7-day weeks from the start, or months."""

    def __init__(self, first: date, last: date, resolution: str) -> None:
        self.first, self.resolution = first, resolution
        self.count = self.index(last) + 1

    def __len__(self) -> int:
        return self.count

    def index(self, day: date) -> int:
        if self.resolution == "day":
            return (day - self.first).days
        if self.resolution == "week":
            return (day - self.first).days // 7
        return (day.year - self.first.year) * 12 + day.month - self.first.month


def _member_check(
    field: Callable[[TERow], int | None], allowed: frozenset[int | None]
) -> Callable[[TERow], bool]:
    return lambda row: field(row) in allowed


def _value_checks(f: Filters) -> list[Callable[[TERow], bool]]:
    """Checks for description (contains), billable and duration bounds."""
    checks: list[Callable[[TERow], bool]] = []
    description, billable = f.description, f.billable
    low, high = f.min_duration_seconds, f.max_duration_seconds
    if description is not None:
        needle = description.casefold()
        checks.append(lambda r: needle in (r.description or "").casefold())
    if billable is not None:
        checks.append(lambda r: r.billable == billable)
    if low is not None:
        checks.append(lambda r: r.duration >= low)
    if high is not None:
        checks.append(lambda r: r.duration <= high)
    return checks


def _client_of(index: Index, project_id: int | None) -> int | None:
    project = index.projects.get(project_id or 0)
    return None if project is None else project["client_id"]


def _rate_cents(ws: JSONDict, project: JSONDict | None, billable: bool) -> int | None:
    """Hourly rate in cents for a billable entry in a premium workspace, else None."""
    if not billable or not ws["premium"]:
        return None
    rate = (project or {}).get("rate") or ws.get("default_hourly_rate")
    return None if rate is None else round(float(rate) * 100)


def _currency(ws: JSONDict, project: JSONDict | None) -> str:
    return str((project or {}).get("currency") or ws.get("default_currency") or "USD")


def _group_id(index: Index, row: TERow, grouping: str) -> int | None:
    if grouping == "projects":
        return row.project_id
    if grouping == "clients":
        return _client_of(index, row.project_id)
    return row.user_id


def _sub_key(index: Index, row: TERow, sub: str) -> Any:
    if sub == "time_entries":
        return row.description or ""
    if sub == "tasks":
        return row.task_id
    return _group_id(index, row, sub)


def _title(index: Index, sub: str, key: Any) -> str | None:
    if key is None:
        return None
    table = {
        "projects": index.projects,
        "clients": index.clients,
        "users": index.users,
        "tasks": index.tasks,
    }[sub]
    item = table.get(key)
    if item is None:
        return None
    return str(item.get("fullname") or item.get("name"))


def _project_colors(index: Index, project_id: int | None) -> JSONDict:
    project = index.projects.get(project_id or 0)
    return {
        "project_color": "0",
        "project_hex_color": None if project is None else project["color"],
    }

"""Request context, error handling and parameter parsing shared by the sandbox's routes."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from aiohttp import web

from ._util import JSONDict, dumps, load_zone, loads
from .data import Account, is_deleted

__all__ = [
    "JSON_TYPE",
    "RAW_BODY",
    "ApiError",
    "Context",
    "Credentials",
    "Limits",
    "body_json",
    "body_object",
    "empty",
    "error",
    "has_body",
    "ok",
    "q_bool",
    "q_choice",
    "q_ids",
    "q_int",
    "raw",
]

JSON_TYPE = "application/json; charset=utf-8"
RAW_BODY = web.RequestKey("raw_body", bytes)


class ApiError(Exception):
    """Raised by handlers; becomes a JSON-string error body, as Toggl sends them."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Credentials:
    """What the sandbox accepts; PUT /me may change the email and password."""

    api_token: str
    email: str
    password: str
    focus_api_key: str


@dataclass(frozen=True)
class Limits:
    """Server-side limits that mirror (or shrink, for tests) the real API's."""

    reports_max_page_size: int = 50
    reports_max_range_days: int = 366
    #: What a longer Reports range gets: ``"reject"`` (400, the sandbox's invention) or
    #: ``"shorten"`` (cut to ``reports_max_range_days`` from ``start_date`` and reported in
    #: ``X-Range-Start``/``X-Range-End``, as Toggl documents those headers).
    reports_long_range: str = "reject"
    me_time_entries_max_days: int = 90
    me_time_entries_limit: int = 1000
    #: A variant, not a fidelity claim: Reports bills each entry's seconds rounded up to
    #: this many minutes (0: exact seconds), and a grouped row's amount is the sum of its
    #: entries' amounts. Makes amounts derived from seconds and the rate disagree.
    reports_billing_rounding_minutes: int = 0
    #: Null every field the specification marks nullable (see ``_nulls``).
    null_optional: bool = False


class Context:
    """Everything a handler needs: the account, the clock, limits and a response cache."""

    def __init__(self, account: Account, limits: Limits, credentials: Credentials) -> None:
        self.account = account
        self.limits = limits
        self.credentials = credentials
        self.quota_view: Callable[[web.Request], list[JSONDict]] = lambda request: []
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()

    # -- time --------------------------------------------------------------------------------

    def now(self) -> int:
        """Sandbox time in epoch seconds: the account's "now", advancing with the wall clock."""
        return int(time.time() + self.account.clock_skew)

    def now_dt(self) -> datetime:
        """Sandbox time as an aware datetime (microseconds kept, for ``at`` stamps)."""
        return datetime.fromtimestamp(time.time() + self.account.clock_skew, UTC)

    def zone(self) -> tzinfo:
        """The sandbox user's timezone (Reports show times in it)."""
        return load_zone(str(self.account.me.get("timezone") or "UTC"))

    # -- caching -----------------------------------------------------------------------------

    def cached(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """Memoize ``build()`` until the account or its time entries change."""
        full = (key, self.account.index().signature, self.account.time_entries.version)
        try:
            value = self._cache[full]
        except KeyError:
            value = build()
            self._cache[full] = value
            if len(self._cache) > 256:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(full)
        return value

    def changed(self) -> None:
        """Call after mutating account entities (not needed for time entries)."""
        self.account.touch()

    # -- lookups ---------------------------------------------------------------------------------

    def workspace(self, request: web.Request) -> JSONDict:
        """The path's workspace; 403 as Toggl answers for workspaces you cannot see."""
        wid = int(request.match_info["wid"])
        workspace = self.account.index().workspaces.get(wid)
        if workspace is None or is_deleted(workspace):
            raise ApiError(403, "User does not have access to this resource.")
        return workspace

    def member_ids(self, workspace_id: int) -> set[int]:
        """Ids of the workspace's users."""
        return {u["id"] for u in self.account.workspace_users.get(workspace_id, [])}


# -- responses --------------------------------------------------------------------------------


def raw(body: bytes, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    """A JSON response from already-serialized bytes."""
    response = web.Response(body=body, status=status, headers={"Content-Type": JSON_TYPE})
    if headers:
        response.headers.update(headers)
    return response


def ok(data: Any, headers: Mapping[str, str] | None = None) -> web.Response:
    """200 with ``data`` as compact JSON."""
    return raw(dumps(data), 200, headers)


def empty() -> web.Response:
    """200 with an empty body but a JSON content type (DELETE time entry, recorded)."""
    return raw(b"")


def error(status: int, message: str) -> web.Response:
    """An error whose body is a JSON-encoded string, e.g. ``"Time entry already stopped"``."""
    return raw(dumps(message), status)


# -- request parsing ----------------------------------------------------------------------------


def has_body(request: web.Request) -> bool:
    """Whether the request carried a non-blank body."""
    return bool(request.get(RAW_BODY, b"").strip())


def body_json(request: web.Request) -> Any:
    """The parsed request body; 400 when it is missing or not JSON."""
    data: bytes = request.get(RAW_BODY, b"")
    if not data.strip():
        raise ApiError(400, "Invalid JSON input")
    try:
        return loads(data)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "Invalid JSON input") from None


def body_object(request: web.Request) -> JSONDict:
    """The request body, which must be a JSON object."""
    value = body_json(request)
    if not isinstance(value, dict):
        raise ApiError(400, "Invalid JSON input")
    return value


def _param(request: web.Request, name: str) -> str | None:
    value = request.query.get(name)
    return None if value is None or value == "" else value


def q_int(
    request: web.Request, name: str, default: int | None = None, *, minimum: int | None = None
) -> int | None:
    """An integer query parameter; 400 ``Invalid <name>`` for junk like ``per_page=abc``."""
    value = _param(request, name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ApiError(400, f"Invalid {name}") from None
    if minimum is not None and number < minimum:
        raise ApiError(400, f"Invalid {name}")
    return number


def q_bool(request: web.Request, name: str, default: bool = False) -> bool:
    """A ``true``/``false`` query parameter (Toggl rejects other spellings with 400)."""
    value = _param(request, name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ApiError(400, f"Invalid {name}")


def q_choice(request: web.Request, name: str, choices: tuple[str, ...], default: str) -> str:
    """A query parameter restricted to ``choices`` (case-insensitive)."""
    value = _param(request, name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered not in choices:
        raise ApiError(400, f"Invalid {name}")
    return lowered


def q_ids(request: web.Request, name: str) -> list[int] | None:
    """Ids given as ``a,b,c`` and/or repeated parameters; None when absent."""
    values = request.query.getall(name, [])
    if not values:
        return None
    ids: list[int] = []
    try:
        for value in values:
            ids.extend(int(part) for part in value.split(",") if part)
    except ValueError:
        raise ApiError(400, f"Invalid {name}") from None
    return ids

"""JSON and timestamp helpers shared by the sandbox modules.

Self-contained on purpose: the sandbox must not borrow the client's JSON or date code, so a
formatting bug in the client cannot be mirrored here and pass unnoticed.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "JSONDict",
    "day_bounds",
    "go_time_error",
    "dumps",
    "iso_local",
    "iso_micro_z",
    "iso_utc",
    "iso_z",
    "load_zone",
    "loads",
    "parse_date",
    "parse_instant",
    "parse_rfc3339",
]

JSONDict = dict[str, Any]

try:  # orjson is the project's optional "fast" extra; the sandbox runs without it too
    import orjson

    def dumps(value: Any) -> bytes:
        """Compact UTF-8 JSON, like the real API (no spaces, non-ASCII kept)."""
        return orjson.dumps(value)

    def loads(data: bytes | str) -> Any:
        """Parse JSON; raises ValueError on malformed input."""
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise ValueError(str(exc)) from None

except ImportError:  # pragma: no cover - exercised only without orjson
    _encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

    def dumps(value: Any) -> bytes:
        """Compact UTF-8 JSON, like the real API (no spaces, non-ASCII kept)."""
        return _encoder.encode(value).encode()

    def loads(data: bytes | str) -> Any:
        """Parse JSON; raises ValueError on malformed input."""
        return json.loads(data)


_HOURS_MINUTES = [f"T{h:02d}:{m:02d}:" for h in range(24) for m in range(60)]
_SECONDS = [f"{s:02d}" for s in range(60)]
_DAYS: dict[int, str] = {}


def _stamp(ts: int) -> str:
    """``YYYY-MM-DDTHH:MM:SS`` in UTC from lookup tables: rendering thousands of entries a
    request is the sandbox's hottest path, and this is ~4x faster than strftime."""
    day, second = divmod(ts, 86_400)
    date_part = _DAYS.get(day)
    if date_part is None:
        date_part = _DAYS[day] = time.strftime("%Y-%m-%d", time.gmtime(day * 86_400))
    return date_part + _HOURS_MINUTES[second // 60] + _SECONDS[second % 60]


def iso_utc(ts: int) -> str:
    """``2024-04-25T03:21:13+00:00``: how Track lists time entries and ``at`` fields."""
    return _stamp(ts) + "+00:00"


def iso_z(ts: int) -> str:
    """``2024-04-25T03:21:13Z``: how Track echoes start/stop after a create, update or stop."""
    return _stamp(ts) + "Z"


def iso_micro_z(moment: datetime) -> str:
    """``2024-04-13T20:04:48.278682Z``: users, organizations and tags carry microseconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_local(ts: int, zone: tzinfo) -> str:
    """``2023-12-08T00:00:00-08:00``: Reports rows use the user's timezone offset."""
    return datetime.fromtimestamp(ts, zone).isoformat()


def load_zone(name: str) -> tzinfo:
    """The named zone, or UTC when the system has no tz database (never fail a request)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def parse_date(text: object) -> date | None:
    """A strict ``YYYY-MM-DD`` date, or None when the value is not one."""
    if not isinstance(text, str) or len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


#: What Go's ``time.Parse(time.RFC3339, ...)`` accepts (Toggl is written in Go): seconds are
#: required, fractions optional, and the zone is ``Z`` or ``+HH:MM``/``-HH:MM``. So
#: ``...T00:00Z``, ``...T00Z``, ``20261101T000000Z`` and ``+0000`` are all refused.
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})", re.ASCII
)
GO_RFC3339_LAYOUT = "2006-01-02T15:04:05Z07:00"


def parse_rfc3339(text: object) -> int | None:
    """Epoch seconds of a strict RFC 3339 timestamp, or None when it is not one."""
    if not isinstance(text, str) or _RFC3339.fullmatch(text) is None:
        return None
    whole = text[:19] + ("+00:00" if text[-1] == "Z" else text[-6:])  # fractions: floor
    try:
        moment = datetime.fromisoformat(whole)
    except ValueError:  # month 13, hour 25, offset +25:00 ...
        return None
    return int(moment.timestamp())


def parse_instant(text: object) -> tuple[int, bool] | None:
    """A strict RFC 3339 timestamp or a date (midnight UTC) as (epoch seconds, was_date_only)."""
    day = parse_date(text)
    if day is not None:
        return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()), True
    seconds = parse_rfc3339(text)
    return None if seconds is None else (seconds, False)


def go_time_error(text: object) -> str:
    """How Go words a refused timestamp (``parsing time "..." as "2006-01-02T15:04:05Z07:00"``)."""
    return f'parsing time "{text}" as "{GO_RFC3339_LAYOUT}"'


def day_bounds(first: date, last: date, zone: tzinfo) -> tuple[int, int]:
    """Epoch range [local midnight of ``first``, local midnight after ``last``)."""
    lo = datetime(first.year, first.month, first.day, tzinfo=zone)
    hi = datetime(last.year, last.month, last.day, tzinfo=zone)
    return int(lo.timestamp()), int(hi.timestamp()) + 86400  # never a date past date.max

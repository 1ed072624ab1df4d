"""Checking and encoding what callers pass, before anything is sent.

Validation is strict on the way out (a clear ``TypeError``/``ValueError`` naming the argument
beats a 400 from Toggl after a spent request) and lenient on the way in (the converter).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

__all__ = [
    "MAX_ID",
    "as_date",
    "check_duration",
    "check_id",
    "check_ids",
    "check_positive",
    "encode_query",
    "flag",
    "rfc3339",
    "unix_seconds",
]

Since = datetime | int

MAX_ID = 2**63 - 1
"""Toggl's ids are 64-bit signed integers."""


def _plain_int(name: str, value: object, what: str) -> int:
    """``value`` as an exact ``int``: a subclass's ``__format__``/``__str__``/``__int__``
    must not decide what goes into a URL or a body (``int.__int__`` copies the value)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be {what}, got {type(value).__name__} {value!r}")
    return int.__int__(value)


def check_id(name: str, value: object) -> int:
    """A Toggl id: a positive 64-bit int (bools and numeric strings are refused, not guessed).

    Returns a plain ``int``; callers put the returned value, not theirs, into paths.
    """
    number = _plain_int(name, value, "an int id")
    if number <= 0:
        raise ValueError(f"{name} must be a positive id, got {number}")
    if number > MAX_ID:
        raise ValueError(f"{name} is larger than any Toggl id (at most 2**63 - 1), got {number}")
    return number


def check_duration(name: str, value: object) -> int:
    """Seconds that fit Toggl's 64-bit duration (negative means "running")."""
    number = _plain_int(name, value, "an int of seconds")
    if not -MAX_ID <= number <= MAX_ID:
        raise ValueError(f"{name} is out of range for a duration in seconds, got {number}")
    return number


def check_ids(name: str, values: Iterable[object], *, limit: int | None = None) -> list[int]:
    """A non-empty list of ids, within Toggl's per-call ``limit`` when there is one."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a list of int ids, got {type(values).__name__}")
    ids = [check_id(f"{name}[{i}]", v) for i, v in enumerate(values)]
    if not ids:
        raise ValueError(f"{name} must not be empty")
    if limit is not None and len(ids) > limit:
        raise ValueError(
            f"{name} has {len(ids)} ids but Toggl accepts at most {limit} per call; split it"
        )
    return ids


def check_positive(name: str, value: object, *, maximum: int | None = None) -> int:
    """A count such as ``per_page``, as a plain ``int``."""
    number = _plain_int(name, value, "an int")
    if number <= 0:
        raise ValueError(f"{name} must be at least 1, got {number}")
    if maximum is not None and number > maximum:
        raise ValueError(f"{name} must be at most {maximum} (Toggl's limit), got {number}")
    if number > MAX_ID:
        raise ValueError(f"{name} is out of range, got {number}")
    return number


def flag(value: bool) -> bool | None:
    """Toggl's boolean flags default to false: send them only when set."""
    return True if value else None


def unix_seconds(name: str, value: Since) -> int:
    """``since`` parameters: an aware datetime or UNIX seconds."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(
                f"{name} must be timezone-aware (e.g. datetime.now(timezone.utc)), got {value!r}"
            )
        try:
            seconds = int(value.timestamp())
        except (OverflowError, ValueError, OSError):
            seconds = -1
        if seconds < 0:
            raise ValueError(f"{name} must not be before 1970 (UNIX time 0), got {value!r}")
        return seconds
    number = _plain_int(name, value, "an aware datetime or UNIX seconds")
    if not 0 <= number <= MAX_ID:
        raise ValueError(f"{name} must be UNIX seconds between 0 and 2**63 - 1, got {number}")
    return number


def rfc3339(name: str, value: datetime | date | str) -> str:
    """Dates as ``YYYY-MM-DD``, datetimes as RFC 3339 with seconds and an offset."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{name} must be timezone-aware, got {value!r}")
        try:
            utc = value.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValueError(
                f"{name} falls outside the years 1-9999 once converted to UTC: {value!r}"
            ) from None
        return datetime.isoformat(utc.replace(microsecond=0)).replace("+00:00", "Z")
    if isinstance(value, date):
        return date.isoformat(value)  # date's own method: a subclass cannot change it
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{name} must be YYYY-MM-DD or RFC 3339, got {value!r}") from None
        if len(value) > 10:
            return rfc3339(name, parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))
        return date.isoformat(parsed.date())
    raise TypeError(f"{name} must be a date, an aware datetime or an ISO string, got {value!r}")


def as_date(name: str, value: date | str) -> date:
    """A calendar day: a ``date`` or ``"YYYY-MM-DD"`` (a datetime is refused: which day?)."""
    if isinstance(value, datetime):
        raise ValueError(f"{name} must be a date, not a datetime; pass {name}.date()")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{name} must be a date or 'YYYY-MM-DD', got {value!r}")


def encode_query(params: Mapping[str, Any]) -> dict[str, str]:
    """Drop ``None``; booleans as ``true``/``false``; lists comma-joined; the rest as text.

    Numbers and strings are written by the base types' own methods, so a subclass with a
    custom ``__str__``/``__format__`` cannot change what is sent.
    """
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            out[key] = ",".join(_text(v) for v in value)
        else:
            out[key] = _text(value)
    return out


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return float.__repr__(value)
    if isinstance(value, str):
        return str.__str__(value)
    return str(value)

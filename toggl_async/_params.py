"""Checking and encoding what callers pass, before anything is sent.

Validation is strict on the way out (a clear ``TypeError``/``ValueError`` naming the argument
beats a 400 from Toggl after a spent request) and lenient on the way in (the converter).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

__all__ = [
    "as_date",
    "check_id",
    "check_ids",
    "encode_query",
    "flag",
    "rfc3339",
    "unix_seconds",
]

Since = datetime | int


def check_id(name: str, value: object) -> int:
    """A Toggl id: a positive int (bools and numeric strings are refused, not guessed)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int id, got {type(value).__name__} {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive id, got {value}")
    return value


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
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be at least 1, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum} (Toggl's limit), got {value}")
    return value


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
        return int(value.timestamp())
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an aware datetime or UNIX seconds, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


def rfc3339(name: str, value: datetime | date | str) -> str:
    """Dates as ``YYYY-MM-DD``, datetimes as RFC 3339 with seconds and an offset."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{name} must be timezone-aware, got {value!r}")
        return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{name} must be YYYY-MM-DD or RFC 3339, got {value!r}") from None
        if len(value) > 10:
            return rfc3339(name, parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))
        return value
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
    """Drop ``None``; booleans as ``true``/``false``; lists comma-joined; the rest ``str()``."""
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, list | tuple):
            out[key] = ",".join(str(v) for v in value)
        else:
            out[key] = str(value)
    return out

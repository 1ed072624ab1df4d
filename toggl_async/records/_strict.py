"""Strict value checks: a JSON value becomes a field's type only when that keeps its meaning.

Records are lenient about *which* fields arrive (extra ones land in ``extra``, missing
optional ones are None) and never about *what* arrives: ``"false"`` is not a boolean, ``1.9``
is not an id, ``{}`` is not a list and an object is not a string. Each check here either
returns the value (converted only where nothing is lost: an integral ``3.0`` for an int, an
int for a float) or raises :class:`ShapeError`, which says what was expected and what came,
by JSON type and never by content (a wrong-typed value may be a misplaced secret).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

__all__ = [
    "ShapeError",
    "check_bool",
    "check_date",
    "check_datetime",
    "check_float",
    "check_int",
    "check_str",
    "json_type",
]


class ShapeError(ValueError):
    """A value of the wrong JSON shape.

    ``where`` grows as the error rises out of nested records and lists, so the message reads
    ``Me.projects: item 3: Project.active: expected true or false, got a string``.
    """

    def __init__(self, problem: str, where: tuple[str, ...] = ()) -> None:
        super().__init__(problem)
        self.problem = problem
        self.where = where

    def inside(self, place: str) -> ShapeError:
        """The same error, one level further out (``Record.field`` or ``item N``)."""
        return ShapeError(self.problem, (place, *self.where))

    def __str__(self) -> str:
        return ": ".join((*self.where, self.problem))


def json_type(value: Any) -> str:
    """What a value is, in JSON terms, never what it says (it may be a misplaced secret)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number" if value.is_integer() else "a number with a fraction"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return f"a Python {type(value).__name__}"


def _expected(what: str, value: Any) -> ShapeError:
    return ShapeError(f"expected {what}, got {json_type(value)}")


def check_int(value: Any, _: Any = None) -> int:
    """An int; an integral float (``3.0``) is the same number. Never a bool or a string."""
    if type(value) is int:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _expected("an integer", value)


def check_float(value: Any, _: Any = None) -> float:
    """A float; any JSON number. No recording sends a number as a string, so none is taken."""
    if type(value) is float:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise _expected("a number", value)


def check_bool(value: Any, _: Any = None) -> bool:
    """Only ``true`` or ``false``: ``"false"`` or ``0`` would silently flip or guess."""
    if value is True or value is False:
        return bool(value)
    raise _expected("true or false", value)


def check_str(value: Any, _: Any = None) -> str:
    """Only a string: the text form of an object or a number is not the value Toggl meant."""
    if isinstance(value, str):
        return str(value)
    raise _expected("a string", value)


def check_datetime(value: Any, _: Any = None) -> datetime:
    """An ISO 8601 timestamp (naive means UTC) or Unix seconds; always timezone-aware."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ShapeError(
                "expected an ISO 8601 timestamp, got a string that is not one"
            ) from None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise ShapeError(
                f"expected a timestamp, got {json_type(value)} (out of range)"
            ) from None
    raise _expected("an ISO 8601 timestamp", value)


def check_date(value: Any, _: Any = None) -> date:
    """A ``YYYY-MM-DD`` date (a longer timestamp string keeps its date part)."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            raise ShapeError("expected a YYYY-MM-DD date, got a string that is not one") from None
    raise _expected("a YYYY-MM-DD date", value)


SCALAR_CHECKS: dict[type, Callable[[Any, Any], Any]] = {
    int: check_int,
    float: check_float,
    bool: check_bool,
    str: check_str,
    datetime: check_datetime,
    date: check_date,
}
"""The check for each scalar field type, registered as the converter's hooks."""

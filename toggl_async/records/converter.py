"""The one cattrs converter: JSON-shaped data <-> records, lenient on input.

Structure functions are generated once per record class (cattrs' code generation, not
reflection per call), because decoding is the hot path of every export. Unknown keys are
collected into ``Record.extra``; renamed API fields (``canSeeRates``) are mapped here and
nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ..errors import DecodeError
from ._base import Record

__all__ = ["converter", "structure", "to_dict"]

T = TypeVar("T")

_EXTRA_KEY = "\x00extra"
"""Where the hook stashes unknown keys for cattrs to pass into ``extra``; no API key is this."""

RENAMES: dict[str, str] = {"can_see_rates": "canSeeRates"}
"""Python field name -> API key, for the few API names that are not snake_case."""

converter = cattrs.Converter(detailed_validation=False)


def _structure_datetime(value: Any, _: type) -> datetime:
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    else:
        raise TypeError(f"expected an ISO 8601 timestamp, got {value!r}")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _structure_date(value: Any, _: type) -> date:
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    raise TypeError(f"expected a YYYY-MM-DD date, got {value!r}")


def _passthrough(value: Any, _: type) -> Any:
    return value


converter.register_structure_hook(datetime, _structure_datetime)
converter.register_structure_hook(date, _structure_date)
converter.register_unstructure_hook(datetime, datetime.isoformat)
converter.register_unstructure_hook(date, date.isoformat)


def _api_name(field: attrs.Attribute[Any]) -> str:
    return RENAMES.get(field.name, field.name)


def _make_record_hook(cls: type[Record]) -> Callable[[Any, type], Record]:
    fields = [f for f in attrs.fields(cls) if f.name != "extra"]
    overrides = {f.name: override(rename=_api_name(f)) for f in fields if f.name in RENAMES}
    overrides["extra"] = override(rename=_EXTRA_KEY, struct_hook=_passthrough)
    generated = make_dict_structure_fn(cls, converter, **overrides)  # type: ignore[arg-type]
    known = frozenset(_api_name(f) for f in fields)
    name = cls.__name__

    def structure_record(data: Any, _: type) -> Record:
        if not isinstance(data, dict):
            raise TypeError(f"expected a JSON object for {name}, got {type(data).__name__}")
        unknown = data.keys() - known
        if unknown:
            extra = MappingProxyType({k: v for k, v in data.items() if k in unknown})
            data = {**data, _EXTRA_KEY: extra}
        return generated(data, cls)

    return structure_record


def _make_record_unstructure(cls: type[Record]) -> Callable[[Record], dict[str, Any]]:
    overrides = {
        f.name: override(rename=_api_name(f)) for f in attrs.fields(cls) if f.name in RENAMES
    }
    overrides["extra"] = override(omit=True)
    generated = make_dict_unstructure_fn(cls, converter, **overrides)  # type: ignore[arg-type]

    def unstructure_record(record: Record) -> dict[str, Any]:
        out = generated(record)
        if record.extra:
            for key, value in record.extra.items():
                out.setdefault(key, value)
        return out

    return unstructure_record


converter.register_structure_hook_factory(
    lambda cls: isinstance(cls, type) and issubclass(cls, Record), _make_record_hook
)
converter.register_unstructure_hook_factory(
    lambda cls: isinstance(cls, type) and issubclass(cls, Record), _make_record_unstructure
)


def structure(data: Any, into: type[T], *, method: str = "", url: str = "") -> T:
    """Build ``into`` from parsed JSON, or raise :class:`DecodeError` saying what was wrong."""
    try:
        return converter.structure(data, into)
    except Exception as exc:  # cattrs raises many kinds; all mean "not the promised shape"
        where = f"{method} {url} " if url else ""
        shown = getattr(into, "__name__", None) or str(into)
        raise DecodeError(
            f"{where}returned data that does not fit {shown}: {type(exc).__name__}: {exc}",
            method=method,
            url=url,
        ) from exc


def to_dict(record: Record) -> dict[str, Any]:
    """A record as a JSON-ready dict with the API's key names, ``extra`` merged back in."""
    result: dict[str, Any] = converter.unstructure(record)
    return result

"""The one cattrs converter: JSON-shaped data <-> records, lenient on input.

Structure functions are generated once per record class (straight-line code, not
reflection per call), because decoding is the hot path of every export. Unknown keys are
collected into ``Record.extra``; renamed API fields (``canSeeRates``) are mapped here and
nowhere else.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn, override

from ..errors import DecodeError
from ._base import EMPTY, Record

__all__ = ["converter", "structure", "to_dict"]

T = TypeVar("T")

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


converter.register_structure_hook(datetime, _structure_datetime)
converter.register_structure_hook(date, _structure_date)
converter.register_unstructure_hook(datetime, datetime.isoformat)
converter.register_unstructure_hook(date, date.isoformat)


def _api_name(field: attrs.Attribute[Any]) -> str:
    return RENAMES.get(field.name, field.name)


def _make_record_hook(cls: type[Record]) -> Callable[[Any, type], Record]:
    """A structure function for one record class, generated as straight-line Python.

    Decoding is the hot path of every listing, so instead of cattrs' per-field hook calls
    this emits, per field, one dict lookup and a type check that keeps values already of
    the declared type (what the JSON parser produced); anything else goes through the
    converter's hook for that type, exactly as cattrs would (``"12.5"`` -> 12.5, a bad
    value -> the same exception). Unknown keys land in ``extra``.
    """
    attrs.resolve_types(cls)
    fields = [f for f in attrs.fields(cls) if f.name != "extra"]
    known = frozenset(_api_name(f) for f in fields)
    name = cls.__name__
    ns: dict[str, Any] = {
        "cls": cls,
        "known": known,
        "EMPTY": EMPTY,
        "MISSING": _MISSING,
        "MappingProxyType": MappingProxyType,
        "fromisoformat": datetime.fromisoformat,
        "UTC": UTC,
        "not_an_object": f"expected a JSON object for {name}, got %s",
    }
    lines = [
        "def structure_record(d, _):",
        "    if type(d) is not dict and not isinstance(d, dict):",
        "        raise TypeError(not_an_object % type(d).__name__)",
        "    extra = EMPTY",
        "    if not known.issuperset(d):",
        "        extra = MappingProxyType({k: v for k, v in d.items() if k not in known})",
        "    g = d.get",
    ]
    builder = _builder_for(cls, fields)
    if builder is None:
        for i, f in enumerate(fields):
            lines += _field_code(i, f, f"a{i}", ns)
        kwargs = ", ".join(["extra=extra", *(f"{f.name}=a{i}" for i, f in enumerate(fields))])
        lines.append(f"    return cls({kwargs})")
    else:
        # Values go straight into the slots of a builder object (see _builder_for).
        ns["new"], ns["builder"] = object.__new__, builder
        lines += ["    o = new(builder)", "    o.extra = extra"]
        for i, f in enumerate(fields):
            lines += _field_code(i, f, f"o.{f.name}", ns)
        lines += ["    o.__class__ = cls", "    return o"]
    exec(compile("\n".join(lines), f"<toggl_async structure {name}>", "exec"), ns)
    hook: Callable[[Any, type], Record] = ns["structure_record"]
    return hook


_MISSING = object()
_SCALARS = (int, str, float, bool)


def _field_code(i: int, field: attrs.Attribute[Any], out: str, ns: dict[str, Any]) -> list[str]:
    """Lines that store field ``i``'s structured value in ``out`` (a local or a slot)."""
    key = _api_name(field)
    optional, inner = _unwrap_optional(field.type)
    default = field.default
    guard: list[str] = []
    if default is attrs.NOTHING:
        fetch = [f"    v = d[{key!r}]"]
    elif default is None and (optional or field.type is Any):
        fetch = [f"    v = g({key!r})"]
    elif isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        # A fresh value per record, as attrs would make it (not the Factory object itself).
        made: Any = default
        if made.takes_self:
            raise TypeError(f"{field.name}: Factory(takes_self=True) defaults are not supported")
        ns[f"factory{i}"] = made.factory
        fetch = [f"    v = g({key!r}, MISSING)"]
        guard = [f"    if v is MISSING: {out} = factory{i}()", "    else:"]
    else:
        ns[f"default{i}"] = default
        fetch = [f"    v = g({key!r}, MISSING)"]
        guard = [f"    if v is MISSING: {out} = default{i}", "    else:"]
    indent = "        " if guard else "    "
    none_ok = " or v is None" if optional else ""
    none_check = "v is None" if optional else "False"
    if field.type is Any:
        body = [f"{out} = v"]
    elif inner in _SCALARS:
        ns[f"t{i}"], ns[f"h{i}"] = inner, converter.get_structure_hook(inner)
        body = [f"{out} = v if type(v) is t{i}{none_ok} else h{i}(v, t{i})"]
    elif inner is datetime and converter.get_structure_hook(datetime) is _structure_datetime:
        ns[f"h{i}"] = _structure_datetime
        body = [
            "if type(v) is str:",
            "    v = fromisoformat(v)",
            f"    {out} = v if v.tzinfo is not None else v.replace(tzinfo=UTC)",
            f"elif {none_check}: {out} = None",
            f"else: {out} = h{i}(v, datetime)",
        ]
        ns["datetime"] = datetime
    elif typing.get_origin(inner) is list and typing.get_args(inner)[0] in _SCALARS:
        item = typing.get_args(inner)[0]
        ns[f"t{i}"], ns[f"h{i}"] = inner, converter.get_structure_hook(inner)
        ns[f"e{i}"] = item
        body = [
            f"if {none_check}: {out} = None",
            "elif type(v) is list:",
            "    for x in v:",
            f"        if type(x) is not e{i}:",
            f"            {out} = h{i}(v, t{i})",
            "            break",
            "    else:",
            f"        {out} = v[:]",
            f"else: {out} = h{i}(v, t{i})",
        ]
    else:
        ns[f"t{i}"], ns[f"h{i}"] = inner, converter.get_structure_hook(inner)
        body = [f"{out} = v if {none_check} else h{i}(v, t{i})"]
    return fetch + guard + [indent + line for line in body]


def _unwrap_optional(annotation: Any) -> tuple[bool, Any]:
    """(True, X) for ``X | None``; (False, annotation) otherwise."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(annotation)) == 2:
            return True, args[0]
    return False, annotation


def _builder_for(cls: type[Record], fields: list[attrs.Attribute[Any]]) -> type | None:
    """A slotted twin of ``cls`` whose attributes can be assigned directly, or None.

    A frozen attrs ``__init__`` sets every field through ``object.__setattr__`` (the class
    forbids plain assignment), which costs more than all the decoding around it. The twin
    adds no state and re-enables plain slot assignment; once every field is set the
    object's class becomes ``cls``, so callers get an ordinary, frozen ``cls`` instance.
    Used only when ``__init__`` would do nothing but assign: no validators, converters,
    factories, init=False fields, hooks or extra slots; otherwise ``cls(...)`` is called.
    """
    every = attrs.fields(cls)
    if any(
        f.validator is not None
        or f.converter is not None
        or not f.init
        or isinstance(f.default, attrs.Factory)  # type: ignore[arg-type]
        or f.alias != f.name
        for f in every
    ):
        return None
    if hasattr(cls, "__attrs_pre_init__") or hasattr(cls, "__attrs_post_init__"):
        return None
    slots: set[str] = set()
    for klass in cls.__mro__[:-1]:
        if "__slots__" not in klass.__dict__:
            return None
        slots.update(klass.__dict__["__slots__"])
    if slots - {"__weakref__"} != {f.name for f in every} or len(every) != len(fields) + 1:
        return None
    builder = type(
        f"_{cls.__name__}Builder",
        (cls,),
        {
            "__slots__": (),
            "__setattr__": object.__setattr__,
            "__delattr__": object.__delattr__,
            "__module__": __name__,
        },
    )
    try:
        probe: Any = object.__new__(builder)
        probe.__class__ = cls
    except TypeError:  # pragma: no cover - only on interpreters with other layout rules
        return None
    return builder


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

"""The one cattrs converter: JSON-shaped data <-> records; lenient about fields, strict about shape.

Unknown keys are collected into ``Record.extra`` and missing optional fields are None, but a
value is never coerced into something it was not: ``{}`` is not a list, ``"false"`` not a
boolean, ``1.9`` not an id (see :mod:`._strict`). Record structure functions are generated
per class and payload shape (see :mod:`._structure`); renamed API fields (``canSeeRates``)
and the legacy short ids (``wid`` -> ``workspace_id``) are handled there and nowhere else.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn, override

from ..errors import DecodeError
from ._base import Record
from ._strict import SCALAR_CHECKS, ShapeError, json_type
from ._structure import MISS, RENAMES, Shapes, make_record_hook

__all__ = ["RENAMES", "converter", "structure", "to_dict"]

T = TypeVar("T")

converter = cattrs.Converter(detailed_validation=False)

for _type, _check in SCALAR_CHECKS.items():
    converter.register_structure_hook(_type, _check)
converter.register_unstructure_hook(datetime, datetime.isoformat)
converter.register_unstructure_hook(date, date.isoformat)


_QUALIFIER = re.compile(r"[\w.]+\.(?=\w)")  # "typing." and "toggl_async.records.track."


def _name(annotation: Any) -> str:
    """``list[Client]`` and ``int | None``, not ``list[toggl_async.records.track.Client]``."""
    if isinstance(annotation, type):
        return annotation.__name__
    return _QUALIFIER.sub("", str(annotation))


def _make_list_hook(annotation: Any) -> Callable[[Any, Any], list[Any]]:
    """A JSON array and nothing else: an object or a string is not an empty listing."""
    (item,) = typing.get_args(annotation) or (Any,)
    item_hook = converter.get_structure_hook(item) if item is not Any else None
    what = f"an array of {_name(item)}"

    table = _record_shapes.get(item) if _is_record(item) else None
    compiled: dict[Any, Callable[[Any], Any]] = table[0] if table is not None else {}
    get = compiled.get
    first_sight: Callable[[Any], Any] = table[1] if table is not None else lambda x: x

    def structure_list(value: Any, _: Any) -> list[Any]:
        if not isinstance(value, list | tuple):  # a tuple: a page a strategy sliced
            raise ShapeError(f"expected {what}, got {json_type(value)}")
        if item_hook is None:
            return list(value)
        try:
            if table is not None:  # records: the compiled function of each object's shape
                records: list[Any] = [
                    r if (r := get(len(x), first_sight)(x)) is not MISS else first_sight(x)
                    for x in value
                ]
                return records
            return [item_hook(x, item) for x in value]
        except Exception:
            for i, x in enumerate(value):  # find the culprit for the message (rare path)
                try:
                    item_hook(x, item)
                except ShapeError as found:
                    raise found.inside(f"item {i}") from None
                except Exception as other:
                    problem = f"unreadable ({type(other).__name__})"
                    raise ShapeError(problem, (f"item {i}",)) from None
            raise  # no item fails alone: structure() reports the original  # pragma: no cover

    return structure_list


def _make_dict_hook(annotation: Any) -> Callable[[Any, Any], dict[Any, Any]]:
    """A JSON object with string keys, values checked like any field."""
    _, value_type = typing.get_args(annotation) or (str, Any)
    value_hook = converter.get_structure_hook(value_type) if value_type is not Any else None

    def structure_dict(value: Any, _: Any) -> dict[Any, Any]:
        if not isinstance(value, dict):
            raise ShapeError(f"expected an object, got {json_type(value)}")
        if value_hook is None:
            return dict(value)
        out = {}
        for k, v in value.items():
            try:
                out[k] = value_hook(v, value_type)
            except ShapeError as exc:
                raise exc.inside(f"key {k!r}") from None
        return out

    return structure_dict


def _is_list(annotation: Any) -> bool:
    return annotation is list or typing.get_origin(annotation) is list


def _is_dict(annotation: Any) -> bool:
    return annotation is dict or typing.get_origin(annotation) is dict


def _is_record(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, Record)


def _make_record_unstructure(cls: type[Record]) -> Callable[[Record], dict[str, Any]]:
    overrides = {
        f.name: override(rename=RENAMES[f.name]) for f in attrs.fields(cls) if f.name in RENAMES
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


converter.register_structure_hook_factory(_is_list, _make_list_hook)
converter.register_structure_hook_factory(_is_dict, _make_dict_hook)
_record_shapes: dict[type[Record], Shapes] = {}


def _make_record_hook(cls: type[Record]) -> Callable[[Any, Any], Record]:
    hook, _record_shapes[cls] = make_record_hook(cls, converter.get_structure_hook)
    return hook


converter.register_structure_hook_factory(_is_record, _make_record_hook)
converter.register_unstructure_hook_factory(_is_record, _make_record_unstructure)


def structure(data: Any, into: type[T], *, method: str = "", url: str = "") -> T:
    """Build ``into`` from parsed JSON, or raise :class:`DecodeError` saying what was wrong."""
    hook = converter.get_structure_hook(into)  # cattrs keeps it: a dict lookup after the first
    try:
        result: T = hook(data, into)
    except Exception as exc:  # a ShapeError names the field; anything else is a shape too
        where = f"{method} {url} " if url else ""
        problem = str(exc) if isinstance(exc, ShapeError) else f"unreadable ({type(exc).__name__})"
        raise DecodeError(
            f"{where}returned data that does not fit {_name(into)}: {problem}",
            method=method,
            url=url,
        ) from None
    return result


def to_dict(record: Record) -> dict[str, Any]:
    """A record as a JSON-ready dict with the API's key names, ``extra`` merged back in."""
    result: dict[str, Any] = converter.unstructure(record)
    return result

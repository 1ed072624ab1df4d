"""Build records from parsed JSON: a generated function per record class and payload shape.

Decoding is the hot path of every listing. Toggl sends the same keys for every object of
one endpoint, so the first object of each *shape* (its set of keys) compiles a straight-line
function for that shape: it reads each key it expects (a plain subscript, no method call),
stores a value whose type is already the declared one as is, sends anything else through
the strict check of :mod:`._strict`, and knows the unknown keys in advance. The function of
the first shape of each size is tried first for an object of that size: the size and every
expected key being there prove that the object has exactly that shape (a missing key sends
it the general way, which finds or compiles the function of its own shape). A class keeps
at most :data:`MAX_SHAPES` shapes; past that (a hostile or chaotic server), objects take the
plain per-field path, which is also what explains an error: when the fast function raises,
the plain path runs and says which field was wrong.

Legacy short names: a field called ``workspace_id`` (``project_id``, ``task_id``,
``user_id``, ``client_id``) is filled from ``wid`` (``pid``, ``tid``, ``uid``, ``cid``) when
Toggl sent only the short one or sent the long one as null; the short key is kept too.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import attrs

from ._base import EMPTY, Record
from ._strict import ShapeError, json_type

__all__ = ["LONG_NAMES", "MAX_SHAPES", "MISS", "RENAMES", "Shapes", "make_record_hook"]

RENAMES: dict[str, str] = {"can_see_rates": "canSeeRates"}
"""Python field name -> API key, for the few API names that are not snake_case."""

LONG_NAMES: dict[str, str] = {
    "workspace_id": "wid",
    "project_id": "pid",
    "task_id": "tid",
    "user_id": "uid",
    "client_id": "cid",
}
"""Documented long name -> the legacy short name Toggl may send instead (or as well)."""

MAX_SHAPES = 64
"""Compiled shapes kept per record class; more means the server is not consistent."""

_SCALARS = (int, str, float, bool)
_MISSING: Any = object()

Hook = Callable[[Any, Any], Any]
MISS: Any = object()
"""What a shape function returns for an object that lacks one of its keys."""

Shapes = tuple[dict[int, Callable[[dict[Any, Any]], Any]], Callable[[Any], Record]]
"""A class's first compiled function per object size, and the general function."""


@attrs.frozen
class _Field:
    """What the generated code needs to know about one field of a record."""

    index: int
    name: str
    key: str
    short: str | None
    optional: bool
    inner: Any
    required: bool
    default: Any
    factory: Callable[[], Any] | None
    check: Callable[[Any], Any]


def _unwrap_optional(annotation: Any) -> tuple[bool, Any]:
    """(True, X) for ``X | None``; (False, annotation) otherwise."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1 and len(args) == 2:
            return True, rest[0]
    return False, annotation


def _fields(cls: type[Record], hook_for: Callable[[Any], Hook]) -> list[_Field]:
    attrs.resolve_types(cls)
    out = []
    for i, f in enumerate(a for a in attrs.fields(cls) if a.name != "extra"):
        optional, inner = _unwrap_optional(f.type)
        if f.type is Any:
            optional = True
        key = RENAMES.get(f.name, f.name)
        factory = None
        if isinstance(f.default, attrs.Factory):  # type: ignore[arg-type]
            if f.default.takes_self:
                raise TypeError(f"{f.name}: Factory(takes_self=True) defaults are not supported")
            factory = f.default.factory
        out.append(
            _Field(
                index=i,
                name=f.name,
                key=key,
                short=LONG_NAMES.get(f.name) if key == f.name else None,
                optional=optional,
                inner=inner,
                required=f.default is attrs.NOTHING,
                default=None if f.default is attrs.NOTHING or factory else f.default,
                factory=factory,
                check=_checker(f.type if f.type is Any else inner, hook_for),
            )
        )
    return out


def _checker(annotation: Any, hook_for: Callable[[Any], Hook]) -> Callable[[Any], Any]:
    if annotation is Any:
        return lambda v: v
    hook = hook_for(annotation)
    return lambda v: hook(v, annotation)


def make_record_hook(
    cls: type[Record], hook_for: Callable[[Any], Hook], max_shapes: int = MAX_SHAPES
) -> tuple[Hook, Shapes]:
    """The structure function of ``cls`` (``hook(data, cls)``, or :class:`ShapeError`).

    Also its shape table, so that a list hook can go straight to the compiled function.
    """
    fields = _fields(cls, hook_for)
    known = frozenset(f.key for f in fields)
    builder = _builder_for(cls, fields)
    name = cls.__name__
    shapes: dict[frozenset[Any], Callable[[dict[Any, Any]], Any]] = {}
    by_size: dict[int, Callable[[dict[Any, Any]], Any]] = {}

    def plain(d: dict[Any, Any]) -> Record:
        """Field by field, with a precise error; for odd shapes and to explain failures."""
        values: dict[str, Any] = {}
        for f in fields:
            raw = d.get(f.key, _MISSING)
            if f.short is not None and (raw is None or raw is _MISSING):
                raw = d.get(f.short, raw)
            if raw is _MISSING:
                if f.required:
                    raise ShapeError("missing (Toggl always sends it)", (f"{name}.{f.name}",))
                values[f.name] = f.factory() if f.factory is not None else f.default
            elif raw is None and f.optional:
                values[f.name] = None
            else:
                try:
                    values[f.name] = f.check(raw)
                except ShapeError as exc:
                    raise exc.inside(f"{name}.{f.name}") from None
                except Exception as exc:  # not our check: name the failure, not the value
                    problem = f"expected {f.inner!r}, could not read it ({type(exc).__name__})"
                    raise ShapeError(problem, (f"{name}.{f.name}",)) from None
        extra = EMPTY
        if not known.issuperset(d):
            extra = MappingProxyType({k: v for k, v in d.items() if k not in known})
        return cls(extra=extra, **values)

    def explain(d: dict[Any, Any], exc: Exception) -> Exception:
        try:
            plain(d)
        except ShapeError as found:
            return found
        return ShapeError(f"unreadable ({type(exc).__name__})", (name,))  # pragma: no cover

    def first_sight(d: Any) -> Record:
        if not isinstance(d, dict):
            raise ShapeError(f"expected an object, got {json_type(d)}", (name,))
        if type(d) is not dict:
            d = dict(d)
        keys = frozenset(d)
        fn = shapes.get(keys)
        if fn is None:
            if len(shapes) >= max_shapes:
                return plain(d)
            fn = shapes[keys] = _compile(cls, builder, fields, known, tuple(d), plain, explain)
            if fn is not plain:
                by_size.setdefault(len(d), fn)
        record: Record = fn(d)  # every key it reads is there: never MISS
        return record

    def structure_record(d: Any, _: Any) -> Record:
        if type(d) is dict:
            fn = by_size.get(len(d))
            if fn is not None:
                record = fn(d)
                if record is not MISS:
                    return record  # type: ignore[no-any-return]
        return first_sight(d)

    return structure_record, (by_size, first_sight)


def _compile(
    cls: type[Record],
    builder: type | None,
    fields: list[_Field],
    known: frozenset[str],
    shape: tuple[Any, ...],
    plain: Callable[[dict[Any, Any]], Record],
    explain: Callable[[dict[Any, Any], Exception], Exception],
) -> Callable[[dict[Any, Any]], Record]:
    """The straight-line function for objects of ``cls`` whose keys are exactly ``shape``."""
    position = {key: j for j, key in enumerate(shape)}
    sources: list[int | None] = []
    for f in fields:
        at = position.get(f.key)
        if at is None and f.short is not None:
            at = position.get(f.short)
        if at is None and f.required:
            return plain  # raises "missing" with the field's name
        sources.append(at)
    ns: dict[str, Any] = {
        "cls": cls,
        "EMPTY": EMPTY,
        "MappingProxyType": MappingProxyType,
        "fromisoformat": datetime.fromisoformat,
        "UTC": UTC,
        "explain": explain,
        "MISS": MISS,
    }
    ns.update((f"k{j}", key) for j, key in enumerate(shape))
    lines = ["def from_shape(d):", "  try:"]
    lines += [f"    v{j} = d[k{j}]" for j in range(len(shape))] or ["    pass"]
    lines += [
        "  except (KeyError, TypeError):  # not this shape, or not an object",
        "    return MISS",
        "  try:",
    ]
    unknown = [j for j, key in enumerate(shape) if key not in known]
    extra = "EMPTY"
    if unknown:
        extra = "MappingProxyType({" + ", ".join(f"k{j}: v{j}" for j in unknown) + "})"
    if builder is not None:
        ns["new"], ns["builder"] = object.__new__, builder
        lines += ["    o = new(builder)", f"    o.extra = {extra}"]
    else:
        lines.append(f"    extra = {extra}")
    for f, at in zip(fields, sources, strict=True):
        out = f"o.{f.name}" if builder is not None else f"a{f.index}"
        lines += ["    " + line for line in _field_code(f, at, shape, out, ns)]
    if builder is not None:
        lines += ["    o.__class__ = cls", "    return o"]
    else:
        kwargs = ", ".join(["extra=extra", *(f"{f.name}=a{f.index}" for f in fields)])
        lines.append(f"    return cls({kwargs})")
    lines += ["  except Exception as exc:", "    raise explain(d, exc) from None"]
    code = compile("\n".join(lines), f"<toggl_async structure {cls.__name__}>", "exec")
    exec(code, ns)
    fn: Callable[[dict[Any, Any]], Record] = ns["from_shape"]
    return fn


def _field_code(
    f: _Field, at: int | None, shape: tuple[Any, ...], out: str, ns: dict[str, Any]
) -> list[str]:
    """Lines that store field ``f``'s value (from ``v{at}``, or its default) in ``out``."""
    i = f.index
    if at is None:
        if f.factory is not None:
            ns[f"factory{i}"] = f.factory
            return [f"{out} = factory{i}()"]
        if f.default is None:
            return [f"{out} = None"]
        ns[f"default{i}"] = f.default
        return [f"{out} = default{i}"]
    v = f"v{at}"
    lines: list[str] = []
    short_at = shape.index(f.short) if f.short is not None and f.short in shape else None
    if f.short is not None and shape[at] == f.key and short_at is not None:
        lines.append(f"if {v} is None: {v} = v{short_at}")
    ns[f"c{i}"] = f.check
    inner = f.inner
    none_ok = f" or {v} is None" if f.optional else ""
    if inner is Any:
        return [*lines, f"{out} = {v}"]
    if inner in _SCALARS:
        ns[f"t{i}"] = inner
        return [*lines, f"{out} = {v} if type({v}) is t{i}{none_ok} else c{i}({v})"]
    if inner is datetime:
        lines += [
            f"if type({v}) is str:",
            f"    {v} = fromisoformat({v})",
            f"    {out} = {v} if {v}.tzinfo is not None else {v}.replace(tzinfo=UTC)",
        ]
        if f.optional:
            lines.append(f"elif {v} is None: {out} = None")
        return [*lines, f"else: {out} = c{i}({v})"]
    if typing.get_origin(inner) is list and typing.get_args(inner)[0] in _SCALARS:
        ns[f"e{i}"] = typing.get_args(inner)[0]
        if f.optional:
            lines.append(f"if {v} is None: {out} = None")
        lines += [
            f"{'elif' if f.optional else 'if'} type({v}) is list:",
            f"    for x in {v}:",
            f"        if type(x) is not e{i}:",
            f"            {out} = c{i}({v})",
            "            break",
            "    else:",
            f"        {out} = {v}[:]",
            f"else: {out} = c{i}({v})",
        ]
        return lines
    if f.optional:
        return [*lines, f"{out} = None if {v} is None else c{i}({v})"]
    return [*lines, f"{out} = c{i}({v})"]


def _builder_for(cls: type[Record], fields: list[_Field]) -> type | None:
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

"""Decode: microseconds per record to turn a page of 200 time entries (bytes) into objects.

The same bytes go through: ``json.loads`` alone, ``orjson.loads`` alone, toggl-async (its
JSON backend + the records converter, with orjson and with the stdlib parser), pydantic v2
(``TypeAdapter(list[Model]).validate_json``) and msgspec (``Decoder(list[Struct])``), where
Model and Struct are derived from ``TimeEntry``'s own fields (same names, same optionality,
timezone-aware datetimes). The page is what the sandbox serves for ``GET /me/time_entries``.
Times are CPU time of this process (``time.process_time``), so other load on a shared machine
does not count; candidates run interleaved, round after round, and the best round is kept.

    python benchmarks/decode.py [--quick]
"""

from __future__ import annotations

import itertools
import json
import sys
import time
import timeit
import types
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import attrs
from _common import environment, header, interleave, parse_args, table, write_results

from toggl_async import _json
from toggl_async.records import SharedWith, TimeEntry
from toggl_async.records.converter import structure
from toggl_async.testing import Account

PAGE = 200


def sample_page(size: int = PAGE) -> bytes:
    """``size`` entries as the sandbox renders them: nulls, tags, legacy duplicates."""
    account = Account.generate(seed=1, time_entries=max(2000, size * 3))
    mine = (e for e in account.time_entries if e["user_id"] == account.user_id)
    return json.dumps(list(itertools.islice(mine, size))).encode()


# -- equivalent models for the other libraries, derived from the record's own fields -----------


def _optional(annotation: Any) -> tuple[bool, Any]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return True, args[0]
    return False, annotation


def _fields(cls: type) -> list[tuple[str, Any, bool]]:
    attrs.resolve_types(cls)
    out = []
    for f in attrs.fields(cls):
        if f.name == "extra":
            continue
        optional, inner = _optional(f.type)
        out.append((f.name, inner, optional))
    return out


def pydantic_decoder() -> Callable[[bytes], Any] | None:
    try:
        import pydantic
    except ImportError:
        return None

    def model_for(cls: type, nested: dict[type, Any]) -> Any:
        spec: dict[str, Any] = {}
        for name, inner, optional in _fields(cls):
            typ = _swap(inner, {datetime: pydantic.AwareDatetime, **nested})
            spec[name] = (typ | None, None) if optional else (typ, ...)
        return pydantic.create_model(f"{cls.__name__}Model", **spec)

    shared = model_for(SharedWith, {})
    entry = model_for(TimeEntry, {SharedWith: shared})
    adapter = pydantic.TypeAdapter(list[entry])  # type: ignore[valid-type]
    return adapter.validate_json


def msgspec_decoder() -> Callable[[bytes], Any] | None:
    try:
        import msgspec
    except ImportError:
        return None
    aware = Annotated[datetime, msgspec.Meta(tz=True)]

    def struct_for(cls: type, nested: dict[type, Any]) -> Any:
        spec: list[Any] = []
        for name, inner, optional in _fields(cls):
            typ = _swap(inner, {datetime: aware, **nested})
            spec.append((name, typ | None, None) if optional else (name, typ))
        required = [s for s in spec if len(s) == 2]
        return msgspec.defstruct(
            f"{cls.__name__}Struct", required + [s for s in spec if len(s) == 3]
        )

    shared = struct_for(SharedWith, {})
    entry = struct_for(TimeEntry, {SharedWith: shared})
    return msgspec.json.Decoder(list[entry]).decode


def _swap(annotation: Any, mapping: dict[Any, Any]) -> Any:
    """``annotation`` with the types in ``mapping`` replaced, inside list[...] too."""
    if annotation in mapping:
        return mapping[annotation]
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        return list[_swap(item, mapping)]  # type: ignore[misc]
    return annotation


# -- the candidates -----------------------------------------------------------------------------


def candidates(page: bytes) -> tuple[dict[str, Callable[[], Any]], list[str]]:
    missing: list[str] = []
    found: dict[str, Callable[[], Any]] = {"json.loads alone": lambda: json.loads(page)}
    try:
        import orjson
    except ImportError:
        orjson = None  # type: ignore[assignment]
        missing.append("orjson")
    if orjson is not None:
        found["orjson.loads alone"] = lambda: orjson.loads(page)
        stamps = [name for name, inner, _ in _fields(TimeEntry) if inner is datetime]
        parse = datetime.fromisoformat

        def floor() -> list[Any]:
            # What any decoder into Python objects pays in C before building anything:
            # the dicts from orjson and the timestamps from datetime (a floor, not a decoder).
            page_dicts = orjson.loads(page)
            for entry in page_dicts:
                for name in stamps:
                    if entry.get(name) is not None:
                        parse(entry[name])
            return page_dicts  # type: ignore[no-any-return]

        found["floor: orjson.loads + datetime.fromisoformat"] = floor
        found["toggl-async (orjson)"] = lambda: structure(orjson.loads(page), list[TimeEntry])
    found["toggl-async (stdlib json)"] = lambda: structure(json.loads(page), list[TimeEntry])
    parsed = _json.loads(page)
    found["toggl-async records from parsed dicts"] = lambda: structure(parsed, list[TimeEntry])
    pyd = pydantic_decoder()
    if pyd is None:
        missing.append("pydantic")
    else:
        found["pydantic v2 validate_json"] = lambda: pyd(page)
    msg = msgspec_decoder()
    if msg is None:
        missing.append("msgspec")
    else:
        found["msgspec Decoder"] = lambda: msg(page)
    return found, missing


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(__doc__, argv)
    env = environment(["pydantic", "pydantic-core", "msgspec"])
    page = sample_page()
    runs, rounds = (5, 3) if args.quick else (10, 100)
    found, missing = candidates(page)
    ours_key = "toggl-async (orjson)" if "toggl-async (orjson)" in found else None
    ours_key = ours_key or "toggl-async (stdlib json)"
    # Same records out of every decoder (sanity, not timing): count and first id.
    for name, fn in found.items():
        out = fn()
        assert len(out) == PAGE, name

    def per_record(fn: Callable[[], Any]) -> Callable[[], float]:
        return lambda: timeit.timeit(fn, number=runs, timer=time.process_time) / runs / PAGE

    samples = interleave({k: per_record(v) for k, v in found.items()}, rounds)
    ours = samples[ours_key].best
    rows = []
    figures: dict[str, Any] = {}
    for name, s in samples.items():
        figures[name] = {
            "us_per_record_best": s.best * 1e6,
            "us_per_record_median": s.median * 1e6,
            "relative_to_toggl_async": s.best / ours,
        }
        rows.append([name, s.best * 1e6, s.median * 1e6, s.best / ours])
    verdicts: dict[str, Any] = {}
    if "pydantic v2 validate_json" in samples:
        ratio = ours / samples["pydantic v2 validate_json"].best
        verdicts["faster_than_pydantic"] = {"ours_over_pydantic": ratio, "met": ratio < 1.0}
    if "msgspec Decoder" in samples:
        ratio = ours / samples["msgspec Decoder"].best
        verdicts["within_2x_of_msgspec"] = {"ours_over_msgspec": ratio, "met": ratio <= 2.0}
        verdicts["within_2_5x_of_msgspec"] = {"ours_over_msgspec": ratio, "met": ratio <= 2.5}
    if "msgspec Decoder" in samples and "floor: orjson.loads + datetime.fromisoformat" in samples:
        c_floor = samples["floor: orjson.loads + datetime.fromisoformat"].best
        verdicts["floor_over_msgspec"] = {
            "floor_over_msgspec": c_floor / samples["msgspec Decoder"].best,
            "python_building_us_per_record": (ours - c_floor) * 1e6,
        }
    if "toggl-async (orjson)" in samples:
        gain = samples["toggl-async (stdlib json)"].best / samples["toggl-async (orjson)"].best
        verdicts["orjson_speedup"] = {
            "stdlib_over_orjson": gain,
            "parse_share_with_orjson": samples["orjson.loads alone"].best / ours,
        }
    result = {
        "benchmark": "decode",
        "environment": env,
        "sizes": {
            "records_per_page": PAGE,
            "page_bytes": len(page),
            "loops": runs,
            "rounds": rounds,
            "quick": args.quick,
        },
        "json_backend_in_use": _json.BACKEND,
        "figures": figures,
        "verdicts": verdicts,
        "missing": missing,
    }
    print(header("decode: µs per TimeEntry, a page of 200 (best of rounds)", env))
    print(table(["decoder", "µs/record", "median", "x ours"], rows))
    for name, verdict in verdicts.items():
        print(f"{name}: {verdict}")
    if missing:
        print(f"not installed: {', '.join(missing)}")
    path = write_results("decode", result, args.results)
    print(f"wrote {path}")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])

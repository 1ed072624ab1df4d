"""The coverage map against the specifications, and every mapped method against the wire.

(a) every operation of both specifications (copies in tests/data/openapi) is covered or
excluded, never both, never neither; every mapped method exists on the async client and on
its blocking twin. (b) each mapped method, called with arguments built from its signature,
sends the mapped HTTP method to the mapped path.
"""

from __future__ import annotations

import inspect
import json
import re
import types
import typing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest
from aioresponses import aioresponses

import toggl_async_sync
from toggl_async import TogglClient
from toggl_async.coverage import COVERED, EXCLUDED
from toggl_async.pagination import Paginator
from toggl_async.records import Record

SPECS = Path(__file__).parent / "data" / "openapi"
BASE = "https://api.test"
METHODS = ("get", "post", "put", "patch", "delete")


def spec_operations() -> set[str]:
    ops: set[str] = set()
    for file in ("toggl-track-api-v9.swagger.json", "toggl-reports-v3.swagger.json"):
        spec = json.loads((SPECS / file).read_text())
        for path, item in spec["paths"].items():
            ops.update(f"{m.upper()} {path}" for m in item if m in METHODS)
    return ops


def test_the_specifications_are_the_ones_we_count() -> None:
    ops = spec_operations()
    assert (
        len([o for o in ops if not o.split(" ", 1)[1].startswith(("/reports", "/insights"))]) == 278
    )
    assert len([o for o in ops if o.split(" ", 1)[1].startswith(("/reports", "/insights"))]) == 36


def test_every_operation_is_covered_or_excluded_exactly_once() -> None:
    ops = spec_operations()
    neither = sorted(ops - set(COVERED) - set(EXCLUDED))
    both = sorted(set(COVERED) & set(EXCLUDED))
    unknown = sorted((set(COVERED) | set(EXCLUDED)) - ops)
    assert not neither, f"in neither column: {neither}"
    assert not both, f"in both columns: {both}"
    assert not unknown, f"not in the specifications: {unknown}"


def test_exclusions_are_only_the_agreed_groups() -> None:
    from toggl_async import coverage

    allowed = {coverage.BILLING, coverage.SSO, coverage.SMAIL, coverage.FEEDBACK, coverage.CALENDAR}
    assert set(EXCLUDED.values()) <= allowed
    for key, reason in EXCLUDED.items():
        path = key.split(" ", 1)[1]
        if reason == coverage.CALENDAR:
            assert path.startswith("/integrations/calendar"), key
        if reason == coverage.SMAIL:
            assert path.startswith("/smail/"), key


def test_every_mapped_method_exists_on_both_clients() -> None:
    client = TogglClient(api_token="x" * 32)
    missing = []
    for target in sorted(set(COVERED.values())):
        namespace, name = target.split(".")
        method = getattr(getattr(client, namespace, None), name, None)
        if method is None or not callable(method):
            missing.append(target)
    assert not missing, f"mapped but not on toggl_async.TogglClient: {missing}"
    with toggl_async_sync.TogglClient(api_token="x" * 32) as blocking:
        absent = []
        for target in sorted(set(COVERED.values())):
            namespace, name = target.split(".")
            space = getattr(blocking, namespace, None)
            if space is None or not hasattr(space, name):
                absent.append(target)
    assert not absent, f"mapped but not on toggl_async_sync.TogglClient: {absent}"


# -- (b) every mapped method on the wire -----------------------------------------------------


class _Args:
    """Arguments for one call, built from the method's signature and type hints."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.next_id = 1000
        self.values: dict[str, Any] = {}

    def value(self, name: str, hint: Any) -> Any:
        text = str(hint)
        if hint is str and name in ("start_date", "end_date"):
            return "2024-01-01"
        if name == "start_date":
            return date(2024, 1, 1)
        if name == "end_date":
            return date(2024, 1, 7)
        if "PathLike" in text and "bytes" not in text:
            return self.tmp_path / f"out-{self.next_id}.bin"
        if "PathLike" in text:
            return b"file contents"
        if hint is datetime or ("datetime" in text and "date |" not in text):
            return datetime(2024, 1, 1, 9, tzinfo=UTC)
        if hint is int or text == "int":
            self.next_id += 1
            return self.next_id
        if hint is str:
            self.next_id += 1
            return f"s{self.next_id}"
        if hint is bool:
            return True
        if hint is float:
            return 1.5
        if "Mapping" in text and ("Sequence" in text or "Iterable" in text):
            return [{"op": "replace", "path": "/name", "value": "x"}]
        if "Mapping" in text:
            return {"name": "x"}
        if ("Sequence" in text or "Iterable" in text) and "str" in text and "int" not in text:
            return ["time_entries"]
        if "Sequence" in text or "Iterable" in text:
            self.next_id += 1
            return [self.next_id]
        if "date" in text:
            return date(2024, 1, 1)
        return {"name": "x"}


def _call(client: TogglClient, target: str, key: str, tmp_path: Path) -> tuple[Any, dict[str, Any]]:
    namespace, name = target.split(".")
    method = getattr(getattr(client, namespace), name)
    hints = _hints(method)
    build = _Args(tmp_path)
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    named: dict[str, Any] = {}
    for param in inspect.signature(method).parameters.values():
        if param.name == "format":
            suffix = re.search(r"(?:\.|/)(csv|pdf|xlsx)$", key)
            if suffix:
                kwargs["format"] = suffix.group(1)
            continue
        if param.default is not inspect.Parameter.empty:
            if param.name == "duration" and name == "create":
                kwargs["duration"] = 60  # a stopped entry needs stop or duration
            elif name.startswith("update") and param.kind is param.KEYWORD_ONLY and not kwargs:
                # partial updates need at least one field: send the first one
                kwargs[param.name] = build.value(param.name, hints.get(param.name, Any))
            continue
        value = build.value(param.name, hints.get(param.name, Any))
        named[param.name] = value
        if param.kind is inspect.Parameter.KEYWORD_ONLY:
            kwargs[param.name] = value
        else:
            args.append(value)
    return method(*args, **kwargs), named


def _expected(key: str, named: dict[str, Any]) -> tuple[str, re.Pattern[str]]:
    method, path = key.split(" ", 1)
    base = BASE if path.startswith(("/reports/", "/insights/")) else BASE + "/api/v9"

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        for candidate in (name, name + "_"):
            if candidate in named and not isinstance(named[candidate], list):
                return re.escape(str(named[candidate]))
        return "[^/]+"

    pattern = re.sub(r"\\\{(\w+)\\\}", fill, re.escape(path))
    return method, re.compile(re.escape(base) + pattern + r"$")


def _body_for(target: str, hint: Any) -> Any:
    """A response body the method can decode."""
    if target in ("tasks.iter", "timesheets.iter", "timesheet_setups.list"):
        return {"data": [], "total_count": 0}  # Toggl wraps these lists
    return _sample(hint)


def _sample(hint: Any) -> Any:
    origin = typing.get_origin(hint)
    if hint is None or hint is type(None):
        return None
    if origin in (typing.Union, types.UnionType):
        return _sample(typing.get_args(hint)[0])
    if origin is list or origin is Paginator:
        return []
    if isinstance(hint, type) and issubclass(hint, Record):
        out: dict[str, Any] = {}
        types_of = typing.get_type_hints(hint)
        for field in attrs.fields(hint):
            if field.name != "extra" and field.default is attrs.NOTHING:
                out[field.name] = _sample(types_of[field.name])
        return out
    if hint is datetime:
        return "2024-01-01T00:00:00Z"
    if hint is date:
        return "2024-01-01"
    if hint is int:
        return 1
    if hint is str:
        return "x"
    if hint is bool:
        return True
    if hint is float:
        return 1.5
    return {}


def _hints(method: Any) -> dict[str, Any]:
    """Type hints, with the generated records (imported by the methods on first use)."""
    from toggl_async.records import reports_api, track_api

    names = {**vars(track_api), **vars(reports_api), **method.__globals__}
    return typing.get_type_hints(method, globalns=names)


CASES = sorted(COVERED.items())


@pytest.mark.parametrize(("key", "target"), CASES, ids=[f"{t}:{k}" for k, t in CASES])
async def test_each_mapped_method_sends_its_operation(
    key: str, target: str, tmp_path: Path
) -> None:
    async with TogglClient(
        api_token="x" * 32,
        track_base_url=BASE + "/api/v9",
        reports_base_url=BASE + "/reports/api/v3",
        insights_base_url=BASE + "/insights/api/v1",
    ) as client:
        namespace, name = target.split(".")
        method = getattr(getattr(client, namespace), name)
        returns = _hints(method).get("return")
        body = _body_for(target, returns)
        with aioresponses() as mock:
            for verb in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                mock.add(
                    re.compile(re.escape(BASE) + r"/.*"),
                    method=verb,
                    body=b"" if body is None else json.dumps(body).encode(),
                    content_type="application/json",
                    repeat=True,
                )
            call, named = _call(client, target, key, tmp_path)
            if isinstance(call, Paginator):
                async for _ in call:
                    break
            else:
                await call
            sent = [(m, str(url)) for (m, url), calls in mock.requests.items() for _ in calls]
        verb, path = _expected(key, named)
        assert sent, f"{target} sent nothing"
        first_verb, first_url = sent[0]
        url_path = first_url.split("?", 1)[0]
        assert first_verb == verb, f"{target}: {first_verb} {first_url}, want {key}"
        assert path.match(url_path), f"{target}: sent {url_path}, want {key}"


def test_the_naming_convention_holds() -> None:
    """Downloads (and only they) are ``download*``; ``iter`` gives a Paginator, ``list`` a list."""
    client = TogglClient(api_token="x" * 32)
    files = re.compile(r"(\.zip|\.csv|\.pdf|\.xlsx|\.\{extension\}|/(csv|pdf|xlsx)|^/ical/.*)$")
    for key, target in COVERED.items():
        namespace, name = target.split(".")
        is_file = bool(files.search(key.split(" ", 1)[1]))
        assert name.startswith("download") == is_file, f"{target} for {key}"
        returns = str(_hints(getattr(getattr(client, namespace), name)).get("return"))
        if name == "iter":
            assert "Paginator" in returns, target
        if name == "list":
            assert returns.startswith("list[") or returns == "typing.Any", target  # Any: no shape
        if name.startswith("download"):
            assert returns.endswith("Download'>"), target

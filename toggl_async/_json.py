"""JSON in and out: orjson when installed (``pip install toggl-async[fast]``), else stdlib."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["BACKEND", "dumps", "dumps_str", "loads"]

try:
    import orjson
except ImportError:
    orjson = None  # type: ignore[assignment]

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

if orjson is not None:
    BACKEND = "orjson"

    def loads(data: bytes | str) -> Any:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise ValueError(str(exc)) from None

    def dumps(value: Any) -> bytes:
        try:
            return orjson.dumps(value)
        except TypeError:
            # orjson stops at 64-bit integers; stdlib json writes any integer (and raises the
            # same TypeError for what JSON cannot hold). Output never depends on the backend.
            return _encoder.encode(value).encode()

else:
    BACKEND = "json"

    def loads(data: bytes | str) -> Any:
        return json.loads(data)

    def dumps(value: Any) -> bytes:
        return _encoder.encode(value).encode()


def dumps_str(value: Any) -> str:
    return dumps(value).decode()

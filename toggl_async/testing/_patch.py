"""JSON-Patch (RFC 6902 subset) parsing for Toggl's bulk PATCH endpoints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._http import ApiError

__all__ = ["MAX_BULK_IDS", "PatchOp", "parse_patch", "patch_ids"]

#: Toggl accepts at most this many comma-separated ids in one bulk PATCH.
MAX_BULK_IDS = 100


@dataclass(frozen=True)
class PatchOp:
    """One operation on a top-level field: ``add``, ``remove`` or ``replace``."""

    op: str
    field: str
    value: Any


def parse_patch(body: Any) -> list[PatchOp]:
    """Validate the whole patch up front; a malformed one fails the request with 400."""
    if not isinstance(body, list) or not body:
        raise ApiError(400, "Invalid patch: expected a non-empty array of operations")
    ops = []
    for item in body:
        if not isinstance(item, dict):
            raise ApiError(400, "Invalid patch operation")
        op, path = item.get("op"), item.get("path")
        if op not in ("add", "remove", "replace"):
            raise ApiError(400, f"Invalid patch operation {op!r}")
        if not isinstance(path, str) or not path.startswith("/") or "/" in path[1:]:
            raise ApiError(400, f"Invalid patch path {path!r}")
        if op != "remove" and "value" not in item:
            raise ApiError(400, f"Missing value for {op} {path}")
        ops.append(PatchOp(op, path[1:], item.get("value")))
    return ops


def patch_ids(text: str) -> list[int]:
    """Distinct ids from ``1,2,3`` in the path, at most :data:`MAX_BULK_IDS`."""
    ids = list(dict.fromkeys(int(part) for part in text.split(",") if part))
    if len(ids) > MAX_BULK_IDS:
        raise ApiError(400, f"Too many ids: at most {MAX_BULK_IDS} can be patched at once")
    return ids

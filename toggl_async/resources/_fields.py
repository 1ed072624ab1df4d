"""Building JSON bodies from keyword arguments: ``None`` means "leave it out"."""

from __future__ import annotations

from typing import Any

__all__ = ["body_of", "require_changes"]


def body_of(**fields: Any) -> dict[str, Any]:
    """The fields the caller actually passed, for partial updates and optional settings."""
    return {key: value for key, value in fields.items() if value is not None}


def require_changes(body: dict[str, Any], what: str) -> dict[str, Any]:
    if not body:
        raise ValueError(f"{what} needs at least one field to change")
    return body

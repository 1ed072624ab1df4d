"""Building JSON bodies from keyword arguments: ``None`` means "leave it out"."""

from __future__ import annotations

from typing import Any

__all__ = ["active_filter", "body_of", "require_changes"]


def body_of(**fields: Any) -> dict[str, Any]:
    """The fields the caller actually passed, for partial updates and optional settings."""
    return {key: value for key, value in fields.items() if value is not None}


def require_changes(body: dict[str, Any], what: str) -> dict[str, Any]:
    if not body:
        raise ValueError(f"{what} needs at least one field to change")
    return body


def active_filter(value: bool | str | None) -> str:
    """Toggl's ``active`` filter: True, False, or None/``"both"`` for active and archived alike."""
    if value is None or value == "both":
        return "both"
    if isinstance(value, bool):
        return "true" if value else "false"
    raise ValueError(f"active must be True, False, 'both' or None, got {value!r}")

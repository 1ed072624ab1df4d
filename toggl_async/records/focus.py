"""Toggl Focus records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from ._base import Record

__all__ = ["FocusTimeEntry"]


@attrs.frozen(kw_only=True)
class FocusTimeEntry(Record):
    """A Focus tracking entry. ``type`` is an object whose shape Toggl does not document."""

    id: int
    workspace_id: int | None = None
    task_id: int | None = None
    time_block_id: int | None = None
    toggl_user_id: int | None = None
    type: Any = None
    start: datetime | None = None
    duration: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None
    archived_at: datetime | None = None

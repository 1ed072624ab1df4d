"""Workspace members and bulk-edit outcomes."""

from __future__ import annotations

import attrs

from ._base import Record

__all__ = ["PatchFailure", "PatchResult", "WorkspaceUser"]


@attrs.frozen(kw_only=True)
class WorkspaceUser(Record):
    """A member of a workspace (``GET /workspaces/{id}/users``)."""

    id: int
    fullname: str | None = None
    email: str
    is_active: bool | None = None
    is_admin: bool | None = None
    inactive: bool | None = None


@attrs.frozen(kw_only=True)
class PatchFailure(Record):
    """One id a bulk edit could not change, and Toggl's reason."""

    id: int | None = None
    message: str | None = None


@attrs.frozen(kw_only=True)
class PatchResult(Record):
    """The outcome of a bulk JSON-patch: Toggl applies it per id, with no rollback."""

    success: list[int] = attrs.field(factory=list)
    failure: list[PatchFailure] = attrs.field(factory=list)

    @property
    def ok(self) -> bool:
        """True when every id was changed."""
        return not self.failure

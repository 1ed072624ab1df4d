"""Organization records whose shape a recording confirms (so their ids are not optional)."""

from __future__ import annotations

from datetime import datetime

import attrs

from ._base import Record

__all__ = ["GroupMember", "OrganizationGroup"]


@attrs.frozen(kw_only=True)
class GroupMember(Record):
    """A user in an organization's group (``OrganizationUserSimple``)."""

    user_id: int
    name: str | None = None
    avatar_url: str | None = None
    joined: bool | None = None


@attrs.frozen(kw_only=True)
class OrganizationGroup(Record):
    """A group of an organization: its workspaces and members.

    ``group_id`` and ``name`` are always sent (the specification and the recording of
    ``GET /organizations/{oid}/workspaces/{wid}/groups`` agree), so they are not optional.
    """

    group_id: int
    name: str
    at: datetime | None = None
    workspaces: list[int] = attrs.field(factory=list)
    users: list[GroupMember] = attrs.field(factory=list)
    permissions: list[str] | None = None

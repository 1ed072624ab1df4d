"""The quota report of ``GET /me/quota``."""

from __future__ import annotations

import attrs

from ._base import Record

__all__ = ["OrganizationQuota"]


@attrs.frozen(kw_only=True)
class OrganizationQuota(Record):
    """One hourly quota bucket; ``organization_id`` None is the user's own (``/me``) bucket.

    ``remaining`` may go negative while Toggl does not enforce the quota.
    """

    organization_id: int | None = None
    remaining: int | None = None
    resets_in_secs: int | None = None
    total: int | None = None

"""``toggl.organizations``: organizations: settings, users, roles, usage, owner transfer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._params import check_id, check_positive
from ..pagination import Cursor, NumberedPages, Paginator
from ._gen import OrganizationsEndpoints

if TYPE_CHECKING:  # imported on first use, like the generated records
    from ..records.track_api import OrgUser

__all__ = ["OrganizationsResource"]

_SORT_DIR = ("asc", "desc")


class OrganizationsResource(OrganizationsEndpoints):
    """Organizations: settings, users, roles, usage, owner transfer."""

    def iter_users(
        self,
        organization_id: int,
        *,
        filter: str | None = None,
        active_status: str | None = None,
        only_admins: bool = False,
        groups: str | None = None,
        workspaces: str | None = None,
        sort_dir: str | None = None,
        per_page: int = 50,
        cursor: Cursor | None = None,
        limit: int | None = None,
    ) -> Paginator[OrgUser]:
        """Every user of the organization with their workspaces and groups, ``per_page`` a
        page. ``filter`` matches names and emails; ``groups``/``workspaces`` are
        comma-separated ids, as Toggl takes them.

        ``GET /organizations/{organization_id}/users``
        """
        return self._users("users", locals())

    def iter_users_detailed(
        self,
        organization_id: int,
        *,
        filter: str | None = None,
        active_status: str | None = None,
        only_admins: bool = False,
        groups: str | None = None,
        workspaces: str | None = None,
        sort_dir: str | None = None,
        per_page: int = 50,
        cursor: Cursor | None = None,
        limit: int | None = None,
    ) -> Paginator[OrgUser]:
        """Like :meth:`iter_users`, with Toggl's extra details per user.

        ``GET /organizations/{organization_id}/users/detailed``
        """
        return self._users("users/detailed", locals())

    def _users(self, which: str, given: dict[str, Any]) -> Paginator[OrgUser]:
        from ..records.track_api import OrgUser

        organization_id = check_id("organization_id", given["organization_id"])
        per_page = check_positive("per_page", given["per_page"])
        if given["sort_dir"] not in (None, *_SORT_DIR):
            raise ValueError(f"sort_dir must be 'asc' or 'desc', got {given['sort_dir']!r}")
        params = {
            key: given[key]
            for key in ("filter", "active_status", "groups", "workspaces", "sort_dir")
        }
        params["only_admins"] = True if given["only_admins"] else None
        return self._paginate(
            OrgUser,
            NumberedPages(per_page=per_page),
            "GET",
            f"/organizations/{organization_id}/{which}",
            params=params,
            cursor=given["cursor"],
            limit=given["limit"],
        )

"""``toggl.tags``: the tags of a workspace."""

from __future__ import annotations

from collections.abc import Iterable

from .._params import check_id, check_ids, check_positive
from ..pagination import Cursor, NumberedPages, Paginator
from ..records import Tag
from ._gen import TagsEndpoints

__all__ = ["TagsResource"]


def _name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValueError("name must be a non-empty string")
    return name


class TagsResource(TagsEndpoints):
    """List, create, rename and delete tags."""

    def iter(
        self,
        workspace_id: int,
        *,
        search: str | None = None,
        per_page: int = 200,
        cursor: Cursor | None = None,
        limit: int | None = None,
    ) -> Paginator[Tag]:
        """Every tag of the workspace, ``per_page`` at a time; ``search`` matches names."""
        workspace_id = check_id("workspace_id", workspace_id)
        per_page = check_positive("per_page", per_page)
        return self._paginate(
            Tag,
            NumberedPages(per_page=per_page),
            "GET",
            f"/workspaces/{workspace_id}/tags",
            params={"search": search},
            cursor=cursor,
            limit=limit,
        )

    async def create(self, workspace_id: int, *, name: str) -> Tag:
        """Create a tag (400 ``BadRequestError`` if the name is taken)."""
        workspace_id = check_id("workspace_id", workspace_id)
        path = f"/workspaces/{workspace_id}/tags"
        return await self._fetch(Tag, "POST", path, json={"name": _name(name)})

    async def update(self, workspace_id: int, tag_id: int, *, name: str) -> Tag:
        """Rename a tag."""
        workspace_id = check_id("workspace_id", workspace_id)
        tag_id = check_id("tag_id", tag_id)
        path = f"/workspaces/{workspace_id}/tags/{tag_id}"
        return await self._fetch(Tag, "PUT", path, json={"name": _name(name)})

    async def delete(self, workspace_id: int, tag_id: int) -> None:
        """Delete a tag (Toggl strips it from entries)."""
        workspace_id = check_id("workspace_id", workspace_id)
        tag_id = check_id("tag_id", tag_id)
        await self._send("DELETE", f"/workspaces/{workspace_id}/tags/{tag_id}")

    async def delete_many(self, workspace_id: int, tag_ids: Iterable[int]) -> None:
        """Delete up to 100 tags at once; Toggl deletes all or none ("Some tag IDs do not
        belong to workspace" is a 400).

        The specification gives this operation no body; we send the ids as a JSON array,
        the shape of the specified sibling ``POST …/clients/delete``.

        ``PATCH /workspaces/{workspace_id}/tags``
        """
        workspace_id = check_id("workspace_id", workspace_id)
        ids = check_ids("tag_ids", tag_ids, limit=100)
        await self._send("PATCH", f"/workspaces/{workspace_id}/tags", json=ids)

"""``toggl.avatars``: the current user's avatar."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._endpoints import UploadSource
from ._gen import AvatarsEndpoints

if TYPE_CHECKING:  # imported on first use, like the generated records
    from ..records.track_api import Avatar

__all__ = ["AvatarsResource"]


class AvatarsResource(AvatarsEndpoints):
    """The current user's avatar."""

    async def upload(
        self, file: UploadSource, *, filename: str | None = None, content_type: str = "image/png"
    ) -> Avatar:
        """Upload a new avatar image (a path, bytes or a binary file).

        ``POST /avatars`` (multipart field ``file``)
        """
        from ..records.track_api import Avatar

        return await self._upload(
            Avatar,
            "POST",
            "/avatars",
            field="file",
            file=file,
            filename=filename,
            content_type=content_type,
        )

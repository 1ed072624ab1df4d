"""``toggl.avatars``: the current user's avatar."""

from __future__ import annotations

from ..records.track_api import Avatar
from ._endpoints import UploadSource
from ._gen import AvatarsEndpoints

__all__ = ["AvatarsResource"]


class AvatarsResource(AvatarsEndpoints):
    """The current user's avatar."""

    async def upload(
        self, file: UploadSource, *, filename: str | None = None, content_type: str = "image/png"
    ) -> Avatar:
        """Upload a new avatar image (a path, bytes or a binary file).

        ``POST /avatars`` (multipart field ``file``)
        """
        return await self._upload(
            Avatar,
            "POST",
            "/avatars",
            field="file",
            file=file,
            filename=filename,
            content_type=content_type,
        )

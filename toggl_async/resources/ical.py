"""``toggl.ical``: iCal feeds of time entries."""

from __future__ import annotations

from ._endpoints import Download, DownloadTarget, segment
from ._gen import IcalEndpoints

__all__ = ["IcalResource"]


class IcalResource(IcalEndpoints):
    """iCal feeds of time entries: turn the feed on or off, reset its token, download it."""

    async def download(self, token: str, to: DownloadTarget) -> Download:
        """Stream a workspace user's iCal feed (``text/calendar``) to ``to``.

        ``GET /ical/workspace_user/{token}``
        """
        segment("token", token)
        return await self._download(to, "GET", f"/ical/workspace_user/{token}")

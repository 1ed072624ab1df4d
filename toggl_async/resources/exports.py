"""``toggl.exports``: data exports of a workspace or of the current user.

An export is asynchronous at Toggl: :meth:`ExportsResource.create` asks for one,
:meth:`ExportsResource.list` shows its state, and once it is ready
:meth:`ExportsResource.download` streams the zip to a file. ``*_mine`` are the same for
the current user's own data (``/me/export``).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import Any

from .._params import check_id
from ._endpoints import Download, DownloadTarget, segment
from ._gen import ExportsEndpoints

__all__ = ["ExportsResource"]


class ExportsResource(ExportsEndpoints):
    """Request, list and download data exports (zip files)."""

    async def create(self, workspace_id: int, *, objects: Iterable[str] = ("time_entries",)) -> Any:
        """Ask Toggl to prepare an export of the workspace's ``objects`` (Toggl's names:
        ``"time_entries"``, ``"projects"``, ``"clients"`` ...; the specification does not
        list them, so they are sent as given). It appears in :meth:`list` and is downloaded
        by its uuid; Toggl refuses a second export while one is running.

        ``POST /workspaces/{workspace_id}/exports``
        """
        workspace_id = check_id("workspace_id", workspace_id)
        if isinstance(objects, str):
            raise TypeError("objects must be a list of names, e.g. ['time_entries']")
        names = builtins.list(objects)
        if not names or not all(isinstance(n, str) and n for n in names):
            raise ValueError("objects must be a non-empty list of non-empty names")
        path = f"/workspaces/{workspace_id}/exports"
        return await self._fetch_json("POST", path, json=names)

    async def download(self, workspace_id: int, uuid: str, to: DownloadTarget) -> Download:
        """Stream a ready workspace export (a zip) to ``to``: a path or a binary file.

        ``GET /workspaces/{workspace_id}/exports/data/{uuid}.zip``
        """
        workspace_id = check_id("workspace_id", workspace_id)
        segment("uuid", uuid)
        return await self._download(
            to, "GET", f"/workspaces/{workspace_id}/exports/data/{uuid}.zip"
        )

    async def download_mine(self, uuid: str, to: DownloadTarget) -> Download:
        """Stream a ready export of the current user's data (a zip) to ``to``.

        ``GET /me/export/data/{uuid}.zip``
        """
        segment("uuid", uuid)
        return await self._download(to, "GET", f"/me/export/data/{uuid}.zip")

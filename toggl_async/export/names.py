"""Names joined onto time entries, taken from the objects the same export wrote.

Each workspace's projects, clients, tags and tasks are read before its time entries (a
window waits for them, see :meth:`Names.ready`); their id -> name maps are kept here and
saved next to the checkpoint, so a resumed export joins exactly as an uninterrupted one.

An id whose object the export did not write (a deleted project, a tag removed since)
gets the name Reports sent for it when it sent one (``username``), else null; every such
row is counted per column in ``unresolved`` (saved in the checkpoint, shown in the
manifest), so a null name is never silent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .. import _json
from ._fs import atomic_write

__all__ = ["NAMED_KINDS", "Names"]

#: The objects whose names time entries carry (besides the workspace's own).
NAMED_KINDS = ("projects", "clients", "tags", "tasks")


class Names:
    """Per workspace: id -> name of each named object, and id -> client of each project."""

    def __init__(self, path: Path, unresolved: dict[str, int] | None = None) -> None:
        self.path = path
        self.maps: dict[str, dict[int, str]] = {kind: {} for kind in NAMED_KINDS}
        self.project_client: dict[int, int] = {}
        self.workspaces: dict[int, str] = {}
        self.unresolved: dict[str, int] = dict(unresolved or {})
        self._ready: dict[int, asyncio.Event] = {}
        self._dirty = False

    # -- collecting ------------------------------------------------------------------------

    def add(self, kind: str, records: Iterable[Any]) -> None:
        """Remember the names of records just written (projects also their client)."""
        names = self.maps.get(kind)
        if names is None:
            return
        for record in records:
            name = getattr(record, "name", None)
            if record.id is not None and name is not None:
                names[record.id] = name
                self._dirty = True
            if kind == "projects":
                client = getattr(record, "client_id", None)
                if client is not None:
                    self.project_client[record.id] = client

    def event(self, workspace_id: int) -> asyncio.Event:
        return self._ready.setdefault(workspace_id, asyncio.Event())

    async def ready(self, workspace_id: int) -> None:
        """Wait until the workspace's named objects are all written (or skipped)."""
        await self.event(workspace_id).wait()

    # -- joining ---------------------------------------------------------------------------

    def join(self, values: list[Any], index: dict[str, int]) -> None:
        """Fill the joined columns of one time-entry row in place (see :data:`JOINED`)."""
        ws = values[index["workspace_id"]]
        values[index["workspace_name"]] = self.workspaces.get(ws)
        project = values[index["project_id"]]
        if project is not None:
            values[index["project_name"]] = self._name("projects", project, "project_id")
            client = self.project_client.get(project)
            values[index["client_id"]] = client
            if client is not None:
                values[index["client_name"]] = self._name("clients", client, "client_id")
        task = values[index["task_id"]]
        if task is not None:
            values[index["task_name"]] = self._name("tasks", task, "task_id")
        tags = values[index["tag_ids"]]
        if tags is not None:
            names = self.maps["tags"]
            found = [names.get(t) for t in tags]
            if None in found:
                self._miss("tag_ids", found.count(None))
            values[index["tag_names"]] = found  # aligned with tag_ids: null where unknown
        user = values[index["username"]]
        values[index["user_name"]] = user
        if user is None and values[index["user_id"]] is not None:
            self._miss("user_id")

    def _name(self, kind: str, ident: int, column: str) -> str | None:
        name = self.maps[kind].get(ident)
        if name is None:
            self._miss(column)
        return name

    def _miss(self, column: str, count: int = 1) -> None:
        self.unresolved[column] = self.unresolved.get(column, 0) + count

    # -- persistence -----------------------------------------------------------------------

    def save(self) -> None:
        """Write the maps (before the checkpoint that counts the rows they came from)."""
        if not self._dirty:
            return
        data = {
            "maps": {k: {str(i): n for i, n in m.items()} for k, m in self.maps.items()},
            "project_client": {str(p): c for p, c in self.project_client.items()},
        }
        atomic_write(self.path, _json.dumps(data))
        self._dirty = False

    def load(self) -> None:
        if not self.path.is_file():
            return
        data = _json.loads(self.path.read_bytes())
        for kind, names in data.get("maps", {}).items():
            if kind in self.maps:
                self.maps[kind].update({int(i): str(n) for i, n in names.items()})
        self.project_client.update({int(p): int(c) for p, c in data["project_client"].items()})

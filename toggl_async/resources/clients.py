"""``toggl.clients``: the clients (customers) of a workspace."""

from __future__ import annotations

import builtins
from collections.abc import Iterable

from .._params import check_id, check_ids
from ..records import Client
from ._fields import body_of, require_changes
from ._gen import ClientsEndpoints

__all__ = ["ClientsResource"]


class ClientsResource(ClientsEndpoints):
    """List, create, change, archive, restore and delete clients."""

    async def list(
        self, workspace_id: int, *, status: str | None = None, name: str | None = None
    ) -> list[Client]:
        """Every client (Toggl does not page this list); ``status`` is active, archived or
        both, ``name`` a case-insensitive substring."""
        workspace_id = check_id("workspace_id", workspace_id)
        if status not in (None, "active", "archived", "both"):
            raise ValueError("status must be 'active', 'archived', 'both' or None")
        params = {"status": status, "name": name}
        return await self._fetch(
            list[Client], "GET", f"/workspaces/{workspace_id}/clients", params=params
        )

    async def create(
        self,
        workspace_id: int,
        *,
        name: str,
        notes: str | None = None,
        external_reference: str | None = None,
    ) -> Client:
        """Create a client."""
        workspace_id = check_id("workspace_id", workspace_id)
        if not isinstance(name, str) or not name.strip():
            raise ValueError("name must be a non-empty string")
        body = body_of(name=name, notes=notes, external_reference=external_reference)
        return await self._fetch(Client, "POST", f"/workspaces/{workspace_id}/clients", json=body)

    async def update(
        self,
        workspace_id: int,
        client_id: int,
        *,
        name: str | None = None,
        notes: str | None = None,
        external_reference: str | None = None,
    ) -> Client:
        """Change the fields you pass."""
        workspace_id = check_id("workspace_id", workspace_id)
        client_id = check_id("client_id", client_id)
        body = require_changes(
            body_of(name=name, notes=notes, external_reference=external_reference),
            "clients.update()",
        )
        path = f"/workspaces/{workspace_id}/clients/{client_id}"
        return await self._fetch(Client, "PUT", path, json=body)

    async def delete(self, workspace_id: int, client_id: int) -> None:
        """Delete a client."""
        workspace_id = check_id("workspace_id", workspace_id)
        client_id = check_id("client_id", client_id)
        await self._send("DELETE", f"/workspaces/{workspace_id}/clients/{client_id}")

    async def archive(self, workspace_id: int, client_id: int) -> builtins.list[int]:
        """Archive a client and its projects (a paid feature); returns the archived project ids."""
        workspace_id = check_id("workspace_id", workspace_id)
        client_id = check_id("client_id", client_id)
        path = f"/workspaces/{workspace_id}/clients/{client_id}/archive"
        return await self._fetch(list[int], "POST", path, idempotent=True)

    async def restore(
        self,
        workspace_id: int,
        client_id: int,
        *,
        restore_all_projects: bool = False,
        projects: Iterable[int] | None = None,
    ) -> Client:
        """Restore an archived client, and all or some of its projects."""
        workspace_id = check_id("workspace_id", workspace_id)
        client_id = check_id("client_id", client_id)
        body: dict[str, object] = {"restore_all_projects": bool(restore_all_projects)}
        if projects is not None:
            body["projects"] = check_ids("projects", projects)
        path = f"/workspaces/{workspace_id}/clients/{client_id}/restore"
        return await self._fetch(Client, "POST", path, json=body, idempotent=True)

"""Telling a malformed id from an unknown route, as Toggl does.

Toggl's router matches ``/workspaces/{workspace_id}/...`` whatever the id looks like and then
refuses a non-numeric one with 400 ``Invalid or missing <name>`` (the specification's wording,
e.g. ``Invalid or missing time_entry_id``). The sandbox's routes only match digits, so a path
that misses every route is compared here with the route templates: same literal segments, a
non-numeric value where the template has a parameter -> that parameter is malformed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["BadIds"]

#: The sandbox's short route parameter names -> the names the API documentation uses.
_API_NAMES = {
    "wid": "workspace_id",
    "pid": "project_id",
    "cid": "client_id",
    "id": "time_entry_id",
    "ids": "ids",
    "oid": "organization_id",
}
_PARAM = re.compile(r"\{(\w+)(?::[^}]*)?\}")


class BadIds:
    """Route templates split into segments; ``find(path)`` names a malformed id in ``path``."""

    def __init__(self, templates: Iterable[str]) -> None:
        self._templates: list[list[str | None]] = []
        self._names: list[list[str]] = []
        for template in templates:
            segments: list[str | None] = []
            names: list[str] = []
            for part in template.strip("/").split("/"):
                match = _PARAM.fullmatch(part)
                segments.append(None if match else part)
                names.append(match.group(1) if match else "")
            self._templates.append(segments)
            self._names.append(names)

    def find(self, path: str) -> str | None:
        """The API name of the first non-numeric id in ``path``, or None (an unknown route)."""
        parts = path.strip("/").split("/")
        for segments, names in zip(self._templates, self._names, strict=True):
            if len(segments) != len(parts):
                continue
            bad: str | None = None
            for literal, name, part in zip(segments, names, parts, strict=True):
                if literal is not None:
                    if literal != part:
                        break
                elif bad is None and not _numeric_ids(part):
                    bad = _API_NAMES.get(name, name)
            else:
                if bad is not None:
                    return bad
        return None


def _numeric_ids(part: str) -> bool:
    """``123`` or ``1,2,3`` (bulk PATCH paths)."""
    return all(piece.isascii() and piece.isdigit() for piece in part.split(","))

"""The base of every generated blocking namespace: forward a call to the async twin."""

from __future__ import annotations

from typing import Any

from toggl_async.resources import Resource

from .paginator import SyncPaginator
from .portal import Portal

__all__ = ["SyncNamespace"]


class SyncNamespace:
    """Holds the portal and the async namespace; generated subclasses add typed methods."""

    def __init__(self, portal: Portal, inner: Resource) -> None:
        self._portal = portal
        self._inner = inner

    def _call(self, name: str, /, *args: Any, **kwargs: Any) -> Any:
        return self._portal.call(getattr(self._inner, name), *args, **kwargs)

    def _paginate(self, name: str, /, *args: Any, **kwargs: Any) -> SyncPaginator[Any]:
        return SyncPaginator(self._portal, getattr(self._inner, name)(*args, **kwargs))

    def __repr__(self) -> str:
        return f"<blocking {type(self._inner).__name__} namespace>"

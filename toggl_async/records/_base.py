"""The base of every record: frozen attrs classes that keep what they do not know."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

__all__ = ["EMPTY", "Record"]

EMPTY: Mapping[str, Any] = MappingProxyType({})


@attrs.frozen(kw_only=True)
class Record:
    """An API object. Fields the API sends that we do not model yet land in ``extra``.

    So a new Toggl field never breaks parsing and an export never loses data; ``extra`` is
    shared and empty for the common case, so it costs nothing when there is nothing in it.
    """

    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False)

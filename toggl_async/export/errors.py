"""What can stop an export before or besides an API error (those keep their own classes)."""

from __future__ import annotations

from ..errors import TogglError

__all__ = [
    "ExportDataError",
    "ExportDirectoryError",
    "ExportError",
    "ExportLockedError",
    "ExportOptionsError",
    "ExportStateError",
]


class ExportError(TogglError):
    """Root of the export's own errors."""


class ExportOptionsError(ExportError, ValueError):
    """An argument can never work (a bad date range, an unknown format or workspace)."""


class ExportDirectoryError(ExportError, OSError):
    """The output directory cannot be created, written or locked."""


class ExportLockedError(ExportError, RuntimeError):
    """Another export is writing into the same directory right now."""


class ExportStateError(ExportError, ValueError):
    """The directory holds something we must not overwrite or cannot resume.

    A non-empty directory that is not an export, an unfinished export made with other
    options, or ``resume=True`` with nothing to resume.
    """


class ExportDataError(ExportError, ValueError):
    """Toggl sent a value no export format can hold (an id beyond 64 bits).

    Running again does not help: the record is named so that it can be reported or fixed.
    """

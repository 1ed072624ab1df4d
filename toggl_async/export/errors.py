"""What can stop an export before or besides an API error (those keep their own classes)."""

from __future__ import annotations

from ..errors import (
    ForbiddenError,
    NotFoundError,
    PaymentRequiredError,
    QuotaExceededError,
    TogglError,
)

__all__ = [
    "SKIPPABLE",
    "ExportDataError",
    "ExportDirectoryError",
    "ExportError",
    "ExportLockedError",
    "ExportOptionsError",
    "ExportStateError",
    "first_error",
    "skippable",
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


#: Refusals that concern one workspace's listing: it is skipped (with a warning), the rest
#: of the export goes on. A spent quota is a PaymentRequiredError too, but never skipped.
SKIPPABLE = (ForbiddenError, PaymentRequiredError, NotFoundError)


def skippable(exc: BaseException) -> bool:
    return isinstance(exc, SKIPPABLE) and not isinstance(exc, QuotaExceededError)


def first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The error to report from a failed task group: the first one, unwrapped."""
    first = group.exceptions[0]
    while isinstance(first, BaseExceptionGroup):
        first = first.exceptions[0]
    return first

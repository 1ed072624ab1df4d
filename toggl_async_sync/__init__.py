"""toggl-async for blocking code: the same client, namespaces and records, without ``await``.

``toggl_async_sync.TogglClient`` takes the async client's arguments and has its namespaces
and methods; it raises the very same exception classes (re-exported here for convenience).
"""

from toggl_async import (
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConfigurationError,
    ConflictError,
    DecodeError,
    ForbiddenError,
    GoneError,
    InvalidCursorError,
    NotFoundError,
    PaginationError,
    PaymentRequiredError,
    Quota,
    QuotaExceededError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TogglAPIError,
    TogglConnectionError,
    TogglError,
    TogglTimeoutError,
    UnprocessableError,
)

from .client import TogglClient
from .fleet import export_accounts
from .paginator import SyncPaginator

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "DecodeError",
    "ForbiddenError",
    "GoneError",
    "InvalidCursorError",
    "NotFoundError",
    "PaginationError",
    "PaymentRequiredError",
    "Quota",
    "QuotaExceededError",
    "RateLimitError",
    "RetryPolicy",
    "ServerError",
    "SyncPaginator",
    "TogglAPIError",
    "TogglClient",
    "TogglConnectionError",
    "TogglError",
    "TogglTimeoutError",
    "UnprocessableError",
    "export_accounts",
]

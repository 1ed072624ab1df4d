"""toggl-async for blocking code: the same client, namespaces and records, without ``await``."""

from toggl_async import (
    AuthenticationError,
    ClientClosedError,
    ConfigurationError,
    NotFoundError,
    QuotaExceededError,
    RetryPolicy,
    TogglAPIError,
    TogglError,
)

from .client import TogglClient
from .paginator import SyncPaginator

__all__ = [
    "AuthenticationError",
    "ClientClosedError",
    "ConfigurationError",
    "NotFoundError",
    "QuotaExceededError",
    "RetryPolicy",
    "SyncPaginator",
    "TogglAPIError",
    "TogglClient",
    "TogglError",
]

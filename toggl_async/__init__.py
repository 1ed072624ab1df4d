"""toggl-async: an asyncio-first SDK for the Toggl Track v9, Reports v3 and Focus APIs."""

from ._version import __version__
from .client import TogglClient
from .errors import (
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConfigurationError,
    ConflictError,
    DecodeError,
    ForbiddenError,
    GoneError,
    InsecureURLWarning,
    InvalidCursorError,
    NotFoundError,
    PaymentRequiredError,
    QuotaExceededError,
    RateLimitError,
    RedirectError,
    ResponseTooLargeError,
    ServerError,
    TogglAPIError,
    TogglConnectionError,
    TogglError,
    TogglTimeoutError,
    UnprocessableError,
)
from .limits import Quota
from .pagination import PaginationError, Paginator
from .retry import RetryPolicy

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "DecodeError",
    "ForbiddenError",
    "GoneError",
    "InsecureURLWarning",
    "InvalidCursorError",
    "NotFoundError",
    "PaginationError",
    "Paginator",
    "PaymentRequiredError",
    "Quota",
    "QuotaExceededError",
    "RateLimitError",
    "RedirectError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "ServerError",
    "TogglAPIError",
    "TogglClient",
    "TogglConnectionError",
    "TogglError",
    "TogglTimeoutError",
    "UnprocessableError",
    "__version__",
]

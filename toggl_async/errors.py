"""The exception hierarchy.

Every error a user can see derives from :class:`TogglError`, so one ``except`` catches them
all; HTTP failures are :class:`TogglAPIError` subclasses chosen by *meaning* (auth, quota,
not found ...) so callers never switch on status codes. Messages say what failed and what to
do next, and never contain a credential: only the method, the URL (which never carries
secrets) and the server's own message go in.
"""

from __future__ import annotations

from collections.abc import Mapping

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
    "PaymentRequiredError",
    "QuotaExceededError",
    "RateLimitError",
    "RedirectError",
    "ResponseTooLargeError",
    "ServerError",
    "TogglAPIError",
    "TogglConnectionError",
    "TogglError",
    "TogglTimeoutError",
    "UnprocessableError",
]


class TogglError(Exception):
    """Root of every exception raised by toggl-async."""


class InsecureURLWarning(UserWarning):
    """Credentials are about to go over plain ``http://`` to a host that is not loopback."""


class ConfigurationError(TogglError, ValueError):
    """The client was configured in a way that cannot work (e.g. no credentials)."""


class ClientClosedError(TogglError, RuntimeError):
    """A request was made through a client that has already been closed."""


class InvalidCursorError(TogglError, ValueError):
    """A pagination cursor does not belong to this endpoint or these parameters."""


class TogglConnectionError(TogglError):
    """The request never got a complete HTTP response (refused, reset, truncated body)."""

    def __init__(self, message: str, *, method: str = "", url: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.url = url


class TogglTimeoutError(TogglConnectionError, TimeoutError):
    """The request did not complete within the client's ``timeout``."""


class ResponseTooLargeError(TogglConnectionError):
    """The decoded body passed the client's ``max_response_bytes``; reading stopped there.

    The partial body is not kept (holding it is what the cap prevents).
    """

    def __init__(self, message: str, *, method: str = "", url: str = "", limit: int = 0) -> None:
        super().__init__(message, method=method, url=url)
        self.limit = limit


class DecodeError(TogglError, ValueError):
    """A response body was not what the endpoint promises (bad JSON or wrong shape)."""

    def __init__(self, message: str, *, method: str = "", url: str = "", body: bytes = b"") -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self.body = body


class TogglAPIError(TogglError):
    """Toggl answered with an HTTP error status.

    ``message`` is the server's own explanation (Toggl sends a JSON string, sometimes an
    nginx HTML page); ``body`` keeps the raw bytes for debugging.
    """

    hint = ""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        method: str,
        url: str,
        body: bytes = b"",
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.message = message
        self.method = method
        self.url = url
        self.body = body
        self.request_id = request_id
        self.headers: Mapping[str, str] = dict(headers or {})
        super().__init__(self._describe())

    def _describe(self) -> str:
        text = f"{self.method} {self.url} failed with HTTP {self.status}"
        if self.message:
            text += f": {self.message}"
        hint = self._hint()
        if hint:
            text += f". {hint}"
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text

    def _hint(self) -> str:
        return self.hint

    def __reduce__(self) -> tuple[object, ...]:
        return (
            _rebuild_api_error,
            (type(self), self.status, self.message, self.method, self.url, self.body),
        )


def _rebuild_api_error(
    cls: type[TogglAPIError], status: int, message: str, method: str, url: str, body: bytes
) -> TogglAPIError:
    return cls(status, message, method=method, url=url, body=body)


class RedirectError(TogglAPIError):
    """3xx: Toggl (or a proxy) answered with a redirect, which the client never follows.

    Typically an ``http://`` base URL redirected to ``https://``: fix the base URL rather
    than follow it (a followed redirect would resend the credentials). ``location`` is the
    ``Location`` header, or None.
    """

    @property
    def location(self) -> str | None:
        return self.headers.get("Location") or self.headers.get("location")

    def _hint(self) -> str:
        where = self.location
        target = f"to {where}" if where else "(no Location header)"
        return (
            f"The server redirects {target}; redirects are not followed. Use that URL as "
            "the base URL (e.g. https:// instead of http://)"
        )


class BadRequestError(TogglAPIError):
    """400: Toggl rejected the request's parameters or body."""

    hint = "Fix the request: Toggl's message above says which value it rejected"


class AuthenticationError(TogglAPIError):
    """401, or 403 on an endpoint every authenticated user may call: bad credentials."""

    hint = (
        "Check the API token (TOGGL_API_TOKEN, or Profile settings > API Token in Toggl), "
        "or the email/password; Focus needs its own key (TOGGL_FOCUS_API_KEY)"
    )


class ForbiddenError(TogglAPIError):
    """403 on a specific resource: authenticated, but not allowed to see or change it."""

    hint = (
        "This user may not access that resource (or the credentials are wrong: "
        "`await toggl.me.logged()` tells which)"
    )


class NotFoundError(TogglAPIError):
    """404: the resource does not exist or is not visible to this user."""

    hint = "Check the ids in the request"


class ConflictError(TogglAPIError):
    """409: the request conflicts with the current state (e.g. stopping a stopped entry)."""


class GoneError(TogglAPIError):
    """410: Toggl has retired this endpoint; do not call it again."""


class UnprocessableError(TogglAPIError):
    """422: well-formed but not allowed now (e.g. Focus: already tracking)."""


class PaymentRequiredError(TogglAPIError):
    """402 that is not a spent quota: the feature needs a paid plan. Never retried.

    A 402 whose ``X-Toggl-Quota-Remaining`` says requests are left is this class too:
    the decision is made on the header's value, not on its presence.
    """

    hint = "This feature needs a higher Toggl plan for the workspace; retrying will not help"


class QuotaExceededError(PaymentRequiredError):
    """402 with ``X-Toggl-Quota-Remaining`` <= 0 (or only ``-Resets-In``): the quota is spent.

    ``remaining`` and ``resets_in`` (seconds) come from ``X-Toggl-Quota-Remaining`` and
    ``X-Toggl-Quota-Resets-In``. Pass ``RetryPolicy(wait_for_quota=True)`` to wait for the
    reset instead of raising.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        method: str,
        url: str,
        body: bytes = b"",
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        remaining: int | None = None,
        resets_in: float | None = None,
    ) -> None:
        self.remaining = remaining
        self.resets_in = resets_in
        super().__init__(
            status,
            message,
            method=method,
            url=url,
            body=body,
            request_id=request_id,
            headers=headers,
        )

    def _hint(self) -> str:
        when = f"in {self.resets_in:.0f} s" if self.resets_in is not None else "within the hour"
        return (
            f"The Toggl API quota is spent; it resets {when}. Wait, or construct the client "
            "with RetryPolicy(wait_for_quota=True) to wait automatically"
        )


class RateLimitError(TogglAPIError):
    """429: sent faster than Toggl's leaky bucket allows. ``retry_after`` in seconds, if given."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        method: str,
        url: str,
        body: bytes = b"",
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(
            status,
            message,
            method=method,
            url=url,
            body=body,
            request_id=request_id,
            headers=headers,
        )

    hint = "Slow down: lower max_concurrency or set rate_limit= (Toggl suggests 1 request/s)"


class ServerError(TogglAPIError):
    """5xx: Toggl failed; idempotent requests were already retried."""

    hint = "Toggl had a server error; try again later"

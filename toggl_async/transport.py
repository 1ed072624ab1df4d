"""The transport: one pooled aiohttp session, limits, retries, and status-to-error mapping.

Everything that talks to the network goes through :meth:`Transport.send`, so auth, the
concurrency limit, rate limiting, quota awareness and retries are applied in one place, the
same way for every endpoint. It returns a :class:`Response` holding the raw bytes; turning
them into records is the caller's job (``records.converter``).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Mapping
from typing import Any, BinaryIO

import aiohttp
import attrs
from multidict import CIMultiDict, CIMultiDictProxy

from . import _json
from ._version import __version__
from .auth import Api, Credentials
from .errors import (
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConflictError,
    DecodeError,
    ForbiddenError,
    GoneError,
    NotFoundError,
    PaymentRequiredError,
    QuotaExceededError,
    RateLimitError,
    ServerError,
    TogglAPIError,
    TogglConnectionError,
    TogglTimeoutError,
    UnprocessableError,
)
from .limits import QuotaTracker, RateLimiter, parse_quota, quota_bucket
from .retry import RetryPolicy

__all__ = ["DEFAULT_USER_AGENT", "Request", "Response", "Transport"]

logger = logging.getLogger("toggl_async")

DEFAULT_USER_AGENT = (
    f"toggl-async/{__version__} python/{sys.version_info[0]}.{sys.version_info[1]} "
    f"aiohttp/{aiohttp.__version__}"
)
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_CHUNK = 64 * 1024
"""Bytes per write when a body streams to a sink."""


@attrs.frozen(kw_only=True)
class Request:
    """One HTTP call, before auth and retries: what an endpoint method builds."""

    method: str
    api: Api
    path: str
    params: Mapping[str, str] | None = None
    body: bytes | None = None
    idempotent: bool | None = None
    """None means "decide by method"; Reports searches set True (a POST that only reads)."""
    content_type: str | None = None
    """The body's type when it is not JSON (multipart uploads); None means JSON."""

    @property
    def retry_safe(self) -> bool:
        if self.idempotent is not None:
            return self.idempotent
        return self.method in _IDEMPOTENT_METHODS


@attrs.frozen(kw_only=True)
class Response:
    """A complete HTTP response: status, headers and the whole body."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes
    method: str
    url: str

    def json(self) -> Any:
        """The body parsed as JSON (``None`` for an empty body)."""
        if not self.body:
            return None
        try:
            return _json.loads(self.body)
        except ValueError as exc:
            raise DecodeError(
                f"{self.method} {self.url} returned a body that is not valid JSON ({exc}); "
                f"first bytes: {self.body[:80]!r}",
                method=self.method,
                url=self.url,
                body=self.body,
            ) from None


class _Retryable(Exception):
    """Internal: an attempt failed in a way the policy may retry."""

    def __init__(self, error: Exception, *, sent: bool, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.sent = sent
        self.retry_after = retry_after


class Transport:
    """Sends :class:`Request` objects; owns (or borrows) the aiohttp session."""

    def __init__(
        self,
        *,
        credentials: Credentials,
        base_urls: Mapping[Api, str],
        timeout: float,
        max_connections: int,
        max_concurrency: int,
        rate_limit: float | None,
        retry: RetryPolicy,
        user_agent: str,
        session: aiohttp.ClientSession | None,
    ) -> None:
        self._credentials = credentials
        self._base_urls = {api: url.rstrip("/") for api, url in base_urls.items()}
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._max_connections = max_connections
        self._max_concurrency = max_concurrency
        self._limiter: asyncio.Semaphore | None = None
        self._rate = RateLimiter(rate_limit) if rate_limit is not None else None
        self.retry = retry
        self._user_agent = user_agent
        self._session = session
        self._owns_session = session is None
        self._closed = False
        self.quota = QuotaTracker()
        self.requests_sent = 0
        """Every HTTP request put on the wire, retries included (what the quota counts)."""

    # -- lifetime -------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    def _ensure_open(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientClosedError(
                "this TogglClient is closed; create a new one "
                "(or keep using it inside `async with TogglClient(...)`)"
            )
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._max_connections, limit_per_host=self._max_connections
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._timeout,
                headers={"User-Agent": self._user_agent},
                json_serialize=_json.dumps_str,
            )
        if self._limiter is None:
            self._limiter = asyncio.Semaphore(self._max_concurrency)
        return self._session

    async def aclose(self) -> None:
        """Close the session if we created it; idempotent."""
        if self._closed:
            return
        self._closed = True
        session, self._session = self._session, None
        if session is not None and self._owns_session:
            await session.close()

    # -- sending --------------------------------------------------------------------------

    def url_for(self, request: Request) -> str:
        return self._base_urls[request.api] + request.path

    async def send(self, request: Request, *, sink: BinaryIO | None = None) -> Response:
        """Send with the client's limits and retry policy; return a 2xx response or raise.

        With ``sink``, a 2xx body is written to it in chunks as it arrives (the returned
        response has ``body=b""``); each retry first seeks the sink back to where it was at
        the call and truncates it, so a retried download never holds a torn first try.
        Error bodies are never written to the sink.
        """
        # -- wholeapi: minimal streaming sink (to be reconciled with the transport branch) --
        start = sink.tell() if sink is not None else 0
        session = self._ensure_open()
        auth = self._credentials.header_for(request.api)
        url = self.url_for(request)
        bucket = quota_bucket(request.path)
        policy = self.retry
        started = time.monotonic()
        retries = 0
        while True:
            await self._wait_for_known_quota(bucket, request, url)
            if sink is not None:
                sink.seek(start)
                sink.truncate()
            try:
                return await self._attempt(session, request, url, auth, bucket, sink)
            except _Retryable as failure:
                if isinstance(failure.error, QuotaExceededError):
                    await self._wait_for_quota_reset(failure.error)
                    continue
                safe = request.retry_safe or not failure.sent
                if not safe or retries + 1 >= policy.max_attempts:
                    raise failure.error from None
                delay = policy.delay(retries, failure.retry_after)
                if time.monotonic() - started + delay > policy.max_elapsed:
                    raise failure.error from None
                logger.info(
                    "retrying %s %s in %.2f s after: %s", request.method, url, delay, failure.error
                )
                retries += 1
                await asyncio.sleep(delay)

    async def _attempt(
        self,
        session: aiohttp.ClientSession,
        request: Request,
        url: str,
        auth: str,
        bucket: str,
        sink: BinaryIO | None = None,
    ) -> Response:
        headers = {"Authorization": auth}
        if request.body is not None:
            headers["Content-Type"] = request.content_type or "application/json"
        assert self._limiter is not None
        if self._rate is not None:
            await self._rate.acquire()
        async with self._limiter:
            t0 = time.perf_counter()
            try:
                self.requests_sent += 1
                async with session.request(
                    request.method,
                    url,
                    params=request.params,
                    data=request.body,
                    headers=headers,
                    allow_redirects=False,
                ) as resp:
                    status = resp.status
                    resp_headers = resp.headers
                    if sink is not None and 200 <= status < 300:
                        async for chunk in resp.content.iter_chunked(_CHUNK):
                            sink.write(chunk)
                        body = b""
                    else:
                        body = await resp.read()
            except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
                # The connection never opened: Toggl cannot have acted on the request.
                raise _Retryable(_connection_error(request, url, exc), sent=False) from None
            except TimeoutError:
                raise _Retryable(
                    TogglTimeoutError(
                        f"{request.method} {url} did not complete within "
                        f"{self._timeout.total} s; raise timeout= or try again later",
                        method=request.method,
                        url=url,
                    ),
                    sent=True,
                ) from None
            except aiohttp.ClientPayloadError as exc:
                raise _Retryable(
                    TogglConnectionError(
                        f"{request.method} {url}: the response body was cut short ({exc})",
                        method=request.method,
                        url=url,
                    ),
                    sent=True,
                ) from None
            except (aiohttp.ClientError, OSError) as exc:
                raise _Retryable(_connection_error(request, url, exc), sent=True) from None
        elapsed_ms = (time.perf_counter() - t0) * 1000
        logger.debug("%s %s -> %d (%.1f ms)", request.method, url, status, elapsed_ms)
        self.quota.observe(bucket, resp_headers)
        response = Response(
            status=status, headers=resp_headers, body=body, method=request.method, url=url
        )
        if status < 400:
            return response
        error = error_from_response(response, request)
        if isinstance(error, QuotaExceededError) and self.retry.wait_for_quota:
            raise _Retryable(error, sent=True)
        if isinstance(error, RateLimitError):
            fallback = self.retry.rate_limit_fallback
            wait = error.retry_after if error.retry_after is not None else fallback
            raise _Retryable(error, sent=False, retry_after=wait)
        if self.retry.should_retry_status(status) and status >= 500:
            raise _Retryable(error, sent=True)
        raise error

    # -- quota ----------------------------------------------------------------------------

    async def _wait_for_known_quota(self, bucket: str, request: Request, url: str) -> None:
        """Do not spend a request Toggl will refuse: wait for (or report) a known-spent quota."""
        quota = self.quota.get(bucket)
        if quota is None or not quota.exhausted():
            return
        error = QuotaExceededError(
            402,
            "the hourly quota was already spent (from the last response's headers)",
            method=request.method,
            url=url,
            remaining=quota.remaining,
            resets_in=quota.seconds_to_reset(),
        )
        if not self.retry.wait_for_quota:
            raise error
        await self._wait_for_quota_reset(error)

    async def _wait_for_quota_reset(self, error: QuotaExceededError) -> None:
        wait = error.resets_in if error.resets_in is not None else 60.0
        if wait > self.retry.max_quota_wait:
            raise error
        wait += min(1.0, self.retry.backoff(0))
        logger.warning("Toggl API quota spent; waiting %.0f s for it to reset", wait)
        await asyncio.sleep(wait)


def _connection_error(request: Request, url: str, exc: BaseException) -> TogglConnectionError:
    reason = str(exc) or type(exc).__name__
    return TogglConnectionError(
        f"{request.method} {url} failed before a complete response arrived ({reason}); "
        "check the network or the base URL",
        method=request.method,
        url=url,
    )


_BY_STATUS: dict[int, type[TogglAPIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    404: NotFoundError,
    409: ConflictError,
    410: GoneError,
    422: UnprocessableError,
}


def error_from_response(response: Response, request: Request | None = None) -> TogglAPIError:
    """Map an error response to the exception class that says what it means."""
    status = response.status
    headers = response.headers
    message = server_message(response.body, headers.get("Content-Type", ""))
    kwargs: dict[str, Any] = {
        "method": response.method,
        "url": response.url,
        "body": response.body,
        "request_id": headers.get("X-Request-Id") or headers.get("X-Toggl-Request-Id"),
        "headers": CIMultiDict(headers),
    }
    if status == 402:
        quota = parse_quota(headers)
        if quota is not None:
            return QuotaExceededError(
                status, message, remaining=quota[0], resets_in=quota[1], **kwargs
            )
        return PaymentRequiredError(status, message, **kwargs)
    if status == 403:
        path = request.path if request is not None else ""
        auth_only = path.startswith("/me") or (request is not None and request.api is Api.FOCUS)
        cls: type[TogglAPIError] = AuthenticationError if auth_only else ForbiddenError
        return cls(status, message, **kwargs)
    if status == 429:
        return RateLimitError(
            status, message, retry_after=_retry_after(headers.get("Retry-After")), **kwargs
        )
    if status >= 500:
        return ServerError(status, message, **kwargs)
    return _BY_STATUS.get(status, TogglAPIError)(status, message, **kwargs)


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def server_message(body: bytes, content_type: str = "") -> str:
    """Toggl's explanation: a JSON string, a JSON object's message, or an HTML title."""
    if not body:
        return ""
    text = body.decode("utf-8", "replace").strip()
    if "html" in content_type or text.startswith("<"):
        start, end = text.find("<title>"), text.find("</title>")
        if start != -1 and end > start:
            return text[start + 7 : end].strip()
        return text[:200]
    try:
        parsed = _json.loads(body)
    except ValueError:
        return text[:500]
    if isinstance(parsed, str):
        return parsed
    if isinstance(parsed, dict):
        for key in ("message", "error", "error_message", "errors"):
            if key in parsed:
                return str(parsed[key])
    return text[:500]

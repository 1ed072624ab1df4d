"""The transport: one pooled aiohttp session, limits, retries, and status-to-error mapping.

Everything that talks to the network goes through :meth:`Transport.send`, so auth, the
concurrency limit, rate limiting, quota awareness and retries are applied in one place, the
same way for every endpoint. It returns a :class:`Response` holding the raw bytes; turning
them into records is the caller's job (``records.converter``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import math
import sys
import time
import warnings
from collections.abc import Mapping
from typing import Any, BinaryIO
from urllib.parse import urlsplit
from urllib.request import getproxies

import aiohttp
from aiohttp import hdrs
from multidict import CIMultiDict, CIMultiDictProxy, istr

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
    InsecureURLWarning,
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
from .limits import (
    MAX_RESETS_IN,
    QuotaGate,
    QuotaTracker,
    RateLimiter,
    Slots,
    parse_quota,
    quota_bucket,
)
from .retry import RetryPolicy

__all__ = ["DEFAULT_MAX_RESPONSE_BYTES", "DEFAULT_USER_AGENT", "Request", "Response", "Transport"]

logger = logging.getLogger("toggl_async")

DEFAULT_USER_AGENT = (
    f"toggl-async/{__version__} python/{sys.version_info[0]}.{sys.version_info[1]} "
    f"aiohttp/{aiohttp.__version__}"
)
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
"""64 MiB of decoded body: far above any Toggl page (a 200-entry page is ~100 KB)."""
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_REMAINING = istr("X-Toggl-Quota-Remaining")
_RESETS_IN = istr("X-Toggl-Quota-Resets-In")
_REQUEST_IDS = (istr("X-Request-Id"), istr("X-Toggl-Request-Id"))
_UNKNOWN: Any = object()


class Request:
    """One HTTP call, before auth and retries: what an endpoint method builds."""

    __slots__ = ("api", "body", "content_type", "idempotent", "method", "params", "path")

    def __init__(
        self,
        *,
        method: str,
        api: Api,
        path: str,
        params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        idempotent: bool | None = None,
        content_type: str | None = None,
    ) -> None:
        self.method = method
        self.api = api
        self.path = path
        self.params = params
        self.body = body
        # None means "decide by method"; Reports searches set True (a POST that only reads).
        self.idempotent = idempotent
        # The body's type when it is not JSON (multipart uploads); None means JSON.
        self.content_type = content_type

    @property
    def retry_safe(self) -> bool:
        if self.idempotent is not None:
            return self.idempotent
        return self.method in _IDEMPOTENT_METHODS

    def __repr__(self) -> str:
        return f"Request(method={self.method!r}, api={self.api}, path={self.path!r})"


class Response:
    """A complete HTTP response: status, headers and the whole body (``b""`` for a sink)."""

    __slots__ = ("body", "headers", "method", "status", "url")

    def __init__(
        self,
        *,
        status: int,
        headers: CIMultiDictProxy[str],
        body: bytes,
        method: str,
        url: str,
    ) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.method = method
        self.url = url

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.method} {self.url} ({len(self.body)} bytes)>"

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


class _SecretHeaders(dict[str, str]):
    """Request headers holding a credential: a repr (and so a traceback's locals) hides them."""

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k!r}: '***'" for k in self) + "}"

    __str__ = __repr__


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
        max_response_bytes: int,
        trust_env: bool,
    ) -> None:
        self._credentials = credentials
        self._base_urls = {api: url.rstrip("/") for api, url in base_urls.items()}
        self._insecure = {
            api
            for api, url in self._base_urls.items()
            if url.startswith("http://") and not _is_loopback(url)
        }
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._max_connections = max_connections
        self._max_concurrency = max_concurrency
        self._limiter: Slots | None = None
        self._rate = RateLimiter(rate_limit) if rate_limit is not None else None
        self.retry = retry
        self._user_agent = user_agent
        self._session = session
        self._owns_session = session is None
        self._max_response_bytes = max_response_bytes
        self._trust_env = trust_env
        self._headers: dict[tuple[Api, bool], _SecretHeaders | None] = {}
        self._closed = False
        self._running: set[asyncio.Task[Any]] = set()
        self._closing: set[asyncio.Task[Any]] = set()
        self._quota_logged: dict[str, float] = {}
        self.quota = QuotaTracker()
        self._gate = QuotaGate(self.quota)
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
            # Sockets across every host (Focus is another); our semaphore bounds requests.
            connector = aiohttp.TCPConnector(limit=self._max_connections)
            headers = {"User-Agent": self._user_agent}
            if self._credentials.has_track:
                # Set once on our own session, not merged into every request.
                headers["Authorization"] = self._credentials.header_for(Api.TRACK)
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._timeout,
                headers=headers,
                json_serialize=_json.dumps_str,
                # Reading proxies from the environment costs on every request: only when
                # the environment names one (trust_env also enables ~/.netrc, unused here
                # since every request carries its own Authorization).
                trust_env=self._trust_env and bool(getproxies()),
            )
        if self._limiter is None:
            self._limiter = Slots(self._max_concurrency)
        return self._session

    async def aclose(self) -> None:
        """Close the session if we created it; fail every call still running. Idempotent.

        Calls in flight, queued behind the concurrency limit, or waiting for a retry or
        the quota end at once with :class:`ClientClosedError`.
        """
        if self._closed:
            return
        self._closed = True
        for task in self._running:  # only calls under way: each removes itself as it ends
            if task is not asyncio.current_task():
                self._closing.add(task)
                task.cancel()
        session, self._session = self._session, None
        if session is not None and self._owns_session:
            await session.close()

    # -- sending --------------------------------------------------------------------------

    def url_for(self, request: Request) -> str:
        return self._base_urls[request.api] + request.path

    def _headers_for(self, api: Api, has_body: bool) -> _SecretHeaders | None:
        """Per-request headers (cached): auth unless our session already carries it."""
        key = (api, has_body)
        if key in self._headers:
            return self._headers[key]
        headers = _SecretHeaders()
        if api is Api.FOCUS or not self._owns_session:
            headers["Authorization"] = self._credentials.header_for(api)
        elif not self._credentials.has_track:
            self._credentials.header_for(api)  # raises the clear "no credentials" error
        if has_body:
            headers["Content-Type"] = "application/json"
        if api in self._insecure:
            warnings.warn(
                f"credentials are sent over plain http:// to {self._base_urls[api]}, which is "
                "not a loopback address: anyone on the path can read them; use https://",
                InsecureURLWarning,
                stacklevel=4,
            )
        self._headers[key] = headers or None
        return headers or None

    async def send(self, request: Request, *, sink: BinaryIO | None = None) -> Response:
        """Send with the client's limits and retry policy; return a 2xx response or raise.

        With ``sink``, a 2xx body is written to it in chunks as it arrives (the size cap
        does not apply) and the returned response has ``body=b""``; a retry first rewinds
        and truncates the sink to where it was, and error bodies never go to it.

        Every call goes through here, so the first attempt's path does only what each
        request needs (see benchmarks/overhead.py); what a failure needs is worked out in
        :meth:`_judge` and :meth:`_failure`, only when there is one.
        """
        session = self._session
        if session is None:  # not opened yet, or closed (aclose() drops it)
            session = self._ensure_open()
        limiter = self._limiter
        assert limiter is not None
        has_body = request.body is not None
        headers = self._headers.get((request.api, has_body), _UNKNOWN)
        if headers is _UNKNOWN:
            headers = self._headers_for(request.api, has_body)
        if request.content_type is not None:
            headers = _SecretHeaders(headers or {}, **{"Content-Type": request.content_type})
        method = request.method
        url = self._base_urls[request.api] + request.path
        bucket = quota_bucket(request.path)
        mark = _mark_of(sink) if sink is not None else 0
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        gate = self._gate
        debug = logger.isEnabledFor(logging.DEBUG)
        attempts = 0
        started = time.monotonic()
        quota_waited = 0.0
        try:
            while True:
                if self._rate is not None:
                    await self._rate.acquire()
                if not limiter.try_acquire():
                    await limiter.acquire()
                error: TogglError | None = None
                retryable = sent = False
                retry_after: float | None = None
                blocked = None
                try:
                    blocked = gate.admit(bucket)
                    if blocked is None:
                        attempts += 1
                        self.requests_sent += 1
                        t0 = time.perf_counter() if debug else 0.0
                        try:
                            resp = await session.request(
                                method,
                                url,
                                params=request.params,
                                data=request.body,
                                headers=headers,
                                allow_redirects=False,
                            )
                            try:
                                status = resp.status
                                if sink is not None and 200 <= status < 300:
                                    read = resp.content.readany
                                    while chunk := await read():
                                        sink.write(chunk)
                                    body = b""
                                elif resp.content.is_eof():  # all arrived with the headers
                                    body = resp.content.read_nowait()
                                    if len(body) > self._max_response_bytes:
                                        resp.close()
                                        raise _TooLarge(self._max_response_bytes)
                                else:
                                    body = await _read_capped(resp, self._max_response_bytes)
                            finally:
                                resp.release()
                        except (_TooLarge, aiohttp.ClientError, OSError, TimeoutError) as exc:
                            error, retryable, sent = self._failure(request, url, exc)
                        else:
                            if debug:
                                ms = (time.perf_counter() - t0) * 1000
                                logger.debug("%s %s -> %d (%.1f ms)", method, url, status, ms)
                            received = resp.headers
                            left = received.get(_REMAINING)
                            resets = received.get(_RESETS_IN)
                            if left is not None or resets is not None:
                                self.quota.note(bucket, left, resets)
                            response = Response(
                                status=status, headers=received, body=body, method=method, url=url
                            )
                            if 200 <= status < 300:
                                return response
                            error, retryable, sent, retry_after = self._judge(response, request)
                finally:
                    limiter.release()
                    if blocked is None:
                        gate.done(bucket)
                if blocked is not None:
                    if blocked.remaining > 0:  # requests in flight may use the rest: see
                        await gate.changed(bucket)
                        continue
                    error = QuotaExceededError(
                        402,
                        "the hourly quota was already spent (from the last response's headers)",
                        method=method,
                        url=url,
                        remaining=blocked.remaining,
                        resets_in=blocked.seconds_to_reset(),
                    )
                assert error is not None
                if sink is not None:
                    _rewind(sink, mark)  # never leave a partial body behind
                if self._closed:  # a failure that raced aclose(): no retry on a closed session
                    raise _stopped(method, url) from None
                if isinstance(error, QuotaExceededError):
                    if blocked is None and (not retryable or attempts >= self.retry.max_attempts):
                        raise error
                    quota_waited += await self._wait_for_quota_reset(error, bucket, quota_waited)
                    continue
                if not retryable or not (request.retry_safe or not sent):
                    raise error
                if attempts >= self.retry.max_attempts:
                    raise error
                delay = self.retry.delay(attempts - 1, retry_after)
                if time.monotonic() - started + delay > self.retry.max_elapsed:
                    raise error
                logger.info("retrying %s %s in %.2f s after: %s", method, url, delay, error)
                await asyncio.sleep(delay)
        except asyncio.CancelledError:
            if sink is not None:
                _rewind(sink, mark)
            if task in self._closing and task.uncancel() == 0:  # aclose()'s, not the caller's
                raise _stopped(method, url) from None
            raise
        finally:
            self._running.discard(task)
            if self._closing:  # only while aclose() is ending calls
                self._closing.discard(task)

    def _judge(
        self, response: Response, request: Request
    ) -> tuple[TogglAPIError, bool, bool, float | None]:
        """A non-2xx response: ``(error, retryable, Toggl may have acted, Retry-After)``."""
        error = error_from_response(response, request)
        if isinstance(error, QuotaExceededError):
            return error, self.retry.wait_for_quota, False, None
        retryable = self.retry.should_retry_status(response.status)
        if isinstance(error, RateLimitError):  # Toggl refused it unread: safe for any method
            retry_after = error.retry_after
            if retry_after is None:
                retry_after = self.retry.rate_limit_fallback
            return error, retryable, False, retry_after
        return error, retryable, True, None

    def _failure(
        self, request: Request, url: str, exc: BaseException
    ) -> tuple[TogglError, bool, bool]:
        """No complete response: ``(error, retryable, Toggl may have acted)``."""
        method = request.method
        if isinstance(exc, _TooLarge):
            too_large = ResponseTooLargeError(
                f"{method} {url} returned more than {exc.limit} bytes "
                "(decoded); raise max_response_bytes= if that is expected",
                method=method,
                url=url,
                limit=exc.limit,
            )
            return too_large, False, False
        if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
            # The connection never opened: Toggl cannot have acted on it.
            return _connection_error(request, url, exc), True, False
        if isinstance(exc, TimeoutError):
            timeout = TogglTimeoutError(
                f"{method} {url} did not complete within "
                f"{self._timeout.total} s; raise timeout= or try again later",
                method=method,
                url=url,
            )
            return timeout, True, True
        if isinstance(exc, aiohttp.ClientPayloadError):
            cut = TogglConnectionError(
                f"{method} {url}: the response body was cut short ({exc})",
                method=method,
                url=url,
            )
            return cut, True, True
        return _connection_error(request, url, exc), True, True

    # -- quota ----------------------------------------------------------------------------

    async def _wait_for_quota_reset(
        self, error: QuotaExceededError, bucket: str, waited: float
    ) -> float:
        """Sleep until the quota resets; raise ``error`` when not allowed to. The wait in s.

        One call waits at most ``max_quota_wait`` in all, over every reset it waits for.
        """
        if not self.retry.wait_for_quota:
            raise error
        assert error.resets_in is not None  # a 402's headers and the gate both set it
        wait = error.resets_in
        if waited + wait > self.retry.max_quota_wait:
            raise error
        wait += min(1.0, self.retry.backoff(0))
        deadline = time.monotonic() + wait
        last = self._quota_logged.get(bucket)
        if last is None or abs(deadline - last) > 2.0:  # once per reset, not per waiter
            self._quota_logged[bucket] = deadline
            logger.warning(
                "Toggl API quota spent (%s); waiting %.0f s for it to reset", bucket, wait
            )
        await asyncio.sleep(wait)
        return wait


def _stopped(method: str, url: str) -> ClientClosedError:
    return ClientClosedError(
        f"{method} {url} was stopped: the TogglClient was closed while the call was running"
    )


def _rewind(sink: BinaryIO, mark: int) -> None:
    """Drop what a failed or cancelled attempt wrote to ``sink`` after ``mark``."""
    if sink.tell() != mark:
        sink.seek(mark)
        sink.truncate()


def _mark_of(sink: BinaryIO) -> int:
    """Where a retry rewinds ``sink`` to: it must be a seekable binary file."""
    try:
        return sink.tell()
    except (OSError, ValueError, AttributeError):
        raise TypeError(
            f"sink must be a seekable binary file open for writing (a retry rewinds it), "
            f"got {type(sink).__name__}"
        ) from None


class _TooLarge(Exception):
    def __init__(self, limit: int) -> None:
        self.limit = limit


async def _read_capped(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    """The decoded body, read chunk by chunk; stop (and drop the connection) past ``limit``."""
    read = resp.content.readany
    chunk = await read()
    if not chunk:
        return b""
    size = len(chunk)
    if size > limit:
        resp.close()
        raise _TooLarge(limit)
    more = await read()
    if not more:
        return chunk
    chunks = [chunk]
    while more:
        size += len(more)
        if size > limit:
            chunks.clear()
            resp.close()
            raise _TooLarge(limit)
        chunks.append(more)
        more = await read()
    return b"".join(chunks)


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
    message = server_message(response.body, headers.get(hdrs.CONTENT_TYPE, ""))
    kwargs: dict[str, Any] = {
        "method": response.method,
        "url": response.url,
        "body": response.body,
        "request_id": headers.get(_REQUEST_IDS[0]) or headers.get(_REQUEST_IDS[1]),
        "headers": CIMultiDict(headers),
    }
    if status == 402:
        # Toggl may send quota headers on every response: a 402 is a spent quota only
        # when they say no request is left, else it is a paid-plan feature.
        quota = parse_quota(headers)
        if quota is not None and quota[0] <= 0:
            return QuotaExceededError(
                status, message, remaining=quota[0], resets_in=quota[1], **kwargs
            )
        return PaymentRequiredError(status, message, **kwargs)
    if 300 <= status < 400:
        return RedirectError(status, message, **kwargs)
    if status == 403:
        # /me and Focus answer 403 for a bad credential; elsewhere it means no permission.
        auth_only = request is not None and (
            request.path.startswith("/me") or request.api is Api.FOCUS
        )
        cls: type[TogglAPIError] = AuthenticationError if auth_only else ForbiddenError
        return cls(status, message, **kwargs)
    if status == 429:
        return RateLimitError(
            status, message, retry_after=_retry_after(headers.get(hdrs.RETRY_AFTER)), **kwargs
        )
    if status >= 500:
        return ServerError(status, message, **kwargs)
    return _BY_STATUS.get(status, TogglAPIError)(status, message, **kwargs)


def _retry_after(value: str | None) -> float | None:
    """Seconds from ``Retry-After`` (seconds or an HTTP date); None when absent or absurd."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, OverflowError, IndexError):
            return None
    if not math.isfinite(seconds):
        return None  # not a figure: the policy's fallback applies, as with no header
    return min(max(0.0, seconds), MAX_RESETS_IN)


def server_message(body: bytes, content_type: str) -> str:
    """Toggl's explanation: a JSON string, a JSON object's message, or an HTML title."""
    if not body:
        return ""
    text = body.decode(errors="replace").strip()
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

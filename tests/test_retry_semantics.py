"""The retry policy and error mapping as users see them through the client (issue 16).

Each test pins one behaviour that a mutation of the library once changed without the suite
noticing. Waits go through a virtual clock (the transport's ``asyncio.sleep`` and
``time.monotonic`` are replaced for the test), so the exact figures the client chose are
asserted, and no test actually waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from types import ModuleType, SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aioresponses import aioresponses
from multidict import CIMultiDict, CIMultiDictProxy

import toggl_async.limits as limits_module
import toggl_async.transport as transport_module
from toggl_async import (
    AuthenticationError,
    ConflictError,
    DecodeError,
    ForbiddenError,
    PaymentRequiredError,
    QuotaExceededError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TogglAPIError,
    TogglClient,
    TogglConnectionError,
    TogglError,
    TogglTimeoutError,
)
from toggl_async.limits import Quota, RateLimiter
from toggl_async.transport import Response, error_from_response

from .helpers import FOCUS, TOKEN, TRACK, me_body, sent

ENTRY_URL = f"{TRACK}/workspaces/7/time_entries/9"


class VirtualClock:
    """Stands in for the transport's view of time: sleeping advances it instantly."""

    def __init__(self) -> None:
        # Starts at the real reading: quota headers are stamped with the real clock.
        self.now = time.monotonic()
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float, result: Any = None) -> Any:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await _REAL_SLEEP(0)
        return result


_REAL_SLEEP = asyncio.sleep


class _Proxy(ModuleType):
    """A module that answers like ``real`` except for the names given."""

    def __init__(self, real: ModuleType, **overrides: Any) -> None:
        super().__init__(real.__name__)
        self._real = real
        self.__dict__.update(overrides)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> VirtualClock:
    virtual = VirtualClock()
    monkeypatch.setattr(transport_module, "asyncio", _Proxy(asyncio, sleep=virtual.sleep))
    monkeypatch.setattr(transport_module, "time", _Proxy(time, monotonic=virtual.monotonic))
    monkeypatch.setattr(limits_module, "time", _Proxy(time, monotonic=virtual.monotonic))
    return virtual


def client(policy: RetryPolicy, **kwargs: Any) -> TogglClient:
    return TogglClient(api_token=TOKEN, retry=policy, **kwargs)


def policy(**kwargs: Any) -> RetryPolicy:
    """A policy whose random source is fixed, so every wait is exactly predictable."""
    kwargs.setdefault("random", lambda: 0.5)
    return RetryPolicy(**kwargs)


# -- what is retried ----------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_delete_is_idempotent_and_retried_on_5xx(clock: VirtualClock, status: int) -> None:
    async with client(policy(max_attempts=3, backoff_base=2.0)) as toggl:
        with aioresponses() as m:
            m.delete(ENTRY_URL, status=status, body='"try again"')
            m.delete(ENTRY_URL, status=200, body="")
            await toggl.time_entries.delete(7, 9)
            assert len(sent(m, "DELETE", ENTRY_URL)) == 2
    assert clock.sleeps == [1.0]  # base 2 * 2**0 * random 0.5


async def test_delete_is_retried_after_a_connection_reset(clock: VirtualClock) -> None:
    async with client(policy(max_attempts=3, backoff_base=2.0)) as toggl:
        with aioresponses() as m:
            m.delete(ENTRY_URL, exception=aiohttp.ServerDisconnectedError())
            m.delete(ENTRY_URL, exception=aiohttp.ClientOSError(104, "Connection reset"))
            m.delete(ENTRY_URL, status=200, body="")
            await toggl.time_entries.delete(7, 9)
            assert len(sent(m, "DELETE", ENTRY_URL)) == 3
    assert clock.sleeps == [1.0, 2.0]  # exponential: 2 * 2**n * 0.5


async def test_504_is_retried_for_a_get(clock: VirtualClock) -> None:
    async with client(policy(max_attempts=2, backoff_base=0.0)) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=504, body="<html><title>504 Gateway Time-out</title>")
            m.get(f"{TRACK}/me", payload=me_body(4))
            assert (await toggl.me.get()).id == 4
            assert len(sent(m, "GET", f"{TRACK}/me")) == 2


@pytest.mark.parametrize("status", [400, 401, 404, 409, 422, 501, 505])
async def test_statuses_outside_retry_statuses_are_raised_at_once(
    clock: VirtualClock, status: int
) -> None:
    """Client errors, and the 5xx that are not in the default retry_statuses."""
    async with client(policy(max_attempts=5)) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=status, body='"no"', repeat=True)
            with pytest.raises(TogglAPIError) as info:
                await asyncio.wait_for(toggl.me.get(), 10)
            assert len(sent(m, "GET", f"{TRACK}/me")) == 1
    assert info.value.status == status
    assert clock.sleeps == []


async def test_retry_statuses_decides_which_statuses_are_retried(clock: VirtualClock) -> None:
    """A status added is retried (for idempotent calls only); one left out is raised."""
    only_409 = policy(max_attempts=3, backoff_base=0.0, retry_statuses=frozenset({409}))
    create = f"{TRACK}/workspaces/7/time_entries"
    async with client(only_409) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=409, body='"busy"')
            m.get(f"{TRACK}/me", payload=me_body(4))
            assert (await toggl.me.get()).id == 4
            assert len(sent(m, "GET", f"{TRACK}/me")) == 2
            m.get(f"{TRACK}/me/clients", status=503, body='"down"', repeat=True)
            with pytest.raises(ServerError):
                await toggl.request("GET", "/me/clients")
            assert len(sent(m, "GET", f"{TRACK}/me/clients")) == 1
            m.get(f"{TRACK}/me/tags", status=429, body='"slow down"', repeat=True)
            with pytest.raises(RateLimitError):
                await toggl.request("GET", "/me/tags")
            assert len(sent(m, "GET", f"{TRACK}/me/tags")) == 1
            m.post(create, status=409, body='"busy"', repeat=True)
            with pytest.raises(ConflictError):
                await toggl.time_entries.create(
                    7, start=datetime(2026, 1, 1, tzinfo=UTC), duration=60
                )
            assert len(sent(m, "POST", create)) == 1
    assert clock.sleeps == [0.0]


@pytest.mark.parametrize(
    "exception",
    [aiohttp.ServerDisconnectedError(), TimeoutError(), aiohttp.ClientPayloadError("cut")],
)
async def test_creating_post_is_not_retried_once_it_may_have_been_sent(
    clock: VirtualClock, exception: Exception
) -> None:
    url = f"{TRACK}/workspaces/7/time_entries"
    async with client(policy(max_attempts=5)) as toggl:
        with aioresponses() as m:
            m.post(url, exception=exception, repeat=True)
            with pytest.raises(TogglConnectionError):
                await toggl.time_entries.create(
                    7, start=datetime(2026, 1, 1, tzinfo=UTC), duration=60
                )
            assert len(sent(m, "POST", url)) == 1


# -- how long it waits -----------------------------------------------------------------------


async def test_429_retry_after_is_honoured_over_the_fallback(clock: VirtualClock) -> None:
    retry = policy(rate_limit_fallback=50.0, backoff_base=0.0)
    async with client(retry) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=429, headers={"Retry-After": "3"}, body="")
            m.get(f"{TRACK}/me", status=429, body="")  # no Retry-After: the fallback
            m.get(f"{TRACK}/me", status=429, headers={"Retry-After": "0"}, body="")
            m.get(f"{TRACK}/me", payload=me_body(1))
            assert (await toggl.me.get()).id == 1
            assert len(sent(m, "GET", f"{TRACK}/me")) == 4
    assert clock.sleeps == [3.0, 50.0, 0.0]


async def test_jitter_on_top_of_retry_after_is_capped_at_one_second(clock: VirtualClock) -> None:
    # Uncapped, the jitter would be 10 * 2**n * 0.5 = 5 s, then 10 s.
    retry = policy(backoff_base=10.0, backoff_max=100.0, rate_limit_fallback=50.0)
    async with client(retry) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=429, headers={"Retry-After": "3"}, body="")
            m.get(f"{TRACK}/me", status=429, headers={"Retry-After": "2"}, body="")
            m.get(f"{TRACK}/me", payload=me_body(1))
            await toggl.me.get()
    assert clock.sleeps == [4.0, 3.0]


async def test_retry_after_as_an_http_date(clock: VirtualClock) -> None:
    when = datetime.now(UTC) + timedelta(seconds=120)
    retry = policy(backoff_base=0.0, rate_limit_fallback=50.0)
    async with client(retry) as toggl:
        with aioresponses() as m:
            m.get(
                f"{TRACK}/me",
                status=429,
                headers={"Retry-After": format_datetime(when, usegmt=True)},
                body="",
            )
            m.get(f"{TRACK}/me", payload=me_body(1))
            await toggl.me.get()
    [wait] = clock.sleeps
    assert 110.0 <= wait <= 121.0  # whole seconds in the header; the test itself takes time


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("7", 7.0),
        ("1.5", 1.5),
        ("-4", 0.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # a date in the past: go now
        ("soon", None),  # unreadable: as if absent
    ],
)
async def test_retry_after_forms_are_read_into_the_error(
    header: str, expected: float | None
) -> None:
    async with client(RetryPolicy.never()) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=429, headers={"Retry-After": header}, body="")
            with pytest.raises(RateLimitError) as info:
                await toggl.me.get()
    assert info.value.retry_after == expected


async def test_gives_up_when_the_next_wait_would_pass_max_elapsed(clock: VirtualClock) -> None:
    retry = policy(max_attempts=10, max_elapsed=10.0, backoff_base=0.0)
    async with client(retry) as toggl:
        with aioresponses() as m:
            for _ in range(4):
                m.get(f"{TRACK}/me", status=429, headers={"Retry-After": "4"}, body='"slow"')
            m.get(f"{TRACK}/me", payload=me_body(1))
            with pytest.raises(RateLimitError) as info:
                await toggl.me.get()
            # 4 s + 4 s fit in 10 s; a third wait would end at 12 s: give up instead.
            assert len(sent(m, "GET", f"{TRACK}/me")) == 3
    assert clock.sleeps == [4.0, 4.0]
    assert info.value.retry_after == 4.0


async def test_a_wait_that_ends_exactly_at_max_elapsed_is_still_made(clock: VirtualClock) -> None:
    async with client(policy(max_attempts=3, backoff_base=4.0, max_elapsed=2.0)) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=503, body='"down"')
            m.get(f"{TRACK}/me", payload=me_body(4))
            assert (await asyncio.wait_for(toggl.me.get(), 10)).id == 4
    assert clock.sleeps == [2.0]  # base 4 * random 0.5: ends at 2 s, not past it


async def test_each_retry_is_logged_with_its_wait_and_its_reason(
    clock: VirtualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="toggl_async")
    async with client(policy(max_attempts=2, backoff_base=2.0)) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=503, body='"down for a moment"')
            m.get(f"{TRACK}/me", payload=me_body(4))
            await asyncio.wait_for(toggl.me.get(), 10)
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert lines == [
        f"retrying GET {TRACK}/me in 1.00 s after: GET {TRACK}/me failed with HTTP 503: "
        "down for a moment. Toggl had a server error; try again later"
    ]


async def test_a_single_wait_longer_than_max_elapsed_is_not_made(clock: VirtualClock) -> None:
    retry = policy(max_attempts=10, max_elapsed=30.0)
    async with client(retry) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=503, headers={"Retry-After": "3600"}, body="")
            m.get(f"{TRACK}/me", status=429, headers={"Retry-After": "3600"}, body="")
            m.get(f"{TRACK}/me", payload=me_body(1))
            with pytest.raises(RateLimitError):
                await toggl.me.get()  # 5xx: jitter only (0.25 s), then the 429's hour
            assert len(sent(m, "GET", f"{TRACK}/me")) == 2
    assert clock.sleeps == [0.25]


async def test_max_attempts_counts_the_first_attempt(clock: VirtualClock) -> None:
    async with client(policy(max_attempts=3, backoff_base=1.0)) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=502, body="", repeat=True)
            with pytest.raises(ServerError):
                await toggl.me.get()
            assert len(sent(m, "GET", f"{TRACK}/me")) == 3
    assert clock.sleeps == [0.5, 1.0]


def test_backoff_is_capped_by_backoff_max() -> None:
    retry = RetryPolicy(backoff_base=1.0, backoff_max=5.0, random=lambda: 0.5)
    assert [retry.backoff(n) for n in range(5)] == [0.5, 1.0, 2.0, 2.5, 2.5]
    assert retry.delay(3) == 2.5
    assert retry.delay(3, retry_after=-2.0) == 1.0  # a negative figure counts as 0
    assert RetryPolicy.never().max_attempts == 1
    export = RetryPolicy.for_export()
    assert (export.max_attempts, export.max_elapsed, export.wait_for_quota) == (10, 3600.0, True)


# -- which error, and what it says ------------------------------------------------------------


async def test_focus_403_is_an_authentication_error() -> None:
    url = f"{FOCUS}/organizations/1/workspaces/2/tracking/current"
    async with client(RetryPolicy.never(), focus_api_key="toggl_sk_x") as toggl:
        with aioresponses() as m:
            m.get(url, status=403, body='"invalid api key"')
            with pytest.raises(AuthenticationError) as info:
                await toggl.focus.current(1, 2)
    assert type(info.value) is AuthenticationError
    assert "invalid api key" in str(info.value) and "TOGGL_FOCUS_API_KEY" in str(info.value)


@pytest.mark.parametrize(
    ("path", "cls"),
    [
        ("/workspaces/7", ForbiddenError),
        ("/me", AuthenticationError),
        ("/me/time_entries/5", AuthenticationError),
    ],
)
async def test_track_403_is_forbidden_outside_me(path: str, cls: type[TogglAPIError]) -> None:
    async with client(RetryPolicy.never()) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}{path}", status=403, body='"nope"')
            with pytest.raises(TogglAPIError) as info:
                if path == "/workspaces/7":
                    await toggl.workspaces.get(7)
                elif path == "/me":
                    await toggl.me.get()
                else:
                    await toggl.time_entries.get(5)
    assert type(info.value) is cls
    assert info.value.status == 403 and info.value.message == "nope"


NGINX = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        ("text/html", NGINX, "502 Bad Gateway"),
        ("application/octet-stream", NGINX, "502 Bad Gateway"),  # sniffed from the body
        ("text/html", "<html><body>oops</body></html>", "<html><body>oops</body></html>"),
        ("text/html", "<title>first</title><title>second</title>", "first"),
        ("text/html", "a<title>T</title>", "T"),  # the title need not open the body
        ("text/html", "<p>no title</title>", "<p>no title</title>"),
        ("application/json", '{"message": "db down"}', "db down"),
        ("application/json", '{"error": "overloaded", "code": 7}', "overloaded"),
        ("application/json", '{"error_message": "later"}', "later"),
        ("application/json", '{"errors": ["a", "b"]}', "['a', 'b']"),
        ("application/json", '{"status": "bad"}', '{"status": "bad"}'),
        ("application/json", '"a JSON string"', "a JSON string"),
        ("application/json", "[1, 2]", "[1, 2]"),
        ("text/plain", "  upstream connect error  ", "upstream connect error"),
        ("text/plain", "", ""),
    ],
)
async def test_error_bodies_become_the_message(content_type: str, body: str, message: str) -> None:
    async with client(RetryPolicy.never()) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=502, headers={"Content-Type": content_type}, body=body)
            with pytest.raises(ServerError) as info:
                await toggl.me.get()
    assert info.value.message == message
    assert info.value.body == body.encode()
    expected = f"GET {TRACK}/me failed with HTTP 502"
    assert str(info.value).startswith(expected + (f": {message}" if message else ""))


async def test_a_long_non_json_body_is_cut_in_the_message() -> None:
    async with client(RetryPolicy.never()) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=400, body="x" * 5000)
            with pytest.raises(TogglAPIError) as info:
                await toggl.me.get()
    assert info.value.message == "x" * 500
    assert len(info.value.body) == 5000


# -- rate_limit= at a real server -----------------------------------------------------------


async def test_rate_limit_spaces_requests_at_the_server() -> None:
    arrivals: list[float] = []

    async def me(request: web.Request) -> web.Response:
        arrivals.append(time.monotonic())
        return web.json_response(me_body(1))

    app = web.Application()
    app.router.add_get("/api/v9/me", me)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    interval = 0.2
    try:
        async with TogglClient(
            api_token=TOKEN,
            track_base_url=f"http://127.0.0.1:{port}/api/v9",
            rate_limit=1 / interval,
            max_concurrency=8,
        ) as toggl:
            started = time.monotonic()
            async with asyncio.timeout(30):
                await asyncio.gather(*(toggl.me.get() for _ in range(8)))
    finally:
        await runner.cleanup()
    assert len(arrivals) == 8
    # A lower bound only: the k-th request may not reach the server before k intervals
    # have passed (late connections may bunch arrivals up afterwards, so no gap is checked).
    offsets = [round(t - started, 3) for t in sorted(arrivals)]
    for k, offset in enumerate(offsets):
        assert offset >= k * interval * 0.95, offsets


# -- the quota wait, the error's details --------------------------------------------------------


def _quota_spent(resets_in: str) -> dict[str, str]:
    return {"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": resets_in}


@pytest.mark.parametrize(
    ("base", "wait"),
    [
        (1.0, 5.5),  # the reset plus jitter: base * random = 0.5 s
        (10.0, 6.0),  # ... the jitter capped at 1 s (uncapped: 5 s)
    ],
)
async def test_quota_wait_is_the_reset_plus_capped_jitter(
    clock: VirtualClock, caplog: pytest.LogCaptureFixture, base: float, wait: float
) -> None:
    retry = policy(wait_for_quota=True, backoff_base=base, max_quota_wait=5.0)
    caplog.set_level(logging.WARNING, logger="toggl_async")
    async with client(retry) as toggl:
        with aioresponses() as m:
            # resets_in equal to max_quota_wait: still worth waiting for
            m.get(f"{TRACK}/me", status=402, headers=_quota_spent("5"), body='"quota"')
            m.get(f"{TRACK}/me", payload=me_body(1))
            assert (await toggl.me.get()).id == 1
    assert clock.sleeps == [wait]
    assert [r.getMessage() for r in caplog.records] == [
        f"Toggl API quota spent (user); waiting {wait:.0f} s for it to reset"
    ]


@pytest.mark.parametrize(("second_reset", "sleep", "logged"), [("1", 2.0, 1), ("1.5", 2.5, 2)])
async def test_a_quota_wait_is_logged_once_per_reset_not_per_retry(
    clock: VirtualClock,
    caplog: pytest.LogCaptureFixture,
    second_reset: str,
    sleep: float,
    logged: int,
) -> None:
    """Waits whose reset instants are at most 2 s apart wait for one reset: one log line."""
    # A 1 s jitter (base 2 * 0.5, capped at 1): the reset instants are t + 101 and t + 103
    # (2 s apart, exactly: whole and half seconds add to t without rounding) or t + 103.5.
    retry = policy(wait_for_quota=True, backoff_base=2.0)
    caplog.set_level(logging.WARNING, logger="toggl_async")
    async with client(retry) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=402, headers=_quota_spent("100"), body='"quota"')
            m.get(f"{TRACK}/me", status=402, headers=_quota_spent(second_reset), body='"q"')
            m.get(f"{TRACK}/me", payload=me_body(1))
            assert (await asyncio.wait_for(toggl.me.get(), 10)).id == 1
    assert clock.sleeps == [101.0, sleep]
    waits = [r.getMessage() for r in caplog.records if "quota spent" in r.getMessage()]
    assert len(waits) == logged, waits


async def test_quota_error_carries_status_message_and_request_id() -> None:
    async with client(RetryPolicy.never()) as toggl:
        with aioresponses() as m:
            m.get(
                f"{TRACK}/me",
                status=402,
                headers={**_quota_spent("60"), "X-Request-Id": "req-1"},
                body='"You have hit your hourly limit"',
            )
            with pytest.raises(QuotaExceededError) as info:
                await toggl.me.get()
    error = info.value
    assert (error.status, error.message, error.request_id) == (
        402,
        "You have hit your hourly limit",
        "req-1",
    )
    assert (error.remaining, error.resets_in) == (0, 60.0)
    assert str(error).endswith("(request id req-1)")


@pytest.mark.parametrize(
    ("headers", "request_id"),
    [
        ({"X-Request-Id": "abc"}, "abc"),
        ({"X-Toggl-Request-Id": "def"}, "def"),
        ({"X-Request-Id": "abc", "X-Toggl-Request-Id": "def"}, "abc"),
        ({}, None),
    ],
)
async def test_request_id_comes_from_either_header(
    headers: dict[str, str], request_id: str | None
) -> None:
    async with client(RetryPolicy.never()) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=404, headers=headers, body='"gone"')
            with pytest.raises(TogglAPIError) as info:
                await toggl.me.get()
    assert info.value.request_id == request_id


async def test_an_html_content_type_without_title_keeps_200_characters() -> None:
    text = "Service Unavailable " * 20  # 400 characters, no tags at all
    async with client(RetryPolicy.never()) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=503, headers={"Content-Type": "text/html"}, body=text)
            with pytest.raises(ServerError) as info:
                await toggl.me.get()
    assert info.value.message == text.strip()[:200]


@pytest.mark.parametrize(
    ("exception", "reason"),
    [
        (aiohttp.ServerDisconnectedError(), "Server disconnected"),
        (aiohttp.ClientConnectionError(), "ClientConnectionError"),  # no text: the type
    ],
)
async def test_connection_errors_say_what_failed_and_what_to_check(
    exception: Exception, reason: str
) -> None:
    async with client(RetryPolicy.never()) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", exception=exception)
            with pytest.raises(TogglConnectionError) as info:
                await toggl.me.get()
    error = info.value
    assert (error.method, error.url) == ("GET", f"{TRACK}/me")
    assert str(error) == (
        f"GET {TRACK}/me failed before a complete response arrived ({reason}); "
        "check the network or the base URL"
    )


def test_quota_seconds_to_reset_counts_down_to_zero() -> None:
    quota = Quota(bucket="user", remaining=0, resets_in=10.0, observed_at=100.0)
    assert quota.seconds_to_reset(now=104.0) == 6.0
    assert quota.seconds_to_reset(now=130.0) == 0.0
    assert quota.exhausted(now=104.0) and not quota.exhausted(now=110.0)
    assert not Quota(bucket="user", remaining=1, resets_in=10.0, observed_at=100.0).exhausted(
        now=101.0
    )


async def test_rate_limiter_lets_the_first_request_go_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(limits_module, "asyncio", _Proxy(asyncio, sleep=fake_sleep))
    now = [0.0]  # a clock that starts at zero, as a test's may
    limiter = RateLimiter(2.0, clock=lambda: now[0])
    await limiter.acquire()
    await limiter.acquire()
    assert waits == [0.5]


async def test_a_body_that_is_not_utf8_is_shown_not_raised() -> None:
    async with client(RetryPolicy.never()) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=500, body=b"\xff\xfe broken")
            with pytest.raises(ServerError) as info:
                await toggl.me.get()
    assert info.value.message == "\ufffd\ufffd broken"


async def test_402_without_quota_headers_keeps_its_status() -> None:
    async with client(RetryPolicy.never()) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=402, body='"premium only"')
            with pytest.raises(PaymentRequiredError) as info:
                await toggl.me.get()
    assert (info.value.status, info.value.message) == (402, "premium only")


def test_error_from_response_without_its_request_is_forbidden_for_a_403() -> None:
    response = Response(
        status=403,
        headers=CIMultiDictProxy(CIMultiDict()),
        body=b'"no"',
        method="GET",
        url=f"{TRACK}/me",
    )
    assert type(error_from_response(response)) is ForbiddenError


async def test_a_long_json_body_without_a_message_is_cut_too() -> None:
    body = "[" + ", ".join(["1234567890"] * 100) + "]"  # 1200 characters
    async with client(RetryPolicy.never()) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=500, body=body)
            with pytest.raises(ServerError) as info:
                await toggl.me.get()
    assert info.value.message == body[:500]


async def test_a_body_that_is_not_json_is_a_decode_error_with_its_details() -> None:
    body = b"{" + b"x" * 200
    async with client(RetryPolicy.never()) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=200, body=body)
            with pytest.raises(DecodeError) as info:
                await toggl.me.get()
    error = info.value
    assert (error.method, error.url, error.body) == ("GET", f"{TRACK}/me", body)
    assert str(error).startswith(f"GET {TRACK}/me returned a body that is not valid JSON (")
    assert str(error).endswith(f"first bytes: {body[:80]!r}")


@pytest.mark.parametrize(
    ("headers", "remaining", "resets_in"),
    [
        ({"X-Toggl-Quota-Remaining": "0"}, 0, 0.0),  # one header is enough to say "quota"
        ({"X-Toggl-Quota-Resets-In": "90"}, 0, 90.0),
        ({"X-Toggl-Quota-Remaining": "0.0", "X-Toggl-Quota-Resets-In": "1.5"}, 0, 1.5),
    ],
)
async def test_a_402_with_either_quota_header_is_a_spent_quota(
    headers: dict[str, str], remaining: int, resets_in: float
) -> None:
    async with client(RetryPolicy.never()) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=402, headers=headers, body='"quota"')
            with pytest.raises(QuotaExceededError) as info:
                await toggl.me.get()
    assert (info.value.remaining, info.value.resets_in) == (remaining, resets_in)
    quota = toggl.quotas["user"]
    assert (quota.bucket, quota.remaining, quota.resets_in) == ("user", remaining, resets_in)


async def test_a_redirect_is_never_followed() -> None:
    elsewhere = "https://elsewhere.example/api/v9/me"
    async with client(RetryPolicy.never()) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=302, headers={"Location": elsewhere}, body="")
            m.get(elsewhere, payload={"id": 666})
            with contextlib.suppress(TogglError):  # what a 3xx raises is issue 10's item 8
                me = await toggl.me.get()
                assert me.id != 666
            assert len(sent(m, "GET", f"{TRACK}/me")) == 1
            assert sent(m, "GET", elsewhere) == []


async def test_a_refused_connection_is_typed_and_names_the_url() -> None:
    refused = aiohttp.ClientConnectorError(
        connection_key=SimpleNamespace(host="api.track.toggl.com", port=443, ssl=True),  # type: ignore[arg-type]
        os_error=ConnectionRefusedError(111, "Connection refused"),
    )
    async with client(RetryPolicy.never()) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", exception=refused)
            with pytest.raises(TogglConnectionError) as info:
                await toggl.me.get()
    error = info.value
    assert (error.method, error.url) == ("GET", f"{TRACK}/me")
    assert str(error).startswith(f"GET {TRACK}/me failed before a complete response arrived (")
    assert "Connection refused" in str(error)


async def test_a_timeout_is_typed_and_says_what_to_change() -> None:
    async with client(RetryPolicy.never(), timeout=2.5) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", exception=TimeoutError())
            with pytest.raises(TogglTimeoutError) as info:
                await toggl.me.get()
    error = info.value
    assert (error.method, error.url) == ("GET", f"{TRACK}/me")
    assert str(error) == (
        f"GET {TRACK}/me did not complete within 2.5 s; raise timeout= or try again later"
    )

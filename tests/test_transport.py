"""Retries, error mapping, quota handling, credentials and lifetime (aioresponses)."""

from __future__ import annotations

import asyncio
import logging
import pickle
import traceback
from types import SimpleNamespace

import aiohttp
import pytest
from aioresponses import aioresponses

from toggl_async import (
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConfigurationError,
    ConflictError,
    DecodeError,
    ForbiddenError,
    GoneError,
    NotFoundError,
    PaymentRequiredError,
    QuotaExceededError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TogglAPIError,
    TogglClient,
    TogglConnectionError,
    TogglTimeoutError,
    UnprocessableError,
)
from toggl_async.limits import RateLimiter

from .helpers import FOCUS, TOKEN, TRACK, basic, me_body, sent

FAST = RetryPolicy(backoff_base=0.0, rate_limit_fallback=0.0)
QUOTA_SPENT = {"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": "0"}


def client(**kwargs: object) -> TogglClient:
    kwargs.setdefault("api_token", TOKEN)
    kwargs.setdefault("retry", FAST)
    return TogglClient(**kwargs)  # type: ignore[arg-type]


async def test_get_is_retried_on_5xx_then_succeeds() -> None:
    async with client() as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=503, body="<html><title>503 Service Unavailable</title>")
            m.get(f"{TRACK}/me", status=502, body="")
            m.get(f"{TRACK}/me", payload=me_body(42))
            me = await toggl.me.get()
            assert len(sent(m, "GET", f"{TRACK}/me")) == 3
    assert me.id == 42
    assert toggl.requests_sent == 3


async def test_gives_up_after_max_attempts_with_server_error() -> None:
    async with client(retry=RetryPolicy(max_attempts=2, backoff_base=0.0)) as toggl:
        with aioresponses() as m:
            for _ in range(3):
                m.get(f"{TRACK}/me", status=500, body='"boom"')
            with pytest.raises(ServerError) as info:
                await asyncio.wait_for(toggl.me.get(), 10)
            assert len(sent(m, "GET", f"{TRACK}/me")) == 2
    assert info.value.status == 500 and info.value.message == "boom"


async def test_429_honours_retry_after_zero_and_parses_html() -> None:
    # The fallback (an hour) is beyond max_elapsed: ignoring Retry-After would give up at once.
    policy = RetryPolicy(backoff_base=0.0, rate_limit_fallback=3600.0, max_elapsed=60.0)
    html = "<html><head><title>429 Too Many Requests</title></head><body>nginx</body></html>"
    async with client(retry=policy) as toggl:
        with aioresponses() as m:
            m.get(
                f"{TRACK}/me",
                status=429,
                headers={"Retry-After": "0", "Content-Type": "text/html"},
                body=html,
            )
            m.get(f"{TRACK}/me", payload=me_body(1))
            assert (await toggl.me.get()).id == 1
            assert len(sent(m, "GET", f"{TRACK}/me")) == 2
            m.get(
                f"{TRACK}/me",
                status=429,
                headers={"Retry-After": "120", "Content-Type": "text/html"},
                body=html,
            )
            with pytest.raises(RateLimitError) as info:
                await toggl.me.get()  # 120 s is beyond max_elapsed: no retry
            assert len(sent(m, "GET", f"{TRACK}/me")) == 3
    assert info.value.message == "429 Too Many Requests"
    assert info.value.retry_after == 120.0
    assert str(info.value).startswith(f"GET {TRACK}/me failed with HTTP 429: 429 Too Many Requests")


async def test_429_error_carries_retry_after_when_attempts_run_out() -> None:
    async with client(retry=RetryPolicy.never()) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=429, headers={"Retry-After": "7"}, body="")
            with pytest.raises(RateLimitError) as info:
                await toggl.me.get()
    assert info.value.retry_after == 7.0


async def test_creating_post_is_not_retried_on_5xx() -> None:
    async with client(focus_api_key="toggl_sk_x") as toggl:
        url = f"{FOCUS}/organizations/1/workspaces/2/tracking/start"
        with aioresponses() as m:
            m.post(url, status=500, body='"boom"')
            m.post(url, payload={"id": 1})
            with pytest.raises(ServerError):
                await toggl.focus.start(1, 2, task_id=3)
            assert len(sent(m, "POST", url)) == 1


async def test_creating_post_is_retried_when_the_connection_never_opened() -> None:
    async with client(focus_api_key="toggl_sk_x") as toggl:
        url = f"{FOCUS}/organizations/1/workspaces/2/tracking/start"
        refused = aiohttp.ClientConnectorError(
            connection_key=SimpleNamespace(host="focus.toggl.com", port=443, ssl=True),  # type: ignore[arg-type]
            os_error=ConnectionRefusedError(111, "Connection refused"),
        )
        with aioresponses() as m:
            m.post(url, exception=refused)
            m.post(url, payload={"id": 1, "task_id": 3})
            entry = await toggl.focus.start(1, 2, task_id=3)
            assert len(sent(m, "POST", url)) == 2
    assert entry.task_id == 3


async def test_creating_post_is_retried_after_429() -> None:
    async with client(focus_api_key="toggl_sk_x") as toggl:
        url = f"{FOCUS}/organizations/1/workspaces/2/tracking/stop"
        with aioresponses() as m:
            m.post(url, status=429, headers={"Retry-After": "0"}, body="")
            m.post(url, payload={"id": 5})
            assert (await toggl.focus.stop(1, 2)).id == 5


@pytest.mark.parametrize(
    ("exception", "error"),
    [
        (aiohttp.ServerDisconnectedError(), TogglConnectionError),
        (aiohttp.ClientPayloadError("Response payload is not completed"), TogglConnectionError),
        (TimeoutError(), TogglTimeoutError),
    ],
)
async def test_transport_failures_are_retried_for_gets_and_typed_when_they_persist(
    exception: Exception, error: type[Exception]
) -> None:
    async with client(retry=RetryPolicy(max_attempts=3, backoff_base=0.0)) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", exception=exception)
            m.get(f"{TRACK}/me", payload=me_body(3))
            assert (await toggl.me.get()).id == 3
            assert len(sent(m, "GET", f"{TRACK}/me")) == 2  # one failure, one retry
            for _ in range(4):
                m.get(f"{TRACK}/me", exception=exception)
            m.get(f"{TRACK}/me", payload={"id": 4})  # never reached: max_attempts=3
            with pytest.raises(error) as info:
                await toggl.me.get()
            assert len(sent(m, "GET", f"{TRACK}/me")) == 2 + 3
    assert toggl.requests_sent == 5
    assert f"{TRACK}/me" in str(info.value)
    assert TOKEN not in str(info.value)


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (400, '"Invalid beginning_of_week"', BadRequestError),
        (401, '"unauthorized"', AuthenticationError),
        (404, '"Resource can not be found"', NotFoundError),
        (409, '"Time entry already stopped"', ConflictError),
        (410, '"gone"', GoneError),
        (422, '"Cannot track multiple time entries at the same time"', UnprocessableError),
        (418, '"teapot"', TogglAPIError),
    ],
)
async def test_status_maps_to_error_class_with_server_message(
    status: int, body: str, cls: type[TogglAPIError]
) -> None:
    async with client() as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me/time_entries/5", status=status, body=body)
            with pytest.raises(cls) as info:
                await toggl.time_entries.get(5)
            assert len(sent(m, "GET", f"{TRACK}/me/time_entries/5")) == 1
    error = info.value
    assert type(error) is cls
    assert error.status == status
    assert error.message == body.strip('"')
    assert error.method == "GET" and error.url == f"{TRACK}/me/time_entries/5"
    assert body.strip('"') in str(error)


async def test_403_outside_me_is_forbidden_not_authentication() -> None:
    async with client() as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me/time_entries/5", status=403, body='"nope"')
            with pytest.raises(AuthenticationError):
                await toggl.time_entries.get(5)
            m.get(f"{TRACK}/me", status=403, body='"nope"')
            with pytest.raises(AuthenticationError):
                await toggl.me.get()
    # a 403 on a workspace path means "not allowed here"
    from multidict import CIMultiDict, CIMultiDictProxy

    from toggl_async.auth import Api
    from toggl_async.transport import Request, Response, error_from_response

    response = Response(
        status=403,
        headers=CIMultiDictProxy(CIMultiDict()),
        body=b'"no access"',
        method="GET",
        url=f"{TRACK}/workspaces/1/projects",
    )
    request = Request(method="GET", api=Api.TRACK, path="/workspaces/1/projects")
    assert type(error_from_response(response, request)) is ForbiddenError


async def test_402_with_quota_headers_is_quota_exceeded_and_raised_at_once() -> None:
    async with client() as toggl:
        with aioresponses() as m:
            m.get(
                f"{TRACK}/me",
                status=402,
                headers={"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": "1234"},
                body='"You have hit your hourly limit for API calls"',
            )
            with pytest.raises(QuotaExceededError) as info:
                await asyncio.wait_for(toggl.me.get(), 10)  # a deadline: a bug waits an hour
            assert len(sent(m, "GET", f"{TRACK}/me")) == 1
            # The quota is known to be spent: the next call does not even go out.
            with pytest.raises(QuotaExceededError):
                await asyncio.wait_for(toggl.me.get(), 10)  # a deadline: a bug waits an hour
            assert len(sent(m, "GET", f"{TRACK}/me")) == 1
    assert info.value.remaining == 0 and info.value.resets_in == 1234
    assert "1234 s" in str(info.value)
    assert toggl.quota is not None and toggl.quota.remaining == 0


async def test_402_without_quota_headers_is_payment_required_and_never_retried() -> None:
    async with client() as toggl:
        with aioresponses() as m:
            m.get(
                f"{TRACK}/me",
                status=402,
                body='"Custom project colors available only for premium plans"',
            )
            with pytest.raises(PaymentRequiredError) as info:
                await asyncio.wait_for(toggl.me.get(), 10)  # a deadline: a bug waits an hour
            assert len(sent(m, "GET", f"{TRACK}/me")) == 1
    assert not isinstance(info.value, QuotaExceededError)
    assert "premium" in str(info.value)


async def test_wait_for_quota_waits_for_the_reset_then_succeeds() -> None:
    policy = RetryPolicy(backoff_base=0.0, wait_for_quota=True)
    async with client(retry=policy) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=402, headers=QUOTA_SPENT, body='"quota"')
            m.get(
                f"{TRACK}/me",
                payload=me_body(9),
                headers={"X-Toggl-Quota-Remaining": "29", "X-Toggl-Quota-Resets-In": "3600"},
            )
            assert (await asyncio.wait_for(toggl.me.get(), 10)).id == 9  # a deadline
            assert len(sent(m, "GET", f"{TRACK}/me")) == 2
    assert toggl.quota is not None and toggl.quota.remaining == 29
    assert toggl.quotas["user"].resets_in == 3600


async def test_wait_for_quota_refuses_waits_longer_than_allowed() -> None:
    policy = RetryPolicy(wait_for_quota=True, max_quota_wait=10)
    async with client(retry=policy) as toggl:
        with aioresponses() as m:
            m.get(
                f"{TRACK}/me",
                status=402,
                headers={"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": "3000"},
                body='"quota"',
            )
            with pytest.raises(QuotaExceededError):
                await asyncio.wait_for(toggl.me.get(), 10)  # a deadline: a bug waits an hour


async def test_invalid_json_body_is_a_decode_error() -> None:
    async with client() as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", body="{not json")
            with pytest.raises(DecodeError, match="not valid JSON"):
                await toggl.me.get()
            m.get(f"{TRACK}/me", payload=[1, 2])
            with pytest.raises(DecodeError, match="does not fit Me"):
                await toggl.me.get()
            m.get(f"{TRACK}/me", payload={"fullname": "no id"})
            with pytest.raises(DecodeError):
                await toggl.me.get()


def test_no_credentials_fail_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOGGL_API_TOKEN", raising=False)
    monkeypatch.delenv("TOGGL_FOCUS_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="TOGGL_API_TOKEN"):
        TogglClient()
    with pytest.raises(ConfigurationError, match="email and password go together"):
        TogglClient(email="a@example.com")
    with pytest.raises(ConfigurationError, match="not both"):
        TogglClient(api_token="x", email="a@example.com", password="y")
    with pytest.raises(ConfigurationError, match="non-empty"):
        TogglClient(api_token="  ")


def test_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOGGL_API_TOKEN", TOKEN)
    monkeypatch.setenv("TOGGL_FOCUS_API_KEY", "toggl_sk_secret")
    toggl = TogglClient()
    assert "auth=api_token+focus" in repr(toggl)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_concurrency": 0},
        {"max_connections": 0},
        {"timeout": 0},
        {"rate_limit": -1.0},
        {"track_base_url": "ftp://x"},
        {"retry": "often"},
        {"session": object()},
    ],
)
def test_bad_configuration_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        client(**kwargs)


async def test_focus_without_key_fails_before_any_request() -> None:
    async with client() as toggl:
        with aioresponses() as m:
            with pytest.raises(ConfigurationError, match="Focus API key"):
                await toggl.focus.current(1, 2)
            assert not m.requests


async def test_track_without_token_fails_before_any_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TOGGL_API_TOKEN", raising=False)
    async with TogglClient(focus_api_key="toggl_sk_x") as toggl:
        with aioresponses() as m:
            with pytest.raises(ConfigurationError, match="no Toggl Track credentials"):
                await toggl.me.get()
            assert not m.requests


async def test_secrets_never_appear_in_repr_errors_logs_or_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    secrets = [TOKEN, "hunter2-password", "toggl_sk_secret", basic(TOKEN, "api_token")[6:]]
    caplog.set_level(logging.DEBUG, logger="toggl_async")
    toggl = TogglClient(api_token=TOKEN, focus_api_key="toggl_sk_secret", retry=FAST)
    other = TogglClient(email="me@example.com", password="hunter2-password")
    texts = [repr(toggl), repr(other), repr(toggl._credentials), repr(other._credentials)]
    async with toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=500, body='"boom"')
            m.get(f"{TRACK}/me", status=403, body='"bad token"')
            with pytest.raises(AuthenticationError) as info:
                await toggl.me.get()
    texts += [str(info.value), repr(info.value), caplog.text]
    texts.append("".join(traceback.format_exception(info.value)))
    for text in texts:
        for secret in secrets:
            assert secret not in text
    with pytest.raises(TypeError):
        pickle.dumps(toggl._credentials)
    await other.aclose()


def test_api_errors_pickle_without_losing_their_fields() -> None:
    error = NotFoundError(404, "gone", method="GET", url=f"{TRACK}/x", body=b'"gone"')
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is NotFoundError and copy.status == 404 and copy.url == error.url


async def test_closed_client_raises_a_clear_error() -> None:
    toggl = client()
    async with toggl:
        pass
    assert toggl.closed
    with pytest.raises(ClientClosedError, match="closed"):
        await toggl.me.get()
    await toggl.aclose()  # idempotent


async def test_caller_session_is_used_and_never_closed() -> None:
    async with aiohttp.ClientSession() as session:
        async with client(session=session) as toggl:
            with aioresponses() as m:
                m.get(f"{TRACK}/me", payload=me_body(1))
                await toggl.me.get()
        assert not session.closed


async def test_unclosed_client_warns() -> None:
    toggl = client()
    await toggl.__aenter__()
    session = toggl._transport._session
    with pytest.warns(ResourceWarning, match="not closed"):
        toggl.__del__()
    assert session is not None
    await session.close()


async def test_max_concurrency_bounds_requests_in_flight() -> None:
    in_flight = 0
    peak = 0

    async def slow(url: object, **kwargs: object) -> None:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1

    async with client(max_concurrency=3) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", payload=me_body(1), callback=slow, repeat=True)
            await asyncio.gather(*(toggl.me.get() for _ in range(12)))
            assert len(sent(m, "GET", f"{TRACK}/me")) == 12
    assert peak == 3


async def test_rate_limit_spaces_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(round(seconds, 6))

    monkeypatch.setattr("toggl_async.limits.asyncio.sleep", fake_sleep)
    limiter = RateLimiter(4.0, clock=lambda: now[0])
    for _ in range(3):
        await limiter.acquire()  # three callers arrive at the same instant
    now[0] += 1.0
    await limiter.acquire()  # a second later the bucket has drained
    assert waits == [0.25, 0.5]
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(0)


def test_retry_policy_backoff_has_full_jitter_and_respects_retry_after() -> None:
    policy = RetryPolicy(backoff_base=1.0, backoff_max=8.0, random=lambda: 0.25)
    # ceilings 1, 2, 4, 8, 8 (capped at backoff_max), scaled by the random draw
    assert [policy.backoff(n) for n in range(5)] == [0.25, 0.5, 1.0, 2.0, 2.0]
    assert [policy.delay(n) for n in range(5)] == [0.25, 0.5, 1.0, 2.0, 2.0]
    zero = RetryPolicy(random=lambda: 0.0)
    assert zero.backoff(3) == 0.0
    assert policy.delay(0, retry_after=5.0) == 5.25  # server's figure plus the jitter (0.25 s)
    assert policy.delay(3, retry_after=5.0) == 6.0  # ... capped at 1 s (jitter here: 2 s)
    assert zero.delay(0, retry_after=5.0) == 5.0  # never below what the server asked
    assert RetryPolicy.for_export().wait_for_quota is True
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)

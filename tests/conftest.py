"""Shared test setup: the sandbox fixtures, an aioresponses compatibility patch, helpers."""

from __future__ import annotations

import inspect
import os
import signal
from collections.abc import Iterator
from types import FrameType
from typing import Any

import aiohttp
import aioresponses.core
import pytest

pytest_plugins = ["toggl_async.testing.pytest_plugin"]


def _patch_aioresponses_for_aiohttp_314() -> None:
    """aioresponses 0.7.9 (the latest) predates aiohttp 3.14's ``stream_writer`` argument.

    Upstream: pnuckowski/aioresponses#289. We give its responses a writer that reports the
    request as fully sent, instead of pinning aiohttp below a security release.
    """
    params = inspect.signature(aiohttp.ClientResponse.__init__).parameters
    if "stream_writer" not in params:
        return

    class _SentWriter:
        output_size = 0

    class CompatClientResponse(aiohttp.ClientResponse):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("stream_writer", _SentWriter())
            super().__init__(*args, **kwargs)

    aioresponses.core.ClientResponse = CompatClientResponse  # type: ignore[misc]


_patch_aioresponses_for_aiohttp_314()


@pytest.fixture(autouse=True)
def _no_base_url_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests mock Toggl's default URLs: a developer's TOGGL_*_BASE_URL must not redirect them."""
    for name in ("TOGGL_TRACK_BASE_URL", "TOGGL_REPORTS_BASE_URL", "TOGGL_FOCUS_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


_DEADLINE = float(os.environ.get("TOGGL_TEST_DEADLINE", "120"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Every test has a deadline: a regression that makes a call wait for ever fails the
    test after ``TOGGL_TEST_DEADLINE`` seconds (120) instead of stalling the run."""

    def expired(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"{item.nodeid} ran past the suite's {_DEADLINE} s deadline")

    if signal.getitimer(signal.ITIMER_REAL)[0]:  # the test's own, tighter deadline runs
        return (yield)
    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, _DEADLINE)
    try:
        return (yield)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

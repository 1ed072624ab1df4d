"""pytest fixtures: a small deterministic account and a running sandbox per test.

Enable with ``pytest_plugins = ["toggl_async.testing.pytest_plugin"]`` in a conftest.
The account is generated once per session (about 50 ms) and copied for each test (a few
milliseconds), so every test starts from the same data and may mutate it freely.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio

from .data import Account
from .server import Sandbox

__all__ = ["toggl_account", "toggl_sandbox", "toggl_sandbox_factory"]


@pytest.fixture(scope="session")
def _toggl_account_template() -> Account:
    """Two workspaces with 300 projects each, so ``/me/projects/paginated`` (201 a page)
    spans several pages, and 2000 time entries over three years (the "small" preset)."""
    return Account.preset("small", seed=1)


@pytest.fixture
def toggl_account(_toggl_account_template: Account) -> Account:
    """A fresh copy of the session's small account (seed 1, 2 workspaces, 2000 entries)."""
    return _toggl_account_template.copy()


@pytest_asyncio.fixture
async def toggl_sandbox(toggl_account: Account) -> AsyncIterator[Sandbox]:
    """A started sandbox on a free port serving ``toggl_account``."""
    async with Sandbox(toggl_account) as sandbox:
        yield sandbox


@pytest_asyncio.fixture
async def toggl_sandbox_factory(
    _toggl_account_template: Account,
) -> AsyncIterator[Callable[..., Any]]:
    """``await factory(**sandbox_kwargs)``: more sandboxes (own faults, limits, accounts).

    Each gets a copy of the small account unless ``account=`` is given; all are stopped
    after the test.
    """
    started: list[Sandbox] = []

    async def factory(**kwargs: Any) -> Sandbox:
        kwargs.setdefault("account", _toggl_account_template.copy())
        sandbox = await Sandbox(**kwargs).start()
        started.append(sandbox)
        return sandbox

    yield factory
    for sandbox in started:
        await sandbox.stop()

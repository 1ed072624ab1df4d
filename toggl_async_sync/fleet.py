"""``export_accounts`` for blocking code: the fleet runs on its own event-loop thread.

A blocking portal (not ``asyncio.run``) so it also works where a loop already runs (a
notebook) and from any thread.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence

import anyio.from_thread

from toggl_async import RetryPolicy
from toggl_async import fleet as _fleet
from toggl_async.fleet import AccountSpec, FleetCallback, FleetSummary

__all__ = ["export_accounts"]


def export_accounts(
    accounts: Sequence[AccountSpec],
    out_root: str | os.PathLike[str],
    *,
    max_in_flight: int = 50,
    max_accounts: int | None = None,
    environ: Mapping[str, str] | None = None,
    on_progress: FleetCallback | None = None,
    progress_interval: float = 0.5,
    request_timeout: float = 30.0,
    retry: RetryPolicy | None = None,
) -> FleetSummary:
    """Blocking :func:`toggl_async.fleet.export_accounts` (same arguments, same result).

    ``on_progress`` is called on the fleet's event-loop thread.
    """
    call = functools.partial(
        _fleet.export_accounts,
        accounts,
        out_root,
        max_in_flight=max_in_flight,
        max_accounts=max_accounts,
        environ=environ,
        on_progress=on_progress,
        progress_interval=progress_interval,
        request_timeout=request_timeout,
        retry=retry,
    )
    with anyio.from_thread.start_blocking_portal() as portal:
        return portal.call(call)

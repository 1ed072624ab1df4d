"""Run many account exports at once in one event loop.

Every account gets its own :class:`~toggl_async.TogglClient` (its own quota buckets, retry
policy and in-flight limit), and all of them borrow one aiohttp session whose connector
caps the connections in use: that cap is the fleet's global limit on requests in flight,
enforced on the one request path (``Transport.send``) with no second limiter beside it.
Waiting for a free connection does not count against the request timeout (the session's
timeout bounds connecting and each read instead), so a large fleet queues instead of failing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import attrs

from .. import _json
from ..client import TogglClient
from ..export import ExportDirectoryError, ExportProgress, export_account
from ..export._fs import make_dir
from ..retry import RetryPolicy
from ..transport import DEFAULT_USER_AGENT
from .accounts import AccountsFileError, AccountSpec
from .outcome import AccountOutcome, FleetSummary, now

__all__ = ["FLEET_FILE", "AccountStatus", "FleetCallback", "FleetProgress", "export_accounts"]

FLEET_FILE = "fleet.json"


@attrs.frozen(kw_only=True)
class AccountStatus:
    """One line of the fleet's progress."""

    name: str
    state: str
    """``queued``, ``running``, ``waiting`` (quota spent), ``done``, ``partial``, ``failed``,
    ``interrupted``."""
    entries: int = 0
    requests: int = 0
    quota_wait: float | None = None
    """Seconds until the account's quota resets while it waits for it."""
    fraction: float = 0.0
    exit_code: int | None = None
    message: str = ""


@attrs.frozen(kw_only=True)
class FleetProgress:
    """A snapshot of the whole fleet, passed to ``on_progress`` a few times a second."""

    accounts: tuple[AccountStatus, ...]
    elapsed: float

    def count(self, *states: str) -> int:
        return sum(a.state in states for a in self.accounts)


FleetCallback = Callable[[FleetProgress], None]


class _Live:
    """Mutable per-account state behind the snapshots."""

    def __init__(self, names: Sequence[str]) -> None:
        self.status = {n: AccountStatus(name=n, state="queued") for n in names}

    def set(self, name: str, **changes: Any) -> None:
        self.status[name] = attrs.evolve(self.status[name], **changes)

    def snapshot(self, elapsed: float) -> FleetProgress:
        return FleetProgress(accounts=tuple(self.status.values()), elapsed=elapsed)


def _check(accounts: Sequence[AccountSpec], max_in_flight: int, max_accounts: int | None) -> None:
    if isinstance(max_in_flight, bool) or not isinstance(max_in_flight, int) or max_in_flight < 1:
        raise ValueError(f"max_in_flight must be an int >= 1, got {max_in_flight!r}")
    if max_accounts is not None and (
        isinstance(max_accounts, bool) or not isinstance(max_accounts, int) or max_accounts < 1
    ):
        raise ValueError(f"max_accounts must be None or an int >= 1, got {max_accounts!r}")
    if isinstance(accounts, str | bytes) or not all(isinstance(a, AccountSpec) for a in accounts):
        raise TypeError("accounts must be a sequence of AccountSpec (see load_accounts)")
    names = [a.name.casefold() for a in accounts]
    if len(set(names)) != len(names):
        raise AccountsFileError("account names must be unique (ignoring case)")


def _prepare_root(root: Path) -> Path:
    make_dir(root)
    if not root.is_dir() or not os.access(root, os.W_OK | os.X_OK):
        raise ExportDirectoryError(f"{root} is not a writable directory; choose another OUT_ROOT")
    return root


def make_session(max_in_flight: int, timeout: float = 30.0) -> aiohttp.ClientSession:
    """The shared session: its connector's limit is the global cap on requests in flight."""
    connector = aiohttp.TCPConnector(limit=max_in_flight, limit_per_host=0)
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout),
        headers={"User-Agent": DEFAULT_USER_AGENT},
        json_serialize=_json.dumps_str,
    )


def make_client(
    spec: AccountSpec,
    token: str,
    session: aiohttp.ClientSession | None = None,
    retry: RetryPolicy | None = None,
) -> TogglClient:
    """The account's own client, configured like ``toggl-async export`` configures one.

    ``retry`` defaults to ``RetryPolicy.for_export()``; an account with ``no_wait`` gets it
    with ``wait_for_quota=False``.
    """
    opts = spec.client_options
    retry = retry if retry is not None else RetryPolicy.for_export()
    if opts.get("no_wait"):
        retry = attrs.evolve(retry, wait_for_quota=False)
    urls = {k: opts[k] for k in ("track_base_url", "reports_base_url") if k in opts}
    return TogglClient(
        api_token=token,
        max_concurrency=int(spec.options.get("concurrency", 10)),
        rate_limit=opts.get("rate_limit"),
        retry=retry,
        session=session,
        **urls,
    )


async def export_one(
    spec: AccountSpec,
    out_root: Path,
    *,
    session: aiohttp.ClientSession | None = None,
    environ: Mapping[str, str] | None = None,
    on_progress: Callable[[ExportProgress], None] | None = None,
    retry: RetryPolicy | None = None,
) -> AccountOutcome:
    """Export one account into ``out_root/NAME``; every failure becomes an outcome."""
    out_dir = out_root / spec.name
    started = time.monotonic()
    client: TogglClient | None = None
    last: list[ExportProgress] = []

    def progress(p: ExportProgress) -> None:
        last[:] = [p]
        if on_progress is not None:
            on_progress(p)

    try:
        client = make_client(spec, spec.token.resolve(environ), session, retry)
        async with client:
            summary = await export_account(
                client, out_dir, on_progress=progress, **spec.export_kwargs
            )
        return AccountOutcome.from_summary(spec.name, summary, time.monotonic() - started)
    except (Exception, asyncio.CancelledError) as exc:
        outcome = AccountOutcome.from_error(
            spec.name,
            out_dir,
            exc,
            requests=0 if client is None else client.requests_sent,
            entries=last[0].counts.get("time_entries", 0) if last else 0,
            elapsed=time.monotonic() - started,
        )
        if isinstance(exc, asyncio.CancelledError):
            raise _Cancelled(outcome) from None
        return outcome


class _Cancelled(asyncio.CancelledError):
    """Cancellation carrying the outcome of the account it interrupted."""

    def __init__(self, outcome: AccountOutcome) -> None:
        super().__init__()
        self.outcome = outcome


async def export_accounts(
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
    """Export every account into ``out_root/NAME`` at once; return one outcome per account.

    Each account is exported by :func:`~toggl_async.export.export_account` with its own
    client (so its own quota buckets), exactly as ``toggl-async export`` would: same files,
    resume, and exit code (``AccountOutcome.exit_code``). One account failing (a refused
    token, a spent quota with ``no_wait``, a 5xx storm) never stops the others: this never
    raises for an account, only for bad arguments. ``max_in_flight`` caps requests in flight
    across the whole fleet; ``max_accounts`` caps accounts exporting at once (default all:
    each holds a few open files). Tokens are read via each account's :class:`TokenRef`,
    from ``environ`` (default ``os.environ``) or a file. ``OUT_ROOT/fleet.json`` gets the
    summary, also when the run is cancelled (then each unfinished account says
    ``interrupted``, exit code 130, and a re-run resumes it). ``request_timeout`` bounds
    connecting and each read (waiting for a free slot under ``max_in_flight`` is not timed).
    ``retry`` is every account's policy (default ``RetryPolicy.for_export()``: patient, waits
    for the quota; an account with ``no_wait = true`` stops instead, exit code 4).
    """
    _check(accounts, max_in_flight, max_accounts)
    root = _prepare_root(Path(out_root))
    names = [a.name for a in accounts]
    live = _Live(names)
    outcomes: dict[str, AccountOutcome] = {}
    started_at, started = now(), time.monotonic()
    gate = asyncio.Semaphore(max_accounts or max(1, len(accounts)))

    def report() -> None:
        if on_progress is not None:
            on_progress(live.snapshot(time.monotonic() - started))

    def tracker(name: str) -> Callable[[ExportProgress], None]:
        def update(p: ExportProgress) -> None:
            live.set(
                name,
                state="waiting" if p.quota_wait is not None else "running",
                entries=p.counts.get("time_entries", 0),
                requests=p.requests,
                quota_wait=p.quota_wait,
                fraction=p.fraction,
            )

        return update

    async def one(spec: AccountSpec, session: aiohttp.ClientSession) -> None:
        async with gate:
            live.set(spec.name, state="running")
            try:
                outcome = await export_one(
                    spec,
                    root,
                    session=session,
                    environ=environ,
                    on_progress=tracker(spec.name),
                    retry=retry,
                )
            except _Cancelled as cancelled:
                outcomes[spec.name] = cancelled.outcome
                raise
            outcomes[spec.name] = outcome
            live.set(
                spec.name,
                state=outcome.state,
                entries=outcome.entries,
                requests=outcome.requests_total or outcome.requests,
                quota_wait=None,
                fraction=1.0 if outcome.ok else live.status[spec.name].fraction,
                exit_code=outcome.exit_code,
                message=outcome.message,
            )

    async def ticker() -> None:
        while True:
            report()
            await asyncio.sleep(progress_interval)

    def summary() -> FleetSummary:
        for name in names:
            if name not in outcomes:  # cancelled before it started
                outcomes[name] = AccountOutcome.from_error(
                    name, root / name, asyncio.CancelledError()
                )
        return FleetSummary(
            out_root=root,
            accounts=tuple(outcomes[n] for n in names),
            started_at=started_at,
            finished_at=now(),
            elapsed=time.monotonic() - started,
            max_in_flight=max_in_flight,
        )

    ticking = asyncio.create_task(ticker())
    try:
        async with make_session(max_in_flight, request_timeout) as session:
            tasks = [asyncio.create_task(one(spec, session)) for spec in accounts]
            try:
                await asyncio.gather(*tasks)
            except BaseException:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                summary().write(root / FLEET_FILE)
                raise
    finally:
        ticking.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticking
    result = summary()
    result.write(root / FLEET_FILE)
    report()
    return result

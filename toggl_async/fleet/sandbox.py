"""N generated accounts on local sandbox servers, for ``export-many --sandbox N``.

Each account is its own :class:`~toggl_async.testing.Sandbox` (its own port, token,
organizations and hourly quota, counted per organization as Toggl counts), so the fleet
meets the same isolation it meets in production. Tokens reach the exports the way real ones
do: by name, from an environment mapping (never through the accounts' options).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from .accounts import AccountSpec, TokenRef

__all__ = ["SandboxFleet"]


class SandboxFleet:
    """``async with SandboxFleet(5) as fleet:`` then ``fleet.specs()`` and ``fleet.environ``."""

    def __init__(
        self,
        count: int,
        *,
        size: str = "tiny",
        first_seed: int = 1,
        latency: float = 0.02,
        jitter: float = 0.0,
        quota: tuple[int, float] | None = (600, 3600.0),
        now: datetime | None = None,
    ) -> None:
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"count must be an int >= 1, got {count!r}")
        from ..testing import PRESETS

        if size not in PRESETS:
            raise ValueError(f"size must be one of {', '.join(PRESETS)}, got {size!r}")
        self.count = count
        self.size = size
        self.first_seed = first_seed
        self.latency = latency
        self.jitter = jitter
        self.quota = quota
        # Pinned to today's midnight (UTC) so a re-run the same day resumes like a real one.
        self.now = now or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        self.servers: list[Any] = []
        self.environ: dict[str, str] = {}

    @staticmethod
    def name(seed: int) -> str:
        return f"sandbox-{seed:04d}"

    async def __aenter__(self) -> SandboxFleet:
        from ..testing import Account, Faults, Sandbox

        try:
            for seed in range(self.first_seed, self.first_seed + self.count):
                token = f"sandbox-token-{seed}"
                faults = Faults(quota=self.quota, quota_per_organization=True)
                server = Sandbox(
                    Account.preset(self.size, seed=seed, now=self.now),
                    api_token=token,
                    latency=self.latency,
                    jitter=self.jitter,
                    faults=faults,
                )
                await server.start()
                self.servers.append(server)
                self.environ[f"TOGGL_SANDBOX_TOKEN_{seed}"] = token
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        servers, self.servers = self.servers, []
        for server in servers:
            with contextlib.suppress(Exception):
                await server.stop()

    def specs(self, options: Mapping[str, Any] | None = None) -> list[AccountSpec]:
        """One :class:`AccountSpec` per account, with ``options`` for each."""
        out = []
        for offset, server in enumerate(self.servers):
            seed = self.first_seed + offset
            out.append(
                AccountSpec(
                    name=self.name(seed),
                    token=TokenRef(env=f"TOGGL_SANDBOX_TOKEN_{seed}"),
                    options={
                        **(options or {}),
                        "track_base_url": server.track_base_url,
                        "reports_base_url": server.reports_base_url,
                        "source": {"sandbox": self.size, "seed": seed},
                    },
                )
            )
        return out

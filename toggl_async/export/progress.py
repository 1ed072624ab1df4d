"""Progress: counts, pace, requests per 1000 entries, quota waits and the ETA.

Reads the state and the client's quota buckets; writes only the quota-wait tally in the
state (so that a resumed export reports the waits of all its runs).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .report import counts_of
from .sources import Sources
from .state import ExportState
from .summary import ExportProgress, WorkspaceProgress
from .tables import KINDS

if TYPE_CHECKING:
    from ..client import TogglClient

__all__ = ["ProgressMeter"]


class ProgressMeter:
    """Measures one run of an export (``resume_from`` adds what earlier runs did)."""

    def __init__(self, client: TogglClient, sources: Sources) -> None:
        self.client = client
        self.sources = sources
        self._started = time.monotonic()
        self._requests_at_start = client.requests_sent
        self._requests_before = 0
        self._entries_at_start = 0
        self._wait_started: float | None = None
        self._max_remaining: dict[str, int] = {}
        self._window_len: dict[str, float] = {}

    def resume_from(self, state: ExportState) -> None:
        self._requests_before = state.requests
        self._entries_at_start = counts_of(state)["time_entries"]

    def elapsed(self) -> float:
        return time.monotonic() - self._started

    def requests_this_run(self) -> int:
        return int(self.client.requests_sent - self._requests_at_start)

    def requests(self) -> int:
        """Requests of every run of this export so far."""
        return self._requests_before + self.requests_this_run()

    def quota_wait(self) -> float | None:
        waits = [q.seconds_to_reset() for q in self.client.quotas.values() if q.exhausted()]
        return max(waits) if waits else None

    def note_quota_wait(self, state: ExportState, wait: float | None) -> None:
        """Count a quota wait when one starts, and its seconds when it ends."""
        now = time.monotonic()
        if wait is not None and self._wait_started is None:
            self._wait_started = now
            state.quota_waits += 1
        elif wait is None and self._wait_started is not None:
            state.quota_wait_seconds += now - self._wait_started
            self._wait_started = None

    def snapshot(self, state: ExportState, phase: str) -> ExportProgress:
        """A snapshot of where the export stands."""
        elapsed = time.monotonic() - self._started
        per_ws: dict[int, dict[str, int]] = {
            ws["id"]: dict.fromkeys(KINDS[1:], 0) for ws in state.workspaces
        }
        covered: dict[int, int] = dict.fromkeys(per_ws, 0)
        span: dict[int, int] = dict.fromkeys(per_ws, 0)
        done: dict[int, bool] = dict.fromkeys(per_ws, True)
        for unit in state.units.values():
            ws = unit.workspace_id
            if ws is None or ws not in per_ws:
                continue
            per_ws[ws][unit.kind] += unit.count
            covered[ws] += unit.covered_days()
            span[ws] += unit.span_days()
            done[ws] = done[ws] and unit.done
        counts = counts_of(state)
        workspaces = tuple(
            WorkspaceProgress(
                id=ws["id"],
                name=ws["name"],
                counts=per_ws[ws["id"]],
                fraction=1.0 if done[ws["id"]] else covered[ws["id"]] / max(1, span[ws["id"]]),
                done=done[ws["id"]],
            )
            for ws in state.workspaces
        )
        total_span = sum(span.values())
        fraction = 1.0 if phase == "done" else sum(covered.values()) / max(1, total_span)
        entries = counts["time_entries"]
        run_entries = entries - self._entries_at_start
        requests = self.requests()
        wait = self.quota_wait()
        waited = state.quota_wait_seconds + (
            time.monotonic() - self._wait_started if self._wait_started is not None else 0.0
        )
        busy = max(1e-6, elapsed - waited)
        # This run's own pace; unknown (None) until it has written something, so that a
        # resume does not show "0 entries/s, ETA 0:00".
        rate = run_entries / busy if run_entries > 0 else None
        quota = self._tightest_quota()
        return ExportProgress(
            phase=phase,
            elapsed=elapsed,
            workspaces=workspaces,
            counts=counts,
            entries_per_second=rate,
            requests=requests,
            requests_per_1000=requests * 1000 / entries if entries else None,
            quota_remaining=quota[0] if quota else None,
            quota_wait=wait,
            eta=self._eta(phase, fraction, entries, rate, wait, quota),
            fraction=fraction,
        )

    def _tightest_quota(self) -> tuple[int, float, str] | None:
        """(remaining, seconds to reset, bucket) of the workspace bucket with least left."""
        best: tuple[int, float, str] | None = None
        for bucket, quota in self.client.quotas.items():
            if not bucket.startswith("workspace:"):
                continue
            self._max_remaining[bucket] = max(
                self._max_remaining.get(bucket, 0), quota.remaining + 1
            )
            self._window_len[bucket] = max(self._window_len.get(bucket, 0.0), quota.resets_in)
            if best is None or quota.remaining < best[0]:
                best = (quota.remaining, quota.seconds_to_reset(), bucket)
        return best

    def _eta(
        self,
        phase: str,
        fraction: float,
        entries: int,
        rate: float | None,
        wait: float | None,
        quota: tuple[int, float, str] | None,
    ) -> float | None:
        if phase == "done":
            return 0.0
        if fraction <= 0.0 or entries == 0 or not rate:
            return None
        remaining = entries / fraction - entries
        eta = remaining / rate
        if quota is not None:
            left, resets, bucket = quota
            needed = remaining / self.sources.page_size
            if needed > left:
                per_window = max(1, self._max_remaining.get(bucket, 1))
                window = max(1.0, self._window_len.get(bucket, 3600.0))
                windows = (needed - left) / per_window
                eta = max(eta, resets + max(0.0, windows - 1) * window + (wait or 0.0))
        return eta

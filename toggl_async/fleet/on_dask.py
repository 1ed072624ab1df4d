"""The cluster recipe: one Dask task per account, each export in its own event loop.

Dask rather than Ray: a fleet export is a bag of independent, I/O-bound tasks writing to a
shared directory, which is what ``dask.distributed`` schedules with no more than
``pip install toggl-async[dask]`` (pure Python, a ``LocalCluster`` for one machine, the same
code on Kubernetes/SLURM/YARN clusters through dask-jobqueue and friends). Ray's actors and
object store are not needed, and its heavier runtime would be all cost here.

How it stays safe and resumable:

* **Tokens by reference.** A task carries the :class:`AccountSpec` (an environment variable
  name or a secret file path), never the token: the worker resolves it when the task runs,
  so the token is not in the task graph, the scheduler, or its logs.
* **Lost workers.** When a worker dies mid-export, the scheduler runs the task again on
  another worker (``distributed.scheduler.allowed-failures``, default 3). The export resumes
  from the checkpoint in the shared directory (the dead worker's directory lock is a
  ``flock``, released by the kernel), so only the work since the last checkpoint is redone.
* **Transient failures** (exit code 1: the API or network failed after retries; 5: the lock
  is still held, e.g. by a worker that lost the scheduler but still runs) raise, so Dask's
  ``retries`` run the task again later; the other codes are final and come back as outcomes.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..retry import RetryPolicy
from .accounts import AccountSpec
from .outcome import AccountOutcome, FleetSummary, now
from .runner import FLEET_FILE, _prepare_root, export_one

if TYPE_CHECKING:
    from dask.delayed import Delayed
    from distributed import Client

__all__ = ["RETRYABLE_CODES", "RetryableExport", "export_on_dask", "export_task", "fleet_tasks"]

#: Exit codes worth another attempt later (see the module docstring).
RETRYABLE_CODES = frozenset({1, 5})


class RetryableExport(Exception):
    """Raised by :func:`export_task` for a transient failure, so Dask's ``retries`` apply."""

    def __init__(self, outcome: AccountOutcome) -> None:
        super().__init__(outcome)
        self.outcome = outcome

    def __str__(self) -> str:
        return f"{self.outcome.name}: exit {self.outcome.exit_code}: {self.outcome.message}"


def export_task(
    spec: AccountSpec, out_root: str, retry: RetryPolicy | None = None
) -> AccountOutcome:
    """The task body: export one account into ``out_root/NAME`` in a fresh event loop."""
    outcome = asyncio.run(export_one(spec, Path(out_root), retry=retry))
    if outcome.exit_code in RETRYABLE_CODES:
        raise RetryableExport(outcome)
    return outcome


def fleet_tasks(
    accounts: Sequence[AccountSpec],
    out_root: str | os.PathLike[str],
    *,
    retry: RetryPolicy | None = None,
) -> list[Delayed]:
    """One delayed :func:`export_task` per account (keys ``toggl-export-NAME``)."""
    task: Any = importlib.import_module("dask.delayed").delayed(export_task, pure=False)
    root = os.fspath(out_root)
    return [task(spec, root, retry, dask_key_name=f"toggl-export-{spec.name}") for spec in accounts]


def export_on_dask(
    client: Client,
    accounts: Sequence[AccountSpec],
    out_root: str | os.PathLike[str],
    *,
    retries: int = 2,
    retry: RetryPolicy | None = None,
) -> FleetSummary:
    """Export every account on the cluster behind ``client``; outcomes as in one process.

    ``out_root`` must be a directory every worker sees at the same path (a shared volume).
    Each account's token must be reachable on the workers: the same environment variable,
    or the same secret file path. ``retries`` is Dask's, for transient failures. Writes
    ``OUT_ROOT/fleet.json`` (from the client's machine) and returns the summary.
    """
    root = _prepare_root(Path(out_root))
    started_at, started = now(), time.monotonic()
    cluster: Any = client  # distributed's methods are untyped
    futures = cluster.compute(fleet_tasks(accounts, root, retry=retry), retries=retries)
    outcomes: list[AccountOutcome] = []
    for spec, future in zip(accounts, futures, strict=True):
        outcomes.append(_outcome(spec, root, future))
    summary = FleetSummary(
        out_root=root,
        accounts=tuple(outcomes),
        started_at=started_at,
        finished_at=now(),
        elapsed=time.monotonic() - started,
        max_in_flight=0,
    )
    summary.write(root / FLEET_FILE)
    return summary


def _outcome(spec: AccountSpec, root: Path, future: Any) -> AccountOutcome:
    try:
        result = future.result()
    except RetryableExport as exc:
        return exc.outcome
    except Exception as exc:  # KilledWorker (lost too many workers), a cancelled future ...
        return AccountOutcome(
            name=spec.name,
            out_dir=root / spec.name,
            exit_code=1,
            state="failed",
            message=f"the cluster could not run the export: {type(exc).__name__}: {exc}; "
            "progress is saved, run again to resume",
        )
    assert isinstance(result, AccountOutcome)
    return result

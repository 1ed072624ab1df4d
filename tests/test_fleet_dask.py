"""The Dask recipe on a 2-worker LocalCluster (processes) against sandboxes this process serves.

Tokens travel by reference (secret files here), a task graph holds no token, and a worker
killed mid-export is replaced: the account resumes from its checkpoint on another worker.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from toggl_async.fleet import AccountSpec, SandboxFleet, TokenRef, export_accounts

distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")

from toggl_async.fleet.on_dask import export_on_dask, fleet_tasks  # noqa: E402


class ThreadedFleet:
    """A :class:`SandboxFleet` served by an event loop on its own thread."""

    def __init__(self, fleet: SandboxFleet) -> None:
        self.fleet = fleet
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> SandboxFleet:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.fleet.__aenter__(), self.loop).result(60)
        return self.fleet

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.fleet.aclose(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def _wait(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _by_file(fleet: SandboxFleet, secrets: Path, options: dict[str, Any]) -> list[AccountSpec]:
    """The fleet's accounts with their tokens in secret files (as a cluster would mount)."""
    secrets.mkdir(exist_ok=True)
    specs = []
    for spec in fleet.specs(options):
        assert spec.token.env is not None
        path = secrets / spec.name
        path.write_text(fleet.environ[spec.token.env])
        specs.append(AccountSpec(name=spec.name, token=TokenRef(file=path), options=spec.options))
    return specs


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as local,
        distributed.Client(local) as client,
    ):
        client.wait_for_workers(2, timeout=60)
        yield client


def test_the_graph_carries_no_token_and_every_account_is_exported(
    cluster: Any, tmp_path: Path
) -> None:
    with ThreadedFleet(SandboxFleet(3, latency=0.0)) as fleet:
        specs = _by_file(fleet, tmp_path / "secrets", {})
        tokens = [t.encode() for t in fleet.environ.values()]
        graphs = [dict(task.__dask_graph__()) for task in fleet_tasks(specs, tmp_path / "out")]
        pickled = cloudpickle.dumps(graphs)
        assert b"secrets" in pickled  # the reference is there ...
        for token in tokens:
            assert token not in pickled  # ... the token is not
        summary = export_on_dask(cluster, specs, tmp_path / "out")
        assert summary.exit_code == 0
        for outcome, server in zip(summary.accounts, fleet.servers, strict=True):
            assert outcome.entries == 200
            lines = (outcome.out_dir / "time_entries.jsonl").read_text().splitlines()
            assert sorted(json.loads(x)["id"] for x in lines) == sorted(
                server.account.time_entries.ids()
            )
        report = (tmp_path / "out/fleet.json").read_text()
        assert json.loads(report)["accounts_by_exit_code"] == {"0": 3}
        for token in fleet.environ.values():
            assert token not in report


def test_a_failed_account_comes_back_as_an_outcome(cluster: Any, tmp_path: Path) -> None:
    with ThreadedFleet(SandboxFleet(2, latency=0.0)) as fleet:
        specs = _by_file(fleet, tmp_path / "secrets", {})
        (tmp_path / "secrets" / specs[0].name).write_text("a-wrong-token")
        summary = export_on_dask(cluster, specs, tmp_path / "out")
        assert [a.exit_code for a in summary.accounts] == [3, 0]
        assert summary.exit_code == 9


def test_a_worker_killed_mid_export_is_replaced_and_the_account_resumes(
    cluster: Any, tmp_path: Path
) -> None:
    with ThreadedFleet(SandboxFleet(2, size="small", latency=0.03)) as fleet:
        specs = _by_file(fleet, tmp_path / "secrets", {"concurrency": 1})
        victim = fleet.servers[0]
        checkpoint = tmp_path / "out" / specs[0].name / ".toggl-export" / "checkpoint.json"
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            running = pool.submit(export_on_dask, cluster, specs, tmp_path / "out")
            _wait(lambda: victim.request_count >= 30 and checkpoint.exists(), 60, "progress")
            key = f"toggl-export-{specs[0].name}"
            busy = [w for w, keys in cluster.processing().items() if key in map(str, keys)]
            assert len(busy) == 1
            pid = cluster.run(os.getpid, workers=busy)[busy[0]]
            served_before_kill = victim.request_count
            os.kill(pid, signal.SIGKILL)
            summary = running.result(timeout=90)
        outcome = summary[specs[0].name]
        assert outcome.exit_code == 0, outcome.message
        assert outcome.runs == 2  # the second run continued the first
        assert outcome.requests < victim.request_count  # not everything again
        assert outcome.requests_total > outcome.requests  # the first run's progress counts
        assert served_before_kill >= 30
        fresh = asyncio.run(asyncio.wait_for(export_accounts(specs[:1], tmp_path / "fresh"), 60))
        assert outcome.requests < fresh.accounts[0].requests  # fewer than from zero
        lines = (outcome.out_dir / "time_entries.jsonl").read_text().splitlines()
        ids = [json.loads(x)["id"] for x in lines]
        assert len(ids) == len(set(ids)) == len(victim.account.time_entries)
        assert summary[specs[1].name].exit_code == 0

"""The benchmark scripts still run: each one with ``--quick`` (tiny sizes) writes its JSON.

Nothing here times anything; the figures live in benchmarks/results/ from real runs. The
scripts run as the README says (``python benchmarks/NAME.py --quick``), side by side, each
in its own interpreter with its own sandbox process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
SCRIPTS = ("decode", "overhead", "pagination", "peers")


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench-results")
    procs = {
        name: subprocess.Popen(
            [sys.executable, str(BENCHMARKS / f"{name}.py"), "--quick", "--results", str(out)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name in SCRIPTS
    }
    outcome: dict[str, Any] = {"dir": out}
    for name, proc in procs.items():
        output, _ = proc.communicate(timeout=300)
        outcome[name] = (proc.returncode, output)
    return outcome


def _load(results: dict[str, Any], name: str) -> dict[str, Any]:
    code, output = results[name]
    assert code == 0, output
    path = results["dir"] / f"{name}.json"
    assert path.exists(), output
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert data["benchmark"] == name
    assert data["environment"]["cores"] >= 1
    assert data["environment"]["packages"]["toggl-async"]
    assert data["sizes"]["quick"] is True
    return data


def test_decode_reports_microseconds_per_record(results: dict[str, Any]) -> None:
    data = _load(results, "decode")
    ours = data["figures"]["toggl-async (stdlib json)"]
    assert ours["us_per_record_best"] > 0
    assert data["figures"]["json.loads alone"]["us_per_record_best"] > 0


def test_overhead_compares_both_concurrencies(results: dict[str, Any]) -> None:
    data = _load(results, "overhead")
    seen = {(f["operation"], f["concurrency"]) for f in data["figures"].values()}
    assert {c for _, c in seen} == {1, 32}
    assert {op for op, _ in seen} == {"me.get", "time_entries.get", "me.iter_projects, 100 pages"}
    assert all(f["ratio_wall"] > 0 and f["ratio_cpu"] > 0 for f in data["figures"].values())


def test_pagination_counts_the_same_records_both_ways(results: dict[str, Any]) -> None:
    data = _load(results, "pagination")
    for figure in data["figures"].values():
        assert figure["records"] == data["sizes"]["projects"] > 0
        assert figure["prefetch"]["records_per_s"] > 0
        assert figure["no_prefetch"]["records_per_s"] > 0


def test_peers_report_every_client_and_task(results: dict[str, Any]) -> None:
    data = _load(results, "peers")
    ours = data["figures"]["toggl-async"]
    assert all("seconds" in ours[task] for task in ("me", "list projects", "page projects"))
    assert ours["time entries"].get("items", 0) > 0
    for name, per_task in data["figures"].items():
        for task, cell in per_task.items():
            # Every cell says what happened: a time, a gap, a failure, or a missing install.
            assert {"seconds", "unsupported", "error", "not_installed"} & cell.keys(), (name, task)


def test_run_all_writes_the_summary_from_the_results(results: dict[str, Any]) -> None:
    for name in SCRIPTS:
        _load(results, name)
    out = results["dir"]
    proc = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run_all.py"), "--summary-only", "--results", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = (out / "SUMMARY.md").read_text(encoding="utf-8")
    assert "Decoding a page of 200 time entries" in summary
    assert "| toggl-async" in summary

"""``benchmarks/sync_overhead.py --quick`` still runs and writes its figures.

Nothing here judges speed (the figures live in benchmarks/results/ from real runs); it
checks that the script runs as the README says and that its JSON has what readers use.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_sync_overhead_benchmark_runs_and_reports(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "benchmarks/sync_overhead.py", "--quick", "--results", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "shim overhead per call" in proc.stdout
    data = json.loads((tmp_path / "sync_overhead.json").read_text(encoding="utf-8"))
    assert data["benchmark"] == "sync_overhead"
    assert data["sizes"]["quick"] is True
    assert data["environment"]["cores"] >= 1
    assert data["environment"]["packages"]["toggl-async"]
    assert data["environment"]["packages"]["anyio"]
    per_call = data["per_call_us"]
    assert {"async", "sync", "sync, 8 threads"} <= per_call.keys()
    assert all(value > 0 for value in per_call.values())
    assert isinstance(data["overhead_us"], float)
    assert isinstance(data["overhead_ratio"], float)  # a difference of noisy timings: any sign
    assert data["threads_speedup"] > 0
    assert data["threads_speedup_at_latency"] > 0
    assert isinstance(data["shim_over_bare_hop_us"], float)
    assert {"async", "sync", "bare hop, concurrent.futures result"} <= set(
        data["cpu_per_call_us_median"]
    )
    assert all(value > 0 for value in data["cpu_per_call_us_median"].values())
    assert set(data["listing"]) == {"async for", "sync for", "sync pages()", "sync collect()"}
    assert set(data["one_call_split_us"]) == {
        "hand_off_us",
        "call_on_the_loop_us",
        "hand_back_us",
    }

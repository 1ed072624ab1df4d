"""Run every benchmark, then write ``results/SUMMARY.md`` and the export-throughput plot.

Each script runs alone in its own interpreter (``python benchmarks/NAME.py``), one after
the other, so none shares the machine with another. Scripts written by others
(``sync_overhead.py``, ``export.py``) are included when present.

    python benchmarks/run_all.py [--quick] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import RESULTS, environment, table  # noqa: E402

SCRIPTS = ("decode", "overhead", "pagination", "peers", "sync_overhead", "export", "fleet")
PLOT = "export_throughput.png"


def run(names: list[str], quick: bool, results: Path) -> dict[str, Any]:
    ran: dict[str, Any] = {}
    for name in names:
        script = HERE / f"{name}.py"
        if not script.exists():
            ran[name] = {"status": "absent"}
            print(f"== {name}: not present, skipped", flush=True)
            continue
        args = [sys.executable, str(script), "--results", str(results)]
        if quick:
            args.append("--quick")
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        code = subprocess.call(args)
        seconds = time.perf_counter() - started
        ran[name] = {"status": "ok" if code == 0 else f"exit {code}", "seconds": seconds}
        print(f"== {name}: {ran[name]['status']} in {seconds:.0f} s\n", flush=True)
    return ran


def load(results: Path, name: str) -> dict[str, Any] | None:
    path = results / f"{name}.json"
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


# -- SUMMARY.md ----------------------------------------------------------------------------------


def md_table(headers: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _x(value: float) -> str:
    return f"{value:.2f}x"


def decode_section(data: dict[str, Any]) -> str:
    f = data["figures"]
    rows = [
        [name, f"{v['us_per_record_best']:.2f}", _x(v["relative_to_toggl_async"])]
        for name, v in f.items()
    ]
    verdicts = data.get("verdicts", {})
    notes = []
    if "faster_than_pydantic" in verdicts:
        v = verdicts["faster_than_pydantic"]
        notes.append(f"toggl-async / pydantic v2: {_x(v['ours_over_pydantic'])}")
    if "within_2x_of_msgspec" in verdicts:
        v = verdicts["within_2x_of_msgspec"]
        notes.append(f"toggl-async / msgspec: {_x(v['ours_over_msgspec'])}")
    if "floor_over_msgspec" in verdicts:
        v = verdicts["floor_over_msgspec"]
        notes.append(
            f"the C floor (orjson dicts + timestamps) / msgspec: {_x(v['floor_over_msgspec'])}, "
            f"leaving {v['python_building_us_per_record']:.2f} µs per record of Python building"
        )
    if "orjson_speedup" in verdicts:
        v = verdicts["orjson_speedup"]
        notes.append(f"stdlib json / orjson for toggl-async: {_x(v['stdlib_over_orjson'])}")
    return (
        f"### Decoding a page of {data['sizes']['records_per_page']} time entries\n\n"
        + md_table(["decoder", "µs per record", "vs toggl-async"], rows)
        + "\n\n"
        + "; ".join(notes)
        + "\n"
    )


def overhead_section(data: dict[str, Any]) -> str:
    figures = list(data["figures"].values())
    floor = "floor_ratio_cpu" in figures[0] if figures else False
    rows = [
        [
            f["operation"],
            f["concurrency"],
            _x(f["ratio_wall"]),
            _x(f["ratio_cpu"]),
            _x(f["ratio_wall_vs_raw_records"]),
            _x(f["ratio_cpu_vs_raw_records"]),
            *([_x(f["floor_ratio_cpu"]), _x(f["ratio_cpu_vs_floor"])] if floor else []),
        ]
        for f in figures
    ]
    headers = ["operation", "in flight", "wall / raw", "client CPU / raw"]
    headers += ["wall / (raw + records)", "CPU / (raw + records)"]
    if floor:
        headers += ["floor CPU / raw", "CPU / floor"]
    text = (
        "### Client overhead against a hand-written aiohttp loop (same requests)\n\n"
        + md_table(headers, rows)
        + f"\n\nTarget: {data['target_ratio']}. Each figure is the median, over "
        f"{data['sizes']['rounds']} alternating rounds, of the two times measured side by side. "
        '"raw + records" is the raw loop plus the same record decoding; the gap between the '
        '"raw" and "raw + records" columns is the cost of typed records. "floor" is the same '
        "aiohttp calls toggl-async makes, with nothing of the client around them.\n"
    )
    own = data.get("own_code_per_me_get")
    if own:
        text += (
            f"\nme.get with the network stubbed out (CPU per call, deterministic): our code "
            f"{own['own_code_us']:.1f} µs and the Me record {own['record_us']:.1f} µs, where a "
            f"minimal loop costs {own['minimal_us']:.1f} µs; a real raw request costs "
            + ", ".join(
                f"{f['raw_cpu_us_per_call']:.0f} µs at {f['concurrency']} in flight"
                for f in figures
                if f["operation"] == "me.get" and "raw_cpu_us_per_call" in f
            )
            + ".\n"
        )
    return text


def pagination_section(data: dict[str, Any]) -> str:
    s = data["sizes"]
    rows = [
        [
            consumer,
            f"{f['prefetch']['records_per_s']:,.0f}",
            f"{f['no_prefetch']['records_per_s']:,.0f}",
            _x(f["speedup"]),
        ]
        for consumer, f in data["figures"].items()
    ]
    return (
        f"### Paging {s['projects']:,} projects ({s['pages']} pages, "
        f"{s['latency_s'] * 1000:.0f} ms latency)\n\n"
        + md_table(["consumer", "records/s, prefetch", "records/s, no prefetch", "speedup"], rows)
        + "\n"
    )


def peers_section(data: dict[str, Any]) -> str:
    tasks = ["me", "list projects", "page projects", "time entries"]
    rows = []
    for name, per_task in data["figures"].items():
        version = data["clients"][name]["version"] or "not installed"
        row = [f"{name} {version}"]
        for task in tasks:
            cell = per_task[task]
            if "not_installed" in cell:
                row.append("not installed")
            elif "unsupported" in cell:
                row.append("n/a")
            elif "error" in cell:
                row.append("fails")
            elif name == "toggl-async" or "ratio_to_toggl_async" not in cell:
                row.append(f"{cell['seconds'] * 1000:.0f} ms")
            else:
                row.append(
                    _x(cell["ratio_to_toggl_async"]) + ("*" if cell["generic_helper"] else "")
                )
        rows.append(row)
    s = data["sizes"]
    heads = [
        "client",
        f"GET /me x{s['me_calls']}",
        f"list {s['projects']:,} projects",
        "page through them",
        f"read {s['time_entries_read']:,} entries",
    ]
    failures = [
        f"- {name}, {task}: {' '.join(cell['error'].split()[:14])}"
        for name, per_task in data["figures"].items()
        for task, cell in per_task.items()
        if "error" in cell
    ]
    return (
        "### Other Python clients, same work (their time / toggl-async's)\n\n"
        + md_table(heads, rows)
        + "\n\nAbove 1: toggl-async is faster. n/a: the library has no way to do it. "
        "*: done with the library's generic request helper (raw JSON, no models).\n"
        + (
            "\nFailures on the sandbox's realistic data:\n" + "\n".join(failures) + "\n"
            if failures
            else ""
        )
    )


def export_section(data: dict[str, Any]) -> str:
    figures = data["figures"]
    speed = figures.get("throughput", {})
    default = next((v for k, v in speed.items() if k.startswith("export_account (defaults")), None)
    plain = speed.get("sequential aiohttp loop")
    if default is None or plain is None:
        return generic_section("export", data)
    rows = [
        [
            "export_account, defaults",
            f"{default['entries_per_s']:,.0f}",
            f"{default['requests_per_1000']:.1f}",
        ],
        [
            "sequential aiohttp loop",
            f"{plain['entries_per_s']:,.0f}",
            f"{plain['requests'] * 1000 / max(1, plain['entries']):.1f}",
        ],
    ]
    rows += [
        [
            f"export_account, concurrency {s['concurrency']}",
            f"{s['entries_per_s']:,.0f}",
            f"{s['requests_per_1000']:.1f}",
        ]
        for s in speed.get("scaling", [])
    ]
    memory = figures.get("peak_rss", {})
    # Keys are "ENTRIES" (one format) or "ENTRIES FORMAT" (one row per format).
    rss = [
        [f"{int(n.split()[0]):,}", n.split()[1] if " " in n else "jsonl", f"{m['peak_rss_mb']:.0f}"]
        for n, m in memory.items()
    ]
    sizes = data["sizes"]
    return (
        f"### Export ({sizes['entries']:,} entries, {sizes['latency_s'] * 1000:.0f} ms latency)\n\n"
        + md_table(["run", "entries/s", "requests per 1000 entries"], rows)
        + f"\n\nSpeed-up over the sequential loop: {_x(speed['speedup'])}.\n"
        + (
            "\n" + md_table(["entries exported", "format", "peak RSS (MB)"], rss) + "\n"
            if rss
            else ""
        )
    )


def sync_section(data: dict[str, Any]) -> str:
    per_call = data.get("per_call_us")
    if not isinstance(per_call, dict):
        return generic_section("sync_overhead", data)
    cpu = data.get("cpu_per_call_us_median", {})
    rows = [
        [name, f"{us:,.0f}", f"{cpu[name]:,.0f}" if name in cpu else "—"]
        for name, us in per_call.items()
    ]
    notes = []
    if "overhead_us" in data:
        notes.append(f"blocking shim overhead per call over async: {data['overhead_us']:,.0f} µs")
    if "shim_over_bare_hop_us" in data:
        notes.append(
            f"the shim on top of the bare hop (concurrent.futures result): "
            f"{data['shim_over_bare_hop_us']:,.0f} µs (target ≤ {data['target_us']:,.0f} µs)"
        )
    if "threads_speedup" in data:
        notes.append(f"8 threads vs 1, no latency: {_x(data['threads_speedup'])}")
    if "threads_speedup_at_latency" in data:
        notes.append(
            f"8 threads vs 1 at {data['latency_s'] * 1000:.0f} ms: "
            f"{_x(data['threads_speedup_at_latency'])} (target ≥ {_x(data['threads_target'])})"
        )
    return (
        f"### Blocking shim ({data.get('calls', '?')} calls)\n\n"
        + md_table(["client", "µs per call (best)", "CPU µs per call (median)"], rows)
        + "\n\n"
        + "; ".join(notes)
        + "\n"
    )


def generic_section(name: str, data: dict[str, Any]) -> str:
    """For results whose layout this script does not know: their ratio/throughput figures."""
    figures = list(_numbers(data.get("figures", data)))
    wanted = [(k, v) for k, v in figures if any(w in k for w in ("ratio", "per_s", "speedup"))]
    rows = [[k, f"{v:,.3g}" if abs(v) < 1000 else f"{v:,.0f}"] for k, v in wanted[:16]]
    return f"### {name}\n\n" + md_table(["figure", "value"], rows) + "\n"


def _numbers(node: Any, prefix: str = "") -> Iterator[tuple[str, float]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _numbers(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            label = value.get("concurrency", i) if isinstance(value, dict) else i
            yield from _numbers(value, f"{prefix}[{label}]")
    elif isinstance(node, int | float) and not isinstance(node, bool):
        yield prefix, float(node)


SECTIONS = {
    "decode": decode_section,
    "overhead": overhead_section,
    "pagination": pagination_section,
    "peers": peers_section,
    "export": export_section,
    "sync_overhead": sync_section,
}


def summary(results: Path, ran: dict[str, Any], plot: Path | None) -> str:
    env = environment()
    parts = [
        "# toggl-async benchmarks",
        "",
        f"Run {env['date']} on {env['cores']} cores ({env['processor']}), "
        f"Python {env['python']}, {env['platform']}. Every figure is a ratio or a rate "
        "measured within one run; the sandbox server runs in its own process on localhost.",
        "Reproduce: `nox -s bench` (or `python benchmarks/run_all.py`).",
        "",
    ]
    for name in SCRIPTS:
        data = load(results, name)
        if data is None:
            status = ran.get(name, {}).get("status", "not run")
            parts.append(f"### {name}\n\nno results ({status}).\n")
            continue
        section = SECTIONS.get(name)
        parts.append(section(data) if section else generic_section(name, data))
    if plot is not None:
        parts.append(f"![export throughput against concurrency]({plot.name})\n")
    timing = [[n, r.get("status"), f"{r.get('seconds', 0):.0f} s"] for n, r in ran.items()]
    if timing:
        parts.append("### Run\n\n" + md_table(["script", "status", "time"], timing) + "\n")
    return "\n".join(parts)


# -- the plot ------------------------------------------------------------------------------------


def throughput_points(data: dict[str, Any]) -> dict[str, list[tuple[float, float]]]:
    """Series of (concurrency, records per second) found anywhere in export.json."""
    series: dict[str, list[tuple[float, float]]] = {}

    def visit(node: Any, label: str) -> None:
        if isinstance(node, dict):
            if "concurrency" in node:
                rate = next(
                    (v for k, v in node.items() if "per_s" in k and isinstance(v, int | float)),
                    None,
                )
                if rate is not None:
                    name = str(node.get("label") or node.get("mode") or node.get("series") or label)
                    series.setdefault(name, []).append((float(node["concurrency"]), float(rate)))
                    return
            for key, value in node.items():
                visit(value, str(key) if isinstance(value, dict | list) else label)
        elif isinstance(node, list):
            for value in node:
                visit(value, label)

    visit(data.get("figures", data), "export")
    return {k: sorted(v) for k, v in series.items()}


def plot_export(results: Path) -> Path | None:
    data = load(results, "export")
    if data is None:
        print("no export.json: no plot")
        return None
    series = throughput_points(data)
    if not series:
        print("export.json has no (concurrency, *_per_s) points: no plot")
        return None
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (benchmarks/requirements-bench.txt): no plot")
        return None
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    for name, points in series.items():
        xs, ys = zip(*points, strict=True)
        ax.plot(xs, ys, marker="o", label="toggl-async export" if name == "scaling" else name)
    plain = data.get("figures", {}).get("throughput", {}).get("sequential aiohttp loop")
    if plain and "entries_per_s" in plain:
        ax.axhline(
            plain["entries_per_s"], color="gray", linestyle="--", label="sequential aiohttp loop"
        )
    ax.set_xscale("log", base=2)
    ticks = sorted({x for points in series.values() for x, _ in points})
    ax.set_xticks(ticks, [f"{x:g}" for x in ticks])
    ax.set_xlabel("concurrency (requests in flight)")
    ax.set_ylabel("time entries per second")
    ax.set_title("toggl-async export throughput against concurrency")
    ax.grid(True, alpha=0.3)
    ax.set_ylim(bottom=0)
    ax.legend()
    env = data.get("environment", {})
    fig.text(
        0.99,
        0.01,
        f"{env.get('date', '')} · {env.get('cores', '?')} cores",
        ha="right",
        fontsize=7,
        alpha=0.7,
    )
    fig.tight_layout()
    path = results / PLOT
    fig.savefig(path)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--only", nargs="*", choices=SCRIPTS, help="run only these")
    parser.add_argument("--summary-only", action="store_true", help="rebuild SUMMARY.md only")
    args = parser.parse_args(argv)
    args.results.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    ran = {} if args.summary_only else run(list(args.only or SCRIPTS), args.quick, args.results)
    # Keep the timings of scripts not run this time (``--only``), for the summary's table.
    log = args.results / "runs.json"
    runs = json.loads(log.read_text(encoding="utf-8")) if log.exists() else {}
    runs.update(ran)
    log.write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")
    plot = plot_export(args.results)
    text = summary(args.results, {n: runs[n] for n in SCRIPTS if n in runs}, plot)
    (args.results / "SUMMARY.md").write_text(text, encoding="utf-8")
    total = time.perf_counter() - started
    print(
        table(
            ["script", "status", "seconds"],
            [[n, r.get("status"), round(r.get("seconds", 0))] for n, r in ran.items()],
        )
    )
    print(f"wrote {args.results / 'SUMMARY.md'} in {total:.0f} s total")
    return 0 if all(r.get("status") in ("ok", "absent") for r in ran.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Renders the README's endpoint tables from the coverage map (``toggl_async/coverage.py``).

    python scripts/render_api_tables.py           # rewrite the block in README.md
    python scripts/render_api_tables.py --check   # exit 1 if README.md is stale

The block sits between ``<!-- api-map:start -->`` and ``<!-- api-map:end -->``;
``tests/test_api_tables.py`` fails while it differs from what this renders.
"""

from __future__ import annotations

import argparse
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The map is read as a file, not through the package: the package imports what this writes.
_MAP = runpy.run_path(str(ROOT / "toggl_async" / "coverage.py"))
COVERED: dict[str, str] = _MAP["COVERED"]
EXCLUDED: dict[str, str] = _MAP["EXCLUDED"]

README = ROOT / "README.md"
START, END = "<!-- api-map:start -->", "<!-- api-map:end -->"


def _api(path: str) -> str:
    if path.startswith("/reports/"):
        return "Reports v3"
    if path.startswith("/insights/"):
        return "Insights"
    return "Track v9"


def render() -> str:
    """The generated block (without the markers)."""
    total = len(COVERED) + len(EXCLUDED)
    lines = [
        f"**Coverage: {len(COVERED)} of the {total} operations in Toggl's specifications** "
        f"(Track v9 and Reports v3); the other {len(EXCLUDED)} are excluded on purpose, "
        "listed below with the reason.",
        "",
    ]
    by_namespace: dict[str, list[tuple[str, str]]] = {}
    for key, target in COVERED.items():
        by_namespace.setdefault(target.split(".")[0], []).append((key, target))
    lines += ["| namespace | operations |", "| --- | --- |"]
    for namespace in sorted(by_namespace):
        lines.append(f"| `toggl.{namespace}` | {len(by_namespace[namespace])} |")
    for namespace in sorted(by_namespace):
        lines += ["", f"#### `toggl.{namespace}`", "", "| operation | API | method |"]
        lines.append("| --- | --- | --- |")
        for key, target in sorted(by_namespace[namespace], key=lambda kt: (kt[1], kt[0])):
            method, path = key.split(" ", 1)
            lines.append(f"| `{method} {path}` | {_api(path)} | `toggl.{target}()` |")
    lines += ["", "#### Excluded", "", "| operation | reason |", "| --- | --- |"]
    for key, reason in sorted(EXCLUDED.items(), key=lambda kr: (kr[1], kr[0])):
        lines.append(f"| `{key}` | {reason} |")
    return "\n".join(lines)


def updated(text: str) -> str:
    head, sep, rest = text.partition(START)
    if not sep or END not in rest:
        raise SystemExit(f"README.md has no {START} ... {END} block")
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{render()}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md is stale")
    args = parser.parse_args(argv)
    text = README.read_text()
    new = updated(text)
    if args.check:
        if new != text:
            print("README.md's endpoint tables are stale: run python scripts/render_api_tables.py")
            return 1
        return 0
    if new != text:
        README.write_text(new)
        print("wrote README.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

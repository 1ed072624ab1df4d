"""The README's endpoint tables and the generated endpoint code are what the map says."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_readme_tables_are_rendered_from_the_map() -> None:
    tables = _script("render_api_tables")
    readme = (ROOT / "README.md").read_text()
    assert tables.updated(readme) == readme, (
        "README.md's endpoint tables are stale: run python scripts/render_api_tables.py"
    )


def test_readme_states_the_coverage() -> None:
    from toggl_async.coverage import COVERED, EXCLUDED

    readme = (ROOT / "README.md").read_text()
    total = len(COVERED) + len(EXCLUDED)
    assert f"Coverage: {len(COVERED)} of the {total} operations" in readme
    for target in set(COVERED.values()):
        assert f"`toggl.{target}()`" in readme


def test_generated_code_is_what_the_generator_writes() -> None:
    gen = _script("gen_api")
    files = gen.generate()
    stale = [str(p.relative_to(ROOT)) for p, text in files.items() if p.read_text() != text]
    assert not stale, f"stale generated files (run python scripts/gen_api.py): {stale}"

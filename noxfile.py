"""Developer tasks: ``nox -s tests``, ``nox -s lint``, ``nox -s typecheck``, ``nox -s bench``.

``nox -s tests`` runs the suite twice, with the bare install and with every extra (orjson for
``[fast]``, rich for ``[cli]``), each under branch coverage that follows subprocesses (the CLI
and README tests start them); ``nox -s coverage`` then reports both runs combined.
``nox -s mutation`` is mutation testing (slow, not in CI).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

nox.options.sessions = ["tests", "coverage", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

SOURCES = ["toggl_async", "toggl_async_sync", "tests", "benchmarks", "scripts", "noxfile.py"]
ROOT = Path(__file__).resolve().parent
COVERAGE_DATA = ROOT / ".coverage-data"
#: Survivors of these modules are run once more, in a fresh process, against these tests:
#: mutmut maps a test to a function only if the function ran during that test in its first,
#: recorded run, which misses the converter's hooks (built once, on first use) and the
#: transport's failure paths (reached from tests recorded before those functions existed).
RECHECK_TESTS = {
    "toggl_async.records.converter.": [
        "tests/test_mut_converter.py",
        "tests/test_records.py",
        "tests/test_records_api.py",
    ],
    "toggl_async.transport.": [
        "tests/test_transport.py",
        "tests/test_transport_hardening.py",
        "tests/test_retry_semantics.py",
        "tests/test_mut_transport.py",
        "tests/test_quota_tracking.py",
    ],
}


@nox.session
@nox.parametrize(
    "extras",
    [nox.param("test", id="base"), nox.param("fast,cli,dask,test", id="extras")],
)
def tests(session: nox.Session, extras: str) -> None:
    """The test suite with branch coverage, subprocesses included (live tests need a token)."""
    session.install("-e", f".[{extras}]")
    name = "base" if extras == "test" else "extras"
    folder = COVERAGE_DATA / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    # Every process (pytest and the CLIs it starts) writes .coverage.<host>.<pid>... here.
    env = {"COVERAGE_FILE": str(folder / ".coverage")}
    session.run("coverage", "run", "-m", "pytest", *session.posargs, env=env)
    session.run("coverage", "combine", "--quiet", str(folder), env=env)
    session.run("coverage", "report", env=env)


@nox.session
def coverage(session: nox.Session) -> None:
    """Both test runs combined: what the suite covers with and without the extras."""
    session.install("coverage[toml]>=7.10.3")
    runs = [str(path) for path in sorted(COVERAGE_DATA.glob("*/.coverage"))]
    if not runs:
        session.error("no coverage data: run `nox -s tests` first")
    env = {"COVERAGE_FILE": str(ROOT / ".coverage")}
    session.run("coverage", "combine", "--keep", "--quiet", *runs, env=env)
    session.run("coverage", "report", env=env)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint rules and formatting."""
    session.install("ruff>=0.5")
    session.run("ruff", "check", *SOURCES)
    session.run("ruff", "format", "--check", *SOURCES)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the library, the sync shim and its typed-usage example."""
    session.install("-e", ".[fast,cli,test]")
    session.run("mypy", "--strict", "toggl_async", "toggl_async_sync", "tests/typing")


@nox.session
def mutation(session: nox.Session) -> None:
    """Mutation testing with mutmut 3 over the modules in ``[tool.mutmut]`` (slow; not in CI).

    ``nox -s mutation`` runs every mutant; ``nox -s mutation -- "toggl_async.retry*"`` only
    those of one module (mutmut's mutant-name globs). Results are cached in ``mutants/``:
    a second run only re-tests what changed. Survivors: ``mutmut results``, then
    ``mutmut show NAME`` for the diff.

    mutmut runs a mutant only against the tests it recorded reaching the function, which
    misses some (see ``RECHECK_TESTS``): each survivor of those modules is run once more
    against their tests in a fresh process; those that fail there are killed (printed so).
    """
    session.install("-e", ".[fast,cli,test]")
    session.install("mutmut>=3.3")
    # Two workers at most: a mutant's tests start servers and subprocesses of their own.
    session.run("mutmut", "run", "--max-children", "2", *session.posargs)
    results = session.run("mutmut", "results", silent=True, success_codes=[0, 1])
    survivors = [
        line.strip().split(":")[0] for line in str(results or "").splitlines() if "survived" in line
    ]
    session.chdir(ROOT / "mutants")
    for name in survivors:
        tests = next((t for m, t in RECHECK_TESTS.items() if name.startswith(m)), None)
        if tests is None:
            continue
        outcome = session.run(
            "python",
            "-m",
            "pytest",
            "-q",
            "-x",
            "-p",
            "no:cacheprovider",
            "-k",
            "not test_tracebacks_rendered_with_locals",
            *tests,
            env={"MUTANT_UNDER_TEST": name},
            silent=True,
            success_codes=[0, 1],
        )
        verdict = "survived" if " failed" not in str(outcome) else "killed (fresh process)"
        session.log(f"{name}: {verdict}")
    session.chdir(ROOT)
    session.run("mutmut", "results", success_codes=[0, 1])


@nox.session
def bench(session: nox.Session) -> None:
    """Every benchmark in benchmarks/, with the peers installed; writes benchmarks/results/."""
    session.install("-e", ".[fast]")
    session.install("-r", "benchmarks/requirements-bench.txt")
    session.install("-r", "benchmarks/requirements-peers.txt")
    session.install("--no-deps", "-r", "benchmarks/requirements-peers-nodeps.txt")
    session.run("python", "benchmarks/run_all.py", *session.posargs)

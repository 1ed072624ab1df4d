"""Developer tasks: ``nox -s tests``, ``nox -s lint``, ``nox -s typecheck``, ``nox -s bench``."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

SOURCES = ["toggl_async", "toggl_async_sync", "tests", "benchmarks", "noxfile.py"]


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite with branch coverage (the live tests run only with TOGGL_API_TOKEN)."""
    session.install("-e", ".[test,dask]")  # dask: the fleet recipe's LocalCluster tests
    session.run("coverage", "erase")
    session.run("coverage", "run", "-m", "pytest", *session.posargs)
    session.run("coverage", "report")


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
def bench(session: nox.Session) -> None:
    """Every benchmark in benchmarks/, with the peers installed; writes benchmarks/results/."""
    session.install("-e", ".[fast]")
    session.install("-r", "benchmarks/requirements-bench.txt")
    session.install("-r", "benchmarks/requirements-peers.txt")
    session.install("--no-deps", "-r", "benchmarks/requirements-peers-nodeps.txt")
    session.run("python", "benchmarks/run_all.py", *session.posargs)

"""Many accounts at once: export a fleet of Toggl accounts from one process (or on Dask).

``await export_accounts(load_accounts("accounts.toml"), "out/")`` exports every account into
``out/NAME/`` exactly as ``toggl-async export`` would, all at once, each account paced by its
own quota, with one cap on requests in flight; ``out/fleet.json`` records each outcome.
``toggl-async export-many`` is the command; :mod:`toggl_async.fleet.dask` the cluster recipe.
"""

from __future__ import annotations

from .accounts import (
    CLIENT_OPTIONS,
    AccountsFileError,
    AccountSpec,
    TokenRef,
    TokenUnavailableError,
    export_options,
    load_accounts,
    parse_accounts,
)
from .outcome import FLEET_EXIT_OK, FLEET_EXIT_SOME_FAILED, AccountOutcome, FleetSummary
from .runner import (
    FLEET_FILE,
    AccountStatus,
    FleetCallback,
    FleetProgress,
    export_accounts,
    export_one,
)
from .sandbox import SandboxFleet

__all__ = [
    "CLIENT_OPTIONS",
    "FLEET_EXIT_OK",
    "FLEET_EXIT_SOME_FAILED",
    "FLEET_FILE",
    "FleetCallback",
    "AccountOutcome",
    "AccountSpec",
    "AccountStatus",
    "AccountsFileError",
    "FleetProgress",
    "FleetSummary",
    "SandboxFleet",
    "TokenRef",
    "TokenUnavailableError",
    "export_accounts",
    "export_one",
    "export_options",
    "load_accounts",
    "parse_accounts",
]

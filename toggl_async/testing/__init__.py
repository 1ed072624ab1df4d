"""A realistic local Toggl server for tests, benchmarks and ``toggl-async export --sandbox``.

``Account`` generates deterministic data shaped like the real API's JSON, ``Sandbox`` serves
it on localhost (Track v9, Reports v3, Focus) with the real auth, pagination and quirks, and
``Faults`` injects failures (5xx, 429, 402 quota, resets, truncated bodies, stalls) on demand.
Nothing here imports the client: the server is an independent witness of the API's shapes.
"""

from __future__ import annotations

from .data import PRESETS, Account
from .faults import FAULT_KINDS, FaultKind, Faults, ScheduledFault
from .server import RequestRecord, Sandbox, serve

__all__ = [
    "FAULT_KINDS",
    "PRESETS",
    "Account",
    "FaultKind",
    "Faults",
    "RequestRecord",
    "Sandbox",
    "ScheduledFault",
    "serve",
]

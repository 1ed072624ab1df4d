"""A realistic local Toggl server for tests, benchmarks and ``toggl-async export --sandbox``.

``Account`` generates deterministic data shaped like the real API's JSON, ``Sandbox`` serves
it on localhost (Track v9, Reports v3, Focus) with the real auth, pagination and quirks, and
``Faults`` injects failures (5xx, 429, 402 quota, resets, truncated bodies, stalls) on demand.
Nothing here imports the client: the server is an independent witness of the API's shapes.

It is at least as strict and as messy as Toggl where that is known (issue 15): RFC 3339
timestamps exactly as Go parses them, credentials checked before routing, 400 ``Invalid or
missing <id>`` for a malformed id, the nulls the recordings show, the real plans' hourly
quotas (``Faults(plan=...)``), and opt-in modes for what Toggl may do: every nullable field
null (``Sandbox(null_optional=True)``), quota headers on paid-feature 402s
(``Faults(quota_headers_on_402=True)``), shortened Reports ranges
(``Sandbox(reports_long_range="shorten")``). Where the recordings, the specification and the
documentation say nothing, the assumption is written at the code that makes it and in the
README's sandbox section.
"""

from __future__ import annotations

from .data import PRESETS, Account
from .faults import FAULT_KINDS, PLANS, FaultKind, Faults, QuotaPlan, ScheduledFault
from .server import RequestRecord, Sandbox, serve

__all__ = [
    "FAULT_KINDS",
    "PLANS",
    "PRESETS",
    "Account",
    "FaultKind",
    "Faults",
    "QuotaPlan",
    "RequestRecord",
    "Sandbox",
    "ScheduledFault",
    "serve",
]

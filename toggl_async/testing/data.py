"""A deterministic Toggl account: users, organizations, workspaces, projects, ... time entries.

Everything is plain JSON (``dict``) shaped exactly like the recorded API responses, except
time entries, which sit in a compact :class:`~toggl_async.testing._store.TimeEntryStore` and
are rendered on demand (a million of them fit in well under a gigabyte). The same ``seed``,
sizes and ``now`` always give the same account.
"""

from __future__ import annotations

import bisect
import random
import string
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from ._store import TERow, TimeEntryStore
from ._util import JSONDict, iso_micro_z, iso_utc, load_zone

__all__ = ["FREE_COLORS", "PRESETS", "Account", "Index", "is_deleted"]

#: Colors a free workspace may use; anything else needs a premium plan (402).
FREE_COLORS: tuple[str, ...] = (
    "#0b83d9", "#9e5bd9", "#d94182", "#e36a00", "#bf7000", "#2da608", "#06a893",
    "#c9806b", "#465bb3", "#990099", "#c7af14", "#566614", "#d92b2b", "#525266",
)  # fmt: skip

#: Named sizes for ``Account.preset`` and ``serve(size=...)``.
PRESETS: dict[str, dict[str, int]] = {
    "tiny": {"workspaces": 2, "projects_per_workspace": 5, "clients_per_workspace": 2,
             "tags_per_workspace": 4, "tasks_per_project": 2, "time_entries": 200, "years": 1},
    "small": {"workspaces": 2, "projects_per_workspace": 300, "clients_per_workspace": 5,
              "tags_per_workspace": 10, "tasks_per_project": 3, "time_entries": 2000, "years": 3},
    "demo": {"workspaces": 3, "projects_per_workspace": 50, "clients_per_workspace": 8,
             "tags_per_workspace": 15, "tasks_per_project": 3, "time_entries": 30_000,
             "years": 3},
    "large": {"workspaces": 3, "projects_per_workspace": 100, "clients_per_workspace": 10,
              "tags_per_workspace": 20, "tasks_per_project": 3, "time_entries": 250_000,
              "years": 3},
    "huge": {"workspaces": 3, "projects_per_workspace": 150, "clients_per_workspace": 10,
             "tags_per_workspace": 20, "tasks_per_project": 3, "time_entries": 1_000_000,
             "years": 3},
}  # fmt: skip

_TIMEZONES = ("America/Los_Angeles", "Europe/Berlin", "Asia/Kolkata", "Europe/Tallinn")

_PEOPLE = (
    ("Ana Núñez", "ana"), ("Björn Ødegård", "bjorn"), ("Chloé Dubois", "chloe"),
    ("李伟 (Li Wei)", "li.wei"), ("Oluwaseun Adeyemi", "seun"),
)  # fmt: skip

_ORG_NAMES = ("Sandbox Labs", "Side Projects Ltd")
_WORKSPACE_NAMES = ("Sandbox Labs HQ", "Client Work", "Personal 🏠", "Research & Développement")

_PROJECT_NAMES = (
    "Website Redesign", "Mobile App", "API Platform", "Data Pipeline", "Marketing Campaign",
    "Customer Support", "Internal Tools", "Onboarding Flow", "Billing System",
    "Analytics Dashboard", "Design System", "Infrastructure", "Security Audit", "Research",
    "Documentation", "Hiring", "Café Menu App", "Übersetzung", "日本語サイト",
    "Recherche & Développement", "Проект Альфа", "Brand Refresh ✨", "Growth Experiments 📈",
    "Legacy Migration", "Performance Tuning", "Mobile Payments 💳", "Accessibility",
    "Localization 🌍", "Ops Runbook", "Quarterly Planning",
)  # fmt: skip

_CLIENT_NAMES = (
    "Acme Corp", "Globex", "Initech", "Umbrella Health", "Stark Industries",
    "Wayne Enterprises", "Müller & Söhne GmbH", "株式会社サンプル", "Nørdisk Design", "Café Olé",
    "Hooli", "Pied Piper", "Vandelay Industries", "Żabka Retail", "Ελληνική Εταιρεία",
)  # fmt: skip

_TAG_NAMES = (
    "billable", "meeting", "urgent", "deep-work", "🐛 bug", "review", "café", "R&D", "support",
    "planning", "design", "backend", "frontend", "ops", "écriture", "研究", "admin",
    "travel ✈️", "training", "overtime",
)  # fmt: skip

_TASK_NAMES = (
    "Kick-off", "Requirements", "Implementation", "Code review", "QA", "Deployment",
    "Retrospective", "Bug fixing 🐞", "Documentation", "Design mockups", "Client call",
    "Estimation",
)  # fmt: skip

_DESCRIPTIONS = (
    "Daily stand-up", "Code review", "Sprint planning", "Email & Slack", "Pairing with Ana",
    "Writing specs", "Customer call 📞", "Bug triage", "Refactoring the billing module",
    "Deploy to production 🚀", "Reading docs", "Interview", "1:1 with manager",
    "Design review", "Team lunch 🍕", "Café meeting ☕", "Réunion d'équipe",
    "Überprüfung der Verträge", "東京オフィスとの打ち合わせ", "Отчёт за неделю",
    "Δοκιμές λογισμικού", "مراجعة الكود", "समीक्षा बैठक", "👩‍💻 focus time",
    "Investigating flaky tests", "On-call handover", "Budget spreadsheet", "Quarterly report",
    "Workshop prep", "Fixing CI", "Release notes", "Support ticket", "Security patching 🔒",
    "Database migration", "Load testing", "Accessibility audit ♿", "Translating strings",
    "Prototype", "Research: vector search", "Travel ✈️", "Training", "Admin",
    "Conference talk prep 🎤", "Mentoring", 'Quoting "tests" and back\\slashes',
    "Tabs\tand\nnewlines", "Long notes: " + "lorem ipsum dolor sit amet " * 12,
)  # fmt: skip

_DAY = 86_400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def is_deleted(entity: JSONDict) -> bool:
    """Deleted entities stay in the lists (for ``since`` queries) with a deletion stamp."""
    return entity.get("server_deleted_at") is not None or entity.get("deleted_at") is not None


@dataclass
class Index:
    """Lookups by id, rebuilt whenever the account changes."""

    signature: tuple[int, ...]
    workspaces: dict[int, JSONDict]
    organizations: dict[int, JSONDict]
    projects: dict[int, JSONDict]
    clients: dict[int, JSONDict]
    tags: dict[int, JSONDict]
    tasks: dict[int, JSONDict]
    users: dict[int, JSONDict]
    tag_names: dict[int, str]


@dataclass(eq=False)
class Account:
    """The live data behind a sandbox: JSON dicts as the API sends them.

    ``time_entries`` is sequence-like (``len``, iteration of dicts oldest first, ``get(id)``,
    ``running(user_id)``, ``deleted()``). Deleted projects, clients, tags and tasks stay in
    their lists with ``server_deleted_at`` (``deleted_at`` for tags) set. ``focus_tasks``
    maps the Focus task ids that ``tracking/start`` accepts to ``{id, workspace_id, name}``.
    """

    now: datetime
    seed: int
    me: JSONDict
    organizations: list[JSONDict]
    workspaces: list[JSONDict]
    workspace_users: dict[int, list[JSONDict]]
    clients: list[JSONDict]
    projects: list[JSONDict]
    tags: list[JSONDict]
    tasks: list[JSONDict]
    time_entries: TimeEntryStore
    focus_tasks: dict[int, JSONDict]
    focus_entries: list[JSONDict] = field(default_factory=list)
    clock_skew: float = 0.0
    version: int = 0
    _index: Index | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.time_entries.bind_tag_names(lambda: self.index().tag_names)

    # -- construction ----------------------------------------------------------------------

    @classmethod
    def generate(
        cls,
        seed: int = 1,
        workspaces: int = 2,
        projects_per_workspace: int = 30,
        clients_per_workspace: int = 5,
        tags_per_workspace: int = 10,
        tasks_per_project: int = 3,
        time_entries: int = 2000,
        years: int = 3,
        now: datetime | None = None,
    ) -> Account:
        """Generate an account "as of" ``now`` (default: the current UTC second)."""
        if now is None:
            now = datetime.now(UTC).replace(microsecond=0)
        elif now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        sizes = _Sizes(
            max(1, workspaces),
            max(0, projects_per_workspace),
            max(0, clients_per_workspace),
            max(0, tags_per_workspace),
            max(0, tasks_per_project),
            max(0, time_entries),
            max(1, years),
        )
        return _Generator(seed, sizes, now.astimezone(UTC)).build()

    @classmethod
    def preset(cls, name: str, *, seed: int = 1, now: datetime | None = None) -> Account:
        """One of :data:`PRESETS`: tiny, small, demo, large (250k entries), huge (1M)."""
        try:
            sizes = PRESETS[name]
        except KeyError:
            raise ValueError(f"unknown preset {name!r}; choose from {sorted(PRESETS)}") from None
        return cls.generate(seed=seed, now=now, **sizes)

    @classmethod
    def demo(cls, *, seed: int = 1, now: datetime | None = None) -> Account:
        """A realistic multi-year account: 3 workspaces in 2 organizations, ~30,000 entries."""
        return cls.preset("demo", seed=seed, now=now)

    def copy(self) -> Account:
        """An independent copy, cheap enough to make one per test."""

        def dicts(items: Sequence[JSONDict]) -> list[JSONDict]:
            return [_clone(item) for item in items]

        return Account(
            now=self.now,
            seed=self.seed,
            me=_clone(self.me),
            organizations=dicts(self.organizations),
            workspaces=dicts(self.workspaces),
            workspace_users={k: dicts(v) for k, v in self.workspace_users.items()},
            clients=dicts(self.clients),
            projects=dicts(self.projects),
            tags=dicts(self.tags),
            tasks=dicts(self.tasks),
            time_entries=self.time_entries.copy(),
            focus_tasks={k: _clone(v) for k, v in self.focus_tasks.items()},
            focus_entries=dicts(self.focus_entries),
            clock_skew=self.clock_skew,
            version=self.version,
        )

    # -- lookups ---------------------------------------------------------------------------

    @property
    def user_id(self) -> int:
        """The sandbox user's id."""
        user_id: int = self.me["id"]
        return user_id

    def touch(self) -> None:
        """Mark the account changed so indexes and cached responses are rebuilt."""
        self.version += 1

    def index(self) -> Index:
        """Id lookups; rebuilt when ``touch`` was called or a list changed length."""
        signature = (
            self.version,
            len(self.workspaces),
            len(self.organizations),
            len(self.projects),
            len(self.clients),
            len(self.tags),
            len(self.tasks),
            len(self.workspace_users),
        )
        if self._index is None or self._index.signature != signature:
            self._index = self._build_index(signature)
        return self._index

    def _build_index(self, signature: tuple[int, ...]) -> Index:
        users: dict[int, JSONDict] = {}
        for members in self.workspace_users.values():
            for user in members:
                users.setdefault(user["id"], user)
        return Index(
            signature=signature,
            workspaces={w["id"]: w for w in self.workspaces},
            organizations={o["id"]: o for o in self.organizations},
            projects={p["id"]: p for p in self.projects},
            clients={c["id"]: c for c in self.clients},
            tags={t["id"]: t for t in self.tags},
            tasks={t["id"]: t for t in self.tasks},
            users=users,
            tag_names={t["id"]: t["name"] for t in self.tags if not is_deleted(t)},
        )

    def current_entry(self) -> JSONDict | None:
        """The sandbox user's running time entry, as ``/me/time_entries/current`` sends it."""
        return self.time_entries.running(self.user_id)


def _clone(item: JSONDict) -> JSONDict:
    """Copy a JSON object one level deep plus its lists/dicts (values are small)."""
    out: JSONDict = {}
    for key, value in item.items():
        if isinstance(value, list):
            out[key] = [_clone(v) if isinstance(v, dict) else v for v in value]
        elif isinstance(value, dict):
            out[key] = _clone(value)
        else:
            out[key] = value
    return out


@dataclass(frozen=True)
class _Sizes:
    workspaces: int
    projects: int
    clients: int
    tags: int
    tasks: int
    entries: int
    years: int


class _Ids:
    """Increasing ids with random gaps, like a shared production sequence."""

    def __init__(self, rng: random.Random, start: int, max_gap: int) -> None:
        self._rng = rng
        self._current = start + int(rng.random() * max_gap * 100)
        self._max_gap = max_gap

    def next(self) -> int:
        self._current += 1 + int(self._rng.random() * self._max_gap)
        return self._current


@dataclass
class _WsPlan:
    """What the entry generator needs about one workspace, as flat lists."""

    workspace_id: int
    premium: bool
    project_ids: list[int]
    project_billable: list[bool]
    project_tasks: list[list[int]]
    tag_ids: list[int]
    members: list[int]
    tag_combos: list[int] = field(default_factory=list)


class _Generator:
    """Builds one account; split in steps so each stays readable."""

    def __init__(self, seed: int, sizes: _Sizes, now: datetime) -> None:
        self.seed = seed
        self.sizes = sizes
        self.now = now
        self.now_ts = int(now.timestamp())
        self.rng = random.Random(seed)
        self.zone_name = _TIMEZONES[(seed - 1) % len(_TIMEZONES)]
        self.zone: tzinfo = load_zone(self.zone_name)
        self.tracked_project: dict[int, int] = {}
        self.tracked_task: dict[int, int] = {}

    def past(self, lo_days: float, hi_days: float) -> int:
        """A moment between ``hi_days`` and ``lo_days`` ago."""
        days = lo_days + self.rng.random() * (hi_days - lo_days)
        return self.now_ts - int(days * _DAY)

    def micro(self, ts: int) -> str:
        return iso_micro_z(datetime.fromtimestamp(ts + self.rng.random(), UTC))

    def token(self, alphabet: str, length: int) -> str:
        return "".join(alphabet[int(self.rng.random() * len(alphabet))] for _ in range(length))

    def build(self) -> Account:
        users = self.users()
        me_id: int = users[0]["id"]
        orgs, workspaces = self.organizations_and_workspaces()
        users[0]["default_workspace_id"] = workspaces[0]["id"]
        ws_users = self.workspace_users(workspaces, users)
        clients = self.clients(workspaces, me_id)
        tags = self.tags(workspaces, me_id)
        projects = self.projects(workspaces, clients)
        tasks = self.tasks(projects)
        plans = self.plans(workspaces, projects, tasks, tags, ws_users)
        store = _EntryGenerator(self, plans, me_id).build()
        self.apply_tracked(projects, tasks)
        return Account(
            now=self.now,
            seed=self.seed,
            me=users[0],
            organizations=orgs,
            workspaces=workspaces,
            workspace_users=ws_users,
            clients=clients,
            projects=projects,
            tags=tags,
            tasks=tasks,
            time_entries=store,
            focus_tasks=self.focus_tasks(workspaces),
            clock_skew=self.now.timestamp() - time.time(),
        )

    # -- people and containers -------------------------------------------------------------

    def users(self) -> list[JSONDict]:
        """The sandbox user first, then colleagues (workspace members only)."""
        ids = _Ids(self.rng, 10_000_000, 5000)
        created = self.past(self.sizes.years * 365 + 30, self.sizes.years * 365 + 400)
        me: JSONDict = {
            "id": ids.next(),
            "api_token": "sandbox-token",
            "email": "sandbox@example.com",
            "fullname": "Zoë Sandbox",
            "timezone": self.zone_name,
            "toggl_accounts_id": self.token(string.ascii_letters + string.digits, 22),
            "default_workspace_id": 0,
            "beginning_of_week": 1,
            "image_url": "https://assets.track.toggl.com/images/profile.png",
            "created_at": self.micro(created),
            "updated_at": self.micro(self.past(1, 60)),
            "openid_email": None,
            "openid_enabled": False,
            "country_id": None,
            "has_password": True,
            "at": self.micro(self.past(0.1, 30)),
            "intercom_hash": self.token("0123456789abcdef", 64),
            "authorization_updated_at": self.micro(self.past(0.1, 10)),
        }
        people = [me]
        for name, handle in _PEOPLE:
            people.append({"id": ids.next(), "fullname": name, "email": f"{handle}@example.com"})
        return people

    def organizations_and_workspaces(self) -> tuple[list[JSONDict], list[JSONDict]]:
        """The last workspace sits in a free organization; all others in a premium one."""
        ids = _Ids(self.rng, 5_000_000, 90_000)
        org_count = 2 if self.sizes.workspaces >= 2 else 1
        orgs = [self.organization(ids.next(), i) for i in range(org_count)]
        ws_ids = _Ids(self.rng, 4_500_000, 200_000)
        workspaces = []
        for i in range(self.sizes.workspaces):
            free = org_count == 2 and i == self.sizes.workspaces - 1
            org = orgs[1] if free else orgs[0]
            workspaces.append(self.workspace(ws_ids.next(), i, org["id"], premium=not free))
        for org in orgs:
            org["user_count"] = 1 + (len(_PEOPLE) if org is orgs[0] else 0)
        return orgs, workspaces

    def organization(self, org_id: int, i: int) -> JSONDict:
        created = self.past(self.sizes.years * 365, self.sizes.years * 365 + 200)
        premium = i == 0
        return {
            "id": org_id,
            "name": _ORG_NAMES[i],
            "pricing_plan_id": 101 if premium else 0,
            "created_at": self.micro(created),
            "at": self.micro(self.past(1, 200)),
            "server_deleted_at": None,
            "is_multi_workspace_enabled": premium,
            "suspended_at": None,
            "user_count": 1,
            "trial_info": {
                "trial": False,
                "trial_available": not premium,
                "trial_end_date": None,
                "next_payment_date": None,
                "last_pricing_plan_id": None,
                "can_have_trial": not premium,
            },
            "is_chargify": False,
            "is_unified": False,
            "max_workspaces": 20 if premium else 1,
            "admin": True,
            "owner": True,
            "pricing_plan_name": "Premium" if premium else "Free",
            "pricing_plan_enterprise": False,
            "permissions": None,
        }

    def workspace(self, ws_id: int, i: int, org_id: int, *, premium: bool) -> JSONDict:
        name = _WORKSPACE_NAMES[i % len(_WORKSPACE_NAMES)]
        if i >= len(_WORKSPACE_NAMES):
            name = f"{name} {i // len(_WORKSPACE_NAMES) + 1}"
        return {
            "id": ws_id,
            "organization_id": org_id,
            "name": name,
            "profile": 0,
            "premium": premium,
            "business_ws": premium,
            "admin": True,
            "role": "admin",
            "suspended_at": None,
            "server_deleted_at": None,
            "default_hourly_rate": 85.0 if premium else None,
            "rate_last_updated": iso_utc(self.past(30, 400)) if premium else None,
            "default_currency": ("EUR", "USD")[i % 2] if premium else "USD",
            "only_admins_may_create_projects": False,
            "only_admins_may_create_tags": False,
            "only_admins_see_billable_rates": False,
            "only_admins_see_team_dashboard": False,
            "projects_billable_by_default": True,
            "projects_private_by_default": True,
            "last_modified": iso_utc(self.now_ts - self.now_ts % _DAY).replace("+00:00", "Z"),
            "reports_collapse": True,
            "rounding": 1,
            "rounding_minutes": 0,
            "api_token": "sandbox-token",
            "at": iso_utc(self.past(1, 300)),
            "logo_url": "https://assets.track.toggl.com/images/workspace.jpg",
            "ical_url": "/ical/workspace_user/" + self.token("0123456789abcdef", 32),
            "ical_enabled": True,
            "csv_upload": None,
            "subscription": None,
            "hide_start_end_times": False,
            "working_hours_in_minutes": None,
            "permissions": None,
        }

    def workspace_users(
        self, workspaces: list[JSONDict], people: list[JSONDict]
    ) -> dict[int, list[JSONDict]]:
        """Everyone in the first workspace, two colleagues in other premium ones, else alone."""
        me = people[0]
        result: dict[int, list[JSONDict]] = {}
        for i, ws in enumerate(workspaces):
            members = [self.member(me, admin=True)]
            if ws["premium"]:
                others = people[1:] if i == 0 else people[1:3]
                members += [self.member(p, admin=False) for p in others]
            if i == 0 and len(members) > 2:
                members[-1]["inactive"] = True
            result[ws["id"]] = members
        return result

    @staticmethod
    def member(person: JSONDict, *, admin: bool) -> JSONDict:
        return {
            "id": person["id"],
            "fullname": person["fullname"],
            "email": person["email"],
            "is_active": True,
            "is_admin": admin,
            "inactive": False,
        }

    # -- workspace content -------------------------------------------------------------------

    def clients(self, workspaces: list[JSONDict], creator: int) -> list[JSONDict]:
        ids = _Ids(self.rng, 60_000_000, 3000)
        out = []
        for ws in workspaces:
            for name in _unique_names(_CLIENT_NAMES, self.sizes.clients):
                out.append(
                    {
                        "id": ids.next(),
                        "wid": ws["id"],
                        "archived": self.rng.random() < 0.15,
                        "name": name,
                        "at": iso_utc(self.past(1, self.sizes.years * 365)),
                        "creator_id": creator,
                        "integration_provider": None,
                        "integration_ext_id": None,
                        "integration_ext_type": None,
                        "notes": None if self.rng.random() < 0.7 else "Net 30 — invoice monthly",
                        "external_reference": None,
                        "permissions": None,
                    }
                )
        return out

    def tags(self, workspaces: list[JSONDict], creator: int) -> list[JSONDict]:
        """Tags per workspace, plus one deleted tag where there are enough of them."""
        ids = _Ids(self.rng, 15_000_000, 4000)
        out = []
        for ws in workspaces:
            names = _unique_names(_TAG_NAMES, self.sizes.tags + (1 if self.sizes.tags >= 5 else 0))
            for n, name in enumerate(names):
                tag: JSONDict = {
                    "id": ids.next(),
                    "workspace_id": ws["id"],
                    "name": name,
                    "at": self.micro(self.past(1, self.sizes.years * 365)),
                    "creator_id": creator,
                    "permissions": None,
                }
                if n == self.sizes.tags:
                    tag["deleted_at"] = self.micro(self.past(1, 60))
                out.append(tag)
        return out

    def projects(self, workspaces: list[JSONDict], clients: list[JSONDict]) -> list[JSONDict]:
        """Projects per workspace, ~15% archived, plus ~2% deleted ones."""
        ids = _Ids(self.rng, 200_000_000, 20_000)
        out = []
        for ws in workspaces:
            ws_clients = [c["id"] for c in clients if c["wid"] == ws["id"]]
            deleted = self.sizes.projects // 50
            names = _unique_names(_PROJECT_NAMES, self.sizes.projects + deleted)
            self.rng.shuffle(names)
            for n, name in enumerate(names):
                project = self.project(ids.next(), ws, name, ws_clients)
                if n >= self.sizes.projects:
                    project["server_deleted_at"] = iso_utc(self.past(1, 90))
                    project["active"] = False
                    project["status"] = "deleted"
                out.append(project)
        return out

    def project(self, pid: int, ws: JSONDict, name: str, ws_clients: list[int]) -> JSONDict:
        rng = self.rng
        created = self.past(5, self.sizes.years * 365 + 30)
        premium = bool(ws["premium"])
        client = ws_clients[int(rng.random() * len(ws_clients))] if ws_clients else None
        if client is not None and rng.random() < 0.3:
            client = None
        active = rng.random() >= 0.15
        billable = (rng.random() < 0.6) if premium else None
        color = FREE_COLORS[int(rng.random() * len(FREE_COLORS))]
        if premium and rng.random() < 0.2:
            color = "#" + self.token("0123456789abcdef", 6)
        estimated = int(rng.random() * 200) if rng.random() < 0.3 else None
        return {
            "id": pid,
            "workspace_id": ws["id"],
            "client_id": client,
            "name": name,
            "is_private": rng.random() < 0.7,
            "active": active,
            "at": iso_utc(created + int(rng.random() * (self.now_ts - created))),
            "created_at": iso_utc(created),
            "server_deleted_at": None,
            "color": color,
            "billable": billable,
            "template": False if premium else None,
            "auto_estimates": False if premium else None,
            "estimated_hours": estimated,
            "estimated_seconds": None if estimated is None else estimated * 3600,
            "rate": self.rate() if billable and rng.random() < 0.5 else None,
            "rate_last_updated": None,
            "currency": ws["default_currency"] if premium else None,
            "recurring": False,
            "template_id": None,
            "recurring_parameters": None,
            "fixed_fee": None,
            "actual_hours": 0,
            "actual_seconds": 0,
            "start_date": datetime.fromtimestamp(created, UTC).date().isoformat(),
            "status": "active" if active else "archived",
            "wid": ws["id"],
            "cid": client,
            "permissions": None,
        }

    def rate(self) -> float:
        """An hourly rate like 85.0 (whole units, as people set them)."""
        return float(60 + int(self.rng.random() * 90))

    def tasks(self, projects: list[JSONDict]) -> list[JSONDict]:
        ids = _Ids(self.rng, 90_000_000, 2000)
        out = []
        for project in projects:
            if is_deleted(project):
                continue
            for name in _unique_names(_TASK_NAMES, self.sizes.tasks):
                estimate = 3600 * (1 + int(self.rng.random() * 40))
                out.append(
                    {
                        "id": ids.next(),
                        "name": name,
                        "workspace_id": project["workspace_id"],
                        "project_id": project["id"],
                        "user_id": None,
                        "recurring": False,
                        "active": self.rng.random() >= 0.2,
                        "at": iso_utc(self.past(1, self.sizes.years * 365)),
                        "tracked_seconds": 0,
                        "server_deleted_at": None,
                        "estimated_seconds": estimate if self.rng.random() < 0.4 else None,
                        "toggl_accounts_id": None,
                        "rate": None,
                        "rate_last_updated": None,
                        "integration_provider": None,
                        "integration_ext_id": None,
                        "integration_ext_type": None,
                        "permissions": None,
                    }
                )
        return out

    def focus_tasks(self, workspaces: list[JSONDict]) -> dict[int, JSONDict]:
        ids = _Ids(self.rng, 800_000, 50)
        out: dict[int, JSONDict] = {}
        for ws in workspaces:
            for name in _TASK_NAMES[:6]:
                task_id = ids.next()
                out[task_id] = {"id": task_id, "workspace_id": ws["id"], "name": name}
        return out

    def plans(
        self,
        workspaces: list[JSONDict],
        projects: list[JSONDict],
        tasks: list[JSONDict],
        tags: list[JSONDict],
        ws_users: dict[int, list[JSONDict]],
    ) -> list[_WsPlan]:
        """Flatten workspace content into lists for the hot entry loop."""
        by_project: dict[int, list[int]] = {}
        for task in tasks:
            by_project.setdefault(task["project_id"], []).append(task["id"])
        plans = []
        for ws in workspaces:
            live = [p for p in projects if p["workspace_id"] == ws["id"] and not is_deleted(p)]
            plan = _WsPlan(
                workspace_id=ws["id"],
                premium=bool(ws["premium"]),
                project_ids=[p["id"] for p in live],
                project_billable=[bool(p["billable"]) for p in live],
                project_tasks=[by_project.get(p["id"], []) for p in live],
                tag_ids=[
                    t["id"] for t in tags if t["workspace_id"] == ws["id"] and not is_deleted(t)
                ],
                members=[u["id"] for u in ws_users[ws["id"]][1:] if not u["inactive"]],
            )
            plans.append(plan)
        return plans

    def apply_tracked(self, projects: list[JSONDict], tasks: list[JSONDict]) -> None:
        """Fill ``actual_seconds``/``actual_hours`` and ``tracked_seconds`` (milliseconds!)."""
        for project in projects:
            seconds = self.tracked_project.get(project["id"], 0)
            if not seconds and project["id"] % 2:  # recorded: some untracked projects list
                project["actual_seconds"] = project["actual_hours"] = None  # nulls, not 0
                continue
            project["actual_seconds"] = seconds
            project["actual_hours"] = seconds // 3600
        for task in tasks:
            task["tracked_seconds"] = self.tracked_task.get(task["id"], 0) * 1000


def _unique_names(pool: Sequence[str], count: int) -> list[str]:
    """``count`` distinct names from ``pool``, numbering repeats ("Research 2")."""
    names = []
    for n in range(count):
        base = pool[n % len(pool)]
        names.append(base if n < len(pool) else f"{base} {n // len(pool) + 1}")
    return names


_Activity = tuple[int, int, int, bool, int, int]
"""(workspace, project, task, billable, description, tags) of an entry, as interned ids."""

#: Recurring activities per person (the user; each colleague per shared workspace).
ACTIVITIES = 15
#: Share of entries that repeat one of the person's recurring activities; the rest are
#: one-offs (a ticket, an odd description) drawn afresh.
RECURRING_SHARE = 0.85
#: Exponent of the Zipf-like weights ``1 / rank ** s`` over a person's activities.
ZIPF_S = 1.1
#: Activities a person works on in one day (drawn by weight), before the one-offs.
ACTIVITIES_PER_DAY = (3, 6)


class _EntryGenerator:
    """The hot loop: day by day, non-overlapping entries for the user, a few for colleagues.

    How people track time (the repetition model): each person has :data:`ACTIVITIES`
    recurring *activities* (workspace, project, task, billable, description, tags fixed,
    e.g. "Daily stand-up" on Internal Tools), ranked by a Zipf-like weight
    ``1 / rank ** ZIPF_S``. Each day they pick a few of them (:data:`ACTIVITIES_PER_DAY`,
    by weight) and spend :data:`RECURRING_SHARE` of that day's entries on those (so the
    same activity recurs several times a day and day after day); every other entry is a
    one-off (a ticket number, an odd description, no fixed project). Reports groups entries
    alike on one day into one row, so this is what makes ``grouped=true`` pay.
    """

    def __init__(self, gen: _Generator, plans: list[_WsPlan], me: int) -> None:
        self.gen = gen
        self.plans = plans
        self.rng = random.Random(gen.seed * 7919 + 13)
        self.r: Callable[[], float] = self.rng.random
        self.store = TimeEntryStore()
        self.me = me
        self.ws_table: list[int] = []
        self.desc_table: list[int] = []
        self.tags_empty = self.store.intern_tags(())
        self.tags_none = self.store.intern_tags(None)
        self.recurring_desc: list[int] = []
        self.activities: dict[tuple[int, int], list[_Activity]] = {}
        self.weights = _cumulative([1 / (rank + 1) ** ZIPF_S for rank in range(ACTIVITIES)])

    def build(self) -> TimeEntryStore:
        gen = self.gen
        total = gen.sizes.entries
        self.prepare()
        if total == 0:
            self.store.seal(gen.seed)
            return self.store
        shared = [p for p in self.plans if p.members]
        others = total * 4 // 100 if shared and total >= 50 else 0
        deleted = min(50, total // 400)
        mine = total - others - 1
        run_start = gen.now_ts - 600 - int(self.r() * 3000)
        ids = _Ids(self.rng, 3_000_000_000 + gen.seed * 1_000_000, 40)
        self.generate_days(mine, others, deleted, run_start, shared, ids)
        self.add_running(run_start, ids.next())
        self.store.seal(gen.seed)
        return self.store

    def prepare(self) -> None:
        """Weighted lookup tables: most time goes to the first workspace."""
        store = self.store
        self.ws_table = []
        for i, _plan in enumerate(self.plans):
            self.ws_table += [i] * (12 if i == 0 else 5 if i == 1 else 3)
        for plan in self.plans:
            for _ in range(25 if plan.tag_ids else 0):
                size = 1 + int(self.r() * min(3, len(plan.tag_ids)))
                chosen = tuple(sorted(self.rng.sample(plan.tag_ids, size)))
                plan.tag_combos.append(store.intern_tags(chosen))
        pool = list(_DESCRIPTIONS) + [f"Ticket #{1000 + int(self.r() * 9000)}" for _ in range(100)]
        self.desc_table = [store.intern_description(text) for text in pool]
        self.desc_table += [store.intern_description("")] * 6
        self.desc_table += [store.intern_description(None)] * 4
        self.recurring_desc = self.desc_table[: len(_DESCRIPTIONS)]

    def activities_of(self, user: int, plan: _WsPlan | None) -> list[_Activity]:
        """The person's recurring activities (in ``plan``'s workspace, else any), made once."""
        key = (user, -1 if plan is None else plan.workspace_id)
        found = self.activities.get(key)
        if found is None:
            found = []
            for _ in range(ACTIVITIES):
                ws, project, task, billable, _, tags = self.attributes(plan)
                desc = self.recurring_desc[int(self.r() * len(self.recurring_desc))]
                found.append((ws, project, task, billable, desc, tags))
            self.activities[key] = found
        return found

    def day_plan(self, user: int, plan: _WsPlan | None) -> list[_Activity]:
        """The activities ``user`` works on today: a few, the frequent ones most often."""
        activities = self.activities_of(user, plan)
        lo, hi = ACTIVITIES_PER_DAY
        count = lo + int(self.r() * (hi - lo + 1))
        return [activities[_pick(self.weights, self.r())] for _ in range(count)]

    def next_attributes(self, today: list[_Activity], plan: _WsPlan | None = None) -> _Activity:
        """One of today's activities, or (1 - :data:`RECURRING_SHARE`) a one-off."""
        if today and self.r() < RECURRING_SHARE:
            return today[int(self.r() * len(today))]
        return self.attributes(plan)

    def generate_days(
        self,
        mine: int,
        others: int,
        deleted: int,
        run_start: int,
        shared: list[_WsPlan],
        ids: _Ids,
    ) -> None:
        gen = self.gen
        today = datetime.fromtimestamp(run_start, gen.zone).date()
        days = gen.sizes.years * 365
        first = today - timedelta(days=days)
        weights = [self.day_weight(first + timedelta(days=d)) for d in range(days)]
        mine_per_day = _spread(mine, weights)
        other_per_day = _spread(others, [w if w >= 0.5 else 0.0 for w in weights])
        deleted_days = {days - 1 - int(self.r() * min(days, 80)) for _ in range(deleted)}
        for d in range(days):
            day = first + timedelta(days=d)
            midnight = self.local_midnight(day)
            rows = self.my_day(midnight, mine_per_day[d])
            rows += self.colleague_day(midnight, other_per_day[d], shared)
            if d in deleted_days:
                rows.append(self.deleted_entry(midnight))
            rows.sort(key=lambda row: row[0])
            for row in rows:
                self.emit(row, ids.next())

    def day_weight(self, day: date) -> float:
        if self.r() < 0.04:
            return 0.0
        base = (1.0, 1.0, 1.0, 1.0, 0.9, 0.2, 0.1)[day.weekday()]
        return base * (0.6 + 0.8 * self.r())

    def local_midnight(self, day: date) -> int:
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=self.gen.zone)
        offset = noon.utcoffset() or timedelta()
        return (day.toordinal() - _EPOCH_ORDINAL) * _DAY - int(offset.total_seconds())

    def my_day(self, midnight: int, count: int) -> list[tuple[Any, ...]]:
        """``count`` back-to-back slots between 07:00 and 23:30 local, never overlapping."""
        if count == 0:
            return []
        r = self.r
        window = min(16 * 3600, max(8 * 3600, count * 1500))
        begin = min(midnight + 7 * 3600 + int(r() * 3600), midnight + 23 * 3600 + 1800 - window)
        slot = window / count
        rows: list[tuple[Any, ...]] = []
        today = self.day_plan(self.me, None)
        for i in range(count):
            start = begin + int(i * slot + r() * 0.2 * slot)
            duration = max(1, int(slot * (0.25 + 0.5 * r())))
            rows.append((start, duration, self.me, *self.next_attributes(today), None))
        return rows

    def attributes(self, plan: _WsPlan | None = None) -> _Activity:
        """(workspace, project, task, billable, description, tags) for a new entry."""
        r = self.r
        if plan is None:
            plan = self.plans[self.ws_table[int(r() * len(self.ws_table))]]
        project = task = 0
        billable = False
        if plan.project_ids and r() >= 0.08:
            j = int(r() * len(plan.project_ids))
            project = plan.project_ids[j]
            tasks = plan.project_tasks[j]
            if tasks and r() < 0.3:
                task = tasks[int(r() * len(tasks))]
            billable = plan.premium and plan.project_billable[j] and r() < 0.9
        desc = self.desc_table[int(r() * len(self.desc_table))]
        x = r()
        if x < 0.45 or not plan.tag_combos:
            tags = self.tags_empty
        elif x < 0.53:
            tags = self.tags_none
        else:
            tags = plan.tag_combos[int(r() * len(plan.tag_combos))]
        return plan.workspace_id, project, task, billable, desc, tags

    def colleague_day(
        self, midnight: int, count: int, shared: list[_WsPlan]
    ) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        r = self.r
        plans: dict[tuple[int, int], list[_Activity]] = {}
        for _ in range(count):
            plan = shared[int(r() * len(shared))]
            user = plan.members[int(r() * len(plan.members))]
            start = midnight + 8 * 3600 + int(r() * 9 * 3600)
            key = (user, plan.workspace_id)
            if key not in plans:
                plans[key] = self.day_plan(user, plan)
            ws, project, task, billable, desc, tags = self.next_attributes(plans[key], plan)
            rows.append((start, 600 + int(r() * 6000), user, ws, project, task, billable, desc,
                         tags, None))  # fmt: skip
        return rows

    def deleted_entry(self, midnight: int) -> tuple[Any, ...]:
        start = midnight + 12 * 3600 + int(self.r() * 4 * 3600)
        duration = 300 + int(self.r() * 3000)
        deleted_at = min(self.gen.now_ts, start + duration + int(self.r() * 3 * _DAY))
        return (start, duration, self.me, *self.attributes(), deleted_at)

    def emit(self, row: tuple[Any, ...], te_id: int) -> None:
        start, duration, user, ws, project, task, billable, desc, tags, deleted_at = row
        now = self.gen.now_ts
        stop = start + duration
        late = self.r() < 0.03
        at = min(now, stop + (int(self.r() * 30 * _DAY) if late else int(self.r() * 900)))
        if deleted_at is not None:
            store = self.store
            gone = TERow(te_id, ws, project or None, task or None, user, start, duration,
                         deleted_at, billable, store.description_at(desc), store.tags_at(tags),
                         deleted_at)  # fmt: skip
            store.add_deleted(gone)
            return
        self.store.append(te_id, ws, project, task, user, start, duration, at, billable, desc,
                          tags)  # fmt: skip
        if project:
            tracked = self.gen.tracked_project
            tracked[project] = tracked.get(project, 0) + duration
        if task:
            tracked = self.gen.tracked_task
            tracked[task] = tracked.get(task, 0) + duration

    def add_running(self, start: int, te_id: int) -> None:
        """The one running entry: started minutes before ``now``, ``duration = -start``."""
        ws, project, task, billable, desc, tags = self.attributes()
        desc = self.store.intern_description("Running in the sandbox ⏱️")
        self.store.append(te_id, ws, project, task, self.me, start, -start, start, billable,
                          desc, tags)  # fmt: skip


def _cumulative(weights: list[float]) -> list[float]:
    """Running sums of ``weights``, scaled so the last is 1."""
    total = sum(weights)
    out, acc = [], 0.0
    for weight in weights:
        acc += weight
        out.append(acc / total)
    return out


def _pick(cumulative: list[float], x: float) -> int:
    """The index ``x`` in [0, 1) falls on in ``cumulative`` (a weighted choice)."""
    return min(bisect.bisect_right(cumulative, x), len(cumulative) - 1)


def _spread(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` over days proportionally to ``weights``, summing exactly."""
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    counts = []
    acc = 0.0
    previous = 0
    for weight in weights:
        acc += weight
        current = round(acc / whole * total)
        counts.append(current - previous)
        previous = current
    counts[-1] += total - previous
    return counts

"""The accounts file: which accounts to export, where each token comes from, their options.

TOML rather than JSON: it allows comments (say whose account it is), has real dates
(``since = 2024-01-01``), and ``tomllib`` is in the standard library. The file never holds a
token: each account names an environment variable (``token_env``) or a file
(``token_file``), and a file with anything that looks like a token in it is refused.

Per-account options are the keyword arguments of
:func:`~toggl_async.export.export_account`, read from its signature, so an option added
there works here without a change; plus the client options the ``export`` command has
(``no_wait``, ``rate_limit``, ``track_base_url``, ``reports_base_url``).
"""

from __future__ import annotations

import inspect
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ..errors import TogglError
from ..export import export_account

__all__ = [
    "CLIENT_OPTIONS",
    "AccountSpec",
    "AccountsFileError",
    "TokenRef",
    "TokenUnavailableError",
    "export_options",
    "load_accounts",
    "parse_accounts",
]

#: Options that configure the account's client rather than the export.
CLIENT_OPTIONS = frozenset({"no_wait", "rate_limit", "track_base_url", "reports_base_url"})
#: ``export_account`` parameters the fleet supplies itself.
_SUPPLIED = frozenset({"client", "out_dir", "on_progress"})
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: A Toggl API token is 32 hex digits; a long run of base64/hex-like text is refused too.
_TOKEN_LIKE = re.compile(r"(?<![0-9A-Za-z])[0-9a-fA-F]{32}(?![0-9A-Za-z])")
_SECRET_KEYS = frozenset({"token", "api_token", "password", "secret", "api_key"})


class AccountsFileError(TogglError, ValueError):
    """The accounts file (or an account given in code) is not usable; the message says why."""


class TokenUnavailableError(TogglError):
    """An account's token reference leads nowhere (variable not set, file unreadable)."""


def export_options() -> frozenset[str]:
    """The per-account export options: ``export_account``'s keywords, read at call time."""
    params = inspect.signature(export_account).parameters
    return frozenset(
        name
        for name, p in params.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and name not in _SUPPLIED
    )


@attrs.frozen(kw_only=True)
class TokenRef:
    """Where a token is, never the token: an environment variable name or a file path."""

    env: str | None = None
    file: Path | None = None

    def __attrs_post_init__(self) -> None:
        if (self.env is None) == (self.file is None):
            raise AccountsFileError("give exactly one of token_env and token_file")
        if self.env is not None:
            if _TOKEN_LIKE.search(self.env):
                raise AccountsFileError(
                    "token_env must be the NAME of an environment variable; "
                    "the value given looks like a token itself"
                )
            if not _ENV_NAME.fullmatch(self.env):
                raise AccountsFileError(
                    f"token_env must be an environment variable name, got {self.env!r}"
                )

    def resolve(self, environ: Mapping[str, str] | None = None) -> str:
        """The token; :class:`TokenUnavailableError` when there is none (message has no secret)."""
        if self.env is not None:
            value = (os.environ if environ is None else environ).get(self.env, "").strip()
            if not value:
                raise TokenUnavailableError(
                    f"environment variable {self.env} is not set (or empty): set it to the "
                    "account's API token"
                )
            return value
        assert self.file is not None
        try:
            value = self.file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            raise TokenUnavailableError(
                f"cannot read the token file {self.file}: {reason}"
            ) from None
        if not value:
            raise TokenUnavailableError(f"the token file {self.file} is empty")
        return value

    def describe(self) -> str:
        return f"${self.env}" if self.env is not None else str(self.file)


@attrs.frozen(kw_only=True)
class AccountSpec:
    """One account of a fleet: its name (its directory under OUT_ROOT), token, options."""

    name: str
    token: TokenRef
    options: Mapping[str, Any] = attrs.field(factory=dict)
    """``export_account`` keywords plus :data:`CLIENT_OPTIONS`."""

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise AccountsFileError(
                f"account name {self.name!r} must be 1-64 letters, digits, '.', '_' or '-' "
                "(it names the account's directory), starting with a letter or digit"
            )
        allowed = export_options() | CLIENT_OPTIONS
        unknown = sorted(set(self.options) - allowed)
        if unknown:
            raise AccountsFileError(
                f"account {self.name}: unknown option(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(allowed))}"
            )
        for key in ("no_wait",):
            if key in self.options and not isinstance(self.options[key], bool):
                raise AccountsFileError(f"account {self.name}: {key} must be true or false")

    @property
    def export_kwargs(self) -> dict[str, Any]:
        return {k: v for k, v in self.options.items() if k not in CLIENT_OPTIONS}

    @property
    def client_options(self) -> dict[str, Any]:
        return {k: v for k, v in self.options.items() if k in CLIENT_OPTIONS}


def load_accounts(path: str | os.PathLike[str]) -> list[AccountSpec]:
    """Read and check an accounts file; :class:`AccountsFileError` says what is wrong."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise AccountsFileError(f"cannot read the accounts file {file}: {reason}") from None
    return parse_accounts(text, base=file.parent, origin=str(file))


def parse_accounts(
    text: str, *, base: Path | None = None, origin: str = "accounts file"
) -> list[AccountSpec]:
    """Parse accounts-file text (relative ``token_file`` paths are taken from ``base``)."""
    for number, line in enumerate(text.splitlines(), 1):
        if _TOKEN_LIKE.search(line):
            raise AccountsFileError(
                f"{origin}, line {number}: this looks like an API token (32 hex digits). "
                "Never put tokens in the accounts file: name an environment variable "
                "(token_env) or a file (token_file) instead, and revoke the token if the "
                "file was shared"
            )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AccountsFileError(f"{origin} is not valid TOML: {exc}") from None
    extra = sorted(set(data) - {"defaults", "accounts"})
    if extra:
        raise AccountsFileError(
            f"{origin}: unknown top-level key(s) {', '.join(extra)}; expected [defaults] and "
            "[accounts.NAME] tables"
        )
    defaults = data.get("defaults", {})
    accounts = data.get("accounts")
    if not isinstance(defaults, dict):
        raise AccountsFileError(f"{origin}: [defaults] must be a table")
    if not isinstance(accounts, dict) or not accounts:
        raise AccountsFileError(f"{origin}: no accounts; add an [accounts.NAME] table per account")
    for key in ("token_env", "token_file"):
        if key in defaults:
            raise AccountsFileError(f"{origin}: {key} belongs to each account, not [defaults]")
    specs: list[AccountSpec] = []
    seen: dict[str, str] = {}
    for name, table in accounts.items():
        if not isinstance(table, dict):
            raise AccountsFileError(f"{origin}: accounts.{name} must be a table")
        secret = sorted(_SECRET_KEYS & (set(table) | set(defaults)))
        if secret:
            raise AccountsFileError(
                f"{origin}: accounts.{name} has {', '.join(secret)}: tokens never go in this "
                "file; use token_env (a variable name) or token_file (a path)"
            )
        options = {**defaults, **table}
        env = options.pop("token_env", None)
        file = options.pop("token_file", None)
        if env is not None and not isinstance(env, str):
            raise AccountsFileError(f"{origin}: accounts.{name}.token_env must be a string")
        if file is not None and not isinstance(file, str):
            raise AccountsFileError(f"{origin}: accounts.{name}.token_file must be a string")
        try:
            token = TokenRef(
                env=env,
                file=None if file is None else (base or Path.cwd()) / Path(file).expanduser(),
            )
            spec = AccountSpec(name=name, token=token, options=options)
        except AccountsFileError as exc:
            raise AccountsFileError(f"{origin}: accounts.{name}: {exc}") from None
        folded = name.casefold()
        if folded in seen:
            raise AccountsFileError(
                f"{origin}: accounts {seen[folded]} and {name} differ only in case; their "
                "directories would collide on some filesystems"
            )
        seen[folded] = name
        specs.append(spec)
    return specs

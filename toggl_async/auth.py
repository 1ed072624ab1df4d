"""Credentials, and the one place that turns them into ``Authorization`` headers.

Secrets live only inside :class:`Credentials` and the header values built from them; every
``repr`` here is redacted so a debugger, a log line or a traceback never shows them.
"""

from __future__ import annotations

import base64
import os
from enum import Enum

from .errors import ConfigurationError

__all__ = ["Api", "Credentials"]

TOKEN_ENV = "TOGGL_API_TOKEN"
FOCUS_KEY_ENV = "TOGGL_FOCUS_API_KEY"


class Api(Enum):
    """The Toggl services; each has its own base URL and (for Focus) its own key."""

    TRACK = "track"
    REPORTS = "reports"
    FOCUS = "focus"
    WEBHOOKS = "webhooks"
    INSIGHTS = "insights"  # Reports' insights exports, same Track credentials

    # Members are singletons compared by identity: hash them the same way, in C, instead
    # of Enum's Python-level hash of the name (looked up several times per request).
    __hash__ = object.__hash__


class _Secret:
    """A string that refuses to show itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "'***'"

    __str__ = __repr__


class Credentials:
    """Track/Reports Basic auth (token or email+password) and the Focus Bearer key."""

    __slots__ = ("_basic", "_bearer", "kind")

    def __init__(
        self,
        *,
        api_token: str | None = None,
        email: str | None = None,
        password: str | None = None,
        focus_api_key: str | None = None,
        environ: dict[str, str] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        if (email is None) != (password is None):
            raise ConfigurationError(
                "email and password go together: pass both, or pass api_token instead"
            )
        if api_token is not None and email is not None:
            raise ConfigurationError("pass either api_token or email/password, not both")
        if api_token is None and email is None:
            api_token = env.get(TOKEN_ENV) or None
        if focus_api_key is None:
            focus_api_key = env.get(FOCUS_KEY_ENV) or None
        for name, value in (
            ("api_token", api_token),
            ("email", email),
            ("password", password),
            ("focus_api_key", focus_api_key),
        ):
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise ConfigurationError(f"{name} must be a non-empty string")
        if api_token is None and email is None and focus_api_key is None:
            raise ConfigurationError(
                "no Toggl credentials: pass api_token= (or email= and password=), or set "
                f"{TOKEN_ENV}; for Toggl Focus pass focus_api_key= or set {FOCUS_KEY_ENV}. "
                "The Track API token is under Profile settings in Toggl Track."
            )
        self._basic: _Secret | None = None
        self.kind = "none"
        if api_token is not None:
            self._basic = _Secret(_basic_header(api_token.strip(), "api_token"))
            self.kind = "api_token"
        elif email is not None and password is not None:
            self._basic = _Secret(_basic_header(email, password))
            self.kind = "email/password"
        self._bearer = _Secret(f"Bearer {focus_api_key.strip()}") if focus_api_key else None

    def header_for(self, api: Api) -> str:
        """The ``Authorization`` value for ``api``; a clear error if we hold none for it."""
        if api is Api.FOCUS:
            if self._bearer is None:
                raise ConfigurationError(
                    "this client has no Toggl Focus API key: pass focus_api_key= or set "
                    f"{FOCUS_KEY_ENV} (Track tokens do not work for Focus)"
                )
            return self._bearer.reveal()
        if self._basic is None:
            raise ConfigurationError(
                "this client has no Toggl Track credentials: pass api_token= (or email= and "
                f"password=), or set {TOKEN_ENV}"
            )
        return self._basic.reveal()

    @property
    def has_track(self) -> bool:
        return self._basic is not None

    @property
    def has_focus(self) -> bool:
        return self._bearer is not None

    def __repr__(self) -> str:
        focus = ", focus_api_key='***'" if self._bearer else ""
        return f"Credentials(kind={self.kind!r}{focus})"

    def __reduce__(self) -> str:
        raise TypeError("Credentials cannot be pickled: they would leak the secret")


def _basic_header(user: str, password: str) -> str:
    raw = f"{user}:{password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")

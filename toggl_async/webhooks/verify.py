"""``X-Webhook-Signature-256``: HMAC-SHA256 of the raw request body, keyed with the secret.

The check runs over the bytes exactly as received; re-serialised JSON does not reproduce
Toggl's bytes, so :func:`verify_signature` accepts only bytes and refuses a ``str`` or a
parsed object outright. Several secrets may be given, so a secret can be rotated without
downtime: accept the old and the new one until every subscription uses the new one.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping

from .errors import InvalidSignatureError

__all__ = ["SIGNATURE_HEADER", "Secrets", "header_value", "sign", "verify_signature"]

SIGNATURE_HEADER = "X-Webhook-Signature-256"
_PREFIX = "sha256"
_HEX = frozenset("0123456789abcdef")

Secrets = str | bytes | Iterable[str | bytes]
"""One secret, or several (rotation): ``str`` (encoded as UTF-8) or ``bytes``."""


def _body(raw_body: object) -> bytes:
    if isinstance(raw_body, bytes | bytearray | memoryview):
        return bytes(raw_body)
    raise TypeError(
        "raw_body must be the request body exactly as received, as bytes (e.g. "
        f"`await request.read()`), not {type(raw_body).__name__}: a signature over "
        "re-serialised or decoded JSON does not match Toggl's"
    )


def _keys(secret_or_secrets: object) -> list[bytes]:
    if isinstance(secret_or_secrets, str | bytes):
        candidates: list[object] = [secret_or_secrets]
    elif isinstance(secret_or_secrets, Mapping) or not isinstance(secret_or_secrets, Iterable):
        raise TypeError(
            "secret must be a str, bytes, or a list of them (for rotation), "
            f"not {type(secret_or_secrets).__name__}"
        )
    else:
        candidates = list(secret_or_secrets)
    keys: list[bytes] = []
    for candidate in candidates:
        if isinstance(candidate, str):
            candidate = candidate.encode()
        if not isinstance(candidate, bytes):
            raise TypeError(f"each secret must be a str or bytes, not {type(candidate).__name__}")
        if not candidate:
            raise ValueError("secret must not be empty: use the subscription's signing secret")
        keys.append(candidate)
    if not keys:
        raise ValueError("secret: give at least one signing secret")
    return keys


def sign(secret: str | bytes, raw_body: bytes) -> str:
    """The ``X-Webhook-Signature-256`` value Toggl sends for ``raw_body`` (for tests, fakes)."""
    key = _keys(secret)[0]
    return f"{_PREFIX}={hmac.new(key, _body(raw_body), hashlib.sha256).hexdigest()}"


def header_value(headers: Mapping[str, str]) -> str | None:
    """The signature header from any mapping of headers, whatever the case of its name."""
    value = headers.get(SIGNATURE_HEADER)
    if value is not None:
        return value
    wanted = SIGNATURE_HEADER.lower()
    for name, found in headers.items():
        if name.lower() == wanted:
            return found
    return None


def verify_signature(secret_or_secrets: Secrets, raw_body: bytes, header: str | None) -> None:
    """Check ``header`` (``sha256=<hex>``) against ``raw_body``; raise if it does not match.

    ``raw_body`` must be the bytes as received (``TypeError`` otherwise). Raises
    :class:`InvalidSignatureError` when the header is missing, malformed, or matches none
    of the secrets. Every secret is tried, and compared in constant time.
    """
    body = _body(raw_body)
    keys = _keys(secret_or_secrets)
    if header is None or (isinstance(header, str) and not header.strip()):
        raise InvalidSignatureError(f"the {SIGNATURE_HEADER} header is missing")
    if not isinstance(header, str):
        raise TypeError(f"header must be the {SIGNATURE_HEADER} value as a str or None")
    scheme, sep, digest = header.strip().partition("=")
    digest = digest.lower()
    if not sep or scheme.lower() != _PREFIX or len(digest) != 64 or not _HEX.issuperset(digest):
        raise InvalidSignatureError(
            f"the {SIGNATURE_HEADER} header is not of the form sha256=<64 hex digits>"
        )
    expected = digest.encode("ascii")
    matched = False
    for key in keys:
        mac = hmac.new(key, body, hashlib.sha256).hexdigest().encode("ascii")
        matched |= hmac.compare_digest(mac, expected)
    if not matched:
        raise InvalidSignatureError(
            f"the {SIGNATURE_HEADER} signature does not match the body for any configured "
            "secret (wrong secret, or a body changed on the way)"
        )

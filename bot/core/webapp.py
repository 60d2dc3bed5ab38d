"""The admin console's sign-in, pure: Telegram Mini App ``initData`` and the session cookie.

``validate_init_data`` checks initData exactly as the Bot API documents for Mini Apps: every
field but ``hash`` as ``key=value``, sorted by key, joined with newlines, signed with
HMAC-SHA256 under the key HMAC-SHA256(b"WebAppData", bot_token). The session cookie and the
CSRF token are signed with keys derived from the token (never the token itself). Time is
always an argument: nothing here reads a clock.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qsl

__all__ = [
    "FUTURE_SKEW",
    "SESSION_SECONDS",
    "InitData",
    "InitDataError",
    "Session",
    "SessionError",
    "csrf_token",
    "new_session",
    "session_cookie",
    "validate_init_data",
    "verify_csrf",
    "verify_session",
]

SESSION_SECONDS = 1800
FUTURE_SKEW = 60  # seconds an auth_date may be ahead of our clock
_COOKIE_CONTEXT = b"BackStrideConsole"
_CSRF_CONTEXT = b"BackStrideConsoleCSRF"


class InitDataError(ValueError):
    """initData that does not sign the user in (HTTP 401); ``reason`` says why in words."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class SessionError(ValueError):
    """A session cookie that is missing, forged or expired (HTTP 401)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class InitData:
    user_id: int
    first_name: str
    last_name: str
    username: str
    auth_date: int
    raw: str  # the string as received (never log it)

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


def _secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def init_data_hash(fields: dict[str, str], bot_token: str) -> str:
    """The hex signature Telegram puts in ``hash`` for these fields (all but ``hash``)."""
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()) if k != "hash")
    return hmac.new(_secret_key(bot_token), check.encode(), hashlib.sha256).hexdigest()


def validate_init_data(
    init_data: str, bot_token: str, *, now: float, max_age: int = 3600
) -> InitData:
    """The signed-in user, or InitDataError (bad or missing signature, stale or future
    ``auth_date``, no usable ``user``)."""
    if not isinstance(init_data, str) or not init_data:
        raise InitDataError("initData is empty")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataError("initData is not a query string") from None
    fields: dict[str, str] = {}
    for key, value in pairs:
        if key in fields:
            raise InitDataError(f"initData repeats {key!r}")
        fields[key] = value
    given = fields.get("hash", "")
    if not given:
        raise InitDataError("initData has no hash")
    expected = init_data_hash(fields, bot_token)
    if not hmac.compare_digest(expected.encode(), given.lower().encode()):
        raise InitDataError("initData signature does not match")
    raw_date = fields.get("auth_date", "")
    if not raw_date.isdigit():
        raise InitDataError("initData has no valid auth_date")
    auth_date = int(raw_date)
    if auth_date > now + FUTURE_SKEW:
        raise InitDataError("initData auth_date is in the future")
    if now - auth_date > max_age:
        raise InitDataError("initData has expired")
    try:
        user = json.loads(fields.get("user", ""))
    except ValueError:
        raise InitDataError("initData user is not JSON") from None
    if not isinstance(user, dict):
        raise InitDataError("initData user is not an object")
    user_id = user.get("id")
    if isinstance(user_id, bool) or not isinstance(user_id, int):
        raise InitDataError("initData user has no id")

    def text(key: str) -> str:
        value = user.get(key)
        return value if isinstance(value, str) else ""

    return InitData(
        user_id=user_id,
        first_name=text("first_name"),
        last_name=text("last_name"),
        username=text("username"),
        auth_date=auth_date,
        raw=init_data,
    )


# ---------------------------------------------------------------------------------------------
# The session cookie and the CSRF token


@dataclass(frozen=True)
class Session:
    admin_id: int
    expires: int  # Unix seconds
    nonce: str  # url-safe random; the CSRF token is derived from it


def _key(bot_token: str, context: bytes) -> bytes:
    return hmac.new(context, bot_token.encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_session(admin_id: int, *, now: float, seconds: int = SESSION_SECONDS) -> Session:
    return Session(admin_id, int(now) + seconds, secrets.token_urlsafe(18))


def session_cookie(session: Session, bot_token: str) -> str:
    """The cookie value: ``<payload>.<signature>`` (url-safe base64, no padding)."""
    payload = _b64(f"{session.admin_id}:{session.expires}:{session.nonce}".encode())
    signature = hmac.new(_key(bot_token, _COOKIE_CONTEXT), payload.encode(), hashlib.sha256)
    return f"{payload}.{_b64(signature.digest())}"


def verify_session(value: str | None, bot_token: str, *, now: float) -> Session:
    if not value:
        raise SessionError("no session")
    payload, dot, signature = value.partition(".")
    if not dot or not payload or not signature:
        raise SessionError("malformed session")
    expected = hmac.new(_key(bot_token, _COOKIE_CONTEXT), payload.encode(), hashlib.sha256)
    try:
        given = _unb64(signature)
    except (ValueError, binascii.Error):
        raise SessionError("malformed session") from None
    if not hmac.compare_digest(expected.digest(), given):
        raise SessionError("session signature does not match")
    try:
        admin, expires, nonce = _unb64(payload).decode().split(":", 2)
        session = Session(int(admin), int(expires), nonce)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise SessionError("malformed session") from None
    if now >= session.expires:
        raise SessionError("session expired")
    return session


def csrf_token(session: Session, bot_token: str) -> str:
    """The token a write must send in ``X-CSRF-Token``: bound to the session's nonce."""
    message = f"{session.admin_id}:{session.nonce}".encode()
    return _b64(hmac.new(_key(bot_token, _CSRF_CONTEXT), message, hashlib.sha256).digest())


def verify_csrf(session: Session, token: str | None, bot_token: str) -> bool:
    if not token:
        return False
    return hmac.compare_digest(csrf_token(session, bot_token).encode(), token.encode())

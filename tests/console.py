"""Helpers for the admin console's tests: initData signed exactly as Telegram signs it for a
Mini App, and a free local port for ``ADMIN_WEB_PORT``."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
from urllib.parse import urlencode

__all__ = ["free_port", "sign_fields", "signed_init_data"]


def sign_fields(token: str, fields: dict[str, str]) -> str:
    """``fields`` plus the ``hash`` Telegram computes for them, as the query string a Mini App
    receives (the data-check string: every field but hash, ``key=value`` sorted by key, joined
    by newlines; the key: HMAC-SHA256(b"WebAppData", token))."""
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()) if k != "hash")
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    signature = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": signature})


def signed_init_data(
    token: str,
    user_id: int,
    *,
    auth_date: int,
    first_name: str = "Ada",
    last_name: str = "",
    username: str = "",
) -> str:
    """The raw ``initData`` Telegram hands a Mini App opened by `user_id` at `auth_date` (Unix
    seconds): ``query_id``, ``user`` (compact JSON), ``auth_date`` and ``hash``."""
    user: dict[str, object] = {"id": user_id, "first_name": first_name}
    if last_name:
        user["last_name"] = last_name
    if username:
        user["username"] = username
    user["language_code"] = "en"
    fields = {
        "query_id": f"AAH{user_id}test",
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
        "auth_date": str(auth_date),
    }
    return sign_fields(token, fields)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])

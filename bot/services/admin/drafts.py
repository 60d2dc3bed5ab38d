"""Drafts: what an admin is typing, kept in the database so that a restart loses nothing."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlite_utils import Database

from bot.services.admin.common import _ts
from bot.storage import admin as admin_db

__all__ = ["DRAFT_TTL", "clear_draft", "load_draft", "save_draft"]

DRAFT_TTL = dt.timedelta(hours=1)


def _draft_key(admin_id: int) -> str:
    return f"admin:draft:{admin_id}"


def save_draft(database: Database, admin_id: int, draft: dict[str, Any], now: dt.datetime) -> None:
    admin_db.set_meta(database, _draft_key(admin_id), json.dumps({**draft, "at": _ts(now)}))


def load_draft(database: Database, admin_id: int, now: dt.datetime) -> dict[str, Any] | None:
    """The admin's draft, or None if there is none or it is older than DRAFT_TTL."""
    raw = admin_db.get_meta(database, _draft_key(admin_id))
    if raw is None:
        return None
    draft: dict[str, Any] = json.loads(raw)
    if _ts(now) - int(draft.get("at", 0)) > DRAFT_TTL.total_seconds():
        return None
    return draft


def clear_draft(database: Database, admin_id: int) -> None:
    admin_db.set_meta(database, _draft_key(admin_id), None)

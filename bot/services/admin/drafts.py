"""Drafts: what an admin is typing, kept in the database so that a restart loses nothing.

``Draft`` is the typed form the handlers use; what is stored is its ``to_dict`` (JSON under
``admin:draft:<id>`` in ``meta``, with the time it was saved as ``at``), in the same shape as
drafts saved before the type existed, so a stored draft survives an upgrade.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlite_utils import Database

from bot.services.admin.common import _ts
from bot.storage import admin as admin_db

__all__ = ["DRAFT_TTL", "Draft", "clear_draft", "load_draft", "save_draft"]

DRAFT_TTL = dt.timedelta(hours=1)

# Draft field -> the key it is stored under (the rest are stored under their own names).
_KEYS = {"awaiting": "await", "announcement": "announce"}


@dataclass(frozen=True)
class Draft:
    """What an admin is in the middle of.

    ``awaiting`` names the typed answer expected next (``anchor``, ``preview``, ``tip_add``,
    ``tip_edit``, ``announce``), or is None when nothing is to be typed (an announcement
    waiting for its Send button). The other fields say what the answer is for.
    """

    awaiting: str | None = None
    slot: str | None = None  # the slot whose anchor is being typed
    anchor: str | None = None  # which anchor: "fixed", "run" or "tip"
    category: str | None = None  # the category a new tip goes into
    tip: str | None = None  # the tip being edited
    announcement: str | None = None  # the announcement waiting to be sent

    def to_dict(self) -> dict[str, Any]:
        """The stored form: ``await`` always, every other field only when it is set."""
        stored: dict[str, Any] = {"await": self.awaiting}
        for name, value in asdict(self).items():
            if name != "awaiting" and value is not None:
                stored[_KEYS.get(name, name)] = value
        return stored

    @classmethod
    def from_dict(cls, stored: Mapping[str, Any]) -> Draft:
        """A stored draft (keys it does not know, such as ``at``, are ignored)."""
        values = {f.name: stored.get(_KEYS.get(f.name, f.name)) for f in fields(cls)}
        return cls(**{name: None if v is None else str(v) for name, v in values.items()})


def _draft_key(admin_id: int) -> str:
    return f"admin:draft:{admin_id}"


def save_draft(database: Database, admin_id: int, draft: Draft, now: dt.datetime) -> None:
    stored = {**draft.to_dict(), "at": _ts(now)}
    admin_db.set_meta(database, _draft_key(admin_id), json.dumps(stored))


def load_draft(database: Database, admin_id: int, now: dt.datetime) -> Draft | None:
    """The admin's draft, or None if there is none or it is older than DRAFT_TTL."""
    raw = admin_db.get_meta(database, _draft_key(admin_id))
    if raw is None:
        return None
    stored = json.loads(raw)
    if not isinstance(stored, dict):
        return None
    if _ts(now) - int(stored.get("at", 0)) > DRAFT_TTL.total_seconds():
        return None
    return Draft.from_dict(stored)


def clear_draft(database: Database, admin_id: int) -> None:
    admin_db.set_meta(database, _draft_key(admin_id), None)

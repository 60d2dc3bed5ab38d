"""Announcements: one message queued for every active runner, paced by the sender."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace

from sqlite_utils import Database

from bot.core import content
from bot.core.models import (
    ANNOUNCEMENT_PRIORITY,
)
from bot.services.admin.audit import _audit
from bot.services.admin.common import AdminError, _ts
from bot.storage import admin as admin_db
from bot.storage import outbox as outbox_db
from bot.storage import runners as runners_db
from bot.storage import store

__all__ = [
    "ANNOUNCEMENT_MAX",
    "Announcement",
    "announcement_progress",
    "announcement_reach",
    "cancel_announcement",
    "queue_announcement",
    "recent_announcements",
    "validate_announcement",
]

ANNOUNCEMENT_MAX = 4000
ANNOUNCE_SLOT = "announce:{n}"
ANNOUNCE_KIND = "announcement"


@dataclass(frozen=True)
class Announcement:
    number: int
    slot_id: str
    queued: int
    first_id: int
    last_id: int
    at: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def pending(self) -> int:
        return self.counts.get("pending", 0) + self.counts.get("sending", 0)

    @property
    def sent(self) -> int:
        return self.counts.get("sent", 0)


def validate_announcement(text: str) -> list[str]:
    """Problems with an announcement's text (Telegram HTML, at most 4000 characters)."""
    problems = []
    if not content.plain_text(text).strip():
        problems.append("the message is empty")
    if len(text) > ANNOUNCEMENT_MAX:
        problems.append(f"{len(text)} characters, at most {ANNOUNCEMENT_MAX}")
    problem = content.telegram_html_problem(text)
    if problem:
        problems.append(f"invalid HTML: {problem}")
    return problems


def announcement_reach(database: Database) -> int:
    return runners_db.count_active_runners(database)


def _announcement_key(number: int) -> str:
    return f"admin:announcement:{number}"


def _load_announcement(database: Database, number: int) -> Announcement | None:
    raw = admin_db.get_meta(database, _announcement_key(number))
    if raw is None:
        return None
    data = json.loads(raw)
    return Announcement(
        number=number,
        slot_id=ANNOUNCE_SLOT.format(n=number),
        queued=data["queued"],
        first_id=data["first"],
        last_id=data["last"],
        at=data["at"],
    )


def queue_announcement(
    database: Database, text: str, *, admin_id: int, now: dt.datetime
) -> Announcement:
    """Queue `text` for every active runner in the outbox, in one INSERT, behind escalations
    and reminders (priority ANNOUNCEMENT_PRIORITY): the sender paces it."""
    problems = validate_announcement(text)
    if problems:
        raise AdminError(problems)
    now_ts = _ts(now)
    with store.immediate(database):
        number = int(admin_db.get_meta(database, "admin:announcements") or 0) + 1
        slot_id = ANNOUNCE_SLOT.format(n=number)
        queued, first, last = outbox_db.queue_to_active_runners(
            database,
            slot_id=slot_id,
            kind=ANNOUNCE_KIND,
            priority=ANNOUNCEMENT_PRIORITY,
            payload=json.dumps({"text": text}, ensure_ascii=False),
            now=now_ts,
        )
        admin_db.set_meta(database, "admin:announcements", str(number))
        record = {"queued": queued, "first": first, "last": last, "at": now_ts}
        admin_db.set_meta(database, _announcement_key(number), json.dumps(record))
        _audit(
            database,
            admin_id,
            now,
            "announce",
            slot_id,
            None,
            {"text": content.plain_text(text)[:200], "runners": queued},
        )
    return Announcement(number, slot_id, queued, first, last, now_ts, {"pending": queued})


def announcement_progress(database: Database, number: int) -> Announcement | None:
    found = _load_announcement(database, number)
    if found is None:
        return None
    counts = outbox_db.delivery_counts_in_range(
        database, found.slot_id, found.first_id, found.last_id
    )
    return replace(found, counts=counts)


def recent_announcements(database: Database, limit: int = 3) -> list[Announcement]:
    latest = int(admin_db.get_meta(database, "admin:announcements") or 0)
    found = []
    for number in range(latest, max(0, latest - limit), -1):
        progress = announcement_progress(database, number)
        if progress is not None:
            found.append(progress)
    return found


def cancel_announcement(
    database: Database, number: int, *, admin_id: int, now: dt.datetime
) -> Announcement | None:
    """Stop what has not gone out yet: pending rows are dropped (reason "cancelled")."""
    with store.immediate(database):
        found = _load_announcement(database, number)
        if found is None:
            return None
        dropped = outbox_db.drop_pending_in_range(
            database, found.slot_id, found.first_id, found.last_id, "cancelled"
        )
        if dropped:
            _audit(
                database,
                admin_id,
                now,
                "announce_cancel",
                found.slot_id,
                None,
                {"dropped": dropped},
            )
        counts = outbox_db.delivery_counts_in_range(
            database, found.slot_id, found.first_id, found.last_id
        )
    return replace(found, counts={**counts, "cancelled": dropped})

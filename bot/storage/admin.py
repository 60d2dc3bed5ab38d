"""Queries behind the admin services: the audit trail and the small key-value ``meta`` table."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from bot.storage.store import waiting_at_most


def add_audit(
    db: Database,
    *,
    admin_id: int | None,
    at: int,
    action: str,
    target: str,
    before: Any,
    after: Any,
) -> int:
    """One audit row: who, when, what, and the before / after states as JSON."""
    cursor = db.execute(
        "INSERT INTO audit (admin_id, at, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?)",
        [
            admin_id,
            at,
            action,
            target,
            None if before is None else json.dumps(before, ensure_ascii=False, sort_keys=True),
            None if after is None else json.dumps(after, ensure_ascii=False, sort_keys=True),
        ],
    )
    return int(cursor.lastrowid or 0)


@dataclass(frozen=True)
class AuditRow:
    """One audit row, its JSON states decoded."""

    id: int
    admin_id: int | None
    at: dt.datetime
    action: str
    target: str
    before: Any
    after: Any


def recent_audit(db: Database, limit: int) -> list[AuditRow]:
    rows = db.execute(
        "SELECT id, admin_id, at, action, target, before, after FROM audit "
        "ORDER BY id DESC LIMIT ?",
        [limit],
    ).fetchall()
    return [
        AuditRow(
            id=row_id,
            admin_id=admin_id,
            at=dt.datetime.fromtimestamp(at, dt.UTC),
            action=action,
            target=target or "",
            before=json.loads(before) if before else None,
            after=json.loads(after) if after else None,
        )
        for row_id, admin_id, at, action, target, before, after in rows
    ]


def get_meta(db: Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return None if row is None else str(row[0])


def set_meta(db: Database, key: str, value: str | None) -> None:
    if value is None:
        db.execute("DELETE FROM meta WHERE key = ?", [key])
    else:
        db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )


def can_write(db: Database, wait_ms: int = 500) -> bool:
    """Whether a write transaction can be opened now (not locked out, not read-only, not full),
    waiting at most ``wait_ms`` for another writer instead of the usual busy timeout."""
    with waiting_at_most(db, wait_ms):
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("ROLLBACK")
        except sqlite3.Error:
            return False
    return True

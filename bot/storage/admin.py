"""Queries behind the admin services: the audit trail and the small key-value ``meta`` table."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database


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


def recent_audit(db: Database, limit: int) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM audit ORDER BY id DESC LIMIT ?", [limit]))


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

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


_AUDIT_COLUMNS = "id, admin_id, at, action, target, before, after"


def _audit_row(values: tuple[Any, ...]) -> AuditRow:
    """An audit row as selected with ``_AUDIT_COLUMNS``, decoded."""
    row_id, admin_id, at, action, target, before, after = values
    return AuditRow(
        id=row_id,
        admin_id=admin_id,
        at=dt.datetime.fromtimestamp(at, dt.UTC),
        action=action,
        target=target or "",
        before=json.loads(before) if before else None,
        after=json.loads(after) if after else None,
    )


def recent_audit(db: Database, limit: int) -> list[AuditRow]:
    rows = db.execute(
        f"SELECT {_AUDIT_COLUMNS} FROM audit ORDER BY id DESC LIMIT ?",
        [limit],
    ).fetchall()
    return [_audit_row(row) for row in rows]


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


# ---------------------------------------------------------------------------------------------
# The web console (issue 14): counts over time and the audit trail with filters and pages

WEEK_SECONDS = 7 * 86400
DAY_SECONDS = 86400


def runners_joined_per_week(db: Database, start: int) -> dict[int, int]:
    """New runners per week since `start` (a Monday 00:00 UTC): week index from 0 -> count."""
    rows = db.execute(
        "SELECT (created_at - ?) / ? AS w, COUNT(*) FROM runners WHERE created_at >= ? GROUP BY w",
        [start, WEEK_SECONDS, start],
    ).fetchall()
    return {int(w): int(n) for w, n in rows}


def deliveries_per_day(db: Database, first_id: int, start: int) -> dict[tuple[int, str], int]:
    """Finished outbox rows per UTC day since `start` (a midnight) and status (sent, failed,
    dropped): (day index, status) -> count. A sent row counts on the day it went out, the
    others on the day they were due. Reads only rows with ids from `first_id`."""
    rows = db.execute(
        "SELECT (COALESCE(sent_at, due) - ?) / ? AS d, status, COUNT(*) FROM deliveries "
        "WHERE id >= ? AND status IN ('sent', 'failed', 'dropped') "
        "AND COALESCE(sent_at, due) >= ? GROUP BY d, status",
        [start, DAY_SECONDS, first_id, start],
    ).fetchall()
    return {(int(d), str(status)): int(n) for d, status, n in rows}


def verdicts_per_week(db: Database, first_id: int, start: int) -> dict[tuple[int, int], int]:
    """Answered check-ins per week since `start` and verdict level: (week index, level) ->
    count. Counts only. Reads only rows with ids from `first_id`."""
    rows = db.execute(
        "SELECT (answered_at - ?) / ? AS w, level, COUNT(*) FROM checkins "
        "WHERE id >= ? AND answered_at >= ? AND level IS NOT NULL GROUP BY w, level",
        [start, WEEK_SECONDS, first_id, start],
    ).fetchall()
    return {(int(w), int(level)): int(n) for w, level, n in rows}


def open_escalations(db: Database) -> int:
    """Runners on an exercise hold after an URGENT or EMERGENCY verdict (not yet cleared)."""
    row = db.execute(
        "SELECT COUNT(*) FROM runners WHERE exercise_hold = 1 AND status != 'stopped'"
    ).fetchone()
    return int(row[0])


def _audit_where(
    admin_id: int | None, action_prefix: str, since: int | None, until: int | None
) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    if admin_id is not None:
        clauses.append("admin_id = ?")
        args.append(admin_id)
    if action_prefix:
        escaped = action_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append("action LIKE ? ESCAPE '\\'")
        args.append(escaped + "%")
    if since is not None:
        clauses.append("at >= ?")
        args.append(since)
    if until is not None:
        clauses.append("at < ?")
        args.append(until)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def audit_page(
    db: Database,
    *,
    admin_id: int | None,
    action_prefix: str,
    since: int | None,
    until: int | None,
    offset: int,
    limit: int,
) -> tuple[list[AuditRow], int]:
    """One page of the audit trail, newest first, filtered; and how many rows match."""
    where, args = _audit_where(admin_id, action_prefix, since, until)
    total = int(db.execute(f"SELECT COUNT(*) FROM audit{where}", args).fetchone()[0])
    rows = db.execute(
        f"SELECT {_AUDIT_COLUMNS} FROM audit{where} ORDER BY id DESC LIMIT ? OFFSET ?",
        [*args, limit, offset],
    ).fetchall()
    return [_audit_row(row) for row in rows], total


def audit_actions(db: Database) -> list[str]:
    """Every action the audit trail holds, sorted."""
    rows = db.execute("SELECT DISTINCT action FROM audit ORDER BY action").fetchall()
    return [str(action) for (action,) in rows]


def announcement_notes(db: Database, slot_ids: list[str]) -> dict[str, tuple[str, bool]]:
    """Per announcement slot id: the plain text its audit row kept (at most 200 characters)
    and whether it was cancelled, read from the audit trail."""
    found: dict[str, tuple[str, bool]] = {}
    if not slot_ids:
        return found
    marks = ",".join("?" * len(slot_ids))
    rows = db.execute(
        f"SELECT target, action, after FROM audit WHERE target IN ({marks}) "
        "AND action IN ('announce', 'announce_cancel') ORDER BY id",
        slot_ids,
    ).fetchall()
    for target, action, after in rows:
        text, cancelled = found.get(target, ("", False))
        if action == "announce":
            data = json.loads(after) if after else {}
            text = str(data.get("text", "")) if isinstance(data, dict) else ""
        else:
            cancelled = True
        found[target] = (text, cancelled)
    return found

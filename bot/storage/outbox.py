"""Queries on the outbox (``deliveries``): queueing, leasing, outcomes and counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from bot.core import i18n
from bot.core.models import REPLY_PRIORITY, Delivery, Outcome


@dataclass(slots=True)
class NewDelivery:
    """An outbox row about to be written (planned by the tick, or asked for now)."""

    runner_id: int
    slot_id: str
    due: int
    kind: str
    priority: int
    created_at: int
    tip_id: str | None = None
    payload: str | None = None  # JSON
    status: str = "pending"  # or "dropped" with a reason: kept so the stats can count it
    reason: str | None = None
    not_before: int = 0


_INSERT = (
    "INSERT OR IGNORE INTO deliveries (runner_id, slot_id, due, kind, priority, tip_id, "
    "payload, status, reason, not_before, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def insert_deliveries(db: Database, rows: Sequence[NewDelivery]) -> int:
    """INSERT OR IGNORE: an instant already in the outbox is never queued twice."""
    before = db.conn.total_changes
    db.conn.executemany(
        _INSERT,
        [
            (
                r.runner_id,
                r.slot_id,
                r.due,
                r.kind,
                r.priority,
                r.tip_id,
                r.payload,
                r.status,
                r.reason,
                r.not_before,
                r.created_at,
            )
            for r in rows
        ],
    )
    return db.conn.total_changes - before


# The runner's language comes with each row: the sender writes the message in it.
_DELIVERY_FIELDS = (
    "id, runner_id, slot_id, due, kind, priority, tip_id, payload, attempts, status, sent_at, "
    "(SELECT language FROM runners WHERE runners.chat_id = deliveries.runner_id)"
)


def _delivery(row: Sequence[Any]) -> Delivery:
    delivery_id, runner_id, slot_id, due, kind, priority, tip_id, payload = row[:8]
    attempts, status, sent_at, language = row[8:]
    return Delivery(
        delivery_id,
        runner_id,
        slot_id,
        due,
        kind,
        priority,
        tip_id,
        payload,
        attempts,
        status,
        sent_at,
        language=i18n.supported(language),
    )


def lease_pending(
    db: Database, now: int, owner: str, limit: int, *, max_priority: int | None = None
) -> list[Delivery]:
    """Take up to `limit` sendable outbox rows, most urgent first, and mark them as sending;
    with `max_priority`, only rows at that priority or more urgent (an index range)."""
    if limit <= 0:
        return []
    urgent_only = "" if max_priority is None else "AND priority <= ? "
    extra = [] if max_priority is None else [max_priority]
    cursor = db.execute(
        "UPDATE deliveries SET status = 'sending', lease_owner = ?, attempts = attempts + 1 "
        "WHERE id IN (SELECT id FROM deliveries INDEXED BY idx_deliveries_pending "
        f"WHERE status = 'pending' AND not_before <= ? {urgent_only}"
        "ORDER BY priority, not_before, id LIMIT ?) "
        f"RETURNING {_DELIVERY_FIELDS}",
        [owner, now, *extra, limit],
    )
    leased = [_delivery(row) for row in cursor.fetchall()]
    db.commit()
    leased.sort(key=lambda d: (d.priority, d.id))
    return leased


def release_stale_leases(db: Database, owner: str) -> int:
    """Rows another (dead) process was sending go back to the queue: at most one duplicate each."""
    return _release(db, "lease_owner IS NULL OR lease_owner != ?", owner)


def release_own_leases(db: Database, owner: str) -> int:
    """Rows this process still holds (in flight past its stop timeout) go back to the queue."""
    return _release(db, "lease_owner = ?", owner)


def _release(db: Database, whose: str, owner: str) -> int:
    cursor = db.execute(
        "UPDATE deliveries SET status = 'pending', lease_owner = NULL WHERE id IN ("
        "SELECT id FROM deliveries INDEXED BY idx_deliveries_sending "
        f"WHERE status = 'sending' AND ({whose}))",
        [owner],
    )
    return cursor.rowcount


def record_outcomes(db: Database, outcomes: Sequence[Outcome]) -> None:
    """Write what happened to each leased row, in one transaction."""
    with db.atomic():
        db.conn.executemany(
            "UPDATE deliveries SET status = ?, message_id = ?, sent_at = ?, reason = ?, "
            "not_before = ?, lease_owner = NULL WHERE id = ?",
            [(o.status, o.message_id, o.sent_at, o.reason, o.not_before, o.id) for o in outcomes],
        )


def get_delivery(db: Database, delivery_id: int) -> Delivery | None:
    found = db.execute(
        f"SELECT {_DELIVERY_FIELDS} FROM deliveries WHERE id = ?", [delivery_id]
    ).fetchone()
    return _delivery(found) if found else None


def mark_done(db: Database, delivery_id: int, runner_id: int, now: int) -> bool:
    cursor = db.execute(
        "UPDATE deliveries SET done_at = ? WHERE id = ? AND runner_id = ? AND done_at IS NULL",
        [now, delivery_id, runner_id],
    )
    return cursor.rowcount > 0


def drop_held_content(db: Database, runner_id: int) -> tuple[int, int]:
    """An exercise hold began: queued tips, sessions, education, the return-to-run plan's
    messages and planned (reminder-priority) check-ins for this runner are dropped, including
    any being sent right now, so none goes out after it.

    Returns (dropped, requested): ``requested`` counts the tips the runner asked for
    themselves (/tip, "Another tip"), which the hold notice must say will not come."""
    held = (
        "WHERE runner_id = ? AND status IN ('pending', 'sending') "
        "AND (kind IN ('tip', 'session', 'education', 'return_offer', 'return_morning') "
        "OR (kind = 'check_in' AND priority > 0))"
    )
    requested = db.execute(
        f"SELECT COUNT(*) FROM deliveries {held} AND kind = 'tip' AND priority = ?",
        [runner_id, REPLY_PRIORITY],
    ).fetchone()[0]
    cursor = db.execute(
        f"UPDATE deliveries SET status = 'dropped', reason = 'exercise_hold' {held}", [runner_id]
    )
    return int(cursor.rowcount), int(requested)


def insert_now(db: Database, entry: NewDelivery, *, spread: int = 5) -> int | None:
    """Insert one on-demand outbox row and return its id.

    Rows are unique per runner, slot and second: a second request within the same second takes
    the next free second (up to ``spread`` of them) rather than vanishing."""
    for _ in range(spread):
        if insert_deliveries(db, [entry]) == 1:
            found = db.execute(
                "SELECT id FROM deliveries WHERE runner_id = ? AND slot_id = ? AND due = ?",
                [entry.runner_id, entry.slot_id, entry.due],
            ).fetchone()
            return int(found[0])
        entry.due += 1
        entry.not_before = entry.due
    return None


def waiting(db: Database, runner_id: int, slot_id: str) -> bool:
    """Whether a row for this runner and slot still waits in the outbox (not yet leased: a
    leased row may already be on the runner's screen, its outcome not yet written)."""
    found = db.execute(
        "SELECT 1 FROM deliveries WHERE runner_id = ? AND slot_id = ? "
        "AND status = 'pending' LIMIT 1",
        [runner_id, slot_id],
    ).fetchone()
    return found is not None


def has_delivery_between(db: Database, runner_id: int, slot_id: str, start: int, end: int) -> bool:
    found = db.execute(
        "SELECT 1 FROM deliveries WHERE runner_id = ? AND slot_id = ? AND due >= ? AND due < ? "
        "LIMIT 1",
        [runner_id, slot_id, start, end],
    ).fetchone()
    return found is not None


def skip_instant(
    db: Database, runner_id: int, slot_id: str, start: int, end: int, new_due: int | None
) -> bool:
    """If the slot's next instant falls in [start, end) (e.g. today's check-in after /ran),
    move it to `new_due`, the instant after that window."""
    cursor = db.execute(
        "UPDATE schedule SET next_due = ? WHERE runner_id = ? AND slot_id = ? "
        "AND next_due >= ? AND next_due < ?",
        [new_due, runner_id, slot_id, start, end],
    )
    return cursor.rowcount > 0


def drop_pending_slot(db: Database, slot_id: str, reason: str) -> int:
    """Outbox rows of a slot that have not started sending are dropped (through the pending
    index: only pending rows are read)."""
    cursor = db.execute(
        "UPDATE deliveries SET status = 'dropped', reason = ? "
        "WHERE status = 'pending' AND slot_id = ?",
        [reason, slot_id],
    )
    return int(cursor.rowcount)


def max_delivery_id(db: Database) -> int:
    row = db.execute("SELECT MAX(id) FROM deliveries").fetchone()
    return int(row[0] or 0)


def queue_to_active_runners(
    db: Database, *, slot_id: str, kind: str, priority: int, payload: str, now: int
) -> tuple[int, int, int]:
    """One outbox row per active runner, in one INSERT ... SELECT; returns (rows, first id,
    last id). Rows queued by one call have ids in that range (one writer per transaction)."""
    before = max_delivery_id(db)
    cursor = db.execute(
        "INSERT OR IGNORE INTO deliveries (runner_id, slot_id, due, kind, priority, payload, "
        "status, not_before, created_at) "
        "SELECT chat_id, ?, ?, ?, ?, ?, 'pending', ?, ? FROM runners WHERE status = 'active'",
        [slot_id, now, kind, priority, payload, now, now],
    )
    queued = int(cursor.rowcount)
    row = db.execute(
        "SELECT MIN(id), MAX(id) FROM deliveries WHERE id > ? AND slot_id = ?", [before, slot_id]
    ).fetchone()
    return queued, int(row[0] or 0), int(row[1] or 0)


def delivery_counts_in_range(db: Database, slot_id: str, first: int, last: int) -> dict[str, int]:
    """Outbox rows of one slot by status, within an id range (a primary-key range scan)."""
    cursor = db.execute(
        "SELECT status, COUNT(*) FROM deliveries WHERE id BETWEEN ? AND ? AND slot_id = ? "
        "GROUP BY status",
        [first, last, slot_id],
    )
    return {status: n for status, n in cursor.fetchall()}


def drop_pending_in_range(db: Database, slot_id: str, first: int, last: int, reason: str) -> int:
    cursor = db.execute(
        "UPDATE deliveries SET status = 'dropped', reason = ? "
        "WHERE id BETWEEN ? AND ? AND slot_id = ? AND status = 'pending'",
        [reason, first, last, slot_id],
    )
    return int(cursor.rowcount)


_ID_SEARCH_COLUMNS = {("deliveries", "created_at"), ("checkins", "asked_at")}


def first_id_since(db: Database, table: str, column: str, since: int) -> int:
    """A row id such that every row inserted at or after `since` (by `column`, which grows with
    insertion) has an id at least this large: a bisection over the primary key, so counting
    "this week" reads only this week's rows instead of the whole table."""
    if (table, column) not in _ID_SEARCH_COLUMNS:
        raise ValueError(f"no id search on {table}.{column}")
    # Two queries: SQLite answers MIN(id) and MAX(id) alone from the ends of the primary key,
    # but plans both in one query as a scan of a whole index (seconds on a month of rows).
    low = db.execute(f"SELECT MIN(id) FROM {table}").fetchone()[0]
    if low is None:
        return 0
    high = db.execute(f"SELECT MAX(id) FROM {table}").fetchone()[0]
    lo, hi = int(low), int(high) + 1
    while lo < hi:
        mid = (lo + hi) // 2
        row = db.execute(
            f"SELECT {column} FROM {table} WHERE id >= ? ORDER BY id LIMIT 1", [mid]
        ).fetchone()
        if row is None or (row[0] is not None and row[0] >= since):
            hi = mid
        else:
            lo = mid + 1
    return lo


@dataclass(frozen=True)
class DeliveryCounts:
    sent_today: int
    sent_week: int
    dropped_today: int
    dropped_week: int
    tips_week: int
    done_week: int  # tips sent this week and marked Done


def delivery_stats(
    db: Database, *, first_id: int, day_start: int, week_start: int
) -> DeliveryCounts:
    """Counts of outbox rows (announcements apart): sent and dropped today and this week, and
    tips sent this week with how many were marked Done."""
    row = db.execute(
        "SELECT "
        "SUM(status = 'sent' AND sent_at >= :day AND kind != 'announcement'), "
        "SUM(status = 'sent' AND sent_at >= :week AND kind != 'announcement'), "
        "SUM(status = 'dropped' AND created_at >= :day AND kind != 'announcement'), "
        "SUM(status = 'dropped' AND created_at >= :week AND kind != 'announcement'), "
        "SUM(status = 'sent' AND sent_at >= :week AND kind = 'tip'), "
        "SUM(status = 'sent' AND sent_at >= :week AND kind = 'tip' AND done_at IS NOT NULL) "
        "FROM deliveries WHERE id >= :first",
        {"day": day_start, "week": week_start, "first": first_id},
    ).fetchone()
    return DeliveryCounts(*(int(value or 0) for value in row))


def queue_depth(db: Database) -> dict[int, int]:
    """Outbox rows waiting to go out, by priority: read from the pending rows' own index,
    never the whole table. Rows being sent (at most the sender's few dozen) are not in it."""
    rows = db.execute(
        "SELECT priority, COUNT(*) FROM deliveries INDEXED BY idx_deliveries_pending "
        "WHERE status = 'pending' GROUP BY priority"
    ).fetchall()
    return {int(priority): int(count) for priority, count in rows}


def prune_before(db: Database, first_kept_id: int, limit: int) -> int:
    """Delete up to `limit` finished outbox rows (sent, dropped, failed) with ids below
    `first_kept_id`, oldest first; rows still to be sent are never touched."""
    cursor = db.execute(
        "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE id < ? "
        "AND status NOT IN ('pending', 'sending') ORDER BY id LIMIT ?)",
        [first_kept_id, limit],
    )
    return int(cursor.rowcount)

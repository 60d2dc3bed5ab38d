"""Queries on each runner's schedule: the next due time per slot, and tip rotation counts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlite_utils import Database

from bot.storage.store import chunks


def replace_schedule(db: Database, runner_id: int, due: dict[str, int | None]) -> None:
    """Set a runner's next due instants, one row per slot (NULL: the slot won't fire)."""
    with db.atomic():
        db.execute("DELETE FROM schedule WHERE runner_id = ?", [runner_id])
        db.conn.executemany(
            "INSERT INTO schedule (runner_id, slot_id, next_due) VALUES (?, ?, ?)",
            [(runner_id, slot_id, ts) for slot_id, ts in due.items()],
        )


def schedule_of(db: Database, runner_id: int) -> dict[str, int]:
    """The slots that will fire for this runner, with their next due instant."""
    return {
        row["slot_id"]: row["next_due"]
        for row in db.query(
            "SELECT slot_id, next_due FROM schedule WHERE runner_id = ? AND next_due IS NOT NULL",
            [runner_id],
        )
    }


def due_schedule(db: Database, now: int, limit: int) -> list[tuple[int, str, int]]:
    """Schedule rows due at or before `now`, oldest first (an index range scan)."""
    cursor = db.execute(
        "SELECT runner_id, slot_id, next_due FROM schedule WHERE next_due <= ? "
        "ORDER BY next_due LIMIT ?",
        [now, limit],
    )
    return [(r, s, d) for r, s, d in cursor.fetchall()]


def rotation_counts(db: Database, runner_ids: Iterable[int]) -> dict[tuple[int, str], int]:
    found: dict[tuple[int, str], int] = {}
    for part in chunks(sorted(set(runner_ids))):
        marks = ",".join("?" * len(part))
        cursor = db.execute(
            f"SELECT runner_id, key, n FROM rotation WHERE runner_id IN ({marks})", list(part)
        )
        for runner_id, key, n in cursor.fetchall():
            found[(runner_id, key)] = n
    return found


def save_rotation(db: Database, counts: dict[tuple[int, str], int]) -> None:
    db.conn.executemany(
        "INSERT INTO rotation (runner_id, key, n) VALUES (?, ?, ?) "
        "ON CONFLICT (runner_id, key) DO UPDATE SET n = excluded.n",
        [(runner_id, key, n) for (runner_id, key), n in counts.items()],
    )


def advance_schedule(db: Database, updates: Sequence[tuple[int, str, int | None]]) -> None:
    """Move due rows to their next instant (NULL when the slot will not fire again)."""
    db.conn.executemany(
        "UPDATE schedule SET next_due = ? WHERE runner_id = ? AND slot_id = ?",
        [(due, runner, slot) for runner, slot, due in updates],
    )


def runners_missing_schedule(db: Database, *, changed_since: int | None = None) -> list[int]:
    """Active or timed-pause runners without a schedule row for some enabled slot; with
    `changed_since`, only among runners whose row changed at or after it (an index range)."""
    recent = "" if changed_since is None else "AND r.updated_at >= ? "
    runners = "runners r" if changed_since is None else "runners r INDEXED BY idx_runners_updated"
    cursor = db.execute(
        f"SELECT DISTINCT r.chat_id FROM {runners} CROSS JOIN slots s "
        "LEFT JOIN schedule sc ON sc.runner_id = r.chat_id AND sc.slot_id = s.id "
        f"WHERE s.enabled = 1 AND sc.runner_id IS NULL {recent}AND (r.status = 'active' "
        "OR (r.status = 'paused' AND r.paused_until IS NOT NULL))",
        [] if changed_since is None else [changed_since],
    )
    return [r for (r,) in cursor.fetchall()]


def slot_reach(db: Database) -> dict[str, int]:
    """Per slot: how many runners have an instant planned (a non-NULL next due)."""
    cursor = db.execute(
        "SELECT slot_id, COUNT(*) FROM schedule WHERE next_due IS NOT NULL GROUP BY slot_id"
    )
    return {slot_id: n for slot_id, n in cursor.fetchall()}


def slot_schedule(db: Database, slot_id: str) -> dict[int, int | None]:
    """Every runner's schedule row for one slot: runner id -> next due (or NULL)."""
    cursor = db.execute("SELECT runner_id, next_due FROM schedule WHERE slot_id = ?", [slot_id])
    return {runner_id: due for runner_id, due in cursor.fetchall()}


def upsert_slot_schedule(
    db: Database, slot_id: str, rows: Sequence[tuple[int, int | None]]
) -> None:
    """Set (runner, next due) for one slot, creating missing rows."""
    db.conn.executemany(
        "INSERT INTO schedule (runner_id, slot_id, next_due) VALUES (?, ?, ?) "
        "ON CONFLICT (runner_id, slot_id) DO UPDATE SET next_due = excluded.next_due",
        [(runner_id, slot_id, due) for runner_id, due in rows],
    )


def clear_slot_schedule(db: Database, slot_id: str) -> int:
    """The slot fires for nobody (disabled): every runner's next due becomes NULL."""
    cursor = db.execute(
        "UPDATE schedule SET next_due = NULL WHERE slot_id = ? AND next_due IS NOT NULL",
        [slot_id],
    )
    return int(cursor.rowcount)


def last_due_by_runner(
    db: Database, slot_id: str, runner_ids: Iterable[int], since: int
) -> dict[int, int]:
    """The latest outbox instant of a slot per runner that went out or will (not dropped),
    looking back to `since`."""
    found: dict[int, int] = {}
    for part in chunks(sorted(set(runner_ids))):
        marks = ",".join("?" * len(part))
        cursor = db.execute(
            f"SELECT runner_id, MAX(due) FROM deliveries WHERE runner_id IN ({marks}) "
            "AND slot_id = ? AND due >= ? AND status != 'dropped' GROUP BY runner_id",
            [*part, slot_id, since],
        )
        for runner_id, due in cursor.fetchall():
            found[runner_id] = due
    return found

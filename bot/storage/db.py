"""The only module with SQL.

Plain functions over a sqlite-utils ``Database``; the running bot calls them through ``Store``,
which owns the connection on one dedicated worker thread (sqlite3 connections are bound to the
thread that made them, and keeping queries off the event loop keeps the bot responsive).
Times are stored as integer Unix seconds (UTC): compact, indexable, unambiguous.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.core.models import (
    Anchor,
    AnchorKind,
    Days,
    DaysKind,
    Runner,
    RunnerStatus,
    Slot,
    SlotKind,
    Tip,
)

T = TypeVar("T")

migrations = Migrations("backstride")


@migrations()
def m001_initial(db: Database) -> None:
    db.table("runners").create(
        {
            "chat_id": int,
            "timezone": str,
            "run_days": str,  # comma-separated weekdays, 0 = Monday
            "run_time": str,  # HH:MM local
            "tip_time": str,  # HH:MM local
            "status": str,
            "paused_until": int,
            "checkin_delay": int,  # minutes after the run; NULL = the plan's default
            "summary_day": int,  # weekday of the weekly summary, 0 = Monday
            "running_paused": int,
            "language": str,
            "onboarding_step": str,  # the question an unfinished onboarding is waiting on
            "created_at": int,
            "updated_at": int,
        },
        pk="chat_id",
        not_null={"status", "created_at", "updated_at"},
        defaults={
            "status": "onboarding",
            "summary_day": 6,
            "running_paused": 0,
            "language": "en",
            "run_days": "",
        },
    )
    db.table("runners").create_index(["status"])
    db.table("slots").create(
        {
            "id": str,
            "title": str,
            "kind": str,
            "categories": str,  # JSON list
            "anchor_kind": str,
            "anchor_offset": int,
            "anchor_time": str,
            "days_kind": str,
            "weekdays": str,  # comma-separated, for days_kind = weekdays
            "weekly": int,
            "enabled": int,
            "position": int,
            "updated_by": int,  # admin user id, NULL when it came from the files
            "updated_at": int,
        },
        pk="id",
    )
    db.table("tips").create(
        {
            "id": str,
            "category": str,
            "title": str,
            "body": str,
            "why": str,
            "source": str,
            "active": int,
            "version": int,
            "updated_by": int,
            "updated_at": int,
        },
        pk="id",
    )
    db.table("tips").create_index(["category", "active"])
    # One row per runner and slot; next_due is NULL while the slot never fires for the runner
    # (e.g. a rest-day slot for someone who runs every day), so "no row" means "never planned".
    db.table("schedule").create(
        {"runner_id": int, "slot_id": str, "next_due": int},
        pk=("runner_id", "slot_id"),
    )
    db.table("schedule").create_index(["next_due"])
    db.table("schedule").create_index(["slot_id"])
    db.table("deliveries").create(
        {
            "id": int,
            "runner_id": int,
            "slot_id": str,
            "due": int,
            "kind": str,  # tip / check_in / announcement / escalation
            "priority": int,  # lower goes first: 0 escalation, 5 reminder, 8 announcement
            "tip_id": str,
            "payload": str,  # JSON for kinds without a tip
            "status": str,  # pending / sending / sent / failed / dropped
            "attempts": int,
            "not_before": int,
            "message_id": int,
            "reason": str,
            "lease_owner": str,  # the process sending it right now (status = sending)
            "created_at": int,
            "sent_at": int,
            "done_at": int,  # the runner tapped "Done"
        },
        pk="id",
        not_null={"runner_id", "slot_id", "due", "status"},
        defaults={"status": "pending", "attempts": 0, "priority": 5, "not_before": 0},
    )
    # A slot can never be sent twice for the same instant: claiming is an INSERT OR IGNORE.
    db.table("deliveries").create_index(["runner_id", "slot_id", "due"], unique=True)
    db.execute(
        "CREATE INDEX idx_deliveries_pending ON deliveries (priority, not_before, id) "
        "WHERE status = 'pending'"
    )
    db.table("rotation").create(
        {"runner_id": int, "key": str, "n": int}, pk=("runner_id", "key"), not_null={"n"}
    )
    db.table("checkins").create(
        {
            "id": int,
            "runner_id": int,
            "delivery_id": int,  # the outbox row that asked (its buttons carry this id)
            "day": str,  # the runner's local date of the question, YYYY-MM-DD
            "asked_at": int,
            "answered_at": int,
            "step": str,  # pain / where / unusual / flags / done
            "pain": int,
            "radiation": str,
            "red_flags": str,  # JSON list of RedFlag values
            "level": int,
            "reasons": str,  # JSON list
            "escalated_at": int,  # when an emergency message went out mid-checklist
            "status": str,  # open / answered / skipped / unanswered
        },
        pk="id",
    )
    db.table("checkins").create_index(["delivery_id"], unique=True)
    db.table("checkins").create_index(["runner_id", "day"])
    # The tick's expiry sweep looks only at open check-ins and recently sent questions.
    db.execute("CREATE INDEX idx_checkins_open ON checkins (asked_at) WHERE status = 'open'")
    db.execute(
        "CREATE INDEX idx_deliveries_checkin_sent ON deliveries (sent_at) "
        "WHERE kind = 'check_in' AND status = 'sent'"
    )
    db.table("audit").create(
        {
            "id": int,
            "admin_id": int,
            "at": int,
            "action": str,
            "target": str,
            "before": str,  # JSON
            "after": str,  # JSON
        },
        pk="id",
    )
    db.table("audit").create_index(["at"])
    db.table("conversations").create(
        {"name": str, "key": str, "state": str}, pk=("name", "key"), not_null={"state"}
    )
    db.table("meta").create({"key": str, "value": str}, pk="key")


@migrations()
def m002_clinical_safety(db: Database) -> None:
    """The clinical safety issue: the country (for the number to call), the risk profile, the
    escalation hold with its daily follow-up, and what a check-in already told the runner."""
    runners = db.table("runners")
    runners.add_column("country", str)  # ISO 3166 alpha-2; "" = asked, not given; NULL = not asked
    runners.add_column("age_band", str)  # under_20 / 20_50 / over_50; NULL = not given
    runners.add_column("risk_factors", str)  # JSON list of RiskFactor values; NULL = not asked
    runners.add_column("risk_declined", int, not_null_default=0)  # "prefer not to say"
    runners.add_column("hold_level", int, not_null_default=0)  # triage Level of the hold
    runners.add_column("exercise_hold", int, not_null_default=0)  # after URGENT / EMERGENCY
    runners.add_column("follow_up_at", int)  # next daily follow-up; NULL = none
    runners.add_column("follow_ups_sent", int, not_null_default=0)
    db.execute(
        "CREATE INDEX idx_runners_follow_up ON runners (follow_up_at) "
        "WHERE follow_up_at IS NOT NULL"
    )
    checkins = db.table("checkins")
    checkins.add_column("told_level", int)  # the most urgent verdict already sent for it
    checkins.add_column("last_press_at", int)
    checkins.add_column("no_run", int, not_null_default=0)  # "didn't run": the back was why
    checkins.add_column("closed_by", str)  # runner / sweep (verdict sent for an unfinished one)


def connect(path: Path | str) -> Database:
    """Open (creating if needed) the database at `path`, in WAL mode, fully migrated."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30)
    db = Database(conn)
    if str(path) != ":memory:":
        db.enable_wal()
    # NORMAL is durable across application crashes in WAL mode (only an OS crash can lose the
    # last transactions) and much faster than FULL.
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA busy_timeout=30000")
    migrations.apply(db)
    return db


def now_ts(now: dt.datetime | None = None) -> int:
    return int((now or dt.datetime.now(dt.UTC)).timestamp())


def from_ts(ts: int | None) -> dt.datetime | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, dt.UTC)


# ---------------------------------------------------------------------------------------------
# Runners


def _fmt_time(value: dt.time) -> str:
    return value.strftime("%H:%M")


@functools.lru_cache(maxsize=4096)
def _clock(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def _parse_time(text: str | None, default: dt.time) -> dt.time:
    # Cached: the tick parses thousands of rows that share a handful of distinct times.
    return _clock(text) if text else default


@functools.lru_cache(maxsize=256)
def _parse_days(text: str | None) -> frozenset[int]:
    return frozenset(int(d) for d in (text or "").split(",") if d != "")


def runner_from_row(row: dict[str, Any]) -> Runner:
    return Runner(
        chat_id=row["chat_id"],
        timezone=row["timezone"] or "UTC",
        run_days=_parse_days(row["run_days"]),
        run_time=_parse_time(row["run_time"], dt.time(7, 0)),
        tip_time=_parse_time(row["tip_time"], dt.time(8, 0)),
        status=RunnerStatus(row["status"]),
        paused_until=from_ts(row["paused_until"]),
        checkin_delay_minutes=row["checkin_delay"],
        summary_day=row["summary_day"] if row["summary_day"] is not None else 6,
        running_paused=bool(row["running_paused"]),
        exercise_hold=bool(row.get("exercise_hold")),
        language=row["language"] or "en",
    )


def get_runner_row(db: Database, chat_id: int) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM runners WHERE chat_id = ?", [chat_id]))
    return rows[0] if rows else None


def get_runner(db: Database, chat_id: int) -> Runner | None:
    row = get_runner_row(db, chat_id)
    return runner_from_row(row) if row else None


def create_runner(db: Database, chat_id: int, *, language: str = "en", now: int) -> None:
    """Insert a runner in onboarding; does nothing if the runner exists already."""
    db.execute(
        "INSERT OR IGNORE INTO runners (chat_id, status, language, created_at, updated_at) "
        "VALUES (?, 'onboarding', ?, ?, ?)",
        [chat_id, language, now, now],
    )


_RUNNER_FIELDS = {
    "timezone",
    "run_days",
    "run_time",
    "tip_time",
    "status",
    "paused_until",
    "checkin_delay",
    "summary_day",
    "running_paused",
    "language",
    "onboarding_step",
    "country",
    "age_band",
    "risk_factors",
    "risk_declined",
    "hold_level",
    "exercise_hold",
    "follow_up_at",
    "follow_ups_sent",
}


def update_runner(db: Database, chat_id: int, *, now: int, **fields: Any) -> None:
    """Update named columns of one runner (times, day sets and datetimes are converted)."""
    unknown = set(fields) - _RUNNER_FIELDS
    if unknown:
        raise ValueError(f"unknown runner fields: {sorted(unknown)}")
    values: dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, dt.time):
            value = _fmt_time(value)
        elif isinstance(value, frozenset | set):
            value = ",".join(str(d) for d in sorted(value))
        elif isinstance(value, dt.datetime):
            value = now_ts(value)
        elif isinstance(value, RunnerStatus):
            value = value.value
        values[key] = value
    values["updated_at"] = now
    assignments = ", ".join(f"{key} = :{key}" for key in values)
    db.execute(
        f"UPDATE runners SET {assignments} WHERE chat_id = :chat_id", {**values, "chat_id": chat_id}
    )


def count_runners_by_status(db: Database) -> dict[str, int]:
    return {
        row["status"]: row["n"]
        for row in db.query("SELECT status, COUNT(*) AS n FROM runners GROUP BY status")
    }


# ---------------------------------------------------------------------------------------------
# Conversation states (PTB persistence for ConversationHandler)


def load_conversations(db: Database, name: str) -> dict[str, str]:
    return {
        row["key"]: row["state"]
        for row in db.query("SELECT key, state FROM conversations WHERE name = ?", [name])
    }


def save_conversation(db: Database, name: str, key: str, state: str | None) -> None:
    if state is None:
        db.execute("DELETE FROM conversations WHERE name = ? AND key = ?", [name, key])
    else:
        db.execute(
            "INSERT INTO conversations (name, key, state) VALUES (?, ?, ?) "
            "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
            [name, key, state],
        )


# ---------------------------------------------------------------------------------------------
# Slots and tips


def slot_to_row(slot: Slot, position: int, *, updated_by: int | None, now: int) -> dict[str, Any]:
    return {
        "id": slot.id,
        "title": slot.title,
        "kind": slot.kind.value,
        "categories": json.dumps(list(slot.categories)),
        "anchor_kind": slot.anchor.kind.value,
        "anchor_offset": slot.anchor.offset_minutes,
        "anchor_time": _fmt_time(slot.anchor.time) if slot.anchor.time else None,
        "days_kind": slot.days.kind.value,
        "weekdays": ",".join(str(d) for d in sorted(slot.days.weekdays)),
        "weekly": int(slot.days.weekly),
        "enabled": int(slot.enabled),
        "position": position,
        "updated_by": updated_by,
        "updated_at": now,
    }


def slot_from_row(row: dict[str, Any]) -> Slot:
    return Slot(
        id=row["id"],
        kind=SlotKind(row["kind"]),
        anchor=Anchor(
            kind=AnchorKind(row["anchor_kind"]),
            offset_minutes=row["anchor_offset"] or 0,
            time=_parse_time(row["anchor_time"], dt.time(0, 0)) if row["anchor_time"] else None,
        ),
        days=Days(
            kind=DaysKind(row["days_kind"]),
            weekdays=_parse_days(row["weekdays"]),
            weekly=bool(row["weekly"]),
        ),
        categories=tuple(json.loads(row["categories"] or "[]")),
        enabled=bool(row["enabled"]),
        title=row["title"] or "",
    )


def load_slots(db: Database) -> list[Slot]:
    return [slot_from_row(r) for r in db.query("SELECT * FROM slots ORDER BY position, id")]


def tip_to_row(tip: Tip, *, version: int, updated_by: int | None, now: int) -> dict[str, Any]:
    return {
        "id": tip.id,
        "category": tip.category,
        "title": tip.title,
        "body": tip.body,
        "why": tip.why,
        "source": tip.source,
        "active": int(tip.active),
        "version": version,
        "updated_by": updated_by,
        "updated_at": now,
    }


def tip_from_row(row: dict[str, Any]) -> Tip:
    return Tip(
        id=row["id"],
        category=row["category"],
        title=row["title"],
        body=row["body"],
        why=row["why"] or "",
        source=row["source"] or "",
        active=bool(row["active"]),
    )


def load_tips(db: Database, *, active_only: bool = False) -> list[Tip]:
    where = "WHERE active = 1" if active_only else ""
    return [tip_from_row(r) for r in db.query(f"SELECT * FROM tips {where} ORDER BY category, id")]


def get_tip(db: Database, tip_id: str) -> Tip | None:
    rows = list(db.query("SELECT * FROM tips WHERE id = ?", [tip_id]))
    return tip_from_row(rows[0]) if rows else None


def is_seeded(db: Database) -> bool:
    return bool(list(db.query("SELECT 1 FROM meta WHERE key = 'seeded'")))


def seed_content(db: Database, slots: Iterable[Slot], tips: Iterable[Tip], *, now: int) -> None:
    """First start only: copy the validated files into the database in one transaction."""
    with db.atomic():
        db.table("slots").upsert_all(
            [slot_to_row(s, i, updated_by=None, now=now) for i, s in enumerate(slots)], pk="id"
        )
        db.table("tips").upsert_all(
            [tip_to_row(t, version=1, updated_by=None, now=now) for t in tips], pk="id"
        )
        db.table("meta").upsert({"key": "seeded", "value": str(now)}, pk="key")


# ---------------------------------------------------------------------------------------------
# Schedule and outbox


@contextlib.contextmanager
def immediate(db: Database) -> Iterator[Database]:
    """A write transaction that takes the write lock up front (BEGIN IMMEDIATE).

    Two processes claiming the same due rows then serialise cleanly instead of one failing to
    upgrade a read lock; the second sees the first one's committed result.
    """
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


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


def _chunks(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def runner_rows(db: Database, runner_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for part in _chunks(sorted(set(runner_ids))):
        marks = ",".join("?" * len(part))
        cursor = db.execute(f"SELECT * FROM runners WHERE chat_id IN ({marks})", list(part))
        keys = [d[0] for d in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(keys, values, strict=True))
            found[row["chat_id"]] = row
    return found


def rotation_counts(db: Database, runner_ids: Iterable[int]) -> dict[tuple[int, str], int]:
    found: dict[tuple[int, str], int] = {}
    for part in _chunks(sorted(set(runner_ids))):
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


DELIVERY_COLUMNS = (
    "runner_id",
    "slot_id",
    "due",
    "kind",
    "priority",
    "tip_id",
    "payload",
    "status",
    "reason",
    "not_before",
    "created_at",
)


def insert_deliveries(db: Database, rows: Sequence[dict[str, Any]]) -> int:
    """INSERT OR IGNORE: an instant already in the outbox is never queued twice."""
    before = db.conn.total_changes
    db.conn.executemany(
        f"INSERT OR IGNORE INTO deliveries ({', '.join(DELIVERY_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(DELIVERY_COLUMNS))})",
        [tuple(row.get(c) for c in DELIVERY_COLUMNS) for row in rows],
    )
    return db.conn.total_changes - before


def advance_schedule(db: Database, updates: Sequence[tuple[int, str, int | None]]) -> None:
    """Move due rows to their next instant (NULL when the slot will not fire again)."""
    db.conn.executemany(
        "UPDATE schedule SET next_due = ? WHERE runner_id = ? AND slot_id = ?",
        [(due, runner, slot) for runner, slot, due in updates],
    )


def lease_pending(db: Database, now: int, owner: str, limit: int) -> list[dict[str, Any]]:
    """Take up to `limit` sendable outbox rows, most urgent first, and mark them as sending."""
    if limit <= 0:
        return []
    cursor = db.execute(
        "UPDATE deliveries SET status = 'sending', lease_owner = ?, attempts = attempts + 1 "
        "WHERE id IN (SELECT id FROM deliveries INDEXED BY idx_deliveries_pending "
        "WHERE status = 'pending' AND not_before <= ? "
        "ORDER BY priority, not_before, id LIMIT ?) "
        "RETURNING id, runner_id, slot_id, due, kind, priority, tip_id, payload, attempts",
        [owner, now, limit],
    )
    keys = [d[0] for d in cursor.description]
    leased = [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]
    db.commit()
    leased.sort(key=lambda r: (r["priority"], r["id"]))
    return leased


def release_stale_leases(db: Database, owner: str) -> int:
    """Rows another (dead) process was sending go back to the queue: at most one duplicate each."""
    cursor = db.execute(
        "UPDATE deliveries SET status = 'pending', lease_owner = NULL "
        "WHERE status = 'sending' AND (lease_owner IS NULL OR lease_owner != ?)",
        [owner],
    )
    return cursor.rowcount


def release_own_leases(db: Database, owner: str) -> int:
    cursor = db.execute(
        "UPDATE deliveries SET status = 'pending', lease_owner = NULL "
        "WHERE status = 'sending' AND lease_owner = ?",
        [owner],
    )
    return cursor.rowcount


def record_outcomes(db: Database, outcomes: Sequence[dict[str, Any]]) -> None:
    """Write what happened to each leased row, in one transaction."""
    with db.atomic():
        db.conn.executemany(
            "UPDATE deliveries SET status = :status, message_id = :message_id, "
            "sent_at = :sent_at, reason = :reason, not_before = :not_before, lease_owner = NULL "
            "WHERE id = :id",
            [
                {
                    "message_id": None,
                    "sent_at": None,
                    "reason": None,
                    "not_before": 0,
                    **outcome,
                }
                for outcome in outcomes
            ],
        )


def mark_blocked(db: Database, runner_id: int, now: int) -> None:
    """Telegram said 403: stop everything for this runner, keep their data."""
    with db.atomic():
        db.execute(
            "UPDATE runners SET status = 'blocked', updated_at = ? WHERE chat_id = ?",
            [now, runner_id],
        )
        db.execute("DELETE FROM schedule WHERE runner_id = ?", [runner_id])
        db.execute(
            "UPDATE deliveries SET status = 'dropped', reason = 'blocked', lease_owner = NULL "
            "WHERE runner_id = ? AND status IN ('pending', 'sending')",
            [runner_id],
        )


def get_delivery(db: Database, delivery_id: int) -> dict[str, Any] | None:
    found = list(db.query("SELECT * FROM deliveries WHERE id = ?", [delivery_id]))
    return found[0] if found else None


def mark_done(db: Database, delivery_id: int, runner_id: int, now: int) -> bool:
    cursor = db.execute(
        "UPDATE deliveries SET done_at = ? WHERE id = ? AND runner_id = ? AND done_at IS NULL",
        [now, delivery_id, runner_id],
    )
    return cursor.rowcount > 0


def runners_missing_schedule(db: Database) -> list[int]:
    """Active or timed-pause runners without a schedule row for some enabled slot."""
    cursor = db.execute(
        "SELECT DISTINCT r.chat_id FROM runners r CROSS JOIN slots s "
        "LEFT JOIN schedule sc ON sc.runner_id = r.chat_id AND sc.slot_id = s.id "
        "WHERE s.enabled = 1 AND sc.runner_id IS NULL AND (r.status = 'active' "
        "OR (r.status = 'paused' AND r.paused_until IS NOT NULL))"
    )
    return [r for (r,) in cursor.fetchall()]


# ---------------------------------------------------------------------------------------------
# A runner's own data (/mydata, /delete)

RUNNER_TABLES = ("schedule", "deliveries", "rotation", "checkins")


def runner_export(db: Database, chat_id: int) -> dict[str, Any]:
    """Everything stored about one runner, as plain data (settings, deliveries, check-ins)."""
    runner = get_runner_row(db, chat_id)
    out: dict[str, Any] = {"settings": runner}
    for table in RUNNER_TABLES:
        out[table] = list(
            db.query(f"SELECT * FROM {table} WHERE runner_id = ? ORDER BY rowid", [chat_id])
        )
    return out


def erase_runner(db: Database, chat_id: int) -> int:
    """Delete every row about this runner, in one transaction. Returns the rows removed."""
    removed = 0
    with db.atomic():
        for table in RUNNER_TABLES:
            removed += db.execute(f"DELETE FROM {table} WHERE runner_id = ?", [chat_id]).rowcount
        # Conversation keys are JSON [chat id, user id]; private chats have both equal.
        removed += db.execute(
            "DELETE FROM conversations WHERE key LIKE ?", [f"[{chat_id},%"]
        ).rowcount
        removed += db.execute("DELETE FROM runners WHERE chat_id = ?", [chat_id]).rowcount
    return removed


def backup_to(db: Database, target: Path) -> None:
    """A consistent copy of the live database (SQLite's online backup), safe while running."""
    target.parent.mkdir(parents=True, exist_ok=True)
    destination = sqlite3.connect(str(target))
    try:
        db.conn.backup(destination)
    finally:
        destination.close()


# ---------------------------------------------------------------------------------------------
# Check-ins


def get_checkin(db: Database, delivery_id: int) -> dict[str, Any] | None:
    found = list(db.query("SELECT * FROM checkins WHERE delivery_id = ?", [delivery_id]))
    return found[0] if found else None


def open_checkin(
    db: Database, runner_id: int, delivery_id: int, *, day: str, asked_at: int
) -> dict[str, Any]:
    """The check-in for this outbox row, created on the first answer (idempotent)."""
    db.execute(
        "INSERT OR IGNORE INTO checkins (runner_id, delivery_id, day, asked_at, step, status, "
        "red_flags) VALUES (?, ?, ?, ?, 'pain', 'open', '[]')",
        [runner_id, delivery_id, day, asked_at],
    )
    found = get_checkin(db, delivery_id)
    assert found is not None
    return found


_CHECKIN_FIELDS = {
    "step",
    "pain",
    "radiation",
    "red_flags",
    "level",
    "reasons",
    "escalated_at",
    "status",
    "answered_at",
    "told_level",
    "last_press_at",
    "no_run",
    "closed_by",
}


def update_checkin(db: Database, checkin_id: int, **fields: Any) -> None:
    unknown = set(fields) - _CHECKIN_FIELDS
    if unknown:
        raise ValueError(f"unknown check-in fields: {sorted(unknown)}")
    values = {k: json.dumps(v) if isinstance(v, list | tuple) else v for k, v in fields.items()}
    assignments = ", ".join(f"{key} = :{key}" for key in values)
    db.execute(f"UPDATE checkins SET {assignments} WHERE id = :id", {**values, "id": checkin_id})


def pain_history(db: Database, runner_id: int, since_day: str) -> list[tuple[str, int]]:
    """(local day, pain) of answered check-ins since `since_day`, oldest first."""
    cursor = db.execute(
        "SELECT day, pain FROM checkins WHERE runner_id = ? AND status = 'answered' "
        "AND day >= ? AND pain IS NOT NULL ORDER BY day, answered_at",
        [runner_id, since_day],
    )
    return [(day, pain) for day, pain in cursor.fetchall()]


def expire_checkins(db: Database, sent_before: int) -> int:
    """Check-ins asked before `sent_before` and never finished are recorded as unanswered."""
    with db.atomic():
        opened = db.execute(
            "UPDATE checkins SET status = 'unanswered' WHERE status = 'open' AND asked_at < ?",
            [sent_before],
        ).rowcount
        never = db.execute(
            "INSERT OR IGNORE INTO checkins (runner_id, delivery_id, day, asked_at, step, status) "
            "SELECT runner_id, id, NULL, sent_at, 'pain', 'unanswered' FROM deliveries "
            "WHERE kind = 'check_in' AND status = 'sent' AND sent_at < ? AND sent_at >= ? "
            "AND NOT EXISTS (SELECT 1 FROM checkins c WHERE c.delivery_id = deliveries.id)",
            # Only the last few days: older ones were swept by earlier ticks.
            [sent_before, sent_before - 3 * 86400],
        ).rowcount
    return int(opened) + int(never)


def unfinished_checkins(
    db: Database, *, quiet_since: int, asked_since: int
) -> list[dict[str, Any]]:
    """Open check-ins asked since `asked_since` whose last press was before `quiet_since`."""
    return list(
        db.query(
            "SELECT * FROM checkins WHERE status = 'open' AND asked_at >= ? "
            "AND last_press_at IS NOT NULL AND last_press_at <= ? AND pain IS NOT NULL",
            [asked_since, quiet_since],
        )
    )


def due_follow_ups(db: Database, now: int, limit: int) -> list[dict[str, Any]]:
    """Runners whose daily follow-up is due (through the partial index on follow_up_at)."""
    return list(
        db.query(
            "SELECT * FROM runners WHERE follow_up_at IS NOT NULL AND follow_up_at <= ? "
            "ORDER BY follow_up_at LIMIT ?",
            [now, limit],
        )
    )


def on_exercise_hold(db: Database, runner_id: int) -> bool:
    found = db.execute(
        "SELECT exercise_hold FROM runners WHERE chat_id = ?", [runner_id]
    ).fetchone()
    return bool(found and found[0])


def drop_held_content(db: Database, runner_id: int) -> int:
    """An exercise hold began: queued tips and planned (reminder-priority) check-ins for this
    runner are dropped, including any being sent right now, so none goes out after it."""
    cursor = db.execute(
        "UPDATE deliveries SET status = 'dropped', reason = 'exercise_hold' "
        "WHERE runner_id = ? AND status IN ('pending', 'sending') "
        "AND (kind = 'tip' OR (kind = 'check_in' AND priority > 0))",
        [runner_id],
    )
    return int(cursor.rowcount)


def has_open_checkin(db: Database, runner_id: int, since: int) -> bool:
    found = db.execute(
        "SELECT 1 FROM checkins WHERE runner_id = ? AND status = 'open' AND asked_at >= ? LIMIT 1",
        [runner_id, since],
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


# ---------------------------------------------------------------------------------------------
# The worker-thread wrapper used by the running bot


class Store:
    """Runs db functions on one dedicated thread that owns the connection.

    The connection is opened lazily on that thread by the first call, so the store can be
    handed to PTB before its event loop runs (persistence loads during ``initialize``).
    """

    def __init__(self, path: Path | str) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="backstride-db")
        self._db: Database | None = None

    def _call(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        if self._db is None:
            self._db = connect(self.path)
        return fn(self._db, *args, **kwargs)

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run ``fn(db, *args, **kwargs)`` on the database thread."""
        call = functools.partial(self._call, fn, args, kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    def _close(self) -> None:
        if self._db is not None:
            self._db.conn.close()
            self._db = None

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, self._close)
        self._executor.shutdown(wait=True)


# --- Admin (issue 5) ---
# Queries behind bot/admin.py: slot and tip edits, the audit trail, announcements and counts.
# Callers that change several things wrap them in one `immediate` transaction.


def get_slot(db: Database, slot_id: str) -> Slot | None:
    rows = list(db.query("SELECT * FROM slots WHERE id = ?", [slot_id]))
    return slot_from_row(rows[0]) if rows else None


def slot_positions(db: Database) -> dict[str, int]:
    return {r["id"]: r["position"] or 0 for r in db.query("SELECT id, position FROM slots")}


def save_slots(db: Database, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or replace slot rows (built with `slot_to_row`)."""
    if rows:
        db.table("slots").upsert_all(rows, pk="id")


def tip_versions(db: Database) -> dict[str, int]:
    return {r["id"]: r["version"] or 1 for r in db.query("SELECT id, version FROM tips")}


def save_tips(db: Database, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or replace tip rows (built with `tip_to_row`)."""
    if rows:
        db.table("tips").upsert_all(rows, pk="id")


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


def slot_reach(db: Database) -> dict[str, int]:
    """Per slot: how many runners have an instant planned (a non-NULL next due)."""
    cursor = db.execute(
        "SELECT slot_id, COUNT(*) FROM schedule WHERE next_due IS NOT NULL GROUP BY slot_id"
    )
    return {slot_id: n for slot_id, n in cursor.fetchall()}


def live_runner_rows(db: Database) -> list[dict[str, Any]]:
    """Runners who can have planned instants: active, or paused until a known time."""
    return list(
        db.query(
            "SELECT * FROM runners WHERE status = 'active' "
            "OR (status = 'paused' AND paused_until IS NOT NULL)"
        )
    )


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


def drop_pending_slot(db: Database, slot_id: str, reason: str) -> int:
    """Outbox rows of a slot that have not started sending are dropped (through the pending
    index: only pending rows are read)."""
    cursor = db.execute(
        "UPDATE deliveries SET status = 'dropped', reason = ? "
        "WHERE status = 'pending' AND slot_id = ?",
        [reason, slot_id],
    )
    return int(cursor.rowcount)


def last_due_by_runner(
    db: Database, slot_id: str, runner_ids: Iterable[int], since: int
) -> dict[int, int]:
    """The latest outbox instant of a slot per runner that went out or will (not dropped),
    looking back to `since`."""
    found: dict[int, int] = {}
    for part in _chunks(sorted(set(runner_ids))):
        marks = ",".join("?" * len(part))
        cursor = db.execute(
            f"SELECT runner_id, MAX(due) FROM deliveries WHERE runner_id IN ({marks}) "
            "AND slot_id = ? AND due >= ? AND status != 'dropped' GROUP BY runner_id",
            [*part, slot_id, since],
        )
        for runner_id, due in cursor.fetchall():
            found[runner_id] = due
    return found


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


def count_active_runners(db: Database) -> int:
    row = db.execute("SELECT COUNT(*) FROM runners WHERE status = 'active'").fetchone()
    return int(row[0])


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
    bounds = db.execute(f"SELECT MIN(id), MAX(id) FROM {table}").fetchone()
    if bounds[0] is None:
        return 0
    lo, hi = int(bounds[0]), int(bounds[1]) + 1
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


def delivery_stats(
    db: Database, *, first_id: int, day_start: int, week_start: int
) -> dict[str, int]:
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
    keys = ("sent_today", "sent_week", "dropped_today", "dropped_week", "tips_week", "done_week")
    return {key: int(value or 0) for key, value in zip(keys, row, strict=True)}


def checkin_stats(db: Database, *, first_id: int, week_start: int) -> tuple[int, dict[int, int]]:
    """Check-ins answered this week, and escalations (level 2 and up) this week by level."""
    answered = db.execute(
        "SELECT COUNT(*) FROM checkins WHERE id >= ? AND status = 'answered' AND answered_at >= ?",
        [first_id, week_start],
    ).fetchone()
    cursor = db.execute(
        "SELECT level, COUNT(*) FROM checkins WHERE id >= ? AND level >= 2 "
        "AND COALESCE(answered_at, escalated_at, asked_at) >= ? GROUP BY level",
        [first_id, week_start],
    )
    return int(answered[0] or 0), {level: n for level, n in cursor.fetchall()}

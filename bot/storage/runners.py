"""Queries on the runner aggregate: the ``runners`` row, its export and erasure."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from bot.core import i18n
from bot.core.care import RunnerCare, risk_factors_of
from bot.core.escalation import Hold
from bot.core.models import (
    Runner,
    RunnerStatus,
)
from bot.core.triage import Level
from bot.storage.store import (
    chunks,
    fmt_time,
    from_ts,
    now_ts,
    parse_days,
    parse_time,
    waiting_at_most,
)


def runner_from_row(row: dict[str, Any]) -> Runner:
    return Runner(
        chat_id=row["chat_id"],
        timezone=row["timezone"] or "UTC",
        run_days=parse_days(row["run_days"]),
        run_time=parse_time(row["run_time"], dt.time(7, 0)),
        tip_time=parse_time(row["tip_time"], dt.time(8, 0)),
        status=RunnerStatus(row["status"]),
        paused_until=from_ts(row["paused_until"]),
        checkin_delay_minutes=row["checkin_delay"],
        summary_day=row["summary_day"] if row["summary_day"] is not None else 6,
        running_paused=bool(row["running_paused"]),
        exercise_hold=bool(row.get("exercise_hold")),
        strength_goal=row.get("strength_goal") or 2,
        return_step=row.get("return_step"),
        language=i18n.supported(row["language"]),
    )


def get_runner_row(db: Database, chat_id: int) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM runners WHERE chat_id = ?", [chat_id]))
    return rows[0] if rows else None


def get_runner(db: Database, chat_id: int) -> Runner | None:
    row = get_runner_row(db, chat_id)
    return runner_from_row(row) if row else None


# The clinical record (check-ins, escalation holds, follow-ups): only the columns it needs.
_CARE_COLUMNS = (
    "chat_id, status, timezone, country, age_band, risk_factors, "
    "hold_level, running_paused, exercise_hold, follow_up_at, follow_ups_sent"
)


def _care(values: tuple[Any, ...]) -> RunnerCare:
    (
        chat_id,
        status,
        timezone,
        country,
        age_band,
        risk_factors,
        hold_level,
        running_paused,
        exercise_hold,
        follow_up_at,
        follow_ups_sent,
    ) = values
    return RunnerCare(
        chat_id=chat_id,
        status=RunnerStatus(status),
        timezone=timezone or "UTC",
        country=country or None,  # "" = asked, not given
        risk_factors=risk_factors_of(json.loads(risk_factors or "[]"), age_band),
        hold=Hold(
            level=Level(int(hold_level or 0)),
            running_paused=bool(running_paused),
            exercise_hold=bool(exercise_hold),
            follow_up_at=dt.datetime.fromtimestamp(follow_up_at, dt.UTC) if follow_up_at else None,
            follow_ups_sent=int(follow_ups_sent or 0),
        ),
    )


def get_care(db: Database, chat_id: int) -> RunnerCare | None:
    """The runner's clinical record, whatever their status (None: no such runner)."""
    found = db.execute(
        f"SELECT {_CARE_COLUMNS} FROM runners WHERE chat_id = ?", [chat_id]
    ).fetchone()
    return _care(found) if found else None


def due_follow_ups(db: Database, now: int, limit: int) -> list[RunnerCare]:
    """Runners whose daily follow-up is due (through the partial index on follow_up_at)."""
    cursor = db.execute(
        f"SELECT {_CARE_COLUMNS} FROM runners WHERE follow_up_at IS NOT NULL "
        "AND follow_up_at <= ? ORDER BY follow_up_at LIMIT ?",
        [now, limit],
    )
    return [_care(values) for values in cursor.fetchall()]


def save_hold(db: Database, chat_id: int, hold: Hold, *, now: int) -> None:
    """Store a runner's escalation hold in its columns."""
    update_runner(
        db,
        chat_id,
        now=now,
        hold_level=int(hold.level),
        running_paused=int(hold.running_paused),
        exercise_hold=int(hold.exercise_hold),
        follow_up_at=int(hold.follow_up_at.timestamp()) if hold.follow_up_at else None,
        follow_ups_sent=hold.follow_ups_sent,
    )


def language_of(db: Database, chat_id: int) -> str | None:
    """The runner's language (a shipped one), None when the chat is not a runner."""
    found = db.execute("SELECT language FROM runners WHERE chat_id = ?", [chat_id]).fetchone()
    return None if found is None else i18n.supported(found[0])


def runner_exists(db: Database, chat_id: int) -> bool:
    found = db.execute("SELECT 1 FROM runners WHERE chat_id = ?", [chat_id]).fetchone()
    return found is not None


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
    "strength_goal",
    "weekly_chart",
    "return_step",
    "return_awaiting",
    "return_offered_at",
}


def update_runner(db: Database, chat_id: int, *, now: int, **fields: Any) -> None:
    """Update named columns of one runner (times, day sets and datetimes are converted)."""
    unknown = set(fields) - _RUNNER_FIELDS
    if unknown:
        raise ValueError(f"unknown runner fields: {sorted(unknown)}")
    values: dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, dt.time):
            value = fmt_time(value)
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


def count_live_runners_by_language(db: Database) -> dict[str, int]:
    """Subscribed runners (active or paused) by the language they are written to in."""
    return {
        row["language"]: row["n"]
        for row in db.query(
            "SELECT language, COUNT(*) AS n FROM runners "
            "WHERE status IN ('active', 'paused') GROUP BY language"
        )
    }


def runners_by_id(db: Database, runner_ids: Iterable[int]) -> dict[int, Runner]:
    found: dict[int, Runner] = {}
    for part in chunks(sorted(set(runner_ids))):
        marks = ",".join("?" * len(part))
        cursor = db.execute(f"SELECT * FROM runners WHERE chat_id IN ({marks})", list(part))
        keys = [d[0] for d in cursor.description]
        for values in cursor.fetchall():
            runner = runner_from_row(dict(zip(keys, values, strict=True)))
            found[runner.chat_id] = runner
    return found


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


RUNNER_TABLES = (
    "schedule",
    "deliveries",
    "rotation",
    "checkins",
    "runner_levels",
    "programme_events",
    "education_sent",
)


def runner_export(db: Database, chat_id: int) -> dict[str, Any] | None:
    """Everything stored about one runner, as plain data; None if no runner is stored.

    ``{"settings": <the runners row>, <table>: [rows] for each of RUNNER_TABLES, "tip_titles":
    {tip id: title}}`` for the tips its reminders and education name. Every column of every
    table that holds the runner's data is here (``services/privacy`` decides what is shown and
    how): a table added to RUNNER_TABLES is exported, and erased, without another change."""
    runner = get_runner_row(db, chat_id)
    if runner is None:
        return None
    out: dict[str, Any] = {"settings": runner}
    for table in RUNNER_TABLES:
        out[table] = list(
            db.query(f"SELECT * FROM {table} WHERE runner_id = ? ORDER BY rowid", [chat_id])
        )
    tip_ids = sorted(
        {
            str(row["tip_id"])
            for table in ("deliveries", "education_sent")
            for row in out.get(table, ())
            if row.get("tip_id")
        }
    )
    titles: dict[str, str] = {}
    for part in chunks(tip_ids):
        marks = ",".join("?" * len(part))
        for tip_id, title in db.execute(
            f"SELECT id, title FROM tips WHERE id IN ({marks})", list(part)
        ).fetchall():
            titles[tip_id] = title
    out["tip_titles"] = titles
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
    # secure_delete (schema.connect) zeroed the rows in the pages just written; the WAL still
    # holds every earlier copy of those pages until a checkpoint. Copy the WAL back and empty
    # it now, so no trace stays in any file. A long reader (Litestream holds one while it
    # replicates, a large backup) keeps the checkpoint from finishing: wait a second for it,
    # not the 30 s busy timeout, and let SQLite's automatic checkpoints finish the job later.
    if not db.conn.in_transaction:
        with waiting_at_most(db, 1000):
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return removed


def wants_weekly_chart(db: Database, runner_id: int) -> bool:
    found = db.execute("SELECT weekly_chart FROM runners WHERE chat_id = ?", [runner_id]).fetchone()
    return bool(found is None or found[0] is None or found[0])


def on_exercise_hold(db: Database, runner_id: int) -> bool:
    found = db.execute(
        "SELECT exercise_hold FROM runners WHERE chat_id = ?", [runner_id]
    ).fetchone()
    return bool(found and found[0])


def live_runners(db: Database) -> list[Runner]:
    """Runners who can have planned instants: active, or paused until a known time."""
    rows = db.query(
        "SELECT * FROM runners WHERE status = 'active' "
        "OR (status = 'paused' AND paused_until IS NOT NULL)"
    )
    return [runner_from_row(row) for row in rows]


def count_active_runners(db: Database) -> int:
    row = db.execute("SELECT COUNT(*) FROM runners WHERE status = 'active'").fetchone()
    return int(row[0])

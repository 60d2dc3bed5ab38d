"""Queries on post-run check-ins and the escalation follow-ups they lead to."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlite_utils import Database

from bot.core.care import CheckIn, CheckInStatus, red_flags_of
from bot.core.progress import DayPain
from bot.core.triage import Level, Radiation
from bot.storage import admin as admin_db

_CHECKIN_COLUMNS = (
    "id, runner_id, delivery_id, day, status, step, asked_at, pain, radiation, red_flags, "
    "told_level, escalated_at, last_press_at, no_run"
)


def _checkin(values: tuple[Any, ...]) -> CheckIn:
    (
        checkin_id,
        runner_id,
        delivery_id,
        day,
        status,
        step,
        asked_at,
        pain,
        radiation,
        red_flags,
        told_level,
        escalated_at,
        last_press_at,
        no_run,
    ) = values
    return CheckIn(
        id=checkin_id,
        runner_id=runner_id,
        delivery_id=delivery_id,
        day=dt.date.fromisoformat(day) if day else None,
        status=CheckInStatus(status),
        step=step,
        asked_at=asked_at,
        pain=pain,
        radiation=Radiation(radiation) if radiation else None,
        red_flags=red_flags_of(json.loads(red_flags or "[]")),
        told_level=Level(int(told_level or 0)),
        escalated_at=escalated_at,
        last_press_at=last_press_at,
        no_run=bool(no_run),
    )


def get_checkin(db: Database, delivery_id: int) -> CheckIn | None:
    found = db.execute(
        f"SELECT {_CHECKIN_COLUMNS} FROM checkins WHERE delivery_id = ?", [delivery_id]
    ).fetchone()
    return _checkin(found) if found else None


def open_checkin(
    db: Database, runner_id: int, delivery_id: int, *, day: dt.date, asked_at: int
) -> CheckIn:
    """The check-in for this outbox row, created on the first answer (idempotent)."""
    db.execute(
        "INSERT OR IGNORE INTO checkins (runner_id, delivery_id, day, asked_at, step, status, "
        "red_flags) VALUES (?, ?, ?, ?, 'pain', 'open', '[]')",
        [runner_id, delivery_id, day.isoformat(), asked_at],
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


def checkin_history(db: Database, runner_id: int, since_day: dt.date) -> list[DayPain]:
    """Answered check-ins since `since_day` (the runner's local days), oldest first: the pain,
    whether they ran (not a "didn't run" check-in) and the verdict's level (0 if none)."""
    cursor = db.execute(
        "SELECT day, pain, no_run, level FROM checkins WHERE runner_id = ? "
        "AND status = 'answered' AND day >= ? AND pain IS NOT NULL ORDER BY day, answered_at",
        [runner_id, since_day.isoformat()],
    )
    return [
        DayPain(dt.date.fromisoformat(day), int(pain), ran=not no_run, level=int(level or 0))
        for day, pain, no_run, level in cursor.fetchall()
    ]


# How far back each expiry pass looks for check-in questions that were never opened: from
# where the last pass stopped (kept in ``meta``), less an hour in case a send's outcome was
# written late; the first pass looks back three days. Cost follows what is new, not history.
_EXPIRY_MARK = "checkins:expiry_swept_until"
_EXPIRY_OVERLAP = 3600
_EXPIRY_FIRST_LOOK = 3 * 86400


def _resume_from(db: Database, mark: str, until: int, overlap: int, whole_window: int) -> int:
    """Where an incremental pass up to `until` starts: where the last one stopped (`mark` in
    ``meta``) less `overlap`, or `whole_window` on the first pass or after the clock went
    back (the mark lies beyond `until`)."""
    swept = admin_db.get_meta(db, mark)
    if swept is not None and int(swept) <= until:
        return int(swept) - overlap
    return whole_window


def expire_checkins(db: Database, sent_before: int, *, limit: int = 1_000_000_000) -> int:
    """Check-ins asked before `sent_before` and never finished are recorded as unanswered:
    at most `limit` opened ones and `limit` never-opened questions in one transaction (after
    downtime a backlog of hundreds of thousands would hold the database for seconds). Returns
    how many; call again until it returns 0 (the mark moves only as far as it got)."""
    with db.atomic():
        opened = db.execute(
            "UPDATE checkins SET status = 'unanswered' WHERE id IN (SELECT id FROM checkins "
            "WHERE status = 'open' AND asked_at < ? LIMIT ?)",
            [sent_before, limit],
        ).rowcount
        since = _resume_from(
            db, _EXPIRY_MARK, sent_before, _EXPIRY_OVERLAP, sent_before - _EXPIRY_FIRST_LOOK
        )
        questions = db.execute(
            "SELECT runner_id, id, sent_at FROM deliveries INDEXED BY idx_deliveries_checkin_sent "
            "WHERE kind = 'check_in' AND status = 'sent' AND sent_at < ? AND sent_at >= ? "
            "AND NOT EXISTS (SELECT 1 FROM checkins c WHERE c.delivery_id = deliveries.id) "
            "ORDER BY sent_at LIMIT ?",
            [sent_before, since, limit],
        ).fetchall()
        db.conn.executemany(
            "INSERT OR IGNORE INTO checkins (runner_id, delivery_id, day, asked_at, step, status) "
            "VALUES (?, ?, NULL, ?, 'pain', 'unanswered')",
            questions,
        )
        # All read: the next pass starts here. Cut short: from the last one read (the overlap
        # and NOT EXISTS make a repeat harmless).
        reached = sent_before if len(questions) < limit else int(questions[-1][2])
        admin_db.set_meta(db, _EXPIRY_MARK, str(reached))
    return int(opened) + len(questions)


# Where the last unfinished-check-in pass stopped (its `quiet_since`), kept in ``meta``. Each
# pass reads only check-ins that fell quiet since, less an overlap for a press committed late.
_UNFINISHED_MARK = "checkins:unfinished_swept_until"
_UNFINISHED_OVERLAP = 120


def unfinished_checkins(db: Database, *, quiet_since: int, asked_since: int) -> list[CheckIn]:
    """Open check-ins asked since `asked_since` whose last press was before `quiet_since`
    and after the previous pass's (an index range: each is looked at about once, when it falls
    quiet, instead of at every tick for twelve hours). Records this pass; call it inside the
    sweep's transaction."""
    pressed_after = _resume_from(
        db, _UNFINISHED_MARK, quiet_since, _UNFINISHED_OVERLAP, asked_since
    )
    cursor = db.execute(
        f"SELECT {_CHECKIN_COLUMNS} FROM checkins INDEXED BY idx_checkins_quiet "
        "WHERE status = 'open' AND last_press_at > ? AND last_press_at <= ? "
        "AND asked_at >= ? AND pain IS NOT NULL",
        [pressed_after, quiet_since, asked_since],
    )
    found = [_checkin(values) for values in cursor.fetchall()]
    admin_db.set_meta(db, _UNFINISHED_MARK, str(quiet_since))
    return found


def has_open_checkin(db: Database, runner_id: int, since: int) -> bool:
    found = db.execute(
        "SELECT 1 FROM checkins WHERE runner_id = ? AND status = 'open' AND asked_at >= ? LIMIT 1",
        [runner_id, since],
    ).fetchone()
    return found is not None


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


def verdict_counts(db: Database) -> dict[int, int]:
    """Answered check-ins by the triage level of their verdict, all time (counts only; kept
    as verdicts are given, so a scrape reads a handful of rows)."""
    rows = db.execute("SELECT level, n FROM verdict_totals").fetchall()
    return {int(level): int(count) for level, count in rows}


def count_verdict(db: Database, level: int) -> None:
    """One more check-in answered with a verdict at `level` (in the verdict's transaction)."""
    db.execute(
        "INSERT INTO verdict_totals (level, n) VALUES (?, 1) "
        "ON CONFLICT (level) DO UPDATE SET n = n + 1",
        [level],
    )


def open_checkin_delivery(db: Database, chat_id: int, since: int) -> int | None:
    """The outbox id of the runner's latest open check-in asked since `since` (None: none), for
    `/checkin` and typed text to resume it."""
    found = db.execute(
        "SELECT delivery_id FROM checkins WHERE runner_id = ? AND status = 'open' "
        "AND asked_at >= ? ORDER BY asked_at DESC, id DESC LIMIT 1",
        [chat_id, since],
    ).fetchone()
    return int(found[0]) if found else None

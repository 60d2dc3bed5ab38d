"""Queries on the programme: levels per family, their history, education sent, return to run."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from bot.core.programme import FamilyLevel, LevelStep
from bot.storage.store import chunks


def levels_of(db: Database, runner_id: int) -> dict[str, FamilyLevel]:
    return levels_for(db, [runner_id]).get(runner_id, {})


def levels_for(db: Database, runner_ids: Iterable[int]) -> dict[int, dict[str, FamilyLevel]]:
    """Each runner's level per family they have started."""
    found: dict[int, dict[str, FamilyLevel]] = {}
    for chunk in chunks(list(runner_ids)):
        marks = ",".join("?" * len(chunk))
        for runner_id, family, level, streak, previous in db.execute(
            "SELECT runner_id, family, level, streak, previous FROM runner_levels "
            f"WHERE runner_id IN ({marks})",
            chunk,
        ):
            found.setdefault(runner_id, {})[family] = FamilyLevel(family, level, streak, previous)
    return found


def save_levels(
    db: Database, runner_id: int, levels: Iterable[FamilyLevel], *, now: int, changed: set[str]
) -> None:
    """Store levels; ``changed`` names the families whose level moved (their time is kept)."""
    rows: list[dict[str, Any]] = []
    for state in levels:
        row: dict[str, Any] = {
            "runner_id": runner_id,
            "family": state.family,
            "level": state.level,
            "streak": state.streak,
            "previous": state.previous,
        }
        if state.family in changed:
            row["changed_at"] = now
        rows.append(row)
    if rows:
        db.table("runner_levels").upsert_all(rows, pk=("runner_id", "family"))


def start_levels(db: Database, pairs: Iterable[tuple[int, str]]) -> None:
    """Level 1 for (runner, family) pairs met for the first time (kept if already started)."""
    db.conn.executemany(
        "INSERT OR IGNORE INTO runner_levels (runner_id, family, level, streak) "
        "VALUES (?, ?, 1, 0)",
        list(pairs),
    )


def shown(db: Database, pairs: Iterable[tuple[int, str]]) -> None:
    """A session showed these families' last change: don't announce it again."""
    db.conn.executemany(
        "UPDATE runner_levels SET previous = NULL WHERE runner_id = ? AND family = ?",
        list(pairs),
    )


def record_steps(db: Database, runner_id: int, steps: Iterable[LevelStep], *, now: int) -> None:
    db.table("programme_events").insert_all(
        [
            {
                "runner_id": runner_id,
                "at": now,
                "kind": step.change.value,
                "family": step.family,
                "from_level": step.from_level,
                "to_level": step.to_level,
                "reason": step.reason,
            }
            for step in steps
        ]
    )


def record_event(
    db: Database,
    runner_id: int,
    kind: str,
    *,
    now: int,
    from_level: int | None = None,
    to_level: int | None = None,
    reason: str | None = None,
) -> None:
    db.table("programme_events").insert(
        {
            "runner_id": runner_id,
            "at": now,
            "kind": kind,
            "family": None,
            "from_level": from_level,
            "to_level": to_level,
            "reason": reason,
        }
    )


def level_changes_since(
    db: Database, runner_id: int, since: int
) -> list[tuple[str, int, int, str]]:
    """(family, from, to, kind) of each up or back move since ``since``, oldest first."""
    return [
        (family, from_level, to_level, kind)
        for family, from_level, to_level, kind in db.execute(
            "SELECT family, from_level, to_level, kind FROM programme_events "
            "WHERE runner_id = ? AND at >= ? AND kind IN ('up', 'back') ORDER BY id",
            [runner_id, since],
        )
    ]


def education_sent(db: Database, runner_ids: Iterable[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for chunk in chunks(list(runner_ids)):
        marks = ",".join("?" * len(chunk))
        for runner_id, tip_id in db.execute(
            f"SELECT runner_id, tip_id FROM education_sent WHERE runner_id IN ({marks})", chunk
        ):
            found.setdefault(runner_id, set()).add(tip_id)
    return found


def mark_education(db: Database, pairs: Iterable[tuple[int, str]], *, now: int) -> None:
    db.conn.executemany(
        "INSERT OR IGNORE INTO education_sent (runner_id, tip_id, at) VALUES (?, ?, ?)",
        [(runner_id, tip_id, now) for runner_id, tip_id in pairs],
    )


def previous_pain(db: Database, runner_id: int, before_id: int) -> int | None:
    """The pain of the runner's last answered check-in before check-in ``before_id``."""
    row = db.execute(
        "SELECT pain FROM checkins WHERE runner_id = ? AND id < ? AND status = 'answered' "
        "AND pain IS NOT NULL ORDER BY id DESC LIMIT 1",
        [runner_id, before_id],
    ).fetchone()
    return None if row is None else int(row[0])


def return_state(db: Database, runner_id: int) -> tuple[int | None, int | None, int | None]:
    """(step, step awaiting the morning answer, last offer) of the return-to-run plan."""
    row = db.execute(
        "SELECT return_step, return_awaiting, return_offered_at FROM runners WHERE chat_id = ?",
        [runner_id],
    ).fetchone()
    return (None, None, None) if row is None else (row[0], row[1], row[2])


def sessions_done(db: Database, runner_id: int, since: int) -> int:
    """Strength sessions the runner marked Done since ``since`` (snoozed copies included)."""
    row = db.execute(
        "SELECT COUNT(*) FROM deliveries WHERE runner_id = ? AND kind = 'session' AND done_at >= ?",
        [runner_id, since],
    ).fetchone()
    return int(row[0])


def runs_checked_in(db: Database, runner_id: int, since_day: str, until_day: str) -> int:
    row = db.execute(
        "SELECT COUNT(*) FROM checkins WHERE runner_id = ? AND status = 'answered' "
        "AND no_run = 0 AND day >= ? AND day <= ?",
        [runner_id, since_day, until_day],
    ).fetchone()
    return int(row[0])

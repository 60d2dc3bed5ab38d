"""What the monitoring endpoints read from the database: counts only, never a runner's data."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from bot.storage import admin as admin_db
from bot.storage import checkins as checkins_db
from bot.storage import outbox as outbox_db


@dataclass(frozen=True)
class Counts:
    """What /metrics reads from the database when Prometheus scrapes."""

    queue_depth: dict[int, int]  # priority -> outbox rows waiting to be sent
    verdicts: dict[int, int]  # triage level -> check-ins answered with it, all time


def counts(database: Database) -> Counts:
    return Counts(
        queue_depth=outbox_db.queue_depth(database),
        verdicts=checkins_db.verdict_counts(database),
    )


def writable(database: Database) -> bool:
    """What /healthz asks: could a write transaction be opened just now?"""
    return admin_db.can_write(database)

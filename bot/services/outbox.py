"""The sender's side of the outbox: leasing sendable rows, recording what happened to them,
handing leases back, a runner who blocked the bot, and the check-ins that expired unanswered.

Leased rows are ``Delivery`` records and outcomes ``Outcome`` records (``bot.core.models``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from sqlite_utils import Database

from bot.core.models import Delivery, Outcome
from bot.services.delivery import CHECK_IN_EXPIRY
from bot.storage import checkins as checkins_db
from bot.storage import outbox as outbox_db
from bot.storage import runners as runners_db
from bot.storage import store

log = logging.getLogger(__name__)


def lease(
    database: Database, now: int, owner: str, limit: int, *, max_priority: int | None = None
) -> list[Delivery]:
    """Take up to `limit` sendable rows, most urgent first, marked as being sent by `owner`
    (with `max_priority`: only rows that urgent)."""
    return outbox_db.lease_pending(database, now, owner, limit, max_priority=max_priority)


def release_stale(database: Database, owner: str) -> int:
    """Rows another (dead) process was sending go back to the queue. Returns how many."""
    return outbox_db.release_stale_leases(database, owner)


def release_own(database: Database, owner: str) -> int:
    """Rows this sender still holds (in flight past the stop timeout) go back to the queue."""
    return outbox_db.release_own_leases(database, owner)


def record(database: Database, outcomes: Sequence[Outcome]) -> None:
    """Write what happened to each leased row, in one transaction."""
    outbox_db.record_outcomes(database, outcomes)


def runner_blocked(database: Database, runner_id: int, now: int) -> None:
    """Telegram said 403 (or chat not found): stop everything for this runner, keep their data."""
    runners_db.mark_blocked(database, runner_id, now)


EXPIRY_BATCH = 5000  # rows a transaction; the tick calls again until nothing is left


def expire_checkins(database: Database, now: dt.datetime, *, limit: int = EXPIRY_BATCH) -> int:
    """Check-ins asked more than CHECK_IN_EXPIRY ago and never answered are closed, at most
    `limit` (of each kind) in this transaction. Returns how many; 0 when none are left."""
    return checkins_db.expire_checkins(
        database, int((now - CHECK_IN_EXPIRY).timestamp()), limit=limit
    )


PRUNE_BATCH = 5_000  # rows one tick deletes at most: a short transaction, replies go on


def prune_delivered(
    database: Database, now: dt.datetime, *, retention: dt.timedelta
) -> list[tuple[int, bool]]:
    """A tick sweep: outbox rows finished more than `retention` ago are deleted, a batch a
    tick (about 255 bytes a send would otherwise pile up for ever). Check-ins are health
    history and stay until the runner's /delete. Changes no hold: returns nothing."""
    with store.immediate(database):
        first_kept = outbox_db.first_id_since(
            database, "deliveries", "created_at", int((now - retention).timestamp())
        )
        removed = outbox_db.prune_before(database, first_kept, PRUNE_BATCH)
    if removed:
        log.info("pruned %d outbox row(s) older than %d day(s)", removed, retention.days)
    return []

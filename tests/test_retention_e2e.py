"""Outbox rows are pruned after RETENTION_DAYS; check-ins stay as health history (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage import outbox as outbox_db
from bot.storage import runners as runners_db
from bot.storage import schema
from bot.testing.botapi import FakeBotApi
from tests.conftest import BotFactory, FakeClock, ticks
from tests.test_delivery_e2e import add_runners

RUNNER = 8301
DAY = 86_400


def _queue(path: Path, rows: list[tuple[str, int, str]]) -> None:
    """Outbox rows (slot id, created at, status) in the order given, as the tick writes them."""
    database = schema.connect(path)
    with database.conn:
        for slot_id, created_at, status in rows:
            row = outbox_db.NewDelivery(
                RUNNER, slot_id, created_at, "tip", 5, created_at=created_at, status=status
            )
            outbox_db.insert_deliveries(database, [row])
    database.conn.close()


def _slots(path: Path, table: str = "deliveries") -> list[str]:
    database = schema.connect(path)
    column = "slot_id" if table == "deliveries" else "step"
    found = [str(r[0]) for r in database.execute(f"SELECT {column} FROM {table} ORDER BY id")]
    database.conn.close()
    return found


@pytest.mark.e2e
async def test_finished_outbox_rows_go_after_the_retention_period_and_check_ins_stay(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    now = int(clock().timestamp())
    _queue(
        path,
        [
            ("old_sent", now - 100 * DAY, "sent"),
            ("old_dropped", now - 95 * DAY, "dropped"),
            ("old_failed", now - 91 * DAY, "failed"),
            ("recent_sent", now - 89 * DAY, "sent"),
            ("yesterday", now - DAY, "sent"),
        ],
    )
    database = schema.connect(path)
    with database.conn:
        database.execute(
            "INSERT INTO checkins (runner_id, delivery_id, day, status, step, asked_at, pain) "
            "VALUES (?, 1, '2026-02-21', 'answered', 'done', ?, 3)",
            [RUNNER, now - 100 * DAY],
        )
    database.conn.close()
    async with start_bot(RETENTION_DAYS="90") as app:
        await ticks(api, app)
    assert _slots(path) == ["recent_sent", "yesterday"]
    assert _slots(path, "checkins") == ["done"]  # a 100-day-old answer is still history


def test_pruning_never_touches_rows_still_to_send(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    database = schema.connect(path)
    runners_db.create_runner(database, RUNNER, now=0)
    database.conn.commit()
    database.conn.close()
    _queue(
        path,
        [
            ("a", 1_000, "sent"),
            ("b", 1_001, "pending"),
            ("c", 1_002, "sending"),
            ("d", 1_003, "dropped"),
            ("e", 1_004, "failed"),
            ("f", 9_999, "sent"),
        ],
    )
    database = schema.connect(path)
    first_kept = outbox_db.first_id_since(database, "deliveries", "created_at", 5_000)
    assert outbox_db.prune_before(database, first_kept, limit=2) == 2  # a batch at a time
    assert outbox_db.prune_before(database, first_kept, limit=2) == 1
    assert outbox_db.prune_before(database, first_kept, limit=2) == 0
    database.conn.commit()
    database.conn.close()
    assert _slots(path) == ["b", "c", "f"]

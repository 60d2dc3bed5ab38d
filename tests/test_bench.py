"""The host benchmark's set-up stays in step with the bot (the benchmark itself is not a test):
its population is planned by the bot's planner, nothing comes due by itself, each phase's rows
become due exactly as it asks, and start-up finds every schedule complete."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bench.host import make_due, populate
from bot.services.delivery import claim_due, schedule_missing
from bot.storage import schema

NOW = dt.datetime(2026, 6, 1, 6, 0, tzinfo=dt.UTC)
GRACE = dt.timedelta(hours=2)


def test_population_is_quiet_until_a_phase_makes_rows_due(tmp_path: Path) -> None:
    path = tmp_path / "bench.db"
    populate(path, 600, NOW)
    database = schema.connect(path)
    try:
        assert schedule_missing(database, NOW) == 0  # the bot planned everyone, as on a host
        assert claim_due(database, NOW + dt.timedelta(hours=1), grace=GRACE).advanced == 0
        at = int((NOW + dt.timedelta(hours=1, seconds=5)).timestamp())
        assert make_due(path, ("warm_up",), range(1, 201), at) == 200
        claimed = claim_due(database, NOW + dt.timedelta(hours=1, seconds=6), grace=GRACE)
        assert (claimed.queued, claimed.advanced) == (200, 200)
    finally:
        database.conn.close()

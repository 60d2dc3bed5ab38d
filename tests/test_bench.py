"""The benchmark's set-up stays in step with the schema (the benchmark itself is not a test)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bench.delivery import CLAIM_AT, DUE_RUNNERS, populate
from bot.services.delivery import claim_due
from bot.storage import schema


def test_populate_makes_exactly_the_due_runners_due(tmp_path: Path) -> None:
    path = tmp_path / "bench.db"
    populate(path, DUE_RUNNERS + 500)
    database = schema.connect(path)
    result = claim_due(database, CLAIM_AT + dt.timedelta(seconds=1), grace=dt.timedelta(hours=2))
    assert (result.queued, result.advanced) == (DUE_RUNNERS, DUE_RUNNERS)

"""Stats: counts only, never a runner's answers or identity."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlite_utils import Database

from bot.core import i18n
from bot.core.models import (
    RunnerStatus,
)
from bot.services.admin.common import _ts
from bot.storage import checkins as checkins_db
from bot.storage import outbox as outbox_db
from bot.storage import runners as runners_db

__all__ = ["Stats", "stats"]


@dataclass(frozen=True)
class Stats:
    runners: dict[str, int]
    sent_today: int
    sent_week: int
    dropped_today: int
    dropped_week: int
    checkins_week: int
    escalations_week: dict[int, int]  # verdict level (2 and up) -> count
    tips_week: int
    done_week: int
    languages: dict[str, int] = field(default_factory=dict)  # subscribed runners by language

    @property
    def done_rate(self) -> float | None:
        return self.done_week / self.tips_week if self.tips_week else None


def stats(database: Database, now: dt.datetime) -> Stats:
    """Counts for today and this week (UTC days; the week starts on Monday)."""
    day = dt.datetime.combine(now.astimezone(dt.UTC).date(), dt.time(0, 0), dt.UTC)
    week = day - dt.timedelta(days=day.weekday())
    day_ts, week_ts = _ts(day), _ts(week)
    # Rows that count this week were written at most a couple of days before it began
    # (grace periods, retries, check-ins answered late), so start reading there.
    first_delivery = outbox_db.first_id_since(
        database, "deliveries", "created_at", week_ts - 2 * 86400
    )
    first_checkin = outbox_db.first_id_since(database, "checkins", "asked_at", week_ts - 5 * 86400)
    counts = outbox_db.delivery_stats(
        database, first_id=first_delivery, day_start=day_ts, week_start=week_ts
    )
    answered, escalations = checkins_db.checkin_stats(
        database, first_id=first_checkin, week_start=week_ts
    )
    runners = {status.value: 0 for status in RunnerStatus}
    runners.update(runners_db.count_runners_by_status(database))
    by_language = runners_db.count_live_runners_by_language(database)
    return Stats(
        runners=runners,
        sent_today=counts.sent_today,
        sent_week=counts.sent_week,
        dropped_today=counts.dropped_today,
        dropped_week=counts.dropped_week,
        checkins_week=answered,
        escalations_week=escalations,
        tips_week=counts.tips_week,
        done_week=counts.done_week,
        languages={code: by_language.get(code, 0) for code in i18n.LANGUAGES},
    )

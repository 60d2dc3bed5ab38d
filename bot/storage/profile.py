"""The runner's profile answers (onboarding and /settings), read as one typed ``Profile``.

The columns live in the ``runners`` table (``schema.py`` owns the schema, ``runners.py``
``update_runner``); this module only decodes what the questions need, and holds the one
statement of its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlite_utils import Database

from bot.core.models import Runner, RunnerStatus
from bot.core.triage import RiskFactor
from bot.storage import runners as runners_db


@dataclass(frozen=True)
class Profile:
    """A runner's answers; None marks a question not answered yet."""

    runner: Runner
    timezone: str | None
    country: str | None  # ISO code; "" = asked and skipped; None = not asked
    run_time: str | None  # "HH:MM"
    tip_time: str | None
    age_band: str | None
    risk_factors: frozenset[RiskFactor] | None  # as stored (no age factors added); None = not asked
    risk_declined: bool
    # The question last put to the runner (a conversation step); "" = none open; None = not
    # recorded (a runner from before it was kept).
    asked: str | None = None
    weekly_chart: bool = True  # the weekly summary includes the chart picture

    @property
    def chat_id(self) -> int:
        return self.runner.chat_id

    @property
    def onboarding(self) -> bool:
        return self.runner.status is RunnerStatus.ONBOARDING


def _factors(stored: str | None) -> frozenset[RiskFactor] | None:
    if stored is None:
        return None
    found: set[RiskFactor] = set()
    for value in json.loads(stored or "[]"):
        try:
            found.add(RiskFactor(value))
        except ValueError:
            continue  # a code from a newer or older release: ignore it
    return frozenset(found)


def get_profile(database: Database, chat_id: int) -> Profile | None:
    row = runners_db.get_runner_row(database, chat_id)
    if row is None:
        return None
    return Profile(
        runner=runners_db.runner_from_row(row),
        timezone=row["timezone"] or None,
        country=row.get("country"),
        run_time=row["run_time"] or None,
        tip_time=row["tip_time"] or None,
        age_band=row.get("age_band") or None,
        risk_factors=_factors(row.get("risk_factors")),
        risk_declined=bool(row.get("risk_declined")),
        asked=_asked(row.get("onboarding_step")),
        weekly_chart=row.get("weekly_chart") != 0,  # 1 unless opted out
    )


# The question last asked lives in the ``onboarding_step`` column (m001: "the question an
# unfinished onboarding is waiting on"), which older releases wrote bare and then stopped
# updating. Values written now carry this prefix; a bare (legacy, possibly stale) one is ignored.
_ASKED_PREFIX = "asked:"


def _asked(stored: str | None) -> str | None:
    if stored and stored.startswith(_ASKED_PREFIX):
        return stored.removeprefix(_ASKED_PREFIX)
    return None


def record_asked(database: Database, chat_id: int, step: str | None, *, now: int) -> None:
    """Record the question about to be put to the runner (None: no question open)."""
    runners_db.update_runner(
        database, chat_id, now=now, onboarding_step=_ASKED_PREFIX + (step or "")
    )


def finish_risk(database: Database, chat_id: int, *, now: int) -> None:
    """The risk question answered: not declined, and an empty list if nothing was ticked."""
    database.execute(
        "UPDATE runners SET risk_declined = 0, "
        "risk_factors = COALESCE(NULLIF(risk_factors, ''), '[]'), updated_at = ? "
        "WHERE chat_id = ?",
        [now, chat_id],
    )

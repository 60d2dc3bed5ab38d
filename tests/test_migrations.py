"""Migrations are frozen history: a database made by an earlier release upgrades with its data
intact. Each fixture under tests/fixtures/ is an SQL dump made by that release's code."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.config import Settings
from bot.services import languages
from bot.services.runtime import seed_translations_if_needed
from bot.storage import checkins as checkins_db
from bot.storage import content as content_db
from bot.storage import programme as programme_db
from bot.storage import runners as runners_db
from bot.storage import schema

FIXTURES = Path(__file__).parent / "fixtures"


def _restore(dump: Path, target: Path) -> None:
    conn = sqlite3.connect(target)
    conn.executescript(dump.read_text(encoding="utf-8"))
    conn.close()


def test_a_database_from_the_m001_release_upgrades_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _restore(FIXTURES / "schema_m001.sql", path)
    database = schema.connect(path)  # applies every later migration
    try:
        applied = [r["name"] for r in database.query("SELECT name FROM _sqlite_migrations")]
        assert applied == [
            "m001_initial",
            "m002_clinical_safety",
            "m003_scale",
            "m004_programme",
            "m005_languages",
        ]
        runner = runners_db.get_runner_row(database, 4242)
        assert runner is not None
        # Old data kept...
        assert (runner["timezone"], runner["run_days"], runner["running_paused"]) == (
            "Europe/London",
            "0,2,4",
            1,
        )
        # ...and the new columns start as "not asked" / "no hold".
        assert runner["country"] is None and runner["risk_factors"] is None
        assert (runner["exercise_hold"], runner["hold_level"], runner["follow_up_at"]) == (
            0,
            0,
            None,
        )
        (checkin,) = database.query("SELECT * FROM checkins")
        assert (checkin["pain"], checkin["level"], checkin["told_level"]) == (5, 2, None)
        assert runners_db.runner_from_row(runner).exercise_hold is False
        # m003 counted the verdicts given so far once, for /metrics.
        assert checkins_db.verdict_counts(database) == {2: 1}
    finally:
        database.conn.close()


def test_a_database_from_the_m003_release_upgrades_to_the_programme(tmp_path: Path) -> None:
    path = tmp_path / "m003.db"
    _restore(FIXTURES / "schema_m003.sql", path)
    database = schema.connect(path)
    try:
        applied = [r["name"] for r in database.query("SELECT name FROM _sqlite_migrations")]
        assert applied[-2:] == ["m004_programme", "m005_languages"]
        runner = runners_db.get_runner(database, 4343)
        assert runner is not None
        # Old settings kept; the weekly goal starts at two, the chart on, no return plan.
        assert (runner.timezone, runner.run_days, runner.strength_goal) == (
            "Europe/Madrid",
            frozenset({1, 3, 5}),
            2,
        )
        assert runner.return_step is None and runners_db.wants_weekly_chart(database, 4343)
        # Tips keep their content; until the next import they have no family and their id
        # order as position, so the rotation keeps its old order.
        tips = content_db.load_tips(database)
        assert len(tips) == 122 and all(t.family == "" and t.level == 0 for t in tips)
        core = [t for t in tips if t.category == "core_strength"]
        assert [t.id for t in core] == sorted(t.id for t in core)
        assert [t.position for t in core] == list(range(len(core)))
        # The history is still there, and the new tables are empty.
        (done,) = database.query("SELECT done_at FROM deliveries")
        assert done["done_at"] == 1780100100
        assert programme_db.levels_of(database, 4343) == {}
        assert programme_db.level_changes_since(database, 4343, 0) == []
    finally:
        database.conn.close()


def test_a_database_from_the_m004_release_upgrades_to_the_languages(tmp_path: Path) -> None:
    path = tmp_path / "m004.db"
    _restore(FIXTURES / "schema_m004.sql", path)
    database = schema.connect(path)
    try:
        applied = [r["name"] for r in database.query("SELECT name FROM _sqlite_migrations")]
        assert applied[-1] == "m005_languages"
        # Telegram's tags as they came become the language BackStride writes in.
        assert runners_db.language_of(database, 5151) == "es"  # was es-419
        assert runners_db.language_of(database, 7272) == "ru"
        runner = runners_db.get_runner(database, 5151)
        assert runner is not None and runner.timezone == "Europe/Madrid"
        # The tips are there, their translations not yet: the next start copies them.
        assert len(content_db.load_tips(database)) == 129
        assert content_db.load_tip_texts(database) == []
        schedules = Path(__file__).parents[1] / "schedules"
        settings = Settings(bot_token="1:x", schedules_dir=schedules, database_path=path)
        copied = seed_translations_if_needed(database, settings)
        assert copied == 2 * 129 and seed_translations_if_needed(database, settings) == 0
        tip = languages.tip_in(database, "warm-easy-start", "es")
        assert tip is not None and tip.title.startswith("🔥 ") and "minutos" in tip.body
        assert tip.category == "warm_up" and tip.source  # the rest is the English tip's
    finally:
        database.conn.close()


def test_a_runner_language_that_is_not_shipped_reads_as_english(tmp_path: Path) -> None:
    database = schema.connect(tmp_path / "new.db")
    try:
        runners_db.create_runner(database, 1, language="pt-br", now=0)
        database.execute("UPDATE runners SET language = 'pt-br' WHERE chat_id = 1")
        assert runners_db.language_of(database, 1) == "en"
        assert runners_db.language_of(database, 2) is None
    finally:
        database.conn.close()


def test_upgrading_twice_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _restore(FIXTURES / "schema_m001.sql", path)
    schema.connect(path).conn.close()
    database = schema.connect(path)
    try:
        names = [r["name"] for r in database.query("SELECT name FROM _sqlite_migrations")]
        assert names.count("m002_clinical_safety") == 1
    finally:
        database.conn.close()

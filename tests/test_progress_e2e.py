"""End to end: /progress sends the chart of the worst pain each day, with runs and verdicts,
and a caption about the same figure."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.core.progress import DayPain
from bot.storage import schema
from bot.telegram.chart import render_chart
from bot.testing.botapi import FakeBotApi
from tests.conftest import BotFactory, FakeClock
from tests.test_checkin_e2e import answer_checkin
from tests.test_delivery_e2e import add_runners

RUNNER = 7301


def add_checkins(path: Path, rows: list[tuple[str, int, int, int]]) -> None:
    """(day, pain, no_run, level) answered check-ins straight into the database."""
    database = schema.connect(path)
    for n, (day, pain, no_run, level) in enumerate(rows):
        database.execute(
            "INSERT INTO checkins (runner_id, delivery_id, day, asked_at, answered_at, step, "
            "pain, radiation, red_flags, level, status, no_run) "
            "VALUES (?, ?, ?, 0, 0, 'done', ?, 'none', '[]', ?, 'answered', ?)",
            [RUNNER, -1 - n, day, pain, level, no_run],
        )
    database.conn.commit()
    database.conn.close()


async def test_progress_caption_and_chart_show_the_worst_pain_of_each_day(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    # Today is Mon 1 Jun in Berlin. 28 May: a 7/10 flare and a 1/10 later (worst 7);
    # 30 May: didn't run, a see-a-clinician verdict.
    add_checkins(
        path,
        [("2026-05-28", 7, 0, 1), ("2026-05-28", 1, 0, 0), ("2026-05-30", 4, 1, 2)],
    )
    async with start_bot():
        api.send_command(RUNNER, "/progress")
        photo = await api.next_message(RUNNER, timeout=30)
    assert photo.kind == "photo" and photo.file is not None
    assert "3 check-ins answered" in photo.text
    # Days 7 and 4: the caption's figure is the chart's, not the mean of the answers (4.0).
    assert "Worst pain of the day: 5.5/10 on average" in photo.text
    assert "Highest: 7/10" in photo.text
    expected = [
        DayPain(dt.date(2026, 5, 28), 7, ran=True, level=1),
        DayPain(dt.date(2026, 5, 28), 1, ran=True, level=0),
        DayPain(dt.date(2026, 5, 30), 4, ran=False, level=2),
    ]
    assert photo.file == render_chart(expected, dt.date(2026, 6, 1))


async def test_progress_after_answering_check_ins(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    add_runners(api, tmp_path / "bot.db", [RUNNER], clock())
    async with start_bot():
        for pain in ("2", "3"):
            await answer_checkin(api, pain, "Back only", "None of these", chat_id=RUNNER)
        api.send_command(RUNNER, "/progress")
        photo = await api.next_message(RUNNER, timeout=30)
    assert photo.kind == "photo"
    assert "2 check-ins answered" in photo.text
    assert "Worst pain of the day: 3.0/10 on average" in photo.text
    assert "Average pain" not in photo.text

"""The programme end to end, the real bot against the local Bot API server: levels that move
up after three Done sessions, hold after a sore check-in and step back after a verdict to see a
clinician; a weekly goal of two met and reported with the week's chart; education once each in
order; the return-to-run plan step by step."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.core.content import load_schedules
from bot.core.planner import SUMMARY_SPREAD_MINUTES
from bot.core.programme import families_of
from bot.storage import programme as programme_db
from bot.storage import schema
from bot.testing.botapi import BotMessage, FakeBotApi
from tests.conftest import REPO, BotFactory, FakeClock, ticks
from tests.test_checkin_e2e import answer_checkin, toggle
from tests.test_delivery_e2e import add_runners

RUNNER = 7301  # Berlin, runs Mon/Wed/Fri at 07:00, tips at 08:00, goal 2: Tue and Sat
UTC = dt.UTC
TIP_HOUR_UTC = 6  # 08:00 in Berlin in June


def _at(day: int, hour: int = TIP_HOUR_UTC, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 6, day, hour, minute, 1, tzinfo=UTC)


def _summary(day: int) -> dt.datetime:
    """Sunday's summary time for RUNNER: 18:00 Berlin plus the runner's spread."""
    spread = dt.timedelta(minutes=RUNNER % SUMMARY_SPREAD_MINUTES)
    return dt.datetime(2026, 6, day, 16, 0, 1, tzinfo=UTC) + spread


async def until(api: FakeBotApi, needle: str, chat_id: int = RUNNER) -> BotMessage:
    """The next message containing `needle`, skipping the day's other messages."""
    while True:
        message = await api.next_message(chat_id, timeout=5)
        if needle in message.text:
            return message


async def settled(api: FakeBotApi, chat_id: int = RUNNER) -> None:
    """Updates from one chat are handled in order: once /help is answered, the handler of
    every earlier update has finished (its reschedule included) before the clock moves."""
    api.send_command(chat_id, "/help")
    await until(api, "BackStride commands", chat_id)


def _families() -> list[str]:
    library = load_schedules(REPO / "schedules")
    return list(families_of(library.tips, ["core_strength", "hips_glutes"]).order)


def _levels(path: Path) -> dict[str, tuple[int, int]]:
    database = schema.connect(path)
    try:
        return {f: (s.level, s.streak) for f, s in programme_db.levels_of(database, RUNNER).items()}
    finally:
        database.conn.close()


async def test_three_done_sessions_move_up_and_two_meet_the_weekly_goal(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    first = _families()[0]
    async with start_bot():
        # Five families, three a session: the first comes in sessions 1, 2, 4 and 6.
        days = [2, 6, 9, 13, 16, 20]  # Tue, Sat, Tue, Sat, Tue, Sat
        sessions = []
        for number, day in enumerate(days, start=1):
            clock.set(_at(day))
            session = await until(api, "Strength session")
            sessions.append(session)
            assert session.button_texts() == ["✅ Done", "⏰ Snooze 1 h"]
            assert f"session {1 if number % 2 else 2} of 2 this week" in session.text
            if number <= 4:
                api.press(RUNNER, "✅ Done", message_id=session.message_id)
                if number == 4:
                    moved = await until(api, "Next session")
                    assert "level 2 of" in moved.text and "3 sessions with a quiet back" in (
                        moved.text
                    )
                else:
                    pressed = session.message_id
                    await api.wait_for(
                        lambda pressed=pressed: not api.message(RUNNER, pressed).button_texts()
                    )
            if number in (2, 4):
                # Sunday evening: the week's summary, with its chart as a photo.
                clock.set(_summary(7 if number == 2 else 14))
                summary = await until(api, "Your week")
                assert summary.kind == "photo" and summary.file is not None
                assert summary.file.startswith(b"\x89PNG")
                assert "2 of 2 strength sessions" in summary.text
                if number == 4:
                    assert "up to level 2" in summary.text
        assert _levels(path)[first][0] == 2
        # The first session showed level 1 and how many Done sessions to go.
        assert "level 1 of" in sessions[0].text and "3 more Done sessions to move up" in (
            sessions[0].text
        )
        # Session 6 has the first family again, at level 2, and says what changed, once.
        assert "new: up from level 1" in sessions[5].text
        assert "new: up" not in sessions[4].text


async def test_a_sore_check_in_holds_and_a_clinician_verdict_steps_back(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    first = _families()[0]
    database = schema.connect(path)
    database.execute(
        "INSERT INTO runner_levels (runner_id, family, level, streak) VALUES (?, ?, 2, 2)",
        [RUNNER, first],
    )
    database.conn.commit()
    database.conn.close()
    async with start_bot():
        verdict = await answer_checkin(api, "4", "Back only", "None of these", chat_id=RUNNER)
        held = await until(api, "stay at their level")
        assert held.text.startswith("⏸"), verdict.text
        assert _levels(path)[first] == (2, 0)
        # Two Done sessions again, then a check-in that sends the runner to a clinician.
        await answer_checkin(api, "2", "Below the knee", "None of these", chat_id=RUNNER)
        stepped = await until(api, "step back one level")
        assert "level 1" in stepped.text
        assert _levels(path)[first] == (1, 0)
        await settled(api)
        clock.set(_at(2))
        session = await until(api, "Strength session")
        assert "back from level 2" in session.text


async def test_education_comes_once_each_in_order_on_quiet_days(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    lessons = [
        t.title
        for t in load_schedules(REPO / "schedules").tips
        if t.category == "education" and t.active
    ]
    assert len(lessons) == 6
    seen: list[str] = []
    async with start_bot() as app:
        # Runs Mon/Wed/Fri and sessions Tue/Sat: the quiet days are Thursday and Sunday.
        for day in (4, 7, 11, 14, 18, 21, 25, 28):  # four weeks of Thursdays and Sundays
            clock.set(_at(day))
            await ticks(api, app)
            for message in api.unread(RUNNER):
                if "Why it matters" in message.text:
                    seen.append(message.text)
            api.mark_read(RUNNER)
    assert len(seen) == 6, seen
    for number, (text, title) in enumerate(zip(seen, lessons, strict=True), start=1):
        assert text.startswith(f"Why it matters · {number} of 6"), text
        assert title in text
    database = schema.connect(path)
    try:
        sent = [r["tip_id"] for r in database.query("SELECT tip_id FROM education_sent")]
    finally:
        database.conn.close()
    assert len(sent) == len(set(sent)) == 6


async def test_another_tip_follows_the_files_order(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    warm_ups = [t.title for t in load_schedules(REPO / "schedules").tips if t.category == "warm_up"]
    async with start_bot():
        clock.set(dt.datetime(2026, 6, 1, 4, 30, 1, tzinfo=UTC))  # Monday 06:30 in Berlin
        warm_up = await until(api, "Your run is in 30 minutes (07:00)")
        # Beginner first: the file's first warm-up, then "Another tip" gives the second.
        assert warm_ups[0] in warm_up.text
        api.press(RUNNER, "🔄 Another tip", message_id=warm_up.message_id)
        another = await until(api, warm_ups[1])
        assert "Your run is in" not in another.text  # asked for now: no why-now line


async def test_the_return_to_run_plan_step_by_step(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    async with start_bot() as app:

        async def quiet() -> None:
            """The day's other reminders are out; only what follows is read."""
            await ticks(api, app)
            api.mark_read(RUNNER)

        # A sore run (SELF_CARE): the plan is offered the next morning.
        await answer_checkin(api, "4", "Back only", "None of these", chat_id=RUNNER)
        await settled(api)
        clock.set(_at(2, hour=7))  # Tuesday 09:00 in Berlin
        offer = await until(api, "Back to running, step by step")
        assert offer.button_texts() == ["Start the plan", "Not now"]
        api.press(RUNNER, "Start the plan", message_id=offer.message_id)
        plan = await until(api, "Your return-to-run plan")
        assert "You're on step 1" in plan.text and "not a diagnosis" in plan.text
        # Wednesday's warm-up says which step today's run is.
        clock.set(dt.datetime(2026, 6, 3, 4, 30, 1, tzinfo=UTC))
        warm_up = await until(api, "Your run is in 30 minutes")
        assert "Return-to-run step 1 of 6: a brisk 20-30 minute walk" in warm_up.text
        await quiet()
        # The run at 2/10 passes, pending the morning; settled, step 2 unlocks.
        await answer_checkin(api, "2", "Back only", "None of these", chat_id=RUNNER)
        passed = await until(api, "Step 1 done at 2/10")
        assert "step 2 unlocks" in passed.text
        await settled(api)
        clock.set(_at(4, hour=7))  # Thursday 09:00
        morning = await until(api, "How's your back after yesterday's step 1?")
        api.press(RUNNER, "Settled", message_id=morning.message_id)
        unlocked = await until(api, "Step 2 unlocked")
        assert "walk 4 min, jog 1 min" in unlocked.text
        await quiet()
        # A run at 5/10 on step 2 goes back a step.
        await answer_checkin(api, "5", "Back only", "None of these", chat_id=RUNNER)
        back = await until(api, "back to step 1")
        assert "5/10" in back.text
        # Back to step 1, the run at 1/10, but still sore the next morning: stay on step 1.
        await answer_checkin(api, "1", "Back only", "None of these", chat_id=RUNNER)
        await until(api, "Step 1 done at 1/10")
        await settled(api)
        clock.set(_at(5, hour=7))  # Friday 09:00
        morning = await until(api, "How's your back after yesterday's step 1?")
        api.press(RUNNER, "Still sore", message_id=morning.message_id)
        stay = await until(api, "Stay on step 1")
        assert "until your back settles" in stay.text
        # The answered question's buttons are gone: one answer a morning.
        assert api.message(RUNNER, morning.message_id).button_texts() == []
    database = schema.connect(path)
    try:
        kinds = [r["kind"] for r in database.query("SELECT kind FROM programme_events")]
        step = database.execute("SELECT return_step FROM runners").fetchone()[0]
    finally:
        database.conn.close()
    assert kinds == ["return_start", "return_up", "return_back", "return_stay"]
    assert step == 1


async def test_after_an_urgent_verdict_nothing_of_the_programme_goes_out(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    """On the plan with a step waiting for the morning, and a session due: a fever ticked
    that evening (see a doctor today) withdraws the morning question and holds the sessions
    and lessons until a clinician has cleared the runner; the plan starts again from the walk."""
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    database = schema.connect(path)
    database.execute("UPDATE runners SET return_step = 2 WHERE chat_id = ?", [RUNNER])
    database.conn.commit()
    database.conn.close()
    async with start_bot() as app:
        await answer_checkin(api, "2", "Back only", "None of these", chat_id=RUNNER)
        await until(api, "Step 2 done at 2/10")
        first = await answer_checkin(api, "3", "Back only", chat_id=RUNNER)
        assert "None of these" in first.button_texts()
        await toggle(api, "Fever", chat_id=RUNNER)
        urgent = await until(api, "doctor today")
        assert "not a diagnosis" in urgent.text
        await settled(api)
        api.mark_read(RUNNER)
        # Tuesday: the morning question (09:00) and the session (08:00) would be due.
        for hour in (6, 7, 9):
            clock.set(_at(2, hour=hour))
            await ticks(api, app)
        # Thursday: a lesson would be due on a quiet day.
        clock.set(_at(4))
        await ticks(api, app)
        sent = [m.text for m in api.unread(RUNNER)]
    assert not [t for t in sent if "Strength session" in t or "step" in t.lower()], sent
    assert not [t for t in sent if "Why it matters" in t], sent
    database = schema.connect(path)
    try:
        morning = list(
            database.query("SELECT status, reason FROM deliveries WHERE kind = 'return_morning'")
        )
        step = database.execute("SELECT return_step FROM runners").fetchone()[0]
    finally:
        database.conn.close()
    assert morning == [{"status": "dropped", "reason": "exercise_hold"}]
    assert step == 1


async def test_returntorun_starts_the_plan_and_it_can_be_left(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    async with start_bot():
        api.send_command(RUNNER, "/returntorun")
        plan = await until(api, "Your return-to-run plan")
        assert plan.button_texts() == ["Leave the plan"]
        api.send_command(RUNNER, "/returntorun")  # on the plan: shows where the runner is
        again = await until(api, "You're on step 1")
        api.press(RUNNER, "Leave the plan", message_id=again.message_id)
        left = await until(api, "you've left the return-to-run plan")
        assert "/returntorun starts it again" in left.text
        await settled(api)
    database = schema.connect(path)
    try:
        step = database.execute("SELECT return_step FROM runners").fetchone()[0]
    finally:
        database.conn.close()
    assert step is None

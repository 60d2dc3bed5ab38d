"""End to end: the post-run check-in, triage verdicts, escalation and follow-up."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path

from bot.core.planner import SUMMARY_SPREAD_MINUTES
from bot.storage import runners as runners_db
from bot.storage import schedule as schedule_db
from bot.storage import schema
from bot.testing.botapi import BotMessage, FakeBotApi
from tests.conftest import TELEGRAM_PACING, BotFactory, FakeClock, ticks
from tests.test_delivery_e2e import WARM_UP_MONDAY, add_runners, deliveries

UTC = dt.UTC
RUNNER = 7001
NOT_A_DIAGNOSIS = "not a diagnosis"


async def start_checkin(api: FakeBotApi, chat_id: int = RUNNER) -> BotMessage:
    api.send_command(chat_id, "/checkin")
    question = await api.next_message(chat_id, timeout=5)
    assert "How's your back" in question.text
    return question


async def press_and_read(api: FakeBotApi, button: str, chat_id: int = RUNNER) -> BotMessage:
    api.press(chat_id, button)
    return await api.next_message(chat_id, timeout=5)


async def answer_checkin(api: FakeBotApi, *buttons: str, chat_id: int = RUNNER) -> BotMessage:
    """/checkin, then press each button in turn on the bot's latest message; the last reply."""
    reply = await start_checkin(api, chat_id)
    for button in buttons:
        reply = await press_and_read(api, button, chat_id)
    return reply


async def toggle(api: FakeBotApi, label_start: str, chat_id: int = RUNNER) -> None:
    checklist = [m for m in api.messages_to(chat_id) if "Do any of these" in m.text][-1]
    label = next(t for t in checklist.button_texts() if label_start in t)
    before = checklist.edit_count
    api.press(chat_id, label, message_id=checklist.message_id)
    await api.wait_for(lambda: api.message(chat_id, checklist.message_id).edit_count > before)


def checkin_rows(path: Path) -> list[dict[str, object]]:
    database = schema.connect(path)
    try:
        return list(database.query("SELECT * FROM checkins ORDER BY id"))
    finally:
        database.conn.close()


def runner(path: Path, chat_id: int = RUNNER) -> dict[str, object]:
    database = schema.connect(path)
    try:
        row = runners_db.get_runner_row(database, chat_id)
        assert row is not None
        return row
    finally:
        database.conn.close()


async def test_no_pain_and_nothing_unusual_is_ok(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    add_runners(api, tmp_path / "bot.db", [RUNNER], clock())
    async with start_bot():
        await start_checkin(api)
        unusual = await press_and_read(api, "0")
        assert "Anything unusual" in unusual.text
        verdict = await press_and_read(api, "No, all good")
        assert "No pain today" in verdict.text and NOT_A_DIAGNOSIS in verdict.text
    (row,) = checkin_rows(tmp_path / "bot.db")
    assert (row["status"], row["pain"], row["level"]) == ("answered", 0, 0)


async def test_mild_pain_gets_self_care(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    add_runners(api, tmp_path / "bot.db", [RUNNER], clock())
    async with start_bot():
        question = await start_checkin(api)
        where = await press_and_read(api, "3")
        assert "Where does the pain go" in where.text
        assert "3/10" in api.message(RUNNER, question.message_id).text  # the answer is shown
        checklist = await press_and_read(api, "Back only")
        assert len(checklist.buttons) == 14  # 13 warning signs, then None of these / Done
        assert checklist.button_texts()[-2:] == ["None of these", "Done ✔️"]
        verdict = await press_and_read(api, "None of these")
        assert "keep running easy" in verdict.text.lower()
        assert verdict.text.strip().endswith("BackStride gives general guidance, not a diagnosis.")
    (row,) = checkin_rows(tmp_path / "bot.db")
    assert (row["level"], row["radiation"]) == (1, "none")
    assert runner(tmp_path / "bot.db")["running_paused"] == 0


async def test_pain_below_the_knee_sees_a_clinician_then_follows_up(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    async with start_bot():
        verdict = await answer_checkin(api, "5", "Below the knee", "None of these")
        assert "GP or physiotherapist" in verdict.text and NOT_A_DIAGNOSIS in verdict.text
        paused = await api.next_message(RUNNER)
        assert "paused your warm-up and form reminders" in paused.text
        assert runner(path)["running_paused"] == 1
        assert "warm_up" not in schedule_db.schedule_of(schema.connect(path), RUNNER)
        # The next day at 10:00 Berlin time: the follow-up.
        clock.set(dt.datetime(2026, 6, 2, 8, 0, 1, tzinfo=UTC))
        follow_up = await api.next_message(RUNNER, timeout=5)
        assert "booked a GP or physio" in follow_up.text
        assert follow_up.button_texts() == [
            "✅ Checked and cleared",
            "🙂 Better now",
            "😐 Still the same",
            "😣 Worse",
        ]
        resumed = await press_and_read(api, "🙂 Better now")
        assert "back on" in resumed.text
        assert runner(path)["running_paused"] == 0
        assert "warm_up" in schedule_db.schedule_of(schema.connect(path), RUNNER)


async def test_worse_at_follow_up_reruns_the_checklist(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    add_runners(api, tmp_path / "bot.db", [RUNNER], clock())
    async with start_bot():
        await answer_checkin(api, "7", "Back only", "None of these")
        await api.next_message(RUNNER)  # reminders paused
        clock.set(dt.datetime(2026, 6, 2, 8, 0, 1, tzinfo=UTC))
        await api.next_message(RUNNER, timeout=5)  # follow-up
        sorry = await press_and_read(api, "😣 Worse")
        assert "again" in sorry.text
        again = await api.next_message(RUNNER, timeout=5)
        assert "How's your back" in again.text


async def test_fever_is_urgent(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    add_runners(api, tmp_path / "bot.db", [RUNNER], clock())
    async with start_bot():
        await answer_checkin(api, "4", "Back only")
        await toggle(api, "Fever")
        verdict = await press_and_read(api, "Done ✔️")
        assert "see a doctor today" in verdict.text.lower() and NOT_A_DIAGNOSIS in verdict.text
    (row,) = checkin_rows(tmp_path / "bot.db")
    assert row["level"] == 3 and "fever" in str(row["reasons"])


async def test_saddle_numbness_is_an_emergency_at_once_with_the_right_number(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    add_runners(api, tmp_path / "bot.db", [RUNNER], clock())
    async with start_bot():
        await answer_checkin(api, "2", "Buttock or thigh")
        await toggle(api, "Numb groin")
        emergency = await api.next_message(RUNNER, timeout=3)  # before Done is pressed
        first_line = emergency.text.splitlines()[0]
        assert "Call 112 now" in first_line
        assert "cauda equina" in emergency.text and NOT_A_DIAGNOSIS in emergency.text
        checklist = next(m for m in api.messages_to(RUNNER) if "Do any of these" in m.text)
        api.press(RUNNER, "Done ✔️", message_id=checklist.message_id)
        closing = await api.next_message(RUNNER, timeout=5)
        while "emergency advice above" not in closing.text:
            closing = await api.next_message(RUNNER, timeout=5)
    (row,) = checkin_rows(tmp_path / "bot.db")
    assert row["level"] == 4 and row["escalated_at"] and row["status"] == "answered"


async def test_emergency_arrives_first_while_500_reminders_are_queued(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    crowd = range(10_000, 10_500)
    add_runners(api, path, [RUNNER, *crowd], clock())
    api.flood_limits = True
    async with start_bot(**TELEGRAM_PACING):
        await start_checkin(api)  # three messages to the runner: Telegram's burst of three
        await press_and_read(api, "2")
        await press_and_read(api, "Back only")
        clock.set(WARM_UP_MONDAY + dt.timedelta(seconds=1))  # 500 warm-ups fall due
        await api.wait_for(lambda: sum(len(api.messages_to(c)) for c in crowd) >= 30)
        # The runner reads the checklist: a second or so, and Telegram's per-chat allowance
        # (one message a second) is back, so what is timed below is the queue, not the pace.
        await asyncio.sleep(1.1)
        pressed = time.monotonic()
        await toggle(api, "Both legs weak")
        emergency = await api.wait_for(
            lambda: next((m for m in api.messages_to(RUNNER) if "Call 112" in m.text), None),
            timeout=3,
        )
        waited = time.monotonic() - pressed
        assert "Call 112 now" in emergency.text.splitlines()[0]
        assert waited < 1.0, f"emergency advice took {waited:.2f} s"
        delivered = sum(len(api.messages_to(c)) for c in crowd)
        assert delivered < 400, "the emergency did not wait for the reminder queue"
    assert api.count(status=429) == 0


async def test_restart_mid_checkin_resumes(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    add_runners(api, tmp_path / "bot.db", [RUNNER], clock())
    async with start_bot():
        await start_checkin(api)
        await press_and_read(api, "6")
    async with start_bot():
        checklist = await press_and_read(api, "Buttock or thigh")
        assert "Do any of these apply" in checklist.text
        verdict = await press_and_read(api, "None of these")
        assert NOT_A_DIAGNOSIS in verdict.text
    (row,) = checkin_rows(tmp_path / "bot.db")
    assert (row["pain"], row["radiation"], row["status"]) == (6, "buttock_thigh", "answered")


async def test_didnt_run_free_text_forged_and_expired(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER, RUNNER + 1], clock())
    async with start_bot():
        await start_checkin(api)
        why = await press_and_read(api, "I didn't run today")
        assert "Is your back the reason" in why.text
        thanks = await press_and_read(api, "No, just a rest day")
        assert "Thanks" in thanks.text
        await start_checkin(api)
        await press_and_read(api, "4")
        api.send_text(RUNNER, "it's about a 4 I guess")
        assert "buttons" in (await api.next_message(RUNNER)).text
        # Another runner pressing a button carrying this runner's check-in id.
        theirs = await start_checkin(api, RUNNER + 1)
        forged_data = f"ci:r:{_delivery_id(path, RUNNER, 1)}:none"
        forged = api.press_data(RUNNER + 1, theirs.message_id, forged_data)
        await api.wait_for(lambda: api.callback_answer(forged) is not None)
        assert "earlier conversation" in api.callback_answer(forged)["text"]  # type: ignore[index]
        clock.advance(hours=13)
        await api.wait_for(
            lambda: any(
                r["status"] == "unanswered" and r["runner_id"] == RUNNER for r in checkin_rows(path)
            )
        )
        late = api.press(RUNNER, "Back only")
        await api.wait_for(lambda: api.callback_answer(late) is not None)
        assert "closed" in api.callback_answer(late)["text"]  # type: ignore[index]
    statuses = {(r["runner_id"], r["status"]) for r in checkin_rows(path)}
    assert (RUNNER, "skipped") in statuses and (RUNNER, "unanswered") in statuses


def _delivery_id(path: Path, runner_id: int, index: int) -> int:
    rows = deliveries(path, runner_id=runner_id, kind="check_in")
    return int(rows[index]["id"])


async def test_ran_checks_in_an_hour_later_once_a_day(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())  # Monday run at 07:00, check-in planned 09:00
    clock.set(dt.datetime(2026, 6, 1, 4, 40, tzinfo=UTC))  # 06:40 Berlin, after the warm-up
    async with start_bot() as app:
        await api.next_message(RUNNER, timeout=5)  # the 06:30 warm-up, 10 minutes late
        api.send_command(RUNNER, "/ran")
        soon = await api.next_message(RUNNER)
        assert "07:40" in soon.text
        api.send_command(RUNNER, "/ran")
        assert "already" in (await api.next_message(RUNNER)).text
        clock.set(dt.datetime(2026, 6, 1, 5, 40, 1, tzinfo=UTC))
        question = await api.next_message(RUNNER, timeout=5)
        assert "How's your back" in question.text
        clock.set(dt.datetime(2026, 6, 1, 7, 0, 5, tzinfo=UTC))  # the planned 09:00 check-in
        await ticks(api, app)
        assert not [m for m in api.unread(RUNNER) if "How's your back" in m.text]


async def test_progress_sends_a_chart(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    add_runners(api, tmp_path / "bot.db", [RUNNER], clock())
    async with start_bot():
        for pain in ("2", "3"):
            await answer_checkin(api, pain, "Back only", "None of these")
        api.send_command(RUNNER, "/progress")
        chart = await api.next_message(RUNNER, timeout=15)
        assert chart.kind == "photo"
        assert chart.file is not None and chart.file.startswith(b"\x89PNG")
        assert "2 check-ins" in chart.text and NOT_A_DIAGNOSIS in chart.text


async def test_weekly_summary_arrives_on_the_chosen_day(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    async with start_bot():
        await answer_checkin(api, "0", "No, all good")
        api.send_command(RUNNER, "/settings")
        await api.next_message(RUNNER)
        await press_and_read(api, "📊 Summary day")
        saved = await press_and_read(api, "Mon")
        assert "Weekly summary on Mon" in saved.text
        api.press(RUNNER, "✔️ Close")
        await api.next_message(RUNNER)
        # Monday between 18:00 and 20:00 in Berlin: summaries are spread by runner.
        spread = dt.timedelta(minutes=RUNNER % SUMMARY_SPREAD_MINUTES)
        planned = schedule_db.schedule_of(schema.connect(path), RUNNER)["weekly_summary"]
        assert planned == int((dt.datetime(2026, 6, 1, 16, 0, tzinfo=UTC) + spread).timestamp())
        clock.set(dt.datetime(2026, 6, 1, 16, 0, 1, tzinfo=UTC) + spread)
        summary = await api.next_message(RUNNER, timeout=5)
        while "Your week" not in summary.text:  # reminders due earlier that day come first
            summary = await api.next_message(RUNNER, timeout=5)
        # The week's chart comes as a photo with the summary as its caption.
        assert summary.kind == "photo" and summary.file is not None
        assert summary.file.startswith(b"\x89PNG")
        assert "1 run checked in" in summary.text and NOT_A_DIAGNOSIS in summary.text


async def test_checkin_delay_is_a_setting(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    async with start_bot():
        api.send_command(RUNNER, "/settings")
        menu = await api.next_message(RUNNER)
        assert "2 h after your run" in menu.text
        await press_and_read(api, "🩺 Check-in delay")
        saved = await press_and_read(api, "30 min")
        assert "30 min" in saved.text
    due = schedule_db.schedule_of(schema.connect(path), RUNNER)["check_in"]
    # Monday's run at 07:00 Berlin (05:00 UTC) + 30 minutes.
    assert due == int(dt.datetime(2026, 6, 1, 5, 30, tzinfo=UTC).timestamp())

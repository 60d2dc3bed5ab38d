"""End to end (issue 11): a check-in never gets stuck with nothing to tap, and a typed answer
goes to the question the runner was shown, even after a crash left PTB's state behind."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.testing.botapi import BotMessage, FakeBotApi
from tests.conftest import BotFactory, FakeClock, runner_row
from tests.test_checkin_e2e import checkin_rows, press_and_read, start_checkin
from tests.test_delivery_e2e import add_runners

RUNNER = 7101


def _sql(path: Path, statement: str, *args: object) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path, timeout=30)
    try:
        with conn:
            return conn.execute(statement, args).fetchall()
    finally:
        conn.close()


async def press_while_sends_fail(api: FakeBotApi, fault: str, pain: str) -> BotMessage:
    """/checkin, then tap `pain` while the next question's send fails with `fault` every time
    (the limiter's two retries included); the question pressed, once it shows the answer."""
    question = await start_checkin(api, RUNNER)
    api.fail_next(3, fault, method="sendMessage", chat_id=RUNNER)
    api.press(RUNNER, pain, message_id=question.message_id)
    await api.wait_for(lambda: f"{pain}/10" in api.message(RUNNER, question.message_id).text)
    return question


async def test_a_failed_next_question_leaves_the_old_buttons_working(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    add_runners(api, tmp_path / "bot.db", [RUNNER], clock())
    async with start_bot():
        question = await press_while_sends_fail(api, "500", "5")
        # The step moved on, but the runner still has buttons to tap...
        assert "5" in api.message(RUNNER, question.message_id).button_texts()
        await api.expect_silence(RUNNER, 2.5)
        assert "5" in api.message(RUNNER, question.message_id).button_texts()
        # ...and they bring the current question back, with working buttons.
        api.press(RUNNER, "5", message_id=question.message_id)
        where = await api.next_message(RUNNER)
        assert "Where does the pain go" in where.text and where.buttons
        await api.wait_for(lambda: not api.message(RUNNER, question.message_id).buttons)
        checklist = await press_and_read(api, "Back only", RUNNER)
        assert "Do any of these" in checklist.text
        verdict = await press_and_read(api, "None of these", RUNNER)
        assert "not a diagnosis" in verdict.text
    (row,) = checkin_rows(tmp_path / "bot.db")
    assert (row["status"], row["pain"], row["radiation"]) == ("answered", 5, "none")


async def test_a_dropped_next_question_and_checkin_resumes(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    add_runners(api, tmp_path / "bot.db", [RUNNER], clock())
    async with start_bot():
        await press_while_sends_fail(api, "drop", "4")
        await api.expect_silence(RUNNER, 2.5)
        # /checkin picks up where it stopped rather than starting afresh.
        api.send_command(RUNNER, "/checkin")
        resumed = await api.next_message(RUNNER)
        assert "Where does the pain go" in resumed.text, api.format_history(RUNNER)
        checklist = await press_and_read(api, "Below the knee", RUNNER)
        assert "Do any of these" in checklist.text
        verdict = await press_and_read(api, "None of these", RUNNER)
        assert "GP or physiotherapist" in verdict.text
    rows = checkin_rows(tmp_path / "bot.db")
    assert [(r["status"], r["pain"], r["radiation"]) for r in rows] == [
        ("answered", 4, "below_knee")
    ]


async def _stopped_after_the_step_advanced(
    api: FakeBotApi, start_bot: BotFactory, path: Path
) -> BotMessage:
    """A check-in whose "where" answer was stored but whose checklist was never sent (the bot
    died in between): its row says flags, the runner's newest buttons are the "where" ones."""
    async with start_bot():
        await start_checkin(api, RUNNER)
        where = await press_and_read(api, "3", RUNNER)
        assert "Where does the pain go" in where.text
    _sql(path, "UPDATE checkins SET step = 'flags', radiation = 'buttock_thigh'")
    return where


async def test_after_a_restart_checkin_resumes_at_the_stored_step(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    await _stopped_after_the_step_advanced(api, start_bot, path)
    async with start_bot():
        api.send_command(RUNNER, "/checkin")
        resumed = await api.next_message(RUNNER)
        assert "Do any of these" in resumed.text, api.format_history(RUNNER)
        assert "None of these" in resumed.button_texts()
        verdict = await press_and_read(api, "None of these", RUNNER)
        assert "not a diagnosis" in verdict.text
    rows = checkin_rows(path)
    assert [(r["status"], r["pain"], r["radiation"]) for r in rows] == [
        ("answered", 3, "buttock_thigh")
    ]


async def test_old_buttons_and_typed_text_show_the_current_question(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    where = await _stopped_after_the_step_advanced(api, start_bot, path)
    async with start_bot():
        # Typed text points to the question, with its buttons (not just "use the buttons").
        api.send_text(RUNNER, "hello?")
        shown = await api.next_message(RUNNER)
        assert "Do any of these" in shown.text and "None of these" in shown.button_texts()
        # The old "where" buttons bring it back too, and change nothing.
        api.press(RUNNER, "Below the knee", message_id=where.message_id)
        again = await api.next_message(RUNNER)
        assert "Do any of these" in again.text, api.format_history(RUNNER)
        api.press(RUNNER, "Fever", message_id=again.message_id)
        await api.wait_for(
            lambda: any("✅" in t for t in api.message(RUNNER, again.message_id).button_texts())
        )
        api.press(RUNNER, "Done", message_id=again.message_id)
        await api.wait_for(lambda: any(r["status"] == "answered" for r in checkin_rows(path)))
    (row,) = checkin_rows(path)
    assert (row["radiation"], row["red_flags"]) == ("buttock_thigh", '["fever"]')
    assert int(str(row["level"])) >= 3  # fever: see a doctor today


async def _to_run_time_question(api: FakeBotApi, chat_id: int) -> None:
    api.send_command(chat_id, "/start")
    await api.next_message(chat_id)  # welcome
    await api.next_message(chat_id)  # time zone question
    api.send_text(chat_id, "Berlin")
    await api.next_message(chat_id)  # time zone set
    country = await api.next_message(chat_id)
    api.press(chat_id, country.button_texts()[0], message_id=country.message_id)
    days = await api.next_message(chat_id)
    api.press(chat_id, "Mon", message_id=days.message_id)
    await api.wait_for(lambda: "✅ Mon" in api.message(chat_id, days.message_id).button_texts())
    api.press(chat_id, "Done ✔️", message_id=days.message_id)
    run_q = await api.next_message(chat_id)
    assert "usually run" in run_q.text


async def test_a_stale_conversation_state_does_not_redirect_a_typed_answer(
    api: FakeBotApi, start_bot: BotFactory, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    chat = 1101
    async with start_bot() as app:
        await _to_run_time_question(api, chat)
        await app.update_persistence()
        before = _sql(path, "SELECT name, key, state FROM conversations")
        assert any('"run"' in str(state) or state == "run" for _, _, state in before), before
        api.send_text(chat, "06:30")
        tip_q = await api.next_message(chat)
        assert "daily tip" in tip_q.text
    # A kill -9 before PTB wrote the new state back: the stored state is the run question's.
    _sql(path, "DELETE FROM conversations")
    for name, key, state in before:
        _sql(path, "INSERT INTO conversations VALUES (?, ?, ?)", name, key, state)
    async with start_bot() as app:
        api.send_text(chat, "20:00")  # the tip time, as the tip-time prompt asked
        reply = await api.next_message(chat)
        assert "20:00" in reply.text and "health questions" in reply.text, api.format_history(chat)
        row = runner_row(app, chat)
        assert row is not None
        assert (row["run_time"], row["tip_time"]) == ("06:30", "20:00")

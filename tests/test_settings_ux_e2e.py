"""End to end, as a runner in Telegram: the strength goal, the weekly chart switch, the saved
running days, Back on every settings picker, one "saved" per change, what a stopped runner is
told, the times people type, and what comes next after onboarding. The real bot, over real
HTTP, against the local Bot API server (bot.testing)."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from zoneinfo import ZoneInfo

from bot.testing.botapi import BotMessage, FakeBotApi
from tests.conftest import BotFactory, onboard, runner_row
from tests.helpers import command

RUNNER = 1201
BACK = "⬅️ Back"
STEP_LABEL = re.compile(r"\d+/\d+ ·")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


async def replies_until_help(api: FakeBotApi, chat_id: int = RUNNER) -> list[BotMessage]:
    """Every message the bot sends before it answers a /help sent now (updates of one chat are
    handled in order): what the last input got, with no sleeping and hoping."""
    api.send_command(chat_id, "/help")
    got: list[BotMessage] = []
    while True:
        message = await api.next_message(chat_id)
        if "BackStride commands" in message.text:
            return got
        got.append(message)


async def days_question(api: FakeBotApi, chat_id: int = RUNNER) -> BotMessage:
    """/start, Berlin, the suggested country: the running days question."""
    api.send_command(chat_id, "/start")
    for _ in range(2):
        await api.next_message(chat_id)
    api.send_text(chat_id, "Berlin")
    await api.next_message(chat_id)  # zone set
    country = await api.next_message(chat_id)
    api.press(chat_id, "✅ Germany", message_id=country.message_id)
    days = await api.next_message(chat_id)
    assert "running days" in days.text.lower(), days.text
    return days


async def tick(api: FakeBotApi, message: BotMessage, label: str, chat_id: int = RUNNER) -> None:
    api.press(chat_id, label, message_id=message.message_id)
    await api.wait_for(
        lambda: any(
            t.startswith("✅") and label in t
            for t in api.message(chat_id, message.message_id).button_texts()
        )
    )


async def open_entry(api: FakeBotApi, entry: str, chat_id: int = RUNNER) -> BotMessage:
    """/settings, then the menu entry `entry`: the picker it opens."""
    menu = await command(api, chat_id, "/settings")
    api.press(chat_id, entry, message_id=menu.message_id)
    return await api.next_message(chat_id)


# ---------------------------------------------------------------------------------------------
# 1. The weekly strength goal


async def test_onboarding_asks_the_strength_goal_with_the_running_days(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    async with start_bot() as app:
        days = await days_question(api)
        assert "How many strength sessions a week?" in days.text
        assert "2-3" in days.text, "the guidance, in one line"
        assert "✅ 2 a week" in days.button_texts() and "3 a week" in days.button_texts()
        await tick(api, days, "3 a week")
        await tick(api, days, "Tue")
        assert "✅ 2 a week" not in api.message(RUNNER, days.message_id).button_texts()
        api.press(RUNNER, "Done ✔️", message_id=days.message_id)
        run_q = await api.next_message(RUNNER)
        assert "usually run" in run_q.text
        assert "Strength sessions: 3 a week" in run_q.text
        row = runner_row(app, RUNNER)
        assert row is not None and row["strength_goal"] == 3 and row["run_days"] == "1"


async def test_the_strength_goal_is_a_settings_entry(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    async with start_bot() as app:
        await onboard(api, RUNNER)
        assert runner_row(app, RUNNER)["strength_goal"] == 2  # type: ignore[index]
        # Subscribed already: /start does not ask it again.
        again = await command(api, RUNNER, "/start")
        assert "already subscribed" in again.text and "2 sessions a week" in again.text
        picker = await open_entry(api, "💪 Strength goal")
        assert "How many strength sessions a week?" in picker.text and "2-3" in picker.text
        assert picker.button_texts() == ["✅ 2 a week", "3 a week", BACK]
        api.press(RUNNER, "3 a week", message_id=picker.message_id)
        saved = await api.next_message(RUNNER)
        assert "Strength sessions: 3 a week" in saved.text and "Saved" in saved.text
        assert runner_row(app, RUNNER)["strength_goal"] == 3  # type: ignore[index]


# ---------------------------------------------------------------------------------------------
# 2. The weekly chart


async def test_the_weekly_chart_can_be_switched_off_and_on(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    async with start_bot() as app:
        await onboard(api, RUNNER)
        assert runner_row(app, RUNNER)["weekly_chart"] == 1  # type: ignore[index]
        picker = await open_entry(api, "📈 Weekly chart")
        assert "A picture of your week with the Sunday summary" in picker.text
        assert "It's on now" in picker.text
        assert picker.button_texts() == ["✅ On", "Off", BACK]
        api.press(RUNNER, "Off", message_id=picker.message_id)
        saved = await api.next_message(RUNNER)
        assert "Weekly chart: off" in saved.text and "Saved" in saved.text
        assert runner_row(app, RUNNER)["weekly_chart"] == 0  # type: ignore[index]
        api.press(RUNNER, "✔️ Close", message_id=saved.message_id)
        await api.next_message(RUNNER)
        picker = await open_entry(api, "📈 Weekly chart")
        assert "It's off now" in picker.text and picker.button_texts()[:2] == ["On", "✅ Off"]
        api.press(RUNNER, "On", message_id=picker.message_id)
        assert "Weekly chart: on" in (await api.next_message(RUNNER)).text
        assert runner_row(app, RUNNER)["weekly_chart"] == 1  # type: ignore[index]


# ---------------------------------------------------------------------------------------------
# 3. The running days, confirmed once


async def test_the_running_days_picked_are_confirmed_once(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    async with start_bot():
        days = await days_question(api)
        for day in ("Sat", "Mon", "Wed"):
            await tick(api, days, day)
        api.press(RUNNER, "Done ✔️", message_id=days.message_id)
        got = await replies_until_help(api)
        assert [m.text.count("Running days: Mon, Wed, Sat") for m in got] == [1], got
        assert "usually run" in got[0].text  # in the same message as the next question

    async with start_bot():
        api.mark_read(RUNNER)
        api.send_text(RUNNER, "7:00")
        await api.next_message(RUNNER)
        api.send_text(RUNNER, "8:00")
        risk = await api.next_message(RUNNER)
        api.press(RUNNER, "Prefer not to say", message_id=risk.message_id)
        await api.next_message(RUNNER)
        api.press(RUNNER, "✅ Looks good")
        await api.next_message(RUNNER)
        picker = await open_entry(api, "📅 Running days")
        await tick(api, picker, "Fri")
        api.press(RUNNER, "Done ✔️", message_id=picker.message_id)
        got = await replies_until_help(api)
        assert [m.text.count("Running days: Mon, Wed, Fri, Sat") for m in got] == [1], got


# ---------------------------------------------------------------------------------------------
# 4. Back on every settings picker, and no "2/6" outside onboarding


PICKERS = {
    "🌍 Time zone": "time zone",
    "🚑 Country": "country",
    "📅 Running days": "running days",
    "⏰ Run time": "usually run",
    "💡 Tip time": "daily tip",
    "🩺 Check-in delay": "check in",
    "📊 Summary day": "weekly summary",
    "🧾 Health profile": "health questions",
    "💪 Strength goal": "strength sessions",
    "📈 Weekly chart": "Weekly chart",
}


async def test_every_settings_picker_has_back_and_no_step_label(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    async with start_bot() as app:
        await onboard(api, RUNNER)
        before = runner_row(app, RUNNER)
        menu = await command(api, RUNNER, "/settings")
        for entry, words in PICKERS.items():
            api.press(RUNNER, entry, message_id=menu.message_id)
            picker = await api.next_message(RUNNER)
            assert words.lower() in picker.text.lower(), (entry, picker.text)
            assert not STEP_LABEL.search(picker.text), (entry, picker.text)
            assert picker.button_texts()[-1] == BACK, (entry, picker.button_texts())
            api.press(RUNNER, BACK, message_id=picker.message_id)
            menu = await api.next_message(RUNNER)
            assert "What would you like to change?" in menu.text, (entry, menu.text)
            assert "Saved" not in menu.text
            assert api.message(RUNNER, picker.message_id).buttons == [], "Back took its buttons"
        after = runner_row(app, RUNNER)
        assert before is not None and after is not None
        bookkeeping = {"updated_at", "onboarding_step"}  # the question open, and when
        assert {k: v for k, v in after.items() if k not in bookkeeping} == {
            k: v for k, v in before.items() if k not in bookkeeping
        }, "Back changed nothing"


async def test_back_puts_toggled_days_and_health_answers_back(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    async with start_bot() as app:
        await onboard(api, RUNNER)
        before = runner_row(app, RUNNER)
        assert before is not None
        days = await open_entry(api, "📅 Running days")
        await tick(api, days, "Sun")
        api.press(RUNNER, "Mon", message_id=days.message_id)  # untick
        await api.wait_for(lambda: "Mon" in api.message(RUNNER, days.message_id).button_texts())
        assert api.message(RUNNER, days.message_id).button_texts()[-1] == BACK, "kept on redraw"
        api.press(RUNNER, BACK, message_id=days.message_id)
        menu = await api.next_message(RUNNER)
        assert "What would you like to change?" in menu.text
        api.press(RUNNER, "🧾 Health profile", message_id=menu.message_id)
        risk = await api.next_message(RUNNER)
        await tick(api, risk, "Over 50")
        api.press(RUNNER, BACK, message_id=risk.message_id)
        await api.next_message(RUNNER)
        after = runner_row(app, RUNNER)
        assert after is not None
        keys = ("run_days", "age_band", "risk_factors", "risk_declined")
        assert {k: after[k] for k in keys} == {k: before[k] for k in keys}
        assert before["run_days"] == "0,2,4"


async def test_step_labels_stay_while_onboarding(api: FakeBotApi, start_bot: BotFactory) -> None:
    async with start_bot():
        days = await days_question(api)
        assert "3/6" in days.text and BACK not in days.button_texts()


# ---------------------------------------------------------------------------------------------
# 5. One "saved" message per change


async def test_one_saved_message_after_a_settings_change(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    async with start_bot() as app:
        await onboard(api, RUNNER)
        await open_entry(api, "🌍 Time zone")
        api.send_text(RUNNER, "Madrid")
        got = await replies_until_help(api)
        assert len(got) == 1, [m.text for m in got]
        assert "Europe/Madrid" in got[0].text and "Saved" in got[0].text
        api.press(RUNNER, "✔️ Close", message_id=got[0].message_id)
        got += await replies_until_help(api)
        assert sum("saved" in m.text.lower() for m in got) == 1, [m.text for m in got]
        assert runner_row(app, RUNNER)["timezone"] == "Europe/Madrid"  # type: ignore[index]
        risk = await open_entry(api, "🧾 Health profile")
        await tick(api, risk, "Over 50")
        api.press(RUNNER, "Done ✔️", message_id=risk.message_id)
        got = await replies_until_help(api)
        assert len(got) == 1 and "Health profile: Over 50" in got[0].text, got
        assert got[0].text.lower().count("saved") == 1, got[0].text


# ---------------------------------------------------------------------------------------------
# 6. After /stop


async def test_a_stopped_runner_is_told_they_unsubscribed(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    async with start_bot():
        await onboard(api, RUNNER)
        assert "won't send you any more" in (await command(api, RUNNER, "/stop")).text
        again = await command(api, RUNNER, "/stop")
        assert "You're already unsubscribed; send /start to subscribe again." in again.text
        for sent in ("/pause", "/resume"):
            reply = await command(api, RUNNER, sent)
            assert reply.text == "You've unsubscribed. Send /start to come back.", sent
        checkin = await command(api, RUNNER, "/checkin")
        assert "/start" in checkin.text and "not subscribed yet" not in checkin.text
        settings = await command(api, RUNNER, "/settings")
        assert "You've unsubscribed" in settings.text and "/start" in settings.text
        assert "Status: stopped" in settings.text
        api.press(RUNNER, "✔️ Close", message_id=settings.message_id)
        await api.next_message(RUNNER)
        api.send_text(RUNNER, "hello?")
        reply = await api.next_message(RUNNER)
        assert reply.text == "You've unsubscribed. Send /start to come back."
        api.send_text(RUNNER, "my back hurts")
        safety = await api.next_message(RUNNER)
        assert "call 112 now" in safety.text.lower() and "/start" in safety.text
        assert safety.button_texts() == [], "no check-in to start while unsubscribed"
        for message in api.messages_to(RUNNER):
            assert "not subscribed yet" not in message.text, message.text
        assert "Welcome back" in (await command(api, RUNNER, "/start")).text


async def test_commands_after_stop_say_unsubscribed(api: FakeBotApi, start_bot: BotFactory) -> None:
    async with start_bot():
        await onboard(api, RUNNER)
        await command(api, RUNNER, "/stop")
        for name in ("/tip", "/checkin", "/ran", "/progress", "/returntorun"):
            answer = (await command(api, RUNNER, name)).text
            assert "You've unsubscribed" in answer, (name, answer)


# ---------------------------------------------------------------------------------------------
# 7. The times people type


async def test_typed_times_noon_midnight_18h_and_24_00(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    async with start_bot() as app:
        days = await days_question(api)
        await tick(api, days, "Mon")
        api.press(RUNNER, "Done ✔️", message_id=days.message_id)
        await api.next_message(RUNNER)
        api.send_text(RUNNER, "noonish")
        assert "couldn't read" in (await api.next_message(RUNNER)).text
        api.send_text(RUNNER, "18h")
        assert "Usual run time: 18:00" in (await api.next_message(RUNNER)).text
        api.send_text(RUNNER, "noon")
        assert "Daily tip time: 12:00" in (await api.next_message(RUNNER)).text
        row = runner_row(app, RUNNER)
        assert row is not None and (row["run_time"], row["tip_time"]) == ("18:00", "12:00")
        api.press(RUNNER, "Prefer not to say")
        await api.next_message(RUNNER)
        api.press(RUNNER, "✅ Looks good")
        assert "all set" in (await api.next_message(RUNNER)).text
        for entry, typed, column, stored in (
            ("⏰ Run time", "18h30", "run_time", "18:30"),
            ("💡 Tip time", "midnight", "tip_time", "00:00"),
            ("⏰ Run time", "24:00", "run_time", "00:00"),
        ):
            await open_entry(api, entry)
            api.send_text(RUNNER, typed)
            reply = await api.next_message(RUNNER)
            assert stored in reply.text, (typed, reply.text)
            assert runner_row(app, RUNNER)[column] == stored, typed  # type: ignore[index]


# ---------------------------------------------------------------------------------------------
# 8. What comes next, said on confirm


async def test_confirm_says_what_comes_next_and_when(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    async with start_bot() as app:
        # Monday 06:00 in Berlin; runs Mon, Wed, Fri at 07:00, tips at 08:00.
        await onboard(api, RUNNER)
        done = api.last_message(RUNNER)
        assert "all set" in done.text
        assert "What comes next (your local time)" in done.text
        lines = [line for line in done.text.splitlines() if line.startswith("• ")]
        database = sqlite3.connect(app.bot_data["services"].settings.database_path)
        try:
            due = dict(
                database.execute(
                    "SELECT slot_id, next_due FROM schedule "
                    "WHERE runner_id = ? AND next_due IS NOT NULL",
                    [RUNNER],
                ).fetchall()
            )
            titles = dict(database.execute("SELECT id, title FROM slots").fetchall())
        finally:
            database.close()
        titles["weekly_summary"] = "Weekly summary"
        berlin = ZoneInfo("Europe/Berlin")
        expected = sorted(
            (dt.datetime.fromtimestamp(ts, berlin), titles.get(slot, slot))
            for slot, ts in due.items()
        )
        assert len(due) >= 3 and lines == [
            f"• {WEEKDAYS[at.weekday()]} {at:%H:%M} · {title}" for at, title in expected
        ], (lines, expected)
        # Berlin 06:00 on a run day: the warm-up half an hour before the 07:00 run comes first.
        assert lines[0] == "• Mon 06:30 · Warm-up before your run", lines
        summary = [line for line in lines if "Weekly summary" in line]
        assert summary and summary[0].startswith("• Sun 18:"), lines

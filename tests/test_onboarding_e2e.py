"""End to end: the real bot, over real HTTP, against the local Bot API server in tests/botapi."""

from __future__ import annotations

import asyncio
import datetime as dt

from tests.botapi import FakeBotApi
from tests.conftest import BotFactory, FakeClock, onboard, runner_row

RUNNER = 1001


async def test_new_runner_completes_onboarding(api: FakeBotApi, start_bot: BotFactory) -> None:
    async with start_bot() as app:
        api.send_command(RUNNER, "/start")
        welcome = await api.next_message(RUNNER)
        assert "not a diagnosis" in welcome.text
        assert "emergency" in welcome.text
        assert welcome.reply_markup and "keyboard" in welcome.reply_markup  # location button
        question = await api.next_message(RUNNER)
        assert "time zone" in question.text.lower()
        assert question.buttons, "common zones are offered as buttons"

        api.send_text(RUNNER, "new york")
        zone_set = await api.next_message(RUNNER)
        assert "America/New_York" in zone_set.text
        days = await api.next_message(RUNNER)
        assert "running days" in days.text.lower()
        api.press(RUNNER, "Tue")
        await api.wait_for(lambda: "✅ Tue" in api.message(RUNNER, days.message_id).button_texts())
        api.press(RUNNER, "Sat")
        await api.wait_for(lambda: "✅ Sat" in api.message(RUNNER, days.message_id).button_texts())
        api.press(RUNNER, "Done ✔️")

        run_q = await api.next_message(RUNNER)
        assert "usually run" in run_q.text
        api.send_text(RUNNER, "6:15pm")
        tip_q = await api.next_message(RUNNER)
        assert "Usual run time: 18:15" in tip_q.text and "daily tip" in tip_q.text
        api.press(RUNNER, "07:00")
        summary = await api.next_message(RUNNER)
        assert "America/New_York" in summary.text
        assert "Tue, Sat" in summary.text
        assert "18:15" in summary.text and "07:00" in summary.text
        assert "Does this look right?" in summary.text
        api.press(RUNNER, "✅ Looks good")
        done = await api.next_message(RUNNER)
        assert "all set" in done.text

        row = runner_row(app, RUNNER)
        assert row is not None
        assert row["status"] == "active"
        assert row["timezone"] == "America/New_York"
        assert row["run_days"] == "1,5"
        assert (row["run_time"], row["tip_time"]) == ("18:15", "07:00")
        assert api.commands, "the command menu is set at start-up"


async def test_location_sets_the_time_zone(api: FakeBotApi, start_bot: BotFactory) -> None:
    async with start_bot() as app:
        api.send_command(RUNNER, "/start")
        for _ in range(2):
            await api.next_message(RUNNER)
        api.send_location(RUNNER, -33.87, 151.21)
        reply = await api.next_message(RUNNER)
        assert "Australia/Sydney" in reply.text
        assert runner_row(app, RUNNER)["timezone"] == "Australia/Sydney"  # type: ignore[index]


async def test_restart_in_the_middle_resumes(api: FakeBotApi, start_bot: BotFactory) -> None:
    async with start_bot():
        api.send_command(RUNNER, "/start")
        for _ in range(2):
            await api.next_message(RUNNER)
        api.send_text(RUNNER, "Europe/Berlin")
        await api.next_message(RUNNER)
        days = await api.next_message(RUNNER)
        api.press(RUNNER, "Mon")
        await api.wait_for(lambda: "✅ Mon" in api.message(RUNNER, days.message_id).button_texts())
        await asyncio.sleep(1.2)  # let the persistence interval pass, as in real life
    # A new process on the same database: the Days question is still live.
    async with start_bot() as app:
        api.press(RUNNER, "Thu", message_id=days.message_id)
        await api.wait_for(lambda: "✅ Thu" in api.message(RUNNER, days.message_id).button_texts())
        assert "✅ Mon" in api.message(RUNNER, days.message_id).button_texts()
        api.press(RUNNER, "Done ✔️", message_id=days.message_id)
        run_q = await api.next_message(RUNNER)
        assert "usually run" in run_q.text
        row = runner_row(app, RUNNER)
        assert row is not None and row["run_days"] == "0,3" and row["timezone"] == "Europe/Berlin"


async def test_start_after_a_crash_before_persistence_resumes_too(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """Even if the conversation state was not flushed, /start picks up at the stored question."""
    async with start_bot():
        api.send_command(RUNNER, "/start")
        for _ in range(2):
            await api.next_message(RUNNER)
        api.send_text(RUNNER, "Madrid")
        await api.next_message(RUNNER)
        await api.next_message(RUNNER)  # days question
    async with start_bot():
        api.send_command(RUNNER, "/start")
        resumed = await api.next_message(RUNNER)
        assert "pick up" in resumed.text
        days = await api.next_message(RUNNER)
        assert "running days" in days.text.lower()


async def test_bad_inputs_get_clear_answers_and_lose_nothing(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    async with start_bot() as app:
        api.send_command(RUNNER, "/start")
        for _ in range(2):
            await api.next_message(RUNNER)
        api.send_text(RUNNER, "Atlantisville Prime")
        unknown = await api.next_message(RUNNER)
        assert "couldn't find a time zone" in unknown.text
        api.send_sticker(RUNNER)
        assert "city" in (await api.next_message(RUNNER)).text
        api.send_text(RUNNER, "Berln")
        suggest = await api.next_message(RUNNER)
        assert any("Europe/Berlin" in t for t in suggest.button_texts())
        api.press(RUNNER, "Europe/Berlin")
        await api.next_message(RUNNER)  # zone set
        days = await api.next_message(RUNNER)
        api.send_text(RUNNER, "monday please")
        assert "Tap the days" in (await api.next_message(RUNNER)).text
        refused = api.press(RUNNER, "Done ✔️")  # nothing selected yet
        await api.wait_for(lambda: api.callback_answer(refused) is not None)
        api.press(RUNNER, "Wed", message_id=days.message_id)
        await api.wait_for(lambda: "✅ Wed" in api.message(RUNNER, days.message_id).button_texts())
        api.press(RUNNER, "Done ✔️", message_id=days.message_id)
        await api.next_message(RUNNER)  # run time question
        for bad in ("25:99", "7:60", "soon", "13pm"):
            api.send_text(RUNNER, bad)
            reply = await api.next_message(RUNNER)
            assert "couldn't read" in reply.text and bad in reply.text
        api.send_photo_from_user(RUNNER)
        assert "time like" in (await api.next_message(RUNNER)).text
        # Forged data on a button in this conversation changes nothing.
        api.press_data(RUNNER, days.message_id, "p:run:99:99")
        await asyncio.sleep(0.3)
        row = runner_row(app, RUNNER)
        assert row is not None
        assert row["timezone"] == "Europe/Berlin" and row["run_days"] == "2"
        assert row["run_time"] is None and row["status"] == "onboarding"


async def test_done_with_no_days_is_refused_with_an_alert(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    async with start_bot():
        api.send_command(RUNNER, "/start")
        for _ in range(2):
            await api.next_message(RUNNER)
        api.send_text(RUNNER, "Tokyo")
        await api.next_message(RUNNER)
        await api.next_message(RUNNER)
        query_id = api.press(RUNNER, "Done ✔️")
        await api.wait_for(lambda: api.callback_answer(query_id) is not None)
        answer = api.callback_answer(query_id)
        assert answer is not None and "at least one day" in answer["text"]


async def test_second_start_keeps_settings(api: FakeBotApi, start_bot: BotFactory) -> None:
    async with start_bot() as app:
        await onboard(api, RUNNER)
        before = runner_row(app, RUNNER)
        api.send_command(RUNNER, "/start")
        again = await api.next_message(RUNNER)
        assert "already subscribed" in again.text
        assert "Europe/Berlin" in again.text and "Mon, Wed, Fri" in again.text
        after = runner_row(app, RUNNER)
        assert before is not None and after is not None
        assert {
            k: after[k] for k in ("timezone", "run_days", "run_time", "tip_time", "status")
        } == {k: before[k] for k in ("timezone", "run_days", "run_time", "tip_time", "status")}


async def test_settings_changes_one_answer(api: FakeBotApi, start_bot: BotFactory) -> None:
    async with start_bot() as app:
        await onboard(api, RUNNER)
        api.send_command(RUNNER, "/settings")
        menu = await api.next_message(RUNNER)
        assert "Europe/Berlin" in menu.text and "What would you like to change?" in menu.text
        api.press(RUNNER, "⏰ Run time")
        await api.next_message(RUNNER)
        api.send_text(RUNNER, "18.30")
        saved = await api.next_message(RUNNER)
        assert "Saved" in saved.text
        api.press(RUNNER, "✔️ Close")
        assert "saved" in (await api.next_message(RUNNER)).text
        row = runner_row(app, RUNNER)
        assert row is not None and row["run_time"] == "18:30" and row["timezone"] == "Europe/Berlin"


async def test_old_button_from_a_finished_conversation(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    async with start_bot() as app:
        await onboard(api, RUNNER)
        old_question = next(m for m in api.messages_to(RUNNER) if "usually run" in m.text)
        query_id = api.press_data(RUNNER, old_question.message_id, "p:run:06:00")
        await api.wait_for(lambda: api.callback_answer(query_id) is not None)
        assert "earlier conversation" in api.callback_answer(query_id)["text"]  # type: ignore[index]
        assert runner_row(app, RUNNER)["run_time"] == "07:00"  # type: ignore[index]


async def test_unknown_command_text_and_media_get_answers(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    async with start_bot():
        api.send_text(RUNNER, "hello?")
        assert "/start" in (await api.next_message(RUNNER)).text
        await onboard(api, RUNNER)
        api.send_command(RUNNER, "/frobnicate")
        assert "don't know that command" in (await api.next_message(RUNNER)).text
        api.send_text(RUNNER, "my back hurts a bit")
        assert "/help" in (await api.next_message(RUNNER)).text
        api.send_sticker(RUNNER)
        assert "only read text" in (await api.next_message(RUNNER)).text
        api.send_command(RUNNER, "/help")
        assert "not a diagnosis" in (await api.next_message(RUNNER)).text


async def test_pause_resume_and_stop(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock
) -> None:
    async with start_bot() as app:
        await onboard(api, RUNNER)
        api.send_command(RUNNER, "/pause")
        await api.next_message(RUNNER)
        api.press(RUNNER, "1 week")
        paused = await api.next_message(RUNNER)
        assert "Paused until" in paused.text
        row = runner_row(app, RUNNER)
        assert row is not None and row["status"] == "paused"
        a_week_from_now = (clock() + dt.timedelta(weeks=1)).timestamp()
        assert abs(row["paused_until"] - a_week_from_now) < 5
        api.send_command(RUNNER, "/resume")
        assert "on again" in (await api.next_message(RUNNER)).text
        api.send_command(RUNNER, "/resume")
        assert "already on" in (await api.next_message(RUNNER)).text
        api.send_command(RUNNER, "/stop")
        assert "won't send you any more" in (await api.next_message(RUNNER)).text
        assert runner_row(app, RUNNER)["status"] == "stopped"  # type: ignore[index]
        api.send_command(RUNNER, "/pause")
        assert "unsubscribed" in (await api.next_message(RUNNER)).text
        api.send_command(RUNNER, "/start")
        assert "Welcome back" in (await api.next_message(RUNNER)).text
        assert runner_row(app, RUNNER)["status"] == "active"  # type: ignore[index]


async def test_group_messages_are_not_treated_as_runners(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    async with start_bot() as app:
        api.send_group_text(-100500, RUNNER, "/start")
        reply = await api.next_message(-100500)
        assert "private chat" in reply.text
        assert runner_row(app, -100500) is None

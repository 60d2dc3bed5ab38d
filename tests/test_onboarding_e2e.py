"""End to end: the real bot, over real HTTP, against the local Bot API server (bot.testing)."""

from __future__ import annotations

import datetime as dt
from functools import partial

from bot.testing.botapi import BotMessage, FakeBotApi
from tests.conftest import BotFactory, FakeClock, onboard, runner_row
from tests.helpers import command

RUNNER = 1001


def ticked(api: FakeBotApi, message_id: int, label: str) -> bool:
    return f"✅ {label}" in api.message(RUNNER, message_id).button_texts()


async def country_question(api: FakeBotApi, place: str) -> BotMessage:
    """/start, then `place` for the time zone: the country question that follows."""
    api.send_command(RUNNER, "/start")
    for _ in range(2):
        await api.next_message(RUNNER)
    api.send_text(RUNNER, place)
    await api.next_message(RUNNER)  # zone set
    country = await api.next_message(RUNNER)
    assert "Which country" in country.text
    return country


async def days_question(api: FakeBotApi, country: BotMessage, button: str) -> BotMessage:
    """Press `button` on the country question: the running days question that follows."""
    api.press(RUNNER, button, message_id=country.message_id)
    days = await api.next_message(RUNNER)
    assert "running days" in days.text.lower()
    return days


async def test_new_runner_completes_onboarding(api: FakeBotApi, start_bot: BotFactory) -> None:
    async with start_bot() as app:
        welcome = await command(api, RUNNER, "/start")
        assert "not a diagnosis" in welcome.text
        assert "emergency" in welcome.text
        assert welcome.reply_markup and "keyboard" in welcome.reply_markup  # location button
        question = await api.next_message(RUNNER)
        assert "time zone" in question.text.lower()
        assert question.buttons, "common zones are offered as buttons"

        api.send_text(RUNNER, "new york")
        zone_set = await api.next_message(RUNNER)
        assert "America/New_York" in zone_set.text
        assert "1/6" in question.text
        country = await api.next_message(RUNNER)
        assert "2/6" in country.text and "Which country" in country.text
        assert "United States" in country.text, "suggested from the time zone"
        assert country.button_texts() == ["✅ United States", "🌍 Another country", "Skip"]
        api.press(RUNNER, "✅ United States", message_id=country.message_id)
        days = await api.next_message(RUNNER)
        assert "running days" in days.text.lower() and "3/6" in days.text
        assert days.text.startswith("✅ Country: United States.") and "call 911" in days.text
        api.press(RUNNER, "Tue")
        await api.wait_for(lambda: "✅ Tue" in api.message(RUNNER, days.message_id).button_texts())
        api.press(RUNNER, "Sat")
        await api.wait_for(lambda: "✅ Sat" in api.message(RUNNER, days.message_id).button_texts())
        api.press(RUNNER, "Done ✔️")

        run_q = await api.next_message(RUNNER)
        assert "usually run" in run_q.text and "4/6" in run_q.text
        api.send_text(RUNNER, "6:15pm")
        tip_q = await api.next_message(RUNNER)
        assert "Usual run time: 18:15" in tip_q.text and "daily tip" in tip_q.text
        assert "5/6" in tip_q.text
        api.press(RUNNER, "07:00")
        risk = await api.next_message(RUNNER)
        assert "Daily tip time: 07:00" in risk.text
        assert "6/6" in risk.text and "health questions" in risk.text and "optional" in risk.text
        for label in ("Under 20", "20-50", "Over 50", "I've had cancer", "Prefer not to say"):
            assert label in risk.button_texts(), risk.button_texts()
        for label in ("20-50", "I've had cancer"):
            api.press(RUNNER, label, message_id=risk.message_id)
            await api.wait_for(partial(ticked, api, risk.message_id, label))
        api.press(RUNNER, "Done ✔️", message_id=risk.message_id)
        summary = await api.next_message(RUNNER)
        assert "Health profile saved" in summary.text
        assert "America/New_York" in summary.text
        assert "🚑 Country: United States (emergency number 911)" in summary.text
        assert "Tue, Sat" in summary.text
        assert "18:15" in summary.text and "07:00" in summary.text
        assert "🧾 Health profile: 20-50, I've had cancer" in summary.text
        assert "Does this look right?" in summary.text
        api.press(RUNNER, "✅ Looks good")
        done = await api.next_message(RUNNER)
        assert "all set" in done.text

        row = runner_row(app, RUNNER)
        assert row is not None
        assert row["status"] == "active"
        assert row["timezone"] == "America/New_York"
        assert row["country"] == "US"
        assert row["run_days"] == "1,5"
        assert row["age_band"] == "20_50" and "cancer_history" in row["risk_factors"]
        assert not row["risk_declined"]
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
    async with start_bot() as app:
        country = await country_question(api, "Europe/Berlin")
        days = await days_question(api, country, "✅ Germany")
        api.press(RUNNER, "Mon")
        await api.wait_for(lambda: "✅ Mon" in api.message(RUNNER, days.message_id).button_texts())
        await app.update_persistence()  # what the persistence interval does each second
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
        assert row["country"] == "DE"


async def test_start_after_a_crash_before_persistence_resumes_too(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """Even if the conversation state was not flushed, /start picks up at the stored question."""
    async with start_bot():
        country = await country_question(api, "Madrid")
        assert "Spain" in country.text
        await days_question(api, country, "✅ Spain")
    async with start_bot() as app:
        resumed = await command(api, RUNNER, "/start")
        assert "pick up" in resumed.text
        days = await api.next_message(RUNNER)
        assert "running days" in days.text.lower()
        row = runner_row(app, RUNNER)
        assert row is not None and row["timezone"] == "Europe/Madrid" and row["country"] == "ES"


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
        country = await api.next_message(RUNNER)
        assert "Which country" in country.text
        api.send_sticker(RUNNER)
        assert "country's name" in (await api.next_message(RUNNER)).text
        api.send_text(RUNNER, "Atlantisville Prime")
        reply = await api.next_message(RUNNER)
        assert "couldn't find a country" in reply.text and "Atlantisville Prime" in reply.text
        api.send_text(RUNNER, "united")
        which = await api.next_message(RUNNER)
        assert "Which one" in which.text
        assert {"United States", "United Kingdom"} <= set(which.button_texts())
        forged = api.press_data(RUNNER, country.message_id, "p:cty:XX")
        await api.wait_for(lambda: api.callback_answer(forged) is not None)
        assert "earlier conversation" in api.callback_answer(forged)["text"]  # type: ignore[index]
        assert runner_row(app, RUNNER)["country"] is None  # type: ignore[index]
        api.press(RUNNER, "🌍 Another country", message_id=country.message_id)
        assert "Type your country's name" in (await api.next_message(RUNNER)).text
        api.send_text(RUNNER, "Germny")
        days = await api.next_message(RUNNER)
        assert "Country: Germany" in days.text and "running days" in days.text.lower()
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
        forged = api.press_data(RUNNER, days.message_id, "p:run:99:99")
        await api.wait_for(lambda: api.callback_answer(forged) is not None)  # handled
        row = runner_row(app, RUNNER)
        assert row is not None
        assert row["timezone"] == "Europe/Berlin" and row["run_days"] == "2"
        assert row["run_time"] is None and row["status"] == "onboarding"
        assert row["country"] == "DE"
        # The health questions answer stray input clearly too, and keep nothing forged.
        api.send_text(RUNNER, "7:00")
        await api.next_message(RUNNER)  # tip time question
        api.send_text(RUNNER, "8:00")
        risk = await api.next_message(RUNNER)
        assert "health questions" in risk.text
        api.send_text(RUNNER, "none of your business")
        assert "use the buttons" in (await api.next_message(RUNNER)).text
        api.send_sticker(RUNNER)
        assert "use the buttons" in (await api.next_message(RUNNER)).text
        for data in ("p:risk:f:bogus", "p:risk:age:99", "p:risk:f:age_over_50"):
            forged = api.press_data(RUNNER, risk.message_id, data)
            await api.wait_for(partial(api.callback_answer, forged))
            assert "earlier conversation" in api.callback_answer(forged)["text"]  # type: ignore[index]
        row = runner_row(app, RUNNER)
        assert row is not None
        assert (row["risk_factors"], row["age_band"], row["risk_declined"]) == (None, None, 0)
        api.press(RUNNER, "Prefer not to say", message_id=risk.message_id)
        summary = await api.next_message(RUNNER)
        assert "Health profile: prefer not to say" in summary.text
        assert "Does this look right?" in summary.text


async def test_done_with_no_days_is_refused_with_an_alert(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    async with start_bot():
        country = await country_question(api, "Tokyo")
        days = await days_question(api, country, "✅ Japan")
        query_id = api.press(RUNNER, "Done ✔️", message_id=days.message_id)
        await api.wait_for(lambda: api.callback_answer(query_id) is not None)
        answer = api.callback_answer(query_id)
        assert answer is not None and "at least one day" in answer["text"]


async def test_second_start_keeps_settings(api: FakeBotApi, start_bot: BotFactory) -> None:
    async with start_bot() as app:
        await onboard(api, RUNNER)
        before = runner_row(app, RUNNER)
        again = await command(api, RUNNER, "/start")
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
        menu = await command(api, RUNNER, "/settings")
        assert "Europe/Berlin" in menu.text and "What would you like to change?" in menu.text
        api.press(RUNNER, "⏰ Run time")
        await api.next_message(RUNNER)
        api.send_text(RUNNER, "18.30")
        saved = await api.next_message(RUNNER)
        assert "Saved" in saved.text
        api.press(RUNNER, "✔️ Close")
        closed = await api.next_message(RUNNER)
        assert "/settings" in closed.text and "saved" not in closed.text.lower()  # said once
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
        assert "don't know that command" in (await command(api, RUNNER, "/frobnicate")).text
        api.send_text(RUNNER, "what's the weather like?")
        assert "/help" in (await api.next_message(RUNNER)).text
        # Text that mentions symptoms gets the emergency signs first, and a way to a check-in.
        api.send_text(RUNNER, "my back hurts a bit")
        safety = await api.next_message(RUNNER)
        assert "call 112 now" in safety.text.lower() and "/help" not in safety.text
        assert safety.button_texts() == ["🩺 Start a check-in now"]
        api.send_sticker(RUNNER)
        assert "only read text" in (await api.next_message(RUNNER)).text
        assert "not a diagnosis" in (await command(api, RUNNER, "/help")).text


async def test_pause_resume_and_stop(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock
) -> None:
    async with start_bot() as app:
        await onboard(api, RUNNER)
        await command(api, RUNNER, "/pause")
        api.press(RUNNER, "1 week")
        paused = await api.next_message(RUNNER)
        assert "Paused until" in paused.text
        row = runner_row(app, RUNNER)
        assert row is not None and row["status"] == "paused"
        a_week_from_now = (clock() + dt.timedelta(weeks=1)).timestamp()
        assert abs(row["paused_until"] - a_week_from_now) < 5
        assert "on again" in (await command(api, RUNNER, "/resume")).text
        assert "already on" in (await command(api, RUNNER, "/resume")).text
        assert "won't send you any more" in (await command(api, RUNNER, "/stop")).text
        assert runner_row(app, RUNNER)["status"] == "stopped"  # type: ignore[index]
        assert "unsubscribed" in (await command(api, RUNNER, "/pause")).text
        assert "Welcome back" in (await command(api, RUNNER, "/start")).text
        assert runner_row(app, RUNNER)["status"] == "active"  # type: ignore[index]


async def test_group_messages_are_not_treated_as_runners(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    async with start_bot() as app:
        api.send_group_text(-100500, RUNNER, "/start")
        reply = await api.next_message(-100500)
        assert "private chat" in reply.text
        assert runner_row(app, -100500) is None


async def test_old_settings_buttons_after_delete_get_an_answer_not_an_error(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """/settings, /delete, then a press on the old menu: found by the update fuzzer."""
    async with start_bot():
        await onboard(api, 1001)
        menu = await command(api, 1001, "/settings")
        await command(api, 1001, "/delete")
        api.press(1001, "Yes, erase it all")
        await api.next_message(1001)
        # The erase ended the open conversation too: the old menu's button is stale.
        cq = api.press_data(1001, menu.message_id, "p:menu:risk")
        await api.wait_for(lambda: api.callback_answer(cq) is not None)
        assert "earlier conversation" in str(api.callback_answer(cq))
        for data in ("p:menu:country", "p:menu:days"):  # the conversation has ended now
            cq = api.press_data(1001, menu.message_id, data)
            await api.wait_for(lambda cq=cq: api.callback_answer(cq) is not None)
        assert not any("went wrong" in m.text for m in api.messages_to(1001))

"""End to end, against the local Bot API server: the clinical safety issue's defects.

Each test talks to the real bot as a runner would (commands, button presses, typed text) and
checks what the runner reads and what the database keeps: no ticked warning sign is dropped,
urgent signs are answered when ticked, the worst days are assessed, nothing about exercise goes
out after an alarm, follow-ups come once a day and are never lost, typed symptoms get the
emergency line, and the number to call fits the runner's country.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from bot.storage import schedule as schedule_db
from bot.storage import schema
from bot.testing.botapi import BotMessage, FakeBotApi
from tests.conftest import BotFactory, FakeClock, ticks
from tests.test_checkin_e2e import (
    answer_checkin,
    checkin_rows,
    press_and_read,
    runner,
    start_checkin,
    toggle,
)
from tests.test_delivery_e2e import add_runners, deliveries

UTC = dt.UTC
RUNNER = 7001
NOT_A_DIAGNOSIS = "not a diagnosis"
RUNNING_ADVICE = ("keep running", "running easy", "strength work going", "leg swings")


def texts_to(api: FakeBotApi, chat_id: int = RUNNER) -> list[str]:
    return [m.text for m in api.messages_to(chat_id)]


def checklist(api: FakeBotApi, chat_id: int = RUNNER) -> BotMessage:
    return [m for m in api.messages_to(chat_id) if "Do any of these" in m.text][-1]


def stale_press(api: FakeBotApi, message: BotMessage, data: str, chat_id: int = RUNNER) -> str:
    """Press a button the runner's keyboard no longer shows (an old copy of the message)."""
    return api.press_data(chat_id, message.message_id, data)


def delivery_id_of(message: BotMessage) -> str:
    data = next(d for row in message.buttons for _, d in row if d and d.startswith("ci:"))
    return data.split(":")[2]


async def wait_for_text(api: FakeBotApi, needle: str, chat_id: int = RUNNER) -> BotMessage:
    return await api.wait_for(
        lambda: next((m for m in api.messages_to(chat_id) if needle in m.text), None),
        timeout=5,
        message=f"no message containing {needle!r}",
    )


# ---------------------------------------------------------------------------------------------
# 1. A ticked sign is never thrown away


async def test_none_of_these_after_a_tick_never_drops_the_sign(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    async with start_bot():
        first = await answer_checkin(api, "4", "Back only")
        assert "None of these" in first.button_texts()
        await toggle(api, "Fever")
        urgent = await wait_for_text(api, "doctor today")  # answered at once, before Done
        assert NOT_A_DIAGNOSIS in urgent.text
        # Once anything is ticked, "None of these" is no longer offered...
        assert "None of these" not in api.message(RUNNER, first.message_id).button_texts()
        # ...and an old copy of it, pressed anyway, keeps what was ticked.
        stale_press(api, first, f"ci:f:{delivery_id_of(first)}:none")
        closing = await wait_for_text(api, "still stands")
        assert not any(phrase in closing.text.lower() for phrase in RUNNING_ADVICE)
    (row,) = checkin_rows(path)
    assert row["level"] == 3 and "fever" in json.loads(str(row["red_flags"]))
    assert not any(p in t.lower() for t in texts_to(api) for p in RUNNING_ADVICE)


async def test_after_an_emergency_none_of_these_brings_no_running_advice(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    async with start_bot():
        first = await answer_checkin(api, "2", "Back only")
        await toggle(api, "groin")
        emergency = await wait_for_text(api, "Call 112")
        assert emergency.text.startswith("🚨") and "<b>Call 112 now" in emergency.html
        # Unticking is not possible: the press is answered, the tick stays.
        cq = api.press(RUNNER, "✅", message_id=first.message_id)
        await api.wait_for(lambda: api.callback_answer(cq) is not None)
        assert "noted" in str(api.callback_answer(cq))
        stale_press(api, first, f"ci:f:{delivery_id_of(first)}:none")
        await wait_for_text(api, "emergency advice above")
    (row,) = checkin_rows(path)
    assert row["level"] == 4 and row["told_level"] == 4
    assert json.loads(str(row["red_flags"])) == ["saddle_numbness"]
    assert not any(p in t.lower() for t in texts_to(api) for p in RUNNING_ADVICE)


# ---------------------------------------------------------------------------------------------
# 2. Urgent signs are answered when ticked; an unfinished check-in still gets its verdict


async def test_urgent_signs_without_done_are_answered_and_closed_within_15_minutes(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    async with start_bot():
        await answer_checkin(api, "3", "Back only")
        await toggle(api, "Fever")
        await wait_for_text(api, "doctor today")
        await toggle(api, "night")  # same level: no second verdict
        before = len(api.messages_to(RUNNER))
        clock.advance(minutes=16)
        await api.wait_for(lambda: checkin_rows(path)[0]["status"] == "answered")
        assert len([t for t in texts_to(api) if "doctor today" in t]) == 1
        assert len(api.messages_to(RUNNER)) >= before
    (row,) = checkin_rows(path)
    assert (row["level"], row["closed_by"]) == (3, "sweep")
    assert set(json.loads(str(row["red_flags"]))) == {"fever", "night_pain"}


async def test_an_unfinished_check_in_at_see_clinician_gets_its_verdict(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    async with start_bot() as app:
        await answer_checkin(api, "7", "Buttock or thigh")  # checklist shown, never answered
        clock.advance(minutes=10)
        await ticks(api, app)  # the sweep has looked at the check-in...
        await api.expect_silence(RUNNER, 0)  # ...and not yet: the runner may still be answering
        clock.advance(minutes=6)
        verdict = await wait_for_text(api, "GP or physiotherapist")
        assert NOT_A_DIAGNOSIS in verdict.text
        await wait_for_text(api, "paused")
    (row,) = checkin_rows(path)
    assert (row["status"], row["level"], row["closed_by"]) == ("answered", 2, "sweep")
    assert runner(path)["running_paused"] == 1


# ---------------------------------------------------------------------------------------------
# 3. "I didn't run today" because of the back is assessed


async def test_didnt_run_because_of_the_back_goes_on_to_the_pain_question(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    async with start_bot():
        await start_checkin(api)
        why = await press_and_read(api, "I didn't run today")
        assert "Is your back the reason" in why.text
        pain = await press_and_read(api, "Yes, it's my back")
        assert "How's your back right now" in pain.text
        assert "I didn't run today" not in pain.button_texts()
        await press_and_read(api, "8")
        await press_and_read(api, "Back only")
        verdict = await press_and_read(api, "None of these")
        assert "GP or physiotherapist" in verdict.text
        await wait_for_text(api, "paused your warm-up")
        api.mark_read(RUNNER)
        # A plain rest day is still just a rest day.
        rest = await answer_checkin(api, "I didn't run today", "No, just a rest day")
        assert "Enjoy the rest day" in rest.text
    rows = checkin_rows(path)
    assert [(r["status"], r["no_run"], r["pain"]) for r in rows] == [
        ("answered", 1, 8),
        ("skipped", 0, None),
    ]


# ---------------------------------------------------------------------------------------------
# 4. After an alarm, no exercise or running content of any kind


async def test_no_exercise_content_after_an_emergency_until_cleared(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    async with start_bot() as app:
        api.send_command(RUNNER, "/tip")
        tip = await api.next_message(RUNNER)  # a tip before anything happened
        assert "Another tip" in " ".join(tip.button_texts())
        await answer_checkin(api, "5", "Back only")
        await toggle(api, "Both legs weak")
        await wait_for_text(api, "Call 112")
        await wait_for_text(api, "until a clinician")  # the hold notice
        sent_before = len(deliveries(path, runner_id=RUNNER, kind="tip", status="sent"))
        api.send_command(RUNNER, "/tip")
        refusal = await wait_for_text(api, "not sending exercise tips")
        assert "/resume" in refusal.text
        api.press(RUNNER, "Another tip", message_id=tip.message_id)
        await api.wait_for(
            lambda: len([t for t in texts_to(api) if "not sending exercise" in t]) == 2
        )
        # The next morning: no warm-up, no strength idea, no tip; the follow-up instead.
        clock.set(dt.datetime(2026, 6, 2, 8, 0, 5, tzinfo=UTC))
        follow_up = await wait_for_text(api, "checked by a doctor")
        assert "112" in follow_up.text and "✅ Checked and cleared" in follow_up.button_texts()
        api.press(RUNNER, "🙂 Better now", message_id=follow_up.message_id)
        still = await wait_for_text(api, "I'm glad it's easing")
        assert "stay paused until a doctor or physio has checked you" in still.text
        api.mark_read(RUNNER)
        clock.set(dt.datetime(2026, 6, 3, 6, 0, 5, tzinfo=UTC))  # Wednesday, a run day
        await ticks(api, app)
        await api.expect_silence(RUNNER, 0)
        assert len(deliveries(path, runner_id=RUNNER, kind="tip", status="sent")) == sent_before
        schedule = schedule_db.schedule_of(schema.connect(path), RUNNER)
        assert "warm_up" not in schedule and "check_in" not in schedule
        api.send_command(RUNNER, "/settings")
        settings = await api.next_message(RUNNER)
        assert "paused until a clinician clears you" in settings.text
        api.send_command(RUNNER, "/cancel")
        await api.next_message(RUNNER)
        # /resume asks for the clinician's clearance; only "yes" lifts the hold.
        api.send_command(RUNNER, "/resume")
        ask = await wait_for_text(api, "cleared you to run")
        api.press(RUNNER, "Not yet", message_id=ask.message_id)
        not_yet = await wait_for_text(api, "stay paused until you've been checked")
        assert not_yet.text.startswith("OK.")
        api.press_data(RUNNER, ask.message_id, "hold:cleared")
        lifted = await wait_for_text(api, "All your reminders are back on")
        assert lifted is not None
        api.send_command(RUNNER, "/tip")
        await api.wait_for(
            lambda: len(deliveries(path, runner_id=RUNNER, kind="tip", status="sent")) > sent_before
        )
    assert runner(path)["exercise_hold"] == 0


async def test_tips_already_queued_when_the_alarm_comes_are_dropped(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    async with start_bot():
        tip = await _first_tip(api)
        api.press(RUNNER, "Snooze", message_id=tip.message_id)  # back in an hour
        await api.wait_for(lambda: deliveries(path, runner_id=RUNNER, status="pending"))
        await answer_checkin(api, "6", "Down both legs")  # an emergency by itself
        await wait_for_text(api, "Call 112")
        clock.advance(hours=1, minutes=1)
        await api.wait_for(
            lambda: any(r["reason"] == "exercise_hold" for r in deliveries(path, runner_id=RUNNER))
        )
    snoozed = [r for r in deliveries(path, runner_id=RUNNER) if r["slot_id"].startswith("snooze")]
    assert [r["status"] for r in snoozed] == ["dropped"]


async def test_a_tip_asked_for_just_before_the_alarm_is_answered(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    """/tip and the answer that brings the hold in one batch: the hold drops the queued tip,
    and the runner is told it won't come instead of hearing nothing."""
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    async with start_bot():
        await start_checkin(api)
        where = await press_and_read(api, "6")
        with api.one_batch():
            api.send_command(RUNNER, "/tip")
            api.press(RUNNER, "Down both legs", message_id=where.message_id)
        await wait_for_text(api, "Call 112")
        notice = await wait_for_text(api, "until a clinician")
        await api.wait_for(lambda: not deliveries(path, runner_id=RUNNER, status="pending"))
    tips = deliveries(path, runner_id=RUNNER, kind="tip")
    assert len(tips) == 1
    if tips[0]["status"] == "sent":  # the tip went out before the answer came in
        assert "won't come" not in notice.text
    else:
        assert tips[0]["reason"] == "exercise_hold"
        assert "The tip you asked for a moment ago won't come" in notice.text


async def test_a_burst_of_tip_commands_gets_one_tip_and_an_answer_each(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    async with start_bot():
        with api.one_batch():  # all seven arrive together, within one second
            for _ in range(7):
                api.send_command(RUNNER, "/tip")
        await api.wait_for(lambda: len(api.messages_to(RUNNER)) >= 7, message="7 answers")
        await api.wait_for(lambda: not deliveries(path, runner_id=RUNNER, status="pending"))
    answers = texts_to(api)
    tips = deliveries(path, runner_id=RUNNER, kind="tip", status="sent")
    assert len(answers) == 7
    assert not any("no tips to send" in t for t in answers), answers
    assert len(tips) == 7 - sum("on its way" in t for t in answers) >= 1


async def test_a_runner_who_erased_their_data_during_a_hold_starts_clean(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    async with start_bot():
        await answer_checkin(api, "6", "Down both legs")
        await wait_for_text(api, "until a clinician")
        api.send_command(RUNNER, "/delete")
        ask = await wait_for_text(api, "Erase everything")
        api.press_data(RUNNER, ask.message_id, "del:yes")
        await wait_for_text(api, "everything about you is erased")
        add_runners(api, path, [RUNNER], clock())  # they sign up again
        api.mark_read(RUNNER)
        api.send_command(RUNNER, "/tip")
        tip = await api.next_message(RUNNER)
    assert "Another tip" in " ".join(tip.button_texts())
    assert [t["status"] for t in deliveries(path, runner_id=RUNNER, kind="tip")] == ["sent"]


async def _first_tip(api: FakeBotApi) -> BotMessage:
    api.send_command(RUNNER, "/tip")
    return await api.next_message(RUNNER)


# ---------------------------------------------------------------------------------------------
# 5. Follow-ups: one a day, never dropped as late, daily for a week, a way back


async def test_three_escalations_in_a_day_bring_one_follow_up(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    async with start_bot():
        for pain in ("5", "6", "5"):  # below the knee: book a GP or physio, three times
            await answer_checkin(api, pain, "Below the knee", "None of these")
            if pain == "5" and not runner(path)["follow_ups_sent"]:
                await wait_for_text(api, "paused your warm-up")
            api.mark_read(RUNNER)
        clock.set(dt.datetime(2026, 6, 2, 8, 0, 5, tzinfo=UTC))
        await wait_for_text(api, "booked a GP or physio")
        clock.set(dt.datetime(2026, 6, 2, 12, 0, 5, tzinfo=UTC))
        await api.wait_for(lambda: runner(path)["follow_ups_sent"] == 1)
    follow_ups = deliveries(path, runner_id=RUNNER, kind="follow_up")
    assert len(follow_ups) == 1 and follow_ups[0]["status"] == "sent"


async def test_a_follow_up_due_during_downtime_is_sent_late_not_dropped(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    async with start_bot():
        await answer_checkin(api, "3", "Back only")
        await toggle(api, "Fever")
        await wait_for_text(api, "doctor today")
    clock.set(dt.datetime(2026, 6, 4, 15, 0, tzinfo=UTC))  # three days later, well past grace
    async with start_bot():
        follow_up = await wait_for_text(api, "checked by a doctor")
        assert "✅ Checked and cleared" in follow_up.button_texts()
        await api.wait_for(lambda: runner(path)["follow_ups_sent"] == 1)
    sent = deliveries(path, runner_id=RUNNER, kind="follow_up")
    assert [r["status"] for r in sent] == ["sent"]  # one, not a backlog of three
    assert runner(path)["follow_up_at"] == int(
        dt.datetime(2026, 6, 5, 8, 0, tzinfo=UTC).timestamp()
    )


async def test_follow_ups_repeat_daily_then_stop_after_a_week_saying_how_to_resume(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    async with start_bot():
        await start_checkin(api)
        await press_and_read(api, "9")  # very severe pain: urgent at once
        await wait_for_text(api, "doctor today")
        for day in range(2, 10):
            clock.set(dt.datetime(2026, 6, day, 8, 0, 5, tzinfo=UTC))
            expected = min(day - 1, 7)
            await api.wait_for(lambda n=expected: runner(path)["follow_ups_sent"] == n)
            await api.wait_for(
                lambda n=expected: len(deliveries(path, kind="follow_up", status="sent")) == n
            )
        follow_ups = [
            m for m in api.messages_to(RUNNER) if m.button_texts()[:1] == ["✅ Checked and cleared"]
        ]
        assert len(follow_ups) == 7
        assert "/resume" in follow_ups[-1].text
        assert "/resume" not in follow_ups[0].text
    assert runner(path)["follow_up_at"] is None
    assert runner(path)["exercise_hold"] == 1  # still held: only the runner can lift it


async def test_settings_and_resume_show_a_running_pause_with_a_way_back(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    async with start_bot():
        await answer_checkin(api, "5", "Below the knee", "None of these")
        await wait_for_text(api, "paused")
        api.send_command(RUNNER, "/settings")
        settings = await wait_for_text(api, "Your BackStride settings")
        assert "warm-up and form reminders paused" in settings.text
        api.send_command(RUNNER, "/cancel")
        await api.next_message(RUNNER)
        api.send_command(RUNNER, "/resume")
        back = await wait_for_text(api, "back on")
        assert "Warm-up and form" in back.text
        assert "warm_up" in schedule_db.schedule_of(schema.connect(path), RUNNER)
    assert (runner(path)["running_paused"], runner(path)["follow_up_at"]) == (0, None)


# ---------------------------------------------------------------------------------------------
# 6. Typed symptoms get the emergency line and a way into the check-in


async def test_typed_symptoms_get_the_emergency_line_and_a_check_in_button(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    add_runners(api, tmp_path / "bot.db", [RUNNER], clock())
    async with start_bot():
        api.send_text(RUNNER, "my back hurts a lot and my leg is numb")
        reply = await api.next_message(RUNNER)
        assert "112" in reply.text.splitlines()[0] and "<b>" in reply.html.split("\n")[0]
        assert NOT_A_DIAGNOSIS in reply.text
        question = await press_and_read(api, "Start a check-in now")
        assert "How's your back" in question.text
        api.send_text(RUNNER, "thanks, see you")
        plain = await api.next_message(RUNNER)
        assert "112" not in plain.text


# ---------------------------------------------------------------------------------------------
# The number to call: the country is asked (suggested from the zone or the location)


async def _onboard_and_get_emergency(
    api: FakeBotApi, chat_id: int, *, where: str | tuple[float, float], country: str
) -> BotMessage:
    api.send_command(chat_id, "/start")
    await api.next_message(chat_id)  # welcome
    await api.next_message(chat_id)  # time zone question
    if isinstance(where, tuple):
        api.send_location(chat_id, *where)
    elif where == "UTC":
        api.press(chat_id, "UTC")
    else:
        api.send_text(chat_id, where)
    await api.next_message(chat_id)  # zone set
    question = await api.next_message(chat_id)
    assert "Which country" in question.text, question.text
    api.press(chat_id, country, message_id=question.message_id)
    days = await api.next_message(chat_id)
    api.press(chat_id, "Mon", message_id=days.message_id)
    await api.wait_for(lambda: api.message(chat_id, days.message_id).edit_count > 0)
    api.press(chat_id, "Done", message_id=days.message_id)
    await api.next_message(chat_id)  # run time question
    api.send_text(chat_id, "07:00")
    await api.next_message(chat_id)
    api.send_text(chat_id, "08:00")
    await api.next_message(chat_id)  # health questions
    api.press(chat_id, "Prefer not to say")
    await api.next_message(chat_id)  # summary
    api.press(chat_id, "Looks good")
    await api.next_message(chat_id)
    await start_checkin(api, chat_id)
    await press_and_read(api, "2", chat_id)
    await press_and_read(api, "Back only", chat_id)
    await toggle(api, "groin", chat_id)
    return await api.wait_for(
        lambda: next((m for m in api.messages_to(chat_id) if m.text.startswith("🚨")), None)
    )


async def test_the_number_to_call_follows_the_country(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    cases = [
        # (chat, where, country button, expected first line fragment)
        (8001, (54.597, -5.930), "United Kingdom", "Call 999"),  # Belfast, by location
        (8002, "Oslo", "Norway", "Call 113"),
        (8003, (43.508, 16.440), "Croatia", "Call 112"),  # Split, by location
        (8004, "UTC", "Skip", "Call 112 (or 911 in North and Central America, 999 in the UK)"),
    ]
    async with start_bot():
        for chat_id, where, country, expected in cases:
            api.add_chat(chat_id)
            emergency = await _onboard_and_get_emergency(api, chat_id, where=where, country=country)
            first_line = emergency.text.splitlines()[0]
            assert expected in first_line, (where, first_line)
            assert emergency.html.splitlines()[0].count("<b>") == 1
    codes = {chat: runner(tmp_path / "bot.db", chat)["country"] for chat, *_ in cases}
    assert codes == {8001: "GB", 8002: "NO", 8003: "HR", 8004: ""}


async def test_the_risk_profile_is_asked_once_kept_and_used(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    chat_id = 8100
    api.add_chat(chat_id)
    async with start_bot():
        api.send_command(chat_id, "/start")
        await api.next_message(chat_id)
        await api.next_message(chat_id)
        api.send_text(chat_id, "London")
        await api.next_message(chat_id)
        await api.next_message(chat_id)  # which country (suggested: the United Kingdom)
        await press_and_read(api, "United Kingdom", chat_id)  # days question
        api.press(chat_id, "Tue")
        await api.wait_for(lambda: "✅ Tue" in api.last_message(chat_id).button_texts())
        await press_and_read(api, "Done", chat_id)
        api.send_text(chat_id, "18:00")
        await api.next_message(chat_id)
        api.send_text(chat_id, "09:00")
        risk = await api.next_message(chat_id)
        assert "optional" in risk.text.lower() and "Prefer not to say" in risk.button_texts()
        api.press(chat_id, "Over 50", message_id=risk.message_id)
        await api.wait_for(
            lambda: "✅ Over 50" in api.message(chat_id, risk.message_id).button_texts()
        )
        api.press(chat_id, "cancer", message_id=risk.message_id)
        await api.wait_for(
            lambda: any(
                t.startswith("✅") and "cancer" in t.lower()
                for t in api.message(chat_id, risk.message_id).button_texts()
            )
        )
        summary = await press_and_read(api, "Done", chat_id)
        assert "Over 50" in summary.text and "Health profile" in summary.text
        await press_and_read(api, "Looks good", chat_id)
        # New back pain with a history of cancer: see a doctor today, even at pain 2.
        await start_checkin(api, chat_id)
        verdict = await press_and_read(api, "2", chat_id)  # answered at once
        assert "doctor today" in verdict.text and "NHS 111" in verdict.text
        assert "cancer" in verdict.text
        api.send_command(chat_id, "/mydata")
        export = await api.wait_for(
            lambda: next((m for m in api.messages_to(chat_id) if m.kind == "document"), None)
        )
        assert export.file is not None
        assert "I've had cancer" in json.loads(export.file)["settings"]["health_profile"]
    row = runner(path, chat_id)
    assert (row["age_band"], json.loads(str(row["risk_factors"]))) == (
        "over_50",
        ["cancer_history"],
    )


async def test_typed_symptoms_mid_onboarding_get_the_emergency_line_first(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    chat_id = 8200
    api.add_chat(chat_id)
    async with start_bot():
        api.send_command(chat_id, "/start")
        await api.next_message(chat_id)
        await api.next_message(chat_id)  # time zone question
        api.send_text(chat_id, "my legs are numb and I can't pee")
        reply = await api.next_message(chat_id)
        assert reply.text.startswith("🚨") and "112 (or 911" in reply.text.splitlines()[0]
        assert "carry on with the question above" in reply.text
        api.send_text(chat_id, "Berlin")  # the question is still the time zone
        saved = await api.next_message(chat_id)
        assert "Europe/Berlin" in saved.text
    assert runner(tmp_path / "bot.db", chat_id)["timezone"] == "Europe/Berlin"

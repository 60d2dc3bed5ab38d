"""The post-run check-in: pain 0-10, where it goes, the warning-sign checklist, the verdict.

Every step is a button whose data carries the check-in's outbox row id, and the answers so far
live in the ``checkins`` row, so there is no in-memory conversation state to lose: a restart in
the middle simply continues with the next button press. Triage is ``bot.triage.assess`` (pure);
the wording is ``bot.advice``. An emergency sign is answered the moment it is ticked, before
Done, and as a reply it goes ahead of every queued reminder.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot import advice, db, delivery, progress, texts
from bot.handlers.common import (
    Context,
    answer_query,
    keyboard,
    live_runner,
    parse_id,
    private_chat_id,
    say,
)
from bot.keyboards import (
    RED_FLAGS,
    flag_rows,
    radiation_rows,
    unusual_rows,
)
from bot.models import SlotKind
from bot.planner import next_due
from bot.ratelimit import REMINDER_PRIORITY, REPLY_PRIORITY
from bot.services import Services, services
from bot.triage import Answers, Level, PastCheckIn, Radiation, RedFlag, Verdict, assess

log = logging.getLogger(__name__)

EMERGENCY_FLAGS = frozenset(
    {RedFlag.SADDLE_NUMBNESS, RedFlag.BLADDER_BOWEL, RedFlag.BOTH_LEGS_WEAKNESS}
)
HISTORY_DAYS = 60
RAN_DELAY = dt.timedelta(hours=1)
FOLLOW_UP_HOUR = dt.time(10, 0)


# ---------------------------------------------------------------------------------------------
# Helpers


def _zone(row: dict[str, Any] | None) -> ZoneInfo:
    return ZoneInfo((row or {}).get("timezone") or "UTC")


async def _edit(update: Update, text: str | None = None) -> None:
    """Replace the pressed message's buttons with the answer given (or just drop them)."""
    query = update.callback_query
    if query is None:
        return
    try:
        if text is None:
            await query.edit_message_reply_markup(reply_markup=None)
        else:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=None)
    except BadRequest as exc:
        log.debug("could not edit the check-in message: %s", exc)


def _flags(checkin: dict[str, Any]) -> list[RedFlag]:
    return [RedFlag(value) for value in json.loads(checkin["red_flags"] or "[]")]


async def _verdict_for(
    svc: Services, checkin: dict[str, Any], flags: list[RedFlag]
) -> tuple[Verdict, str]:
    runner_id = int(checkin["runner_id"])
    today = dt.date.fromisoformat(checkin["day"])
    since = (today - dt.timedelta(days=HISTORY_DAYS)).isoformat()
    past = await svc.store.run(db.pain_history, runner_id, since)
    history = [PastCheckIn(dt.date.fromisoformat(day), pain) for day, pain in past]
    radiation = Radiation(checkin["radiation"] or Radiation.NONE.value)
    answers = Answers(pain=int(checkin["pain"]), radiation=radiation, red_flags=frozenset(flags))
    verdict = assess(answers, history, today)
    row = await svc.store.run(db.get_runner_row, runner_id)
    zone = (row or {}).get("timezone") or "UTC"
    return verdict, advice.verdict_message(verdict, pain=answers.pain, timezone=zone)


# ---------------------------------------------------------------------------------------------
# Starting a check-in


async def checkin_now(update: Update, context: Context) -> None:
    """/checkin: the first question straight away (through the outbox, ahead of reminders)."""
    svc = services(context)
    row = await live_runner(update, context, texts.CHECKIN_NOT_SUBSCRIBED)
    if row is None:
        return
    chat_id = int(row["chat_id"])
    await svc.store.run(
        delivery.queue_now,
        chat_id,
        kind=SlotKind.CHECK_IN.value,
        now=svc.now(),
        priority=REPLY_PRIORITY,
        slot_id="cmd_checkin",
    )
    svc.wake_sender()


async def ran(update: Update, context: Context) -> None:
    """/ran: check in an hour from now instead of at the planned time; once a day."""
    svc = services(context)
    row = await live_runner(update, context, texts.CHECKIN_NOT_SUBSCRIBED)
    if row is None:
        return
    chat_id = int(row["chat_id"])
    now = svc.now()
    zone = _zone(row)
    local_today = now.astimezone(zone).date()
    day_start = dt.datetime.combine(local_today, dt.time(0), zone)
    day_end = dt.datetime.combine(local_today + dt.timedelta(days=1), dt.time(0), zone)
    start, end = int(day_start.timestamp()), int(day_end.timestamp())
    if await svc.store.run(db.has_delivery_between, chat_id, "ran", start, end):
        await say(update, texts.CHECKIN_RAN_ALREADY)
        return
    at = now + RAN_DELAY
    await svc.store.run(
        delivery.queue_now,
        chat_id,
        kind=SlotKind.CHECK_IN.value,
        now=now,
        at=at,
        priority=REMINDER_PRIORITY,
        slot_id="ran",
    )
    # This replaces today's planned check-in, if it is still to come.
    runner = db.runner_from_row(row)
    slots = await svc.store.run(delivery.plan_slots)
    for slot in slots:
        if slot.kind is SlotKind.CHECK_IN:
            after = day_end - dt.timedelta(microseconds=1)
            following = next_due(slot, runner, after)
            new_due = int(following.timestamp()) if following else None
            await svc.store.run(db.skip_instant, chat_id, slot.id, start, end, new_due)
    await say(update, texts.CHECKIN_SOON.format(time=at.astimezone(zone).strftime("%H:%M")))


# ---------------------------------------------------------------------------------------------
# The answers


async def checkin_button(update: Update, context: Context) -> None:
    svc = services(context)
    query = update.callback_query
    chat_id = private_chat_id(update)
    assert query is not None and query.data is not None
    parts = query.data.split(":")
    delivery_id = parse_id(parts[2]) if len(parts) >= 3 else None
    if delivery_id is None or chat_id is None:
        await answer_query(update, texts.STALE_BUTTON)
        return
    step, value = parts[1], (parts[3] if len(parts) > 3 else "")
    sent = await svc.store.run(db.get_delivery, delivery_id)
    if sent is None or sent["runner_id"] != chat_id or sent["kind"] != SlotKind.CHECK_IN.value:
        await answer_query(update, texts.STALE_BUTTON)
        return
    checkin = await svc.store.run(db.get_checkin, delivery_id)
    if checkin is None:
        asked_at = sent["sent_at"] or sent["due"]
        if svc.now_ts() - asked_at > delivery.CHECK_IN_EXPIRY.total_seconds():
            await answer_query(update, texts.CHECKIN_CLOSED, alert=True)
            await _edit(update)
            return
        row = await svc.store.run(db.get_runner_row, chat_id)
        day = dt.datetime.fromtimestamp(asked_at, dt.UTC).astimezone(_zone(row)).date()
        checkin = await svc.store.run(
            db.open_checkin, chat_id, delivery_id, day=day.isoformat(), asked_at=asked_at
        )
    if checkin["status"] in ("answered", "skipped"):
        await answer_query(update, texts.CHECKIN_ALREADY_DONE)
        await _edit(update)
        return
    if checkin["status"] == "unanswered":
        await answer_query(update, texts.CHECKIN_CLOSED, alert=True)
        await _edit(update)
        return
    handler = _STEPS.get((step, checkin["step"]))
    if handler is None:
        await answer_query(update, texts.STALE_BUTTON)
        return
    await handler(update, svc, checkin, value)


async def _pain(update: Update, svc: Services, checkin: dict[str, Any], value: str) -> None:
    pain = parse_id(value)
    if pain is None or not 0 <= pain <= 10:
        await answer_query(update, texts.STALE_BUTTON)
        return
    await answer_query(update)
    delivery_id = int(checkin["delivery_id"])
    if pain == 0:
        await svc.store.run(
            db.update_checkin, checkin["id"], pain=0, radiation=Radiation.NONE.value, step="unusual"
        )
    else:
        await svc.store.run(db.update_checkin, checkin["id"], pain=pain, step="where")
    await _edit(update, f"{texts.CHECKIN_PROMPT}\n\n{texts.CHECKIN_PAIN_SET.format(pain=pain)}")
    if pain == 0:
        await say(update, texts.CHECKIN_UNUSUAL, keyboard(unusual_rows(delivery_id)))
    else:
        await say(update, texts.CHECKIN_WHERE, keyboard(radiation_rows(delivery_id)))


async def _no_run(update: Update, svc: Services, checkin: dict[str, Any], value: str) -> None:
    await answer_query(update)
    await svc.store.run(
        db.update_checkin,
        checkin["id"],
        status="skipped",
        step="done",
        answered_at=svc.now_ts(),
    )
    await _edit(update, f"{texts.CHECKIN_PROMPT}\n\n<i>{texts.CHECKIN_NO_RUN}</i>")
    await say(update, texts.CHECKIN_NO_RUN_THANKS)


async def _where(update: Update, svc: Services, checkin: dict[str, Any], value: str) -> None:
    try:
        radiation = Radiation(value)
    except ValueError:
        await answer_query(update, texts.STALE_BUTTON)
        return
    await answer_query(update)
    await svc.store.run(db.update_checkin, checkin["id"], radiation=radiation.value, step="flags")
    await _edit(update, f"{texts.CHECKIN_WHERE}\n{advice.RADIATION_LABELS[radiation]}")
    rows = flag_rows(int(checkin["delivery_id"]), ())
    await say(update, texts.CHECKIN_FLAGS, keyboard(rows))


async def _unusual(update: Update, svc: Services, checkin: dict[str, Any], value: str) -> None:
    if value not in ("yes", "no"):
        await answer_query(update, texts.STALE_BUTTON)
        return
    await answer_query(update)
    label = texts.CHECKIN_UNUSUAL_YES if value == "yes" else texts.CHECKIN_UNUSUAL_NO
    await _edit(update, f"{texts.CHECKIN_UNUSUAL}\n<i>{label}</i>")
    if value == "no":
        await _finish(update, svc, checkin, [])
        return
    await svc.store.run(db.update_checkin, checkin["id"], step="flags")
    await say(update, texts.CHECKIN_FLAGS, keyboard(flag_rows(int(checkin["delivery_id"]), ())))


async def _flag(update: Update, svc: Services, checkin: dict[str, Any], value: str) -> None:
    if value in ("none", "done"):
        await answer_query(update)
        await _edit(update)
        await _finish(update, svc, checkin, [] if value == "none" else _flags(checkin))
        return
    index = parse_id(value)
    if index is None or index >= len(RED_FLAGS):
        await answer_query(update, texts.STALE_BUTTON)
        return
    flag = RED_FLAGS[index]
    flags = _flags(checkin)
    flags = [f for f in flags if f is not flag] if flag in flags else [*flags, flag]
    await svc.store.run(db.update_checkin, checkin["id"], red_flags=[f.value for f in flags])
    await answer_query(update)
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_reply_markup(
            keyboard(flag_rows(int(checkin["delivery_id"]), flags))
        )
    except BadRequest as exc:
        log.debug("could not update the checklist: %s", exc)
    if flag in flags and flag in EMERGENCY_FLAGS and not checkin["escalated_at"]:
        # Emergency signs win, at once: no waiting for Done, nothing queued goes first.
        checkin = {**checkin, "red_flags": json.dumps([f.value for f in flags])}
        verdict, message = await _verdict_for(svc, checkin, flags)
        await say(update, message)
        await svc.store.run(db.update_checkin, checkin["id"], escalated_at=svc.now_ts())
        log.warning("check-in escalated: emergency advice sent")
        await _after_escalation(update, svc, checkin, verdict)


async def _finish(
    update: Update, svc: Services, checkin: dict[str, Any], flags: list[RedFlag]
) -> None:
    fresh = await svc.store.run(db.get_checkin, int(checkin["delivery_id"]))
    checkin = fresh or checkin
    verdict, message = await _verdict_for(svc, checkin, flags)
    await svc.store.run(
        db.update_checkin,
        checkin["id"],
        red_flags=[f.value for f in flags],
        level=int(verdict.level),
        reasons=list(verdict.reasons),
        status="answered",
        step="done",
        answered_at=svc.now_ts(),
    )
    already_escalated = bool(checkin["escalated_at"]) and verdict.level is Level.EMERGENCY
    await say(update, texts.CHECKIN_EMERGENCY_DONE if already_escalated else message)
    if verdict.level >= Level.SEE_CLINICIAN and not already_escalated:
        await _after_escalation(update, svc, checkin, verdict)
    if verdict.level >= Level.URGENT:
        log.warning("check-in escalated: level %s", verdict.level.name)


async def _after_escalation(
    update: Update, svc: Services, checkin: dict[str, Any], verdict: Verdict
) -> None:
    """Pause running-specific reminders and ask tomorrow how it's going."""
    runner_id = int(checkin["runner_id"])
    row = await svc.store.run(db.get_runner_row, runner_id)
    if row is None:
        return
    if not row["running_paused"]:
        await svc.store.run(db.update_runner, runner_id, now=svc.now_ts(), running_paused=1)
        await svc.reschedule(runner_id)
        await say(update, texts.RUNNING_PAUSED_NOTE)
    await queue_follow_up(svc, runner_id, row, f"fu:{checkin['delivery_id']}")


async def queue_follow_up(svc: Services, runner_id: int, row: dict[str, Any], key: str) -> None:
    zone = _zone(row)
    tomorrow = svc.now().astimezone(zone).date() + dt.timedelta(days=1)
    at = dt.datetime.combine(tomorrow, FOLLOW_UP_HOUR, zone)
    await svc.store.run(
        delivery.queue_now,
        runner_id,
        kind=delivery.FOLLOW_UP,
        now=svc.now(),
        at=at,
        priority=REMINDER_PRIORITY,
        slot_id=key,
    )


_STEPS = {
    ("p", "pain"): _pain,
    ("norun", "pain"): _no_run,
    ("r", "where"): _where,
    ("u", "unusual"): _unusual,
    ("f", "flags"): _flag,
}


# ---------------------------------------------------------------------------------------------
# The day after an escalation


async def follow_up_button(update: Update, context: Context) -> None:
    svc = services(context)
    query = update.callback_query
    chat_id = private_chat_id(update)
    assert query is not None and query.data is not None
    _, raw_id, answer = [*query.data.split(":", 2), "", ""][:3]
    follow_up_id = parse_id(raw_id)
    sent = await svc.store.run(db.get_delivery, follow_up_id) if follow_up_id else None
    valid = answer in texts.FOLLOW_UP_BUTTONS
    if (
        sent is None
        or sent["runner_id"] != chat_id
        or sent["kind"] != delivery.FOLLOW_UP
        or not valid
    ):
        await answer_query(update, texts.STALE_BUTTON)
        return
    assert chat_id is not None
    await answer_query(update)
    await _edit(
        update, f"{advice.follow_up_question()}\n\n<i>{texts.FOLLOW_UP_BUTTONS[answer]}</i>"
    )
    if answer in ("checked", "better"):
        await svc.store.run(db.update_runner, chat_id, now=svc.now_ts(), running_paused=0)
        await svc.reschedule(chat_id)
        await say(update, texts.FOLLOW_UP_RESUMED)
    elif answer == "same":
        row = await svc.store.run(db.get_runner_row, chat_id)
        await say(update, texts.FOLLOW_UP_SAME)
        if row is not None:
            await queue_follow_up(svc, chat_id, row, f"fu:{raw_id}")
    else:  # worse: the checklist again, now
        await say(update, texts.FOLLOW_UP_WORSE)
        await svc.store.run(
            delivery.queue_now,
            chat_id,
            kind=SlotKind.CHECK_IN.value,
            now=svc.now(),
            priority=REPLY_PRIORITY,
            slot_id=f"worse:{raw_id}",
        )
        svc.wake_sender()


# ---------------------------------------------------------------------------------------------
# /progress


async def progress_command(update: Update, context: Context) -> None:
    svc = services(context)
    row = await live_runner(update, context)
    chat = update.effective_chat
    if row is None or chat is None:
        return
    chat_id = int(row["chat_id"])
    today = svc.now().astimezone(_zone(row)).date()
    since = (today - dt.timedelta(days=27)).isoformat()
    points = [
        progress.DayPain(dt.date.fromisoformat(day), pain)
        for day, pain in await svc.store.run(db.pain_history, chat_id, since)
    ]
    text = progress.summary_text(progress.summarise(points, today))
    # Rendering takes ~0.1 s (more on first use): off the event loop.
    chart = await asyncio.to_thread(progress.render_chart, points, today)
    await chat.send_photo(chart, caption=text, parse_mode=ParseMode.HTML)


def register(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    application.add_handlers(
        [
            CommandHandler("checkin", checkin_now, filters=private),
            CommandHandler("ran", ran, filters=private),
            CommandHandler("progress", progress_command, filters=private),
            CallbackQueryHandler(checkin_button, pattern=r"^ci:"),
            CallbackQueryHandler(follow_up_button, pattern=r"^fu:"),
        ]
    )

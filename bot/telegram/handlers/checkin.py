"""The post-run check-in: pain 0-10, where it goes, the warning-sign checklist, the verdict.

Every step is a button whose data carries the check-in's outbox row id, and the answers so far
live in the ``checkins`` row, so there is no in-memory conversation state to lose: a restart in
the middle simply continues with the next button press.

Nothing is left without buttons: after a press the pressed message shows the answer but keeps
its keyboard until the next question has been sent, and only then loses it. If that send fails
(or the bot dies first), the old buttons still work: a press on them re-sends the question the
check-in is on, as do ``/checkin`` and typed text while a check-in is open. A reply without
buttons that could not be sent (a verdict, a hold notice) goes to the outbox instead.

Each press is one use case in ``bot.checkins`` (one transaction); this module only parses the
update and renders what the service returned. Replies, the emergency message among them, go
ahead of every queued reminder.
"""

from __future__ import annotations

import datetime as dt
import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.core import advice, progress, texts
from bot.core.escalation import Outcome
from bot.core.symptoms import mentions_symptoms
from bot.services import checkins
from bot.services.runtime import Services, services
from bot.telegram import chart
from bot.telegram.handlers import settings as settings_handlers
from bot.telegram.handlers.common import (
    Context,
    Handlers,
    answer_query,
    keyboard,
    parse_id,
    private_chat_id,
    private_commands,
    refuse_not_live,
    say,
)

log = logging.getLogger(__name__)

RAN_DELAY = dt.timedelta(hours=1)


# ---------------------------------------------------------------------------------------------
# Helpers


async def _edit(update: Update, text: str | None = None, *, keep_buttons: bool = False) -> None:
    """Replace the pressed message's text with the answer given and drop its buttons (or just
    drop them); `keep_buttons`: change the text only, the buttons stay usable."""
    query = update.callback_query
    if query is None:
        return
    markup = getattr(query.message, "reply_markup", None) if keep_buttons else None
    try:
        if text is None:
            await query.edit_message_reply_markup(reply_markup=None)
        else:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except TelegramError as exc:
        log.debug("could not edit the check-in message: %s", exc)


async def _send_question(update: Update, reply: checkins.Reply, lead: str = "") -> None:
    text = f"{lead}\n\n{reply.text}" if lead else reply.text
    await say(update, text, keyboard(reply.rows) if reply.rows else None)


# ---------------------------------------------------------------------------------------------
# Starting a check-in


async def checkin_now(update: Update, context: Context) -> None:
    """/checkin: the first question straight away (through the outbox, ahead of reminders)."""
    svc = services(context)
    chat_id = private_chat_id(update)
    started = (
        await svc.store.run(checkins.start_now, chat_id=chat_id, now=svc.now())
        if chat_id is not None
        else checkins.StartNow(False)
    )
    if not started.subscribed:
        await refuse_not_live(update, context, texts.T.CHECKIN_NOT_SUBSCRIBED)
        return
    if started.resume is not None:
        # A check-in is open: carry on with the question it is on, not a new one.
        await _send_question(update, started.resume, texts.T.CHECKIN_RESUMED)
        return
    svc.wake_sender()


async def checkin_text(update: Update, context: Context) -> None:
    """Typed text while a check-in is open: show its question again, with its buttons (typed
    symptoms get the safety message first). Anything else: the general answer to text."""
    svc = services(context)
    chat_id = private_chat_id(update)
    question = (
        await svc.store.run(checkins.open_question, chat_id=chat_id, now=svc.now())
        if chat_id is not None
        else None
    )
    message = update.effective_message
    typed = (message.text or "") if message is not None else ""
    if question is None or mentions_symptoms(typed):
        await settings_handlers.unknown_text(update, context)
    if question is not None:
        await _send_question(update, question, texts.T.CHECKIN_HERE_IS_QUESTION)


async def ran(update: Update, context: Context) -> None:
    """/ran: check in an hour from now instead of at the planned time; once a day."""
    svc = services(context)
    chat_id = private_chat_id(update)
    result = (
        await svc.store.run(checkins.ran, chat_id=chat_id, now=svc.now(), delay=RAN_DELAY)
        if chat_id is not None
        else checkins.RanResult(checkins.RanState.NOT_LIVE)
    )
    if result.state is checkins.RanState.NOT_LIVE:
        await refuse_not_live(update, context, texts.T.CHECKIN_NOT_SUBSCRIBED)
    elif result.state is checkins.RanState.ALREADY:
        await say(update, texts.T.CHECKIN_RAN_ALREADY)
    else:
        assert result.at_local is not None
        await say(update, texts.T.CHECKIN_SOON.format(time=result.at_local.strftime("%H:%M")))


# ---------------------------------------------------------------------------------------------
# The answers: parse the press, run it as one transaction, render what it returned


async def checkin_button(update: Update, context: Context) -> None:
    svc = services(context)
    query = update.callback_query
    chat_id = private_chat_id(update)
    assert query is not None
    parts = (query.data or "").split(":")
    delivery_id = parse_id(parts[2]) if len(parts) >= 3 else None
    if delivery_id is None or chat_id is None:
        await answer_query(update, texts.T.STALE_BUTTON)
        return
    step, value = parts[1], (parts[3] if len(parts) > 3 else "")
    result = await svc.store.run(
        checkins.press,
        chat_id=chat_id,
        delivery_id=delivery_id,
        step=step,
        value=value,
        now=svc.now(),
    )
    await render_press(update, svc, chat_id, result)


async def render_press(
    update: Update, svc: Services, chat_id: int, result: checkins.PressResult
) -> None:
    if result.hold_changed:
        svc.set_held(chat_id, result.exercise_hold)
    await answer_query(update, result.toast, alert=result.alert)
    replies = result.replies
    if result.edit_text is not None:
        # The answer shown in place; its buttons stay until what follows has been sent.
        await _edit(update, result.edit_text, keep_buttons=bool(replies))
    elif result.edit_rows is not None:
        query = update.callback_query
        assert query is not None
        try:
            await query.edit_message_reply_markup(keyboard(result.edit_rows))
        except BadRequest as exc:
            log.debug("could not update the checklist: %s", exc)
    sent = await _send_replies(update, svc, chat_id, replies)
    if sent and ((result.edit_text is not None and replies) or result.drop_buttons):
        await _edit(update)
    if result.reschedule:
        await svc.reschedule(chat_id)


async def _send_replies(
    update: Update, svc: Services, chat_id: int, replies: list[checkins.Reply]
) -> bool:
    """Send the replies in order; False if one failed (after the rate limiter's retries).

    Then the pressed message keeps its buttons (a press on them shows the current question
    again), and the replies without buttons still to go, verdicts among them, go to the outbox:
    a safety message is sent late, never lost."""
    for n, reply in enumerate(replies):
        try:
            markup = keyboard(reply.rows) if reply.rows else None
            await say(update, reply.text, markup, urgent=reply.urgent)
        except TelegramError as exc:
            log.warning("check-in reply not sent (%s): the old buttons stay", type(exc).__name__)
            rest = [r for r in replies[n:] if not r.rows]
            if rest:
                await svc.store.run(
                    checkins.queue_replies,
                    chat_id=chat_id,
                    replies=rest,
                    key=str(update.update_id),
                    now=svc.now(),
                )
                svc.wake_sender()
            return False
    return True


# ---------------------------------------------------------------------------------------------
# The daily follow-up after an escalation


async def follow_up_button(update: Update, context: Context) -> None:
    svc = services(context)
    query = update.callback_query
    chat_id = private_chat_id(update)
    assert query is not None
    _, raw_id, answer = [*(query.data or "").split(":", 2), "", ""][:3]
    follow_up_id = parse_id(raw_id)
    if follow_up_id is None or chat_id is None or answer not in texts.T.FOLLOW_UP_BUTTONS:
        await answer_query(update, texts.T.STALE_BUTTON)
        return
    result = await svc.store.run(
        checkins.answer_follow_up,
        chat_id=chat_id,
        follow_up_id=follow_up_id,
        answer=answer,
        now=svc.now(),
    )
    if not result.valid:
        await answer_query(update, texts.T.STALE_BUTTON)
        return
    if result.hold_changed:
        svc.set_held(chat_id, result.exercise_hold)
    await answer_query(update)
    question = advice.follow_up_question(result.level, country=result.country)
    await _edit(update, f"{question}\n\n<i>{texts.T.FOLLOW_UP_BUTTONS[answer]}</i>")
    outcome = result.outcome
    if outcome is Outcome.RESUMED:
        await svc.reschedule(chat_id)
        await say(update, texts.T.FOLLOW_UP_RESUMED)
        svc.wake_sender()  # the return-to-run offer
    elif outcome is Outcome.STILL_HELD:
        await say(update, texts.T.FOLLOW_UP_STILL_HELD)
    elif outcome is Outcome.ASK_AGAIN:
        await say(update, texts.T.FOLLOW_UP_SAME)
    else:  # worse: the check-in again, now
        await say(update, texts.T.FOLLOW_UP_WORSE)
        svc.wake_sender()


async def start_now_button(update: Update, context: Context) -> None:
    """The "Start a check-in now" button under the answer to typed symptoms."""
    await answer_query(update)
    await _edit(update)
    await checkin_now(update, context)


# ---------------------------------------------------------------------------------------------
# /progress


async def progress_command(update: Update, context: Context) -> None:
    svc = services(context)
    chat_id = private_chat_id(update)
    chat = update.effective_chat
    history = (
        await svc.store.run(checkins.pain_history, chat_id=chat_id, now=svc.now())
        if chat_id is not None
        else None
    )
    if history is None:
        await refuse_not_live(update, context)
        return
    if chat is None:
        return
    text = progress.summary_text(progress.summarise(history.points, history.today))
    # Rendering holds the GIL for ~0.1-0.2 s: in the renderer's worker process, off the loop.
    try:
        png = await chart.default_renderer().progress(history.points, history.today)
    except Exception:  # a chart that can't be drawn (in time) must not cost the runner the text
        log.warning("the /progress chart could not be drawn; the summary goes as text")
        await say(update, text)
        return
    await chat.send_photo(png, caption=text, parse_mode=ParseMode.HTML)


def handlers() -> Handlers:
    return [
        *private_commands(checkin=checkin_now, ran=ran, progress=progress_command),
        CallbackQueryHandler(checkin_button, pattern=r"^ci:"),
        CallbackQueryHandler(follow_up_button, pattern=r"^fu:"),
        CallbackQueryHandler(start_now_button, pattern=r"^cinow$"),
        # Before the catch-alls (settings.catch_alls), which it hands everything else to.
        MessageHandler(
            filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND,
            checkin_text,
        ),
    ]

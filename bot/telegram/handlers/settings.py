"""/pause, /resume, /stop, /help and the catch-alls that give every other input an answer.

(/settings itself shares its questions with onboarding and lives in ``onboarding.py``.)
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core import advice, keyboards, texts
from bot.core.symptoms import mentions_symptoms
from bot.services import checkins, runners
from bot.services.runtime import services
from bot.telegram.handlers.common import (
    Context,
    Handlers,
    answer_query,
    drop_buttons,
    keyboard,
    local_datetime_label,
    private_chat_id,
    private_commands,
    say,
)

log = logging.getLogger(__name__)

PAUSE_LENGTHS = {"1d": dt.timedelta(days=1), "1w": dt.timedelta(weeks=1), "open": None}


def refusal(standing: runners.Standing) -> str | None:
    """What a command that needs a subscribed runner answers instead (None: they are)."""
    if standing is runners.Standing.UNKNOWN:
        return texts.T.NOT_SUBSCRIBED
    if standing is runners.Standing.STOPPED:
        return texts.T.UNSUBSCRIBED
    return None


async def _refuse(update: Update, standing: runners.Standing) -> bool:
    """Say what to do if the runner is not subscribed; True if they were refused."""
    text = refusal(standing)
    if text is not None:
        await say(update, text)
    return text is not None


async def pause(update: Update, context: Context) -> None:
    chat_id = private_chat_id(update)
    if chat_id is None:
        return
    if await _refuse(update, await services(context).store.run(runners.standing, chat_id)):
        return
    buttons = [(label, f"pause:{key}") for key, label in texts.T.PAUSE_BUTTONS.items()]
    await say(update, texts.T.ASK_PAUSE, keyboard([buttons]))


async def pause_choice(update: Update, context: Context) -> None:
    svc = services(context)
    query = update.callback_query
    assert query is not None and query.data is not None
    key = query.data.removeprefix("pause:")
    chat_id = private_chat_id(update)
    if chat_id is None or key not in PAUSE_LENGTHS:
        await answer_query(update, texts.T.STALE_BUTTON)
        return
    length = PAUSE_LENGTHS[key]
    until = svc.now() + length if length else None
    result = await svc.store.run(runners.pause, chat_id=chat_id, until=until, now=svc.now())
    if await _refuse(update, result.standing) or result.runner is None:
        await answer_query(update, texts.T.STALE_BUTTON)
        return
    await answer_query(update)
    await drop_buttons(update)
    await svc.reschedule(chat_id)
    if until is None:
        await say(update, texts.T.PAUSED_OPEN)
    else:
        local = until.astimezone(ZoneInfo(result.runner.timezone))
        await say(update, texts.T.PAUSED_FOR.format(until=local_datetime_label(local)))


async def resume(update: Update, context: Context) -> None:
    svc = services(context)
    chat_id = private_chat_id(update)
    if chat_id is None:
        return
    result = await svc.store.run(runners.resume, chat_id=chat_id, now=svc.now())
    if await _refuse(update, result.standing):
        return
    if result.was_paused:
        await svc.reschedule(chat_id)
        await say(update, texts.T.RESUMED)
    # After an escalation: a running pause lifts on request, an exercise hold only once the
    # runner confirms a clinician cleared them.
    if result.hold.state == "lifted":
        await svc.reschedule(chat_id)
        await say(update, texts.T.RUNNING_RESUMED)
    elif result.hold.state == "ask_clearance":
        await say(update, texts.T.HOLD_CONFIRM_QUESTION, keyboard(keyboards.hold_confirm_rows()))
    elif not result.was_paused:
        await say(update, texts.T.NOT_PAUSED)


async def hold_choice(update: Update, context: Context) -> None:
    """The answer to "has a clinician checked you and cleared you?" after /resume."""
    svc = services(context)
    query = update.callback_query
    chat_id = private_chat_id(update)
    assert query is not None
    choice = (query.data or "").removeprefix("hold:")
    if chat_id is None or choice not in ("cleared", "notyet"):
        await answer_query(update, texts.T.STALE_BUTTON)
        return
    await answer_query(update)
    await drop_buttons(update)
    if choice == "notyet":
        await say(update, texts.T.HOLD_NOT_YET)
        return
    result = await svc.store.run(checkins.resume_hold, chat_id=chat_id, cleared=True, now=svc.now())
    if result.state == "lifted":
        if result.hold_changed:
            svc.set_held(chat_id, False)
        await svc.reschedule(chat_id)
        await say(update, texts.T.HOLD_LIFTED)
    else:
        await say(update, texts.T.NOT_PAUSED)


async def stop(update: Update, context: Context) -> int:
    svc = services(context)
    chat_id = private_chat_id(update)
    if chat_id is None:
        return ConversationHandler.END
    result = await svc.store.run(runners.stop, chat_id=chat_id, now=svc.now())
    if result is runners.StopResult.UNKNOWN:
        await say(update, texts.T.NOT_SUBSCRIBED)
    elif result is runners.StopResult.ALREADY:
        await say(update, texts.T.ALREADY_UNSUBSCRIBED)
    else:
        await svc.reschedule(chat_id)
        await say(update, texts.T.STOPPED)
        log.info("runner stopped")
    return ConversationHandler.END


async def help_command(update: Update, context: Context) -> None:
    await say(update, texts.T.HELP)


# ---------------------------------------------------------------------------------------------
# Catch-alls: registered last, so they only see what no other handler took.


async def stale_button(update: Update, context: Context) -> None:
    await answer_query(update, texts.T.STALE_BUTTON)
    await drop_buttons(update)


async def unknown_command(update: Update, context: Context) -> None:
    await say(update, texts.T.UNKNOWN_COMMAND)


async def unknown_text(update: Update, context: Context) -> None:
    svc = services(context)
    found = await svc.store.run(runners.text_context, private_chat_id(update), svc.now())
    if not found.known:
        await say(update, texts.T.NOT_SUBSCRIBED)
        return
    message = update.effective_message
    if message is not None and message.text and mentions_symptoms(message.text):
        # Typed pain, numbness, bladder or bowel trouble, weakness: the emergency line first,
        # then a way into the check-in. (The text itself is never logged.)
        if found.stopped:  # no check-in to offer: the way back is /start
            safety = advice.free_text_safety_message(found.country, then=texts.T.UNSUBSCRIBED)
            await say(update, safety, urgent=True)
        elif found.open_checkin:
            then = texts.T.CHECKIN_FINISH_ABOVE
            await say(
                update, advice.free_text_safety_message(found.country, then=then), urgent=True
            )
        else:
            safety = advice.free_text_safety_message(found.country)
            await say(update, safety, keyboard(keyboards.start_checkin_rows()), urgent=True)
        return
    if found.stopped:
        await say(update, texts.T.UNSUBSCRIBED)
        return
    if found.open_checkin:
        await say(update, texts.T.CHECKIN_USE_BUTTONS)
        return
    await say(update, texts.T.UNKNOWN_TEXT)


async def not_text(update: Update, context: Context) -> None:
    await say(update, texts.T.NOT_TEXT)


async def not_private(update: Update, context: Context) -> None:
    """Group members who address the bot get one pointer to the private chat."""
    message = update.effective_message
    if message is not None and message.text and message.text.startswith("/"):
        await message.reply_text(texts.T.PRIVATE_ONLY)


def handlers() -> Handlers:
    return [
        *private_commands(pause=pause, resume=resume, stop=stop, help=help_command),
        CallbackQueryHandler(pause_choice, pattern=r"^pause:"),
        CallbackQueryHandler(hold_choice, pattern=r"^hold:"),
    ]


def catch_alls() -> Handlers:
    """Last: any button, command or message no other handler took gets a clear answer."""
    private = filters.ChatType.PRIVATE
    return [
        CallbackQueryHandler(stale_button),
        MessageHandler(private & filters.COMMAND, unknown_command),
        MessageHandler(private & filters.UpdateType.MESSAGE & filters.TEXT, unknown_text),
        MessageHandler(private & filters.UpdateType.MESSAGE, not_text),
        MessageHandler(filters.ChatType.GROUPS & filters.COMMAND, not_private),
    ]

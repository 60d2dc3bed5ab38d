"""/pause, /resume, /stop, /help and the catch-alls that give every other input an answer.

(/settings itself shares its questions with onboarding and lives in ``onboarding.py``.)
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core import advice, keyboards, texts
from bot.core.models import RunnerStatus
from bot.core.symptoms import mentions_symptoms
from bot.services import checkins
from bot.services.delivery import CHECK_IN_EXPIRY
from bot.services.runtime import services
from bot.storage import db
from bot.telegram.handlers.common import (
    LIVE_STATUSES,
    Context,
    answer_query,
    drop_buttons,
    keyboard,
    private_chat_id,
    say,
)

log = logging.getLogger(__name__)

PAUSE_LENGTHS = {"1d": dt.timedelta(days=1), "1w": dt.timedelta(weeks=1), "open": None}


async def _subscribed_row(update: Update, context: Context) -> dict[str, object] | None:
    """The runner's row if they finished onboarding and are not stopped; else say what to do."""
    chat_id = private_chat_id(update)
    if chat_id is None:
        return None
    row = await services(context).store.run(db.get_runner_row, chat_id)
    if row is None or row["status"] == RunnerStatus.ONBOARDING.value:
        await say(update, texts.NOT_SUBSCRIBED)
        return None
    if row["status"] not in LIVE_STATUSES:
        await say(update, texts.ALREADY_STOPPED)
        return None
    return row


async def pause(update: Update, context: Context) -> None:
    if await _subscribed_row(update, context) is None:
        return
    buttons = [(label, f"pause:{key}") for key, label in texts.PAUSE_BUTTONS.items()]
    await say(update, texts.ASK_PAUSE, keyboard([buttons]))


async def pause_choice(update: Update, context: Context) -> None:
    svc = services(context)
    query = update.callback_query
    assert query is not None and query.data is not None
    key = query.data.removeprefix("pause:")
    row = await _subscribed_row(update, context)
    if row is None or key not in PAUSE_LENGTHS:
        await answer_query(update, texts.STALE_BUTTON)
        return
    await answer_query(update)
    await drop_buttons(update)
    length = PAUSE_LENGTHS[key]
    until = svc.now() + length if length else None
    chat_id = int(str(row["chat_id"]))
    await svc.store.run(
        db.update_runner, chat_id, now=svc.now_ts(), status=RunnerStatus.PAUSED, paused_until=until
    )
    await svc.reschedule(chat_id)
    if until is None:
        await say(update, texts.PAUSED_OPEN)
    else:
        local = until.astimezone(ZoneInfo(str(row["timezone"] or "UTC")))
        await say(update, texts.PAUSED_FOR.format(until=local.strftime("%a %d %b, %H:%M")))


async def resume(update: Update, context: Context) -> None:
    svc = services(context)
    row = await _subscribed_row(update, context)
    if row is None:
        return
    chat_id = int(str(row["chat_id"]))
    if row["status"] == RunnerStatus.PAUSED.value:
        await svc.store.run(
            db.update_runner,
            chat_id,
            now=svc.now_ts(),
            status=RunnerStatus.ACTIVE,
            paused_until=None,
        )
        await svc.reschedule(chat_id)
        await say(update, texts.RESUMED)
    # After an escalation: a running pause lifts on request, an exercise hold only once the
    # runner confirms a clinician cleared them.
    result = await svc.store.run(
        checkins.resume_hold, chat_id=chat_id, cleared=False, now=svc.now()
    )
    if result.state == "lifted":
        await svc.reschedule(chat_id)
        await say(update, texts.RUNNING_RESUMED)
    elif result.state == "ask_clearance":
        await say(update, texts.HOLD_CONFIRM_QUESTION, keyboard(keyboards.hold_confirm_rows()))
    elif row["status"] != RunnerStatus.PAUSED.value:
        await say(update, texts.NOT_PAUSED)


async def hold_choice(update: Update, context: Context) -> None:
    """The answer to "has a clinician checked you and cleared you?" after /resume."""
    svc = services(context)
    query = update.callback_query
    chat_id = private_chat_id(update)
    assert query is not None
    choice = (query.data or "").removeprefix("hold:")
    if chat_id is None or choice not in ("cleared", "notyet"):
        await answer_query(update, texts.STALE_BUTTON)
        return
    await answer_query(update)
    await drop_buttons(update)
    if choice == "notyet":
        await say(update, texts.HOLD_NOT_YET)
        return
    result = await svc.store.run(checkins.resume_hold, chat_id=chat_id, cleared=True, now=svc.now())
    if result.state == "lifted":
        if result.hold_changed:
            svc.set_held(chat_id, False)
        await svc.reschedule(chat_id)
        await say(update, texts.HOLD_LIFTED)
    else:
        await say(update, texts.NOT_PAUSED)


async def stop(update: Update, context: Context) -> int:
    svc = services(context)
    chat_id = private_chat_id(update)
    if chat_id is None:
        return ConversationHandler.END
    row = await svc.store.run(db.get_runner_row, chat_id)
    if row is None:
        await say(update, texts.NOT_SUBSCRIBED)
    elif row["status"] == RunnerStatus.STOPPED.value:
        await say(update, texts.ALREADY_STOPPED)
    else:
        await svc.store.run(
            db.update_runner,
            chat_id,
            now=svc.now_ts(),
            status=RunnerStatus.STOPPED,
            paused_until=None,
            onboarding_step=None,
        )
        await svc.reschedule(chat_id)
        await say(update, texts.STOPPED)
        log.info("runner stopped")
    return ConversationHandler.END


async def help_command(update: Update, context: Context) -> None:
    await say(update, texts.HELP)


# ---------------------------------------------------------------------------------------------
# Catch-alls: registered last, so they only see what no other handler took.


async def stale_button(update: Update, context: Context) -> None:
    await answer_query(update, texts.STALE_BUTTON)
    await drop_buttons(update)


async def unknown_command(update: Update, context: Context) -> None:
    await say(update, texts.UNKNOWN_COMMAND)


async def unknown_text(update: Update, context: Context) -> None:
    svc = services(context)
    chat_id = private_chat_id(update)
    row = await svc.store.run(db.get_runner_row, chat_id)
    if row is None:
        await say(update, texts.NOT_SUBSCRIBED)
        return
    since = svc.now_ts() - int(CHECK_IN_EXPIRY.total_seconds())
    open_checkin = await svc.store.run(db.has_open_checkin, int(row["chat_id"]), since)
    message = update.effective_message
    if message is not None and message.text and mentions_symptoms(message.text):
        # Typed pain, numbness, bladder or bowel trouble, weakness: the emergency line first,
        # then a way into the check-in. (The text itself is never logged.)
        safety = advice.free_text_safety_message(checkins.country_of(row))
        if open_checkin:
            await say(update, safety + "\n\n" + texts.CHECKIN_FINISH_ABOVE)
        else:
            await say(update, safety, keyboard(keyboards.start_checkin_rows()))
        return
    if open_checkin:
        await say(update, texts.CHECKIN_USE_BUTTONS)
        return
    await say(update, texts.UNKNOWN_TEXT)


async def not_text(update: Update, context: Context) -> None:
    await say(update, texts.NOT_TEXT)


async def not_private(update: Update, context: Context) -> None:
    """Group members who address the bot get one pointer to the private chat."""
    message = update.effective_message
    if message is not None and message.text and message.text.startswith("/"):
        await message.reply_text(texts.PRIVATE_ONLY)


def register(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    application.add_handlers(
        [
            CommandHandler("pause", pause, filters=private),
            CommandHandler("resume", resume, filters=private),
            CommandHandler("stop", stop, filters=private),
            CommandHandler("help", help_command, filters=private),
            CallbackQueryHandler(pause_choice, pattern=r"^pause:"),
            CallbackQueryHandler(hold_choice, pattern=r"^hold:"),
        ]
    )


def register_catch_alls(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    application.add_handlers(
        [
            CallbackQueryHandler(stale_button),
            MessageHandler(private & filters.COMMAND, unknown_command),
            MessageHandler(private & filters.UpdateType.MESSAGE & filters.TEXT, unknown_text),
            MessageHandler(private & filters.UpdateType.MESSAGE, not_text),
            MessageHandler(filters.ChatType.GROUPS & filters.COMMAND, not_private),
        ]
    )

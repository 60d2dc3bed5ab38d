"""Small helpers every handler module uses: replying, keyboards, the settings summary."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Coroutine, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, filters

from bot.core import i18n, texts
from bot.core.i18n import gettext as _
from bot.core.models import REPLY_PRIORITY, URGENT_PRIORITY, Runner, RunnerStatus
from bot.services import runners
from bot.services.runtime import services

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
Handlers = list[BaseHandler[Update, Context, Any]]
Callback = Callable[[Update, Context], Coroutine[Any, Any, Any]]


def private_commands(**callbacks: Callback) -> Handlers:
    """``/name`` commands answered in private chats only (the bot talks about health there)."""
    return [
        CommandHandler(name, callback, filters=filters.ChatType.PRIVATE)
        for name, callback in callbacks.items()
    ]


Buttons = Sequence[Sequence[tuple[str, str]]]


def keyboard(rows: Buttons) -> InlineKeyboardMarkup:
    """Inline keyboard from rows of (label, callback_data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def chunk(items: Sequence[tuple[str, str]], size: int) -> list[list[tuple[str, str]]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


async def say(
    update: Update, text: str, markup: Any = None, *, urgent: bool = False
) -> Message | None:
    """Send `text` (HTML) to the chat the update came from. `urgent` (a verdict that sends
    the runner to a doctor, the emergency line): ahead of every other send, and never held
    back by the chat's burst limit."""
    chat = update.effective_chat
    if chat is None:
        return None
    # The bot's own send_message: the chat shortcut does not pass rate_limit_args on.
    bot = chat.get_bot()
    return await bot.send_message(
        chat.id,
        text,
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
        disable_web_page_preview=True,
        rate_limit_args={"priority": URGENT_PRIORITY if urgent else REPLY_PRIORITY},  # type: ignore[call-arg]
    )


async def answer_query(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Acknowledge a button press exactly once; a too-old query is not worth failing over."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as exc:
        log.debug("callback answer failed: %s", exc)


async def drop_buttons(update: Update) -> None:
    """Remove the keyboard from the message whose button was pressed, so it can't be reused."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as exc:
        log.debug("could not drop buttons: %s", exc)


def format_days(days: frozenset[int]) -> str:
    if not days:
        return texts.T.DAYS_LABEL_NONE
    if len(days) == 7:
        return texts.T.DAYS_EVERY_DAY
    return ", ".join(i18n.weekday_name(d, "abbreviated") for d in sorted(days))


def local_datetime_label(at: dt.datetime) -> str:
    """A local date and time a runner reads: "Tue 3 Dec, 14:05" in the current language."""
    # Translators: a date and a time, as in "Tue 3 Dec, 14:05"; {day} is the weekday and date.
    return _("{day}, {time}").format(day=i18n.date_label(at, "MMMEd"), time=at.strftime("%H:%M"))


def format_status(runner: Runner) -> str:
    if runner.status is RunnerStatus.PAUSED and runner.paused_until is not None:
        until = runner.paused_until.astimezone(ZoneInfo(runner.timezone))
        status = texts.T.PAUSED_UNTIL.format(until=local_datetime_label(until))
    else:
        status = texts.T.STATUS_LABELS[runner.status.value]
    # A hold after a check-in is a pause too, and the runner must see it and the way back.
    if runner.exercise_hold:
        return f"{status}; {texts.T.HELD_STATUS_EXERCISE}"
    if runner.running_paused:
        return f"{status}; {texts.T.HELD_STATUS_RUNNING}"
    return status


def format_delay(minutes: int | None) -> str:
    minutes = 120 if minutes is None else minutes
    hours, rest = divmod(minutes, 60)
    if not hours:
        # Translators: a short duration, "30 min"; keep it short (it is in a button too).
        return _("{minutes} min").format(minutes=rest)
    if not rest:
        # Translators: a short duration, "2 h" (hours).
        return _("{hours} h").format(hours=hours)
    # Translators: a short duration, "2 h 30 min".
    return _("{hours} h {minutes} min").format(hours=hours, minutes=rest)


def local_time_label(zone: str, now: dt.datetime) -> str:
    return now.astimezone(ZoneInfo(zone)).strftime("%H:%M")


async def live_runner(
    update: Update, context: Context, refusal: str | None = None
) -> Runner | None:
    """The runner if they are subscribed (active or paused); otherwise say `refusal`."""
    chat_id = private_chat_id(update)
    runner = await services(context).store.run(runners.live_runner, chat_id) if chat_id else None
    if runner is None:
        await refuse_not_live(update, context, refusal)
    return runner


async def refuse_not_live(update: Update, context: Context, refusal: str | None = None) -> None:
    """A command that needs a subscribed runner, from someone who isn't: `refusal` for a
    newcomer, "you've unsubscribed" for a runner who sent /stop."""
    chat_id = private_chat_id(update)
    standing = await services(context).store.run(runners.standing, chat_id) if chat_id else None
    stopped = standing is runners.Standing.STOPPED
    await say(update, texts.T.UNSUBSCRIBED if stopped else refusal or texts.T.NOT_SUBSCRIBED)


_ID = re.compile(r"[0-9]{1,18}")


def parse_id(text: str) -> int | None:
    """A number from callback data, or None. Button data can be forged: `str.isdigit` lets
    through "²" (which int() refuses) and 40-digit numbers (which SQLite refuses)."""
    return int(text) if _ID.fullmatch(text) else None


def private_chat_id(update: Update) -> int | None:
    chat = update.effective_chat
    if chat is None or chat.type != "private":
        return None
    return chat.id

"""What every admin screen shares: who may use it, the press being answered, showing a screen,
and the steps each section repeats (look up what a button names, ask for a typed answer, say
why a typed answer was refused).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from telegram import Message, MessageEntity, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ConversationHandler

from bot.core import texts
from bot.core.content.html import escape_typed
from bot.core.models import TIP_CATEGORIES
from bot.services import admin
from bot.services.runtime import Services, services
from bot.telegram.handlers.common import Buttons, Context, answer_query, keyboard, parse_id, say
from bot.telegram.sender import Engine

# One logger for the whole menu, named for the package (refusals are watched under this name).
log = logging.getLogger("bot.telegram.handlers.admin")

T = TypeVar("T")

MENU, INPUT = "menu", "input"
END = ConversationHandler.END
State = str | int
PREFIX = "a:"
MESSAGE_LIMIT = 4000
_FORMATTING = frozenset(
    {
        MessageEntity.BOLD,
        MessageEntity.ITALIC,
        MessageEntity.UNDERLINE,
        MessageEntity.STRIKETHROUGH,
        MessageEntity.SPOILER,
        MessageEntity.CODE,
        MessageEntity.PRE,
        MessageEntity.TEXT_LINK,
        MessageEntity.BLOCKQUOTE,
    }
)


@dataclass
class Press:
    """A button press by an admin (checked before any action runs), and how to answer it once
    the action is done (a toast, or an alert)."""

    admin_id: int
    toast: str | None = None
    alert: bool = False

    def stale(self) -> State:
        """The button names something that is gone (or was forged): say so, keep the screen."""
        self.toast = texts.ADMIN_STALE
        return MENU

    def refused(self, problems: list[str]) -> State:
        """The service said no: show why in an alert, keep the screen."""
        self.toast, self.alert = "\n".join(problems)[:190], True
        return MENU


# A button's action: the update, the button's arguments after its name, the press.
Action = Callable[[Update, Context, list[str], Press], Awaitable[State]]
# A typed answer's handler: the update, the admin, their draft, what they typed.
Typed = Callable[[Update, Context, int, admin.Draft, str], Awaitable[State]]


# ---------------------------------------------------------------------------------------------
# Who may do this


def admin_id_of(update: Update, context: Context) -> int | None:
    """The caller's user id if they are an admin in a private chat, else None."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or chat.type != "private":
        return None
    return user.id if services(context).is_admin(user.id) else None


async def refuse(update: Update, action: str) -> State:
    user = update.effective_user
    log.warning("refused admin action %s", action)
    log.debug("refused admin action %s for user %s", action, user.id if user else None)
    if update.callback_query is not None:
        await answer_query(update, texts.ADMIN_NOT_ALLOWED, alert=True)
    else:
        await say(update, texts.ADMIN_NOT_ALLOWED)
    return END


# ---------------------------------------------------------------------------------------------
# Showing things


async def show(update: Update, text: str, rows: Buttons | None = None) -> None:
    """Replace the pressed menu with `text` (or send it, after typed input)."""
    markup = keyboard(rows) if rows else None
    query = update.callback_query
    if query is not None and query.message is not None:
        try:
            await query.edit_message_text(
                text, parse_mode=ParseMode.HTML, reply_markup=markup, disable_web_page_preview=True
            )
            return
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return
            log.debug("could not edit the admin menu: %s", exc)
    await say(update, text, markup)


def fit(lines: list[str], limit: int = MESSAGE_LIMIT) -> str:
    """Join lines, leaving out the tail (with a note) if the message would be too long."""
    out: list[str] = []
    size = 0
    for i, line in enumerate(lines):
        if size + len(line) + 1 > limit - 40:
            out.append(texts.ADMIN_MORE.format(n=len(lines) - i))
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


def problems_text(lead: str, problems: list[str], tail: str = "") -> str:
    lines = [lead, *(f"<code>{texts.esc(p)}</code>" for p in problems)]
    if tail:
        lines.append(tail)
    return fit(lines)


def category_label(category: str) -> str:
    return texts.ADMIN_CATEGORY_LABELS.get(category, category)


def category_arg(args: list[str]) -> str | None:
    """The tip category a button names by its index, or None."""
    index = parse_id(args[0]) if args else None
    if index is None or index >= len(TIP_CATEGORIES):
        return None
    return TIP_CATEGORIES[index]


def typed_answer(update: Update) -> str:
    """The typed answer `update` carries, as Telegram HTML (see `typed_html`)."""
    message = update.effective_message
    assert message is not None
    return typed_html(message)


def typed_html(message: Message) -> str:
    """What the admin typed as Telegram HTML: their formatting (bold, links...) if they used
    Telegram's, else the text as typed (which may hold HTML tags of its own), with a plain
    ``&``, ``<`` or ``>`` escaped (see ``escape_typed``: "Hips & knees" is not refused)."""
    text = message.text or ""
    if any(e.type in _FORMATTING for e in message.entities):
        return message.text_html or text
    return escape_typed(text)


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


# ---------------------------------------------------------------------------------------------
# Steps the sections share


async def lookup(context: Context, find: Callable[..., T | None], args: list[str]) -> T | None:
    """What a button's first argument names (`find` is a catalog lookup), or None."""
    return await services(context).store.run(find, args[0]) if args else None


def screen(find: Callable[..., T | None], render: Callable[[T], tuple[str, Buttons]]) -> Action:
    """The action of a button that shows what its first argument names: `find` looks it up,
    `render` makes its screen (text and buttons); a stale press if it is gone."""

    async def action(update: Update, context: Context, args: list[str], press: Press) -> State:
        found = await lookup(context, find, args)
        if found is None:
            return press.stale()
        await show(update, *render(found))
        return MENU

    return action


async def ask(
    update: Update, context: Context, admin_id: int, draft: admin.Draft, prompt: str, rows: Buttons
) -> State:
    """Keep what the admin is about to type as their draft, and ask for it."""
    svc = services(context)
    await svc.store.run(admin.save_draft, admin_id, draft, svc.now())
    await show(update, prompt, rows)
    return INPUT


async def retry(update: Update, lead: str, problems: list[str]) -> State:
    """A typed answer was refused: say why and wait for another."""
    await say(update, problems_text(lead, problems, texts.ADMIN_RETRY))
    return INPUT


def grace(svc: Services) -> dt.timedelta:
    return dt.timedelta(minutes=svc.settings.grace_minutes)


def forget_tips(svc: Services, tip_ids: list[str]) -> None:
    """Edited tips must reach the sender's cache before it renders them again."""
    engine = svc.extras.get("engine")
    if isinstance(engine, Engine):
        for tip_id in tip_ids:
            engine.sender.forget_tip(tip_id)

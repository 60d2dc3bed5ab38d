"""/admin: slots, tips, re-import, stats, announcements and the audit trail, from the chat.

Thin: every change is a function in ``bot.services.admin`` (validation, audit and rescheduling
in one transaction on the database thread); this package only reads buttons and typed answers
and shows the result. Who may use it is checked on every command, button press and typed
answer (``ADMIN_IDS``): a forged button press from anyone else changes nothing and is logged.

Buttons carry ``a:<action>[:<arg>...]`` (slot and tip ids as short hashes, see
``admin.ref``). Menus are edited in place; answers to typed input come as a new message.
What an admin is typing (and an announcement waiting for confirmation) is kept in the
database as a draft (``bot.services.admin.drafts.Draft``), and the conversation state is
persisted, so a restart loses nothing.

This module is the dispatch: the conversation, and which action each button name and each
awaited answer runs. The actions live in one module a section, which import only ``common``
(and their own helpers), never this module: ``menu``, ``slots`` (with ``slot_screens``),
``tips``, ``reimport``, ``stats`` (and audit), ``announcements``.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.core import texts
from bot.services import admin
from bot.services.runtime import services
from bot.telegram.handlers.admin import announcements, menu, reimport, slots, stats, tips
from bot.telegram.handlers.admin.common import (
    END,
    INPUT,
    MENU,
    PREFIX,
    Action,
    Press,
    State,
    Typed,
    admin_id_of,
    refuse,
)
from bot.telegram.handlers.admin.common import typed_html as _typed_html
from bot.telegram.handlers.admin.slot_screens import anchor_words, days_words
from bot.telegram.handlers.admin.slots import parse_anchor as _parse_anchor
from bot.telegram.handlers.common import Context, answer_query, say

__all__ = [
    "ACTIONS",
    "TYPED",
    "_parse_anchor",
    "_typed_html",
    "admin_button",
    "admin_text",
    "anchor_words",
    "build",
    "days_words",
    "not_text",
    "register",
]

ACTIONS: dict[str, Action] = {
    "m": menu.main_menu,
    "x": menu.close,
    "sl": slots.show_slots,
    "s": slots.show_slot,
    "sa": slots.ask_anchor,
    "sd": slots.show_days,
    "sk": slots.set_days_kind,
    "sw": slots.toggle_weekday,
    "sy": slots.set_weekly,
    "se": slots.set_enabled,
    "sn": slots.new_slot,
    "snc": slots.new_tip_slot,
    "snk": slots.new_check_in,
    "pv": slots.ask_preview,
    "tl": tips.show_categories,
    "tc": tips.show_page,
    "t": tips.show_tip,
    "tp": tips.preview_tip,
    "te": tips.ask_edit_tip,
    "tr": tips.retire,
    "ta": tips.reactivate,
    "tn": tips.new_tip,
    "tnc": tips.ask_new_tip,
    "im": reimport.show_diff,
    "iy": reimport.apply,
    "st": stats.show_stats,
    "an": announcements.ask_announcement,
    "ay": announcements.send_announcement,
    "ax": announcements.discard_announcement,
    "ap": announcements.announcement_progress,
    "ac": announcements.cancel_announcement,
    "au": stats.show_audit,
}

# What the admin's draft awaits -> what reads the typed answer.
TYPED: dict[str, Typed] = {
    "anchor": slots.typed_anchor,
    "preview": slots.typed_preview,
    "tip_add": tips.typed_tip,
    "tip_edit": tips.typed_tip,
    "announce": announcements.typed_announcement,
}


async def admin_button(update: Update, context: Context) -> State:
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split(":")
    name = parts[1] if len(parts) > 1 else ""
    action = ACTIONS.get(name)
    # Only a known action's name goes into the log: button data can be forged.
    logged = name if action is not None else "unknown"
    admin_id = admin_id_of(update, context)
    if admin_id is None:
        return await refuse(update, logged)
    if action is None:
        await answer_query(update, texts.ADMIN_STALE)
        return MENU
    press = Press(admin_id)
    state = await action(update, context, parts[2:], press)
    await answer_query(update, press.toast, alert=press.alert)
    return state


async def admin_text(update: Update, context: Context) -> State:
    svc = services(context)
    admin_id = admin_id_of(update, context)
    if admin_id is None:
        return await refuse(update, "typed")
    message = update.effective_message
    assert message is not None and message.text is not None
    draft = await svc.store.run(admin.load_draft, admin_id, svc.now())
    handler = TYPED.get(draft.awaiting or "") if draft is not None else None
    if draft is None or handler is None:
        await say(update, texts.ADMIN_EXPIRED)
        return END
    return await handler(update, context, admin_id, draft, message.text)


async def not_text(update: Update, context: Context) -> State:
    if admin_id_of(update, context) is None:
        return await refuse(update, "typed")
    await say(update, texts.ADMIN_TEXT_ONLY)
    return INPUT


def build() -> ConversationHandler[Context]:
    private = filters.ChatType.PRIVATE
    button: BaseHandler[Update, Context, object] = CallbackQueryHandler(
        admin_button, pattern=rf"^{PREFIX}"
    )
    command: BaseHandler[Update, Context, object] = CommandHandler(
        "admin", menu.admin_command, filters=private
    )
    with warnings.catch_warnings():
        # Buttons and typed answers in one conversation per chat (not per message).
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            entry_points=[command, button],
            states={
                # Only buttons: what an admin types while a menu is open is not for us.
                MENU: [button],
                INPUT: [
                    button,
                    MessageHandler(private & filters.TEXT & ~filters.COMMAND, admin_text),
                    MessageHandler(private & ~filters.COMMAND, not_text),
                ],
            },
            fallbacks=[command, CommandHandler("cancel", menu.cancel, filters=private)],
            allow_reentry=True,
            name="admin",
            persistent=True,
            per_chat=True,
        )


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The admin conversation, in group 0 *before* onboarding (PTB runs the first handler of a
    group that takes an update): while it waits for typed input (INPUT), an admin's text is
    its own even with a runner question open (onboarding takes any text at a question, as an
    answer or with a nudge). With only a menu open (MENU) it takes buttons alone, so text goes
    on to onboarding; for anyone without an admin conversation it takes only /admin and
    ``a:`` buttons, so runners' onboarding is unchanged."""
    application.add_handler(build())

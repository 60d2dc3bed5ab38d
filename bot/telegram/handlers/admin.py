"""/admin: slots, tips, re-import, stats, announcements and the audit trail, from the chat.

Thin: every change is a function in ``bot.admin`` (validation, audit and rescheduling in one
transaction on the database thread); this module only reads buttons and typed answers and
shows the result. Who may use it is checked on every command, button press and typed answer
(``ADMIN_IDS``): a forged button press from anyone else changes nothing and is logged.

Buttons carry ``a:<action>[:<arg>...]`` (slot and tip ids as short hashes, see
``admin.ref``). Menus are edited in place; answers to typed input come as a new message.
What an admin is typing (and an announcement waiting for confirmation) is kept in the
database as a draft, and the conversation state is persisted, so a restart loses nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Message, MessageEntity, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
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

from bot.core import content, texts
from bot.core.models import TIP_CATEGORIES, Anchor, AnchorKind, Days, DaysKind, Slot, SlotKind, Tip
from bot.core.planner import parse_clock
from bot.core.timezones import match_zone
from bot.services import admin, catalog
from bot.services.delivery import render_tip
from bot.services.runtime import Services, services
from bot.telegram.handlers.common import (
    Buttons,
    Context,
    answer_query,
    chunk,
    format_delay,
    keyboard,
    parse_id,
    say,
)
from bot.telegram.sender import Engine

log = logging.getLogger(__name__)

MENU, INPUT = "menu", "input"
END = ConversationHandler.END
State = str | int
PREFIX = "a:"
MESSAGE_LIMIT = 4000
LIST_LIMIT = 10  # items listed per group in a re-import diff
_MINUTES = re.compile(r"^\s*([+\-−]?)\s*(\d{1,4})\s*(?:m|min|mins|minutes)?\s*$", re.IGNORECASE)
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
    """How to answer the button press once the action is done (a toast, or an alert)."""

    toast: str | None = None
    alert: bool = False


Action = Callable[[Update, Context, list[str], Press], Awaitable[State]]


# ---------------------------------------------------------------------------------------------
# Who may do this


def _admin_id(update: Update, context: Context) -> int | None:
    """The caller's user id if they are an admin in a private chat, else None."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or chat.type != "private":
        return None
    return user.id if services(context).is_admin(user.id) else None


async def _refuse(update: Update, action: str) -> State:
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


async def _show(update: Update, text: str, rows: Buttons | None = None) -> None:
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


def _fit(lines: list[str], limit: int = MESSAGE_LIMIT) -> str:
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


def _category_label(category: str) -> str:
    return texts.ADMIN_CATEGORY_LABELS.get(category, category)


def _duration(minutes: int) -> str:
    return format_delay(abs(minutes))


def anchor_words(anchor: Anchor) -> str:
    if anchor.kind is AnchorKind.FIXED:
        at = anchor.time.strftime("%H:%M") if anchor.time else "?"
        return texts.ADMIN_ANCHOR_FIXED.format(time=at)
    base = texts.ADMIN_RUN if anchor.kind is AnchorKind.RUN_TIME else texts.ADMIN_TIP_TIME
    offset = anchor.offset_minutes
    if offset == 0:
        return texts.ADMIN_ANCHOR_AT.format(base=base)
    template = texts.ADMIN_ANCHOR_BEFORE if offset < 0 else texts.ADMIN_ANCHOR_AFTER
    return template.format(duration=_duration(offset), base=base)


def days_words(days: Days) -> str:
    if days.kind is DaysKind.WEEKDAYS:
        words = ", ".join(texts.DAY_LABELS[d] for d in sorted(days.weekdays))
    else:
        words = texts.ADMIN_DAYS_KINDS.get(days.kind.value, days.kind.value)
    return words + (texts.ADMIN_WEEKLY_SUFFIX if days.weekly else "")


def _kind_words(slot: Slot) -> str:
    if slot.kind is SlotKind.CHECK_IN:
        return texts.ADMIN_KIND_CHECK_IN
    return texts.ADMIN_KIND_TIP.format(
        categories=", ".join(_category_label(c) for c in slot.categories)
    )


def _slot_line(number: int, view: admin.SlotView) -> str:
    slot = view.slot
    return texts.ADMIN_SLOT_LINE.format(
        n=number,
        title=texts.esc(slot.title),
        kind=texts.esc(_kind_words(slot)),
        anchor=anchor_words(slot.anchor),
        days=days_words(slot.days),
        status=texts.ADMIN_ON if slot.enabled else texts.ADMIN_OFF,
        reach=view.reach,
    )


def _slot_text(slot: Slot, reach: int, note: str = "") -> str:
    text = texts.ADMIN_SLOT_DETAIL.format(
        title=texts.esc(slot.title),
        id=texts.esc(slot.id),
        kind=texts.esc(_kind_words(slot)),
        anchor=anchor_words(slot.anchor),
        days=days_words(slot.days),
        status=texts.ADMIN_ON if slot.enabled else texts.ADMIN_OFF,
        reach=reach,
    )
    if slot.kind is SlotKind.CHECK_IN and slot.anchor.kind is AnchorKind.RUN_TIME:
        text += "\n" + texts.ADMIN_CHECKIN_DELAY_NOTE
    return f"{note}\n\n{text}" if note else text


def _slot_rows(slot: Slot) -> Buttons:
    r = admin.ref(slot.id)
    weekly = texts.ADMIN_WEEKLY_ON if slot.days.weekly else texts.ADMIN_WEEKLY_OFF
    return [
        [
            (texts.ADMIN_ANCHOR_BUTTONS["fixed"], f"a:sa:{r}:fixed"),
            (texts.ADMIN_ANCHOR_BUTTONS["run"], f"a:sa:{r}:run"),
            (texts.ADMIN_ANCHOR_BUTTONS["tip"], f"a:sa:{r}:tip"),
        ],
        [
            (texts.ADMIN_DAYS_BUTTON, f"a:sd:{r}"),
            (weekly, f"a:sy:{r}:{0 if slot.days.weekly else 1}"),
        ],
        [
            (
                texts.ADMIN_DISABLE if slot.enabled else texts.ADMIN_ENABLE,
                f"a:se:{r}:{0 if slot.enabled else 1}",
            )
        ],
        [(texts.ADMIN_BACK_SLOTS, "a:sl")],
    ]


def _days_rows(slot: Slot) -> Buttons:
    r = admin.ref(slot.id)
    days = slot.days

    def mark(on: bool, label: str) -> str:
        return f"✅ {label}" if on else label

    kinds = [
        (mark(days.kind.value == key, label), f"a:sk:{r}:{key}")
        for key, label in texts.ADMIN_DAYS_BUTTONS.items()
    ]
    weekdays = [
        (
            mark(days.kind is DaysKind.WEEKDAYS and d in days.weekdays, label),
            f"a:sw:{r}:{d}",
        )
        for d, label in enumerate(texts.DAY_LABELS)
    ]
    return [kinds, weekdays[:4], weekdays[4:], [(texts.ADMIN_BACK, f"a:s:{r}")]]


def _tip_text(tip: Tip, version: int | None = None, note: str = "") -> str:
    text = texts.ADMIN_TIP_DETAIL.format(
        title=texts.esc(tip.title),
        id=texts.esc(tip.id),
        category=texts.esc(_category_label(tip.category)),
        status=texts.ADMIN_TIP_ACTIVE if tip.active else texts.ADMIN_TIP_RETIRED,
    )
    if version is not None:
        text += texts.ADMIN_TIP_VERSION.format(version=version)
    return f"{note}\n\n{text}" if note else text


def _tip_rows(tip: Tip) -> Buttons:
    r = admin.ref(tip.id)
    category = TIP_CATEGORIES.index(tip.category) if tip.category in TIP_CATEGORIES else 0
    toggle = (
        (texts.ADMIN_TIP_RETIRE, f"a:tr:{r}")
        if tip.active
        else (texts.ADMIN_TIP_REACTIVATE, f"a:ta:{r}")
    )
    return [
        [(texts.ADMIN_TIP_PREVIEW, f"a:tp:{r}"), (texts.ADMIN_TIP_EDIT, f"a:te:{r}")],
        [toggle],
        [(texts.ADMIN_BACK_TO.format(what=_category_label(tip.category)), f"a:tc:{category}:0")],
    ]


def _problems_text(lead: str, problems: list[str], tail: str = "") -> str:
    lines = [lead, *(f"<code>{texts.esc(p)}</code>" for p in problems)]
    if tail:
        lines.append(tail)
    return _fit(lines)


def _grace(svc: Services) -> dt.timedelta:
    return dt.timedelta(minutes=svc.settings.grace_minutes)


def _engine(svc: Services) -> Engine | None:
    engine = svc.extras.get("engine")
    return engine if isinstance(engine, Engine) else None


def _forget_tips(svc: Services, tip_ids: list[str]) -> None:
    """Edited tips must reach the sender's cache before it renders them again."""
    engine = _engine(svc)
    if engine is not None:
        for tip_id in tip_ids:
            engine.sender.forget_tip(tip_id)


def _typed_html(message: Message) -> str:
    """What the admin typed as Telegram HTML: their formatting (bold, links...) if they used
    Telegram's, else the text as typed (which may hold HTML tags of its own)."""
    text = message.text or ""
    if any(e.type in _FORMATTING for e in message.entities):
        return message.text_html or text
    return text


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


# ---------------------------------------------------------------------------------------------
# Main menu


def _menu_rows() -> Buttons:
    items = [(label, f"a:{key}") for key, label in texts.ADMIN_MENU_BUTTONS.items()]
    return [*chunk(items, 2), [(texts.ADMIN_CLOSE, "a:x")]]


async def admin_command(update: Update, context: Context) -> State:
    admin_id = _admin_id(update, context)
    if admin_id is None:
        return await _refuse(update, "open")
    svc = services(context)
    await svc.store.run(admin.clear_draft, admin_id)
    await say(update, texts.ADMIN_MENU, keyboard(_menu_rows()))
    return MENU


async def cancel(update: Update, context: Context) -> State:
    admin_id = _admin_id(update, context)
    if admin_id is None:
        return await _refuse(update, "cancel")
    await services(context).store.run(admin.clear_draft, admin_id)
    await say(update, texts.ADMIN_CLOSED)
    return END


async def _main_menu(update: Update, context: Context, args: list[str], press: Press) -> State:
    await _show(update, texts.ADMIN_MENU, _menu_rows())
    return MENU


async def _close(update: Update, context: Context, args: list[str], press: Press) -> State:
    await _show(update, texts.ADMIN_CLOSED)
    return END


# ---------------------------------------------------------------------------------------------
# Slots


async def _slot_for(context: Context, reference: str) -> Slot | None:
    return await services(context).store.run(catalog.find_slot, reference)


async def _slots(update: Update, context: Context, args: list[str], press: Press) -> State:
    views = await services(context).store.run(admin.list_slots)
    lines = [texts.ADMIN_SLOTS.format(n=len(views))]
    lines += [_slot_line(i, view) for i, view in enumerate(views, 1)]
    lines.append(texts.ADMIN_SLOTS_HINT)
    rows: list[list[tuple[str, str]]] = [
        [(f"{i}. {view.slot.title}"[:60], f"a:s:{admin.ref(view.slot.id)}")]
        for i, view in enumerate(views, 1)
    ]
    rows.append([(texts.ADMIN_ADD_SLOT, "a:sn"), (texts.ADMIN_PREVIEW_DAY, "a:pv")])
    rows.append([(texts.ADMIN_BACK, "a:m")])
    await _show(update, _fit(lines), rows)
    return MENU


async def _stale(update: Update, press: Press) -> State:
    press.toast = texts.ADMIN_STALE
    return MENU


async def _slot(update: Update, context: Context, args: list[str], press: Press) -> State:
    found = await services(context).store.run(catalog.slot_with_reach, args[0]) if args else None
    if found is None:
        return await _stale(update, press)
    await _show(update, _slot_text(found.slot, found.reach), _slot_rows(found.slot))
    return MENU


async def _ask_anchor(update: Update, context: Context, args: list[str], press: Press) -> State:
    svc = services(context)
    admin_id = _admin_id(update, context)
    slot = await _slot_for(context, args[0]) if args else None
    kind = args[1] if len(args) > 1 else ""
    if slot is None or admin_id is None or kind not in texts.ADMIN_ANCHOR_PROMPTS:
        return await _stale(update, press)
    draft = {"await": "anchor", "slot": slot.id, "anchor": kind}
    await svc.store.run(admin.save_draft, admin_id, draft, svc.now())
    prompt = texts.ADMIN_ANCHOR_PROMPTS[kind].format(
        title=texts.esc(slot.title), now=anchor_words(slot.anchor)
    )
    await _show(update, prompt, [[(texts.ADMIN_BACK, f"a:s:{admin.ref(slot.id)}")]])
    return INPUT


def _parse_anchor(kind: str, text: str) -> Anchor | str:
    """The anchor an admin typed, or what to tell them."""
    if kind == "fixed":
        at = parse_clock(text)
        if at is None:
            return texts.ADMIN_BAD_TIME.format(text=texts.esc(text.strip()[:40]))
        return Anchor(AnchorKind.FIXED, 0, at)
    match = _MINUTES.match(text)
    if match is None:
        return texts.ADMIN_BAD_MINUTES.format(text=texts.esc(text.strip()[:40]))
    minutes = int(match.group(2)) * (-1 if match.group(1) in ("-", "−") else 1)
    limit = content.ANCHOR_MINUTES_MAX
    if not -limit <= minutes <= limit:
        return texts.ADMIN_MINUTES_RANGE.format(limit=limit)
    anchor_kind = AnchorKind.RUN_TIME if kind == "run" else AnchorKind.TIP_TIME
    return Anchor(anchor_kind, minutes)


async def _typed_anchor(
    update: Update, context: Context, admin_id: int, draft: dict[str, Any], text: str
) -> State:
    svc = services(context)
    parsed = _parse_anchor(str(draft.get("anchor")), text)
    if isinstance(parsed, str):
        await say(update, parsed)
        return INPUT
    try:
        change = await svc.store.run(
            admin.set_slot_anchor,
            str(draft["slot"]),
            parsed,
            admin_id=admin_id,
            now=svc.now(),
            grace=_grace(svc),
        )
    except admin.AdminError as exc:
        await say(update, _problems_text(texts.ADMIN_NOT_SAVED, exc.problems, texts.ADMIN_RETRY))
        return INPUT
    svc.wake_sender()
    await svc.store.run(admin.clear_draft, admin_id)
    note = _saved_note(change)
    await say(
        update, _slot_text(change.slot, change.reach, note), keyboard(_slot_rows(change.slot))
    )
    return MENU


def _saved_note(change: admin.SlotChange) -> str:
    if change.before == change.slot:
        return texts.ADMIN_UNCHANGED
    return texts.ADMIN_SLOT_SAVED.format(title=texts.esc(change.slot.title), n=change.rescheduled)


async def _slot_change(
    update: Update,
    context: Context,
    press: Press,
    reference: str,
    operation: Callable[..., admin.SlotChange],
    value: Any,
    view: Callable[[admin.SlotChange], tuple[str, Buttons]] | None = None,
) -> State:
    """Apply one slot edit as this admin and show the result (the slot screen by default)."""
    svc = services(context)
    admin_id = _admin_id(update, context)
    slot = await _slot_for(context, reference)
    if slot is None or admin_id is None:
        return await _stale(update, press)
    try:
        change = await svc.store.run(
            operation, slot.id, value, admin_id=admin_id, now=svc.now(), grace=_grace(svc)
        )
    except admin.AdminError as exc:
        press.toast, press.alert = "\n".join(exc.problems)[:190], True
        return MENU
    svc.wake_sender()
    press.toast = texts.ADMIN_SAVED_TOAST if change.before != change.slot else None
    text, buttons = (view or _slot_view)(change)
    await _show(update, text, buttons)
    return MENU


async def _enable(update: Update, context: Context, args: list[str], press: Press) -> State:
    if len(args) < 2 or args[1] not in ("0", "1"):
        return await _stale(update, press)
    return await _slot_change(update, context, press, args[0], admin.toggle_slot, args[1] == "1")


async def _weekly(update: Update, context: Context, args: list[str], press: Press) -> State:
    if len(args) < 2 or args[1] not in ("0", "1"):
        return await _stale(update, press)
    return await _slot_change(
        update, context, press, args[0], admin.set_slot_weekly, args[1] == "1"
    )


async def _days(update: Update, context: Context, args: list[str], press: Press) -> State:
    slot = await _slot_for(context, args[0]) if args else None
    if slot is None:
        return await _stale(update, press)
    text = texts.ADMIN_DAYS.format(title=texts.esc(slot.title), days=days_words(slot.days))
    await _show(update, text, _days_rows(slot))
    return MENU


def _slot_view(change: admin.SlotChange) -> tuple[str, Buttons]:
    return _slot_text(change.slot, change.reach, _saved_note(change)), _slot_rows(change.slot)


def _days_view(change: admin.SlotChange) -> tuple[str, Buttons]:
    new = change.slot
    text = texts.ADMIN_DAYS.format(title=texts.esc(new.title), days=days_words(new.days))
    return f"{_saved_note(change)}\n\n{text}", _days_rows(new)


async def _days_change(
    update: Update, context: Context, press: Press, reference: str, days: Days
) -> State:
    return await _slot_change(
        update, context, press, reference, admin.set_slot_days, days, _days_view
    )


async def _days_kind(update: Update, context: Context, args: list[str], press: Press) -> State:
    if len(args) < 2 or args[1] not in texts.ADMIN_DAYS_BUTTONS:
        return await _stale(update, press)
    return await _days_change(update, context, press, args[0], Days(DaysKind(args[1])))


async def _weekday(update: Update, context: Context, args: list[str], press: Press) -> State:
    slot = await _slot_for(context, args[0]) if args else None
    if slot is None or len(args) < 2 or args[1] not in {str(d) for d in range(7)}:
        return await _stale(update, press)
    day = int(args[1])
    current = slot.days.weekdays if slot.days.kind is DaysKind.WEEKDAYS else frozenset[int]()
    days = Days(DaysKind.WEEKDAYS, frozenset(current ^ {day}))
    return await _days_change(update, context, press, args[0], days)


async def _new_slot(update: Update, context: Context, args: list[str], press: Press) -> State:
    categories, check_in = await services(context).store.run(admin.new_slot_options)
    items = [
        (_category_label(c), f"a:snc:{TIP_CATEGORIES.index(c)}")
        for c in categories
        if c in TIP_CATEGORIES
    ]
    rows: list[list[tuple[str, str]]] = chunk(items, 2)
    if check_in:
        rows.append([(texts.ADMIN_NEW_CHECK_IN, "a:snk")])
    rows.append([(texts.ADMIN_BACK, "a:sl")])
    await _show(update, texts.ADMIN_NEW_SLOT, rows)
    return MENU


async def _add_slot(
    update: Update, context: Context, press: Press, kind: SlotKind, category: str | None
) -> State:
    svc = services(context)
    admin_id = _admin_id(update, context)
    if admin_id is None:
        return await _stale(update, press)
    title = (
        texts.ADMIN_NEW_TIP_SLOT_TITLE.format(category=_category_label(category))
        if category
        else texts.ADMIN_NEW_CHECK_IN_TITLE
    )
    try:
        change = await svc.store.run(
            admin.add_slot, kind, category, title, admin_id=admin_id, now=svc.now()
        )
    except admin.AdminError as exc:
        press.toast, press.alert = "\n".join(exc.problems)[:190], True
        return MENU
    note = texts.ADMIN_SLOT_ADDED.format(title=texts.esc(change.slot.title))
    await _show(update, _slot_text(change.slot, 0, note), _slot_rows(change.slot))
    return MENU


async def _new_tip_slot(update: Update, context: Context, args: list[str], press: Press) -> State:
    category = _category_arg(args)
    if category is None:
        return await _stale(update, press)
    return await _add_slot(update, context, press, SlotKind.TIP, category)


async def _new_check_in(update: Update, context: Context, args: list[str], press: Press) -> State:
    return await _add_slot(update, context, press, SlotKind.CHECK_IN, None)


async def _ask_preview(update: Update, context: Context, args: list[str], press: Press) -> State:
    svc = services(context)
    admin_id = _admin_id(update, context)
    if admin_id is None:
        return await _stale(update, press)
    await svc.store.run(admin.save_draft, admin_id, {"await": "preview"}, svc.now())
    await _show(update, texts.ADMIN_PREVIEW_PROMPT, [[(texts.ADMIN_BACK, "a:sl")]])
    return INPUT


async def _typed_preview(
    update: Update, context: Context, admin_id: int, draft: dict[str, Any], text: str
) -> State:
    svc = services(context)
    match = match_zone(text)
    if match.zone is None:
        if match.suggestions:
            await say(update, texts.ADMIN_ZONE_SUGGEST.format(zones=", ".join(match.suggestions)))
        else:
            await say(update, texts.ADMIN_ZONE_UNKNOWN.format(text=texts.esc(text.strip()[:60])))
        return INPUT
    slots = await svc.store.run(admin.plan_for_preview)
    days = admin.preview_days(slots, match.zone, svc.now())
    lines = [texts.ADMIN_PREVIEW_HEAD.format(zone=texts.esc(match.zone))]
    for i, (date, items) in enumerate(days):
        label = texts.ADMIN_PREVIEW_DAY_LABELS[min(i, len(texts.ADMIN_PREVIEW_DAY_LABELS) - 1)]
        lines.append(texts.ADMIN_PREVIEW_DATE.format(label=label, date=date.strftime("%a %d %b")))
        lines += [f"{at:%H:%M}  {texts.esc(slot.title)}" for at, slot in items]
        if not items:
            lines.append(texts.ADMIN_PREVIEW_NOTHING)
    await svc.store.run(admin.clear_draft, admin_id)
    rows = [[(texts.ADMIN_BACK_SLOTS, "a:sl"), (texts.ADMIN_HOME, "a:m")]]
    await say(update, _fit(lines), keyboard(rows))
    return MENU


# ---------------------------------------------------------------------------------------------
# Tips


def _category_arg(args: list[str]) -> str | None:
    index = parse_id(args[0]) if args else None
    if index is None or index >= len(TIP_CATEGORIES):
        return None
    return TIP_CATEGORIES[index]


async def _tip_for(context: Context, reference: str) -> Tip | None:
    return await services(context).store.run(catalog.find_tip, reference)


async def _tip_categories(update: Update, context: Context, args: list[str], press: Press) -> State:
    tips = await services(context).store.run(catalog.all_tips)
    items = []
    for i, category in enumerate(TIP_CATEGORIES):
        mine = [t for t in tips if t.category == category]
        active = sum(t.active for t in mine)
        label = texts.ADMIN_CATEGORY_BUTTON.format(
            label=_category_label(category), active=active, total=len(mine)
        )
        items.append((label, f"a:tc:{i}:0"))
    rows = [*chunk(items, 2), [(texts.ADMIN_ADD_TIP, "a:tn")], [(texts.ADMIN_BACK, "a:m")]]
    await _show(update, texts.ADMIN_TIPS, rows)
    return MENU


async def _tip_page(update: Update, context: Context, args: list[str], press: Press) -> State:
    category = _category_arg(args)
    page = (parse_id(args[1]) if len(args) > 1 else None) or 0
    if category is None:
        return await _stale(update, press)
    tips, page, pages = await services(context).store.run(admin.list_tips, category, page)
    index = TIP_CATEGORIES.index(category)
    text = texts.ADMIN_TIP_PAGE.format(label=_category_label(category), page=page + 1, pages=pages)
    rows: list[list[tuple[str, str]]] = [
        [(("" if t.active else "🚫 ") + t.title[:48], f"a:t:{admin.ref(t.id)}")] for t in tips
    ]
    if not tips:
        text += "\n" + texts.ADMIN_NO_TIPS
    paging = []
    if page > 0:
        paging.append((texts.ADMIN_PREV, f"a:tc:{index}:{page - 1}"))
    if page + 1 < pages:
        paging.append((texts.ADMIN_NEXT, f"a:tc:{index}:{page + 1}"))
    if paging:
        rows.append(paging)
    rows.append([(texts.ADMIN_ADD_TIP_HERE, f"a:tnc:{index}"), (texts.ADMIN_BACK, "a:tl")])
    await _show(update, text, rows)
    return MENU


async def _tip(update: Update, context: Context, args: list[str], press: Press) -> State:
    found = await services(context).store.run(catalog.tip_with_version, args[0]) if args else None
    if found is None:
        return await _stale(update, press)
    await _show(update, _tip_text(found.tip, found.version), _tip_rows(found.tip))
    return MENU


async def _tip_preview(update: Update, context: Context, args: list[str], press: Press) -> State:
    tip = await _tip_for(context, args[0]) if args else None
    if tip is None:
        return await _stale(update, press)
    await say(update, render_tip(tip))
    return MENU


async def _ask_tip(update: Update, context: Context, draft: dict[str, Any], prompt: str) -> State:
    svc = services(context)
    admin_id = _admin_id(update, context)
    assert admin_id is not None
    await svc.store.run(admin.save_draft, admin_id, draft, svc.now())
    await _show(update, prompt, [[(texts.ADMIN_BACK, "a:tl")]])
    return INPUT


async def _new_tip(update: Update, context: Context, args: list[str], press: Press) -> State:
    items = [(_category_label(c), f"a:tnc:{i}") for i, c in enumerate(TIP_CATEGORIES)]
    await _show(update, texts.ADMIN_TIP_CATEGORY, [*chunk(items, 2), [(texts.ADMIN_BACK, "a:tl")]])
    return MENU


async def _ask_new_tip(update: Update, context: Context, args: list[str], press: Press) -> State:
    category = _category_arg(args)
    if category is None:
        return await _stale(update, press)
    prompt = texts.ADMIN_TIP_ADD_PROMPT.format(label=_category_label(category))
    return await _ask_tip(update, context, {"await": "tip_add", "category": category}, prompt)


async def _ask_edit_tip(update: Update, context: Context, args: list[str], press: Press) -> State:
    tip = await _tip_for(context, args[0]) if args else None
    if tip is None:
        return await _stale(update, press)
    prompt = texts.ADMIN_TIP_EDIT_PROMPT.format(
        title=texts.esc(tip.title), body=texts.esc(tip.body)
    )
    return await _ask_tip(update, context, {"await": "tip_edit", "tip": tip.id}, prompt)


async def _typed_tip(
    update: Update, context: Context, admin_id: int, draft: dict[str, Any], text: str
) -> State:
    svc = services(context)
    message = update.effective_message
    assert message is not None
    title, _ = admin.parse_tip_message(text)
    _, body = admin.parse_tip_message(_typed_html(message))
    try:
        if draft["await"] == "tip_add":
            change = await svc.store.run(
                admin.add_tip,
                str(draft["category"]),
                title,
                body,
                admin_id=admin_id,
                now=svc.now(),
            )
            note = texts.ADMIN_TIP_ADDED.format(label=_category_label(change.tip.category))
        else:
            change = await svc.store.run(
                admin.edit_tip, str(draft["tip"]), title, body, admin_id=admin_id, now=svc.now()
            )
            note = texts.ADMIN_TIP_SAVED if change.before != change.tip else texts.ADMIN_UNCHANGED
    except admin.AdminError as exc:
        await say(update, _problems_text(texts.ADMIN_NOT_SAVED, exc.problems, texts.ADMIN_RETRY))
        return INPUT
    _forget_tips(svc, [change.tip.id])
    await svc.store.run(admin.clear_draft, admin_id)
    text_out = _tip_text(change.tip, change.version, note)
    text_out += "\n\n" + texts.ADMIN_AS_RUNNERS_SEE_IT + "\n\n" + render_tip(change.tip)
    await say(update, text_out, keyboard(_tip_rows(change.tip)))
    return MENU


async def _tip_active(
    update: Update, context: Context, args: list[str], press: Press, active: bool
) -> State:
    svc = services(context)
    admin_id = _admin_id(update, context)
    tip = await _tip_for(context, args[0]) if args else None
    if tip is None or admin_id is None:
        return await _stale(update, press)
    operation = admin.reactivate_tip if active else admin.retire_tip
    try:
        change = await svc.store.run(operation, tip.id, admin_id=admin_id, now=svc.now())
    except admin.AdminError as exc:
        press.toast, press.alert = "\n".join(exc.problems)[:190], True
        return MENU
    _forget_tips(svc, [tip.id])
    note = texts.ADMIN_TIP_REACTIVATED if active else texts.ADMIN_TIP_RETIRED_NOTE
    if change.before == change.tip:
        note = texts.ADMIN_UNCHANGED
    for slot in change.starved_slots:
        note += "\n" + texts.ADMIN_SLOT_STARVED.format(
            title=texts.esc(slot.title), label=_category_label(change.tip.category)
        )
    press.toast = texts.ADMIN_SAVED_TOAST
    await _show(update, _tip_text(change.tip, change.version, note), _tip_rows(change.tip))
    return MENU


async def _retire(update: Update, context: Context, args: list[str], press: Press) -> State:
    return await _tip_active(update, context, args, press, active=False)


async def _reactivate(update: Update, context: Context, args: list[str], press: Press) -> State:
    return await _tip_active(update, context, args, press, active=True)


# ---------------------------------------------------------------------------------------------
# Re-import


def _diff_lines(diff: admin.ImportDiff) -> list[str]:
    lines: list[str] = []
    groups: list[tuple[str, tuple[Slot, ...] | tuple[Tip, ...]]] = [
        (texts.ADMIN_DIFF_SLOTS_ADDED, diff.slots_added),
        (texts.ADMIN_DIFF_SLOTS_CHANGED, diff.slots_changed),
        (texts.ADMIN_DIFF_SLOTS_DISABLED, diff.slots_disabled),
        (texts.ADMIN_DIFF_TIPS_ADDED, diff.tips_added),
        (texts.ADMIN_DIFF_TIPS_CHANGED, diff.tips_changed),
        (texts.ADMIN_DIFF_TIPS_RETIRED, diff.tips_retired),
    ]
    for heading, items in groups:
        if not items:
            continue
        lines.append(heading.format(n=len(items)))
        for item in items[:LIST_LIMIT]:
            lines.append(f"  • {texts.esc(item.title)} <i>({texts.esc(item.id)})</i>")
        if len(items) > LIST_LIMIT:
            lines.append("  " + texts.ADMIN_MORE.format(n=len(items) - LIST_LIMIT))
    return lines


async def _reimport(update: Update, context: Context, args: list[str], press: Press) -> State:
    svc = services(context)
    directory = svc.settings.schedules_dir
    back = [[(texts.ADMIN_BACK, "a:m")]]
    try:
        diff = await svc.store.run(admin.reimport_diff, directory)
    except content.ContentError as exc:
        lead = texts.ADMIN_IMPORT_REFUSED.format(n=len(exc.errors))
        await _show(update, _problems_text(lead, exc.errors), back)
        return MENU
    if diff.empty:
        await _show(update, texts.ADMIN_IMPORT_SAME, back)
        return MENU
    text = _fit([texts.ADMIN_IMPORT_DIFF, *_diff_lines(diff), texts.ADMIN_IMPORT_CONFIRM])
    rows = [[(texts.ADMIN_IMPORT_APPLY, f"a:iy:{diff.fingerprint}"), (texts.ADMIN_CANCEL, "a:m")]]
    await _show(update, text, rows)
    return MENU


async def _reimport_apply(update: Update, context: Context, args: list[str], press: Press) -> State:
    svc = services(context)
    admin_id = _admin_id(update, context)
    if not args or admin_id is None:
        return await _stale(update, press)
    back = [[(texts.ADMIN_HOME, "a:m")]]
    try:
        diff = await svc.store.run(
            admin.reimport_apply,
            svc.settings.schedules_dir,
            args[0],
            admin_id=admin_id,
            now=svc.now(),
            grace=_grace(svc),
        )
    except content.ContentError as exc:
        lead = texts.ADMIN_IMPORT_REFUSED.format(n=len(exc.errors))
        await _show(update, _problems_text(lead, exc.errors), back)
        return MENU
    except admin.AdminError as exc:
        press.toast, press.alert = "\n".join(exc.problems)[:190], True
        return await _reimport(update, context, [], Press())
    _forget_tips(svc, [t.id for t in (*diff.tips_changed, *diff.tips_retired)])
    svc.wake_sender()
    await _show(update, _fit([texts.ADMIN_IMPORT_DONE, *_diff_lines(diff)]), back)
    return MENU


# ---------------------------------------------------------------------------------------------
# Stats and audit


async def _stats(update: Update, context: Context, args: list[str], press: Press) -> State:
    svc = services(context)
    found = await svc.store.run(admin.stats, svc.now())
    runners = " · ".join(
        f"{found.runners.get(status, 0)} {label}"
        for status, label in texts.ADMIN_STATS_STATUSES.items()
    )
    escalations = " · ".join(
        f"{label} {found.escalations_week.get(level, 0)}"
        for level, label in texts.ADMIN_STATS_LEVELS.items()
    )
    rate = found.done_rate
    done = (
        texts.ADMIN_STATS_DONE.format(
            percent=round(rate * 100), done=found.done_week, tips=found.tips_week
        )
        if rate is not None
        else texts.ADMIN_STATS_NO_DONE
    )
    text = texts.ADMIN_STATS.format(
        runners=runners,
        sent_today=found.sent_today,
        sent_week=found.sent_week,
        dropped_today=found.dropped_today,
        dropped_week=found.dropped_week,
        checkins=found.checkins_week,
        escalations=escalations,
        done=done,
    )
    rows = [[(texts.ADMIN_REFRESH, "a:st:r"), (texts.ADMIN_BACK, "a:m")]]
    await _show(update, text, rows)
    if args:  # a refresh: say so even when nothing changed
        press.toast = texts.ADMIN_REFRESHED
    return MENU


async def _audit(update: Update, context: Context, args: list[str], press: Press) -> State:
    entries = await services(context).store.run(admin.audit_list, 20)
    lines = [texts.ADMIN_AUDIT]
    if not entries:
        lines.append(texts.ADMIN_AUDIT_EMPTY)
    for entry in entries:
        lines.append(
            texts.ADMIN_AUDIT_LINE.format(
                id=entry.id,
                at=entry.at.strftime("%d %b %H:%M"),
                admin=entry.admin_id if entry.admin_id is not None else "files",
                action=texts.esc(texts.ADMIN_AUDIT_ACTIONS.get(entry.action, entry.action)),
                target=texts.esc(entry.target),
                summary=texts.esc(entry.summary[:160]),
            )
        )
    await _show(update, _fit(lines), [[(texts.ADMIN_BACK, "a:m")]])
    return MENU


# ---------------------------------------------------------------------------------------------
# Announcements


def _progress_text(found: admin.Announcement) -> str:
    return texts.ADMIN_ANNOUNCE_PROGRESS.format(
        n=found.number,
        queued=found.queued,
        sent=found.sent,
        pending=found.pending,
        failed=found.counts.get("failed", 0),
        dropped=found.counts.get("dropped", 0),
    )


def _progress_rows(found: admin.Announcement) -> Buttons:
    rows: list[list[tuple[str, str]]] = [[(texts.ADMIN_ANNOUNCE_REFRESH, f"a:ap:{found.number}")]]
    if found.pending:
        rows[0].append((texts.ADMIN_ANNOUNCE_STOP, f"a:ac:{found.number}"))
    rows.append([(texts.ADMIN_HOME, "a:m")])
    return rows


async def _ask_announcement(
    update: Update, context: Context, args: list[str], press: Press
) -> State:
    svc = services(context)
    admin_id = _admin_id(update, context)
    if admin_id is None:
        return await _stale(update, press)
    reach = await svc.store.run(admin.announcement_reach)
    recent = await svc.store.run(admin.recent_announcements, 1)
    await svc.store.run(admin.save_draft, admin_id, {"await": "announce"}, svc.now())
    lines = [texts.ADMIN_ANNOUNCE_PROMPT.format(n=reach, limit=admin.ANNOUNCEMENT_MAX)]
    rows: list[list[tuple[str, str]]] = []
    if recent:
        lines.append("\n" + _progress_text(recent[0]))
        rows.append([(texts.ADMIN_ANNOUNCE_REFRESH, f"a:ap:{recent[0].number}")])
        if recent[0].pending:
            rows[0].append((texts.ADMIN_ANNOUNCE_STOP, f"a:ac:{recent[0].number}"))
    rows.append([(texts.ADMIN_BACK, "a:m")])
    await _show(update, "\n".join(lines), rows)
    return INPUT


async def _typed_announcement(
    update: Update, context: Context, admin_id: int, draft: dict[str, Any], text: str
) -> State:
    svc = services(context)
    message = update.effective_message
    assert message is not None
    announcement = _typed_html(message).strip()
    problems = admin.validate_announcement(announcement)
    if problems:
        await say(update, _problems_text(texts.ADMIN_NOT_QUEUED, problems, texts.ADMIN_RETRY))
        return INPUT
    draft = {"await": None, "announce": announcement}
    await svc.store.run(admin.save_draft, admin_id, draft, svc.now())
    reach = await svc.store.run(admin.announcement_reach)
    await say(update, announcement)  # exactly as runners will see it
    minutes = max(1, round(reach / max(svc.settings.send_rate, 1.0) / 60))
    rows = [
        [
            (texts.ADMIN_ANNOUNCE_SEND.format(n=reach), f"a:ay:{_fingerprint(announcement)}"),
            (texts.ADMIN_ANNOUNCE_DISCARD, "a:ax"),
        ]
    ]
    await say(update, texts.ADMIN_ANNOUNCE_CONFIRM.format(n=reach, minutes=minutes), keyboard(rows))
    return MENU


async def _send_announcement(
    update: Update, context: Context, args: list[str], press: Press
) -> State:
    svc = services(context)
    admin_id = _admin_id(update, context)
    if admin_id is None or not args:
        return await _stale(update, press)
    draft = await svc.store.run(admin.load_draft, admin_id, svc.now())
    text = str((draft or {}).get("announce") or "")
    if not text or _fingerprint(text) != args[0]:
        # A second tap on the same button, or an old preview: say so, keep the screen.
        press.toast, press.alert = texts.ADMIN_ANNOUNCE_GONE, True
        return MENU
    # Clear the draft first: a second press of the same button finds nothing to send.
    await svc.store.run(admin.clear_draft, admin_id)
    try:
        found = await svc.store.run(
            admin.queue_announcement, text, admin_id=admin_id, now=svc.now()
        )
    except admin.AdminError as exc:
        await _show(update, _problems_text(texts.ADMIN_NOT_QUEUED, exc.problems))
        return MENU
    svc.wake_sender()
    log.info("announcement %d queued for %d runner(s)", found.number, found.queued)
    text_out = texts.ADMIN_ANNOUNCE_QUEUED.format(n=found.number, queued=found.queued)
    await _show(update, f"{text_out}\n\n{_progress_text(found)}", _progress_rows(found))
    return MENU


async def _discard_announcement(
    update: Update, context: Context, args: list[str], press: Press
) -> State:
    svc = services(context)
    admin_id = _admin_id(update, context)
    if admin_id is not None:
        await svc.store.run(admin.clear_draft, admin_id)
    await _show(update, texts.ADMIN_ANNOUNCE_DISCARDED, [[(texts.ADMIN_HOME, "a:m")]])
    return MENU


def _number(args: list[str]) -> int | None:
    return parse_id(args[0]) if args else None


async def _announcement_progress(
    update: Update, context: Context, args: list[str], press: Press
) -> State:
    number = _number(args)
    found = await services(context).store.run(admin.announcement_progress, number or 0)
    if found is None:
        return await _stale(update, press)
    press.toast = texts.ADMIN_REFRESHED
    await _show(update, _progress_text(found), _progress_rows(found))
    return MENU


async def _cancel_announcement(
    update: Update, context: Context, args: list[str], press: Press
) -> State:
    svc = services(context)
    admin_id = _admin_id(update, context)
    number = _number(args)
    if admin_id is None or number is None:
        return await _stale(update, press)
    found = await svc.store.run(admin.cancel_announcement, number, admin_id=admin_id, now=svc.now())
    if found is None:
        return await _stale(update, press)
    log.info("announcement %d cancelled: %d not sent", number, found.counts.get("cancelled", 0))
    note = texts.ADMIN_ANNOUNCE_STOPPED.format(
        n=number, cancelled=found.counts.get("cancelled", 0), sent=found.sent
    )
    await _show(update, f"{note}\n\n{_progress_text(found)}", _progress_rows(found))
    return MENU


# ---------------------------------------------------------------------------------------------
# Dispatch


ACTIONS: dict[str, Action] = {
    "m": _main_menu,
    "x": _close,
    "sl": _slots,
    "s": _slot,
    "sa": _ask_anchor,
    "sd": _days,
    "sk": _days_kind,
    "sw": _weekday,
    "sy": _weekly,
    "se": _enable,
    "sn": _new_slot,
    "snc": _new_tip_slot,
    "snk": _new_check_in,
    "pv": _ask_preview,
    "tl": _tip_categories,
    "tc": _tip_page,
    "t": _tip,
    "tp": _tip_preview,
    "te": _ask_edit_tip,
    "tr": _retire,
    "ta": _reactivate,
    "tn": _new_tip,
    "tnc": _ask_new_tip,
    "im": _reimport,
    "iy": _reimport_apply,
    "st": _stats,
    "an": _ask_announcement,
    "ay": _send_announcement,
    "ax": _discard_announcement,
    "ap": _announcement_progress,
    "ac": _cancel_announcement,
    "au": _audit,
}

TYPED: dict[str, Callable[[Update, Context, int, dict[str, Any], str], Awaitable[State]]] = {
    "anchor": _typed_anchor,
    "preview": _typed_preview,
    "tip_add": _typed_tip,
    "tip_edit": _typed_tip,
    "announce": _typed_announcement,
}


async def admin_button(update: Update, context: Context) -> State:
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split(":")
    name = parts[1] if len(parts) > 1 else ""
    action = ACTIONS.get(name)
    # Only a known action's name goes into the log: button data can be forged.
    logged = name if action is not None else "unknown"
    if _admin_id(update, context) is None:
        return await _refuse(update, logged)
    if action is None:
        await answer_query(update, texts.ADMIN_STALE)
        return MENU
    press = Press()
    state = await action(update, context, parts[2:], press)
    await answer_query(update, press.toast, alert=press.alert)
    return state


async def admin_text(update: Update, context: Context) -> State:
    svc = services(context)
    admin_id = _admin_id(update, context)
    if admin_id is None:
        return await _refuse(update, "typed")
    message = update.effective_message
    assert message is not None and message.text is not None
    draft = await svc.store.run(admin.load_draft, admin_id, svc.now())
    handler = TYPED.get(str((draft or {}).get("await")))
    if draft is None or handler is None:
        await say(update, texts.ADMIN_EXPIRED)
        return END
    return await handler(update, context, admin_id, draft, message.text)


async def not_text(update: Update, context: Context) -> State:
    if _admin_id(update, context) is None:
        return await _refuse(update, "typed")
    await say(update, texts.ADMIN_TEXT_ONLY)
    return INPUT


def build() -> ConversationHandler[Context]:
    private = filters.ChatType.PRIVATE
    button: BaseHandler[Update, Context, object] = CallbackQueryHandler(
        admin_button, pattern=rf"^{PREFIX}"
    )
    with warnings.catch_warnings():
        # Buttons and typed answers in one conversation per chat (not per message).
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            entry_points=[CommandHandler("admin", admin_command, filters=private), button],
            states={
                # Only buttons: what an admin types while a menu is open is not for us.
                MENU: [button],
                INPUT: [
                    button,
                    MessageHandler(private & filters.TEXT & ~filters.COMMAND, admin_text),
                    MessageHandler(private & ~filters.COMMAND, not_text),
                ],
            },
            fallbacks=[
                CommandHandler("admin", admin_command, filters=private),
                CommandHandler("cancel", cancel, filters=private),
            ],
            allow_reentry=True,
            name="admin",
            persistent=True,
            per_chat=True,
        )


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(build())

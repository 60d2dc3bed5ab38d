"""Announcements: ask for one (typed), show it as runners will see it, send or discard it, and
follow or stop its delivery."""

from __future__ import annotations

from telegram import Update

from bot.core import texts
from bot.services import admin
from bot.services.runtime import services
from bot.telegram.handlers.admin.common import (
    MENU,
    Press,
    State,
    ask,
    fingerprint,
    log,
    problems_text,
    retry,
    show,
    typed_answer,
)
from bot.telegram.handlers.common import Buttons, Context, keyboard, parse_id, say

_HOME = (texts.ADMIN_HOME, "a:m")


def _progress_text(found: admin.Announcement) -> str:
    return texts.ADMIN_ANNOUNCE_PROGRESS.format(
        n=found.number,
        queued=found.queued,
        sent=found.sent,
        pending=found.pending,
        failed=found.counts.get("failed", 0),
        dropped=found.counts.get("dropped", 0),
    )


def _progress_rows(found: admin.Announcement, back: tuple[str, str] = _HOME) -> Buttons:
    rows: list[list[tuple[str, str]]] = [[(texts.ADMIN_ANNOUNCE_REFRESH, f"a:ap:{found.number}")]]
    if found.pending:
        rows[0].append((texts.ADMIN_ANNOUNCE_STOP, f"a:ac:{found.number}"))
    rows.append([back])
    return rows


async def ask_announcement(
    update: Update, context: Context, args: list[str], press: Press
) -> State:
    svc = services(context)
    reach = await svc.store.run(admin.announcement_reach)
    recent = await svc.store.run(admin.recent_announcements, 1)
    runners = texts.plural(reach, "active runner", "active runners")
    lines = [texts.ADMIN_ANNOUNCE_PROMPT.format(runners=runners, limit=admin.ANNOUNCEMENT_MAX)]
    back = (texts.ADMIN_BACK, "a:m")
    rows: Buttons = [[back]]
    if recent:
        lines.append("\n" + _progress_text(recent[0]))
        rows = _progress_rows(recent[0], back)
    draft = admin.Draft(awaiting="announce")
    return await ask(update, context, press.admin_id, draft, "\n".join(lines), rows)


async def typed_announcement(
    update: Update, context: Context, admin_id: int, draft: admin.Draft, text: str
) -> State:
    svc = services(context)
    announcement = typed_answer(update).strip()
    problems = admin.validate_announcement(announcement)
    if problems:
        return await retry(update, texts.ADMIN_NOT_QUEUED, problems)
    waiting = admin.Draft(announcement=announcement)  # nothing more to type: it waits for Send
    await svc.store.run(admin.save_draft, admin_id, waiting, svc.now())
    reach = await svc.store.run(admin.announcement_reach)
    await say(update, announcement)  # exactly as runners will see it
    minutes = max(1, round(reach / max(svc.settings.send_rate, 1.0) / 60))
    rows = [
        [
            (
                texts.ADMIN_ANNOUNCE_SEND.format(runners=texts.plural(reach, "runner", "runners")),
                f"a:ay:{fingerprint(announcement)}",
            ),
            (texts.ADMIN_ANNOUNCE_DISCARD, "a:ax"),
        ]
    ]
    runners = texts.plural(reach, "active runner", "active runners")
    confirm = texts.ADMIN_ANNOUNCE_CONFIRM.format(runners=runners, minutes=minutes)
    await say(update, confirm, keyboard(rows))
    return MENU


async def send_announcement(
    update: Update, context: Context, args: list[str], press: Press
) -> State:
    svc = services(context)
    if not args:
        return press.stale()
    draft = await svc.store.run(admin.load_draft, press.admin_id, svc.now())
    text = (draft.announcement if draft is not None else None) or ""
    if not text or fingerprint(text) != args[0]:
        # A second tap on the same button, or an old preview: say so, keep the screen.
        press.toast, press.alert = texts.ADMIN_ANNOUNCE_GONE, True
        return MENU
    # Clear the draft first: a second press of the same button finds nothing to send.
    await svc.store.run(admin.clear_draft, press.admin_id)
    try:
        found = await svc.store.run(
            admin.queue_announcement, text, admin_id=press.admin_id, now=svc.now()
        )
    except admin.AdminError as exc:
        await show(update, problems_text(texts.ADMIN_NOT_QUEUED, exc.problems))
        return MENU
    svc.wake_sender()
    log.info("announcement %d queued for %d runner(s)", found.number, found.queued)
    runners = texts.plural(found.queued, "runner", "runners")
    text_out = texts.ADMIN_ANNOUNCE_QUEUED.format(n=found.number, runners=runners)
    await show(update, f"{text_out}\n\n{_progress_text(found)}", _progress_rows(found))
    return MENU


async def discard_announcement(
    update: Update, context: Context, args: list[str], press: Press
) -> State:
    await services(context).store.run(admin.clear_draft, press.admin_id)
    await show(update, texts.ADMIN_ANNOUNCE_DISCARDED, [[_HOME]])
    return MENU


def _number(args: list[str]) -> int | None:
    return parse_id(args[0]) if args else None


async def announcement_progress(
    update: Update, context: Context, args: list[str], press: Press
) -> State:
    number = _number(args)
    found = await services(context).store.run(admin.announcement_progress, number or 0)
    if found is None:
        return press.stale()
    press.toast = texts.ADMIN_REFRESHED
    await show(update, _progress_text(found), _progress_rows(found))
    return MENU


async def cancel_announcement(
    update: Update, context: Context, args: list[str], press: Press
) -> State:
    svc = services(context)
    number = _number(args)
    if number is None:
        return press.stale()
    found = await svc.store.run(
        admin.cancel_announcement, number, admin_id=press.admin_id, now=svc.now()
    )
    if found is None:
        return press.stale()
    cancelled = found.counts.get("cancelled", 0)
    log.info("announcement %d cancelled: %d not sent", number, cancelled)
    note = texts.ADMIN_ANNOUNCE_STOPPED.format(n=number, cancelled=cancelled, sent=found.sent)
    await show(update, f"{note}\n\n{_progress_text(found)}", _progress_rows(found))
    return MENU

"""Stats and audit: the numbers of the day and the week, and the latest audit entries."""

from __future__ import annotations

from telegram import Update

from bot.core import texts
from bot.services import admin
from bot.services.runtime import services
from bot.telegram.handlers.admin.common import MENU, Press, State, fit, show
from bot.telegram.handlers.common import Context

AUDIT_ENTRIES = 20


async def show_stats(update: Update, context: Context, args: list[str], press: Press) -> State:
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
            percent=round(rate * 100),
            done=found.done_week,
            tips=texts.plural(found.tips_week, "tip", "tips"),
        )
        if rate is not None
        else texts.ADMIN_STATS_NO_DONE
    )
    languages = " · ".join(f"{code} {n}" for code, n in found.languages.items())
    text = texts.ADMIN_STATS.format(
        runners=runners,
        languages=languages,
        sent_today=found.sent_today,
        sent_week=found.sent_week,
        dropped_today=found.dropped_today,
        dropped_week=found.dropped_week,
        checkins=found.checkins_week,
        escalations=escalations,
        done=done,
    )
    rows = [[(texts.ADMIN_REFRESH, "a:st:r"), (texts.ADMIN_BACK, "a:m")]]
    await show(update, text, rows)
    if args:  # a refresh: say so even when nothing changed
        press.toast = texts.ADMIN_REFRESHED
    return MENU


async def show_audit(update: Update, context: Context, args: list[str], press: Press) -> State:
    entries = await services(context).store.run(admin.audit_list, AUDIT_ENTRIES)
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
    await show(update, fit(lines), [[(texts.ADMIN_BACK, "a:m")]])
    return MENU

"""Tips: list, add, edit, retire and reactivate, each validated exactly as a tip in the files."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from sqlite_utils import Database

from bot.core import content
from bot.core.models import (
    Slot,
    Tip,
)
from bot.services.admin.audit import _audit, tip_doc
from bot.services.admin.common import AdminError, _ts
from bot.storage import content as content_db
from bot.storage import store

__all__ = [
    "TIPS_PER_PAGE",
    "TipChange",
    "add_tip",
    "edit_tip",
    "list_tips",
    "new_tip_id",
    "parse_tip_message",
    "reactivate_tip",
    "retire_tip",
]

TIPS_PER_PAGE = 8


@dataclass(frozen=True)
class TipChange:
    before: Tip | None
    tip: Tip
    version: int
    # Slots left with no active tip to send (after a retirement): the admin should know.
    starved_slots: tuple[Slot, ...] = ()
    # Languages with their own words for this tip (from schedules/tips/<language>/), which an
    # edit of the English words leaves as they are: the admin should know that too.
    translated: tuple[str, ...] = ()


def list_tips(
    database: Database, category: str, page: int, per_page: int = TIPS_PER_PAGE
) -> tuple[list[Tip], int, int]:
    """One page of a category's tips (active first, then retired): (tips, page, pages)."""
    tips = [t for t in content_db.load_tips(database) if t.category == category]
    tips.sort(key=lambda t: (not t.active, t.title.casefold(), t.id))
    pages = max(1, -(-len(tips) // per_page))
    page = min(max(page, 0), pages - 1)
    return tips[page * per_page : (page + 1) * per_page], page, pages


def parse_tip_message(text: str) -> tuple[str, str]:
    """An admin's tip message: the first line is the title, the rest the body."""
    title, _, body = text.strip().partition("\n")
    return title.strip(), body.strip()


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def new_tip_id(category: str, title: str, taken: set[str]) -> str:
    """A unique id from the category and the title, in the files' style (``warm-up-ankle-
    circles``), at most 63 characters."""
    stem = f"{_slug(category)}-{_slug(title) or 'tip'}"[:56].strip("-")
    for n in range(1, 10_000):
        candidate = stem if n == 1 else f"{stem}-{n}"
        if candidate not in taken:
            return candidate
    raise AdminError("could not find a free id for this tip")


def _category_emoji(tips: Iterable[Tip], category: str) -> str:
    """The symbol the category's titles start with (e.g. "🔥" for warm-ups), if they share one."""
    firsts = {t.title.split(" ", 1)[0] for t in tips if t.category == category and " " in t.title}
    if len(firsts) == 1:
        symbol = next(iter(firsts))
        if all(unicodedata.category(ch)[0] in "SM" or ch == "\u200d" for ch in symbol):
            return symbol
    return ""


def _starts_with_symbol(title: str) -> bool:
    return bool(title) and unicodedata.category(title[0]).startswith("S")


def _check_tip(tip: Tip) -> None:
    problems = content.validate_tip(tip, where="message")
    if problems:
        raise AdminError(problems)


def _starved(database: Database, category: str) -> tuple[Slot, ...]:
    """Enabled slots that rotate through `category` and now have no active tip at all."""
    active = {t.category for t in content_db.load_tips(database, active_only=True)}
    return tuple(
        s
        for s in content_db.load_slots(database)
        if s.enabled and category in s.categories and not any(c in active for c in s.categories)
    )


def add_tip(
    database: Database, category: str, title: str, body: str, *, admin_id: int, now: dt.datetime
) -> TipChange:
    """A new active tip: validated exactly as a tip in the files; its id is made from the
    category and title. Titles get the category's symbol, like the tips in the files."""
    with store.immediate(database):
        existing = content_db.load_tips(database)
        emoji = _category_emoji(existing, category)
        if emoji and not _starts_with_symbol(title):
            title = f"{emoji} {title}"
        tip_id = new_tip_id(category, title, {t.id for t in existing})
        # At the end of its category: the rotation follows the order, beginner tips first.
        last = max((t.position for t in existing if t.category == category), default=-1)
        tip = Tip(id=tip_id, category=category, title=title, body=body, position=last + 1)
        _check_tip(tip)
        content_db.save_tips(
            database, [content_db.tip_to_row(tip, version=1, updated_by=admin_id, now=_ts(now))]
        )
        _audit(database, admin_id, now, "tip_add", f"tip {tip_id}", None, tip_doc(tip, 1))
    return TipChange(None, tip, 1)


def _change_tip(
    database: Database,
    tip_id: str,
    change: Callable[[Tip], Tip],
    action: str,
    *,
    admin_id: int,
    now: dt.datetime,
) -> TipChange:
    with store.immediate(database):
        before = content_db.get_tip(database, tip_id)
        if before is None:
            raise AdminError(f"there is no tip {tip_id!r} any more")
        version = content_db.tip_versions(database).get(tip_id, 1)
        after = change(before)
        _check_tip(after)
        if after == before:
            return TipChange(before, after, version)
        content_db.save_tips(
            database,
            [content_db.tip_to_row(after, version=version + 1, updated_by=admin_id, now=_ts(now))],
        )
        _audit(
            database,
            admin_id,
            now,
            action,
            f"tip {tip_id}",
            tip_doc(before, version),
            tip_doc(after, version + 1),
        )
        starved = _starved(database, after.category) if not after.active else ()
        words_changed = (after.title, after.body, after.why) != (
            before.title,
            before.body,
            before.why,
        )
        translated = content_db.tip_text_languages(database, tip_id) if words_changed else ()
    return TipChange(before, after, version + 1, starved, translated)


def edit_tip(
    database: Database, tip_id: str, title: str, body: str, *, admin_id: int, now: dt.datetime
) -> TipChange:
    """New title and body (why, source and category stay)."""

    def change(tip: Tip) -> Tip:
        new_title = title
        emoji = _category_emoji([tip], tip.category) if _starts_with_symbol(tip.title) else ""
        if emoji and not _starts_with_symbol(new_title):
            new_title = f"{emoji} {new_title}"
        return replace(tip, title=new_title, body=body)

    return _change_tip(database, tip_id, change, "tip_edit", admin_id=admin_id, now=now)


def _set_active(
    database: Database, tip_id: str, active: bool, *, admin_id: int, now: dt.datetime
) -> TipChange:
    """Retire (out of rotation) or reactivate a tip."""
    action = "tip_reactivate" if active else "tip_retire"
    return _change_tip(
        database, tip_id, lambda t: replace(t, active=active), action, admin_id=admin_id, now=now
    )


def retire_tip(database: Database, tip_id: str, *, admin_id: int, now: dt.datetime) -> TipChange:
    """Out of rotation, kept for history (deliveries point at it)."""
    return _set_active(database, tip_id, False, admin_id=admin_id, now=now)


def reactivate_tip(
    database: Database, tip_id: str, *, admin_id: int, now: dt.datetime
) -> TipChange:
    return _set_active(database, tip_id, True, admin_id=admin_id, now=now)

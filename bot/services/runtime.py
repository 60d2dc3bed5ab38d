"""What handlers and jobs share: the store, the settings, the clock, the reschedule hook.

Kept in ``application.bot_data["services"]`` and read back with ``services(context)`` so that
handlers stay thin and tests can inject a clock.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database
from telegram.ext import CallbackContext

from bot.config import Settings
from bot.core import content
from bot.storage import content as content_db
from bot.storage.store import Store as Store

Clock = Callable[[], dt.datetime]


class StartupError(RuntimeError):
    """The bot cannot start; the message is one line for the host."""


def open_store(settings: Settings) -> Store:
    """The database thread for `settings` (the connection opens on its first call)."""
    return Store(settings.database_path)


def seed_if_needed(database: Database, settings: Settings, now: int) -> bool:
    """On the very first start, copy schedules/ into the database. Returns True if it seeded.

    Later starts leave the database alone: admins' edits live there, and the files only come
    back in through an explicit re-import.
    """
    if content_db.is_seeded(database):
        return False
    try:
        library = content.load_schedules(settings.schedules_dir)
    except content.ContentError as exc:
        raise StartupError(
            f"cannot seed from {settings.schedules_dir}: {len(exc.errors)} problem(s):\n{exc}"
        ) from None
    content_db.seed_content(
        database, library.slots, library.tips, now=now, translations=library.translations
    )
    return True


def seed_translations_if_needed(database: Database, settings: Settings) -> int:
    """A database from before the languages (m005) has tips but none of their translations:
    copy the files' words for the tips it has, once (an admin's edits stay; re-import brings
    the rest). Returns how many were copied; files that do not validate copy nothing (the bot
    still starts: the English tips are there)."""
    if not content_db.is_seeded(database) or content_db.has_tip_texts(database):
        return 0
    try:
        library = content.load_schedules(settings.schedules_dir)
    except content.ContentError:
        return 0
    known = {t.id for t in content_db.load_tips(database)}
    texts = [t for t in library.translations if t.tip_id in known]
    with database.atomic():
        content_db.save_tip_texts(database, texts)
    return len(texts)


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AdjustableClock:
    """Real time flowing from a chosen start, plus jumps (the sandbox's ":later 2h", tests).

    Flowing time keeps retries and back-off honest; jumps reach the next reminder without
    waiting hours."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._start = start or system_clock()
        self._t0 = time.monotonic()
        self._jump = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return self._start + dt.timedelta(seconds=time.monotonic() - self._t0) + self._jump

    def advance(self, **delta: float) -> None:
        self._jump += dt.timedelta(**delta)

    def set(self, when: dt.datetime) -> None:
        self._jump += when - self()


async def _no_reschedule(chat_id: int) -> None:
    return None


@dataclass
class Services:
    settings: Settings
    store: Store
    clock: Clock = system_clock
    # Recomputes a runner's schedule rows after their settings or status change; the delivery
    # engine installs the real one at start-up.
    reschedule: Callable[[int], Awaitable[None]] = _no_reschedule
    # Tells the sender that something urgent is in the outbox (no waiting for its next poll).
    wake_sender: Callable[[], None] = lambda: None
    # Tells the sender a runner's exercise hold changed (it drops their already-leased tips).
    set_held: Callable[[int, bool], None] = lambda runner_id, held: None
    extras: dict[str, Any] = field(default_factory=dict)

    def now(self) -> dt.datetime:
        return self.clock()

    def now_ts(self) -> int:
        return int(self.clock().timestamp())

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admin_ids


def services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    svc = context.bot_data["services"]
    assert isinstance(svc, Services)
    return svc

"""The language a runner reads BackStride in: what is stored, choosing it, and tips in it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlite_utils import Database

from bot.core import i18n
from bot.core.models import Tip
from bot.storage import content as content_db
from bot.storage import runners as runners_db

__all__ = ["LanguageChoice", "choose", "language_of", "tip_in", "tips_in"]


def language_of(database: Database, chat_id: int) -> str | None:
    """The runner's language, or None for a chat that is not a runner (yet)."""
    return runners_db.language_of(database, chat_id)


@dataclass(frozen=True)
class LanguageChoice:
    language: str
    changed: bool  # False: it was already the runner's language
    stored: bool  # False: not a runner yet (the choice lasts until /start stores it)


def choose(database: Database, chat_id: int, language: str, now: dt.datetime) -> LanguageChoice:
    """Make `language` (a shipped one) the runner's."""
    chosen = i18n.supported(language)
    before = runners_db.language_of(database, chat_id)
    if before is None:
        return LanguageChoice(chosen, changed=True, stored=False)
    if before != chosen:
        runners_db.update_runner(database, chat_id, now=int(now.timestamp()), language=chosen)
    return LanguageChoice(chosen, changed=before != chosen, stored=True)


def tip_in(database: Database, tip_id: str, language: str) -> Tip | None:
    """The tip in `language`: its own words there when the files have them, else English."""
    tip = content_db.get_tip(database, tip_id)
    if tip is None or language == i18n.DEFAULT:
        return tip
    words = content_db.get_tip_text(database, tip_id, language)
    return tip if words is None else words.applied_to(tip)


def tips_in(database: Database, language: str) -> list[Tip]:
    """Every tip in `language` (its own words where the files have them), e.g. to name the
    exercises of a runner's weekly summary."""
    tips = content_db.load_tips(database)
    if language == i18n.DEFAULT:
        return tips
    words = {t.tip_id: t for t in content_db.load_tip_texts(database, language)}
    return [words[t.id].applied_to(t) if t.id in words else t for t in tips]

"""Checks on the translation catalogs, so a shipped language is complete or fails the build.

For each shipped language's ``.po`` against the messages the code marks today (extracted from
the source with Babel, not read from a ``.pot`` that could be stale):

* every message has a translation, not empty and not fuzzy (a fuzzy guess is never shown);
* a translation has exactly the message's ``{placeholders}`` (``{time}`` in English must be
  ``{time}`` in Spanish: a missing one silently drops the time, an extra one crashes);
* a translation keeps Telegram HTML valid and the same tags (``<b>`` stays ``<b>``: the
  emergency line is bold in every language);
* a counted message has every plural form the language has (Russian: three);
* the catalog declares the language's plural rule.

Problems are lines ``bot/locales/es/LC_MESSAGES/messages.po: "msgid…": what is wrong``.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.core import i18n
from bot.core.content.html import telegram_html_problem

__all__ = ["KEYWORDS", "Message", "check_catalogs", "check_translation", "source_messages"]

#: The gettext functions the code uses (bot.core.i18n): (name, msgid argument positions).
KEYWORDS: Final = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
}
COMMENT_TAG: Final = "Translators:"
_TAG = re.compile(r"</?([a-zA-Z]+)")


@dataclass(frozen=True)
class Message:
    """A marked string in the code: its English text (and plural), and where it is."""

    id: str
    plural: str | None
    where: str


def source_messages(package: Path) -> dict[str, Message]:
    """Every message the code under `package` (the ``bot`` directory) marks for translation."""
    method_map = [("testing/**", "ignore"), ("**.py", "python")]
    found: dict[str, Message] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
        str(package), method_map, keywords=KEYWORDS, comment_tags=(COMMENT_TAG,)
    ):
        if isinstance(message, tuple):
            singular, plural = str(message[0]), str(message[1])
        else:
            singular, plural = str(message), None
        found.setdefault(singular, Message(singular, plural, f"bot/{filename}:{line}"))
    return found


def placeholders(text: str) -> Counter[str]:
    """The ``{names}`` a template formats in (a ``{{`` is a brace, not a placeholder)."""
    names: Counter[str] = Counter()
    try:
        for _literal, field, _spec, _conversion in string.Formatter().parse(text):
            if field is not None:
                names[field] += 1
    except ValueError:
        names["<unbalanced braces>"] += 1
    return names


def _filled(text: str) -> str:
    """The template with every placeholder filled in with plain words, as it will be sent."""
    names = placeholders(text)
    try:
        return text.format(**{name: "x" for name in names})
    except (KeyError, IndexError, ValueError):
        return text


def check_translation(english: str, translated: str) -> list[str]:
    """What is wrong with one translation of `english` (empty: nothing)."""
    problems: list[str] = []
    want, got = placeholders(english), placeholders(translated)
    if set(want) != set(got):
        missing = ", ".join(f"{{{n}}}" for n in sorted(set(want) - set(got)))
        extra = ", ".join(f"{{{n}}}" for n in sorted(set(got) - set(want)))
        detail = "; ".join(
            part for part in (missing and f"missing {missing}", extra and f"extra {extra}") if part
        )
        problems.append(f"placeholders differ from English ({detail})")
    html = telegram_html_problem(_filled(translated))
    if html:
        problems.append(f"breaks Telegram HTML: {html}")
    elif Counter(t.lower() for t in _TAG.findall(english)) != Counter(
        t.lower() for t in _TAG.findall(translated)
    ):
        problems.append("HTML tags differ from English (keep the same <b>, <i> ...)")
    return problems


def _quote(text: str) -> str:
    short = text.replace("\n", "\\n")
    return f'"{short[:50]}…"' if len(short) > 50 else f'"{short}"'


def _read(path: Path, language: str) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=language)


def _problems(
    where: str, catalog: Catalog, messages: dict[str, Message], language: str
) -> Iterator[str]:
    forms = catalog.num_plurals
    expected = Catalog(locale=language).num_plurals  # CLDR's rule, as pybabel init writes it
    if forms != expected:
        yield f"{where}: Plural-Forms: {forms} forms, {language} has {expected} (CLDR)"
    for message in messages.values():
        entry = catalog.get(message.id)
        label = f"{where}: {_quote(message.id)} ({message.where})"
        if entry is None:
            yield f"{label}: no translation (run python -m bot catalogs extract)"
            continue
        if entry.fuzzy:
            yield f"{label}: fuzzy (check the translation and remove the fuzzy flag)"
            continue
        raw = entry.string
        strings = [str(s) for s in raw] if isinstance(raw, list | tuple) else [str(raw or "")]
        english: tuple[str, ...] = (message.id,)
        if message.plural is not None:
            if len(strings) != forms:
                yield f"{label}: {len(strings)} plural forms, the catalog says {forms}"
            english = (message.id, message.plural)
        for index, text in enumerate(strings):
            if not text:
                form = f" (plural form {index})" if message.plural is not None else ""
                yield f"{label}: no translation{form}"
                continue
            source = english[min(index, len(english) - 1)]
            for problem in check_translation(source, text):
                yield f"{label}: {problem}"


def check_catalogs(
    package: Path,
    languages: Iterable[str] | None = None,
    locales: Path | None = None,
    *,
    messages: dict[str, Message] | None = None,
) -> list[str]:
    """Every problem of the shipped catalogs under `locales` (default ``<package>/locales``)
    against the messages the code under `package` marks (or `messages`, extracted already);
    [] when all are complete and sound."""
    messages = source_messages(package) if messages is None else messages
    locales = locales or package / "locales"
    problems: list[str] = []
    for language in languages or [x for x in i18n.LANGUAGES if x != i18n.DEFAULT]:
        path = locales / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
        where = f"bot/locales/{language}/LC_MESSAGES/{i18n.DOMAIN}.po"
        if not path.is_file():
            problems.append(f"{where}: missing (a shipped language needs its catalog)")
            continue
        problems.extend(_problems(where, _read(path, language), messages, language))
    return problems

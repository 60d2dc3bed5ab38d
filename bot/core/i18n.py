"""The runner's language: GNU gettext catalogs kept as Babel ``.po`` files, and the language
in force while a message is written.

English is the source: every user-facing string is written in English in the code and marked
(``gettext``/``_`` in functions, ``N_`` for constants, ``ngettext`` for counts); ``pybabel
extract`` collects them into ``bot/locales/messages.pot`` and each shipped language has its
``bot/locales/<lang>/LC_MESSAGES/messages.po``. The ``.po`` files are compiled in memory the
first time a language is used (no ``.mo`` file is ever written or committed), so a catalog
can never be out of step with its source.

Which language a message is written in is ambient, as in Django's ``translation.override``:
a context variable set at the edges (once per update for the runner who sent it, and around
each message the sender or a service writes for a runner), so the many functions that compose
text need no extra argument. Context variables are per asyncio task, so concurrent runners
never see each other's language.
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
import io
import threading
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Final, Generic, Literal, TypeVar, cast

from babel.dates import format_skeleton, get_day_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

__all__ = [
    "BABEL_LOCALES",
    "DEFAULT",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "N_",
    "activate",
    "babel_locale",
    "catalog",
    "current",
    "date_label",
    "decimal",
    "gettext",
    "localized",
    "ngettext",
    "supported",
    "use",
    "weekday_name",
]

#: The languages BackStride ships, English (the source) first. A language is shipped complete
#: or not at all (tests/test_i18n.py fails on a missing or broken translation).
LANGUAGES: Final = ("en", "es", "ru")
DEFAULT: Final = "en"
#: Each language in its own words, for the /language buttons.
LANGUAGE_NAMES: Final[Mapping[str, str]] = {"en": "English", "es": "Español", "ru": "Русский"}

LOCALES_DIR: Final = Path(__file__).resolve().parent.parent / "locales"
DOMAIN: Final = "messages"

_language: ContextVar[str] = ContextVar("backstride_language", default=DEFAULT)
_catalogs: dict[str, _gettext.NullTranslations] = {}
_lock = threading.Lock()


def supported(code: str | None) -> str:
    """The shipped language for a stored value or Telegram's ``language_code`` (an IETF tag
    such as ``es``, ``es-419``, ``ru``, ``pt-br``); English for anything else or nothing."""
    if code in LANGUAGES:  # what is stored: the common case, and the sender's per message
        return code
    if not code:
        return DEFAULT
    primary = code.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else DEFAULT


def current() -> str:
    """The language messages are being written in right now."""
    return _language.get()


def activate(language: str) -> None:
    """Write in `language` for the rest of this task (the update being handled)."""
    _language.set(supported(language))


class use:  # lower case: used like a function, ``with use("es"):``
    """Write in `language` inside the block (a message for one runner among many). A class,
    not a generator: the sender enters one per message."""

    __slots__ = ("_language", "_token")

    def __init__(self, language: str) -> None:
        self._language = supported(language)

    def __enter__(self) -> None:
        self._token = _language.set(self._language)

    def __exit__(self, *_exc: object) -> None:
        _language.reset(self._token)


def _compile(language: str, directory: Path) -> _gettext.NullTranslations:
    path = directory / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == DEFAULT or not path.is_file():
        return _gettext.NullTranslations()
    with path.open("rb") as source:
        messages = read_po(source, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, messages, use_fuzzy=False)  # a fuzzy guess is never shown to a runner
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


def catalog(language: str, directory: Path | None = None) -> _gettext.NullTranslations:
    """The compiled catalog of a shipped language (English: the identity), built on first use.
    With `directory`, compile that tree afresh (tests and ``check-schedules``)."""
    if directory is not None:
        return _compile(language, directory)
    found = _catalogs.get(language)
    if found is None:
        with _lock:
            found = _catalogs.get(language)
            if found is None:
                found = _catalogs[language] = _compile(language, LOCALES_DIR)
    return found


def gettext(message: str) -> str:
    """`message` in the current language (English when it has no translation)."""
    if not message:
        return message  # gettext("") is the catalog's header
    return catalog(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a counted message that fits `n` in the current language's plural rules
    (Russian has three); format ``{n}`` into it afterwards."""
    return catalog(current()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a constant for translation without translating it: it is translated where it is
    read (:func:`localized`, or :func:`gettext` on use)."""
    return message


#: Babel's (CLDR's) locale for each language: British English keeps "Tue 1 Dec" (day first).
BABEL_LOCALES: Final[Mapping[str, str]] = {"en": "en_GB", "es": "es", "ru": "ru"}


def babel_locale() -> str:
    """Babel's locale for the current language (dates, numbers, lists, country names)."""
    return BABEL_LOCALES[current()]


def date_label(day: dt.date | dt.datetime, skeleton: str = "MMMEd") -> str:
    """A date as the current language writes it, from a CLDR skeleton: ``MMMEd`` is "Tue 1 Dec",
    "mar, 1 dic", "вт, 1 дек."; ``MMMd`` "1 Dec"; ``MMMMEEEEd`` "Tuesday 1 December"."""
    return str(format_skeleton(skeleton, day, locale=babel_locale()))


def decimal(value: float) -> str:
    """A number with one decimal as the current language writes it: 2.5, 2,5."""
    return str(format_decimal(value, format="0.0", locale=babel_locale()))


def weekday_name(weekday: int, width: Literal["wide", "abbreviated", "short"] = "wide") -> str:
    """Monday = 0 in the current language; `width` "wide" (Monday), "abbreviated" (Mon) or
    "short" (Mo). Stand-alone forms, as in a list or on a button ("Lunes" is capitalised by
    the caller where a sentence needs it)."""
    names = get_day_names(width, context="stand-alone", locale=babel_locale())
    return str(names[weekday])


_T = TypeVar("_T")


def _translated(value: Any, translations: _gettext.NullTranslations) -> Any:
    if isinstance(value, str):
        return translations.gettext(value) if value else value
    if isinstance(value, tuple):
        return tuple(_translated(item, translations) for item in value)
    if isinstance(value, dict):
        return {key: _translated(item, translations) for key, item in value.items()}
    return value


class _Localized(Generic[_T]):
    """A class of English constants, read in the current language (one translated copy of the
    class per language, made on first use)."""

    def __init__(self, source: type[_T]) -> None:
        self._source = source
        self._copies: dict[str, _T] = {}

    def _copy(self, language: str) -> _T:
        found = self._copies.get(language)
        if found is None:
            found = self._source.__new__(self._source)
            translations = catalog(language)
            for name, value in vars(self._source).items():
                if not name.startswith("__") and isinstance(value, str | tuple | dict):
                    setattr(found, name, _translated(value, translations))
            self._copies[language] = found
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._copy(current()), name)


def localized(source: type[_T]) -> _T:
    """`source`'s constants, each read in the current language: ``T = localized(Texts)``, then
    ``T.WELCOME`` is the welcome in the runner's language. Properties of `source` compose
    translated constants."""
    return cast(_T, _Localized(source))

"""Languages: the catalogs ship complete and sound, the language in force is per task, and the
tip library's translations are held to the English rules.

The catalog checks run on the shipped .po files (they must pass) and on broken copies of them
(each kind of break must be reported), so a check that can never fail would fail here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot.core import catalogs, i18n, texts
from bot.core.content import ContentError, load_schedules
from bot.core.i18n import N_, localized

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "bot"
SHIPPED = [x for x in i18n.LANGUAGES if x != i18n.DEFAULT]


@functools.cache
def marked() -> dict[str, catalogs.Message]:
    """The code's messages, extracted once for this module (it takes a second or two)."""
    return catalogs.source_messages(PACKAGE)


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("es", "es"),
        ("es-419", "es"),
        ("ES_mx", "es"),
        ("ru", "ru"),
        ("ru-RU", "ru"),
        ("en-GB", "en"),
        ("pt-br", "en"),
        ("uk", "en"),
        ("", "en"),
        (None, "en"),
        ("  es ", "es"),
    ],
)
def test_telegram_language_codes_map_to_a_shipped_language(code: str | None, language: str) -> None:
    assert i18n.supported(code) == language


def test_the_language_in_force_is_per_task() -> None:
    """Two runners handled at once never see each other's language."""

    async def write(language: str, started: asyncio.Event, other: asyncio.Event) -> str:
        i18n.activate(language)
        started.set()
        await other.wait()  # the other task has set its own language by now
        return texts.T.CHECKIN_NO_RUN

    async def both() -> tuple[str, str]:
        a, b = asyncio.Event(), asyncio.Event()
        return tuple(await asyncio.gather(write("es", a, b), write("ru", b, a)))  # type: ignore[return-value]

    spanish, russian = asyncio.run(both())
    with i18n.use("es"):
        assert spanish == texts.T.CHECKIN_NO_RUN
    with i18n.use("ru"):
        assert russian == texts.T.CHECKIN_NO_RUN
    assert spanish != russian != texts.Texts.CHECKIN_NO_RUN
    assert i18n.current() == "en"


def test_use_restores_the_language_before_it() -> None:
    with i18n.use("ru"):
        with i18n.use("es"):
            assert i18n.current() == "es"
        assert i18n.current() == "ru"
    assert i18n.current() == "en"


class _Sample:
    GREETING = N_("Done ✔️")
    BUTTONS = {"a": N_("Done ✔️"), "b": "not a message"}  # noqa: RUF012 (read, never changed)
    PAIR = (N_("Done ✔️"), "")

    @property
    def BOTH(self) -> str:  # upper case: read like the constants
        return self.GREETING + "!"


def test_localized_constants_follow_the_current_language() -> None:
    sample = localized(_Sample)
    assert sample.GREETING == "Done ✔️" and sample.BOTH == "Done ✔️!"
    with i18n.use("es"):
        done = i18n.gettext("Done ✔️")
        assert done != "Done ✔️"
        assert done == sample.GREETING and done + "!" == sample.BOTH
        assert {"a": done, "b": "not a message"} == sample.BUTTONS
        assert (done, "") == sample.PAIR  # an empty string is not the catalog's header


def test_plurals_follow_each_language_rules() -> None:
    """Russian has three forms (1 and 21, 2-4, 5-20), Spanish and English one and many: every
    counted message of the code, compiled from the shipped catalogs."""
    counted = [m for m in marked().values() if m.plural is not None]
    assert counted
    three_forms = 0
    for message in counted:
        assert message.plural is not None
        with i18n.use("ru"):
            one, few, many, twenty_one = (
                i18n.ngettext(message.id, message.plural, n) for n in (1, 3, 5, 21)
            )
        # Some Russian phrases share forms ("1 раз", "5 раз"; after "после" 3 and 5 are both
        # genitive plural), so only 21 reading like 1 holds for every message.
        assert twenty_one == one, message.id
        three_forms += len({one, few, many}) == 3
        with i18n.use("es"):
            forms = [i18n.ngettext(message.id, message.plural, n) for n in (1, 2, 5)]
        assert forms[1] == forms[2], message.id  # Spanish: one, and the rest
        assert i18n.ngettext(message.id, message.plural, 1) == message.id
    assert three_forms > len(counted) / 3  # the rule is Russian's, not English's


def test_dates_read_in_the_language() -> None:
    day = dt.date(2026, 12, 1)
    labels = {}
    for language in i18n.LANGUAGES:
        with i18n.use(language):
            labels[language] = (i18n.date_label(day), i18n.weekday_name(6))
    assert labels == {
        "en": ("Tue 1 Dec", "Sunday"),
        "es": ("mar, 1 dic", "domingo"),
        "ru": ("вт, 1 дек.", "воскресенье"),
    }


# ---------------------------------------------------------------------------------------------
# The catalogs


def test_the_shipped_catalogs_are_complete_and_sound() -> None:
    assert catalogs.check_catalogs(PACKAGE, messages=marked()) == []


def test_every_marked_message_is_found_by_the_extractor() -> None:
    messages = marked()
    assert texts.Texts.CHECKIN_PROMPT in messages
    assert texts.Texts.NOT_A_DIAGNOSIS in messages
    assert not any(m.where.startswith("bot/testing/") for m in messages.values())
    # Admin menus stay English: not in the catalogs.
    assert texts.ADMIN_MENU not in messages


def _broken_copy(tmp_path: Path, language: str, change: dict[str, str | None]) -> Path:
    """The shipped locales with some translations of `language` replaced (None: fuzzy)."""
    locales = tmp_path / "locales"
    shutil.copytree(PACKAGE / "locales", locales)
    path = locales / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        catalog: Catalog = read_po(source, locale=language)
    for msgid, translation in change.items():
        entry = catalog[msgid]
        assert entry is not None, msgid
        if translation is None:
            entry.flags.add("fuzzy")
        else:
            entry.string = translation
    with path.open("wb") as target:
        write_po(target, catalog)
    return locales


def _problems(locales: Path, language: str) -> list[str]:
    return catalogs.check_catalogs(PACKAGE, [language], locales=locales, messages=marked())


@pytest.mark.parametrize("language", SHIPPED)
def test_a_missing_translation_fails(tmp_path: Path, language: str) -> None:
    locales = _broken_copy(tmp_path, language, {texts.Texts.CHECKIN_NO_RUN: ""})
    (problem,) = _problems(locales, language)
    assert "I didn't run today" in problem and "no translation" in problem


@pytest.mark.parametrize("language", SHIPPED)
def test_a_fuzzy_translation_fails(tmp_path: Path, language: str) -> None:
    locales = _broken_copy(tmp_path, language, {texts.Texts.CHECKIN_NO_RUN: None})
    (problem,) = _problems(locales, language)
    assert "fuzzy" in problem


def test_a_dropped_or_extra_placeholder_fails(tmp_path: Path) -> None:
    locales = _broken_copy(
        tmp_path,
        "es",
        {
            texts.Texts.TIP_SNOOZED: "⏰ Te lo recuerdo más tarde.",
            texts.Texts.RUN_TIME_SET: "✅ Hora: <b>{time}</b> {hora}.",
        },
    )
    found = "\n".join(_problems(locales, "es"))
    assert "missing {time}" in found and "extra {hora}" in found


def test_broken_html_or_other_tags_fail(tmp_path: Path) -> None:
    locales = _broken_copy(
        tmp_path,
        "ru",
        {
            texts.Texts.CHECKIN_PAIN_SET: "Боль: <b>{pain}/10",
            texts.Texts.CHECKIN_WHERE: "📍 <i>Куда отдает боль?</i>",
        },
    )
    found = _problems(locales, "ru")
    assert any("breaks Telegram HTML" in p and "{pain}" in p for p in found), found
    assert any("HTML tags differ" in p and "Where does the pain go" in p for p in found), found


def test_a_translated_message_that_lost_the_emergency_number_fails(tmp_path: Path) -> None:
    """Every message that names the number to call must name it in each language."""
    messages = marked()
    with_number = [m for m in messages if "{number}" in m]
    assert with_number, "the emergency messages have a {number} placeholder"
    for language in SHIPPED:
        locales = _broken_copy(
            tmp_path / language, language, {with_number[0]: "Llama a emergencias ya."}
        )
        found = "\n".join(_problems(locales, language))
        assert "missing {number}" in found


def test_a_missing_plural_form_fails(tmp_path: Path) -> None:
    messages = marked()
    counted = next(m for m in messages.values() if m.plural is not None)
    locales = tmp_path / "locales"
    shutil.copytree(PACKAGE / "locales", locales)
    path = locales / "ru" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        catalog: Catalog = read_po(source, locale="ru")
    entry = catalog[counted.id]
    assert entry is not None and isinstance(entry.string, tuple | list)
    entry.string = (entry.string[0], entry.string[1], "")
    with path.open("wb") as target:
        write_po(target, catalog)
    found = _problems(locales, "ru")
    assert any("plural form 2" in p for p in found), found


def test_a_message_added_to_the_code_without_a_translation_fails(tmp_path: Path) -> None:
    package = tmp_path / "bot"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    extra = package / "core" / "extra_texts.py"
    extra.write_text('from bot.core.i18n import N_\n\nNEW = N_("A brand new message")\n')
    found = catalogs.check_catalogs(package)
    assert len(found) == len(SHIPPED) and all("A brand new message" in p for p in found)


@pytest.mark.parametrize(
    ("english", "translated", "problem"),
    [
        ("Pain <b>{pain}</b>", "Dolor <b>{pain}</b>", None),
        ("Pain <b>{pain}</b>", "Dolor <b>{dolor}</b>", "placeholders differ"),
        ("Pain <b>{pain}</b>", "Dolor <b>{pain}", "breaks Telegram HTML"),
        ("Pain <b>{pain}</b>", "Dolor <i>{pain}</i>", "HTML tags differ"),
        ("Pain {pain}", "Dolor {pain", "placeholders differ"),
        ("5 < 6 {x}", "5 &lt; 6 {x}", None),
    ],
)
def test_check_translation(english: str, translated: str, problem: str | None) -> None:
    found = catalogs.check_translation(english, translated)
    if problem is None:
        assert found == []
    else:
        assert any(problem in p for p in found), found


# ---------------------------------------------------------------------------------------------
# The tip library in each language


def test_the_shipped_tip_library_is_complete_in_every_language() -> None:
    library = load_schedules(REPO / "schedules")
    assert library.translation_gaps(SHIPPED) == []
    english = {t.id: t for t in library.tips}
    for words in library.translations:
        tip = english[words.tip_id]
        # The same emoji opens the title; the why is there exactly when the English has one.
        assert words.title.split(" ", 1)[0] == tip.title.split(" ", 1)[0], words.tip_id
        assert bool(words.why) == bool(tip.why), words.tip_id
        assert words.body != tip.body, f"{words.language}/{words.tip_id} is still English"


def _schedules(tmp_path: Path) -> Path:
    target = tmp_path / "schedules"
    shutil.copytree(REPO / "schedules", target)
    return target


def _errors(directory: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_schedules(directory)
    return caught.value.errors


def test_a_translated_tip_is_held_to_the_english_rules(tmp_path: Path) -> None:
    directory = _schedules(tmp_path)
    path = directory / "tips" / "es" / "warm_up.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("id: warm-easy-start", "id: warm-no-such-tip", 1)
    text = text.replace("<b>", "<blink>", 1)
    path.write_text(text.replace("language: es", "language: ru"), encoding="utf-8")
    errors = _errors(directory)
    assert (
        "tips/es/warm_up.yaml: file: language: expected 'es' (the directory), got the text 'ru'"
        in errors
    )
    assert (
        "tips/es/warm_up.yaml: tip warm-no-such-tip: id: no tip with this id in tips/warm_up.yaml"
        in errors
    )
    assert any(
        e.startswith("tips/es/warm_up.yaml: tip ") and ": body: invalid HTML" in e for e in errors
    )


def test_a_translation_may_not_set_what_the_english_tip_owns(tmp_path: Path) -> None:
    directory = _schedules(tmp_path)
    path = directory / "tips" / "ru" / "core_strength.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    title:", "    level: 3\n    title:", 1), encoding="utf-8")
    (error,) = _errors(directory)
    assert error.startswith("tips/ru/core_strength.yaml: tip ") and ": level: " in error


def test_a_language_we_do_not_ship_is_refused(tmp_path: Path) -> None:
    directory = _schedules(tmp_path)
    (directory / "tips" / "de").mkdir()
    (error,) = _errors(directory)
    assert error.startswith("tips/de/: file: path: not a language BackStride ships (es, ru)")


def test_a_tip_missing_in_a_language_falls_back_and_is_reported(tmp_path: Path) -> None:
    directory = _schedules(tmp_path)
    path = directory / "tips" / "es" / "education.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: edu-when-to-get-help")
    path.write_text(text[:start], encoding="utf-8")
    library = load_schedules(directory)  # valid: the tip is sent in English
    assert library.translation_gaps(SHIPPED) == [
        "tips/es/education.yaml: tip edu-when-to-get-help: translation: missing (sent in English)"
    ]


def test_the_language_book_forgets_the_least_recently_used() -> None:
    from bot.telegram.handlers.language import LanguageBook

    book = LanguageBook(capacity=2)
    book.put(1, "es")
    book.put(2, "ru")
    assert book.get(1) == "es"  # 1 is now the most recent
    book.put(3, "en")
    assert (book.get(1), book.get(2), book.get(3)) == ("es", None, "en")
    book.forget(1)
    assert book.get(1) is None

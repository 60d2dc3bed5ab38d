"""End to end, against the local Bot API server: runners whose Telegram is set to Spanish or
Russian read BackStride in their language, from the welcome to the emergency line.

Expected texts are the shipped catalogs' translations of the English source (never English, and
never copied Spanish/Russian that could drift from the catalogs), plus a leak check: nothing a
runner reads carries English sentences.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.core import advice, i18n, texts
from bot.core.content import load_schedules
from bot.core.triage import Radiation, RedFlag
from bot.storage import schema
from bot.testing.botapi import BotMessage, FakeBotApi
from tests.conftest import BotFactory, FakeClock, runner_row
from tests.helpers import command
from tests.test_delivery_e2e import add_runners

REPO = Path(__file__).resolve().parents[1]

#: (language, chat, city typed for the time zone, the country's emergency number)
RUNNERS = {"es": (6101, "Madrid", "112"), "ru": (6201, "Novosibirsk", "103")}

#: Words of English sentences; none of them is a Spanish or Russian word.
ENGLISH = re.compile(
    r"\b(the|your|you|please|tap|send|with|today|what|which|when|after|before|I'll|don't)\b",
    re.IGNORECASE,
)


def tr(language: str, message: str) -> str:
    with i18n.use(language):
        return i18n.gettext(message)


def T(language: str) -> Any:  # upper case: reads like texts.T
    """The runner-facing constants in `language` (a copy, independent of the current one)."""
    with i18n.use(language):
        names = [n for n in dir(texts.Texts) if n.lstrip("_").isupper()]
        return SimpleNamespace(**{name: getattr(texts.T, name) for name in names})


def labels(language: str) -> tuple[dict[Radiation, str], dict[RedFlag, str]]:
    with i18n.use(language):
        return dict(advice.T.RADIATION_LABELS), dict(advice.T.RED_FLAG_LABELS)


def english_leaks(api: FakeBotApi, chat_id: int) -> list[str]:
    """Messages to the runner with English sentences in them (commands and zone names aside)."""
    found = []
    for message in api.messages_to(chat_id):
        plain = re.sub(r"/\w+|[A-Z][a-z]+/[A-Za-z_]+", "", message.text)
        if ENGLISH.search(plain):
            found.append(message.text[:120])
    return found


async def next_text(api: FakeBotApi, chat_id: int) -> BotMessage:
    return await api.next_message(chat_id, timeout=5)


async def onboard_in(api: FakeBotApi, language: str, chat: int | None = None) -> int:
    """Walk onboarding as a runner whose app is set to `language` would; returns the chat."""
    first, city, number = RUNNERS[language]
    chat = chat or first
    t = T(language)
    api.set_app_language(chat, language)
    welcome = await command(api, chat, "/start")
    assert welcome.html == t.WELCOME
    zone = await next_text(api, chat)
    assert zone.html.startswith(t.ASK_TIMEZONE)
    assert {"English", "Español", "Русский"} <= set(zone.button_texts()), "one-tap language"
    api.send_text(chat, city)
    assert (await next_text(api, chat)).html.startswith(t.TZ_SET.split("<b>")[0])
    country = await next_text(api, chat)
    assert country.html.startswith(t.ASK_COUNTRY)
    api.press(chat, country.button_texts()[0], message_id=country.message_id)  # suggested
    days = await next_text(api, chat)
    assert t.COUNTRY_SET.split("<b>")[0] in days.html and number in days.text
    with i18n.use(language):
        monday, wednesday = i18n.weekday_name(0, "abbreviated"), i18n.weekday_name(2, "abbreviated")
    for day in (monday, wednesday):
        before = api.message(chat, days.message_id).edit_count
        api.press(chat, day, message_id=days.message_id)
        await api.wait_for(lambda b=before: api.message(chat, days.message_id).edit_count > b)
    api.press(chat, t.DONE_BUTTON, message_id=days.message_id)
    run_time = await next_text(api, chat)
    assert t.ASK_RUN_TIME.split("\n")[0] in run_time.html
    api.send_text(chat, "07:00")
    tip_time = await next_text(api, chat)
    assert t.ASK_TIP_TIME.split("\n")[0] in tip_time.html
    api.send_text(chat, "08:00")
    risk = await next_text(api, chat)
    assert t.ASK_RISK in risk.html
    api.press(chat, t.RISK_DECLINE_BUTTON, message_id=risk.message_id)
    summary = await next_text(api, chat)
    assert summary.html.startswith(t.SUMMARY.split("\n")[0]) or t.CONFIRM_PROMPT in summary.html
    api.press(chat, t.CONFIRM_BUTTON)
    done = await next_text(api, chat)
    assert done.html.startswith(t.SUBSCRIBED.split("\n")[0])
    return chat


async def check_in(api: FakeBotApi, chat: int, pain: str, where: Radiation | None) -> BotMessage:
    """/checkin, a pain score and (None: not asked at 0) where it goes; what follows."""
    api.send_command(chat, "/checkin")
    await next_text(api, chat)
    api.press(chat, pain)
    answer = await next_text(api, chat)
    if where is None:
        return answer
    radiation, _flags = labels(api_language(api, chat))
    api.press(chat, radiation[where])
    return await next_text(api, chat)


async def verdict_after(api: FakeBotApi, chat: int, question: BotMessage, t: Any) -> BotMessage:
    """The verdict, answering "none of these" if the warning signs checklist was asked."""
    if t.CHECKIN_FLAGS.split("\n")[0] in question.html:
        api.press(chat, t.CHECKIN_FLAGS_NONE, message_id=question.message_id)
        return await next_text(api, chat)
    return question


def api_language(api: FakeBotApi, chat: int) -> str:
    return api.app_languages[chat] or "en"


async def tick_flag(api: FakeBotApi, chat: int, flag: RedFlag) -> None:
    _radiation, flags = labels(api_language(api, chat))
    checklist = api.last_message(chat)
    before = checklist.edit_count
    api.press(chat, flags[flag], message_id=checklist.message_id)
    await api.wait_for(lambda: api.message(chat, checklist.message_id).edit_count > before)


@pytest.mark.parametrize("language", ["es", "ru"])
async def test_a_runner_reads_everything_in_their_language(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path, language: str
) -> None:
    t = T(language)
    library = load_schedules(REPO / "schedules")
    titles = {w.title for w in library.translations if w.language == language}
    async with start_bot() as app:
        chat = await onboard_in(api, language)
        row = runner_row(app, chat)
        assert row is not None and row["language"] == language

        # A tip, from the runner's language's tip files.
        tip = await command(api, chat, "/tip")
        assert tip.text.splitlines()[0] in titles, tip.text
        assert set(tip.button_texts()) >= {t.TIP_DONE, t.TIP_ANOTHER}

        # A check-in with no pain and nothing unusual.
        ok = await check_in(api, chat, "0", None)
        assert ok.html == t.CHECKIN_UNUSUAL
        api.press(chat, t.CHECKIN_UNUSUAL_NO)
        verdict_ok = await next_text(api, chat)
        no_pain = tr(language, "✅ No pain today, great. Keep the strength work going.")
        assert verdict_ok.html.startswith(no_pain) and verdict_ok.html.endswith(t.NOT_A_DIAGNOSIS)

        # /help, /privacy and the menu of commands Telegram shows in this language.
        assert (await command(api, chat, "/help")).html == t.HELP
        assert (await command(api, chat, "/privacy")).html == t.PRIVACY
        menu = api.command_sets[('{"type": "default"}', language)]
        assert {c["command"]: c["description"] for c in menu}["help"] == tr(
            language, "What BackStride can do"
        )
        assert english_leaks(api, chat) == []


#: Each level of verdict, from a fresh runner: (pain, where, the sign ticked, how it opens).
LEVELS = {
    "self_care": ("2", Radiation.NONE, None, None),
    "see_clinician": (
        "5",
        Radiation.BELOW_KNEE,
        None,
        "📋 <b>Book a GP or physiotherapist in the next few days.</b>",
    ),
    "urgent": (
        "2",
        Radiation.NONE,
        RedFlag.FEVER,
        "🩺 <b>Please see a doctor today</b>: your own doctor or an urgent care clinic.",
    ),
    "emergency": (
        "2",
        Radiation.NONE,
        RedFlag.SADDLE_NUMBNESS,
        "🚨 <b>Call {number} now, or go to the nearest emergency department.</b>",
    ),
}


@pytest.mark.parametrize("level", list(LEVELS))
@pytest.mark.parametrize("language", ["es", "ru"])
async def test_each_verdict_in_the_language(
    api: FakeBotApi,
    start_bot: BotFactory,
    clock: FakeClock,
    tmp_path: Path,
    language: str,
    level: str,
) -> None:
    t = T(language)
    _chat, _city, number = RUNNERS[language]
    pain, where, sign, opening = LEVELS[level]
    chat = RUNNERS[language][0] + 10 + list(LEVELS).index(level)
    # A subscribed runner straight into the database (onboarding in the language is walked
    # above), in Spain or Russia, whose app speaks the language.
    add_runners(api, tmp_path / "bot.db", [chat], clock())
    database = schema.connect(tmp_path / "bot.db")
    country = {"es": "ES", "ru": "RU"}[language]
    database.execute(
        "UPDATE runners SET language = ?, country = ? WHERE chat_id = ?", [language, country, chat]
    )
    database.conn.commit()
    database.conn.close()
    api.set_app_language(chat, language)
    async with start_bot():
        checklist = await check_in(api, chat, pain, where)
        assert checklist.html.startswith(t.CHECKIN_FLAGS.split("\n")[0])
        if sign is None:
            api.press(chat, t.CHECKIN_FLAGS_NONE, message_id=checklist.message_id)
        else:
            await tick_flag(api, chat, sign)
            if sign is RedFlag.FEVER:  # an urgent sign waits for Done; an emergency does not
                api.press(chat, t.CHECKIN_FLAGS_DONE, message_id=checklist.message_id)
        verdict = await api.wait_for(
            lambda: next((m for m in api.messages_to(chat) if t.NOT_A_DIAGNOSIS in m.html), None)
        )
        assert verdict.html.endswith(t.NOT_A_DIAGNOSIS)
        if opening is None:  # self-care: no referral, the safety net with the number
            assert verdict.html[0] not in "📋🩺🚨" and number in verdict.text
        else:
            expected = tr(language, opening).format(number=number)
            if level == "emergency":  # first, alone on its line, bold, with the number
                assert verdict.html.splitlines()[0] == expected
            else:
                assert verdict.html.startswith(expected)
        assert english_leaks(api, chat) == []


async def test_language_switches_it_and_the_command_menu(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock
) -> None:
    async with start_bot() as app:
        chat = await onboard_in(api, "es")
        prompt = await command(api, chat, "/language")
        assert prompt.html == T("es").LANGUAGE_PROMPT.format(language="Español")
        api.press(chat, "Русский", message_id=prompt.message_id)
        switched = await next_text(api, chat)
        assert switched.html == T("ru").LANGUAGE_SET
        row = runner_row(app, chat)
        assert row is not None and row["language"] == "ru"
        # Telegram still says Spanish; the runner's choice wins, here and in their menu.
        assert (await command(api, chat, "/help")).html == T("ru").HELP
        scope = f'{{"chat_id": {chat}, "type": "chat"}}'
        menu = {c["command"]: c["description"] for c in api.command_sets[(scope, "")]}
        assert menu["help"] == tr("ru", "What BackStride can do") and "admin" not in menu
        # The same language again: said so, nothing changes.
        prompt = await command(api, chat, "/language")
        api.press(chat, "Русский", message_id=prompt.message_id)
        assert (await next_text(api, chat)).html == T("ru").LANGUAGE_SAME
        api.press_data(chat, prompt.message_id, "lang:xx")  # forged: refused, nothing changes
        prompt = await command(api, chat, "/language")
        api.press(chat, "English", message_id=prompt.message_id)
        assert (await next_text(api, chat)).html == texts.Texts.LANGUAGE_SET
        assert (
            await command(api, chat, "/help")
        ).html == texts.Texts._HELP + texts.Texts.NOT_A_DIAGNOSIS


async def test_choosing_a_language_mid_onboarding_asks_the_question_again_in_it(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock
) -> None:
    chat = 6301  # Telegram in English
    async with start_bot() as app:
        await command(api, chat, "/start")
        zone = await next_text(api, chat)
        assert zone.html.startswith(texts.Texts.ASK_TIMEZONE)
        api.press(chat, "Español", message_id=zone.message_id)
        again = await next_text(api, chat)  # said and asked again in one message
        assert again.html.startswith(T("es").LANGUAGE_SET + "\n\n" + T("es").ASK_TIMEZONE)
        api.send_text(chat, "Madrid")
        assert (await next_text(api, chat)).text.startswith("✅ ")
        country = await next_text(api, chat)
        assert country.html.startswith(T("es").ASK_COUNTRY)
        row = runner_row(app, chat)
        assert row is not None and row["language"] == "es"


async def test_an_unshipped_telegram_language_gets_english(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock
) -> None:
    chat = 6401
    api.set_app_language(chat, "pt-br")
    async with start_bot() as app:
        welcome = await command(api, chat, "/start")
        assert welcome.html == texts.Texts.WELCOME
        row = runner_row(app, chat)
        assert row is not None and row["language"] == "en"
        assert english_leaks(api, chat), "the leak check finds English where there is some"


async def test_scheduled_messages_are_written_in_the_runners_language(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    """What the sender writes on its own (a warm-up with its why-now line, a strength session,
    the weekly summary with its chart) is in the runner's language, not the server's."""
    path = tmp_path / "bot.db"
    chat = 7301  # Berlin, runs Mon/Wed/Fri at 07:00, tips at 08:00, sessions Tue and Sat
    add_runners(api, path, [chat], dt.datetime(2026, 6, 1, 0, 0, tzinfo=dt.UTC))
    database = schema.connect(path)
    database.execute("UPDATE runners SET language = 'ru' WHERE chat_id = ?", [chat])
    database.conn.commit()
    database.conn.close()
    library = load_schedules(REPO / "schedules")
    russian = {w.tip_id: w for w in library.translations if w.language == "ru"}
    clock.set(dt.datetime(2026, 6, 1, 4, 30, 1, tzinfo=dt.UTC))  # Monday 06:30 in Berlin
    async with start_bot():
        warm_up = await api.next_message(chat, timeout=5)
        with i18n.use("ru"):
            soon = i18n.ngettext(
                "⏰ Your run is in {n} minute ({time}).",
                "⏰ Your run is in {n} minutes ({time}).",
                30,
            ).format(n=30, time="07:00")
        assert warm_up.text.startswith(soon), warm_up.text
        assert any(w.title in warm_up.text for w in russian.values()), warm_up.text
        assert set(warm_up.button_texts()) >= {T("ru").TIP_DONE, T("ru").TIP_ANOTHER}

        clock.set(dt.datetime(2026, 6, 2, 6, 0, 1, tzinfo=dt.UTC))  # Tuesday's session
        session = await api.wait_for(
            lambda: next((m for m in api.messages_to(chat) if m.text.startswith("💪")), None),
            timeout=5,
        )
        assert session.html.startswith(
            tr("ru", "💪 <b>Strength session {number} of {goal} this week</b>").split("{")[0]
        )

        clock.set(dt.datetime(2026, 6, 7, 17, 59, 0, tzinfo=dt.UTC))  # Sunday evening
        summary = await api.wait_for(
            lambda: next((m for m in api.messages_to(chat) if m.kind == "photo"), None),
            timeout=5,
        )
        assert summary.html.startswith(tr("ru", "<b>Your week, {start} – {end}</b>").split("{")[0])
        assert "июн" in summary.text  # the dates are Russian too
    assert english_leaks(api, chat) == []


async def test_settings_offers_the_language_too(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock
) -> None:
    async with start_bot() as app:
        chat = await onboard_in(api, "ru", 6501)
        menu = await command(api, chat, "/settings")
        api.press(chat, tr("ru", "🌐 Language"), message_id=menu.message_id)
        prompt = await next_text(api, chat)
        assert prompt.html == T("ru").LANGUAGE_PROMPT.format(language="Русский")
        api.press(chat, "Español", message_id=prompt.message_id)
        assert (await next_text(api, chat)).html == T("es").LANGUAGE_SET
        row = runner_row(app, chat)
        assert row is not None and row["language"] == "es"
        menu = await command(api, chat, "/settings")
        assert tr("es", "🌐 Language") in menu.button_texts()

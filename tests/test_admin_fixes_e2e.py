"""Admin fixes: plain '&' and '<' typed in Telegram are escaped, not refused; an admin halfway
through onboarding can still answer admin prompts; counts read right ("1 runner")."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from telegram import Chat, Message, MessageEntity

from bot.core import content, texts
from bot.telegram.handlers.admin import _typed_html
from bot.testing.botapi import FakeBotApi
from tests.conftest import BotFactory, FakeClock
from tests.test_admin_e2e import ADMIN, RUNNER, open_admin, query, tap, type_answer
from tests.test_delivery_e2e import add_runners

NOW = dt.datetime(2026, 6, 1, 4, 0, tzinfo=dt.UTC)
AS_ADMIN = {"ADMIN_IDS": str(ADMIN)}


# ---------------------------------------------------------------------------------------------
# 1. What an admin types: plain text is escaped, tagged text is checked strictly


def _typed(text: str, entities: list[MessageEntity] | None = None) -> str:
    return _typed_html(Message(1, NOW, Chat(1, "private"), text=text, entities=entities or []))


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        # No tags: every & < > is the character itself.
        ("Hips & knees", "Hips &amp; knees"),
        ("pain < 3/10", "pain &lt; 3/10"),
        ("5 > 3 & 2 < 4", "5 &gt; 3 &amp; 2 &lt; 4"),
        ("R&D; <3", "R&amp;D; &lt;3"),
        ("<foo> is not a tag", "&lt;foo&gt; is not a tag"),
        # A supported entity is kept (the edit prompt shows the stored HTML to copy).
        ("Hips &amp; knees", "Hips &amp; knees"),
        # Tags: what is unambiguous is escaped, tags and entities are kept.
        ("<b>Hips</b> & knees", "<b>Hips</b> &amp; knees"),
        ("<b>pain</b> < 3/10 & > 1", "<b>pain</b> &lt; 3/10 &amp; &gt; 1"),
        (
            '<a href="https://x.org">link</a> &amp; more',
            '<a href="https://x.org">link</a> &amp; more',
        ),
        # Tags: what may be meant as markup is left for the strict check to explain.
        ("<b>bold</b> &nbsp; x", "<b>bold</b> &nbsp; x"),
        ("<b>bold <i>x", "<b>bold <i>x"),
        ("<B>bold</B> & x", "<B>bold</B> &amp; x"),
    ],
)
def test_typed_text_is_escaped_where_it_is_plain(typed: str, stored: str) -> None:
    assert _typed(typed) == stored


def test_typed_text_with_telegram_formatting_is_unchanged() -> None:
    bold = MessageEntity(MessageEntity.BOLD, 0, 4)
    assert _typed("Hips & knees < 3", [bold]) == "<b>Hips</b> &amp; knees &lt; 3"


def test_escaped_text_passes_the_check_and_tagged_mistakes_still_fail() -> None:
    for typed in ("Hips & knees", "pain < 3/10", "<b>Hips</b> & knees < 3 > 1"):
        assert content.telegram_html_problem(_typed(typed)) is None, typed
    assert content.telegram_html_problem(_typed("<b>bold <i>x")) == "unclosed <b>, <i>"
    assert "must be lower-case" in (content.telegram_html_problem(_typed("<B>x</B>")) or "")
    # Files stay strict: a bare '&' in schedules/ is still refused.
    assert content.telegram_html_problem("Hips & knees") == "bare '&' at character 6 (write &amp;)"


async def test_a_tip_and_an_announcement_with_plain_ampersands_are_accepted(
    api: FakeBotApi, start_bot: BotFactory, tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    async with start_bot(**AS_ADMIN):
        await open_admin(api)
        await tap(api, "💡 Tips")
        await tap(api, "➕ Add a tip")
        await tap(api, "Running form")
        saved = await type_answer(
            api, "Hips & knees\nKeep hips & knees in line; pain < 3/10 is OK."
        )
        assert "Added to Running form" in saved.text, saved.text
        assert "Keep hips & knees in line; pain < 3/10 is OK." in saved.text
        rows = query(path, "SELECT body FROM tips WHERE title LIKE '%Hips & knees'")
        assert [r["body"] for r in rows] == ["Keep hips &amp; knees in line; pain &lt; 3/10 is OK."]

        await open_admin(api)
        await tap(api, "📣 Announcement")
        preview = await type_answer(api, "Pain < 3/10 & rising? Rest & ice.")
        assert preview.text == "Pain < 3/10 & rising? Rest & ice."
        confirm = await api.next_message(ADMIN)
        assert "That's the preview" in confirm.text, confirm.text


# ---------------------------------------------------------------------------------------------
# 2. An admin who has not finished onboarding answers admin prompts


async def test_an_admin_mid_onboarding_can_answer_admin_prompts(
    api: FakeBotApi, start_bot: BotFactory, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    async with start_bot(**AS_ADMIN):
        api.send_command(ADMIN, "/start")
        await api.next_message(ADMIN)  # welcome
        zone_question = await api.next_message(ADMIN)  # time zone question: onboarding waits
        assert "time zone" in zone_question.text.lower(), zone_question.text

        await open_admin(api)
        await tap(api, "💡 Tips")
        await tap(api, api.messages_to(ADMIN)[-1].button_texts()[0])  # the first category
        page = await tap(api, api.messages_to(ADMIN)[-1].button_texts()[0])  # its first tip
        assert "Status:" in page.text, page.text
        prompt = await tap(api, "✏️ Edit")
        assert "Edit:" in prompt.text, prompt.text
        saved = await type_answer(api, "Calm shoulders\nLet them drop & breathe.")
        assert "Saved" in saved.text, api.format_history(ADMIN)
        assert query(path, "SELECT 1 FROM tips WHERE title LIKE '%Calm shoulders'")

        # The menu is open but nothing awaits typing: text goes back to onboarding.
        api.send_text(ADMIN, "Berlin")
        zone_set = await api.next_message(ADMIN)
        assert "Berlin" in zone_set.text, api.format_history(ADMIN)
        country = await api.next_message(ADMIN)
        assert "Which country" in country.text, country.text


async def test_an_admin_prompt_takes_text_that_onboarding_would_nudge(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """At a buttons-only question (the days) onboarding nudges any text; an open admin prompt
    gets it instead, and onboarding still nudges once the prompt is answered."""
    async with start_bot(**AS_ADMIN):
        api.send_command(ADMIN, "/start")
        await api.next_message(ADMIN)
        await api.next_message(ADMIN)
        api.send_text(ADMIN, "Berlin")
        await api.next_message(ADMIN)
        country = await api.next_message(ADMIN)
        api.press(ADMIN, country.button_texts()[0], message_id=country.message_id)
        days = await api.next_message(ADMIN)
        assert "Mon" in days.button_texts(), days.text

        await open_admin(api)
        await tap(api, "📣 Announcement")
        preview = await type_answer(api, "Track session moved to 7pm")
        assert preview.text == "Track session moved to 7pm", api.format_history(ADMIN)
        confirm = await api.next_message(ADMIN)
        assert "That's the preview" in confirm.text, confirm.text

        api.send_text(ADMIN, "Monday")
        nudge = await api.next_message(ADMIN)
        assert "Tap the days you run on" in nudge.text, nudge.text


# ---------------------------------------------------------------------------------------------
# 3. Counts read right


def test_plural() -> None:
    assert texts.plural(1, "runner", "runners") == "1 runner"
    assert texts.plural(0, "runner", "runners") == "0 runners"
    assert texts.plural(2, "tip", "tips") == "2 tips"


async def test_one_runner_reads_as_one_runner(
    api: FakeBotApi, start_bot: BotFactory, tmp_path: Path, clock: FakeClock
) -> None:
    add_runners(api, tmp_path / "bot.db", [RUNNER], clock())
    async with start_bot(**AS_ADMIN):
        await open_admin(api)
        slots = await tap(api, "🗓 Slots")
        assert "reaches 1 runner\n" in slots.text + "\n", slots.text
        slot = await tap(api, api.messages_to(ADMIN)[-1].button_texts()[0])
        assert "reaches 1 runner" in slot.text and "runner(s)" not in slot.text, slot.text

        await open_admin(api)
        prompt = await tap(api, "📣 Announcement")
        assert "1 active runner." in prompt.text, prompt.text
        await type_answer(api, "Hello")
        confirm = await api.next_message(ADMIN)
        assert "<b>1 active runner</b>" in confirm.html, confirm.html
        queued = await tap(api, "📣 Send to 1 runner")
        assert "going out to 1 runner." in queued.text, queued.text
    for text in (slots.text, slot.text, prompt.text, confirm.text, queued.text):
        assert "1 runners" not in text and "(s)" not in text, text

"""End to end (issue 11): updates the bot cannot use never stop it or reach the log.

An update PTB cannot parse is skipped (polling and webhook), with its id and type logged and
never its text; the bot asks Telegram only for the update types it handles; a button press
with empty or missing ``callback_data`` is answered as a stale button.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.core import texts
from bot.testing.botapi import BotMessage, FakeBotApi
from tests.conftest import BotFactory, FakeClock
from tests.test_delivery_e2e import add_runners
from tests.test_operations_e2e import free_port

FIRST, SECOND, WRITER = 9101, 9102, 9103
MARKER = "MARKER-7f3c9 my knee hurts since Tuesday"
HANDLED = ["message", "edited_message", "callback_query"]


def unparseable(text: str = MARKER) -> dict[str, object]:
    """A message PTB cannot build: no ``chat`` (required) and a ``from`` of the wrong type."""
    return {"message": {"message_id": 7, "date": int(time.time()), "from": "someone", "text": text}}


def logged(caplog: pytest.LogCaptureFixture) -> str:
    """Everything the bot and PTB logged (the fake server's own log lines left out)."""
    return "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''}"
        for r in caplog.records
        if not r.name.startswith("bot.testing")
    )


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.ERROR and not r.name.startswith("bot.testing")
    ]


async def test_an_unparseable_update_is_skipped_and_everyone_else_answered(
    api: FakeBotApi, start_bot: BotFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # PTB logs every API answer at DEBUG
    async with start_bot():
        api.add_chat(WRITER)
        polls = api.count("getUpdates")
        with api.one_batch():  # one getUpdates answer: /help, the bad update, /help
            api.send_command(FIRST, "/help")
            bad = api.push_raw_update(unparseable())
            api.send_command(SECOND, "/help")
        assert "/help" in (await api.next_message(FIRST, timeout=5)).text
        assert "/help" in (await api.next_message(SECOND, timeout=5)).text
        await api.wait_for(lambda: not api.pending_updates, timeout=3)
        polls = api.count("getUpdates") - polls
        assert polls < 20, f"{polls} getUpdates calls: the bad update is fetched again and again"
        # ...and the bot goes on serving
        api.send_command(FIRST, "/help")
        assert "/help" in (await api.next_message(FIRST, timeout=5)).text
    text = logged(caplog)
    assert f"skipped update {bad['update_id']} (message)" in text
    assert "MARKER-7f3c9" not in text and "knee" not in text
    assert not errors(caplog)


async def test_only_the_handled_update_types_are_asked_for(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    async with start_bot():
        api.send_command(FIRST, "/help")
        await api.next_message(FIRST, timeout=5)
        asked = [call.params.get("allowed_updates") for call in api.calls_to("getUpdates")]
        assert asked and all(sorted(a or []) == sorted(HANDLED) for a in asked[1:]), asked
        assert api.allowed_updates is not None and sorted(api.allowed_updates) == sorted(HANDLED)


@pytest.mark.parametrize("empty", [True, False], ids=["empty-data", "no-data"])
@pytest.mark.parametrize("subscribed", [False, True], ids=["onboarding", "subscribed"])
async def test_a_button_without_callback_data_is_answered_as_stale(
    api: FakeBotApi,
    start_bot: BotFactory,
    clock: FakeClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    empty: bool,
    subscribed: bool,
) -> None:
    caplog.set_level(logging.WARNING)
    if subscribed:
        add_runners(api, tmp_path / "bot.db", [FIRST], clock())
    async with start_bot():
        shown = None
        # a message with buttons to press on: /pause's choices, or onboarding's first question
        api.send_command(FIRST, "/pause" if subscribed else "/start")
        while shown is None or not shown.buttons:
            shown = await api.next_message(FIRST, timeout=5)
        query_id = api.press_without_data(FIRST, shown.message_id, empty=empty)
        await api.wait_for(lambda: api.callback_answer(query_id) is not None, timeout=5)
        answer = api.callback_answer(query_id)
        assert answer is not None and answer.get("text") == texts.T.STALE_BUTTON
        # the bot still works for this runner
        assert "/help" in (await _help(api, FIRST)).text
    assert not errors(caplog)


async def _help(api: FakeBotApi, chat_id: int) -> BotMessage:
    api.mark_read(chat_id)
    api.send_command(chat_id, "/help")
    return await api.next_message(chat_id, timeout=5)


async def test_webhook_skips_an_unparseable_update(
    api: FakeBotApi, start_bot: BotFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # PTB logs every API answer at DEBUG
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram-hook"
    async with start_bot(WEBHOOK_URL=url, PORT=str(port), WEBHOOK_LISTEN="127.0.0.1"):
        assert sorted(api.webhook.allowed_updates or []) == sorted(HANDLED)
        api.add_chat(WRITER)
        api.send_command(FIRST, "/help")
        bad = api.push_raw_update(unparseable())  # through the pusher, in order
        api.send_command(SECOND, "/help")
        assert "/help" in (await api.next_message(FIRST, timeout=5)).text
        assert "/help" in (await api.next_message(SECOND, timeout=5)).text
        assert api.webhook.failures == 0, api.webhook.last_error_message
        # straight to the webhook: a body that is not JSON, and an unparseable update
        assert await api.post_to_webhook(b"{not json " + MARKER.encode()) == 200
        assert await api.post_to_webhook({"update_id": 5, **unparseable()}) == 200
        assert await api.post_to_webhook(unparseable(), secret=False) == 403
        assert "/help" in (await _help(api, FIRST)).text
    text = logged(caplog)
    assert f"skipped update {bad['update_id']} (message)" in text
    assert "skipped update 5 (message)" in text
    assert "MARKER-7f3c9" not in text and "knee" not in text
    assert not errors(caplog)


async def _post_streamed(url: str, megabytes: int, headers: dict[str, str]) -> int | None:
    """POST `megabytes` of zeros in 1 MB chunks (the client never holds it all); the status
    the bot answered, or None if it closed the connection before answering."""
    chunk = b"0" * (1 << 20)

    async def body() -> AsyncIterator[bytes]:
        for _ in range(megabytes):
            yield chunk

    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session,
            session.post(url, data=body(), headers=headers) as response,
        ):
            return response.status
    except aiohttp.ClientError:
        return None


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def test_webhook_checks_the_secret_before_reading_and_caps_the_body(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """Issue 11, defect 7: eight unauthenticated 95 MB POSTs took the bot from 68 MB to 894 MB.
    The secret is checked before the body is read, and a body over the cap is refused."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram-hook"
    async with start_bot(WEBHOOK_URL=url, PORT=str(port), WEBHOOK_LISTEN="127.0.0.1"):
        before = _rss_mb()
        forged = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": "nope"}
        answers = [await _post_streamed(url, 95, forged) for _ in range(8)]
        grown = _rss_mb() - before
        assert all(status in (403, None) for status in answers), answers
        assert grown < 100, f"memory grew by {grown:.0f} MB"
        assert api.webhook.secret_token
        secret = {
            "Content-Type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": api.webhook.secret_token,
        }
        assert await _post_streamed(url, 8, secret) in (413, None)
        api.send_command(FIRST, "/help")  # and the bot still serves everyone
        assert "/help" in (await api.next_message(FIRST, timeout=5)).text


async def test_a_failing_bot_api_is_logged_once_and_polling_recovers(
    api: FakeBotApi, start_bot: BotFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """PTB retries a failed poll with its own back-off and logs every failure with a
    traceback; the bot says it once, and once more when polling works again."""
    caplog.set_level(logging.INFO)
    async with start_bot():
        api.fail_next(2, "500", method="getUpdates")
        await api.wait_for(lambda: api.faults.pending == 0, timeout=10)
        assert "/help" in (await _help(api, FIRST)).text
    polling = [r.getMessage() for r in caplog.records if "polling the Bot API" in r.getMessage()]
    assert polling == [
        "polling the Bot API failed (NetworkError); retrying with back-off",
        "polling the Bot API works again after 2 failure(s)",
    ], polling
    assert not errors(caplog)
    assert "Traceback" not in logged(caplog)


async def test_no_tick_is_cancelled_by_the_stop(
    api: FakeBotApi,
    start_bot: BotFactory,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PTB's JobQueue.stop waits for running jobs, then shuts APScheduler down, whose asyncio
    executor cancels any job submitted in between and logs "Error running job" (seen in CI on
    a loaded machine, the tick running every 0.1 s here). The bot stops ticking before the
    stop, so a timer that fires in that gap has nothing to submit."""
    async with start_bot() as app:
        assert "/help" in (await _help(api, FIRST)).text
        queue = app.job_queue
        assert queue is not None
        scheduler = queue.scheduler
        shutdown = scheduler.shutdown

        def timer_fires_then_shutdown(wait: bool = True) -> None:
            # APScheduler's timer fires just before the shutdown: every job still scheduled
            # is submitted, as its own loop does.
            for job in scheduler.get_jobs():
                scheduler._executors["default"].submit_job(job, [dt.datetime.now(dt.UTC)])
            shutdown(wait)

        monkeypatch.setattr(scheduler, "shutdown", timer_fires_then_shutdown)
    assert not errors(caplog)

"""Operations and privacy: webhook mode, /mydata, /delete, backups and the sandbox."""

from __future__ import annotations

import asyncio
import io
import json
import socket
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.config import load_settings
from bot.storage import runners as runners_db
from bot.storage import schema
from bot.telegram import sandbox
from bot.telegram.sandbox import run_sandbox
from bot.testing.botapi import FakeBotApi
from tests.conftest import LIFTED_PACING, REPO, BotFactory, FakeClock, onboard
from tests.helpers import command
from tests.test_delivery_e2e import add_runners

RUNNER = 8001


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_mode_answers_and_checks_the_secret(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram-hook"
    async with start_bot(WEBHOOK_URL=url, PORT=str(port), WEBHOOK_LISTEN="127.0.0.1") as app:
        assert api.webhook.url == url
        assert api.webhook.secret_token, "a secret is always set"
        assert api.webhook.secret_token != app.bot.token
        api.send_command(RUNNER, "/start")
        welcome = await api.next_message(RUNNER, timeout=10)
        assert "Welcome to BackStride" in welcome.text
        forged = {"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "/stop"}}
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json=forged) as response:
                assert response.status == 403
            wrong = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
            async with session.post(url, json=forged, headers=wrong) as response:
                assert response.status == 403


async def test_mydata_sends_everything_as_json(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    async with start_bot():
        await onboard(api, RUNNER)
        await command(api, RUNNER, "/tip")
        api.send_command(RUNNER, "/mydata")
        summary = await api.next_message(RUNNER, timeout=5)
        assert "What BackStride stores about you" in summary.text
        document = await api.next_message(RUNNER, timeout=5)
        assert document.kind == "document" and document.filename == "backstride-my-data.json"
        assert document.file is not None
        data = json.loads(document.file)
        assert data["settings"]["time_zone"] == "Europe/Berlin"
        assert data["settings"]["telegram_chat_id"] == RUNNER
        sent = data["reminders_and_messages"]
        assert len(sent) == 1 and sent[0]["kind"] == "tip"
        assert {"schedule", "tip_rotation", "check_ins"} <= set(data)


async def test_delete_erases_every_row_after_confirming(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER, RUNNER + 1], clock())
    async with start_bot():
        await command(api, RUNNER, "/tip")
        confirm = await command(api, RUNNER, "/delete")
        assert "can't be undone" in confirm.text
        api.press(RUNNER, "No, keep it")
        assert "nothing was deleted" in (await api.next_message(RUNNER)).text
        await command(api, RUNNER, "/delete")
        api.press(RUNNER, "Yes, erase it all")
        assert "everything about you is erased" in (await api.next_message(RUNNER)).text
    database = schema.connect(path)
    for table in ("schedule", "deliveries", "rotation", "checkins"):
        count = database.execute(
            f"SELECT COUNT(*) FROM {table} WHERE runner_id = ?", [RUNNER]
        ).fetchone()[0]
        assert count == 0, table
    assert runners_db.get_runner_row(database, RUNNER) is None
    assert runners_db.get_runner_row(database, RUNNER + 1) is not None, (
        "other runners are untouched"
    )


def test_backup_command_copies_a_live_database(tmp_path: Path) -> None:
    source = tmp_path / "live.db"
    database = schema.connect(source)
    runners_db.create_runner(database, 5, now=0)
    target = tmp_path / "copies" / "backup.db"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "backup", str(target)],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "DATABASE_PATH": str(source)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert copy.execute("SELECT chat_id FROM runners").fetchall() == [(5,)]
    database.conn.close()


def _typed(
    script: list[tuple[str, str]], out: io.StringIO, timeout: float = 10.0
) -> AsyncIterator[str]:
    """Type each line once the bot has answered the one before: after typing, wait until the
    terminal shows the line's expected answer (no fixed pauses, no racing ahead)."""

    async def lines() -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        for line, answer in script:
            mark = len(out.getvalue())
            yield line
            deadline = loop.time() + timeout
            while answer not in out.getvalue()[mark:]:
                assert loop.time() < deadline, f"no {answer!r} after {line!r}:\n{out.getvalue()}"
                await asyncio.sleep(0.01)  # polling the terminal's output, not waiting it out

    return lines()


async def test_sandbox_onboarding_tip_and_checkin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sandbox keeps Telegram's per-chat pace for a person; this walk lifts it, as every
    # end-to-end test not about pacing does.
    monkeypatch.setattr(
        sandbox, "load_settings", lambda env: load_settings({**env, **LIFTED_PACING})
    )
    out = io.StringIO()
    script = [
        ("/start", "1/6 · Your time zone"),
        ("Berlin", "Which country are you in?"),
        ("#1", "Country: Germany"),  # country: ✅ Germany (suggested from the zone)
        ("#1", "[1] ✅ Mon"),
        ("#3", "[3] ✅ Wed"),
        ("#8", "4/6"),  # Done
        ("7:00", "5/6"),
        ("#1", "6/6"),  # tip at 07:00
        ("#8", "Does this look right?"),  # health questions: Prefer not to say
        ("#1", "You're all set"),  # looks good
        ("/tip", "[1] ✅ Done"),
        (":later 3h", "clock moved on"),
        (":time", "(it is "),
        ("/checkin", "How's your back"),
        ("#1", "Anything unusual today?"),  # pain 0
        ("#1", "No pain today"),  # nothing unusual
    ]
    await asyncio.wait_for(
        run_sandbox(tmp_path / "sandbox.db", lines=_typed(script, out), out=out), timeout=90
    )
    text = out.getvalue()
    assert "BackStride sandbox" in text
    assert "Which country are you in?" in text and "[1] ✅ Germany" in text
    assert "Country: Germany" in text and "call 112" in text
    assert "health questions" in text and "[8] Prefer not to say" in text
    assert "Health profile: prefer not to say" in text
    assert "You're all set" in text
    assert "[1] ✅ Done" in text, "a tip with its buttons"
    assert "clock moved on" in text
    assert "No pain today" in text and "not a diagnosis" in text


def test_stats_command_prints_counts_only(tmp_path: Path) -> None:
    path = tmp_path / "live.db"
    database = schema.connect(path)
    runners_db.create_runner(database, 5, now=0)
    runners_db.update_runner(database, 5, now=0, status="active")
    runners_db.create_runner(database, 6, now=0)
    database.conn.close()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "stats"],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "DATABASE_PATH": str(path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "runners_active: 1" in lines and "runners_onboarding: 1" in lines
    assert "runners_subscribed_en: 1" in lines and "runners_subscribed_es: 0" in lines
    assert "reminders_sent_today: 0" in lines

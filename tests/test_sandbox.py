"""The sandbox (`python -m bot sandbox`): admins, multi-line messages, the bot's files saved,
what `:later` drops, logs kept out of the chat, `:help`, and the console's signed link."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from bot.config import load_settings
from bot.core import webapp
from bot.services.delivery import schedule_runner
from bot.services.runtime import seed_if_needed
from bot.storage import runners as runners_db
from bot.storage import schema
from bot.telegram import sandbox
from bot.telegram.sandbox import run_sandbox
from tests.conftest import LIFTED_PACING, make_settings
from tests.test_delivery_e2e import SUBSCRIBED
from tests.test_operations_e2e import _typed

CHAT = 1001


@pytest.fixture(autouse=True)
def _lifted_pacing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        sandbox, "load_settings", lambda env: load_settings({**env, **LIFTED_PACING})
    )


async def _run(
    tmp_path: Path, script: list[tuple[str, str]], env: dict[str, str] | None = None
) -> str:
    out = io.StringIO()
    await asyncio.wait_for(
        run_sandbox(
            tmp_path / "sandbox.db",
            lines=_typed(script, out),
            out=out,
            files=tmp_path / "files",
            env=env or {},
            linger=0,
        ),
        timeout=60,
    )
    return out.getvalue()


async def test_admin_ids_make_the_sandbox_chat_an_admin(tmp_path: Path) -> None:
    text = await _run(tmp_path, [("/admin", "BackStride admin")], {"ADMIN_IDS": str(CHAT)})
    assert f"Your chat id is {CHAT}" in text and f"ADMIN_IDS={CHAT}" in text
    assert "You are an admin here" in text


async def test_without_admin_ids_admin_is_refused_and_the_log_stays_out_of_the_chat(
    tmp_path: Path,
) -> None:
    text = await _run(tmp_path, [("/admin", "only for BackStride admins")])
    assert f"Your chat id is {CHAT}" in text and "You are an admin" not in text
    assert "refused admin action" not in text
    log = (tmp_path / "files" / "sandbox.log").read_text()
    assert "WARNING bot.telegram.handlers.admin: refused admin action open" in log


async def test_a_line_ending_in_a_backslash_goes_on(tmp_path: Path) -> None:
    script = [
        ("/admin", "BackStride admin"),
        ("#5", "Announcement"),  # 📣 Announcement
        ("Track session moved \\", ""),
        ("to 7pm & <b>Thursday</b>", "That's the preview"),
    ]
    text = await _run(tmp_path, script, {"ADMIN_IDS": str(CHAT)})
    assert "Track session moved \n    to 7pm & Thursday" in text, text


async def test_files_the_bot_sends_are_saved(tmp_path: Path) -> None:
    assert not (tmp_path / "files").exists(), "made on demand"
    text = await _run(tmp_path, [("/start", "1/6"), ("/mydata", "saved to")])
    saved = re.search(r"\(saved to (\S+)\)", text)
    assert saved, text
    path = Path(saved.group(1))
    assert path.parent == tmp_path / "files" and path.name.endswith("backstride-my-data.json")
    assert b"{" in path.read_bytes()


def _subscribed_runner(path: Path, now: dt.datetime) -> None:
    database = schema.connect(path)
    seed_if_needed(database, make_settings("http://127.0.0.1:1", path), 0)
    runners_db.create_runner(database, CHAT, now=0)
    runners_db.update_runner(database, CHAT, now=0, **SUBSCRIBED)
    schedule_runner(database, CHAT, now)
    database.conn.close()


async def test_later_says_what_it_dropped_and_why(tmp_path: Path) -> None:
    _subscribed_runner(tmp_path / "sandbox.db", dt.datetime.now(dt.UTC))
    text = await _run(tmp_path, [("/help", "bot #"), (":later 3d", "clock moved on")])
    found = re.search(r"\((\d+) reminders? (?:was|were) dropped: after the jump", text)
    assert found and int(found.group(1)) >= 3, text
    assert "more than 120 min past its time (GRACE_MINUTES)" in text


async def test_help_lists_every_command(tmp_path: Path) -> None:
    text = await _run(tmp_path, [(":help", ":quit")])
    help_text = text[text.index("Chat (what you type") :]
    for command in ("#N", "/location", ":sticker", ":photo", ":later", ":time", ":help", ":quit"):
        assert command in help_text, command
    assert "end a line with \\" in help_text


async def test_the_console_link_is_signed_for_the_sandbox_chat(tmp_path: Path) -> None:
    from tests.console import free_port

    port = free_port()
    env = {"ADMIN_IDS": str(CHAT), "ADMIN_WEB_PORT": str(port)}
    out = io.StringIO()
    token: list[str] = []
    real = sandbox.console_link

    def spy(port_: int, bot_token: str, chat_id: int, auth_date: int) -> str:
        token.append(bot_token)
        return real(port_, bot_token, chat_id, auth_date)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sandbox, "console_link", spy)
        await asyncio.wait_for(
            run_sandbox(
                tmp_path / "sandbox.db",
                lines=_typed([("/admin", "BackStride admin")], out),
                out=out,
                files=tmp_path / "files",
                env=env,
                linger=0,
            ),
            timeout=60,
        )
    found = re.search(rf"http://127\.0\.0\.1:{port}/#tgWebAppData=(\S+)", out.getvalue())
    assert found, out.getvalue()
    now = dt.datetime.now(dt.UTC).timestamp()
    signed_in = webapp.validate_init_data(unquote(found.group(1)), token[0], now=now)
    assert signed_in.user_id == CHAT

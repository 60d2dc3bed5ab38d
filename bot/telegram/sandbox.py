"""`python -m bot sandbox`: try BackStride in a terminal, with no token and no internet.

The bot runs for real against the local Bot API server that the end-to-end tests use
(bot/testing/botapi: one implementation, not two), and you chat with it as a runner. `:later 2h`
moves the bot's clock forward so the next reminder or check-in arrives without waiting (and
says which reminders the jump made too late to send). ADMIN_IDS set to the sandbox's chat id
makes you an admin (/admin); with ADMIN_WEB_PORT set too, the start-up lines carry a signed
link to the admin console. Photos and documents the bot sends are saved under ``--files``
(./sandbox-files/ by default, made when the first one arrives); log lines go to a file there,
never into the chat.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sys
import tempfile
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from urllib.parse import quote, urlencode

from bot.config import load_settings
from bot.core import webapp
from bot.services.runtime import AdjustableClock, Services
from bot.telegram.app import BotApp, build_application, running
from bot.telegram.sender import Engine

if TYPE_CHECKING:
    from bot.testing.botapi.chat import TerminalChat
    from bot.testing.botapi.state import BotMessage

DEFAULT_FILES = Path("sandbox-files")
LOG_NAME = "sandbox.log"
# The sandbox's settings that may come from the environment (the rest are fixed).
PASSED_THROUGH = ("ADMIN_IDS", "ADMIN_WEB_PORT", "ADMIN_WEB_LISTEN", "GRACE_MINUTES")

INTRO = """\
BackStride sandbox: you are a runner chatting with the bot. Your chat id is {chat_id}
(ADMIN_IDS={chat_id} python -m bot sandbox makes you an admin: /admin).{admin}
Start with /start. Buttons are numbered: type #3 to press button 3. :help lists every command.
Database: {db}
Files the bot sends and the log: {files}/
"""
ADMIN_LINE = "\nYou are an admin here: /admin opens the menu."

HELP = """\
Chat (what you type goes to the bot as the runner):
  text or /command    send it; end a line with \\ to go on on the next line (one message)
  #N                  press button N of the newest bot message with buttons
  /location LAT LON   share a location
  :sticker            send a sticker
  :photo [caption]    send a photo
Sandbox:
  :later 2h           move the bot's clock forward (m, h or d), e.g. to get the next reminder
  :time               the bot's current time (UTC)
  :help               this help
  :quit               leave (or end the input: Ctrl-D)"""

_LATER = re.compile(r"^:later\s+(\d+(?:\.\d+)?)\s*([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class _LazyFileHandler(logging.FileHandler):
    """A log file whose folder is made when the first line is written."""

    def _open(self):  # type: ignore[no-untyped-def]  # the stdlib's own return type
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()


def console_link(settings_port: int, bot_token: str, chat_id: int, auth_date: int) -> str:
    """The admin console's address with initData signed for `chat_id`, as Telegram would hand
    it to the Mini App (valid for the console's initData age, an hour)."""
    user = {"id": chat_id, "first_name": "Runner", "language_code": "en"}
    fields = {
        "query_id": f"sandbox{chat_id}",
        "user": json.dumps(user, separators=(",", ":")),
        "auth_date": str(auth_date),
    }
    signed = urlencode({**fields, "hash": webapp.init_data_hash(fields, bot_token)})
    return f"http://127.0.0.1:{settings_port}/#tgWebAppData={quote(signed, safe='')}"


def _later_note(dropped: int, grace_minutes: int) -> str:
    if not dropped:
        return ""
    what = "1 reminder was" if dropped == 1 else f"{dropped} reminders were"
    return (
        f"\n({what} dropped: after the jump it was more than {grace_minutes} min past its time "
        "(GRACE_MINUTES), and the bot never sends a reminder that late; the next one comes "
        "on time)"
    )


async def _sandbox_lines(
    lines: AsyncIterator[str], app: BotApp, clock: AdjustableClock, out: TextIO
) -> AsyncIterator[str]:
    """Handle the sandbox's own commands and join continued lines; pass the rest on."""
    svc: Services = app.bot_data["services"]
    pending: list[str] = []
    async for line in lines:
        raw = line.rstrip("\r\n")
        if raw.endswith("\\"):
            pending.append(raw[:-1])
            continue
        if pending:
            yield "\n".join([*pending, raw])
            pending.clear()
            continue
        text = raw.strip()
        match = _LATER.match(text)
        if match:
            clock.advance(**{_UNITS[match.group(2)]: float(match.group(1))})
            engine = svc.extras.get("engine")
            # Claim at the new time now, so that what the jump made too late is known here.
            dropped = (await engine.tick()).dropped if isinstance(engine, Engine) else 0
            note = _later_note(dropped, svc.settings.grace_minutes)
            out.write(f"(clock moved on: it is now {clock():%a %d %b %H:%M} UTC){note}\n")
            continue
        if text.startswith(":later"):
            out.write("(usage: :later 30m, :later 2h or :later 1d)\n")
            continue
        if text == ":time":
            out.write(f"(it is {clock():%a %d %b %H:%M} UTC)\n")
            continue
        if text == ":help":
            out.write(HELP + "\n")
            continue
        yield raw
    if pending:
        yield "\n".join(pending)


def _saving_chat(files: Path) -> type[TerminalChat]:
    from bot.testing.botapi.chat import TerminalChat

    class SandboxChat(TerminalChat):
        """The terminal chat, with multi-line messages and the bot's files saved to disk."""

        def handle_line(self, line: str) -> bool:
            if "\n" in line.strip():  # continued lines: one message, as typed
                self.api.send_text(self.chat_id, line.strip(), first_name=self.first_name)
                return True
            return super().handle_line(line)

        def render(self, message: BotMessage) -> str:  # type: ignore[override]
            text = TerminalChat.render(message)
            if message.kind != "text" and message.file is not None:
                files.mkdir(parents=True, exist_ok=True)
                name = Path(message.filename or f"{message.kind}.bin").name
                path = files / f"{message.message_id}-{name}"
                path.write_bytes(message.file)
                text += f"\n    (saved to {path})"
            return text

    return SandboxChat


async def run_sandbox(
    database: Path | None = None,
    *,
    chat_id: int = 1001,
    lines: AsyncIterator[str] | None = None,
    out: TextIO | None = None,
    files: Path | None = None,
    env: Mapping[str, str] | None = None,
    linger: float = 1.5,
    language: str | None = None,
) -> None:
    from bot.testing.botapi import FakeBotApi
    from bot.testing.botapi.chat import stdin_lines

    stream = out if out is not None else sys.stdout
    environ = os.environ if env is None else env
    folder = files if files is not None else DEFAULT_FILES
    handler = _LazyFileHandler(folder / LOG_NAME, delay=True, encoding="utf-8")
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            path = database or Path(scratch) / "sandbox.db"
            clock = AdjustableClock()
            async with FakeBotApi() as api:
                if language:  # your Telegram app's language, as /start reads it
                    api.set_app_language(chat_id, language)
                passed = {k: environ[k] for k in PASSED_THROUGH if environ.get(k, "").strip()}
                settings = load_settings(
                    {
                        "BOT_TOKEN": api.token,
                        "BOT_API_URL": api.url,
                        "DATABASE_PATH": str(path),
                        "SCHEDULES_DIR": str(Path(__file__).resolve().parents[2] / "schedules"),
                        "TICK_SECONDS": "1",
                        "LOG_LEVEL": "WARNING",
                        **passed,
                    }
                )
                application = build_application(settings, clock=clock)
                async with running(application, poll_timeout=1) as app:
                    svc: Services = app.bot_data["services"]
                    admin = ADMIN_LINE if svc.is_admin(chat_id) else ""
                    if settings.admin_web_port:
                        auth_date = int(clock().astimezone(dt.UTC).timestamp())
                        link = console_link(settings.admin_web_port, api.token, chat_id, auth_date)
                        admin += f"\nAdmin console (signed for chat {chat_id}): {link}"
                    stream.write(INTRO.format(chat_id=chat_id, admin=admin, db=path, files=folder))
                    chat = _saving_chat(folder)(api, chat_id, out=stream)
                    source = lines if lines is not None else stdin_lines()
                    await chat.run(_sandbox_lines(source, app, clock, stream), linger=linger)
    finally:
        root.removeHandler(handler)
        handler.close()

"""`python -m bot sandbox`: try BackStride in a terminal, with no token and no internet.

The bot runs for real against the local Bot API server that the end-to-end tests use
(bot/testing/botapi: one implementation, not two), and you chat with it as a runner. `:later 2h`
moves the bot's clock forward so the next reminder or check-in arrives without waiting.
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from bot.config import load_settings
from bot.services.runtime import AdjustableClock
from bot.telegram.app import build_application, running

INTRO = """\
BackStride sandbox: you are a runner chatting with the bot (chat id {chat_id}).
Start with /start. Buttons are numbered: type #3 to press button 3.
  :later 2h     move the bot's clock forward (m, h or d), e.g. to get the next reminder
  :time         the bot's current time (UTC)
  :help         all chat commands          :quit   leave
Database: {db}
"""

_LATER = re.compile(r"^:later\s+(\d+(?:\.\d+)?)\s*([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


async def _clock_commands(
    lines: AsyncIterator[str], clock: AdjustableClock, out: object
) -> AsyncIterator[str]:
    """Handle the sandbox's own commands; pass everything else to the chat."""
    write = getattr(out, "write")  # noqa: B009 - any text stream
    async for line in lines:
        text = line.strip()
        match = _LATER.match(text)
        if match:
            clock.advance(**{_UNITS[match.group(2)]: float(match.group(1))})
            write(f"(clock moved on: it is now {clock():%a %d %b %H:%M} UTC)\n")
            continue
        if text.startswith(":later"):
            write("(usage: :later 30m, :later 2h or :later 1d)\n")
            continue
        if text == ":time":
            write(f"(it is {clock():%a %d %b %H:%M} UTC)\n")
            continue
        yield line


async def run_sandbox(
    database: Path | None = None,
    *,
    chat_id: int = 1001,
    lines: AsyncIterator[str] | None = None,
    out: object = None,
) -> None:
    from bot.testing.botapi import FakeBotApi
    from bot.testing.botapi.chat import TerminalChat, stdin_lines

    stream = out if out is not None else sys.stdout
    with tempfile.TemporaryDirectory() as scratch:
        path = database or Path(scratch) / "sandbox.db"
        clock = AdjustableClock()
        async with FakeBotApi() as api:
            settings = load_settings(
                {
                    "BOT_TOKEN": api.token,
                    "BOT_API_URL": api.url,
                    "DATABASE_PATH": str(path),
                    "SCHEDULES_DIR": str(Path(__file__).resolve().parents[2] / "schedules"),
                    "TICK_SECONDS": "1",
                    "LOG_LEVEL": "WARNING",
                }
            )
            application = build_application(settings, clock=clock)
            async with running(application, poll_timeout=1):
                getattr(stream, "write")(INTRO.format(chat_id=chat_id, db=path))  # noqa: B009
                chat = TerminalChat(api, chat_id, out=stream)  # type: ignore[arg-type]
                source = lines if lines is not None else stdin_lines()
                await chat.run(_clock_commands(source, clock, stream), linger=1.5)

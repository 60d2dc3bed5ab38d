"""Small helpers shared by several test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import IO

from bot.testing.botapi import BotMessage, FakeBotApi
from tests.conftest import LIFTED_PACING, REPO, TOKEN


async def spawn_bot(
    api: FakeBotApi, cwd: Path, output: int | IO[bytes], log_level: str = "INFO", **env: str
) -> asyncio.subprocess.Process:
    """`python -m bot` as a host runs it, against the fake Bot API. Its stdout and stderr both go
    to `output`: `asyncio.subprocess.PIPE` (two pipes) or an open file."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=cwd,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(REPO),
            "BOT_TOKEN": TOKEN,
            "BOT_API_URL": api.url,
            "SCHEDULES_DIR": str(REPO / "schedules"),
            "LOG_LEVEL": log_level,
            **LIFTED_PACING,
            **env,
        },
        stdin=asyncio.subprocess.DEVNULL,
        stdout=output,
        stderr=output,
    )


async def command(api: FakeBotApi, chat_id: int, text: str) -> BotMessage:
    """Send the command `text` and return the bot's next message to that chat."""
    api.send_command(chat_id, text)
    return await api.next_message(chat_id)


WHY_NOW_MARKS = ("⏰", "🔁")


def tip_text(message: BotMessage) -> str:
    """A reminder's tip without the why-now lines in front ("⏰ Your run is in 30 minutes")."""
    text = message.text
    while text.startswith(WHY_NOW_MARKS) and "\n\n" in text:
        text = text.split("\n\n", 1)[1]
    return text

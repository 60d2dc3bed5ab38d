"""A line-oriented terminal chat with the bot, as one runner, on top of the fake Bot API.

Typed lines go to the bot as the runner's messages (commands too). Bot messages are printed with
their inline buttons numbered; ``#N`` presses button N of the newest message that has buttons;
``/location LAT LON`` shares a location; ``:sticker``, ``:photo [caption]``, ``:help``, ``:quit``.
Reused by ``python -m bot.testing.botapi`` and ``python -m bot sandbox``.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import AsyncIterator
from typing import TextIO

from .runner import RunnerActions
from .state import BotMessage, ChatId

__all__ = ["HELP", "TerminalChat", "run_terminal_chat", "stdin_lines"]

HELP = """\
Type a message (or a /command) and press Enter to send it to the bot as the runner.
  #N                  press button N of the newest bot message with buttons
  /location LAT LON   share a location
  :sticker            send a sticker        :photo [caption]   send a photo
  :help               this help             :quit              leave (or end input)"""


async def stdin_lines(stream: TextIO | None = None) -> AsyncIterator[str]:
    """Lines from a (blocking) text stream, read by a daemon thread so the loop never blocks
    and an interrupted process never waits for it. Ends at EOF."""
    source = stream if stream is not None else sys.stdin
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def reader() -> None:
        while True:
            try:
                line: str | None = source.readline() or None
            except (OSError, ValueError):
                line = None
            try:
                loop.call_soon_threadsafe(queue.put_nowait, line)
            except RuntimeError:  # the loop is closed: nobody is listening any more
                return
            if line is None:
                return

    threading.Thread(target=reader, name="botapi-chat-stdin", daemon=True).start()
    while True:
        item = await queue.get()
        if item is None:
            return
        yield item


class TerminalChat:
    """One runner's chat: ``handle_line`` sends, ``flush`` prints what the bot did since."""

    def __init__(
        self,
        api: RunnerActions,
        chat_id: ChatId = 1001,
        *,
        first_name: str = "Runner",
        out: TextIO | None = None,
    ) -> None:
        self.api = api
        self.chat_id = chat_id
        self.first_name = first_name
        self.out = out if out is not None else sys.stdout
        self._seen: dict[int, tuple[int, bool]] = {}  # message id -> (edit count, deleted)
        self._pressed: list[str] = []
        self._answered: set[str] = set()

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    # ------------------------------------------------------------------ input

    def handle_line(self, line: str) -> bool:
        """Act on one typed line; False when the runner wants to leave."""
        text = line.strip()
        if not text:
            return True
        if text in (":quit", ":q", ":exit"):
            return False
        if text == ":help":
            self.say(HELP)
        elif text.startswith("#") and text[1:].isdigit():
            self._press(int(text[1:]))
        elif text.split()[0] == "/location":
            self._location(text.split()[1:])
        elif text == ":sticker":
            self.api.send_sticker(self.chat_id, first_name=self.first_name)
        elif text.split()[0] == ":photo":
            caption = text[len(":photo") :].strip() or None
            self.api.send_photo_from_user(self.chat_id, caption, first_name=self.first_name)
        elif text.startswith(":"):
            self.say(f"(unknown command {text.split()[0]}; :help lists them)")
        else:
            self.api.send_text(self.chat_id, text, first_name=self.first_name)
        return True

    def _press(self, number: int) -> None:
        message = self.keyboard_message()
        if message is None:
            self.say("(no message with buttons yet)")
            return
        flat = [pair for row in message.buttons for pair in row]
        if not 1 <= number <= len(flat):
            self.say(f"(message #{message.message_id} has buttons 1..{len(flat)})")
            return
        text, data = flat[number - 1]
        if data is None:
            self.say(f"(button {text!r} is not a callback button)")
            return
        self._pressed.append(self.api.press_data(self.chat_id, message.message_id, data))

    def _location(self, args: list[str]) -> None:
        try:
            latitude, longitude = (float(value) for value in args)
        except ValueError:
            self.say("(usage: /location LAT LON, e.g. /location 51.5074 -0.1278)")
            return
        self.api.send_location(self.chat_id, latitude, longitude, first_name=self.first_name)

    def keyboard_message(self) -> BotMessage | None:
        for message in reversed(self.api.messages_to(self.chat_id)):
            if message.buttons and not message.deleted:
                return message
        return None

    # ------------------------------------------------------------------ output

    @staticmethod
    def render(message: BotMessage) -> str:
        if message.kind == "text":
            body = message.text
        else:
            size = len(message.file or b"")
            body = f"[{message.kind}: {message.filename or 'file'}, {size} bytes]"
            if message.text:
                body += f"\n{message.text}"
        lines = [f"bot #{message.message_id}: " + body.replace("\n", "\n    ")]
        number = 0
        for row in message.buttons:
            cells = []
            for text, _ in row:
                number += 1
                cells.append(f"[{number}] {text}")
            lines.append("    " + "  ".join(cells))
        return "\n".join(lines)

    def flush(self) -> None:
        """Print new, edited and deleted bot messages and answers to our button presses."""
        for message in self.api.messages_to(self.chat_id):
            state = (message.edit_count, message.deleted)
            before = self._seen.get(message.message_id)
            self._seen[message.message_id] = state
            if before == state:
                continue
            if message.deleted:
                self.say(f"(bot deleted message #{message.message_id})")
            elif before is None:
                self.say(self.render(message))
            else:
                self.say("(edited) " + self.render(message))
        for query_id in self._pressed:
            answer = self.api.callback_answer(query_id)
            if answer is None or query_id in self._answered:
                continue
            self._answered.add(query_id)
            if answer.get("text"):
                kind = "alert" if answer.get("show_alert") else "notice"
                self.say(f"({kind}) {answer['text']}")

    async def watch(self) -> None:
        """Print bot activity as it happens, until cancelled."""
        while True:
            self.flush()
            await self.api.wait_change(None)

    async def run(self, lines: AsyncIterator[str], *, linger: float = 0.5) -> None:
        """Feed ``lines`` to the bot until they end (or ``:quit``), printing as we go; after
        the last line, wait ``linger`` seconds for the bot's answer."""
        watcher = asyncio.create_task(self.watch(), name="botapi-chat-watch")
        try:
            async for line in lines:
                if not self.handle_line(line):
                    break
            await asyncio.sleep(linger)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            self.flush()


async def run_terminal_chat(
    api: RunnerActions,
    chat_id: ChatId = 1001,
    *,
    first_name: str = "Runner",
    lines: AsyncIterator[str] | None = None,
    out: TextIO | None = None,
    linger: float = 0.5,
) -> None:
    """Chat with the bot as one runner until input ends."""
    chat = TerminalChat(api, chat_id, first_name=first_name, out=out)
    await chat.run(lines if lines is not None else stdin_lines(), linger=linger)

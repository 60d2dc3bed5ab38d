"""Updates from different runners are handled concurrently; one runner's stay in order.

With PTB's default (one update at a time) a runner whose replies are being paced to Telegram's
one message a second would hold up everybody else. Serialising per chat keeps each runner's
conversation in order, which ConversationHandler and the check-in steps rely on.

Also here: which update types the bot asks for, and how an update PTB cannot parse is skipped
(polling: ``TolerantBot``; webhook: ``WebhookReceiver``) without stopping the bot or logging
what the runner wrote.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import inspect
import json
import logging
import warnings
from collections.abc import Awaitable, Sequence
from typing import Any, cast

from aiohttp import web
from telegram import Bot, Update
from telegram.error import TelegramError
from telegram.ext import BaseUpdateProcessor, ExtBot
from telegram.warnings import PTBUserWarning

from bot.core import i18n, texts

#: PTB's own semaphore (``BaseUpdateProcessor.process_update``, final) is taken *before*
#: ``do_process_update``, so an update waiting there for its chat's turn would hold one of its
#: slots: it is set high enough never to be the limit. The real limit is applied below, to
#: updates actually being handled; waiting ones are suspended tasks, at most ``backlog`` a chat.
_PTB_SLOTS = 1 << 20

log = logging.getLogger("bot.telegram.updates")
# TolerantBot asks for getUpdates through the public raw call on purpose (below).
warnings.filterwarnings("ignore", message="Please use 'Bot.getUpdates'", category=PTBUserWarning)


class _Chat:
    """One busy chat: whose turn it is, and its flood episode (which ends when it is idle)."""

    __slots__ = ("dropped", "pending", "turn", "warned")

    def __init__(self) -> None:
        self.turn = asyncio.Lock()  # FIFO: newcomers queue behind waiters, in arrival order
        self.pending = 0  # updates being handled or waiting for their turn
        self.dropped = 0
        self.warned = False


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Each chat's updates are handled one at a time, in order; at most ``max_concurrent_updates``
    are handled at once overall, and an update waiting for its chat's turn takes none of them
    (issue 11, defect 2: one chat's burst held every slot and stalled all other runners).

    A chat with ``backlog`` updates waiting is flooding: its further messages are dropped
    (never logged), it is told once per episode to slow down, and button presses are still
    queued, so none is left unanswered (spinning). The episode ends when the chat is idle.
    """

    def __init__(self, max_concurrent_updates: int = 64, *, backlog: int = 20) -> None:
        if max_concurrent_updates < 1 or backlog < 0:
            raise ValueError("max_concurrent_updates must be positive and backlog not negative")
        super().__init__(_PTB_SLOTS)
        self.limit = max_concurrent_updates
        self.backlog = backlog
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._active = 0
        self._chats: dict[int, _Chat] = {}

    @property
    def current_concurrent_updates(self) -> int:
        """Updates being handled now (not those waiting for their chat's turn)."""
        return self._active

    def waiting(self, key: int) -> int:
        """Updates of this chat waiting for their turn (the one being handled not counted)."""
        chat = self._chats.get(key)
        return max(chat.pending - 1, 0) if chat is not None else 0

    @staticmethod
    def _key(update: object) -> int | None:
        if isinstance(update, Update):
            if update.effective_chat is not None:
                return update.effective_chat.id
            if update.effective_user is not None:
                return update.effective_user.id
        return None

    async def _handle(self, coroutine: Awaitable[Any]) -> None:
        async with self._slots:
            self._active += 1
            try:
                await coroutine
            finally:
                self._active -= 1

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self._key(update)
        if key is None:
            await self._handle(coroutine)
            return
        chat = self._chats.get(key)
        if chat is None:
            chat = self._chats[key] = _Chat()
        elif chat.pending > self.backlog and not _is_button(update):
            await self._drop(key, chat, update, coroutine)
            return
        chat.pending += 1
        try:
            async with chat.turn:
                await self._handle(coroutine)
        finally:
            _discard(coroutine)  # if cancelled before it ran; a finished one is left as it is
            chat.pending -= 1
            if not chat.pending:  # idle: forget the chat, and its flood episode is over
                del self._chats[key]
                if chat.dropped:
                    log.warning("flood from a chat is over: %d update(s) dropped", chat.dropped)

    async def _drop(self, key: int, chat: _Chat, update: object, coroutine: Awaitable[Any]) -> None:
        _discard(coroutine)
        chat.dropped += 1
        if chat.warned:
            return
        chat.warned = True
        log.warning("a chat is flooding: updates beyond %d waiting are dropped", self.backlog)
        if not isinstance(update, Update):
            return
        # Before any handler (so before the runner's stored language is looked up): in the
        # language of their Telegram app.
        user = update.effective_user
        try:
            with i18n.use(i18n.supported(user.language_code if user else None)):
                slow_down = texts.T.SLOW_DOWN
            await update.get_bot().send_message(key, slow_down)
        except Exception as exc:  # e.g. the runner blocked the bot; nothing more to do
            log.warning("could not ask a flooding chat to slow down (%s)", type(exc).__name__)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def _is_button(update: object) -> bool:
    return isinstance(update, Update) and update.callback_query is not None


def _discard(coroutine: Awaitable[Any]) -> None:
    """A dropped update's handler coroutine is never awaited: close it (no warning)."""
    if inspect.iscoroutine(coroutine):
        coroutine.close()


# ---------------------------------------------------------------------------------------------
# Updates PTB cannot parse (issue 11): skipped, never retried, never logged with their content.

#: The update types the bot has handlers for (app.py registers them): commands and text in
#: private chats (a command edited in place is a command too), and button presses. Nothing
#: else is asked of Telegram, so nothing else can arrive.
HANDLED_UPDATES: tuple[str, ...] = (
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
)

parse_log = logging.getLogger("bot.telegram.updates")


def update_kind(raw: object) -> str:
    """The update's top-level type (``message``, ``callback_query``...): a Bot API name, never
    a key taken from the body as is, so it is safe to log."""
    if isinstance(raw, dict):
        for key in raw:
            if key != "update_id":
                return key if key in Update.ALL_TYPES else "unknown"
    return "unknown"


def parse_update(raw: object, bot: Bot | None) -> Update | None:
    """``Update.de_json``, except that an update PTB cannot parse (a message without its
    ``chat``, a field of the wrong type) becomes a bare ``Update`` with only its id: no handler
    takes it, and the updater's offset moves past it, as Telegram requires. One line is logged
    with the id and the type; the content (a runner's words) and the exception text (which may
    quote it) never are. None when the body has no usable ``update_id`` at all."""
    update_id = raw.get("update_id") if isinstance(raw, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        parse_log.warning("skipped an update without an update_id (%s)", update_kind(raw))
        return None
    try:
        update = Update.de_json(cast("dict[str, Any]", raw), bot)
    except Exception as exc:  # PTB raises whatever the constructor of the bad part raises
        parse_log.warning(
            "skipped update %d (%s): it could not be parsed (%s)",
            update_id,
            update_kind(raw),
            type(exc).__name__,
        )
        update = Update(update_id=update_id)
        if bot is not None:
            update.set_bot(bot)
    return update


class _PollFailures:
    """Polls failed in a row (the Bot API unreachable or failing)."""

    def __init__(self) -> None:
        self.count = 0


class TolerantBot(ExtBot[Any]):
    """The bot's ``ExtBot``: ``get_updates`` parses each update on its own (``parse_update``).

    PTB's ``Bot.get_updates`` parses the batch in one go: one bad update fails the whole batch,
    is logged with the batch's raw data ("Error while parsing updates! Received data was..."),
    and, the offset never moving, is fetched again at once, for ever.
    """

    #: Seconds a long poll may take beyond its own ``timeout`` before it counts as hung.
    poll_slack: float = 20.0

    polls: _PollFailures

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # PTB freezes a bot's attributes at the end of its __init__; this one is ours.
        object.__setattr__(self, "polls", _PollFailures())

    def polling_failed(self, exc: TelegramError) -> None:
        """The Updater's ``error_callback``: PTB retries a failed poll with its own back-off
        (1 s growing to 30 s) and would log each failure with a traceback; say it once."""
        self.polls.count += 1
        if self.polls.count == 1:
            log.warning(
                "polling the Bot API failed (%s); retrying with back-off", type(exc).__name__
            )

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: float | dt.timedelta | None = None,
        allowed_updates: Sequence[str] | None = None,
        **timeouts: Any,
    ) -> tuple[Update, ...]:
        # The Updater passes read/write/connect/pool timeouts, mostly PTB's "use the default"
        # marker; only a number given for the read timeout replaces the slack.
        seconds = timeout.total_seconds() if isinstance(timeout, dt.timedelta) else timeout or 0
        read = timeouts.get("read_timeout")
        slack = read if isinstance(read, int | float) else self.poll_slack
        result = await self.do_api_request(
            "getUpdates",
            api_kwargs={
                "offset": offset,
                "limit": limit,
                "timeout": int(seconds),  # whole seconds, as Telegram takes it
                "allowed_updates": allowed_updates,
            },
            read_timeout=slack + seconds,
        )
        if self.polls.count:
            log.info("polling the Bot API works again after %d failure(s)", self.polls.count)
            self.polls.count = 0
        updates = []
        for raw in result if isinstance(result, list) else []:
            update = parse_update(raw, self)
            if update is not None:
                self.insert_callback_data(update)
                updates.append(update)
        return tuple(updates)


# ---------------------------------------------------------------------------------------------
# Webhook mode: PTB's own handler answers an unparseable body with 400 (so Telegram retries it,
# holding up every update behind it) and logs the body at CRITICAL. This receiver is PTB's
# "custom webhook" pattern: any web server that puts updates on ``application.update_queue``.

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookReceiver:
    """Accepts Telegram's POSTs on ``path``: 403 without the secret, else 200, and the update
    (``parse_update``) goes on the queue; an unparseable body is skipped, never retried."""

    def __init__(
        self, bot: Bot, queue: asyncio.Queue[object], *, path: str, secret_token: str | None
    ) -> None:
        self.bot = bot
        self.queue = queue
        self.path = "/" + path.lstrip("/")
        self.secret_token = secret_token
        self._runner: web.AppRunner | None = None

    async def start(self, listen: str, port: int) -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post(self.path, self._post)
        if self.path != "/":
            app.router.add_post(self.path.rstrip("/") + "/", self._post)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, listen, port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _post(self, request: web.Request) -> web.Response:
        if self.secret_token is not None and not hmac.compare_digest(
            request.headers.get(SECRET_HEADER, ""), self.secret_token
        ):
            return web.Response(status=403)
        try:
            raw: object = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            parse_log.warning("skipped a webhook request whose body is not JSON")
            return web.Response(status=200)
        update = parse_update(raw, self.bot)
        if update is not None:
            if isinstance(self.bot, ExtBot):
                self.bot.insert_callback_data(update)
            await self.queue.put(update)
        return web.Response(status=200)

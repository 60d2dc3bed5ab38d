"""A local fake of the Telegram Bot API for end-to-end tests (and ``python -m bot sandbox``).

    async with FakeBotApi() as api:            # 127.0.0.1, free port; api.url is BOT_API_URL
        api.send_command(1001, "/start")       # the runner writes (chat 1001 becomes known)
        msg = await api.next_message(1001)     # BotMessage: text, html, buttons, kind, file...
        api.press(1001, "Mon")                 # callback query on the newest keyboard
        api.flood_limits = True; api.fail_next(1, "429"); api.block(1001)

Modules: ``server`` (HTTP, switches), ``methods`` (Bot API methods), ``state`` (what is
remembered, observation helpers), ``runner`` (updates a runner causes), ``html`` (parse mode),
``flood`` (limits), ``faults`` (fail_next, chaos), ``webhook`` (pushing updates), ``params``
(request decoding), ``chat`` (terminal chat, also for ``python -m bot sandbox``).
Import-safe outside pytest: no pytest imports anywhere in this package.
"""

from .chat import TerminalChat, run_terminal_chat
from .faults import FAULT_KINDS, SENDING_METHODS
from .flood import FloodLimiter
from .html import EntityParseError, parse_html
from .runner import TINY_PNG
from .server import FakeBotApi
from .state import (
    DEFAULT_TOKEN,
    ApiError,
    BotMessage,
    Call,
    HistoryEntry,
    NoMessageError,
    UploadedFile,
)

__all__ = [
    "DEFAULT_TOKEN",
    "FAULT_KINDS",
    "SENDING_METHODS",
    "TINY_PNG",
    "ApiError",
    "BotMessage",
    "Call",
    "EntityParseError",
    "FakeBotApi",
    "FloodLimiter",
    "HistoryEntry",
    "NoMessageError",
    "TerminalChat",
    "UploadedFile",
    "parse_html",
    "run_terminal_chat",
]

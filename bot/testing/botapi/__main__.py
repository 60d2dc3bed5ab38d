"""``python -m bot.testing.botapi``: run the fake Bot API and chat with the bot from a terminal.

Start this, point the bot at the printed BOT_API_URL / BOT_TOKEN, then type as the runner.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from .chat import HELP, run_terminal_chat
from .server import FakeBotApi
from .state import DEFAULT_TOKEN


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot.testing.botapi",
        description="A local fake Telegram Bot API with a terminal chat as one runner.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--chat-id", type=int, default=1001, help="the runner's chat id")
    parser.add_argument("--first-name", default="Runner")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    async with FakeBotApi(args.token, host=args.host, port=args.port) as api:
        print(f"BOT_API_URL={api.url}")
        print(f"BOT_TOKEN={api.token}")
        print(f"Chatting as {args.first_name} (chat id {args.chat_id}).\n{HELP}", flush=True)
        await run_terminal_chat(api, args.chat_id, first_name=args.first_name)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        return 130
    except OSError as exc:  # e.g. the port is taken
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())

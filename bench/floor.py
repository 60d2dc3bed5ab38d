"""The floor for the fan-out figure: a bare aiohttp client, nothing of the bot in it.

Run by ``bench/host.py`` in its own OS process (the same python), against the same local Bot API
server the bot was measured against. It posts every request body of a JSON file (a list of
sendMessage parameter objects, built by host.py with the bot's own renderer) as a JSON body to
``$FLOOR_URL`` (``{server}/bot{token}/sendMessage``; taken from the environment so the token is
never on a command line), ``--concurrency`` requests at a time over one ``ClientSession``, and
prints one JSON line: ``{"ok": n, "failed": n, "seconds": s}``. The rate itself is measured at
the server, exactly as for the bot.

    FLOOR_URL=... python bench/floor.py BODIES.json [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp


async def post_all(url: str, bodies: list[dict[str, Any]], concurrency: int) -> dict[str, float]:
    ok = failed = 0
    pending = iter(bodies)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal ok, failed
            for body in pending:
                async with session.post(url, json=body) as response:
                    answer = await response.json()
                if response.status == 200 and answer.get("ok"):
                    ok += 1
                else:
                    failed += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return {"ok": ok, "failed": failed, "seconds": seconds, "cpu": time.process_time()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bodies", type=Path)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    url = os.environ.get("FLOOR_URL", "")
    if not url:
        print("floor: FLOOR_URL is not set", file=sys.stderr)
        return 2
    bodies = json.loads(args.bodies.read_text())
    print(json.dumps(asyncio.run(post_all(url, bodies, args.concurrency))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

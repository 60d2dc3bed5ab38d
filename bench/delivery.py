"""Delivery benchmark: 100k runners in SQLite, the real bot, the local Bot API server.

Prints one `name: value unit` line per figure:

* start-up to ready (build the Application, migrate, schedule check, first poll running);
* resident memory of the bot process once ready;
* time for one tick that claims 10k due runners (outbox rows written, next instants advanced);
* fan-out rate with the server's flood limits off (bot rate limit lifted, as for paid
  broadcasts);
* rate achieved with Telegram's limits on (server enforces 30/s overall and per-chat limits; the
  bot paces at its default 29/s), and the number of 429 answers received.

The server runs in a child process, so the two share the machine's two cores the way a bot and
Telegram would not: the figures are a floor. Usage: python bench/delivery.py [--runners N]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import os
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.config import load_settings  # noqa: E402
from bot.core.planner import next_due_all  # noqa: E402
from bot.services.delivery import plan_slots  # noqa: E402
from bot.storage import runners as runners_db  # noqa: E402
from bot.storage import schema  # noqa: E402
from bot.telegram.app import BotApp, build_application, running, seed_if_needed  # noqa: E402
from bot.telegram.sender import Engine  # noqa: E402

TOKEN = "123456:BENCH-abcdefghijklmnopqrstuvwxyz0123"
DAY = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
CLAIM_AT = DAY.replace(hour=6, minute=30)  # the 10k runners' warm-up (07:00 run, UTC)
DUE_RUNNERS = 10_000


# ---------------------------------------------------------------------------------------------
# The Bot API server, in its own process


def _serve(conn: Connection, chat_ids: range) -> None:
    from bot.testing.botapi import FakeBotApi

    async def main() -> None:
        async with FakeBotApi(token=TOKEN) as api:
            for chat_id in chat_ids:
                api.add_chat(chat_id)
            conn.send(api.url)
            loop = asyncio.get_running_loop()
            while True:
                command = await loop.run_in_executor(None, conn.recv)
                if command == "stop":
                    break
                if command == "limits_on":
                    api.flood_limits = True
                    conn.send(True)
                elif command == "stats":
                    conn.send((api.count("sendMessage", 200), api.count(status=429)))
                elif command == "throttled":
                    throttled = [c for c in api.calls if c.status == 429]
                    conn.send([(c.method, c.params.get("chat_id")) for c in throttled])

    asyncio.run(main())


class ServerProcess:
    def __init__(self, chat_ids: range) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, chat_ids), daemon=True)
        self.process.start()
        self.url: str = self.conn.recv()

    def ask(self, command: str) -> Any:
        self.conn.send(command)
        return self.conn.recv()

    def stop(self) -> None:
        self.conn.send("stop")
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()


# ---------------------------------------------------------------------------------------------
# Data


def populate(path: Path, runners: int) -> float:
    """`runners` active runners; DUE_RUNNERS of them run at 07:00 UTC, the rest later."""
    settings = load_settings({"BOT_TOKEN": TOKEN, "SCHEDULES_DIR": str(REPO / "schedules")})
    database = schema.connect(path)
    seed_if_needed(database, settings, 0)
    zones = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney")
    rows = []
    for chat_id in range(1, runners + 1):
        due_now = chat_id <= DUE_RUNNERS
        minute = 0 if due_now else 30 + chat_id % 600  # later runs: warm-ups after 06:30
        rows.append(
            {
                "chat_id": chat_id,
                "timezone": "UTC" if due_now else zones[chat_id % len(zones)],
                "run_days": "0,1,2,3,4,5,6" if due_now else "1,3,5",
                "run_time": f"{7 + minute // 60:02d}:{minute % 60:02d}",
                "tip_time": "20:00",
                "status": "active",
                "created_at": 0,
                "updated_at": 0,
            }
        )
    database.table("runners").insert_all(rows, batch_size=5000)
    slots = [s for s in plan_slots(database) if s.enabled]
    started = time.perf_counter()
    schedule = []
    for row in rows:
        runner = runners_db.runner_from_row(
            {
                **row,
                "paused_until": None,
                "checkin_delay": None,
                "summary_day": 6,
                "running_paused": 0,
                "language": "en",
            }
        )
        # Planned as a running bot would have: everything up to a minute before the claim
        # instant was sent already, so the claim sees exactly the 10k runners due then.
        for slot_id, at in next_due_all(slots, runner, CLAIM_AT - dt.timedelta(minutes=1)).items():
            schedule.append((row["chat_id"], slot_id, None if at is None else int(at.timestamp())))
    planning = time.perf_counter() - started
    with database.atomic():
        database.conn.executemany(
            "INSERT INTO schedule (runner_id, slot_id, next_due) VALUES (?, ?, ?)", schedule
        )
    database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    database.conn.close()
    return planning


def note(text: str) -> None:
    print(f"# {text}", file=sys.stderr, flush=True)


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# ---------------------------------------------------------------------------------------------
# Runs


class Clock:
    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


def engine_of(app: BotApp) -> Engine:
    found = app.bot_data["services"].extras["engine"]
    assert isinstance(found, Engine)
    return found


async def run_unlimited(path: Path, server: ServerProcess) -> dict[str, float]:
    clock = Clock(CLAIM_AT - dt.timedelta(minutes=1))
    settings = load_settings(
        {
            "BOT_TOKEN": TOKEN,
            "BOT_API_URL": server.url,
            "DATABASE_PATH": str(path),
            "SCHEDULES_DIR": str(REPO / "schedules"),
            "TICK_SECONDS": "600",
            "SEND_RATE": "100000",
        }
    )
    figures: dict[str, float] = {}
    started = time.perf_counter()
    app = build_application(settings, clock=clock)
    note("starting the bot")
    async with running(app, poll_timeout=1):
        figures["startup_to_ready"] = time.perf_counter() - started
        note("ready")
        figures["resident_memory"] = rss_mb()
        engine = engine_of(app)
        await asyncio.sleep(0.3)  # the start-up tick has run and found nothing due
        clock.at = CLAIM_AT + dt.timedelta(seconds=1)
        sent_before = engine.sender.sent
        started = time.perf_counter()
        result = await engine.tick()
        figures["tick_claim_10k"] = time.perf_counter() - started
        figures["claimed"] = result.queued
        figures["advanced"] = result.advanced
        # The sender may start on the committed claim while the tick's sweeps still run:
        # count from before the tick, time (and rate) from its end.
        sent_at_tick_end = engine.sender.sent
        note(f"claimed {result.queued}; {sent_at_tick_end - sent_before} sent during the tick")
        started = time.perf_counter()
        while engine.sender.sent - sent_before < result.queued:
            await asyncio.sleep(0.01)
            if time.perf_counter() - started > 120:
                note("fan-out incomplete after 120 s")
                break
        elapsed = time.perf_counter() - started
        note(f"sent {engine.sender.sent - sent_before} in all, the last of them in {elapsed:.1f} s")
        figures["fanout_unlimited"] = (engine.sender.sent - sent_at_tick_end) / elapsed
        figures["resident_memory_after_fanout"] = rss_mb()
    return figures


async def run_limited(path: Path, server: ServerProcess, seconds: float) -> dict[str, float]:
    server.ask("limits_on")
    # Two hours later the same 10k runners' check-ins are due: a queue far longer than the
    # window, so the rate measured is the steady pace.
    clock = Clock(CLAIM_AT + dt.timedelta(hours=2, minutes=30, seconds=1))
    settings = load_settings(
        {
            "BOT_TOKEN": TOKEN,
            "BOT_API_URL": server.url,
            "DATABASE_PATH": str(path),
            "SCHEDULES_DIR": str(REPO / "schedules"),
            "TICK_SECONDS": "600",
        }
    )
    _, before_429 = server.ask("stats")
    app = build_application(settings, clock=clock)
    note("starting the bot with Telegram's limits on")
    async with running(app, poll_timeout=1):
        engine = engine_of(app)
        note(f"ready; last claim {engine.last_claim}")
        waited = time.perf_counter()
        while engine.sender.sent == 0:
            await asyncio.sleep(0.01)
            if time.perf_counter() - waited > 10:
                note(f"nothing sent after 10 s; last claim {engine.last_claim}")
                raise SystemExit(1)
        await asyncio.sleep(1.0)  # past the first burst slot
        first, started = engine.sender.sent, time.perf_counter()
        await asyncio.sleep(seconds)
        rate = (engine.sender.sent - first) / (time.perf_counter() - started)
    _, after_429 = server.ask("stats")
    if after_429 > before_429:
        note(f"throttled calls: {server.ask('throttled')[:10]}")
    return {"rate_with_limits": rate, "http_429_received": after_429 - before_429}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runners", type=int, default=100_000)
    parser.add_argument("--limited-seconds", type=float, default=20.0)
    args = parser.parse_args()
    if args.runners < DUE_RUNNERS:
        parser.error(f"--runners must be at least {DUE_RUNNERS}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        planning = populate(path, args.runners)
        print(f"runners: {args.runners} runners")
        print(
            f"planning_all_runners: {planning:.2f} s ({planning / args.runners * 1e6:.1f} us each)"
        )
        server = ServerProcess(range(1, args.runners + 1))
        try:
            unlimited = asyncio.run(run_unlimited(path, server))
            limited = asyncio.run(run_limited(path, server, args.limited_seconds))
        finally:
            server.stop()
        size = sum(f.stat().st_size for f in Path(tmp).iterdir()) / 1024 / 1024
    print(f"startup_to_ready: {unlimited['startup_to_ready']:.2f} s (target < 3)")
    print(f"resident_memory: {unlimited['resident_memory']:.0f} MB (target < 200)")
    print(
        f"tick_claim_10k: {unlimited['tick_claim_10k']:.2f} s for {unlimited['claimed']:.0f} "
        f"queued of {unlimited['advanced']:.0f} due rows (target < 1)"
    )
    print(f"fanout_limits_off: {unlimited['fanout_unlimited']:.0f} msg/s (target >= 1000)")
    print(f"resident_memory_after_fanout: {unlimited['resident_memory_after_fanout']:.0f} MB")
    print(f"rate_limits_on: {limited['rate_with_limits']:.1f} msg/s (target >= 28.5)")
    print(f"http_429_limits_on: {limited['http_429_received']:.0f} responses (target 0)")
    print(f"database_size: {size:.0f} MB")
    print(f"cpu_count: {os.cpu_count()} cores")


if __name__ == "__main__":
    main()

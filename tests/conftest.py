"""Shared fixtures: the local Bot API server, an injectable clock, and the real bot running
against the server over real HTTP."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings, load_settings
from bot.core import content
from bot.services.runtime import AdjustableClock
from bot.telegram.app import BotApp, build_application, running
from bot.testing.botapi import FakeBotApi

REPO = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST-abcdefghijklmnopqrstuvwxyz012345"
# Monday 1 June 2026, 04:00 UTC = 06:00 in Berlin.
MONDAY_MORNING = dt.datetime(2026, 6, 1, 4, 0, tzinfo=dt.UTC)


FakeClock = AdjustableClock

# End-to-end: the real bot (in this process or as `python -m bot`) or the local Bot API server
# over HTTP. `pytest -m "not e2e"` runs the rest, the fast set, in a few seconds.
E2E_FILES = ("_e2e.py", "test_hardening.py", "test_botapi.py")
E2E_FIXTURES = frozenset({"api", "start_bot"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if item.path.name.endswith(E2E_FILES) or fixtures & E2E_FIXTURES:
            item.add_marker(pytest.mark.e2e)


# Telegram's own per-chat pace (1 s apart, replies may burst 3): the tests about pacing and
# flood limits pass this to `start_bot`; every other test runs with per-chat pacing lifted.
TELEGRAM_PACING = {"PER_CHAT_INTERVAL": "1"}
LIFTED_PACING = {"PER_CHAT_INTERVAL": "0"}  # no waiting out Telegram's 1 msg/s per chat


def make_settings(api_url: str, db_path: Path, **env: str) -> Settings:
    return load_settings(
        {
            "BOT_TOKEN": TOKEN,
            "BOT_API_URL": api_url,
            "DATABASE_PATH": str(db_path),
            "SCHEDULES_DIR": str(REPO / "schedules"),
            "TICK_SECONDS": "0.1",
            **LIFTED_PACING,
            **env,
        }
    )


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_MORNING)


BotFactory = Callable[..., contextlib.AbstractAsyncContextManager[BotApp]]

_LIBRARIES: dict[str, Any] = {}


@pytest.fixture
def schedules_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every bot start seeds a fresh database from schedules/, and parsing the YAML (pure
    Python) is most of a start's CPU. The same files give the same (frozen) Library, so parse
    each distinct set of files once per session; the database is still seeded every time, and
    a broken or changed file is read afresh (the key is the files' bytes, errors are not kept)."""
    real = content.load_schedules

    def cached(directory: Path) -> Any:
        digest = hashlib.sha256(str(Path(directory).resolve()).encode())
        try:
            for path in sorted(Path(directory).rglob("*")):
                if path.is_file():
                    digest.update(f"\0{path}\0".encode() + path.read_bytes())
        except OSError:
            return real(directory)
        key = digest.hexdigest()
        if key not in _LIBRARIES:
            _LIBRARIES[key] = real(directory)
        return _LIBRARIES[key]

    monkeypatch.setattr(content, "load_schedules", cached)


@pytest.fixture
def start_bot(
    api: FakeBotApi, tmp_path: Path, clock: FakeClock, schedules_parsed_once: None
) -> BotFactory:
    """`async with start_bot() as app:` runs the real bot against `api` until the block ends.

    Calling it again with the same test's tmp_path is a restart on the same database.
    """

    @contextlib.asynccontextmanager
    async def start(**env: str) -> AsyncIterator[BotApp]:
        settings = make_settings(api.url, tmp_path / "bot.db", **env)
        application = build_application(settings, clock=clock)
        async with running(application, poll_timeout=1) as app:
            yield app

    return start


async def ticks(api: FakeBotApi, app: BotApp, n: int = 3, timeout: float = 5.0) -> list[Any]:
    """Wait until the delivery tick has run `n` more times (claims and sweeps) and the sender
    has sent whatever is due; return the ticks' claims (ClaimResult). A test that moved the
    clock learns the bot has looked at the new time, rather than sleeping and hoping it did."""
    engine = app.bot_data["services"].extras["engine"]
    claims: list[Any] = []
    # A tick already running may have read the clock before the test moved it, and the sender
    # starts on its first batch before it ends: count only ticks that start from here.
    await api.wait_for(lambda: not engine.ticking, timeout=timeout, poll=0.005)
    last = engine.last_claim

    def ticked() -> bool:
        nonlocal last
        if engine.last_claim is not last:
            last = engine.last_claim
            claims.append(last)
        return len(claims) >= n

    await api.wait_for(ticked, timeout=timeout, poll=0.01)
    await api.wait_for(
        lambda: outbox_idle(app), timeout=timeout, message="the outbox did not empty"
    )
    return claims


def outbox_idle(app: BotApp) -> bool:
    """Nothing in the outbox is being sent or due to be sent now."""
    svc = app.bot_data["services"]
    conn = sqlite3.connect(svc.settings.database_path, timeout=30)
    try:
        busy = conn.execute(
            "SELECT 1 FROM deliveries WHERE status = 'sending' "
            "OR (status = 'pending' AND not_before <= ?) LIMIT 1",
            [svc.now_ts()],
        ).fetchone()
    finally:
        conn.close()
    return busy is None


async def onboard(
    api: FakeBotApi,
    chat_id: int,
    *,
    zone: str = "Berlin",
    days: tuple[str, ...] = ("Mon", "Wed", "Fri"),
    run_time: str = "07:00",
    tip_time: str = "08:00",
) -> None:
    """Walk a new runner through /start to the confirmation, as a person would."""
    api.send_command(chat_id, "/start")
    await api.next_message(chat_id)  # welcome, with the location keyboard
    await api.next_message(chat_id)  # time zone question
    api.send_text(chat_id, zone)
    await api.next_message(chat_id)  # time zone set (takes the location keyboard away)
    country = await api.next_message(chat_id)  # country, suggested from the zone
    assert "Which country" in country.text, country.text
    api.press(chat_id, country.button_texts()[0], message_id=country.message_id)
    days_question = await api.next_message(chat_id)
    for day in days:
        api.press(chat_id, day, message_id=days_question.message_id)
        await api.wait_for(lambda d=day: _selected(api, chat_id, days_question.message_id, d))
    api.press(chat_id, "Done ✔️", message_id=days_question.message_id)
    await api.next_message(chat_id)  # run time question
    api.send_text(chat_id, run_time)
    await api.next_message(chat_id)  # "run time set" + tip time question
    api.send_text(chat_id, tip_time)
    risk = await api.next_message(chat_id)  # "tip time set" + the optional health questions
    assert "health questions" in risk.text, risk.text
    api.press(chat_id, "Prefer not to say", message_id=risk.message_id)
    await api.next_message(chat_id)  # summary and confirm buttons
    api.press(chat_id, "✅ Looks good")
    done = await api.next_message(chat_id)
    assert "all set" in done.text, done.text


def _selected(api: FakeBotApi, chat_id: int, message_id: int, day: str) -> bool:
    return f"✅ {day}" in api.message(chat_id, message_id).button_texts()


def runner_row(app: BotApp, chat_id: int) -> dict[str, Any] | None:
    """Read the runner straight from the database file (a second connection, as an admin would)."""
    from bot.storage import runners as runners_db
    from bot.storage import schema

    svc = app.bot_data["services"]
    database = schema.connect(svc.settings.database_path)
    try:
        return runners_db.get_runner_row(database, chat_id)
    finally:
        database.conn.close()

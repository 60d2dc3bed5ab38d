"""Issue 11: erasure that leaves no trace, and a database that is damaged or out of reach.

`/delete` end to end against the local Bot API server (rows, PTB's in-memory conversations and
the bytes of every database file); the command line as a host runs it (`python -m bot ...` in
its own process) on damaged, read-only and unreachable databases: one line, no traceback.
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.config import load_settings
from bot.storage import runners as runners_db
from bot.storage import schema
from bot.storage.store import Store
from bot.telegram.app import BotApp
from bot.telegram.persistence import SqlitePersistence
from bot.testing.botapi import FakeBotApi
from tests.conftest import REPO, TOKEN, BotFactory, FakeClock, onboard
from tests.helpers import command, spawn_bot
from tests.test_checkin_e2e import answer_checkin, toggle
from tests.test_delivery_e2e import add_runners

# A chat id as long as real ones: SQLite stores it in 6 bytes, a pattern no other value makes.
RUNNER = 987_654_321_987
OTHER = 7002
ZONE = "Pacific/Chatham"  # only this runner lives there: their answer, as a marker


def db_files(path: Path) -> bytes:
    """The raw bytes of the database and its WAL and shared-memory files, as on disk."""
    return b"".join(
        Path(f"{path}{suffix}").read_bytes()
        for suffix in ("", "-wal", "-shm")
        if Path(f"{path}{suffix}").exists()
    )


def traces(path: Path) -> list[str]:
    """Which of the runner's distinctive values the database files still hold."""
    data = db_files(path)
    needles = {
        "chat id (integer)": RUNNER.to_bytes(6, "big"),
        "chat id (text)": str(RUNNER).encode(),
        "time zone": ZONE.encode(),
    }
    return [name for name, needle in needles.items() if needle in data]


def rows_about_the_runner(path: Path) -> list[str]:
    """`table.column` for every stored value that is the runner's chat id or contains it."""
    conn = sqlite3.connect(path)
    try:
        found = []
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for column in [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]:
                hit = conn.execute(
                    f'SELECT 1 FROM "{table}" WHERE CAST("{column}" AS TEXT) LIKE ? '
                    f'OR "{column}" = ? LIMIT 1',
                    [f"%{RUNNER}%", ZONE],
                ).fetchone()
                if hit:
                    found.append(f"{table}.{column}")
        return found
    finally:
        conn.close()


async def flushed(app: BotApp, stored: Callable[[], bool], timeout: float = 5.0) -> None:
    """Flush PTB's persistence (as it does every second) until `stored()` holds: the handler
    that answered may still be returning its new state."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        await app.update_persistence()
        if stored():
            return
        assert loop.time() < deadline, "the open conversation was never stored"
        await asyncio.sleep(0.02)  # polling the database, not waiting something out


async def test_delete_mid_conversation_leaves_no_row_and_no_bytes_behind(
    api: FakeBotApi,
    start_bot: BotFactory,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # PTB writes changed conversation states back every second; here only when the test says
    # (and at shutdown), so what is in memory at the erase is known.
    monkeypatch.setattr(SqlitePersistence, "update_interval", property(lambda self: 3600.0))
    path = tmp_path / "bot.db"
    add_runners(api, path, [OTHER], clock())
    api.add_chat(RUNNER)
    app: BotApp
    async with start_bot() as app:
        await onboard(api, RUNNER, zone="Chatham")
        # A check-in: pain, where it goes, a ticked warning sign (URGENT: a hold follows).
        await answer_checkin(api, "4", "Back only", chat_id=RUNNER)
        await toggle(api, "Fever", chat_id=RUNNER)
        await api.wait_for(
            lambda: any("until a clinician" in m.text for m in api.unread(RUNNER)), timeout=5
        )
        api.mark_read(RUNNER)
        await command(api, RUNNER, "/settings")
        await flushed(app, lambda: "conversations.key" in rows_about_the_runner(path))
        assert traces(path), "the test looks for what is really stored"
        # ...and opens it again: PTB now holds a state it has not written yet.
        api.mark_read(RUNNER)
        await command(api, RUNNER, "/settings")

        api.mark_read(RUNNER)
        api.send_command(RUNNER, "/delete")
        ask = await api.wait_for(
            lambda: next((m for m in api.unread(RUNNER) if "Erase everything" in m.text), None),
            timeout=5,
        )
        api.press_data(RUNNER, ask.message_id, "del:yes")
        await api.wait_for(
            lambda: any("everything about you is erased" in m.text for m in api.unread(RUNNER)),
            timeout=5,
        )
        await app.update_persistence()  # what PTB would write back a second later
        assert rows_about_the_runner(path) == []
        assert traces(path) == [], "erased values are still in the database files"
    # Stopping flushes PTB's persistence once more and closes the connection.
    assert rows_about_the_runner(path) == []
    assert traces(path) == []
    database = schema.connect(path)
    try:
        assert runners_db.get_runner_row(database, OTHER) is not None, "others are untouched"
        assert database.execute("PRAGMA secure_delete").fetchone() == (1,)
    finally:
        database.conn.close()


# ---------------------------------------------------------------------------------------------
# The command line on databases it cannot use


def a_real_database(path: Path, runners: int = 300) -> Path:
    """A migrated database with enough rows to span many pages."""
    database = schema.connect(path)
    for chat_id in range(1, runners + 1):
        runners_db.create_runner(database, chat_id, now=0)
    database.conn.close()  # the last connection checkpoints: everything is in the main file
    return path


def garbage_in_the_middle(path: Path) -> Path:
    size = path.stat().st_size
    with path.open("r+b") as file:
        file.seek(size // 2)
        file.write(b"\xa5\x5a" * 4096)
    return path


def truncated(path: Path) -> Path:
    with path.open("r+b") as file:
        file.truncate(path.stat().st_size // 2)
    return path


def not_a_database(path: Path) -> Path:
    path.write_bytes(b"these are not the pages you are looking for\n" * 200)
    return path


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_one_line(stderr: str, *fragments: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


async def run_bot(api: FakeBotApi, tmp_path: Path, database: Path) -> tuple[int, str]:
    """`python -m bot run` with a reachable Bot API: only the database can stop it."""
    process = await spawn_bot(
        api, tmp_path, asyncio.subprocess.PIPE, log_level="WARNING", DATABASE_PATH=str(database)
    )
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, stderr.decode()


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (garbage_in_the_middle, "damaged"),
        (truncated, "damaged"),
        (not_a_database, "damaged (file is not a database)"),
    ],
)
async def test_run_refuses_a_damaged_database_with_one_line(
    api: FakeBotApi, tmp_path: Path, damage: object, problem: str
) -> None:
    assert callable(damage)
    database = damage(a_real_database(tmp_path / "bot.db"))
    code, stderr = await run_bot(api, tmp_path, database)
    assert code == 2, stderr
    assert_one_line(stderr, str(database), problem)
    assert api.count("getUpdates") == 0, "it never started polling"


async def test_run_refuses_a_database_path_it_cannot_create(
    api: FakeBotApi, tmp_path: Path
) -> None:
    a_file = tmp_path / "not-a-directory"
    a_file.write_text("")
    code, stderr = await run_bot(api, tmp_path, a_file / "bot.db")
    assert code == 2, stderr
    assert_one_line(stderr, str(a_file / "bot.db"), "not a directory")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only files and directories")
async def test_run_refuses_a_read_only_database_and_directory(
    api: FakeBotApi, tmp_path: Path
) -> None:
    database = a_real_database(tmp_path / "ro" / "bot.db")
    database.chmod(0o444)
    code, stderr = await run_bot(api, tmp_path, database)
    assert code == 2, stderr
    assert_one_line(stderr, str(database), "not writable")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    code, stderr = await run_bot(api, tmp_path, locked / "sub" / "bot.db")
    assert code == 2, stderr
    assert_one_line(stderr, str(locked / "sub" / "bot.db"), "ermission denied")


def test_stats_and_backup_refuse_a_damaged_database_with_one_line(tmp_path: Path) -> None:
    database = garbage_in_the_middle(a_real_database(tmp_path / "bot.db"))
    for args in (("stats",), ("backup", str(tmp_path / "copy.db"))):
        result = cli(*args, DATABASE_PATH=str(database))
        assert result.returncode == 2, (args, result.stderr)
        assert_one_line(result.stderr, str(database), "damaged")
    assert not (tmp_path / "copy.db").exists()


def test_backup_to_an_impossible_place_says_so_in_one_line(tmp_path: Path) -> None:
    database = a_real_database(tmp_path / "bot.db")
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    targets = [a_file / "copy.db", a_file / "deeper" / "copy.db", tmp_path]
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        targets.append(locked / "copy.db")
    for target in targets:
        result = cli("backup", str(target), DATABASE_PATH=str(database))
        assert result.returncode == 1, (target, result.stderr)
        assert_one_line(result.stderr, f"cannot write the backup to {target}")


def test_the_readme_example_token_has_the_form_the_bot_accepts() -> None:
    readme = (REPO / "README.md").read_text()
    examples = re.findall(r"BOT_TOKEN=([0-9]+:[^\s<>.]+)", readme)
    assert examples, "the README shows an example token"
    for token in examples:
        assert token != TOKEN
        assert "BotFather" in token, "it is obviously an example"
        assert load_settings({"BOT_TOKEN": token}).bot_token == token


# ---------------------------------------------------------------------------------------------
# quick_check after a clean stop


def count_quick_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = schema.run_quick_check

    def counted(db: Any) -> list[str]:
        calls.append(1)
        return real(db)

    monkeypatch.setattr(schema, "run_quick_check", counted)
    monkeypatch.setattr(schema, "_checked", set())  # a new process
    return calls


async def closed_by_the_bot(path: Path) -> Path:
    a_real_database(path)
    store = Store(path)
    await store.run(runners_db.create_runner, 999, now=0)
    await store.close()
    return path


async def test_a_database_the_bot_closed_cleanly_starts_without_a_full_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """quick_check reads the whole file (seconds at a million runners); a file exactly as
    the bot left it at a clean stop is not read again."""
    path = await closed_by_the_bot(tmp_path / "bot.db")
    calls = count_quick_checks(monkeypatch)
    schema.connect(path).conn.close()
    assert calls == []
    # Written by anything else since (here a plain connection): checked again.
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO meta (key, value) VALUES ('x', 'y')")
    conn.commit()
    conn.close()
    monkeypatch.setattr(schema, "_checked", set())
    schema.connect(path).conn.close()
    assert calls == [1]


async def test_damage_after_a_clean_stop_is_still_refused(api: FakeBotApi, tmp_path: Path) -> None:
    database = garbage_in_the_middle(await closed_by_the_bot(tmp_path / "bot.db"))
    code, stderr = await run_bot(api, tmp_path, database)
    assert code == 2, stderr
    assert_one_line(stderr, str(database), "damaged")

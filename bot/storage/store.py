"""The database thread, transactions and time columns.

``Store`` owns the one sqlite3 connection on a dedicated worker thread (sqlite3 connections are
bound to the thread that made them, and keeping queries off the event loop keeps the bot
responsive). Times are stored as integer Unix seconds (UTC): compact, indexable, unambiguous.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import datetime as dt
import functools
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from bot.storage.schema import connect, mark_closed_cleanly

T = TypeVar("T")


def now_ts(now: dt.datetime | None = None) -> int:
    return int((now or dt.datetime.now(dt.UTC)).timestamp())


def from_ts(ts: int | None) -> dt.datetime | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, dt.UTC)


@contextlib.contextmanager
def waiting_at_most(db: Database, milliseconds: int) -> Iterator[Database]:
    """Run a statement that may meet another process's lock with a short busy timeout instead
    of the connection's usual one, then put the usual one back."""
    usual = int(db.execute("PRAGMA busy_timeout").fetchone()[0])
    db.execute(f"PRAGMA busy_timeout={int(milliseconds)}")
    try:
        yield db
    finally:
        db.execute(f"PRAGMA busy_timeout={usual}")


@contextlib.contextmanager
def immediate(db: Database) -> Iterator[Database]:
    """A write transaction that takes the write lock up front (BEGIN IMMEDIATE).

    Two processes claiming the same due rows then serialise cleanly instead of one failing to
    upgrade a read lock; the second sees the first one's committed result.
    """
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


def chunks(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def backup_to(db: Database, target: Path) -> None:
    """A consistent copy of the live database (SQLite's online backup), safe while running."""
    target.parent.mkdir(parents=True, exist_ok=True)
    destination = sqlite3.connect(str(target))
    try:
        db.conn.backup(destination)
    finally:
        destination.close()


class Store:
    """Runs db functions on one dedicated thread that owns the connection.

    The connection is opened lazily on that thread by the first call, so the store can be
    handed to PTB before its event loop runs (persistence loads during ``initialize``).
    """

    def __init__(self, path: Path | str) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="backstride-db")
        self._db: Database | None = None

    def _call(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        if self._db is None:
            self._db = connect(self.path)
        return fn(self._db, *args, **kwargs)

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run ``fn(db, *args, **kwargs)`` on the database thread, in the caller's context (as
        ``asyncio.to_thread`` does): text written there is in the caller's language."""
        call = functools.partial(contextvars.copy_context().run, self._call, fn, args, kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    def _close(self) -> None:
        if self._db is not None:
            self._db.conn.close()
            self._db = None
            # The last connection folded the write-ahead log into the file: a clean close.
            mark_closed_cleanly(self.path)

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, self._close)
        self._executor.shutdown(wait=True)


# Column codecs shared by the runner and content rows


def fmt_time(value: dt.time) -> str:
    return value.strftime("%H:%M")


@functools.lru_cache(maxsize=4096)
def _clock(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def parse_time(text: str | None, default: dt.time) -> dt.time:
    # Cached: the tick parses thousands of rows that share a handful of distinct times.
    return _clock(text) if text else default


@functools.lru_cache(maxsize=256)
def parse_days(text: str | None) -> frozenset[int]:
    return frozenset(int(d) for d in (text or "").split(",") if d != "")

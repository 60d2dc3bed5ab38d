"""Command line: ``python -m bot [run | check-schedules | backup | sandbox | ...]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, configure_logging, load_settings


def _run(_: argparse.Namespace) -> int:
    from bot.app import StartupError, run

    settings = load_settings()
    configure_logging(settings)
    try:
        run(settings)
    except StartupError as exc:
        print(f"backstride: {exc}", file=sys.stderr)
        return 1
    return 0


def _check_schedules(args: argparse.Namespace) -> int:
    from bot.content import check_schedules

    directory = Path(args.dir) if args.dir else load_settings(require_token=False).schedules_dir
    problems = check_schedules(directory)
    for line in problems:
        print(line)
    if problems:
        print(f"{len(problems)} problem(s) in {directory}", file=sys.stderr)
        return 1
    print(f"{directory}: ok")
    return 0


def _backup(args: argparse.Namespace) -> int:
    from bot import db

    settings = load_settings(require_token=False)
    if not settings.database_path.exists():
        print(f"backstride: no database at {settings.database_path}", file=sys.stderr)
        return 1
    database = db.connect(settings.database_path)
    try:
        db.backup_to(database, Path(args.path))
    finally:
        database.conn.close()
    print(f"backed up {settings.database_path} to {args.path}")
    return 0


def _sandbox(args: argparse.Namespace) -> int:
    import asyncio
    import logging

    from bot.sandbox import run_sandbox

    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run_sandbox(Path(args.db) if args.db else None))
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="backstride", description="BackStride: a Telegram bot that keeps runners' backs happy."
    )
    commands = root.add_subparsers(dest="command")
    commands.add_parser("run", help="run the bot (the default)").set_defaults(func=_run)
    check = commands.add_parser("check-schedules", help="validate schedules/ and exit")
    check.add_argument("dir", nargs="?", help="schedules directory (default: SCHEDULES_DIR)")
    check.set_defaults(func=_check_schedules)
    backup = commands.add_parser("backup", help="consistent copy of the database, while running")
    backup.add_argument("path", help="where to write the copy")
    backup.set_defaults(func=_backup)
    sandbox = commands.add_parser(
        "sandbox", help="chat with the bot in this terminal (no token, no internet)"
    )
    sandbox.add_argument("--db", help="keep the sandbox database at this path")
    sandbox.set_defaults(func=_sandbox)
    root.set_defaults(func=_run)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"backstride: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())

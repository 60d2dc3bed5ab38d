"""Command line: ``python -m bot [run | check-schedules [DIR]]``."""

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


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="backstride", description="BackStride: a Telegram bot that keeps runners' backs happy."
    )
    commands = root.add_subparsers(dest="command")
    commands.add_parser("run", help="run the bot (the default)").set_defaults(func=_run)
    check = commands.add_parser("check-schedules", help="validate schedules/ and exit")
    check.add_argument("dir", nargs="?", help="schedules directory (default: SCHEDULES_DIR)")
    check.set_defaults(func=_check_schedules)
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

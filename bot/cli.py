"""Command line: ``python -m bot [run | check-schedules | backup | sandbox | ...]``."""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from bot.config import ConfigError, Settings, configure_logging, load_settings
from bot.storage import schema
from bot.storage.schema import DatabaseUnusable


def _run(_: argparse.Namespace) -> int:
    from bot.telegram.app import StartupError, run

    settings = load_settings()
    configure_logging(settings)
    _check_database(settings.database_path)
    try:
        run(settings)
    except StartupError as exc:
        print(f"backstride: {exc}", file=sys.stderr)
        return 1
    return 0


def _check_schedules(args: argparse.Namespace) -> int:
    from bot.core import i18n
    from bot.core.content import ContentError, load_schedules

    directory = Path(args.dir) if args.dir else load_settings(require_token=False).schedules_dir
    try:
        library = load_schedules(directory)
    except ContentError as exc:
        for line in exc.errors:
            print(line)
        print(f"{len(exc.errors)} problem(s) in {directory}", file=sys.stderr)
        return 1
    # A tip missing in a language is sent in English there: worth knowing, not an error.
    gaps = library.translation_gaps([lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT])
    for line in gaps:
        print(line)
    note = f" ({len(gaps)} tip translation(s) missing: sent in English)" if gaps else ""
    print(f"{directory}: ok{note}")
    return 0


def _catalogs(args: argparse.Namespace) -> int:
    """``extract``: the code's marked strings into bot/locales/messages.pot, merged into each
    shipped language's .po (new ones empty, changed ones fuzzy, for a translator to do);
    ``check``: exit non-zero on any missing, fuzzy or broken translation."""
    from bot.core import catalogs, i18n

    package = Path(__file__).resolve().parent
    if args.action == "check":
        problems = catalogs.check_catalogs(package)
        for line in problems:
            print(line)
        if problems:
            print(f"{len(problems)} problem(s) in the catalogs", file=sys.stderr)
            return 1
        print(f"catalogs: ok ({', '.join(i18n.LANGUAGES)})")
        return 0
    from babel.messages.frontend import CommandLineInterface

    locales = package / "locales"
    template = locales / f"{i18n.DOMAIN}.pot"
    keywords = [
        f"-k{k}" if spec is None else f"-k{k}:{','.join(map(str, spec))}"
        for k, spec in catalogs.KEYWORDS.items()
    ]
    babel: Any = CommandLineInterface()  # Babel's own command line, untyped
    with contextlib.chdir(package.parent):
        babel.run(
            [
                "pybabel",
                "-q",
                "extract",
                "-F",
                str(locales / "babel.cfg"),
                *keywords,
                "-c",
                catalogs.COMMENT_TAG,
                "--add-location=file",
                "--sort-by-file",
                "--project=BackStride",
                "-o",
                str(template),
                "bot",
            ]
        )
        for language in i18n.LANGUAGES:
            if language == i18n.DEFAULT:
                continue
            action = "update" if (locales / language).is_dir() else "init"
            extra = ["--ignore-obsolete"] if action == "update" else []
            babel.run(
                [
                    "pybabel",
                    "-q",
                    action,
                    "-i",
                    str(template),
                    "-d",
                    str(locales),
                    "-l",
                    language,
                    "-D",
                    i18n.DOMAIN,
                    *extra,
                ]
            )
    print(f"{template.relative_to(package.parent)}: extracted; run `catalogs check` next")
    return 0


class _NoDatabase(Exception):
    pass


def _check_database(path: Path) -> None:
    """Open the database once before anything starts: a damaged, read-only or unreachable file
    is refused with one line (DatabaseUnusable) instead of failing every tick later."""
    schema.connect(path).conn.close()


@contextlib.contextmanager
def _existing_database() -> Iterator[tuple[Settings, Database]]:
    """The database at DATABASE_PATH, which must exist already (these commands never create it)."""
    settings = load_settings(require_token=False)
    if not settings.database_path.exists():
        raise _NoDatabase(f"no database at {settings.database_path}")
    database = schema.connect(settings.database_path)
    try:
        yield settings, database
    finally:
        database.conn.close()


def _backup(args: argparse.Namespace) -> int:
    from bot.storage import store

    target = Path(args.path)
    with _existing_database() as (settings, database):
        try:
            store.backup_to(database, target)
        except (OSError, sqlite3.Error) as exc:
            reason = schema.reason_of(exc)
            print(f"backstride: cannot write the backup to {target}: {reason}", file=sys.stderr)
            return 1
    print(f"backed up {settings.database_path} to {args.path}")
    return 0


def _export_schedules(args: argparse.Namespace) -> int:
    from bot.core.content import check_schedules
    from bot.services import admin

    try:
        with _existing_database() as (settings, database):
            written = admin.export_schedules(database, Path(args.dir))
    except OSError as exc:
        print(f"backstride: cannot write to {args.dir}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    problems = check_schedules(Path(args.dir))
    for line in problems:
        print(line)
    if problems:
        print(
            f"backstride: exported, but {len(problems)} problem(s) in {args.dir}", file=sys.stderr
        )
        return 1
    print(f"exported {len(written)} file(s) from {settings.database_path} to {args.dir}")
    return 0


def _stats(_: argparse.Namespace) -> int:
    """The admin's counts, for a host's shell or monitoring (counts only, never answers)."""
    import datetime as dt

    from bot.services import admin

    with _existing_database() as (_settings, database):
        figures = admin.stats(database, dt.datetime.now(dt.UTC))
    for status, count in sorted(figures.runners.items()):
        print(f"runners_{status}: {count}")
    for language, count in figures.languages.items():
        print(f"runners_subscribed_{language}: {count}")
    print(f"reminders_sent_today: {figures.sent_today}")
    print(f"reminders_sent_week: {figures.sent_week}")
    print(f"reminders_dropped_today: {figures.dropped_today}")
    print(f"reminders_dropped_week: {figures.dropped_week}")
    print(f"checkins_answered_week: {figures.checkins_week}")
    for level, count in sorted(figures.escalations_week.items()):
        print(f"escalations_level_{level}_week: {count}")
    rate = figures.done_rate
    print(f"done_rate_week: {'n/a' if rate is None else f'{rate:.0%}'}")
    return 0


def _sandbox(args: argparse.Namespace) -> int:
    import asyncio

    from bot.telegram.sandbox import run_sandbox

    # Log lines go to a file in the files folder (run_sandbox), never into the chat.
    if args.db:
        _check_database(Path(args.db))
    files = Path(args.files) if args.files else None
    database = Path(args.db) if args.db else None
    asyncio.run(run_sandbox(database, files=files, language=args.language))
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
    export = commands.add_parser(
        "export-schedules", help="write the live plan and tips to DIR as YAML, like schedules/"
    )
    export.add_argument("dir", help="where to write plan.yaml and tips/")
    export.set_defaults(func=_export_schedules)
    commands.add_parser("stats", help="print the admin counts").set_defaults(func=_stats)
    catalog = commands.add_parser(
        "catalogs", help="translations: extract the strings, or check every language"
    )
    catalog.add_argument("action", choices=("extract", "check"))
    catalog.set_defaults(func=_catalogs)
    sandbox = commands.add_parser(
        "sandbox", help="chat with the bot in this terminal (no token, no internet)"
    )
    sandbox.add_argument("--db", help="keep the sandbox database at this path")
    sandbox.add_argument(
        "--files",
        help="save the photos and documents the bot sends, and the log, here "
        "(default: ./sandbox-files, made when needed)",
    )
    sandbox.add_argument(
        "--language",
        help="the language your Telegram app is set to (es, ru...; default en), as /start sees it",
    )
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
    except _NoDatabase as exc:
        print(f"backstride: {exc}", file=sys.stderr)
        return 1
    except DatabaseUnusable as exc:
        print(f"backstride: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())

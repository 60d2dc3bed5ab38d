"""The schema as frozen migration history, and opening a database fully migrated.

A released migration never changes: every schema change is a new ``mNNN_`` function below
(tests/test_migrations.py upgrades a database built by each earlier schema).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("backstride")


@migrations()
def m001_initial(db: Database) -> None:
    db.table("runners").create(
        {
            "chat_id": int,
            "timezone": str,
            "run_days": str,  # comma-separated weekdays, 0 = Monday
            "run_time": str,  # HH:MM local
            "tip_time": str,  # HH:MM local
            "status": str,
            "paused_until": int,
            "checkin_delay": int,  # minutes after the run; NULL = the plan's default
            "summary_day": int,  # weekday of the weekly summary, 0 = Monday
            "running_paused": int,
            "language": str,
            "onboarding_step": str,  # the question an unfinished onboarding is waiting on
            "created_at": int,
            "updated_at": int,
        },
        pk="chat_id",
        not_null={"status", "created_at", "updated_at"},
        defaults={
            "status": "onboarding",
            "summary_day": 6,
            "running_paused": 0,
            "language": "en",
            "run_days": "",
        },
    )
    db.table("runners").create_index(["status"])
    db.table("slots").create(
        {
            "id": str,
            "title": str,
            "kind": str,
            "categories": str,  # JSON list
            "anchor_kind": str,
            "anchor_offset": int,
            "anchor_time": str,
            "days_kind": str,
            "weekdays": str,  # comma-separated, for days_kind = weekdays
            "weekly": int,
            "enabled": int,
            "position": int,
            "updated_by": int,  # admin user id, NULL when it came from the files
            "updated_at": int,
        },
        pk="id",
    )
    db.table("tips").create(
        {
            "id": str,
            "category": str,
            "title": str,
            "body": str,
            "why": str,
            "source": str,
            "active": int,
            "version": int,
            "updated_by": int,
            "updated_at": int,
        },
        pk="id",
    )
    db.table("tips").create_index(["category", "active"])
    # One row per runner and slot; next_due is NULL while the slot never fires for the runner
    # (e.g. a rest-day slot for someone who runs every day), so "no row" means "never planned".
    db.table("schedule").create(
        {"runner_id": int, "slot_id": str, "next_due": int},
        pk=("runner_id", "slot_id"),
    )
    db.table("schedule").create_index(["next_due"])
    db.table("schedule").create_index(["slot_id"])
    db.table("deliveries").create(
        {
            "id": int,
            "runner_id": int,
            "slot_id": str,
            "due": int,
            "kind": str,  # tip / check_in / announcement / escalation
            "priority": int,  # lower goes first: 0 escalation, 5 reminder, 8 announcement
            "tip_id": str,
            "payload": str,  # JSON for kinds without a tip
            "status": str,  # pending / sending / sent / failed / dropped
            "attempts": int,
            "not_before": int,
            "message_id": int,
            "reason": str,
            "lease_owner": str,  # the process sending it right now (status = sending)
            "created_at": int,
            "sent_at": int,
            "done_at": int,  # the runner tapped "Done"
        },
        pk="id",
        not_null={"runner_id", "slot_id", "due", "status"},
        defaults={"status": "pending", "attempts": 0, "priority": 5, "not_before": 0},
    )
    # A slot can never be sent twice for the same instant: claiming is an INSERT OR IGNORE.
    db.table("deliveries").create_index(["runner_id", "slot_id", "due"], unique=True)
    db.execute(
        "CREATE INDEX idx_deliveries_pending ON deliveries (priority, not_before, id) "
        "WHERE status = 'pending'"
    )
    db.table("rotation").create(
        {"runner_id": int, "key": str, "n": int}, pk=("runner_id", "key"), not_null={"n"}
    )
    db.table("checkins").create(
        {
            "id": int,
            "runner_id": int,
            "delivery_id": int,  # the outbox row that asked (its buttons carry this id)
            "day": str,  # the runner's local date of the question, YYYY-MM-DD
            "asked_at": int,
            "answered_at": int,
            "step": str,  # pain / where / unusual / flags / done
            "pain": int,
            "radiation": str,
            "red_flags": str,  # JSON list of RedFlag values
            "level": int,
            "reasons": str,  # JSON list
            "escalated_at": int,  # when an emergency message went out mid-checklist
            "status": str,  # open / answered / skipped / unanswered
        },
        pk="id",
    )
    db.table("checkins").create_index(["delivery_id"], unique=True)
    db.table("checkins").create_index(["runner_id", "day"])
    # The tick's expiry sweep looks only at open check-ins and recently sent questions.
    db.execute("CREATE INDEX idx_checkins_open ON checkins (asked_at) WHERE status = 'open'")
    db.execute(
        "CREATE INDEX idx_deliveries_checkin_sent ON deliveries (sent_at) "
        "WHERE kind = 'check_in' AND status = 'sent'"
    )
    db.table("audit").create(
        {
            "id": int,
            "admin_id": int,
            "at": int,
            "action": str,
            "target": str,
            "before": str,  # JSON
            "after": str,  # JSON
        },
        pk="id",
    )
    db.table("audit").create_index(["at"])
    db.table("conversations").create(
        {"name": str, "key": str, "state": str}, pk=("name", "key"), not_null={"state"}
    )
    db.table("meta").create({"key": str, "value": str}, pk="key")


@migrations()
def m002_clinical_safety(db: Database) -> None:
    """The clinical safety issue: the country (for the number to call), the risk profile, the
    escalation hold with its daily follow-up, and what a check-in already told the runner."""
    runners = db.table("runners")
    runners.add_column("country", str)  # ISO 3166 alpha-2; "" = asked, not given; NULL = not asked
    runners.add_column("age_band", str)  # under_20 / 20_50 / over_50; NULL = not given
    runners.add_column("risk_factors", str)  # JSON list of RiskFactor values; NULL = not asked
    runners.add_column("risk_declined", int, not_null_default=0)  # "prefer not to say"
    runners.add_column("hold_level", int, not_null_default=0)  # triage Level of the hold
    runners.add_column("exercise_hold", int, not_null_default=0)  # after URGENT / EMERGENCY
    runners.add_column("follow_up_at", int)  # next daily follow-up; NULL = none
    runners.add_column("follow_ups_sent", int, not_null_default=0)
    db.execute(
        "CREATE INDEX idx_runners_follow_up ON runners (follow_up_at) "
        "WHERE follow_up_at IS NOT NULL"
    )
    checkins = db.table("checkins")
    checkins.add_column("told_level", int)  # the most urgent verdict already sent for it
    checkins.add_column("last_press_at", int)
    checkins.add_column("no_run", int, not_null_default=0)  # "didn't run": the back was why
    checkins.add_column("closed_by", str)  # runner / sweep (verdict sent for an unfinished one)


@migrations()
def m003_scale(db: Database) -> None:
    """A million runners on one box: work that follows what changed, not history.

    * Start-up checks only the runners changed since its last check for a missing schedule
      (a crash between saving a profile and planning it), not every runner against every slot.
    * The unfinished-check-in sweep reads only check-ins that fell quiet since its last pass.
    * Verdict totals for /metrics are kept as they are given, not counted over all check-ins
      at every scrape; the history so far is counted once, here.
    * Start and stop find the rows being sent (to hand them back) through their own index,
      not a scan of the whole outbox (a second on a month of rows)."""
    db.execute("CREATE INDEX idx_runners_updated ON runners (updated_at)")
    db.execute(
        "CREATE INDEX idx_deliveries_sending ON deliveries (lease_owner) WHERE status = 'sending'"
    )
    db.execute("CREATE INDEX idx_checkins_quiet ON checkins (last_press_at) WHERE status = 'open'")
    db.table("verdict_totals").create({"level": int, "n": int}, pk="level", not_null={"n"})
    db.execute(
        "INSERT INTO verdict_totals (level, n) SELECT level, COUNT(*) FROM checkins "
        "WHERE status = 'answered' AND level IS NOT NULL GROUP BY level"
    )


@migrations()
def m004_programme(db: Database) -> None:
    """A programme, not a tip feed (issue 13): exercise families with levels per runner, a
    weekly strength goal, education sent once each in order, and the return-to-run plan.

    * ``tips`` gain ``family`` and ``level`` (a progression line such as plank -> side plank)
      and ``position``, the order in the file (beginner to harder), which "Another tip" and the
      rotation follow. Existing tips keep their id order until the next import.
    * ``runners`` gain the weekly strength goal, the weekly chart opt-out and the
      return-to-run state (the step, and the step waiting for the next morning's answer).
    * ``runner_levels`` is each runner's level per family; ``programme_events`` the history of
      changes (the weekly summary reports them); ``education_sent`` which "why" messages a
      runner already had (kept beyond the outbox's retention, so none comes twice)."""
    tips = db.table("tips")
    tips.add_column("family", str)  # NULL: not part of a progression
    tips.add_column("level", int)
    tips.add_column("position", int, not_null_default=0)
    db.execute(
        "UPDATE tips SET position = (SELECT COUNT(*) FROM tips AS earlier "
        "WHERE earlier.category = tips.category AND earlier.id < tips.id)"
    )
    runners = db.table("runners")
    runners.add_column("strength_goal", int, not_null_default=2)  # sessions a week, 2 or 3
    runners.add_column("weekly_chart", int, not_null_default=1)  # the summary's picture
    runners.add_column("return_step", int)  # NULL: not on the return-to-run plan
    runners.add_column("return_awaiting", int)  # a step run at 3/10 or less, settled tomorrow?
    runners.add_column("return_offered_at", int)  # the last offer of the plan
    db.table("runner_levels").create(
        {
            "runner_id": int,
            "family": str,
            "level": int,
            "streak": int,  # sessions Done at this level with a quiet back
            "previous": int,  # the level before the last change, until a session shows it
            "changed_at": int,
        },
        pk=("runner_id", "family"),
        not_null={"level", "streak"},
        defaults={"streak": 0},
    )
    db.table("programme_events").create(
        {
            "id": int,
            "runner_id": int,
            "at": int,
            "kind": str,  # up / hold / back (a family), return_up / return_back / return_done
            "family": str,  # NULL for the return-to-run plan
            "from_level": int,
            "to_level": int,
            "reason": str,
        },
        pk="id",
        not_null={"runner_id", "at", "kind"},
    )
    db.table("programme_events").create_index(["runner_id", "at"])
    db.table("education_sent").create(
        {"runner_id": int, "tip_id": str, "at": int}, pk=("runner_id", "tip_id")
    )


@migrations()
def m005_languages(db: Database) -> None:
    """Runners in their own language (issue 15).

    * ``tip_texts`` holds each tip's words in the other languages (``schedules/tips/<lang>/``),
      keyed by tip id and language; the rest of a tip is its English row's. Existing installs
      get them from the files at the next start (``services.runtime``) or re-import.
    * ``runners.language`` had Telegram's tag as it came (``es-419``, ``pt-br``); it now holds
      the language BackStride writes to the runner in, one of the shipped ones (English for
      the rest, as before)."""
    db.table("tip_texts").create(
        {"tip_id": str, "language": str, "title": str, "body": str, "why": str},
        pk=("tip_id", "language"),
        not_null={"title", "body"},
    )
    db.execute(
        "UPDATE runners SET language = CASE "
        "WHEN lower(language) = 'es' OR lower(language) LIKE 'es-%' "
        "OR lower(language) LIKE 'es\\_%' ESCAPE '\\' THEN 'es' "
        "WHEN lower(language) = 'ru' OR lower(language) LIKE 'ru-%' "
        "OR lower(language) LIKE 'ru\\_%' ESCAPE '\\' THEN 'ru' "
        "ELSE 'en' END"
    )


class DatabaseUnusable(Exception):
    """The database cannot be opened, written or trusted; the message is one line that names
    the path and the problem (for the host: no traceback)."""


# Files that passed quick_check in this process, by identity: the CLI checks before it starts
# the bot and the database thread opens the same file again a moment later.
_checked: set[tuple[str, int, int, int, int]] = set()


def _identity(path: Path) -> tuple[str, int, int, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (str(path.resolve()), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


def reason_of(exc: BaseException) -> str:
    """A short, host-readable reason for a failed file or SQLite operation."""
    if isinstance(exc, FileExistsError | NotADirectoryError):
        return "a parent of it is a file, not a directory"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc) or type(exc).__name__


def _damaged(path: Path | str, detail: str) -> DatabaseUnusable:
    return DatabaseUnusable(f"the database {path} is damaged ({detail}): restore it from a backup")


# Beside the database: the file's identity when the bot last closed it cleanly (WAL folded in).
CLEAN_MARK_SUFFIX = ".clean"


def _clean_mark(path: Path) -> Path:
    return path.with_name(path.name + CLEAN_MARK_SUFFIX)


def mark_closed_cleanly(path: Path | str) -> None:
    """Called after the bot's last connection closed: the next start may skip quick_check
    while the file is exactly as it was left (same inode, size and modification time, no
    write-ahead log). Any write since, a crash, a restored backup or a copied file changes
    that, and the check runs."""
    if str(path) == ":memory:":
        return
    identity = _identity(Path(path))
    if identity is None or _wal_has_content(Path(path)):
        return
    with contextlib.suppress(OSError):  # no mark: only a slower next start
        _clean_mark(Path(path)).write_text(json.dumps(identity[1:]), encoding="utf-8")


def _wal_has_content(path: Path) -> bool:
    try:
        return path.with_name(path.name + "-wal").stat().st_size > 0
    except FileNotFoundError:
        return False


def _closed_cleanly(path: Path, identity: tuple[str, int, int, int, int]) -> bool:
    try:
        marked = json.loads(_clean_mark(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return marked == list(identity[1:]) and not _wal_has_content(path)


def run_quick_check(db: Database) -> list[str]:
    return [row[0] for row in db.execute("PRAGMA quick_check").fetchall()]


def _quick_check(db: Database, path: Path | str) -> None:
    """PRAGMA quick_check: about 0.25 s for 100k runners (64 MB), linear in the file size
    (seconds at a million runners), so it is skipped for a file the bot closed cleanly and
    nothing has touched since (``mark_closed_cleanly``)."""
    identity = None if str(path) == ":memory:" else _identity(Path(path))
    if identity is not None and (identity in _checked or _closed_cleanly(Path(path), identity)):
        _checked.add(identity)
        return
    problems = run_quick_check(db)
    if problems != ["ok"]:
        first = " ".join(str(problems[0]).split()) if problems else "no answer"
        raise _damaged(path, f"quick_check: {first[:200]}")
    if identity is not None:
        _checked.add(identity)


@contextlib.contextmanager
def reader(path: Path | str) -> Iterator[Database]:
    """A read-only connection of its own, for reports that read many rows (the console's
    dashboard): in WAL mode it never blocks the bot's writer, and sqlite3 releases the GIL
    while it steps, so neither the database thread nor the event loop waits for it."""
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        yield Database(conn)
    finally:
        conn.close()


def connect(path: Path | str, *, check: bool = True) -> Database:
    """Open (creating if needed) the database at `path`, in WAL mode, fully migrated.

    With `check`, an existing file must pass SQLite's quick_check and take a write lock.
    Anything that makes the database unusable (a missing or unwritable directory, a read-only,
    truncated or garbage file) raises DatabaseUnusable with one line naming the path.
    """
    memory = str(path) == ":memory:"
    try:
        if not memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=30)
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseUnusable(f"cannot open the database {path}: {reason_of(exc)}") from None
    db = Database(conn)
    try:
        db.execute("PRAGMA busy_timeout=30000")
        # Erased rows are overwritten with zeros, not just unlinked (some builds default to it).
        db.execute("PRAGMA secure_delete=ON")
        if check:
            _quick_check(db, path)
        if not memory:
            db.enable_wal()
        # NORMAL is durable across application crashes in WAL mode (only an OS crash can lose
        # the last transactions) and much faster than FULL.
        db.execute("PRAGMA synchronous=NORMAL")
        migrations.apply(db)
        if check and not memory:
            # A read-only file opens and reads fine; find out now, not at the first write.
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
    except DatabaseUnusable:
        conn.close()
        raise
    except sqlite3.Error as exc:
        conn.close()
        reason = reason_of(exc)
        if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
            raise _damaged(path, reason) from None  # SQLITE_CORRUPT, SQLITE_NOTADB
        if "readonly" in reason or "read-only" in reason:
            reason = f"{reason} (the file or its directory is not writable)"
        raise DatabaseUnusable(f"cannot use the database {path}: {reason}") from None
    return db

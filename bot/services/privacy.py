"""/mydata and /delete: a runner's copy of everything stored about them, and erasing it.

The copy is a short message saying what is stored, and a JSON document with all of it in
readable form: sections with plain names, answers by their labels (the words the runner
tapped), every time in ISO 8601 in the runner's own time zone with its offset, and none of
the bookkeeping columns the bot keeps for itself (leases, retry counts, queue priorities...).
Nothing the runner told us or we sent them is left out: a column this module does not know
is exported under its own name, and a table added to ``runners_db.RUNNER_TABLES`` appears as
a section of its own.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlite_utils import Database

from bot.core import advice, i18n, texts
from bot.core.emergency import country_name
from bot.core.i18n import gettext as _
from bot.core.i18n import ngettext
from bot.core.triage import Level, Radiation, RedFlag, RiskFactor
from bot.storage import runners as runners_db

# Bookkeeping, not data about the runner: dropped from every section.
INTERNAL_COLUMNS: Final = frozenset(
    {
        "runner_id",  # the whole file is about one runner
        "lease_owner",
        "attempts",
        "not_before",
        "priority",
        "onboarding_step",
        "message_id",
        "step",  # where an open check-in's questions are
        "told_level",
        "last_press_at",
        "closed_by",
        "delivery_id",
        "id",
    }
)
# Integer columns that hold Unix times (besides any name ending in "_at").
_TIME_COLUMNS: Final = frozenset({"due", "next_due", "paused_until", "at"})

# Each table's section name and its columns' readable names (in this order; columns not
# named here follow under their own names).
SECTIONS: Final[Mapping[str, str]] = {
    "checkins": "check_ins",
    "deliveries": "reminders_and_messages",
    "schedule": "schedule",
    "rotation": "tip_rotation",
    "runner_levels": "programme_levels",
    "programme_events": "programme_history",
    "education_sent": "education_sent",
}
_COLUMNS: Final[Mapping[str, Mapping[str, str]]] = {
    "runners": {
        "chat_id": "telegram_chat_id",
        "status": "status",
        "timezone": "time_zone",
        "country": "country",
        "run_days": "running_days",
        "run_time": "usual_run_time",
        "tip_time": "daily_tip_time",
        "checkin_delay": "check_in_minutes_after_run",
        "summary_day": "weekly_summary_day",
        "weekly_chart": "weekly_chart",
        "strength_goal": "strength_sessions_per_week",
        "paused_until": "reminders_paused_until",
        "running_paused": "running_paused",
        "language": "language",
        "age_band": "age_band",
        "risk_factors": "health_profile",
        "risk_declined": "health_profile_declined",
        "hold_level": "escalation_hold",
        "exercise_hold": "exercise_on_hold",
        "follow_up_at": "next_follow_up",
        "follow_ups_sent": "follow_ups_sent",
        "return_step": "return_to_run_step",
        "return_awaiting": "return_to_run_step_awaiting_answer",
        "return_offered_at": "return_to_run_last_offered",
        "created_at": "with_backstride_since",
        "updated_at": "settings_last_changed",
    },
    "checkins": {
        "day": "day",
        "status": "status",
        "asked_at": "asked",
        "answered_at": "answered",
        "no_run": "ran",
        "pain": "pain",
        "radiation": "where",
        "red_flags": "warning_signs",
        "level": "verdict",
        "reasons": "reasons",
        "escalated_at": "emergency_message_sent",
    },
    "deliveries": {
        "kind": "kind",
        "slot_id": "reminder",
        "tip_id": "tip_id",
        "payload": "message",
        "status": "status",
        "reason": "reason",
        "due": "due",
        "created_at": "queued",
        "sent_at": "sent",
        "done_at": "marked_done",
    },
    "schedule": {"slot_id": "reminder", "next_due": "next_due"},
    "rotation": {"key": "tips_of", "n": "sent"},
    "runner_levels": {
        "family": "exercise",
        "level": "level",
        "streak": "streak",
        "changed_at": "changed",
    },
    "programme_events": {
        "at": "when",
        "kind": "kind",
        "family": "exercise",
        "from_level": "from_level",
        "to_level": "to_level",
        "reason": "reason",
    },
    "education_sent": {"tip_id": "tip_id", "at": "sent"},
}


@dataclass(frozen=True)
class MyData:
    """/mydata's reply: the summary message (Telegram HTML) and the JSON document."""

    summary: str
    document: bytes


def _zone(name: object) -> ZoneInfo:
    try:
        return ZoneInfo(str(name)) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _iso(value: object, zone: ZoneInfo) -> object:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return dt.datetime.fromtimestamp(int(value), zone).isoformat()


def _json_list(value: object) -> list[Any]:
    if not value:
        return []
    try:
        found = json.loads(str(value))
    except ValueError:
        return [value]
    return found if isinstance(found, list) else [found]


def _label(labels: Mapping[Any, str], kind: Callable[[Any], Any], value: object) -> object:
    try:
        return labels[kind(value)]
    except (KeyError, ValueError):
        return value


def _level_words(value: object) -> object:
    try:
        return Level(int(str(value))).name.lower().replace("_", " ")
    except ValueError:
        return value


def _day_names(value: object) -> list[str]:
    days = [int(d) for d in str(value or "").split(",") if d.strip().isdigit()]
    return [i18n.weekday_name(d, "abbreviated") for d in sorted(days) if 0 <= d < 7]


def _settings_value(column: str, value: object) -> object:
    if value is None:
        return None
    if column == "status":
        return texts.T.STATUS_LABELS.get(str(value), value)
    if column == "country":
        return {"code": value, "name": country_name(str(value))} if value else value
    if column == "run_days":
        return _day_names(value)
    if column == "summary_day":
        day = int(str(value)) if str(value).isdigit() else -1
        return i18n.weekday_name(day, "abbreviated") if 0 <= day < 7 else value
    if column == "age_band":
        return texts.T.AGE_BAND_LABELS.get(str(value), value)
    if column == "risk_factors":
        return [_label(advice.T.RISK_FACTOR_LABELS, RiskFactor, v) for v in _json_list(value)]
    if column == "hold_level":
        return _level_words(value) if value else "none"
    if column in {"running_paused", "risk_declined", "exercise_hold", "weekly_chart"}:
        return bool(value)
    return value


def _checkin_value(column: str, value: object) -> object:
    if column == "no_run":
        return not value
    if value is None:
        return None
    if column == "radiation":
        return _label(advice.T.RADIATION_LABELS, Radiation, value)
    if column == "red_flags":
        return [_label(advice.T.RED_FLAG_LABELS, RedFlag, v) for v in _json_list(value)]
    if column == "level":
        return _level_words(value)
    if column == "reasons":
        return _json_list(value)
    return value


def _delivery_value(column: str, value: object) -> object:
    if column == "payload" and value:
        try:
            found = json.loads(str(value))
        except ValueError:
            return value
        if isinstance(found, dict):
            found = {k: v for k, v in found.items() if k != "buttons"}
            return found.get("text", found) if set(found) <= {"text"} else found
        return found
    return value


def _as_is(column: str, value: object) -> object:
    return value


_VALUES: Final[Mapping[str, Callable[[str, object], object]]] = {
    "runners": _settings_value,
    "checkins": _checkin_value,
    "deliveries": _delivery_value,
}


def _readable(
    table: str, row: Mapping[str, Any], zone: ZoneInfo, titles: Mapping[str, str]
) -> dict[str, Any]:
    names = _COLUMNS.get(table, {})
    convert = _VALUES.get(table, _as_is)
    out: dict[str, Any] = {}
    ordered = [c for c in names if c in row] + [c for c in row if c not in names]
    for column in ordered:
        if column in INTERNAL_COLUMNS:
            continue
        value = row[column]
        if column.endswith("_at") or column in _TIME_COLUMNS:
            value = _iso(value, zone)
        else:
            value = convert(column, value)
        out[names.get(column, column)] = value
        if column == "tip_id" and value:
            out["tip_title"] = titles.get(str(value))
    return out


def export_document(data: Mapping[str, Any], *, now: dt.datetime) -> dict[str, Any]:
    """The readable JSON document from ``runners_db.runner_export``'s data."""
    settings = data["settings"]
    zone = _zone(settings.get("timezone"))
    titles = data.get("tip_titles") or {}
    document: dict[str, Any] = {
        "about": _(
            "Everything BackStride stores about you. Times are in your time zone "
            "({zone}), in ISO 8601 with the offset from UTC."
        ).format(zone=zone.key),
        "exported": now.astimezone(zone).isoformat(timespec="seconds"),
        "settings": _readable("runners", settings, zone, titles),
    }
    for table in runners_db.RUNNER_TABLES:
        rows = data.get(table) or []
        document[SECTIONS.get(table, table)] = [_readable(table, row, zone, titles) for row in rows]
    return document


def _since(settings: Mapping[str, Any]) -> str | None:
    created = settings.get("created_at")
    if not created:
        return None
    day = dt.datetime.fromtimestamp(int(created), _zone(settings.get("timezone"))).date()
    return i18n.date_label(day, "yMMMd")


def summary_text(data: Mapping[str, Any]) -> str:
    """The short message sent with the document (Telegram HTML)."""
    settings = data["settings"]
    days = _day_names(settings.get("run_days"))
    checkins = data.get("checkins") or []
    answered = sum(1 for c in checkins if c.get("status") == "answered")
    sent = sum(1 for d in data.get("deliveries") or [] if d.get("sent_at"))
    lines = [_("📦 <b>What BackStride stores about you</b>")]
    zone = html.escape(str(settings.get("timezone") or texts.T.NOT_SET))
    setting_bits = [
        # Translators: items of the "⚙️ Settings:" line of /mydata, joined with ", ".
        _("time zone {zone}").format(zone=zone),
        # Translators: {days} is a list of weekdays ("Mon, Wed, Fri") or "none".
        _("runs on {days}").format(days=", ".join(days) if days else texts.T.DAYS_LABEL_NONE),
    ]
    if settings.get("run_time"):
        setting_bits.append(
            # Translators: the usual run time; {time} is like 07:30.
            _("usually at {time}").format(time=html.escape(str(settings["run_time"])))
        )
    if settings.get("tip_time"):
        setting_bits.append(
            _("daily tip at {time}").format(time=html.escape(str(settings["tip_time"])))
        )
    # Translators: {settings} is a list of items ("time zone Europe/Berlin, runs on Mon, Wed").
    lines.append(_("⚙️ Settings: {settings}").format(settings=", ".join(setting_bits)))
    if settings.get("risk_factors") is not None or settings.get("risk_declined"):
        lines.append(_("🧾 Your health-profile answers"))
    lines.append(
        # Translators: {answered} is how many of the {n} check-ins were answered.
        ngettext(
            "🩺 {n} check-in ({answered} answered)",
            "🩺 {n} check-ins ({answered} answered)",
            len(checkins),
        ).format(n=len(checkins), answered=answered)
    )
    lines.append(
        ngettext(
            "💡 {n} reminder or message sent", "💡 {n} reminders and messages sent", sent
        ).format(n=sent)
    )
    levels = len(data.get("runner_levels") or [])
    if levels:
        lines.append(
            ngettext(
                "💪 Your level in {n} exercise", "💪 Your level in {n} exercises", levels
            ).format(n=levels)
        )
    since = _since(settings)
    if since:
        # Translators: {since} is a date, like "3 Dec 2024".
        lines.append(_("📅 With BackStride since {since}").format(since=since))
    lines.append(
        "\n"
        + _(
            "All of it is in the file below, with times in your time zone. "
            "/delete erases everything."
        )
    )
    return "\n".join(lines)


def my_data(database: Database, chat_id: int, *, now: dt.datetime) -> MyData | None:
    """/mydata: the summary and the document; None if nothing is stored."""
    data = runners_db.runner_export(database, chat_id)
    if data is None:
        return None
    document = export_document(data, now=now)
    body = json.dumps(document, indent=2, ensure_ascii=False, default=str).encode()
    return MyData(summary=summary_text(data), document=body)


def has_data(database: Database, chat_id: int) -> bool:
    return runners_db.runner_exists(database, chat_id)


def erase(database: Database, chat_id: int) -> int:
    """Delete every row about the runner, in one transaction. Returns the rows removed."""
    return runners_db.erase_runner(database, chat_id)

"""End to end: /mydata sends a readable summary and the JSON document of everything stored."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from bot.storage import runners as runners_db
from bot.testing.botapi import FakeBotApi
from tests.conftest import BotFactory, FakeClock, onboard
from tests.helpers import command
from tests.test_checkin_e2e import answer_checkin

RUNNER = 8401
INTERNAL = {
    "lease_owner",
    "attempts",
    "not_before",
    "priority",
    "onboarding_step",
    "runner_id",
    "message_id",
    "told_level",
    "last_press_at",
    "closed_by",
}
ISO_BERLIN = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+02:00$")


def keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


async def test_mydata_is_a_summary_and_a_readable_document(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    async with start_bot():
        await onboard(api, RUNNER)
        await command(api, RUNNER, "/tip")
        await answer_checkin(api, "2", "Buttock or thigh", "None of these", chat_id=RUNNER)
        api.send_command(RUNNER, "/mydata")
        summary = await api.next_message(RUNNER, timeout=5)
        document = await api.next_message(RUNNER, timeout=5)
    assert summary.kind == "text"
    assert "What BackStride stores about you" in summary.text
    assert "Europe/Berlin" in summary.text and "Mon, Wed, Fri" in summary.text
    assert "1 check-in (1 answered)" in summary.text
    assert "sent" in summary.text and "With BackStride since 1 Jun 2026" in summary.text
    assert document.kind == "document" and document.filename == "backstride-my-data.json"
    assert document.file is not None
    data = json.loads(document.file)

    assert not keys(data) & INTERNAL, keys(data) & INTERNAL
    sections = set(data)
    assert {
        "settings",
        "check_ins",
        "reminders_and_messages",
        "schedule",
        "tip_rotation",
        "programme_levels",
        "programme_history",
        "education_sent",
    } <= sections
    assert len(sections) - 3 == len(runners_db.RUNNER_TABLES), "one section per table"

    settings = data["settings"]
    assert settings["telegram_chat_id"] == RUNNER
    assert settings["time_zone"] == "Europe/Berlin"
    assert settings["running_days"] == ["Mon", "Wed", "Fri"]
    assert settings["country"]["code"] == "DE"
    assert ISO_BERLIN.match(settings["with_backstride_since"])
    assert ISO_BERLIN.match(data["exported"])

    (checkin,) = data["check_ins"]
    assert checkin["pain"] == 2 and checkin["where"] == "Buttock or thigh"
    assert checkin["warning_signs"] == [] and checkin["ran"] is True
    assert ISO_BERLIN.match(checkin["asked"]) and ISO_BERLIN.match(checkin["answered"])

    tips = [d for d in data["reminders_and_messages"] if d["kind"] == "tip"]
    assert len(tips) == 1 and tips[0]["tip_title"]
    assert ISO_BERLIN.match(tips[0]["sent"])

    # Every time in the file is ISO 8601 in the runner's zone: no Unix timestamp left.
    def numbers(value: Any) -> list[int]:
        if isinstance(value, dict):
            return [n for v in value.values() for n in numbers(v)]
        if isinstance(value, list):
            return [n for v in value for n in numbers(v)]
        return [value] if isinstance(value, int) and not isinstance(value, bool) else []

    assert not [n for n in numbers(data) if n > 1_000_000_000 and n != RUNNER]

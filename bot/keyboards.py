"""Button layouts shared by the outbox (which sends raw Bot API JSON) and the handlers (which
send PTB objects): each is a list of rows of (label, callback_data).

Callback data stays within Telegram's 64 bytes: ``ci:<step>:<delivery id>[:<value>]`` for the
check-in, ``fu:<delivery id>:<answer>`` for the follow-up, ``r:<action>:<delivery id>`` for
reminders.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot import texts
from bot.advice import RADIATION_LABELS, RED_FLAG_LABELS
from bot.triage import Radiation, RedFlag

Rows = list[list[tuple[str, str]]]

RED_FLAGS: tuple[RedFlag, ...] = tuple(RedFlag)


def tip_rows(delivery_id: int) -> Rows:
    return [
        [(texts.TIP_DONE, f"r:done:{delivery_id}"), (texts.TIP_SNOOZE, f"r:snooze:{delivery_id}")],
        [(texts.TIP_ANOTHER, f"r:more:{delivery_id}")],
    ]


def pain_rows(delivery_id: int) -> Rows:
    buttons = [(str(n), f"ci:p:{delivery_id}:{n}") for n in range(11)]
    return [buttons[:6], buttons[6:], [(texts.CHECKIN_NO_RUN, f"ci:norun:{delivery_id}")]]


def radiation_rows(delivery_id: int) -> Rows:
    return [[(RADIATION_LABELS[r], f"ci:r:{delivery_id}:{r.value}")] for r in Radiation]


def unusual_rows(delivery_id: int) -> Rows:
    return [
        [
            (texts.CHECKIN_UNUSUAL_NO, f"ci:u:{delivery_id}:no"),
            (texts.CHECKIN_UNUSUAL_YES, f"ci:u:{delivery_id}:yes"),
        ]
    ]


def flag_rows(delivery_id: int, selected: Iterable[RedFlag]) -> Rows:
    chosen = set(selected)
    rows: Rows = [
        [(("✅ " if flag in chosen else "") + RED_FLAG_LABELS[flag], f"ci:f:{delivery_id}:{i}")]
        for i, flag in enumerate(RED_FLAGS)
    ]
    rows.append(
        [
            (texts.CHECKIN_FLAGS_NONE, f"ci:f:{delivery_id}:none"),
            (texts.CHECKIN_FLAGS_DONE, f"ci:f:{delivery_id}:done"),
        ]
    )
    return rows


def follow_up_rows(delivery_id: int) -> Rows:
    items = [(label, f"fu:{delivery_id}:{key}") for key, label in texts.FOLLOW_UP_BUTTONS.items()]
    return [items[:2], items[2:]]

"""Button layouts shared by the outbox (which sends raw Bot API JSON) and the handlers (which
send PTB objects): each is a list of rows of (label, callback_data).

Callback data stays within Telegram's 64 bytes: ``ci:<step>:<delivery id>[:<stable code>]`` for the
check-in, ``fu:<delivery id>:<answer>`` for the follow-up, ``r:<action>:<delivery id>`` for
reminders and sessions, ``rt:<answer>:<delivery id>`` for the return-to-run plan.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.core import advice, texts
from bot.core.i18n import gettext as _
from bot.core.triage import CHECKLIST_ORDER, Radiation, RedFlag

Rows = list[list[tuple[str, str]]]


def tip_rows(delivery_id: int) -> Rows:
    return [
        [
            (texts.T.TIP_DONE, f"r:done:{delivery_id}"),
            (texts.T.TIP_SNOOZE, f"r:snooze:{delivery_id}"),
        ],
        [(texts.T.TIP_ANOTHER, f"r:more:{delivery_id}")],
    ]


def session_rows(delivery_id: int) -> Rows:
    return [
        [
            (texts.T.TIP_DONE, f"r:done:{delivery_id}"),
            (texts.T.TIP_SNOOZE, f"r:snooze:{delivery_id}"),
        ]
    ]


def return_offer_rows(delivery_id: int) -> Rows:
    return [
        [
            # Translators: a button under the return-to-run plan's offer (keep it short).
            (_("Start the plan"), f"rt:start:{delivery_id}"),
            # Translators: a button under the return-to-run plan's offer (keep it short).
            (_("Not now"), f"rt:no:{delivery_id}"),
        ]
    ]


def return_leave_rows() -> Rows:
    # Translators: a button under the return-to-run plan (keep it short).
    return [[(_("Leave the plan"), "rt:leave:0")]]


def return_morning_rows(delivery_id: int) -> Rows:
    return [
        [
            # Translators: a button: the back has settled since yesterday's run (keep it short).
            (_("Settled"), f"rt:ok:{delivery_id}"),
            # Translators: a button: the back is still sore since yesterday's run (keep it short).
            (_("Still sore"), f"rt:sore:{delivery_id}"),
        ]
    ]


def pain_rows(delivery_id: int, *, offer_no_run: bool = True) -> Rows:
    buttons = [(str(n), f"ci:p:{delivery_id}:{n}") for n in range(11)]
    rows = [buttons[:6], buttons[6:]]
    if offer_no_run:
        rows.append([(texts.T.CHECKIN_NO_RUN, f"ci:norun:{delivery_id}")])
    return rows


def no_run_rows(delivery_id: int) -> Rows:
    return [
        [
            (texts.T.CHECKIN_NO_RUN_BACK, f"ci:nr:{delivery_id}:back"),
            (texts.T.CHECKIN_NO_RUN_REST, f"ci:nr:{delivery_id}:rest"),
        ]
    ]


def radiation_rows(delivery_id: int) -> Rows:
    return [[(advice.T.RADIATION_LABELS[r], f"ci:r:{delivery_id}:{r.value}")] for r in Radiation]


def unusual_rows(delivery_id: int) -> Rows:
    return [
        [
            (texts.T.CHECKIN_UNUSUAL_NO, f"ci:u:{delivery_id}:no"),
            (texts.T.CHECKIN_UNUSUAL_YES, f"ci:u:{delivery_id}:yes"),
        ]
    ]


def flag_rows(delivery_id: int, selected: Iterable[RedFlag]) -> Rows:
    """The warning-sign checklist, emergency signs first. Buttons carry the sign's stable code.

    Once anything is ticked, "None of these" is gone: only Done remains, so a ticked sign can
    never be thrown away by a later press."""
    chosen = set(selected)
    rows: Rows = [
        [
            (
                ("✅ " if flag in chosen else "") + advice.T.RED_FLAG_LABELS[flag],
                f"ci:f:{delivery_id}:{flag.value}",
            )
        ]
        for flag in CHECKLIST_ORDER
    ]
    if chosen:
        rows.append([(texts.T.CHECKIN_FLAGS_DONE, f"ci:f:{delivery_id}:done")])
    else:
        rows.append(
            [
                (texts.T.CHECKIN_FLAGS_NONE, f"ci:f:{delivery_id}:none"),
                (texts.T.CHECKIN_FLAGS_DONE, f"ci:f:{delivery_id}:done"),
            ]
        )
    return rows


def hold_confirm_rows() -> Rows:
    return [[(texts.T.HOLD_CONFIRM_YES, "hold:cleared"), (texts.T.HOLD_CONFIRM_NO, "hold:notyet")]]


def start_checkin_rows() -> Rows:
    return [[(texts.T.CHECKIN_START_NOW, "cinow")]]


def follow_up_rows(delivery_id: int) -> Rows:
    items = [(label, f"fu:{delivery_id}:{key}") for key, label in texts.T.FOLLOW_UP_BUTTONS.items()]
    return [items[:2], items[2:]]

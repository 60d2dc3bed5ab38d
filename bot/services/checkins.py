"""Check-in use cases: each button press, the unfinished-check-in sweep, the daily follow-up.

Every function here runs on the database thread (``Store.run``) and does its work in one
transaction, then returns what the handler should render: the handler parses the update, calls
one of these, and sends. Triage (``bot.triage``), the verdict policy (``bot.escalation``) and
the wording (``bot.advice``) are pure; nothing clinical is decided in a handler.

Safety rules kept here (DESIGN.md, the clinical safety issue):

* a ticked sign is never dropped: ticks cannot be undone, "None of these" is only offered while
  nothing is ticked, and a stale "None" press finishes with every tick kept;
* every answer that reaches URGENT or above is answered the moment it is given, and the level a
  runner was told (``told_level``) is never lowered by a later answer;
* a check-in left unfinished with answers at SEE_CLINICIAN or above gets its verdict from the
  tick's sweep within ``UNFINISHED_AFTER`` of the last press.

A check-in never gets stuck with nothing to tap: the ``checkins`` row's step is the question the
runner is on, and ``question_for`` renders it (text and buttons) from the row alone. A press on
an earlier step's buttons of an open check-in (the next question's send failed, or the bot died
after the step advanced) gets the current question again instead of "stale"; so do ``/checkin``
(``start_now``) and typed text (``open_question``) while a check-in is open.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from bot.core import advice, i18n, keyboards, progress, texts
from bot.core.care import CheckIn, CheckInStatus, RunnerCare
from bot.core.escalation import (
    FollowUpAnswer,
    Hold,
    Outcome,
    after_follow_up_answer,
    after_follow_up_sent,
    after_verdict,
    resume_with_clearance,
)
from bot.core.keyboards import Rows
from bot.core.models import (
    REMINDER_PRIORITY,
    REPLY_PRIORITY,
    URGENT_PRIORITY,
    Runner,
    RunnerStatus,
    SlotKind,
)
from bot.core.planner import next_due
from bot.core.triage import (
    Answers,
    Level,
    PastCheckIn,
    Radiation,
    RedFlag,
    Verdict,
    assess,
)
from bot.services import delivery, programme
from bot.storage import checkins as checkins_db
from bot.storage import outbox as outbox_db
from bot.storage import runners as runners_db
from bot.storage import store

log = logging.getLogger(__name__)

HISTORY_DAYS = 60
UNFINISHED_AFTER = dt.timedelta(minutes=15)
FOLLOW_UP_SLOT = "followup"


@dataclass
class Reply:
    text: str
    rows: Rows | None = None
    # A verdict that sends the runner to a doctor (URGENT, EMERGENCY): sent ahead of all else.
    urgent: bool = False


def _priority(reply: Reply) -> int:
    """The outbox priority of a reply the handler could not send, or the sweep sends."""
    return URGENT_PRIORITY if reply.urgent else REPLY_PRIORITY


@dataclass
class PressResult:
    """What a handler does after a check-in press, in this order."""

    toast: str | None = None  # the callback answer (None: a silent acknowledgement)
    alert: bool = False
    edit_text: str | None = None  # replace the pressed message's text, dropping its buttons
    edit_rows: Rows | None = None  # replace only its buttons
    drop_buttons: bool = False
    replies: list[Reply] = field(default_factory=list)
    # The runner's exercise hold after this press, when it changed (the sender drops any tip it
    # already holds in memory for a held runner).
    hold_changed: bool = False
    exercise_hold: bool = False
    reschedule: bool = False


def _assess(database: Database, checkin: CheckIn, runner: RunnerCare) -> Verdict:
    """Triage the answers given so far (an unanswered "where" counts as back only)."""
    today, pain = checkin.day, checkin.pain
    assert today is not None and pain is not None  # an open check-in with a pain answer
    since = (today - dt.timedelta(days=HISTORY_DAYS)).isoformat()
    history = [
        PastCheckIn(dt.date.fromisoformat(day), past)
        for day, past in checkins_db.pain_history(database, checkin.runner_id, since)
    ]
    answers = Answers(
        pain=pain,
        radiation=checkin.radiation or Radiation.NONE,
        red_flags=frozenset(checkin.red_flags),
        risk_factors=runner.risk_factors,
    )
    return assess(answers, history, today)


# ---------------------------------------------------------------------------------------------
# Escalation: one place that stores what a verdict changes


@dataclass(frozen=True)
class Escalation:
    before: Hold
    after: Hold
    withdrawn_tips: int = 0  # tips the runner had asked for, dropped by the new hold


def escalate(database: Database, runner: RunnerCare, level: Level, now: dt.datetime) -> Escalation:
    """Store the hold after a verdict at ``level`` (inside the caller's transaction).

    When the runner is newly on an exercise hold, tips and planned check-ins already in the
    outbox are dropped in the same transaction, so nothing queued before the verdict goes out
    after it."""
    before = runner.hold
    after = after_verdict(before, level, now, runner.zone)
    withdrawn = 0
    if after != before:
        runner_id = runner.chat_id
        runners_db.save_hold(database, runner_id, after, now=int(now.timestamp()))
        if after.exercise_hold and not before.exercise_hold:
            dropped, withdrawn = outbox_db.drop_held_content(database, runner_id)
            if dropped:
                log.info("exercise hold: %d queued message(s) dropped", dropped)
        runner.hold = after
        delivery.schedule_runner(database, runner_id, now)
    return Escalation(before, after, withdrawn)


def _hold_notice(escalation: Escalation) -> list[Reply]:
    before, after = escalation.before, escalation.after
    newly = (after.exercise_hold and not before.exercise_hold) or (
        after.running_paused and not before.running_paused
    )
    if not newly:
        return []
    text = advice.hold_notice(after.level)
    if escalation.withdrawn_tips:
        text += "\n\n" + texts.T.REQUESTED_TIP_WITHDRAWN
    return [Reply(text)]


# ---------------------------------------------------------------------------------------------
# Presses


def _verdict_text(
    verdict: Verdict, checkin: CheckIn, runner: RunnerCare, level: Level | None = None
) -> str:
    shown = verdict if level is None or level == verdict.level else Verdict(level, verdict.reasons)
    assert checkin.pain is not None  # a verdict needs the pain answer
    return advice.verdict_message(
        shown,
        pain=checkin.pain,
        country=runner.country,
        exercise_on_hold=runner.hold.exercise_hold and shown.level < Level.URGENT,
    )


def _tell_if_urgent(
    database: Database,
    checkin: CheckIn,
    runner: RunnerCare,
    now: dt.datetime,
    result: PressResult,
) -> None:
    """Answer an URGENT or EMERGENCY answer at once, before the next question."""
    verdict = _assess(database, checkin, runner)
    told = checkin.told_level
    if verdict.level < Level.URGENT or verdict.level <= told:
        return
    escalated_at = checkin.escalated_at or int(now.timestamp())
    checkins_db.update_checkin(
        database, checkin.id, told_level=int(verdict.level), escalated_at=escalated_at
    )
    if told < Level.URGENT:
        programme.after_urgent_sign(database, checkin.runner_id, now)
    checkin.told_level, checkin.escalated_at = verdict.level, escalated_at
    result.replies.append(Reply(_verdict_text(verdict, checkin, runner), urgent=True))
    escalation = escalate(database, runner, verdict.level, now)
    result.replies.extend(_hold_notice(escalation))
    _note_hold(result, escalation.before, escalation.after)
    log.warning("check-in escalated at once: level %s", verdict.level.name)


def _note_hold(result: PressResult, before: Hold, after: Hold) -> None:
    if after != before:
        result.reschedule = True
    if after.exercise_hold != before.exercise_hold:
        result.hold_changed = True
        result.exercise_hold = after.exercise_hold


def _finish(
    database: Database,
    checkin: CheckIn,
    runner: RunnerCare,
    now: dt.datetime,
    result: PressResult,
    *,
    closed_by: str = "runner",
) -> None:
    verdict = _assess(database, checkin, runner)
    told = checkin.told_level
    level = max(verdict.level, told)  # a later answer never lowers what the runner was told
    checkins_db.update_checkin(
        database,
        checkin.id,
        level=int(level),
        reasons=list(verdict.reasons),
        status="answered",
        step="done",
        answered_at=int(now.timestamp()),
        closed_by=closed_by,
    )
    checkins_db.count_verdict(database, int(level))
    effect = programme.after_check_in(
        database,
        runner_id=checkin.runner_id,
        checkin_id=checkin.id,
        pain=checkin.pain,
        no_run=checkin.no_run,
        level=level,
        zone=runner.zone,
        now=now,
        urgent_applied=told >= Level.URGENT,
    )
    if told >= Level.URGENT and level == told:
        done = (
            texts.T.CHECKIN_EMERGENCY_DONE
            if told is Level.EMERGENCY
            else texts.T.CHECKIN_ALREADY_TOLD
        )
        result.replies.append(Reply(done))
        return
    result.replies.append(
        Reply(_verdict_text(verdict, checkin, runner, level), urgent=level >= Level.URGENT)
    )
    if level >= Level.SEE_CLINICIAN:
        escalation = escalate(database, runner, level, now)
        result.replies.extend(_hold_notice(escalation))
        _note_hold(result, escalation.before, escalation.after)
    if effect.lines:
        result.replies.append(Reply("\n\n".join(effect.lines)))
    if level >= Level.URGENT:
        log.warning("check-in escalated: level %s", level.name)


def _checklist_text(flags: Sequence[RedFlag]) -> str:
    return texts.T.CHECKIN_FLAGS_TICKED if flags else texts.T.CHECKIN_FLAGS


def press(
    database: Database,
    *,
    chat_id: int,
    delivery_id: int,
    step: str,
    value: str,
    now: dt.datetime,
) -> PressResult:
    """One press on a check-in button, as one transaction."""
    with store.immediate(database):
        return _press(database, chat_id, delivery_id, step, value, now)


class Step(NamedTuple):
    """What every step of a check-in press works with (the handlers in ``_STEPS``)."""

    database: Database
    checkin: CheckIn
    runner: RunnerCare
    value: str  # the pressed button's value
    now: dt.datetime


def _press(
    database: Database, chat_id: int, delivery_id: int, step: str, value: str, now: dt.datetime
) -> PressResult:
    sent = outbox_db.get_delivery(database, delivery_id)
    if sent is None or sent.runner_id != chat_id or sent.kind != SlotKind.CHECK_IN.value:
        return PressResult(toast=texts.T.STALE_BUTTON)
    runner = runners_db.get_care(database, chat_id)
    if runner is None:
        return PressResult(toast=texts.T.NOT_SUBSCRIBED)
    checkin = checkins_db.get_checkin(database, delivery_id)
    now_ts = int(now.timestamp())
    if checkin is None:
        asked_at = sent.sent_at or sent.due
        if now_ts - asked_at > delivery.CHECK_IN_EXPIRY.total_seconds():
            return PressResult(toast=texts.T.CHECKIN_CLOSED, alert=True, drop_buttons=True)
        day = dt.datetime.fromtimestamp(asked_at, dt.UTC).astimezone(runner.zone).date()
        checkin = checkins_db.open_checkin(
            database, chat_id, delivery_id, day=day, asked_at=asked_at
        )
    if checkin.status in (CheckInStatus.ANSWERED, CheckInStatus.SKIPPED):
        return PressResult(toast=texts.T.CHECKIN_ALREADY_DONE, drop_buttons=True)
    if checkin.status is CheckInStatus.UNANSWERED:
        return PressResult(toast=texts.T.CHECKIN_CLOSED, alert=True, drop_buttons=True)
    handler = _STEPS.get((step, checkin.step))
    if handler is None:
        # An earlier step's buttons: the step moved on but the runner may never have seen the
        # next question (its send failed, or the bot died before sending it). Show it again;
        # nothing is stored, so no answer or tick can be lost or changed by this press.
        question = question_for(checkin)
        if question is None:
            return PressResult(toast=texts.T.STALE_BUTTON)
        return PressResult(drop_buttons=True, replies=[question])
    checkins_db.update_checkin(database, checkin.id, last_press_at=now_ts)
    checkin.last_press_at = now_ts
    return handler(Step(database, checkin, runner, value, now))


def _pain(press: Step) -> PressResult:
    database, checkin, runner, value, now = press
    pain = int(value) if value.isascii() and value.isdigit() and len(value) <= 2 else -1
    if not 0 <= pain <= 10:
        return PressResult(toast=texts.T.STALE_BUTTON)
    delivery_id = checkin.delivery_id
    question = texts.T.CHECKIN_NO_RUN_PAIN if checkin.no_run else texts.T.CHECKIN_PROMPT
    result = PressResult(edit_text=f"{question}\n\n{texts.T.CHECKIN_PAIN_SET.format(pain=pain)}")
    if pain == 0:
        checkins_db.update_checkin(
            database, checkin.id, pain=0, radiation=Radiation.NONE.value, step="unusual"
        )
        checkin.pain, checkin.radiation, checkin.step = 0, Radiation.NONE, "unusual"
        result.replies.append(Reply(texts.T.CHECKIN_UNUSUAL, keyboards.unusual_rows(delivery_id)))
        return result
    checkins_db.update_checkin(database, checkin.id, pain=pain, step="where")
    checkin.pain, checkin.step = pain, "where"
    _tell_if_urgent(database, checkin, runner, now, result)
    result.replies.append(Reply(texts.T.CHECKIN_WHERE, keyboards.radiation_rows(delivery_id)))
    return result


def _no_run(press: Step) -> PressResult:
    database, checkin = press.database, press.checkin
    checkins_db.update_checkin(database, checkin.id, step="norun")
    return PressResult(
        edit_text=f"{texts.T.CHECKIN_PROMPT}\n\n<i>{texts.T.CHECKIN_NO_RUN}</i>",
        replies=[Reply(texts.T.CHECKIN_NO_RUN_WHY, keyboards.no_run_rows(checkin.delivery_id))],
    )


def _no_run_reason(press: Step) -> PressResult:
    database, checkin, value, now = press.database, press.checkin, press.value, press.now
    if value == "back":
        # The worst days are the ones to assess: carry on with the pain question.
        checkins_db.update_checkin(database, checkin.id, step="pain", no_run=1)
        return PressResult(
            edit_text=f"{texts.T.CHECKIN_NO_RUN_WHY}\n<i>{texts.T.CHECKIN_NO_RUN_BACK}</i>",
            replies=[
                Reply(
                    texts.T.CHECKIN_NO_RUN_PAIN,
                    keyboards.pain_rows(checkin.delivery_id, offer_no_run=False),
                )
            ],
        )
    if value != "rest":
        return PressResult(toast=texts.T.STALE_BUTTON)
    checkins_db.update_checkin(
        database, checkin.id, status="skipped", step="done", answered_at=int(now.timestamp())
    )
    return PressResult(
        edit_text=f"{texts.T.CHECKIN_NO_RUN_WHY}\n<i>{texts.T.CHECKIN_NO_RUN_REST}</i>",
        replies=[Reply(texts.T.CHECKIN_NO_RUN_THANKS)],
    )


def _where(press: Step) -> PressResult:
    database, checkin, runner, value, now = press
    try:
        radiation = Radiation(value)
    except ValueError:
        return PressResult(toast=texts.T.STALE_BUTTON)
    checkins_db.update_checkin(database, checkin.id, radiation=radiation.value, step="flags")
    checkin.radiation, checkin.step = radiation, "flags"
    result = PressResult(
        edit_text=f"{texts.T.CHECKIN_WHERE}\n{advice.T.RADIATION_LABELS[radiation]}"
    )
    _tell_if_urgent(database, checkin, runner, now, result)
    rows = keyboards.flag_rows(checkin.delivery_id, ())
    result.replies.append(Reply(texts.T.CHECKIN_FLAGS, rows))
    return result


def _unusual(press: Step) -> PressResult:
    database, checkin, runner, value, now = press
    if value not in ("yes", "no"):
        return PressResult(toast=texts.T.STALE_BUTTON)
    label = texts.T.CHECKIN_UNUSUAL_YES if value == "yes" else texts.T.CHECKIN_UNUSUAL_NO
    result = PressResult(edit_text=f"{texts.T.CHECKIN_UNUSUAL}\n<i>{label}</i>")
    if value == "no":
        _finish(database, checkin, runner, now, result)
        return result
    checkins_db.update_checkin(database, checkin.id, step="flags")
    checkin.step = "flags"
    rows = keyboards.flag_rows(checkin.delivery_id, ())
    result.replies.append(Reply(texts.T.CHECKIN_FLAGS, rows))
    return result


def _flag(press: Step) -> PressResult:
    database, checkin, runner, value, now = press
    flags = checkin.red_flags
    if value in ("none", "done"):
        # "None of these" is only offered while nothing is ticked; a stale one pressed after a
        # tick still finishes with every tick kept.
        result = PressResult(edit_text=_checklist_text(flags) + "\n\n" + _ticked_summary(flags))
        _finish(database, checkin, runner, now, result)
        return result
    try:
        flag = RedFlag(value)
    except ValueError:
        return PressResult(toast=texts.T.STALE_BUTTON)
    if flag in flags:
        # Never untick: a warning sign once told stays told.
        return PressResult(toast=texts.T.CHECKIN_FLAG_KEPT)
    flags = (*flags, flag)
    checkins_db.update_checkin(database, checkin.id, red_flags=[f.value for f in flags])
    checkin.red_flags = flags
    result = PressResult(edit_rows=keyboards.flag_rows(checkin.delivery_id, flags))
    _tell_if_urgent(database, checkin, runner, now, result)
    return result


def _ticked_summary(flags: Sequence[RedFlag]) -> str:
    if not flags:
        return f"<i>{texts.T.CHECKIN_FLAGS_NONE}</i>"
    return "\n".join(f"✅ {advice.T.RED_FLAG_LABELS[flag]}" for flag in flags)


def question_for(checkin: CheckIn) -> Reply | None:
    """The question an open check-in is waiting on, with its buttons, from the row alone."""
    delivery_id = checkin.delivery_id
    step = checkin.step
    if step == "pain":
        text = texts.T.CHECKIN_NO_RUN_PAIN if checkin.no_run else texts.T.CHECKIN_PROMPT
        return Reply(text, keyboards.pain_rows(delivery_id, offer_no_run=not checkin.no_run))
    if step == "norun":
        return Reply(texts.T.CHECKIN_NO_RUN_WHY, keyboards.no_run_rows(delivery_id))
    if step == "where":
        return Reply(texts.T.CHECKIN_WHERE, keyboards.radiation_rows(delivery_id))
    if step == "unusual":
        return Reply(texts.T.CHECKIN_UNUSUAL, keyboards.unusual_rows(delivery_id))
    if step == "flags":
        flags = checkin.red_flags
        return Reply(_checklist_text(flags), keyboards.flag_rows(delivery_id, flags))
    return None


_STEPS: dict[tuple[str, str], Callable[[Step], PressResult]] = {
    ("p", "pain"): _pain,
    ("norun", "pain"): _no_run,
    ("nr", "norun"): _no_run_reason,
    ("r", "where"): _where,
    ("u", "unusual"): _unusual,
    ("f", "flags"): _flag,
}


def queue_replies(
    database: Database, *, chat_id: int, replies: Sequence[Reply], key: str, now: dt.datetime
) -> int:
    """Replies a handler could not send (a verdict, a hold notice), handed to the outbox, ahead
    of every reminder and never dropped as late: a safety message is sent late, never lost.
    `key` names the press (its update), so a retried update queues them once."""
    queued = 0
    with store.immediate(database):
        for n, reply in enumerate(replies):
            found = delivery.queue_now(
                database,
                chat_id,
                kind=delivery.VERDICT,
                now=now,
                priority=_priority(reply),
                payload={"text": reply.text},
                slot_id=f"reply:{key}:{n}",
            )
            queued += found is not None
    return queued


# ---------------------------------------------------------------------------------------------
# The tick's sweeps


def finish_unfinished(database: Database, now: dt.datetime) -> list[tuple[int, bool]]:
    """Verdicts for check-ins left unfinished for ``UNFINISHED_AFTER`` whose answers so far
    reach SEE_CLINICIAN or above; sent through the outbox, ahead of every reminder.

    Returns (runner id, exercise hold) for each runner whose exercise hold changed."""
    now_ts = int(now.timestamp())
    changed: list[tuple[int, bool]] = []
    with store.immediate(database):
        for checkin in checkins_db.unfinished_checkins(
            database,
            quiet_since=now_ts - int(UNFINISHED_AFTER.total_seconds()),
            asked_since=now_ts - int(delivery.CHECK_IN_EXPIRY.total_seconds()),
        ):
            runner = runners_db.get_care(database, checkin.runner_id)
            if runner is None or checkin.pain is None:
                continue
            verdict = _assess(database, checkin, runner)
            if max(verdict.level, checkin.told_level) < Level.SEE_CLINICIAN:
                continue  # nothing worrying yet: the 12 h expiry records it as unanswered
            # The verdict is written now and queued as text: in the runner's language.
            with i18n.use(_language_of(database, checkin.runner_id)):
                result = _sweep_finish(database, checkin, runner, now)
            if result.hold_changed:
                changed.append((checkin.runner_id, result.exercise_hold))
    return changed


def _language_of(database: Database, runner_id: int) -> str:
    found = runners_db.get_runner(database, runner_id)
    return found.language if found is not None else i18n.DEFAULT


def _sweep_finish(
    database: Database, checkin: CheckIn, runner: RunnerCare, now: dt.datetime
) -> PressResult:
    """Finish an unfinished check-in and queue what the runner has not been told yet."""
    result = PressResult()
    _finish(database, checkin, runner, now, result, closed_by="sweep")
    for reply in result.replies:
        if reply.text in (texts.T.CHECKIN_ALREADY_TOLD, texts.T.CHECKIN_EMERGENCY_DONE):
            continue  # the runner already has the verdict; nothing more to say
        delivery.queue_now(
            database,
            checkin.runner_id,
            kind=delivery.VERDICT,
            now=now,
            priority=_priority(reply),
            payload={"text": reply.text},
            slot_id=f"verdict:{checkin.id}",
        )
    return result


def queue_follow_ups(database: Database, now: dt.datetime) -> list[tuple[int, bool]]:
    """Queue every daily follow-up that is due: at most one per runner per day, never dropped
    as late (the outbox row's kind is exempt), repeated until answered for a week."""
    now_ts = int(now.timestamp())
    with store.immediate(database):
        for runner in runners_db.due_follow_ups(database, now_ts, limit=1000):
            runner_id = runner.chat_id
            hold = runner.hold
            if not runner.live:
                # Stopped or blocked: no messages at all; the hold itself stays stored.
                runners_db.update_runner(database, runner_id, now=now_ts, follow_up_at=None)
                continue
            assert hold.follow_up_at is not None
            delivery.queue_now(
                database,
                runner_id,
                kind=delivery.FOLLOW_UP,
                now=now,
                priority=REMINDER_PRIORITY,
                payload={
                    "level": int(hold.level),
                    "day": hold.follow_ups_sent + 1,
                    "country": runner.country,
                },
                slot_id=FOLLOW_UP_SLOT,
                at=hold.follow_up_at,
            )
            after = after_follow_up_sent(hold, now, runner.zone)
            runners_db.save_hold(database, runner_id, after, now=now_ts)
    return []


# ---------------------------------------------------------------------------------------------
# Answers to the follow-up, /resume


@dataclass
class FollowUpResult:
    valid: bool
    outcome: Outcome | None = None
    level: Level = Level.OK
    reply: str = ""
    check_in_id: int | None = None
    hold_changed: bool = False
    exercise_hold: bool = False
    country: str | None = None  # the runner's, for the question's emergency number


def answer_follow_up(
    database: Database, *, chat_id: int, follow_up_id: int, answer: str, now: dt.datetime
) -> FollowUpResult:
    try:
        choice = FollowUpAnswer(answer)
    except ValueError:
        return FollowUpResult(valid=False)
    with store.immediate(database):
        sent = outbox_db.get_delivery(database, follow_up_id)
        runner = runners_db.get_care(database, chat_id)
        if (
            sent is None
            or runner is None
            or sent.runner_id != chat_id
            or sent.kind != delivery.FOLLOW_UP
        ):
            return FollowUpResult(valid=False)
        payload = sent.payload_data()
        before = runner.hold
        level = Level(int(payload.get("level") or before.level or 2))
        after, outcome = after_follow_up_answer(before, choice)
        result = FollowUpResult(valid=True, outcome=outcome, level=level, country=runner.country)
        if after != before:
            runners_db.save_hold(database, chat_id, after, now=int(now.timestamp()))
            delivery.schedule_runner(database, chat_id, now)
            if not after.active:
                programme.offer_after_hold(database, chat_id, now)
        if after.exercise_hold != before.exercise_hold:
            result.hold_changed, result.exercise_hold = True, after.exercise_hold
        if outcome is Outcome.CHECK_IN_NOW:
            result.check_in_id = delivery.queue_now(
                database,
                chat_id,
                kind=SlotKind.CHECK_IN.value,
                now=now,
                priority=REPLY_PRIORITY,
                slot_id=f"worse:{follow_up_id}",
            )
        return result


@dataclass
class ResumeResult:
    state: str  # "not_held" / "lifted" / "ask_clearance" / "still_held"
    hold_changed: bool = False


def resume_hold(
    database: Database, *, chat_id: int, cleared: bool, now: dt.datetime
) -> ResumeResult:
    """/resume (cleared=False) or the "I've been cleared" button (cleared=True)."""
    with store.immediate(database):
        return apply_resume_hold(database, chat_id=chat_id, cleared=cleared, now=now)


def apply_resume_hold(
    database: Database, *, chat_id: int, cleared: bool, now: dt.datetime
) -> ResumeResult:
    """`resume_hold` inside the caller's transaction."""
    runner = runners_db.get_care(database, chat_id)
    if runner is None:
        return ResumeResult("not_held")
    before = runner.hold
    if not before.active:
        return ResumeResult("not_held")
    after, lifted = resume_with_clearance(before, cleared=cleared)
    if not lifted:
        return ResumeResult("ask_clearance" if not cleared else "still_held")
    runners_db.save_hold(database, chat_id, after, now=int(now.timestamp()))
    delivery.schedule_runner(database, chat_id, now)
    programme.offer_after_hold(database, chat_id, now)
    return ResumeResult("lifted", hold_changed=before.exercise_hold)


# ---------------------------------------------------------------------------------------------
# /checkin, /ran, /progress (one transaction each; None or a refusal if not subscribed)


def _live_runner(database: Database, chat_id: int) -> Runner | None:
    runner = runners_db.get_runner(database, chat_id)
    if runner is None or runner.status not in (RunnerStatus.ACTIVE, RunnerStatus.PAUSED):
        return None
    return runner


def _open_checkin_of(database: Database, chat_id: int, now: dt.datetime) -> CheckIn | None:
    """The runner's latest open check-in that has not expired, if any."""
    since = int(now.timestamp()) - int(delivery.CHECK_IN_EXPIRY.total_seconds())
    delivery_id = checkins_db.open_checkin_delivery(database, chat_id, since)
    return checkins_db.get_checkin(database, delivery_id) if delivery_id is not None else None


def open_question(database: Database, *, chat_id: int, now: dt.datetime) -> Reply | None:
    """The question of the runner's open check-in (typed text re-shows it); None: none open."""
    if _live_runner(database, chat_id) is None:
        return None
    checkin = _open_checkin_of(database, chat_id, now)
    return question_for(checkin) if checkin is not None else None


@dataclass(frozen=True)
class StartNow:
    subscribed: bool
    resume: Reply | None = None  # an open check-in's current question: re-sent, nothing queued


def start_now(database: Database, *, chat_id: int, now: dt.datetime) -> StartNow:
    """/checkin: resume the open check-in at its current question, or else queue the first
    question now, ahead of reminders."""
    with store.immediate(database):
        if _live_runner(database, chat_id) is None:
            return StartNow(False)
        checkin = _open_checkin_of(database, chat_id, now)
        question = question_for(checkin) if checkin is not None else None
        if question is not None:
            return StartNow(True, question)
        delivery.queue_now(
            database,
            chat_id,
            kind=SlotKind.CHECK_IN.value,
            now=now,
            priority=REPLY_PRIORITY,
            slot_id="cmd_checkin",
        )
        return StartNow(True)


RAN_SLOT = "ran"


class RanState(enum.StrEnum):
    NOT_LIVE = "not_live"
    ALREADY = "already"  # a /ran check-in was already asked for today
    QUEUED = "queued"


@dataclass(frozen=True)
class RanResult:
    state: RanState
    at_local: dt.datetime | None = None  # when the check-in comes, in the runner's zone


def ran(database: Database, *, chat_id: int, now: dt.datetime, delay: dt.timedelta) -> RanResult:
    """/ran: check in `delay` from now instead of at the planned time; once a local day. The
    check-in is queued and today's planned one skipped in the same transaction."""
    with store.immediate(database):
        runner = _live_runner(database, chat_id)
        if runner is None:
            return RanResult(RanState.NOT_LIVE)
        zone = ZoneInfo(runner.timezone)
        local_today = now.astimezone(zone).date()
        day_start = dt.datetime.combine(local_today, dt.time(0), zone)
        day_end = dt.datetime.combine(local_today + dt.timedelta(days=1), dt.time(0), zone)
        start, end = int(day_start.timestamp()), int(day_end.timestamp())
        if outbox_db.has_delivery_between(database, chat_id, RAN_SLOT, start, end):
            return RanResult(RanState.ALREADY)
        at = now + delay
        delivery.queue_now(
            database,
            chat_id,
            kind=SlotKind.CHECK_IN.value,
            now=now,
            at=at,
            priority=REMINDER_PRIORITY,
            slot_id=RAN_SLOT,
        )
        # This replaces today's planned check-in, if it is still to come.
        for slot in delivery.plan_slots(database):
            if slot.kind is SlotKind.CHECK_IN:
                after = day_end - dt.timedelta(microseconds=1)
                following = next_due(slot, runner, after)
                new_due = int(following.timestamp()) if following else None
                outbox_db.skip_instant(database, chat_id, slot.id, start, end, new_due)
        return RanResult(RanState.QUEUED, at.astimezone(zone))


PROGRESS_DAYS = 28


@dataclass(frozen=True)
class PainHistory:
    today: dt.date  # in the runner's zone
    points: list[progress.DayPain]


def pain_history(database: Database, *, chat_id: int, now: dt.datetime) -> PainHistory | None:
    """/progress: the last four weeks' answered check-ins by local day (pain, ran, verdict);
    None if not subscribed."""
    runner = _live_runner(database, chat_id)
    if runner is None:
        return None
    today = now.astimezone(ZoneInfo(runner.timezone)).date()
    since = today - dt.timedelta(days=PROGRESS_DAYS - 1)
    return PainHistory(today, checkins_db.checkin_history(database, chat_id, since))

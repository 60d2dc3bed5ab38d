"""/start and /settings: one ConversationHandler asks the profile questions.

Onboarding and settings share the questions (time zone, running days, run time, tip time). Each
answer is saved at once by one use case in ``bot.services.profile``, which also says what comes
next, and the conversation's state is persisted, so a restart in the middle resumes at the same
question. The question a typed answer goes to is the one the runner was shown: the services
record each question as it is asked, and the typed-text handler (``_typed``) routes by that
record, not by the persisted state, which can be a question behind after a crash; a button's data
names its question, and every answer button works in every state. The only difference between
the two modes: while onboarding, an answer leads to the
next unanswered question and then a summary to confirm; once subscribed, it leads back to the
settings menu. Outside onboarding the questions drop their "2/6" progress labels, and every
picker opened from the menu has a Back button that returns to it with nothing changed (the
pickers that save each tap, days and health profile, carry what they opened with on Back).
The weekly strength goal is asked in the running days message while onboarding, and has a menu
entry of its own, as has the weekly chart. This module parses the update, calls one service,
and renders.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Awaitable, Callable
from typing import ClassVar

from telegram import KeyboardButton, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.core import advice, i18n, texts
from bot.core.clock import parse_clock
from bot.core.emergency import (
    COMMON_COUNTRIES,
    country_for_zone,
    country_name,
    match_country,
    number_for_country,
)
from bot.core.i18n import N_, localized, ngettext
from bot.core.models import RunnerStatus
from bot.core.symptoms import mentions_symptoms
from bot.core.timezones import (
    COMMON_ZONES,
    is_valid_zone,
    match_zone,
    zone_for_location,
    zone_label,
)
from bot.core.triage import RiskFactor
from bot.services import profile
from bot.services.profile import (
    CHART,
    CONFIRM,
    COUNTRY,
    DAYS,
    DELAY,
    GOAL,
    MENU,
    RISK,
    RISK_TOGGLES,
    RUN,
    STRENGTH_GOALS,
    SUMMARY_DAY,
    TIP,
    TZ,
    Next,
    Opening,
    Profile,
    Restore,
    Upcoming,
)
from bot.services.runtime import services
from bot.telegram.handlers import settings as settings_handlers
from bot.telegram.handlers.common import (
    Context,
    answer_query,
    chunk,
    drop_buttons,
    format_days,
    format_delay,
    format_status,
    keyboard,
    local_time_label,
    private_chat_id,
    say,
)

log = logging.getLogger(__name__)

# Conversation states are the services' step names (strings, so the persisted value is readable
# in the database): TZ, COUNTRY, DAYS, RUN, TIP, RISK, CONFIRM, MENU, DELAY, SUMMARY_DAY, GOAL,
# CHART.
END = ConversationHandler.END
State = str | int  # a question above, or END
TypedAnswer = Callable[[Update, Context], Awaitable[State]]

RUN_TIME_CHOICES = ("06:00", "06:30", "07:00", "07:30", "08:00", "12:00", "17:30", "18:00", "19:00")
TIP_TIME_CHOICES = ("07:00", "08:00", "09:00", "12:00", "18:00", "20:00")

#: The one-tap language choice sent with the welcome, under its time zone question
#: (``lang:<code>``, handled elsewhere: this conversation lets those presses through). Not
#: translated: each language is named in its own words.
LANGUAGE_ROW = tuple((i18n.LANGUAGE_NAMES[code], f"lang:{code}") for code in i18n.LANGUAGES)

# The weekly chart's switch: button data and the stored choice (not text a runner reads).
CHART_ON, CHART_OFF = "on", "off"


class OnboardingTexts:
    """Texts of the strength goal, the weekly chart, Back and the rest added here (candidates
    for bot/core/texts.py, which another module owns); read them through :data:`OT`, in the
    current language. Counted texts are in the functions that count (``ngettext``)."""

    STRENGTH_WHY = N_(
        "Guidance suggests 2-3 a week: stronger trunk and hip muscles take load off your lower "
        "back."
    )
    ASK_STRENGTH = N_("💪 <b>How many strength sessions a week?</b>")
    # Translators: {day} is the weekday of the weekly summary ("Sunday"); {state} is "on" or
    # "off" (translated on their own).
    ASK_CHART = N_(
        "📈 <b>Weekly chart</b>\nA picture of your week with the {day} summary. "
        "It's <b>{state}</b> now."
    )
    # Translators: the weekly chart's state in a sentence ("It's on now", "chart off").
    CHART_STATES: ClassVar[dict[str, str]] = {CHART_ON: N_("on"), CHART_OFF: N_("off")}
    # Translators: buttons that switch the weekly chart on and off.
    CHART_BUTTONS: ClassVar[dict[str, str]] = {CHART_ON: N_("On"), CHART_OFF: N_("Off")}
    CHART_SET = N_("✅ Weekly chart: <b>{state}</b>.")
    RISK_SET = N_("✅ Health profile: <b>{risk}</b>.")
    DAYS_SAVED = N_("✅ Running days: <b>{days}</b>.")
    # Translators: a button that returns to the settings menu.
    BACK_BUTTON = N_("⬅️ Back")
    # Translators: settings menu buttons; keep them short.
    MENU_EXTRA_BUTTONS: ClassVar[dict[str, str]] = {
        "goal": N_("💪 Strength goal"),
        "chart": N_("📈 Weekly chart"),
        "lang": N_("🌐 Language"),
    }
    # Close after changes: the change was confirmed "saved" once already.
    SETTINGS_CLOSED = N_("👍 Done. /settings opens the menu again.")
    STOPPED_SETTINGS = N_(
        "You've unsubscribed, so I'm not sending you anything; /start brings your reminders "
        "back. You can still change your settings here."
    )
    UPCOMING_HEAD = N_("<b>What comes next</b> (your local time)")
    # Translators: {when} is a weekday and a time ("Tue 07:30"); {title} the kind of message.
    UPCOMING_LINE = N_("• {when} · {title}")
    CANCELLED = N_("OK, stopped here. Your answers so far are saved; /start picks it up again.")
    TIME_NUDGE = N_("Please type a time like 7:30 or 18:00, or tap a button.")
    TZ_NUDGE = N_("Please type your city, share your location, or tap a zone button.")
    COUNTRY_NUDGE = N_("Please type your country's name, or tap a button.")
    DAYS_NUDGE = N_("Tap the days you run on the buttons above, then Done.")

    @property
    def ASK_STRENGTH_IN_DAYS(self) -> str:
        return f"{self.ASK_STRENGTH} {self.STRENGTH_WHY}"

    @property
    def ASK_GOAL(self) -> str:
        return f"{self.ASK_STRENGTH}\n{self.STRENGTH_WHY}"


#: The texts above in the current language.
OT = localized(OnboardingTexts)


def goal_label(n: int) -> str:
    """A strength goal's button: "2 a week"."""
    # Translators: a button, the number of strength sessions a week; keep it short.
    return ngettext("{n} a week", "{n} a week", n).format(n=n)


def _goal_set(n: int) -> str:
    # Translators: {n} is the number of strength sessions a week (2 or 3).
    return ngettext(
        "✅ Strength sessions: <b>{n} a week</b>.", "✅ Strength sessions: <b>{n} a week</b>.", n
    ).format(n=n)


def _days_and_goal_saved(days: str, n: int) -> str:
    # Translators: {days} is the list of running days ("Mon, Wed, Fri").
    return ngettext(
        "✅ Running days: <b>{days}</b>. 💪 Strength sessions: <b>{n} a week</b>.",
        "✅ Running days: <b>{days}</b>. 💪 Strength sessions: <b>{n} a week</b>.",
        n,
    ).format(days=days, n=n)


def _summary_extra(n: int, chart: str) -> str:
    # Translators: a line of the settings summary; {chart} is "on" or "off".
    return ngettext(
        "💪 Strength: {n} session a week · 📈 weekly chart {chart}",
        "💪 Strength: {n} sessions a week · 📈 weekly chart {chart}",
        n,
    ).format(n=n, chart=chart)


# "2/6 · " in a question's heading: onboarding's progress, shown only while onboarding.
_STEP_LABEL = re.compile(r"\d+/\d+ · ")


# ---------------------------------------------------------------------------------------------
# Asking


def _with_note(note: str, text: str) -> str:
    return f"{note}\n\n{text}" if note else text


def _onboarding(answers: Profile | None) -> bool:
    return answers is None or answers.onboarding


def _label(text: str, answers: Profile | None) -> str:
    """A question's text: with its "2/6" progress label only while onboarding."""
    return text if _onboarding(answers) else _STEP_LABEL.sub("", text)


Rows = list[list[tuple[str, str]]]


def _back_data(step: str, answers: Profile | None) -> str:
    """Back's data: for the pickers that save each tap (days, health profile), the answers as
    they were when the picker opened, so Back can put them back."""
    if answers is not None and step == DAYS:
        return "p:back:days:" + "".join(str(d) for d in sorted(answers.runner.run_days))
    if answers is not None and step == RISK:
        factors = answers.risk_factors
        mask = (
            "n"
            if factors is None
            else str(sum(1 << i for i, f in enumerate(RISK_TOGGLES) if f in factors))
        )
        declined = int(answers.risk_declined)
        return f"p:back:risk:{answers.age_band or '-'}:{mask}:{declined}"
    return "p:back"


def _with_back(rows: Rows, back: str | None) -> object:
    return keyboard([*rows, [(OT.BACK_BUTTON, back)]] if back else rows)


async def ask(
    update: Update,
    step: str,
    answers: Profile | None,
    note: str = "",
    *,
    menu: bool = False,
    languages: bool = False,
) -> State:
    """Send the question for `step` (after `note`, the answer just saved, in the same
    message), shown from `answers`, and return it as the conversation state (persisted by PTB:
    the one record of where the conversation stands). A question opened from the settings
    menu (`menu`), and any question of a subscribed runner, has a Back button to the menu.
    `languages`: the time zone question sent with the welcome also has the language choice."""
    back = _back_data(step, answers) if menu or not _onboarding(answers) else None
    if step == TZ:
        zones = [(zone_label(z), f"p:tz:{z}") for z in COMMON_ZONES]
        rows = chunk(zones, 3) + ([list(LANGUAGE_ROW)] if languages else [])
        text = _label(texts.T.ASK_TIMEZONE, answers)
        await say(update, _with_note(note, text), _with_back(rows, back))
    elif step == DAYS:
        selected = answers.runner.run_days if answers else frozenset[int]()
        text = _label(texts.T.ASK_DAYS, answers)
        goal = None
        if back is None:  # onboarding: the strength goal is asked in the same message
            goal = answers.runner.strength_goal if answers else STRENGTH_GOALS[0]
            text += "\n\n" + OT.ASK_STRENGTH_IN_DAYS
        await say(update, _with_note(note, text), days_keyboard(selected, goal=goal, back=back))
    elif step == RUN:
        choices = [(t, f"p:run:{t}") for t in RUN_TIME_CHOICES]
        text = _label(texts.T.ASK_RUN_TIME, answers)
        await say(update, _with_note(note, text), _with_back(chunk(choices, 3), back))
    elif step == TIP:
        choices = [(t, f"p:tip:{t}") for t in TIP_TIME_CHOICES]
        text = _label(texts.T.ASK_TIP_TIME, answers)
        await say(update, _with_note(note, text), _with_back(chunk(choices, 3), back))
    elif step == GOAL:
        chosen = answers.runner.strength_goal if answers else None
        await say(update, _with_note(note, OT.ASK_GOAL), _with_back([_goal_row(chosen)], back))
    elif step == CHART:
        assert answers is not None
        state = CHART_ON if answers.weekly_chart else CHART_OFF
        day = i18n.weekday_name(answers.runner.summary_day)
        text = OT.ASK_CHART.format(day=day, state=OT.CHART_STATES[state])
        switches = [
            (("✅ " if key == state else "") + label, f"p:chart:{key}")
            for key, label in OT.CHART_BUTTONS.items()
        ]
        await say(update, _with_note(note, text), _with_back([switches], back))
    elif step == CONFIRM:
        assert answers is not None
        text = summary_of(answers) + "\n\n" + texts.T.CONFIRM_PROMPT
        buttons = [[(texts.T.CONFIRM_BUTTON, "p:ok"), (texts.T.CHANGE_BUTTON, "p:edit")]]
        await say(update, _with_note(note, text), keyboard(buttons))
    elif step == MENU:
        await say(update, _with_note(note, texts.T.SETTINGS_MENU), menu_keyboard())
    elif step == DELAY:
        choices = [(label, f"p:delay:{m}") for m, label in texts.T.CHECKIN_DELAY_CHOICES.items()]
        text = _with_note(note, texts.T.ASK_CHECKIN_DELAY)
        await say(update, text, _with_back([choices], back))
    elif step == COUNTRY:
        text, rows = _country_question(answers)
        await say(update, _with_note(note, text), _with_back(rows, back))
    elif step == RISK:
        assert answers is not None
        text = _with_note(note, _risk_question(answers))
        await say(update, text, risk_keyboard(answers, back=back))
    elif step == SUMMARY_DAY:
        days = [(i18n.weekday_name(d, "abbreviated"), f"p:sday:{d}") for d in range(7)]
        text = _with_note(note, texts.T.ASK_SUMMARY_DAY)
        await say(update, text, _with_back([days[:4], days[4:]], back))
    return step


async def go_to(update: Update, context: Context, step: str, *, menu: bool = False) -> State:
    """Ask `step` afresh (a menu choice, Change, a keyboard too old to edit)."""
    svc = services(context)
    chat_id = private_chat_id(update)
    answers = await svc.store.run(profile.ask_step, chat_id, step, now=svc.now())
    if answers is None:
        return await _gone(update)  # erased (/delete) while this conversation was open
    return await ask(update, step, answers, menu=menu)


def _country_question(answers: Profile | None) -> tuple[str, Rows]:
    """Ask the country, suggesting the one the time zone belongs to (one tap to confirm)."""
    zone = (answers.timezone if answers else None) or ""
    suggested = country_for_zone(zone) if zone else None
    name = country_name(suggested) if suggested else None
    question = _label(texts.T.ASK_COUNTRY, answers)
    if suggested and name:
        text = question + "\n\n" + texts.T.COUNTRY_SUGGESTED.format(name=texts.esc(name))
        rows = [
            [(f"✅ {name}", f"p:cty:{suggested}")],
            [(texts.T.COUNTRY_OTHER, "p:cty:other"), (texts.T.COUNTRY_SKIP, "p:cty:skip")],
        ]
    else:
        text = question + "\n\n" + texts.T.COUNTRY_TYPE
        common = [(country_name(code) or code, f"p:cty:{code}") for code in COMMON_COUNTRIES]
        rows = [*chunk(common, 3), [(texts.T.COUNTRY_SKIP, "p:cty:skip")]]
    return text, rows


def _risk_question(answers: Profile | None) -> str:
    lines = [_label(texts.T.ASK_RISK, answers), advice.T.RISK_PROFILE_INTRO, ""]
    lines += [
        f"• <b>{texts.esc(advice.T.RISK_FACTOR_LABELS[factor])}</b>: "
        f"{texts.esc(advice.T.RISK_FACTOR_WHY[factor])}"
        for factor in RISK_TOGGLES
    ]
    age_why = advice.T.RISK_FACTOR_WHY[RiskFactor.AGE_OVER_50]
    lines.append(f"• <b>{texts.T.RISK_AGE}</b>: {texts.esc(age_why)}")
    return "\n".join(lines)


def risk_keyboard(answers: Profile, *, back: str | None = None) -> object:
    chosen = answers.risk_factors or frozenset()
    band = answers.age_band
    ages = [
        (("✅ " if band == key else "") + label, f"p:risk:age:{key}")
        for key, label in texts.T.AGE_BAND_LABELS.items()
    ]
    toggles = [
        [
            (
                ("✅ " if factor in chosen else "") + advice.T.RISK_FACTOR_LABELS[factor],
                f"p:risk:f:{factor.value}",
            )
        ]
        for factor in RISK_TOGGLES
    ]
    rows = [
        ages,
        *toggles,
        [(texts.T.RISK_DECLINE_BUTTON, "p:risk:declined"), (texts.T.DONE_BUTTON, "p:risk:done")],
    ]
    return _with_back(rows, back)


def _goal_row(chosen: int | None, prefix: str = "p:goal") -> list[tuple[str, str]]:
    return [
        (("✅ " if n == chosen else "") + goal_label(n), f"{prefix}:{n}") for n in STRENGTH_GOALS
    ]


def days_keyboard(
    selected: frozenset[int], *, goal: int | None = None, back: str | None = None
) -> object:
    """The running days; while onboarding (`goal`: the strength goal ticked) the strength
    goal's buttons too, after Done (which keeps its place), and from the menu a Back button."""
    days = [
        (("✅ " if d in selected else "") + i18n.weekday_name(d, "abbreviated"), f"p:day:{d}")
        for d in range(7)
    ]
    rows = [days[:4], days[4:], [(texts.T.DONE_BUTTON, "p:days:done")]]
    if goal is not None:
        rows.append(_goal_row(goal, "p:dgoal"))
    return _with_back(rows, back)


def menu_keyboard() -> object:
    entries = {**texts.T.SETTINGS_BUTTONS, **OT.MENU_EXTRA_BUTTONS}
    items = [(label, f"p:menu:{key}") for key, label in entries.items()]
    return keyboard([*chunk(items, 2), [(texts.T.SETTINGS_CLOSE, "p:menu:close")]])


# ---------------------------------------------------------------------------------------------
# The settings summary


def _country_line(answers: Profile) -> tuple[str, str]:
    """(country, number) as the settings summary shows them."""
    code = answers.country
    if code is None:
        return texts.T.NOT_SET, texts.T.UNKNOWN_NUMBER
    name = country_name(code) if code else None
    number = number_for_country(code) if code else None
    return texts.esc(name or texts.T.NOT_GIVEN), number or texts.T.UNKNOWN_NUMBER


_AGE_FACTORS = (RiskFactor.AGE_UNDER_20, RiskFactor.AGE_OVER_50)


def _risk_line(answers: Profile) -> str:
    if answers.risk_declined:
        return texts.T.RISK_DECLINED
    if answers.risk_factors is None:
        return texts.T.NOT_SET
    labels = [texts.T.AGE_BAND_LABELS[answers.age_band]] if answers.age_band else []
    order = list(RiskFactor)
    labels += [
        advice.T.RISK_FACTOR_LABELS[factor]
        for factor in sorted(answers.risk_factors, key=order.index)
        if factor not in _AGE_FACTORS
    ]
    return texts.esc(", ".join(labels)) if labels else texts.T.RISK_NONE


def summary_of(answers: Profile) -> str:
    """The settings summary; unanswered questions show as not set."""
    runner = answers.runner
    country, number = _country_line(answers)
    text = texts.T.SUMMARY.format(
        zone=texts.esc(answers.timezone or texts.T.NOT_SET),
        country=country,
        number=number,
        days=format_days(runner.run_days),
        run_time=answers.run_time or texts.T.NOT_SET,
        tip_time=answers.tip_time or texts.T.NOT_SET,
        checkin=format_delay(runner.checkin_delay_minutes),
        summary_day=i18n.weekday_name(runner.summary_day, "abbreviated"),
        risk=_risk_line(answers),
        status=format_status(runner),
    )
    extra = _summary_extra(
        runner.strength_goal, OT.CHART_STATES[CHART_ON if answers.weekly_chart else CHART_OFF]
    )
    head, status_sep, status = text.rpartition("\n📍 ")
    return f"{head}\n{extra}{status_sep}{status}" if status_sep else f"{text}\n{extra}"


async def after_answer(update: Update, context: Context, after: Next, note: str = "") -> State:
    """Render what the service said comes next: onboarding, the next unanswered question or
    the summary; subscribed, back to the menu (rescheduled)."""
    if after.gone:  # erased (/delete) while this conversation was open
        return await _gone(update)
    if after.saved:
        assert after.profile is not None
        await services(context).reschedule(after.profile.chat_id)
        # The one "saved" message of a settings change: what was saved, and the menu again.
        await say(update, _with_note(note, texts.T.SETTINGS_SAVED), menu_keyboard())
        return MENU
    return await ask(update, after.step, after.profile, note)


async def _gone(update: Update) -> State:
    """The runner's data was erased mid-conversation: say so, and end it."""
    await answer_query(update, texts.T.NOT_SUBSCRIBED)
    await say(update, texts.T.NOT_SUBSCRIBED)
    return END


# ---------------------------------------------------------------------------------------------
# Entry points


async def start(update: Update, context: Context) -> State:
    return await _start(update, context, None)


async def _start(update: Update, context: Context, at: str | None) -> State:
    """/start; `at`: the question the open conversation is waiting on (None: none open)."""
    svc = services(context)
    chat_id = private_chat_id(update)
    if chat_id is None:
        return END
    language = i18n.current()  # Telegram's language_code, or the one chosen with /language
    opened = await svc.store.run(profile.start, chat_id, language=language, now=svc.now(), at=at)
    if opened.opening is Opening.NEW:
        location = ReplyKeyboardMarkup(
            [[KeyboardButton(texts.T.LOCATION_BUTTON, request_location=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
        # The welcome carries the location keyboard (a reply keyboard: Telegram allows one
        # keyboard a message, and inline buttons can't join it), so the one-tap language
        # choice (LANGUAGE_ROW) goes under the time zone question sent with it.
        await say(update, texts.T.WELCOME, location)
        return await ask(update, TZ, opened.profile, languages=True)
    if opened.opening is Opening.RESUME:
        assert opened.step is not None
        await say(update, texts.T.RESUME_ONBOARDING)
        return await ask(update, opened.step, opened.profile)
    if opened.opening is Opening.WELCOME_BACK:
        await svc.reschedule(chat_id)
        lead = texts.T.WELCOME_BACK
    else:
        lead = texts.T.ALREADY_SUBSCRIBED
    text = summary_of(opened.profile) if opened.profile is not None else ""
    await say(update, _with_note(lead, text))
    return END


async def ask_again(update: Update, context: Context, note: str) -> bool:
    """A language chosen mid-onboarding (handlers/language.py): `note` and the open question
    again in one message, now in that language. False (nothing sent) for a runner past
    onboarding."""
    svc = services(context)
    chat_id = private_chat_id(update)
    if chat_id is None:
        return False
    opened = await svc.store.run(profile.open_question, chat_id)
    if opened.opening is not Opening.RESUME or opened.step is None:
        return False
    await ask(update, opened.step, opened.profile, note, languages=opened.step == TZ)
    return True


async def open_settings(update: Update, context: Context) -> State:
    return await _open_settings(update, context, None)


async def _open_settings(update: Update, context: Context, at: str | None) -> State:
    svc = services(context)
    chat_id = private_chat_id(update)
    if chat_id is None:
        return END
    opened = await svc.store.run(profile.open_settings, chat_id, at=at, now=svc.now())
    if opened.opening is Opening.UNKNOWN:
        await say(update, texts.T.NOT_SUBSCRIBED)
        return END
    assert opened.step is not None
    if opened.opening is Opening.RESUME:
        await say(update, texts.T.RESUME_ONBOARDING)
        return await ask(update, opened.step, opened.profile)
    note = summary_of(opened.profile) if opened.profile is not None else ""
    if opened.profile is not None and opened.profile.runner.status in _STOPPED:
        note = _with_note(OT.STOPPED_SETTINGS, note)
    return await ask(update, opened.step, opened.profile, note)


_STOPPED = frozenset({RunnerStatus.STOPPED, RunnerStatus.BLOCKED})


# ---------------------------------------------------------------------------------------------
# Answers


async def _save_zone(update: Update, context: Context, zone: str, template: str) -> State:
    svc = services(context)
    chat_id = private_chat_id(update)
    after = await svc.store.run(profile.save_zone, chat_id, zone, now=svc.now())
    note = template.format(zone=texts.esc(zone), local_time=local_time_label(zone, svc.now()))
    if after.saved:  # /settings: one message says what was saved (no location keyboard shown)
        return await after_answer(update, context, after, note)
    # Only a message of its own can take the location keyboard away again.
    await say(update, note, ReplyKeyboardRemove())
    return await after_answer(update, context, after)


async def zone_button(update: Update, context: Context) -> State:
    query = update.callback_query
    assert query is not None and query.data is not None
    zone = query.data.removeprefix("p:tz:")
    if not is_valid_zone(zone):
        await answer_query(update, texts.T.STALE_BUTTON)
        return TZ
    await answer_query(update)
    await drop_buttons(update)
    return await _save_zone(update, context, zone, texts.T.TZ_SET)


async def zone_text(update: Update, context: Context) -> State:
    message = update.effective_message
    assert message is not None and message.text is not None
    text = message.text.strip()
    match = match_zone(text)
    if match.zone:
        return await _save_zone(update, context, match.zone, texts.T.TZ_SET)
    if match.suggestions:
        buttons = [(zone_label(z) + f" ({z})", f"p:tz:{z}") for z in match.suggestions]
        await say(update, texts.T.TZ_SUGGEST, keyboard(chunk(buttons, 1)))
        return TZ
    await say(update, texts.T.TZ_UNKNOWN.format(text=texts.esc(text[:60])))
    return TZ


async def zone_location(update: Update, context: Context) -> State:
    message = update.effective_message
    assert message is not None and message.location is not None
    try:
        zone = zone_for_location(message.location.latitude, message.location.longitude)
    except ValueError:
        await say(update, texts.T.TZ_BAD_LOCATION)
        return TZ
    return await _save_zone(update, context, zone, texts.T.TZ_FROM_LOCATION)


async def _save_country(update: Update, context: Context, code: str) -> State:
    svc = services(context)
    chat_id = private_chat_id(update)
    after = await svc.store.run(profile.save_country, chat_id, code, now=svc.now())
    if not code:
        return await after_answer(update, context, after, texts.T.COUNTRY_SKIPPED)
    number = number_for_country(code)
    name = texts.esc(country_name(code) or code)
    if number is None:
        note = texts.T.COUNTRY_SET_NO_NUMBER.format(name=name, number=texts.T.UNKNOWN_NUMBER)
    else:
        note = texts.T.COUNTRY_SET.format(name=name, number=number)
    return await after_answer(update, context, after, note)


async def country_button(update: Update, context: Context) -> State:
    query = update.callback_query
    assert query is not None and query.data is not None
    value = query.data.removeprefix("p:cty:")
    if value == "other":
        await answer_query(update)
        await say(update, texts.T.COUNTRY_TYPE)
        return COUNTRY
    if value != "skip" and country_name(value) is None:
        await answer_query(update, texts.T.STALE_BUTTON)
        return COUNTRY
    await answer_query(update)
    await drop_buttons(update)
    return await _save_country(update, context, "" if value == "skip" else value)


async def country_text(update: Update, context: Context) -> State:
    message = update.effective_message
    assert message is not None and message.text is not None
    text = message.text.strip()
    matches = match_country(text)
    if len(matches) == 1:
        return await _save_country(update, context, matches[0])
    if matches:
        buttons = [(country_name(code) or code, f"p:cty:{code}") for code in matches]
        await say(update, texts.T.COUNTRY_WHICH, keyboard(chunk(buttons, 2)))
        return COUNTRY
    await say(update, texts.T.COUNTRY_UNKNOWN.format(text=texts.esc(text[:60])))
    return COUNTRY


_TOGGLE_VALUES = {f.value: f for f in RISK_TOGGLES}


async def risk_button(update: Update, context: Context) -> State:
    svc = services(context)
    query = update.callback_query
    chat_id = private_chat_id(update)
    assert query is not None and query.data is not None and chat_id is not None
    parts = query.data.split(":")  # p:risk:age:<band> / p:risk:f:<factor> / declined / done
    action = parts[2] if len(parts) > 2 else ""
    value = parts[3] if len(parts) > 3 else ""
    if action in ("done", "declined"):
        finish = profile.decline_risk if action == "declined" else profile.finish_risk
        after = await svc.store.run(finish, chat_id, now=svc.now())
        if after.gone:
            return await _gone(update)
        await answer_query(update)
        await drop_buttons(update)
        if after.saved and after.profile is not None:  # /settings: what was saved, once
            note = OT.RISK_SET.format(risk=_risk_line(after.profile))
        else:
            note = texts.T.RISK_SAVED_DECLINED if action == "declined" else texts.T.RISK_SAVED
        return await after_answer(update, context, after, note)
    if action == "age" and value in texts.T.AGE_BAND_LABELS:
        fresh = await svc.store.run(profile.toggle_age, chat_id, value, now=svc.now())
    elif action == "f" and value in _TOGGLE_VALUES:
        factor = _TOGGLE_VALUES[value]
        fresh = await svc.store.run(profile.toggle_risk, chat_id, factor, now=svc.now())
    else:
        if await svc.store.run(profile.load, chat_id) is None:
            return await _gone(update)
        await answer_query(update, texts.T.STALE_BUTTON)
        return RISK
    if fresh is None:  # erased (/delete) while this conversation was open
        return await _gone(update)
    await answer_query(update)
    try:
        markup = risk_keyboard(fresh, back=_kept_back(update))
        await query.edit_message_reply_markup(markup)  # type: ignore[arg-type]
    except BadRequest:
        return await go_to(update, context, RISK)
    return RISK


async def day_toggle(update: Update, context: Context) -> State:
    svc = services(context)
    query = update.callback_query
    chat_id = private_chat_id(update)
    assert query is not None and query.data is not None and chat_id is not None
    day = int(query.data.removeprefix("p:day:"))
    fresh = await svc.store.run(profile.toggle_day, chat_id, day, now=svc.now())
    if fresh is None:  # erased (/delete) while this conversation was open
        return await _gone(update)
    await answer_query(update)
    if await _redraw_days(update, fresh):
        return DAYS
    # Too old to edit (Telegram allows 48 h) or gone: ask afresh, with the saved days.
    return await go_to(update, context, DAYS)


def _pressed_data(update: Update) -> list[str]:
    """The callback data of every button on the message pressed."""
    query = update.callback_query
    message = query.message if query is not None else None
    markup = getattr(message, "reply_markup", None)
    rows = markup.inline_keyboard if markup is not None else ()
    return [str(b.callback_data) for row in rows for b in row if b.callback_data is not None]


def _kept_back(update: Update) -> str | None:
    """The Back button's data on the message pressed (a redraw keeps what it was opened with)."""
    return next((d for d in _pressed_data(update) if d.startswith("p:back")), None)


async def _redraw_days(update: Update, fresh: Profile) -> bool:
    """Redraw the running days message pressed from `fresh`; False if it can't be edited."""
    query = update.callback_query
    assert query is not None
    back = _kept_back(update)
    goal = (
        fresh.runner.strength_goal
        if any(d.startswith("p:dgoal:") for d in _pressed_data(update))
        else None
    )
    try:
        markup = days_keyboard(fresh.runner.run_days, goal=goal, back=back)
        await query.edit_message_reply_markup(markup)  # type: ignore[arg-type]
    except BadRequest:
        return False
    return True


async def days_goal_button(update: Update, context: Context) -> State:
    """The strength goal ticked on the running days message (onboarding): saved, redrawn."""
    svc = services(context)
    query = update.callback_query
    chat_id = private_chat_id(update)
    assert query is not None and query.data is not None and chat_id is not None
    goal = _goal_value(query.data.removeprefix("p:dgoal:"))
    if goal is None:
        await answer_query(update, texts.T.STALE_BUTTON)
        return DAYS
    fresh = await svc.store.run(profile.choose_strength_goal, chat_id, goal, now=svc.now())
    if fresh is None:  # erased (/delete) while this conversation was open
        return await _gone(update)
    await answer_query(update)
    if await _redraw_days(update, fresh):
        return DAYS
    return await go_to(update, context, DAYS)


def _goal_value(text: str) -> int | None:
    return int(text) if text in {str(n) for n in STRENGTH_GOALS} else None


async def goal_button(update: Update, context: Context) -> State:
    """The strength goal chosen in /settings."""
    svc = services(context)
    query = update.callback_query
    assert query is not None and query.data is not None
    goal = _goal_value(query.data.removeprefix("p:goal:"))
    if goal is None:
        await answer_query(update, texts.T.STALE_BUTTON)
        return GOAL
    await answer_query(update)
    await drop_buttons(update)
    chat_id = private_chat_id(update)
    after = await svc.store.run(profile.save_strength_goal, chat_id, goal, now=svc.now())
    return await after_answer(update, context, after, _goal_set(goal))


async def chart_button(update: Update, context: Context) -> State:
    """The weekly chart switched on or off in /settings."""
    svc = services(context)
    query = update.callback_query
    assert query is not None and query.data is not None
    state = query.data.removeprefix("p:chart:")
    if state not in (CHART_ON, CHART_OFF):
        await answer_query(update, texts.T.STALE_BUTTON)
        return CHART
    await answer_query(update)
    await drop_buttons(update)
    chat_id = private_chat_id(update)
    on = state == CHART_ON
    after = await svc.store.run(profile.save_weekly_chart, chat_id, on, now=svc.now())
    return await after_answer(
        update, context, after, OT.CHART_SET.format(state=OT.CHART_STATES[state])
    )


_AGE_BANDS = frozenset(texts.T.AGE_BAND_LABELS)


def _restore_of(data: str) -> Restore | None:
    """What a Back button's data says to put back (see `_back_data`); None: forged."""
    parts = data.split(":")[2:]
    if not parts:
        return Restore()
    if parts[0] == "days" and len(parts) == 2:
        days = parts[1]
        if len(days) > 7 or not all(d in "0123456" for d in days):
            return None
        return Restore(run_days=frozenset(int(d) for d in days))
    if parts[0] == "risk" and len(parts) == 4:
        age, mask, declined = parts[1:]
        if (age != "-" and age not in _AGE_BANDS) or declined not in ("0", "1"):
            return None
        factors: frozenset[RiskFactor] | None = None
        if mask != "n":
            if not mask.isascii() or not mask.isdigit() or int(mask) >= 1 << len(RISK_TOGGLES):
                return None
            bits = int(mask)
            factors = frozenset(f for i, f in enumerate(RISK_TOGGLES) if bits & (1 << i))
        return Restore(
            age_band=None if age == "-" else age,
            risk_factors=factors,
            risk_declined=declined == "1",
            risk=True,
        )
    return None


async def back_button(update: Update, context: Context) -> State:
    """Back on a settings picker: the menu again, nothing changed (the days or health answers
    toggled on the picker are put back as they were when it opened)."""
    svc = services(context)
    query = update.callback_query
    assert query is not None and query.data is not None
    restore = _restore_of(query.data)
    if restore is None:
        await answer_query(update, texts.T.STALE_BUTTON)
        return MENU
    chat_id = private_chat_id(update)
    after = await svc.store.run(profile.back_to_menu, chat_id, restore, now=svc.now())
    if after.gone:
        return await _gone(update)
    await answer_query(update)
    await drop_buttons(update)
    if after.restored and after.profile is not None and not after.profile.onboarding:
        await svc.reschedule(after.profile.chat_id)
    await say(update, texts.T.SETTINGS_MENU, menu_keyboard())
    return MENU


async def days_done(update: Update, context: Context) -> State:
    svc = services(context)
    chat_id = private_chat_id(update)
    asked_goal = any(d.startswith("p:dgoal:") for d in _pressed_data(update))
    after = await svc.store.run(profile.finish_days, chat_id, now=svc.now())
    if after.gone:  # erased (/delete) while this conversation was open
        return await _gone(update)
    if after.refused:
        await answer_query(update, texts.T.DAYS_NONE, alert=True)
        return DAYS
    await answer_query(update)
    await drop_buttons(update)
    assert after.profile is not None
    runner = after.profile.runner
    days = format_days(runner.run_days)
    if asked_goal:
        note = _days_and_goal_saved(days, runner.strength_goal)
    else:
        note = OT.DAYS_SAVED.format(days=days)
    return await after_answer(update, context, after, note)


async def _save_time(update: Update, context: Context, column: str, value: str) -> State:
    svc = services(context)
    chat_id = private_chat_id(update)
    parsed = parse_clock(value)
    assert parsed is not None
    after = await svc.store.run(profile.save_time, chat_id, column, parsed, now=svc.now())
    label = texts.T.RUN_TIME_SET if column == "run_time" else texts.T.TIP_TIME_SET
    return await after_answer(update, context, after, label.format(time=parsed.strftime("%H:%M")))


def _time_button(state: str, column: str) -> CallbackQueryHandler[Context, State]:
    async def button(update: Update, context: Context) -> State:
        query = update.callback_query
        assert query is not None and query.data is not None
        value = query.data.split(":", 2)[2]
        if parse_clock(value) is None:
            await answer_query(update, texts.T.STALE_BUTTON)
            return state
        await answer_query(update)
        await drop_buttons(update)
        return await _save_time(update, context, column, value)

    return CallbackQueryHandler(button, pattern=rf"^p:{state}:")


def _time_typed(state: str, column: str) -> TypedAnswer:
    async def typed(update: Update, context: Context) -> State:
        message = update.effective_message
        assert message is not None and message.text is not None
        parsed = parse_clock(message.text)
        if parsed is None:
            await say(update, texts.T.BAD_TIME.format(text=texts.esc(message.text.strip()[:40])))
            return state
        return await _save_time(update, context, column, parsed.strftime("%H:%M"))

    return typed


async def delay_button(update: Update, context: Context) -> State:
    svc = services(context)
    query = update.callback_query
    assert query is not None and query.data is not None
    minutes = query.data.removeprefix("p:delay:")
    if minutes not in texts.T.CHECKIN_DELAY_CHOICES:
        await answer_query(update, texts.T.STALE_BUTTON)
        return DELAY
    await answer_query(update)
    await drop_buttons(update)
    chat_id = private_chat_id(update)
    after = await svc.store.run(profile.save_delay, chat_id, int(minutes), now=svc.now())
    label = texts.T.CHECKIN_DELAY_CHOICES[minutes]
    return await after_answer(update, context, after, texts.T.CHECKIN_DELAY_SET.format(label=label))


async def summary_day_button(update: Update, context: Context) -> State:
    svc = services(context)
    query = update.callback_query
    assert query is not None and query.data is not None
    day = query.data.removeprefix("p:sday:")
    if day not in {str(d) for d in range(7)}:
        await answer_query(update, texts.T.STALE_BUTTON)
        return SUMMARY_DAY
    await answer_query(update)
    await drop_buttons(update)
    chat_id = private_chat_id(update)
    after = await svc.store.run(profile.save_summary_day, chat_id, int(day), now=svc.now())
    label = i18n.weekday_name(int(day), "abbreviated")
    return await after_answer(update, context, after, texts.T.SUMMARY_DAY_SET.format(day=label))


async def confirm(update: Update, context: Context) -> State:
    svc = services(context)
    chat_id = private_chat_id(update)
    await answer_query(update)
    await drop_buttons(update)
    # Subscribed and scheduled in one transaction, which also says what comes next.
    upcoming = await svc.store.run(profile.confirm, chat_id, now=svc.now())
    if upcoming is None:  # erased (/delete) while this conversation was open
        return await _gone(update)
    await say(update, _with_lines(texts.T.SUBSCRIBED, _upcoming_lines(upcoming)))
    log.info("runner subscribed")
    return END


def _with_lines(text: str, lines: list[str]) -> str:
    return text + "\n\n" + "\n".join(lines) if lines else text


def _upcoming_lines(upcoming: list[Upcoming]) -> list[str]:
    """One line per kind of message, soonest first, in the runner's local time."""
    if not upcoming:
        return []
    return [OT.UPCOMING_HEAD] + [
        OT.UPCOMING_LINE.format(
            title=texts.esc(item.title),
            when=f"{i18n.weekday_name(item.at.weekday(), 'abbreviated')} {item.at:%H:%M}",
        )
        for item in upcoming
    ]


async def change(update: Update, context: Context) -> State:
    await answer_query(update)
    await drop_buttons(update)
    return await go_to(update, context, MENU)


_MENU_STEPS = {
    "tz": TZ,
    "days": DAYS,
    "run": RUN,
    "tip": TIP,
    "delay": DELAY,
    "summary": SUMMARY_DAY,
    "country": COUNTRY,
    "risk": RISK,
    "goal": GOAL,
    "chart": CHART,
}


async def menu_choice(update: Update, context: Context) -> State:
    svc = services(context)
    query = update.callback_query
    chat_id = private_chat_id(update)
    assert query is not None and query.data is not None
    choice = query.data.removeprefix("p:menu:")
    await answer_query(update)
    await drop_buttons(update)
    if choice == "close":
        after = await svc.store.run(profile.close_menu, chat_id, now=svc.now())
        if after is not None:
            return await after_answer(update, context, after)
        await say(update, OT.SETTINGS_CLOSED)
        return END
    if choice == "lang":  # the /language buttons (handlers/language.py answers them)
        current = i18n.LANGUAGE_NAMES[i18n.current()]
        prompt = texts.T.LANGUAGE_PROMPT.format(language=current)
        await say(update, prompt, keyboard([list(LANGUAGE_ROW)]))
        return END
    step = _MENU_STEPS.get(choice)
    if step is None:
        await say(update, texts.T.SETTINGS_MENU, menu_keyboard())
        return MENU
    return await go_to(update, context, step, menu=True)


# ---------------------------------------------------------------------------------------------
# Wrong input inside the conversation


class _MentionsSymptoms(filters.MessageFilter):
    """Typed text about pain, numbness, bladder or bowel trouble or weakness."""

    def filter(self, message: Message) -> bool:
        return bool(message.text) and mentions_symptoms(message.text or "")


MENTIONS_SYMPTOMS = _MentionsSymptoms(name="mentions_symptoms")


def _symptoms(state: str) -> MessageHandler[Context, State]:
    """Safety first at every question: typed symptoms get the emergency line before anything."""

    async def symptoms(update: Update, context: Context) -> State:
        answers = await services(context).store.run(profile.load, private_chat_id(update))
        country = (answers.country if answers else None) or None
        safety = advice.free_text_safety_message(country, then=texts.T.ONBOARDING_GO_ON)
        await say(update, safety, urgent=True)
        return state

    return MessageHandler(filters.TEXT & ~filters.COMMAND & MENTIONS_SYMPTOMS, symptoms)


def _reentry(state: str) -> list[CommandHandler[Context, State]]:
    """/start and /settings while this conversation waits on `state`: resume right there."""
    private = filters.ChatType.PRIVATE

    async def again(update: Update, context: Context) -> State:
        return await _start(update, context, state)

    async def settings_again(update: Update, context: Context) -> State:
        return await _open_settings(update, context, state)

    return [
        CommandHandler("start", again, filters=private),
        CommandHandler("settings", settings_again, filters=private),
    ]


Nudge = Callable[[], str]  # the nudge's text, in the current language


def _use_buttons() -> str:
    return texts.T.USE_BUTTONS


def _ot(name: str) -> Nudge:
    return lambda: str(getattr(OT, name))


def _nudge(state: str, text: Nudge) -> MessageHandler[Context, State]:
    async def nudge(update: Update, context: Context) -> State:
        await say(update, text())
        return state

    return MessageHandler(~filters.COMMAND, nudge)


def _stale(state: str) -> CallbackQueryHandler[Context, State]:
    async def stale(update: Update, context: Context) -> State:
        await answer_query(update, texts.T.STALE_BUTTON)
        return state

    # Only this conversation's own (old) buttons: a reminder's buttons pressed mid-conversation
    # must still reach their own handler.
    return CallbackQueryHandler(stale, pattern=r"^p:")


async def cancel(update: Update, context: Context) -> State:
    svc = services(context)
    await svc.store.run(profile.close_questions, private_chat_id(update), now=svc.now())
    await say(update, OT.CANCELLED)
    return END


# The questions that take a typed answer, and the nudge for text at every other question.
TYPED_ANSWERS: dict[str, TypedAnswer] = {
    TZ: zone_text,
    COUNTRY: country_text,
    RUN: _time_typed(RUN, "run_time"),
    TIP: _time_typed(TIP, "tip_time"),
}


def _typed(state: str) -> MessageHandler[Context, State]:
    """Typed text at any state goes to the question last put to the runner (recorded by the
    services as it was asked), not to `state`: PTB's persisted state can be a question behind
    after a crash, and then a tip time would be stored as the run time."""

    async def typed(update: Update, context: Context) -> State:
        svc = services(context)
        asked = await svc.store.run(profile.asked, private_chat_id(update))
        if asked == "":  # no question open: the conversation had ended
            await settings_handlers.unknown_text(update, context)
            return END
        step = asked or state
        answer = TYPED_ANSWERS.get(step)
        if answer is not None:
            return await answer(update, context)
        await say(update, OT.DAYS_NUDGE if step == DAYS else texts.T.USE_BUTTONS)
        return step

    return MessageHandler(filters.TEXT & ~filters.COMMAND, typed)


def _answer_buttons() -> list[BaseHandler[Update, Context, State]]:
    """Every button that answers a question, in every state: its data names the question, so
    a press is stored as that answer even if the persisted state is a question behind."""
    return [
        CallbackQueryHandler(zone_button, pattern=r"^p:tz:"),
        CallbackQueryHandler(country_button, pattern=r"^p:cty:"),
        CallbackQueryHandler(day_toggle, pattern=r"^p:day:[0-6]$"),
        CallbackQueryHandler(days_done, pattern=r"^p:days:done$"),
        _time_button(RUN, "run_time"),
        _time_button(TIP, "tip_time"),
        CallbackQueryHandler(risk_button, pattern=r"^p:risk:"),
        CallbackQueryHandler(delay_button, pattern=r"^p:delay:"),
        CallbackQueryHandler(summary_day_button, pattern=r"^p:sday:"),
        CallbackQueryHandler(days_goal_button, pattern=r"^p:dgoal:"),
        CallbackQueryHandler(goal_button, pattern=r"^p:goal:"),
        CallbackQueryHandler(chart_button, pattern=r"^p:chart:"),
        CallbackQueryHandler(back_button, pattern=r"^p:back(:|$)"),
    ]


def build() -> ConversationHandler[Context]:
    private = filters.ChatType.PRIVATE
    # Each state's own handlers, and what non-text input there gets told (read when it is
    # told: in the runner's language).
    own: dict[str, tuple[list[BaseHandler[Update, Context, State]], Nudge]] = {
        TZ: (
            [
                CallbackQueryHandler(zone_button, pattern=r"^p:tz:"),
                MessageHandler(filters.LOCATION, zone_location),
            ],
            _ot("TZ_NUDGE"),
        ),
        COUNTRY: ([CallbackQueryHandler(country_button, pattern=r"^p:cty:")], _ot("COUNTRY_NUDGE")),
        RISK: ([CallbackQueryHandler(risk_button, pattern=r"^p:risk:")], _use_buttons),
        DAYS: (
            [
                CallbackQueryHandler(day_toggle, pattern=r"^p:day:[0-6]$"),
                CallbackQueryHandler(days_done, pattern=r"^p:days:done$"),
                CallbackQueryHandler(days_goal_button, pattern=r"^p:dgoal:"),
            ],
            _ot("DAYS_NUDGE"),
        ),
        GOAL: ([CallbackQueryHandler(goal_button, pattern=r"^p:goal:")], _use_buttons),
        CHART: ([CallbackQueryHandler(chart_button, pattern=r"^p:chart:")], _use_buttons),
        RUN: ([_time_button(RUN, "run_time")], _ot("TIME_NUDGE")),
        TIP: ([_time_button(TIP, "tip_time")], _ot("TIME_NUDGE")),
        CONFIRM: (
            [
                CallbackQueryHandler(confirm, pattern=r"^p:ok$"),
                CallbackQueryHandler(change, pattern=r"^p:edit$"),
            ],
            _use_buttons,
        ),
        DELAY: ([CallbackQueryHandler(delay_button, pattern=r"^p:delay:")], _use_buttons),
        SUMMARY_DAY: (
            [CallbackQueryHandler(summary_day_button, pattern=r"^p:sday:")],
            _use_buttons,
        ),
        MENU: ([CallbackQueryHandler(menu_choice, pattern=r"^p:menu:")], _use_buttons),
    }
    # In each state: /start and /settings, typed symptoms (safety first), typed answers (to the
    # question asked), the state's own handlers, any answer button, then the nudge for other
    # input and the answer to an old button of this conversation.
    states = {
        state: [
            *_reentry(state),
            _symptoms(state),
            _typed(state),
            *handlers,
            *_answer_buttons(),
            _nudge(state, nudge),
            _stale(state),
        ]
        for state, (handlers, nudge) in own.items()
    }
    with warnings.catch_warnings():
        # Mixing message and button handlers with per_message=False is what we want: the
        # conversation is per chat, not per message.
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            entry_points=[
                CommandHandler("start", start, filters=private),
                CommandHandler("settings", open_settings, filters=private),
            ],
            states=states,  # type: ignore[arg-type]
            fallbacks=[
                CommandHandler("start", start, filters=private),
                CommandHandler("settings", open_settings, filters=private),
                CommandHandler("cancel", cancel, filters=private),
                CommandHandler("stop", settings_handlers.stop, filters=private),
            ],
            allow_reentry=True,
            name="profile",
            persistent=True,
        )

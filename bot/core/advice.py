"""What the runner reads about their back: verdicts, follow-ups, holds, labels.

Pure: no Telegram, no database, no clock. The runner's country (an ISO 3166 alpha-2 code, asked
at onboarding, or None when unknown) picks the emergency number
(:func:`bot.emergency.number_for_country`) and, in the UK, the NHS 111 line for urgent care.
When the number is unknown the words ``T.UNKNOWN_NUMBER`` name the common ones, so a number
is always shown.

Every message is written by us (nothing a person typed goes in) and uses only ``<b>`` and
``<i>``. Every verdict ends with ``T.NOT_A_DIAGNOSIS`` on its own line and every verdict below
EMERGENCY carries the same safety-net line (the cauda equina signs and the number). An emergency
message opens with the number to call, in bold, before any explanation, and carries no running
advice; an urgent one says only "hold off running". During a clinical hold (after URGENT or
EMERGENCY) OK and SELF_CARE messages don't encourage running or exercise.

Everything is written in the current language (:mod:`bot.core.i18n`): the labels and fixed
texts are the English constants of :class:`AdviceTexts`, read through :data:`T`
(``T.RED_FLAG_LABELS[flag]``); each paragraph of a message is one whole msgid, with the
emergency number as its ``{number}`` placeholder.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar, Final

from babel.lists import format_list

from bot.core import i18n
from bot.core.emergency import nhs_111_for_country, number_for_country
from bot.core.i18n import N_, localized
from bot.core.i18n import gettext as _
from bot.core.triage import REASON_LEVEL, Level, Radiation, RedFlag, RiskFactor, Verdict

__all__ = [
    "AdviceTexts",
    "T",
    "follow_up_last_message",
    "follow_up_question",
    "free_text_safety_message",
    "hold_notice",
    "hold_refusal",
    "reason_phrase",
    "safety_net",
    "verdict_message",
]


class AdviceTexts:
    """The fixed health texts in English, the catalogs' source; read them through :data:`T`,
    in the current language (dict values are translated, their keys are not)."""

    NOT_A_DIAGNOSIS = N_("<i>BackStride gives general guidance, not a diagnosis.</i>")

    # Shown where the country, or its number, is unknown.
    # Translators: stands for the emergency number in "Call {number} now" and similar
    # sentences when the runner's country is unknown; keep the numbers and the countries.
    UNKNOWN_NUMBER = N_("112 (or 911 in North and Central America, 999 in the UK)")

    # Checklist buttons. No emoji: the check-in keyboard puts its own tick in front of each one.
    # Plain words; SADDLE_NUMBNESS is about numbness (not saddle soreness), BLADDER_BOWEL about
    # losing control (not a runner's urgent dash to the toilet).
    RED_FLAG_LABELS: ClassVar[Mapping[RedFlag, str]] = {
        # Translators: the warning signs of the check-in checklist, one button each (short,
        # about 40 characters at most). "Numb" means loss of feeling, not soreness.
        RedFlag.SADDLE_NUMBNESS: N_("Numb groin, bottom or inner thighs"),
        # Translators: checklist button: losing control of the bladder or bowels (not an urgent
        # need to go).
        RedFlag.BLADDER_BOWEL: N_("Can't pee, or can't control pee/poo"),
        RedFlag.BOTH_LEGS_WEAKNESS: N_("Both legs weak or numb"),
        RedFlag.SEXUAL_DYSFUNCTION: N_("New sexual problems (erection, feeling)"),
        RedFlag.CHEST_PAIN: N_("Chest pain as well"),
        RedFlag.SERIOUS_ACCIDENT: N_("Hit by a vehicle or fell from a height"),
        RedFlag.ONE_LEG_WEAKER: N_("One leg weaker, or foot drags or slaps"),
        RedFlag.FEVER: N_("Fever or feeling very unwell"),
        RedFlag.TRAUMA: N_("Started after a fall or knock"),
        RedFlag.NIGHT_PAIN: N_("Pain at night or rest that won't ease"),
        RedFlag.WEIGHT_LOSS_OR_CANCER: N_("Losing weight without trying"),
        RedFlag.UPPER_BACK: N_("Pain between or above shoulder blades"),
        RedFlag.LUMP_OR_SHAPE: N_("A lump, swelling or changed back shape"),
    }

    RADIATION_LABELS: ClassVar[Mapping[Radiation, str]] = {
        # Translators: buttons answering "Where is the pain?" (short).
        Radiation.NONE: N_("Back only"),
        Radiation.BUTTOCK_THIGH: N_("Buttock or thigh"),
        Radiation.BELOW_KNEE: N_("Below the knee"),
        Radiation.BOTH_LEGS: N_("Down both legs"),
    }

    # Risk profile buttons, and one line each on why we ask.
    RISK_FACTOR_LABELS: ClassVar[Mapping[RiskFactor, str]] = {
        # Translators: buttons of the optional health profile, in the runner's own voice
        # (short, about 35 characters at most).
        RiskFactor.AGE_UNDER_20: N_("I'm under 20"),
        RiskFactor.AGE_OVER_50: N_("I'm over 50"),
        RiskFactor.CANCER_HISTORY: N_("I've had cancer"),
        RiskFactor.STEROIDS_OR_OSTEOPOROSIS: N_("Long-term steroids or osteoporosis"),
        RiskFactor.WEAK_IMMUNITY: N_("Weakened immune system"),
        RiskFactor.LOW_ENERGY: N_("Under-fuelling or missed periods"),
    }

    RISK_FACTOR_WHY: ClassVar[Mapping[RiskFactor, str]] = {
        # Translators: why the health profile asks this (one line each, after the button's
        # label).
        RiskFactor.AGE_UNDER_20: N_(
            "In young runners, new back pain is more often a stress injury worth a check."
        ),
        RiskFactor.AGE_OVER_50: N_("A first bout of back pain after 50 deserves a doctor's look."),
        RiskFactor.CANCER_HISTORY: N_("After cancer, new back pain should see a doctor sooner."),
        RiskFactor.STEROIDS_OR_OSTEOPOROSIS: N_(
            "Steroids and osteoporosis make bones easier to break, even in a small fall."
        ),
        RiskFactor.WEAK_IMMUNITY: N_(
            "With weaker immunity an infection is more likely, so new pain needs a check."
        ),
        RiskFactor.LOW_ENERGY: N_(
            "Eating too little for your training weakens bone, so lasting pain may be a "
            "stress injury."
        ),
    }

    RISK_PROFILE_INTRO = N_(
        "A few optional questions. Tap any that apply, skip them, or tell me you'd prefer not "
        "to say. "
        "I use the answers only to decide when to suggest seeing a doctor, and you can change "
        "them any time in /settings."
    )

    # Each triage reason code as a short noun phrase that reads after "You told me about ...".
    REASON_PHRASES: ClassVar[Mapping[str, str]] = {
        # Translators: what the runner reported, as a phrase that completes "You told me about
        # {reasons}." (several are joined into a list); use the grammatical form that fits
        # there.
        "saddle_numbness": N_("numbness around your groin, bottom or inner thighs"),
        "bladder_bowel": N_("trouble peeing or controlling your bladder or bowels"),
        "both_legs_weakness": N_("weakness or numbness in both legs"),
        "both_legs_pain": N_("pain that goes down both legs"),
        "sexual_dysfunction": N_("new problems with erections or feeling during sex"),
        "chest_pain": N_("chest pain as well as back pain"),
        "serious_accident": N_("back pain after a serious accident"),
        "one_leg_weaker": N_("one leg or foot getting weaker"),
        "fever": N_("a fever or feeling very unwell"),
        "fever_with_weak_immunity": N_("a fever while your immune system is weakened"),
        "trauma": N_("pain that started after a fall or knock"),
        "trauma_with_fragile_bones": N_("a fall or knock while your bones may be fragile"),
        "night_pain": N_("pain at night or at rest that doesn't ease"),
        "weight_loss_or_cancer": N_("weight loss you can't explain"),
        "cancer_history_new_pain": N_("new back pain after having had cancer"),
        "upper_back": N_("pain between or above your shoulder blades"),
        "lump_or_shape": N_("a lump or swelling, or a change in the shape of your back"),
        "below_knee_with_severe_pain": N_("severe pain that shoots below the knee"),
        "very_severe_pain": N_("very severe pain (9 or more out of 10)"),
        "below_knee": N_("pain that spreads below the knee"),
        "severe_pain": N_("severe pain (7 or more out of 10)"),
        "three_in_a_row": N_("pain of 4 or more on your last three check-ins"),
        "persistent_over_14_days": N_("pain that has lasted more than two weeks"),
        "recurring_pain": N_("pain on most of your check-ins over the last three weeks"),
        "getting_worse": N_("pain that is getting worse"),
        "slow_climb": N_("pain that has crept up over the last two weeks"),
        "cancer_history_ongoing_pain": N_("back pain that keeps going after having had cancer"),
        "over_50_new_pain": N_("a new bout of back pain over the age of 50"),
        "under_20_new_pain": N_("a new bout of back pain under the age of 20"),
        "weak_immunity_new_pain": N_("new back pain while your immune system is weakened"),
        "possible_bone_stress": N_(
            "back or buttock pain on check-ins in a row, with signs of under-fuelling"
        ),
        "mild_pain": N_("some pain after your run"),
        "no_pain": N_("no pain today"),
    }
    # Translators: completes "You told me about {reasons}." when no reason is known.
    NEUTRAL_PHRASE = N_("what you told me in this check-in")

    ANTI_INFLAMMATORIES = N_(
        "Over-the-counter anti-inflammatories may help for a few days at most: ask a pharmacist "
        "or doctor first if you have asthma, stomach, kidney or heart problems, take blood "
        "thinners or are pregnant. Never use them to mask pain, or around long runs or races."
    )

    # Translators: the last line of the safety reply to typed text, above the "Start a
    # check-in now" button.
    FREE_TEXT_CHECK_IN = N_("For anything else, a check-in takes a minute: tap below.")


#: The health texts in the current language: ``T.RED_FLAG_LABELS[flag]``, ``T.NOT_A_DIAGNOSIS``.
T: Final = localized(AdviceTexts)

# Codes whose emergency message explains a possible cauda equina syndrome.
_CAUDA_EQUINA = frozenset(
    {
        "saddle_numbness",
        "bladder_bowel",
        "both_legs_weakness",
        "both_legs_pain",
        "sexual_dysfunction",
    }
)

_MIN_PAIN = 0
_MAX_PAIN = 10
_EASE_OFF_FROM = 4  # SELF_CARE at this pain or more: a few days off running
_FOLLOW_UP_DAYS = 7


def reason_phrase(reason: str) -> str:
    """A plain phrase for a triage reason code; a neutral phrase for a code we don't know."""
    phrase = T.REASON_PHRASES.get(reason) if isinstance(reason, str) else None
    return T.NEUTRAL_PHRASE if phrase is None else phrase


def _join(phrases: Iterable[str]) -> str:
    """Join phrases as "a", "a and b" or "a, b and c" (repeats dropped, order kept), the way
    the current language writes a list."""
    items = list(dict.fromkeys(phrases))
    if len(items) <= 1:
        return "".join(items)
    return str(format_list(items, locale=i18n.babel_locale()))


def _at_level(verdict: Verdict) -> list[str]:
    return [code for code in verdict.reasons if REASON_LEVEL.get(code) == verdict.level]


def _why(verdict: Verdict) -> str:
    """The reasons that set the verdict's level, as one phrase (lesser ones add nothing)."""
    return _join(reason_phrase(code) for code in _at_level(verdict)) or T.NEUTRAL_PHRASE


def _number(country: str | None) -> str:
    """The emergency number for the country, or words naming the common ones."""
    return number_for_country(country) or T.UNKNOWN_NUMBER


def safety_net(country: str | None) -> str:
    """The line every message below EMERGENCY carries: the cauda equina signs and the number."""
    # Translators: the safety line under every check-in answer. {number} is the emergency
    # phone number (such as 112), or words naming the common ones.
    return _(
        "⚠️ Call {number} straight away if you get numbness around your groin or "
        "bottom, trouble peeing or controlling your bladder or bowels, new sexual problems, "
        "or weakness, numbness or pain in both legs."
    ).format(number=_number(country))


def _check_pain(pain: object) -> int:
    if isinstance(pain, bool) or not isinstance(pain, int):
        raise ValueError(f"pain must be an integer 0-10, got {pain!r}")
    if not _MIN_PAIN <= pain <= _MAX_PAIN:
        raise ValueError(f"pain must be between 0 and 10, got {pain}")
    return pain


def _check_escalation(level: object) -> Level:
    if not isinstance(level, Level) or level < Level.SEE_CLINICIAN:
        raise ValueError(f"only SEE_CLINICIAN, URGENT or EMERGENCY escalate, got {level!r}")
    return level


def _emergency(verdict: Verdict, country: str | None) -> list[str]:
    codes = set(_at_level(verdict))
    explain: list[str] = []
    if codes & _CAUDA_EQUINA:
        explain.append(
            _(
                "Together with back pain, signs like these can mean pressure on the nerves at "
                "the base of the spine (cauda equina syndrome), which needs treatment within "
                "hours."
            )
        )
    if "chest_pain" in codes:
        explain.append(
            _(
                "Chest pain with back pain needs checking at once: it can come from the heart "
                "or a large blood vessel."
            )
        )
    if "serious_accident" in codes:
        explain.append(
            _(
                "After a serious accident, back pain needs checking at once for an injury to "
                "the spine."
            )
        )
    if not explain:
        explain.append(_("That needs checking by a doctor straight away."))
    return [
        # Translators: the first line of an emergency answer, in bold: it must stay one short
        # sentence that says who to call. {number} is the emergency phone number (such as
        # 112), or words naming the common ones.
        _("🚨 <b>Call {number} now, or go to the nearest emergency department.</b>").format(
            number=_number(country)
        ),
        # Translators: {reasons} lists what the runner reported ("numbness around your groin,
        # bottom or inner thighs and chest pain as well as back pain"); a sentence explaining
        # the danger follows.
        _("You told me about {reasons}.").format(reasons=_why(verdict)) + " " + " ".join(explain),
        _(
            "Don't wait to see if it passes, and don't drive yourself: ask someone to take you "
            "or wait for the ambulance."
        ),
    ]


def _urgent(verdict: Verdict, country: str | None) -> list[str]:
    if nhs_111_for_country(country):
        # Translators: for runners in the UK only (GP: a family doctor; NHS 111: the UK's
        # urgent-care line, keep the name).
        where = _(
            "🩺 <b>Please see a doctor today.</b> If you can't get a GP appointment today, "
            "call NHS 111 or use NHS 111 online."
        )
    else:
        where = _("🩺 <b>Please see a doctor today</b>: your own doctor or an urgent care clinic.")
    return [
        where,
        # Translators: {reasons} lists what the runner reported ("a fever or feeling very
        # unwell and pain at night or at rest that doesn't ease").
        _(
            "You told me about {reasons}. That needs a doctor's check today, even "
            "if the pain settles."
        ).format(reasons=_why(verdict)),
        _("Hold off running until a clinician has checked you and cleared you."),
        safety_net(country),
    ]


def _see_clinician(
    verdict: Verdict, pain: int, country: str | None, exercise_on_hold: bool
) -> list[str]:
    if exercise_on_hold:
        running = _(
            "Keep gently active through your day, but hold off running. Your exercise and "
            "running reminders stay paused until you tell me a clinician has checked you and "
            "cleared you."
        )
    elif "possible_bone_stress" in verdict.reasons:
        running = _(
            "Hold off running until you've been seen: this could be an early bone stress "
            "injury, and running on it can make it worse. Walking is fine if it doesn't hurt."
        )
    else:
        running = _(
            "Until you've been seen, ease off running: walk or cross-train instead, and keep "
            "moving gently."
        )
    return [
        # Translators: GP: a family doctor.
        _("📋 <b>Book a GP or physiotherapist in the next few days.</b>"),
        # Translators: {reasons} lists what the runner reported ("pain that spreads below the
        # knee and severe pain (7 or more out of 10)").
        _("You told me about {reasons}, which is worth having checked.").format(
            reasons=_why(verdict)
        ),
        # Translators: {pain} is the runner's pain score today, a whole number from 0 to 10.
        _(
            "Tell them when it started, how your running has changed, what makes it better or "
            "worse, and that you scored your pain {pain} out of 10 today."
        ).format(pain=pain),
        running,
        safety_net(country),
    ]


def _self_care(pain: int, country: str | None, exercise_on_hold: bool) -> list[str]:
    if exercise_on_hold:
        return [
            _(
                "⏸ <b>Running and exercise stay on hold.</b> Your exercise and running reminders "
                "stay paused until you tell me a clinician has checked you and cleared you."
            ),
            _(
                "Keep gently active through your day: long bed rest makes back pain worse. Ice "
                "for 10-20 minutes in the first hours may ease soreness; later, heat may relax "
                "tight muscles."
            ),
            T.ANTI_INFLAMMATORIES,
            safety_net(country),
        ]
    if pain >= _EASE_OFF_FROM:
        running = [
            _(
                "🏃 <b>Ease off running for a few days.</b> Walk, cycle or swim instead, then "
                "return gradually with shorter, easier runs."
            ),
            _("Most episodes ease within two weeks."),
        ]
    else:
        running = [
            _(
                "🏃 <b>You can keep running easy</b> if pain stays at 3/10 or less on the run "
                "and is back to your usual by the next morning. If not, rest from running for a "
                "few days and come back gradually."
            ),
            _(
                "Hurt is not harm: a sore back after running is common and rarely means damage. "
                "Most episodes ease within two weeks."
            ),
        ]
    return [
        *running,
        # Translators: child's pose, cat-cow and knee-to-chest are common stretches; use the
        # names runners know in your language.
        _(
            "Stay active: long bed rest makes back pain worse. Ice for 10-20 minutes in the "
            "first hours may ease soreness; later, heat may relax tight muscles. Gentle mobility "
            "may help too: child's pose, cat-cow or knee-to-chest, in a pain-free range."
        ),
        T.ANTI_INFLAMMATORIES,
        safety_net(country),
    ]


def _ok(country: str | None, exercise_on_hold: bool) -> list[str]:
    if exercise_on_hold:
        first = _(
            "✅ No pain today, good to hear. Your exercise and running reminders stay paused "
            "until you tell me a clinician has checked you and cleared you."
        )
    else:
        first = _("✅ No pain today, great. Keep the strength work going.")
    return [first, safety_net(country)]


def verdict_message(
    verdict: Verdict, *, pain: int, country: str | None, exercise_on_hold: bool = False
) -> str:
    """The message for a triage verdict, in Telegram HTML, ending with ``T.NOT_A_DIAGNOSIS``.

    ``pain`` is this check-in's score (0-10) and ``country`` the runner's ISO 3166 alpha-2 code
    (None when unknown). ``exercise_on_hold`` means an earlier URGENT or EMERGENCY verdict has
    put exercise on hold until a clinician clears the runner: OK and SELF_CARE (and
    SEE_CLINICIAN) messages then say that instead of encouraging running or exercise.
    EMERGENCY and URGENT messages don't use ``pain``, so a safety message is built whatever the
    score; for the other levels a score outside 0-10 raises ValueError.
    """
    level = verdict.level
    if level == Level.EMERGENCY:
        lines = _emergency(verdict, country)
    elif level == Level.URGENT:
        lines = _urgent(verdict, country)
    elif level == Level.SEE_CLINICIAN:
        lines = _see_clinician(verdict, _check_pain(pain), country, exercise_on_hold)
    elif level == Level.SELF_CARE:
        lines = _self_care(_check_pain(pain), country, exercise_on_hold)
    elif level == Level.OK:
        _check_pain(pain)
        lines = _ok(country, exercise_on_hold)
    else:
        raise ValueError(f"unknown triage level {level!r}")
    return "\n\n".join(lines) + "\n\n" + T.NOT_A_DIAGNOSIS


def follow_up_question(level: Level, *, country: str | None, day: int = 1) -> str:
    """The daily question after an escalation (plain text, safe to send as HTML).

    ``level`` is the verdict that escalated (SEE_CLINICIAN, URGENT or EMERGENCY; anything else
    raises ValueError) and ``day`` which daily follow-up this is, from 1 (day 7 is the last
    question, :func:`follow_up_last_message` comes after it).
    """
    level = _check_escalation(level)
    if isinstance(day, bool) or not isinstance(day, int) or day < 1:
        raise ValueError(f"day must be a whole number from 1, got {day!r}")
    if level >= Level.URGENT:
        opening = (
            _("👋 Checking in on your back. Have you been checked by a doctor yet?")
            if day == 1
            else _("👋 Checking in again. Has a doctor checked your back yet?")
        )
        lines = [opening]
        if day > 1:
            lines.append(_("If you haven't been seen, please still go: today if you can."))
        lines.append(
            _(
                "Until a clinician has checked you and cleared you, your exercise and running "
                "reminders stay paused."
            )
        )
    else:
        # Translators: GP: a family doctor; physio: a physiotherapist.
        opening = (
            _("👋 How is your back doing? Have you booked a GP or physio yet?")
            if day == 1
            else _("👋 How is your back today? Have you managed to book a GP or physio?")
        )
        lines = [opening, _("Your warm-up and form reminders stay paused until you're better.")]
    lines.append(safety_net(country))
    return "\n\n".join(lines)


def follow_up_last_message(level: Level) -> str:
    """The closing message after the last daily follow-up (plain text, safe to send as HTML)."""
    level = _check_escalation(level)
    if level >= Level.URGENT:
        # Translators: /resume and /checkin are commands: keep them as they are.
        return _(
            "That's a week of daily questions, so I'll stop asking every day now. "
            "Once a clinician has checked you and cleared you, send /resume to get your "
            "reminders back. You can send /checkin any time to tell me how your back is."
        )
    # Translators: /resume and /checkin are commands: keep them as they are.
    return _(
        "That's a week of daily questions, so I'll stop asking every day now. "
        "When you're ready, send /resume to get your reminders back. "
        "You can send /checkin any time to tell me how your back is."
    )


def hold_notice(level: Level) -> str:
    """The short message sent right after an escalation (plain text, safe to send as HTML)."""
    level = _check_escalation(level)
    if level >= Level.URGENT:
        return _(
            "⏸ I've paused all your exercise and running reminders (warm-up, strength, "
            "cross-training and tips) until a clinician has checked you and cleared you. "
            "I'll ask how you're doing tomorrow."
        )
    return _(
        "⏸ I've paused your warm-up and form reminders until you're feeling better. "
        "I'll check in with you tomorrow."
    )


def hold_refusal() -> str:
    """The answer to /tip or "Another tip" during a clinical hold (plain text, HTML-safe)."""
    # Translators: "Checked and cleared" is the label of a button under the daily follow-up
    # question ("✅ Checked and cleared"): use the same words as that button. /resume is a
    # command: keep it as it is.
    return _(
        "I'm not sending exercise tips right now because of what you told me about your back. "
        'When a doctor or physio has cleared you, tap "Checked and cleared" on my daily '
        "question or send /resume."
    )


def free_text_safety_message(country: str | None, *, then: str | None = None) -> str:
    """The reply to typed text that mentions symptoms: the emergency signs first, in bold.

    ``then`` is the next step's line: by default (None) ``T.FREE_TEXT_CHECK_IN``, about the
    "Start a check-in now" button below it; mid-check-in or mid-onboarding, where there is no
    such button, the caller says what to do."""
    # Translators: the first line of the reply to a message that mentions symptoms, in bold.
    # {number} is the emergency phone number (such as 112), or words naming the common ones.
    first = _(
        "🚨 <b>If you have numbness around your groin or bottom, can't control your bladder "
        "or bowels, or both legs are weak or numb, call {number} now.</b>"
    ).format(number=_number(country))
    step = T.FREE_TEXT_CHECK_IN if then is None else then
    return f"{first}\n\n{step}\n\n" + T.NOT_A_DIAGNOSIS

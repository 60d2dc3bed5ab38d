"""What the runner reads about their back: verdicts, follow-ups, holds, labels.

Pure: no Telegram, no database, no clock. The runner's country (an ISO 3166 alpha-2 code, asked
at onboarding, or None when unknown) picks the emergency number
(:func:`bot.emergency.number_for_country`) and, in the UK, the NHS 111 line for urgent care.
When the number is unknown the words :data:`UNKNOWN_NUMBER` name the common ones, so a number
is always shown.

Every message is written by us (nothing a person typed goes in) and uses only ``<b>`` and
``<i>``. Every verdict ends with :data:`NOT_A_DIAGNOSIS` on its own line and every verdict below
EMERGENCY carries the same safety-net line (the cauda equina signs and the number). An emergency
message opens with the number to call, in bold, before any explanation, and carries no running
advice; an urgent one says only "hold off running". During a clinical hold (after URGENT or
EMERGENCY) OK and SELF_CARE messages don't encourage running or exercise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from bot.core.emergency import nhs_111_for_country, number_for_country
from bot.core.triage import REASON_LEVEL, Level, Radiation, RedFlag, RiskFactor, Verdict

__all__ = [
    "NOT_A_DIAGNOSIS",
    "RADIATION_LABELS",
    "RED_FLAG_LABELS",
    "RISK_FACTOR_LABELS",
    "RISK_FACTOR_WHY",
    "RISK_PROFILE_INTRO",
    "UNKNOWN_NUMBER",
    "follow_up_last_message",
    "follow_up_question",
    "free_text_safety_message",
    "hold_notice",
    "hold_refusal",
    "reason_phrase",
    "safety_net",
    "verdict_message",
]

NOT_A_DIAGNOSIS = "<i>BackStride gives general guidance, not a diagnosis.</i>"

# Shown where the country, or its number, is unknown.
UNKNOWN_NUMBER = "112 (or 911 in North and Central America, 999 in the UK)"

# Checklist buttons. No emoji: the check-in keyboard puts its own tick in front of each one.
# Plain words; SADDLE_NUMBNESS is about numbness (not saddle soreness), BLADDER_BOWEL about
# losing control (not a runner's urgent dash to the toilet).
RED_FLAG_LABELS: Mapping[RedFlag, str] = MappingProxyType(
    {
        RedFlag.SADDLE_NUMBNESS: "Numb groin, bottom or inner thighs",
        RedFlag.BLADDER_BOWEL: "Can't pee, or can't control pee/poo",
        RedFlag.BOTH_LEGS_WEAKNESS: "Both legs weak or numb",
        RedFlag.SEXUAL_DYSFUNCTION: "New sexual problems (erection, feeling)",
        RedFlag.CHEST_PAIN: "Chest pain as well",
        RedFlag.SERIOUS_ACCIDENT: "Hit by a vehicle or fell from a height",
        RedFlag.ONE_LEG_WEAKER: "One leg weaker, or foot drags or slaps",
        RedFlag.FEVER: "Fever or feeling very unwell",
        RedFlag.TRAUMA: "Started after a fall or knock",
        RedFlag.NIGHT_PAIN: "Pain at night or rest that won't ease",
        RedFlag.WEIGHT_LOSS_OR_CANCER: "Losing weight without trying",
        RedFlag.UPPER_BACK: "Pain between or above shoulder blades",
        RedFlag.LUMP_OR_SHAPE: "A lump, swelling or changed back shape",
    }
)

RADIATION_LABELS: Mapping[Radiation, str] = MappingProxyType(
    {
        Radiation.NONE: "Back only",
        Radiation.BUTTOCK_THIGH: "Buttock or thigh",
        Radiation.BELOW_KNEE: "Below the knee",
        Radiation.BOTH_LEGS: "Down both legs",
    }
)

# Risk profile buttons, and one line each on why we ask.
RISK_FACTOR_LABELS: Mapping[RiskFactor, str] = MappingProxyType(
    {
        RiskFactor.AGE_UNDER_20: "I'm under 20",
        RiskFactor.AGE_OVER_50: "I'm over 50",
        RiskFactor.CANCER_HISTORY: "I've had cancer",
        RiskFactor.STEROIDS_OR_OSTEOPOROSIS: "Long-term steroids or osteoporosis",
        RiskFactor.WEAK_IMMUNITY: "Weakened immune system",
        RiskFactor.LOW_ENERGY: "Under-fuelling or missed periods",
    }
)

RISK_FACTOR_WHY: Mapping[RiskFactor, str] = MappingProxyType(
    {
        RiskFactor.AGE_UNDER_20: (
            "In young runners, new back pain is more often a stress injury worth a check."
        ),
        RiskFactor.AGE_OVER_50: "A first bout of back pain after 50 deserves a doctor's look.",
        RiskFactor.CANCER_HISTORY: "After cancer, new back pain should see a doctor sooner.",
        RiskFactor.STEROIDS_OR_OSTEOPOROSIS: (
            "Steroids and osteoporosis make bones easier to break, even in a small fall."
        ),
        RiskFactor.WEAK_IMMUNITY: (
            "With weaker immunity an infection is more likely, so new pain needs a check."
        ),
        RiskFactor.LOW_ENERGY: (
            "Eating too little for your training weakens bone, so lasting pain may be a "
            "stress injury."
        ),
    }
)

RISK_PROFILE_INTRO = (
    "A few optional questions. Tap any that apply, skip them, or tell me you'd prefer not "
    "to say. "
    "I use the answers only to decide when to suggest seeing a doctor, and you can change "
    "them any time in /settings."
)

# Each triage reason code as a short noun phrase that reads after "You told me about ...".
_REASON_PHRASES: Mapping[str, str] = MappingProxyType(
    {
        "saddle_numbness": "numbness around your groin, bottom or inner thighs",
        "bladder_bowel": "trouble peeing or controlling your bladder or bowels",
        "both_legs_weakness": "weakness or numbness in both legs",
        "both_legs_pain": "pain that goes down both legs",
        "sexual_dysfunction": "new problems with erections or feeling during sex",
        "chest_pain": "chest pain as well as back pain",
        "serious_accident": "back pain after a serious accident",
        "one_leg_weaker": "one leg or foot getting weaker",
        "fever": "a fever or feeling very unwell",
        "fever_with_weak_immunity": "a fever while your immune system is weakened",
        "trauma": "pain that started after a fall or knock",
        "trauma_with_fragile_bones": "a fall or knock while your bones may be fragile",
        "night_pain": "pain at night or at rest that doesn't ease",
        "weight_loss_or_cancer": "weight loss you can't explain",
        "cancer_history_new_pain": "new back pain after having had cancer",
        "upper_back": "pain between or above your shoulder blades",
        "lump_or_shape": "a lump or swelling, or a change in the shape of your back",
        "below_knee_with_severe_pain": "severe pain that shoots below the knee",
        "very_severe_pain": "very severe pain (9 or more out of 10)",
        "below_knee": "pain that spreads below the knee",
        "severe_pain": "severe pain (7 or more out of 10)",
        "three_in_a_row": "pain of 4 or more on your last three check-ins",
        "persistent_over_14_days": "pain that has lasted more than two weeks",
        "recurring_pain": "pain on most of your check-ins over the last three weeks",
        "getting_worse": "pain that is getting worse",
        "slow_climb": "pain that has crept up over the last two weeks",
        "cancer_history_ongoing_pain": "back pain that keeps going after having had cancer",
        "over_50_new_pain": "a new bout of back pain over the age of 50",
        "under_20_new_pain": "a new bout of back pain under the age of 20",
        "weak_immunity_new_pain": "new back pain while your immune system is weakened",
        "possible_bone_stress": (
            "back or buttock pain on check-ins in a row, with signs of under-fuelling"
        ),
        "mild_pain": "some pain after your run",
        "no_pain": "no pain today",
    }
)
_NEUTRAL_PHRASE = "what you told me in this check-in"

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

_PAUSED_UNTIL_CLEARED = (
    "Your exercise and running reminders stay paused until you tell me a clinician has "
    "checked you and cleared you."
)


def reason_phrase(reason: str) -> str:
    """A plain phrase for a triage reason code; a neutral phrase for a code we don't know."""
    phrase = _REASON_PHRASES.get(reason) if isinstance(reason, str) else None
    return _NEUTRAL_PHRASE if phrase is None else phrase


def _join(phrases: Iterable[str]) -> str:
    """Join phrases as "a", "a and b" or "a, b and c" (repeats dropped, order kept)."""
    items = list(dict.fromkeys(phrases))
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _at_level(verdict: Verdict) -> list[str]:
    return [code for code in verdict.reasons if REASON_LEVEL.get(code) == verdict.level]


def _why(verdict: Verdict) -> str:
    """The reasons that set the verdict's level, as one phrase (lesser ones add nothing)."""
    return _join(reason_phrase(code) for code in _at_level(verdict)) or _NEUTRAL_PHRASE


def _number(country: str | None) -> str:
    """The emergency number for the country, or words naming the common ones."""
    return number_for_country(country) or UNKNOWN_NUMBER


def safety_net(country: str | None) -> str:
    """The line every message below EMERGENCY carries: the cauda equina signs and the number."""
    return (
        f"⚠️ Call {_number(country)} straight away if you get numbness around your groin or "
        "bottom, trouble peeing or controlling your bladder or bowels, new sexual problems, "
        "or weakness, numbness or pain in both legs."
    )


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
            "Together with back pain, signs like these can mean pressure on the nerves at the "
            "base of the spine (cauda equina syndrome), which needs treatment within hours."
        )
    if "chest_pain" in codes:
        explain.append(
            "Chest pain with back pain needs checking at once: it can come from the heart or "
            "a large blood vessel."
        )
    if "serious_accident" in codes:
        explain.append(
            "After a serious accident, back pain needs checking at once for an injury to the spine."
        )
    if not explain:
        explain.append("That needs checking by a doctor straight away.")
    return [
        f"🚨 <b>Call {_number(country)} now, or go to the nearest emergency department.</b>",
        f"You told me about {_why(verdict)}. " + " ".join(explain),
        "Don't wait to see if it passes, and don't drive yourself: ask someone to take you "
        "or wait for the ambulance.",
    ]


def _urgent(verdict: Verdict, country: str | None) -> list[str]:
    if nhs_111_for_country(country):
        where = (
            "🩺 <b>Please see a doctor today.</b> If you can't get a GP appointment today, "
            "call NHS 111 or use NHS 111 online."
        )
    else:
        where = "🩺 <b>Please see a doctor today</b>: your own doctor or an urgent care clinic."
    return [
        where,
        f"You told me about {_why(verdict)}. That needs a doctor's check today, even "
        "if the pain settles.",
        "Hold off running until a clinician has checked you and cleared you.",
        safety_net(country),
    ]


def _see_clinician(
    verdict: Verdict, pain: int, country: str | None, exercise_on_hold: bool
) -> list[str]:
    if exercise_on_hold:
        running = (
            "Keep gently active through your day, but hold off running. " + _PAUSED_UNTIL_CLEARED
        )
    elif "possible_bone_stress" in verdict.reasons:
        running = (
            "Hold off running until you've been seen: this could be an early bone stress "
            "injury, and running on it can make it worse. Walking is fine if it doesn't hurt."
        )
    else:
        running = (
            "Until you've been seen, ease off running: walk or cross-train instead, and keep "
            "moving gently."
        )
    return [
        "📋 <b>Book a GP or physiotherapist in the next few days.</b>",
        f"You told me about {_why(verdict)}, which is worth having checked.",
        "Tell them when it started, how your running has changed, what makes it better or "
        f"worse, and that you scored your pain {pain} out of 10 today.",
        running,
        safety_net(country),
    ]


_ANTI_INFLAMMATORIES = (
    "Over-the-counter anti-inflammatories may help for a few days at most: ask a pharmacist "
    "or doctor first if you have asthma, stomach, kidney or heart problems, take blood "
    "thinners or are pregnant. Never use them to mask pain, or around long runs or races."
)


def _self_care(pain: int, country: str | None, exercise_on_hold: bool) -> list[str]:
    if exercise_on_hold:
        return [
            f"⏸ <b>Running and exercise stay on hold.</b> {_PAUSED_UNTIL_CLEARED}",
            "Keep gently active through your day: long bed rest makes back pain worse. Ice for "
            "10-20 minutes in the first hours may ease soreness; later, heat may relax tight "
            "muscles.",
            _ANTI_INFLAMMATORIES,
            safety_net(country),
        ]
    if pain >= _EASE_OFF_FROM:
        running = [
            "🏃 <b>Ease off running for a few days.</b> Walk, cycle or swim instead, then "
            "return gradually with shorter, easier runs.",
            "Most episodes ease within two weeks.",
        ]
    else:
        running = [
            "🏃 <b>You can keep running easy</b> if pain stays at 3/10 or less on the run and "
            "is back to your usual by the next morning. If not, rest from running for a few "
            "days and come back gradually.",
            "Hurt is not harm: a sore back after running is common and rarely means damage. "
            "Most episodes ease within two weeks.",
        ]
    return [
        *running,
        "Stay active: long bed rest makes back pain worse. Ice for 10-20 minutes in the first "
        "hours may ease soreness; later, heat may relax tight muscles. Gentle mobility may "
        "help too: child's pose, cat-cow or knee-to-chest, in a pain-free range.",
        _ANTI_INFLAMMATORIES,
        safety_net(country),
    ]


def _ok(country: str | None, exercise_on_hold: bool) -> list[str]:
    if exercise_on_hold:
        first = f"✅ No pain today, good to hear. {_PAUSED_UNTIL_CLEARED}"
    else:
        first = "✅ No pain today, great. Keep the strength work going."
    return [first, safety_net(country)]


def verdict_message(
    verdict: Verdict, *, pain: int, country: str | None, exercise_on_hold: bool = False
) -> str:
    """The message for a triage verdict, in Telegram HTML, ending with NOT_A_DIAGNOSIS.

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
    return "\n\n".join(lines) + "\n\n" + NOT_A_DIAGNOSIS


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
            "👋 Checking in on your back. Have you been checked by a doctor yet?"
            if day == 1
            else "👋 Checking in again. Has a doctor checked your back yet?"
        )
        lines = [opening]
        if day > 1:
            lines.append("If you haven't been seen, please still go: today if you can.")
        lines.append(
            "Until a clinician has checked you and cleared you, your exercise and running "
            "reminders stay paused."
        )
    else:
        opening = (
            "👋 How is your back doing? Have you booked a GP or physio yet?"
            if day == 1
            else "👋 How is your back today? Have you managed to book a GP or physio?"
        )
        lines = [opening, "Your warm-up and form reminders stay paused until you're better."]
    lines.append(safety_net(country))
    return "\n\n".join(lines)


def follow_up_last_message(level: Level) -> str:
    """The closing message after the last daily follow-up (plain text, safe to send as HTML)."""
    level = _check_escalation(level)
    if level >= Level.URGENT:
        resume = (
            "Once a clinician has checked you and cleared you, send /resume to get your "
            "reminders back."
        )
    else:
        resume = "When you're ready, send /resume to get your reminders back."
    return (
        "That's a week of daily questions, so I'll stop asking every day now. "
        f"{resume} You can send /checkin any time to tell me how your back is."
    )


def hold_notice(level: Level) -> str:
    """The short message sent right after an escalation (plain text, safe to send as HTML)."""
    level = _check_escalation(level)
    if level >= Level.URGENT:
        return (
            "⏸ I've paused all your exercise and running reminders (warm-up, strength, "
            "cross-training and tips) until a clinician has checked you and cleared you. "
            "I'll ask how you're doing tomorrow."
        )
    return (
        "⏸ I've paused your warm-up and form reminders until you're feeling better. "
        "I'll check in with you tomorrow."
    )


def hold_refusal() -> str:
    """The answer to /tip or "Another tip" during a clinical hold (plain text, HTML-safe)."""
    return (
        "I'm not sending exercise tips right now because of what you told me about your back. "
        'When a doctor or physio has cleared you, tap "Checked and cleared" on my daily '
        "question or send /resume."
    )


FREE_TEXT_CHECK_IN = "For anything else, a check-in takes a minute: tap below."


def free_text_safety_message(country: str | None, *, then: str = FREE_TEXT_CHECK_IN) -> str:
    """The reply to typed text that mentions symptoms: the emergency signs first, in bold.

    ``then`` is the next step's line: by default the "Start a check-in now" button below it;
    mid-check-in or mid-onboarding, where there is no such button, the caller says what to do."""
    return (
        "🚨 <b>If you have numbness around your groin or bottom, can't control your bladder "
        f"or bowels, or both legs are weak or numb, call {_number(country)} now.</b>\n\n"
        f"{then}\n\n" + NOT_A_DIAGNOSIS
    )

"""What the runner reads after a check-in: a triage verdict turned into a Telegram HTML message.

Pure: no Telegram, no database, no clock. The runner's time zone picks the emergency number
(:func:`bot.emergency.emergency_number`) and, in the UK, the NHS 111 line for urgent care.

Every message is written by us (nothing a person typed goes in), uses only ``<b>`` and ``<i>``,
and ends with :data:`NOT_A_DIAGNOSIS` on its own line. An emergency message opens with the
number to call, in bold, before any explanation, and carries no running advice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from bot.emergency import emergency_number, nhs_111_applies
from bot.triage import REASON_LEVEL, Level, Radiation, RedFlag, Verdict

__all__ = [
    "NOT_A_DIAGNOSIS",
    "RADIATION_LABELS",
    "RED_FLAG_LABELS",
    "follow_up_question",
    "reason_phrase",
    "verdict_message",
]

NOT_A_DIAGNOSIS = "<i>BackStride gives general guidance, not a diagnosis.</i>"

# Checklist buttons. No emoji: the check-in keyboard puts its own tick in front of each one.
RED_FLAG_LABELS: Mapping[RedFlag, str] = MappingProxyType(
    {
        RedFlag.SADDLE_NUMBNESS: "Numb/tingly groin, bottom, inner thighs",
        RedFlag.BLADDER_BOWEL: "New trouble with peeing or bowels",
        RedFlag.BOTH_LEGS_WEAKNESS: "Both legs weak or numb, or foot drags",
        RedFlag.FEVER: "Fever or feeling very unwell",
        RedFlag.TRAUMA: "Started after a fall or accident",
        RedFlag.NIGHT_PAIN: "Pain at night or rest that won't ease",
        RedFlag.WEIGHT_LOSS_OR_CANCER: "Unexplained weight loss or past cancer",
    }
)

RADIATION_LABELS: Mapping[Radiation, str] = MappingProxyType(
    {
        Radiation.NONE: "Back only",
        Radiation.BUTTOCK_THIGH: "Buttock or thigh",
        Radiation.BELOW_KNEE: "Below the knee",
    }
)

# Each triage reason code as a short noun phrase that reads after "You told me about ...".
_REASON_PHRASES: Mapping[str, str] = MappingProxyType(
    {
        "saddle_numbness": "numbness around your groin, bottom or inner thighs",
        "bladder_bowel": "new trouble peeing or controlling your bladder or bowels",
        "both_legs_weakness": "weakness or numbness in both legs",
        "fever": "a fever or feeling very unwell",
        "trauma": "pain that started after a fall or accident",
        "night_pain": "pain at night or at rest that doesn't ease",
        "weight_loss_or_cancer": "unexplained weight loss or a history of cancer",
        "below_knee_with_severe_pain": "severe pain that shoots below the knee",
        "very_severe_pain": "very severe pain (9 or more out of 10)",
        "below_knee": "pain that spreads below the knee",
        "severe_pain": "severe pain (7 or more out of 10)",
        "three_in_a_row": "pain of 4 or more on your last three check-ins",
        "persistent_over_14_days": "pain that has lasted more than two weeks",
        "getting_worse": "pain that is getting worse",
        "mild_pain": "some pain after your run",
        "no_pain": "no pain today",
    }
)
_NEUTRAL_PHRASE = "what you told me in this check-in"

_MIN_PAIN = 0
_MAX_PAIN = 10
_EASE_OFF_FROM = 4  # SELF_CARE at this pain or more: a few days off running


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


def _why(verdict: Verdict) -> str:
    """The reasons that set the verdict's level, as one phrase (lesser ones add nothing)."""
    at_level = [code for code in verdict.reasons if REASON_LEVEL.get(code) == verdict.level]
    return _join(reason_phrase(code) for code in at_level) or _NEUTRAL_PHRASE


def _number(timezone: str) -> str:
    """The emergency number for the zone, or words that work anywhere."""
    return emergency_number(timezone) or "your local emergency number"


def _safety_net(timezone: str) -> str:
    return (
        "⚠️ If you develop numbness around your groin, trouble peeing or weakness in both legs, "
        f"call {_number(timezone)} straight away."
    )


def _check_pain(pain: object) -> int:
    if isinstance(pain, bool) or not isinstance(pain, int):
        raise ValueError(f"pain must be an integer 0-10, got {pain!r}")
    if not _MIN_PAIN <= pain <= _MAX_PAIN:
        raise ValueError(f"pain must be between 0 and 10, got {pain}")
    return pain


def _emergency(verdict: Verdict, timezone: str) -> list[str]:
    what = _why(verdict)
    return [
        f"🚨 <b>Call {_number(timezone)} now, or go to the nearest emergency department.</b>",
        f"You told me about {what}. Symptoms like these can be signs of pressure on the "
        "nerves at the base of the spine (cauda equina syndrome), which needs treatment "
        "within hours.",
        "Don't wait to see if it passes, and don't drive yourself: ask someone to take you "
        "or wait for the ambulance.",
    ]


def _urgent(verdict: Verdict, timezone: str) -> list[str]:
    if nhs_111_applies(timezone):
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
        "Hold off running until you've been seen.",
        _safety_net(timezone),
    ]


def _see_clinician(verdict: Verdict, pain: int, timezone: str) -> list[str]:
    return [
        "📋 <b>Book a GP or physiotherapist in the next few days.</b>",
        f"You told me about {_why(verdict)}, which is worth having checked.",
        "Tell them when it started, how your running has changed, what makes it better or "
        f"worse, and that you scored your pain {pain} out of 10 today.",
        "Until you've been seen, ease off running: walk or cross-train instead, and keep "
        "moving gently.",
        _safety_net(timezone),
    ]


def _self_care(pain: int, timezone: str) -> list[str]:
    if pain >= _EASE_OFF_FROM:
        running = (
            "🏃 <b>Ease off running for a few days.</b> Walk, cycle or swim instead, then "
            "return gradually with shorter, easier runs."
        )
    else:
        running = (
            "🏃 <b>You can keep running easy</b> if the pain doesn't get worse while you run. "
            "If it does, take a few days off running and come back gradually."
        )
    return [
        running,
        "Stay active: long bed rest makes back pain worse.",
        "Ice for 10-20 minutes in the first hours may ease soreness; later, heat may relax "
        "tight muscles. Gentle mobility may help too: child's pose, cat-cow or knee-to-chest, "
        "staying in a pain-free range.",
        "Most episodes ease within two weeks.",
        "Over-the-counter anti-inflammatories may help for a few days, but never to mask pain "
        "before a run. For longer use, ask a doctor or pharmacist first.",
        _safety_net(timezone),
    ]


def verdict_message(verdict: Verdict, *, pain: int, timezone: str) -> str:
    """The message for a triage verdict, in Telegram HTML, ending with NOT_A_DIAGNOSIS.

    ``pain`` is this check-in's score (0-10) and ``timezone`` the runner's IANA zone name.
    EMERGENCY and URGENT messages don't use ``pain``, so a safety message is built whatever the
    score; for the other levels a score outside 0-10 raises ValueError.
    """
    level = verdict.level
    if level == Level.EMERGENCY:
        lines = _emergency(verdict, timezone)
    elif level == Level.URGENT:
        lines = _urgent(verdict, timezone)
    elif level == Level.SEE_CLINICIAN:
        lines = _see_clinician(verdict, _check_pain(pain), timezone)
    elif level == Level.SELF_CARE:
        lines = _self_care(_check_pain(pain), timezone)
    elif level == Level.OK:
        _check_pain(pain)
        lines = ["✅ No pain today, great. Keep the strength work going."]
    else:
        raise ValueError(f"unknown triage level {level!r}")
    return "\n\n".join(lines) + "\n\n" + NOT_A_DIAGNOSIS


def follow_up_question() -> str:
    """The next-day question after an escalation (plain text, no tags)."""
    return (
        "👋 Hi again. Yesterday you told me about back pain that needed a doctor's attention. "
        "Did you get it checked?\n\n"
        "If not yet, please still do. I hope you're feeling better. If you notice "
        "numbness around your groin, trouble peeing or weakness in both legs, call your "
        "emergency number straight away."
    )

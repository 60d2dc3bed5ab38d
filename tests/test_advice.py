"""Verdict messages: emergency first, the right number per zone, matched self-care, disclaimer."""

from __future__ import annotations

import datetime
import re
from typing import NamedTuple

import pytest

from bot import texts
from bot.advice import (
    NOT_A_DIAGNOSIS,
    RADIATION_LABELS,
    RED_FLAG_LABELS,
    follow_up_question,
    reason_phrase,
    verdict_message,
)
from bot.content import telegram_html_problem
from bot.triage import (
    REASON_LEVEL,
    Answers,
    Level,
    PastCheckIn,
    Radiation,
    RedFlag,
    Verdict,
    assess,
)

TODAY = datetime.date(2024, 6, 15)
NEUTRAL = reason_phrase("not_a_reason_code")


class Zone(NamedTuple):
    name: str
    number: str | None  # None: no known number, the message says "your local emergency number"
    uk: bool


ZONES = (
    Zone("Europe/Berlin", "112", uk=False),
    Zone("Europe/London", "999", uk=True),
    Zone("America/New_York", "911", uk=False),
    Zone("Australia/Sydney", "000", uk=False),
    Zone("UTC", None, uk=False),
)
ALL_NUMBERS = {zone.number for zone in ZONES if zone.number}


class Case(NamedTuple):
    name: str
    level: Level
    pain: int
    radiation: Radiation = Radiation.NONE
    flags: frozenset[RedFlag] = frozenset()
    past_pains: tuple[int, ...] = ()  # earlier check-ins, one a day, ending yesterday

    def verdict(self) -> Verdict:
        history = [
            PastCheckIn(day=TODAY - datetime.timedelta(days=len(self.past_pains) - i), pain=p)
            for i, p in enumerate(self.past_pains)
        ]
        return assess(Answers(self.pain, self.radiation, self.flags), history, TODAY)


CASES = (
    Case(
        "saddle numbness, mild pain", Level.EMERGENCY, 3, flags=frozenset({RedFlag.SADDLE_NUMBNESS})
    ),
    Case("bladder trouble, no pain", Level.EMERGENCY, 0, flags=frozenset({RedFlag.BLADDER_BOWEL})),
    Case(
        "all three plus fever",
        Level.EMERGENCY,
        8,
        Radiation.BELOW_KNEE,
        frozenset(
            {
                RedFlag.SADDLE_NUMBNESS,
                RedFlag.BLADDER_BOWEL,
                RedFlag.BOTH_LEGS_WEAKNESS,
                RedFlag.FEVER,
            }
        ),
    ),
    Case("fever", Level.URGENT, 5, flags=frozenset({RedFlag.FEVER})),
    Case("fall, no pain", Level.URGENT, 0, flags=frozenset({RedFlag.TRAUMA})),
    Case("severe below the knee", Level.URGENT, 8, Radiation.BELOW_KNEE),
    Case("very severe", Level.URGENT, 9),
    Case("below the knee", Level.SEE_CLINICIAN, 3, Radiation.BELOW_KNEE),
    Case("three in a row", Level.SEE_CLINICIAN, 5, past_pains=(5, 6)),
    Case("severe", Level.SEE_CLINICIAN, 7),
    Case("moderate", Level.SELF_CARE, 5),
    Case("mild", Level.SELF_CARE, 2),
    Case("no pain", Level.OK, 0),
)


def table(*levels: Level) -> list[object]:
    """Every case at ``levels`` (all levels if none given) crossed with every zone."""
    return [
        pytest.param(case, zone, id=f"{case.name}-{zone.name}")
        for case in CASES
        if not levels or case.level in levels
        for zone in ZONES
    ]


TABLE = table()

# Words that would be running or self-care advice; none belongs in an emergency message.
RUNNING_ADVICE = re.compile(
    r"\b(ice|heat|run|runs|running|jog\w*|walk\w*|cycle|swim\w*|cross-train\w*|stretch\w*|"
    r"mobility|pose|cat-cow|bed rest|anti-inflammator\w*|ease off|gradually|strength)\b",
    re.IGNORECASE,
)
TAG = re.compile(r"<[^>]*>")


def message(case: Case, zone: Zone) -> str:
    return verdict_message(case.verdict(), pain=case.pain, timezone=zone.name)


def test_the_table_covers_every_level_and_the_vignettes_triage_as_labelled() -> None:
    assert {case.level for case in CASES} == set(Level)
    for case in CASES:
        assert case.verdict().level is case.level, case.name


@pytest.mark.parametrize(("case", "zone"), TABLE)
def test_every_message_ends_with_the_disclaimer_on_its_own_line(case: Case, zone: Zone) -> None:
    text = message(case, zone)
    assert text.splitlines()[-1] == NOT_A_DIAGNOSIS
    assert text.count(NOT_A_DIAGNOSIS) == 1


@pytest.mark.parametrize(("case", "zone"), TABLE)
def test_every_message_is_valid_telegram_html_and_short(case: Case, zone: Zone) -> None:
    text = message(case, zone)
    assert telegram_html_problem(text) is None
    assert len(text) < 4096
    assert len(text) < 900
    assert set(TAG.findall(text)) <= {"<b>", "</b>", "<i>", "</i>"}


@pytest.mark.parametrize(("case", "zone"), TABLE)
def test_the_right_emergency_number_and_no_other(case: Case, zone: Zone) -> None:
    text = message(case, zone)
    wrong = ALL_NUMBERS - {zone.number}
    assert not any(re.search(rf"\b{number}\b", text) for number in wrong)
    if case.level is Level.OK:
        return
    if zone.number is None:
        assert re.search(r"call your local emergency number", text, re.IGNORECASE)
        assert not re.search(r"call \d", text, re.IGNORECASE)
    else:
        assert re.search(rf"call {zone.number}\b", text, re.IGNORECASE)
        assert "your local emergency number" not in text


@pytest.mark.parametrize(("case", "zone"), TABLE)
def test_emergency_text_comes_first_in_bold_with_the_number(case: Case, zone: Zone) -> None:
    first = message(case, zone).splitlines()[0]
    if case.level is not Level.EMERGENCY:
        assert "emergency department" not in first
        return
    number = zone.number or "your local emergency number"
    assert first.startswith("🚨 <b>")
    assert f"<b>Call {number} now" in first
    assert first.endswith("</b>")
    assert "nearest emergency department" in first


@pytest.mark.parametrize(("case", "zone"), table(Level.EMERGENCY))
def test_emergency_explains_why_and_gives_no_running_advice(case: Case, zone: Zone) -> None:
    text = message(case, zone)
    assert RUNNING_ADVICE.search(text) is None, RUNNING_ADVICE.search(text)
    assert "cauda equina syndrome" in text
    assert "base of the spine" in text
    assert "within hours" in text
    assert "don't wait to see if it passes" in text.lower()
    assert "don't drive yourself" in text.lower()
    for code in case.verdict().reasons:
        if REASON_LEVEL[code] is Level.EMERGENCY:
            assert reason_phrase(code) in text, code


@pytest.mark.parametrize(("case", "zone"), TABLE)
def test_nhs_111_only_for_urgent_in_the_uk(case: Case, zone: Zone) -> None:
    text = message(case, zone)
    assert ("NHS 111" in text) == (case.level is Level.URGENT and zone.uk)
    if case.level is Level.URGENT and not zone.uk:
        assert "urgent care clinic" in text


@pytest.mark.parametrize(("case", "zone"), table(Level.URGENT))
def test_urgent_asks_for_a_doctor_today_and_no_running(case: Case, zone: Zone) -> None:
    text = message(case, zone)
    first = text.splitlines()[0]
    assert "<b>Please see a doctor today" in first
    assert "hold off running until you've been seen" in text.lower()
    verdict = case.verdict()
    for code in verdict.reasons:
        if REASON_LEVEL[code] is Level.URGENT:
            assert reason_phrase(code) in text, code
    assert "ice" not in text.split()


@pytest.mark.parametrize(
    ("case", "zone"),
    table(Level.URGENT, Level.SEE_CLINICIAN, Level.SELF_CARE),
)
def test_non_emergency_advice_carries_the_safety_net(case: Case, zone: Zone) -> None:
    text = message(case, zone)
    net = next(line for line in text.splitlines() if "numbness around your groin" in line)
    assert "trouble peeing" in net
    assert "weakness in both legs" in net
    assert f"call {zone.number or 'your local emergency number'} straight away" in net


@pytest.mark.parametrize(("case", "zone"), table(Level.SEE_CLINICIAN))
def test_see_clinician_says_what_to_book_and_what_to_tell_them(case: Case, zone: Zone) -> None:
    text = message(case, zone)
    assert "GP or physiotherapist" in text.splitlines()[0]
    assert "next few days" in text
    assert f"pain {case.pain} out of 10 today" in text
    for words in ("when it started", "running has changed", "better or worse"):
        assert words in text
    assert "ease off running" in text
    for code in case.verdict().reasons:
        assert reason_phrase(code) in text, code


def test_three_in_a_row_is_explained_in_plain_words() -> None:
    text = verdict_message(
        Verdict(Level.SEE_CLINICIAN, ("three_in_a_row",)), pain=5, timezone="Europe/Berlin"
    )
    assert "pain of 4 or more on your last three check-ins" in text


@pytest.mark.parametrize("pain", [4, 5, 6])
@pytest.mark.parametrize("zone", ZONES, ids=lambda z: z.name)
def test_self_care_with_moderate_pain_eases_off_running(pain: int, zone: Zone) -> None:
    text = verdict_message(Verdict(Level.SELF_CARE, ("mild_pain",)), pain=pain, timezone=zone.name)
    assert "<b>Ease off running for a few days.</b>" in text
    assert "keep running easy" not in text


@pytest.mark.parametrize("pain", [1, 2, 3])
@pytest.mark.parametrize("zone", ZONES, ids=lambda z: z.name)
def test_self_care_with_mild_pain_keeps_running_easy(pain: int, zone: Zone) -> None:
    text = verdict_message(Verdict(Level.SELF_CARE, ("mild_pain",)), pain=pain, timezone=zone.name)
    assert "ease off running" not in text.lower()
    assert "keep running easy" in text
    assert "doesn't get worse while you run" in text


@pytest.mark.parametrize("pain", [2, 5])
def test_self_care_covers_the_self_care_facts_without_promises(pain: int) -> None:
    text = verdict_message(Verdict(Level.SELF_CARE, ("mild_pain",)), pain=pain, timezone="UTC")
    for words in (
        "Stay active",
        "long bed rest makes back pain worse",
        "Ice for 10-20 minutes",
        "heat may relax",
        "child's pose",
        "cat-cow",
        "knee-to-chest",
        "pain-free",
        "gradually",
        "within two weeks",
        "never to mask pain before a run",
        "doctor or pharmacist",
    ):
        assert words in text, words
    for promise in ("will cure", "will fix", "guarantee", "definitely"):
        assert promise not in text.lower()


@pytest.mark.parametrize("zone", ZONES, ids=lambda z: z.name)
def test_ok_is_short_encouragement(zone: Zone) -> None:
    text = verdict_message(Verdict(Level.OK, ("no_pain",)), pain=0, timezone=zone.name)
    assert text.startswith("✅ No pain today, great.")
    assert "strength work" in text
    assert len(text) < 200


@pytest.mark.parametrize("pain", [-1, 11, True, 2.5, None])
@pytest.mark.parametrize("level", [Level.SEE_CLINICIAN, Level.SELF_CARE, Level.OK])
def test_impossible_pain_is_refused_where_the_score_is_used(level: Level, pain: object) -> None:
    with pytest.raises(ValueError):
        verdict_message(Verdict(level, ("mild_pain",)), pain=pain, timezone="UTC")  # type: ignore[arg-type]


@pytest.mark.parametrize("level", [Level.EMERGENCY, Level.URGENT])
def test_safety_messages_are_built_whatever_the_pain_score(level: Level) -> None:
    code = "saddle_numbness" if level is Level.EMERGENCY else "fever"
    text = verdict_message(Verdict(level, (code,)), pain=99, timezone="Europe/Berlin")
    assert "112" in text
    assert text.endswith(NOT_A_DIAGNOSIS)


def test_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError):
        verdict_message(Verdict(7, ("x",)), pain=1, timezone="UTC")  # type: ignore[arg-type]


def test_an_escalation_without_known_reasons_still_reads_well() -> None:
    text = verdict_message(Verdict(Level.EMERGENCY, ("new_code",)), pain=0, timezone="UTC")
    assert f"You told me about {NEUTRAL}." in text
    assert telegram_html_problem(text) is None


@pytest.mark.parametrize("code", list(REASON_LEVEL))
def test_every_reason_code_has_its_own_plain_phrase(code: str) -> None:
    phrase = reason_phrase(code)
    assert phrase != NEUTRAL
    assert phrase and phrase == phrase.strip()
    assert "_" not in phrase
    assert phrase[0].islower()  # it reads mid-sentence
    assert telegram_html_problem(phrase) is None


def test_reason_phrases_are_distinct() -> None:
    phrases = [reason_phrase(code) for code in REASON_LEVEL]
    assert len(set(phrases)) == len(phrases)


def test_saddle_numbness_phrase() -> None:
    assert reason_phrase("saddle_numbness") == "numbness around your groin, bottom or inner thighs"


@pytest.mark.parametrize("code", ["", "unknown", "SADDLE_NUMBNESS", " fever", None, 3])
def test_unknown_reason_codes_get_the_neutral_phrase(code: object) -> None:
    assert reason_phrase(code) == NEUTRAL  # type: ignore[arg-type]
    assert NEUTRAL and telegram_html_problem(NEUTRAL) is None


LABELS = [*RED_FLAG_LABELS.items(), *RADIATION_LABELS.items()]


def test_every_red_flag_and_radiation_has_a_label() -> None:
    assert set(RED_FLAG_LABELS) == set(RedFlag)
    assert set(RADIATION_LABELS) == set(Radiation)
    assert len(set(RED_FLAG_LABELS.values())) == len(RedFlag)


@pytest.mark.parametrize(("key", "label"), LABELS, ids=[k.value for k, _ in LABELS])
def test_labels_fit_a_button(key: object, label: str) -> None:
    assert 0 < len(label) <= 40
    assert label == label.strip()
    assert not set(label) & set("<>&")  # button text is plain, not HTML
    # At most one emoji, and only at the start.
    assert all(ch.isascii() or ch in "’" for ch in label[1:])


def test_radiation_labels() -> None:
    assert dict(RADIATION_LABELS) == {
        Radiation.NONE: "Back only",
        Radiation.BUTTOCK_THIGH: "Buttock or thigh",
        Radiation.BELOW_KNEE: "Below the knee",
    }


@pytest.mark.parametrize(
    ("flag", "words"),
    [
        (RedFlag.SADDLE_NUMBNESS, ("groin", "thigh")),
        (RedFlag.BLADDER_BOWEL, ("peeing", "bowel")),
        (RedFlag.BOTH_LEGS_WEAKNESS, ("both legs", "foot")),
        (RedFlag.FEVER, ("fever", "unwell")),
        (RedFlag.TRAUMA, ("fall", "accident")),
        (RedFlag.NIGHT_PAIN, ("night", "rest")),
        (RedFlag.WEIGHT_LOSS_OR_CANCER, ("weight loss", "cancer")),
    ],
)
def test_red_flag_labels_say_what_they_ask(flag: RedFlag, words: tuple[str, ...]) -> None:
    for word in words:
        assert word in RED_FLAG_LABELS[flag].lower()


def test_not_a_diagnosis_is_the_shared_sentence() -> None:
    assert NOT_A_DIAGNOSIS == "<i>BackStride gives general guidance, not a diagnosis.</i>"
    assert NOT_A_DIAGNOSIS == texts.NOT_A_DIAGNOSIS


def test_follow_up_question_is_plain_and_kind() -> None:
    text = follow_up_question()
    assert "Yesterday you told me" in text
    assert "Did you get it checked?" in text
    assert TAG.search(text) is None
    assert telegram_html_problem(text) is None
    assert "call your emergency number straight away" in text
    assert len(text) < 600

"""Verdict messages: emergency first, the right number per country, matched self-care, the
clinical hold, follow-ups, labels and the disclaimer."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from bot.core import texts, triage
from bot.core.advice import (
    AdviceTexts,
    follow_up_last_message,
    follow_up_question,
    free_text_safety_message,
    hold_notice,
    hold_refusal,
    reason_phrase,
    safety_net,
    verdict_message,
)
from bot.core.content import telegram_html_problem
from bot.core.triage import REASON_LEVEL, Level, Radiation, RedFlag, RiskFactor, Verdict

# The English source texts (the tests run in English unless they say otherwise).
NOT_A_DIAGNOSIS = AdviceTexts.NOT_A_DIAGNOSIS
UNKNOWN_NUMBER = AdviceTexts.UNKNOWN_NUMBER
RISK_PROFILE_INTRO = AdviceTexts.RISK_PROFILE_INTRO
RED_FLAG_LABELS = AdviceTexts.RED_FLAG_LABELS
RADIATION_LABELS = AdviceTexts.RADIATION_LABELS
RISK_FACTOR_LABELS = AdviceTexts.RISK_FACTOR_LABELS
RISK_FACTOR_WHY = AdviceTexts.RISK_FACTOR_WHY

TODAY = datetime.date(2024, 6, 15)
NEUTRAL = reason_phrase("not_a_reason_code")


class Country(NamedTuple):
    code: str | None
    number: str | None  # None: unknown, the message names the common numbers instead
    uk: bool


COUNTRIES = (
    Country("DE", "112", uk=False),
    Country("GB", "999", uk=True),
    Country("US", "911", uk=False),
    Country("AU", "000", uk=False),
    Country(None, None, uk=False),
    Country("ZZ", None, uk=False),  # a code we have no number for
)
KNOWN_NUMBERS = {c.number for c in COUNTRIES if c.number}


def number_words(country: Country) -> str:
    return country.number or UNKNOWN_NUMBER


class Case(NamedTuple):
    name: str
    level: Level
    pain: int
    radiation: Radiation = Radiation.NONE
    flags: frozenset[RedFlag] = frozenset()
    past_pains: tuple[int, ...] = ()  # earlier check-ins, one a day, ending yesterday
    risks: frozenset[RiskFactor] = frozenset()
    past_every: int = 1  # days between earlier check-ins

    def verdict(self) -> Verdict:
        n = len(self.past_pains)
        history = [
            triage.PastCheckIn(
                day=TODAY - datetime.timedelta(days=(n - i) * self.past_every), pain=p
            )
            for i, p in enumerate(self.past_pains)
        ]
        answers = triage.Answers(self.pain, self.radiation, self.flags, self.risks)
        return triage.assess(answers, history, TODAY)


def flags(*items: RedFlag) -> frozenset[RedFlag]:
    return frozenset(items)


CASES = (
    Case("saddle numbness, mild pain", Level.EMERGENCY, 3, flags=flags(RedFlag.SADDLE_NUMBNESS)),
    Case("bladder trouble, no pain", Level.EMERGENCY, 0, flags=flags(RedFlag.BLADDER_BOWEL)),
    Case(
        "all three plus fever",
        Level.EMERGENCY,
        8,
        Radiation.BELOW_KNEE,
        flags(
            RedFlag.SADDLE_NUMBNESS,
            RedFlag.BLADDER_BOWEL,
            RedFlag.BOTH_LEGS_WEAKNESS,
            RedFlag.FEVER,
        ),
    ),
    Case("pain down both legs", Level.EMERGENCY, 4, Radiation.BOTH_LEGS),
    Case("new sexual problems", Level.EMERGENCY, 2, flags=flags(RedFlag.SEXUAL_DYSFUNCTION)),
    Case("chest pain", Level.EMERGENCY, 5, flags=flags(RedFlag.CHEST_PAIN)),
    Case("serious accident", Level.EMERGENCY, 6, flags=flags(RedFlag.SERIOUS_ACCIDENT)),
    Case(
        "chest pain and saddle numbness",
        Level.EMERGENCY,
        3,
        flags=flags(RedFlag.CHEST_PAIN, RedFlag.SADDLE_NUMBNESS),
    ),
    Case("fever", Level.URGENT, 5, flags=flags(RedFlag.FEVER)),
    Case("fall, no pain", Level.URGENT, 0, flags=flags(RedFlag.TRAUMA)),
    Case("one leg weaker", Level.URGENT, 3, flags=flags(RedFlag.ONE_LEG_WEAKER)),
    Case("upper back", Level.URGENT, 2, flags=flags(RedFlag.UPPER_BACK)),
    Case(
        "fall with osteoporosis",
        Level.URGENT,
        1,
        flags=flags(RedFlag.TRAUMA),
        risks=frozenset({RiskFactor.STEROIDS_OR_OSTEOPOROSIS}),
    ),
    Case("new pain after cancer", Level.URGENT, 2, risks=frozenset({RiskFactor.CANCER_HISTORY})),
    Case("severe below the knee", Level.URGENT, 8, Radiation.BELOW_KNEE),
    Case("very severe", Level.URGENT, 9),
    Case("below the knee", Level.SEE_CLINICIAN, 3, Radiation.BELOW_KNEE),
    Case("three in a row", Level.SEE_CLINICIAN, 5, past_pains=(5, 6)),
    Case("severe", Level.SEE_CLINICIAN, 7),
    Case("recurring", Level.SEE_CLINICIAN, 2, past_pains=(2, 0, 2, 2, 0, 2), past_every=3),
    Case("slow climb", Level.SEE_CLINICIAN, 3, past_pains=(1, 1, 2, 2), past_every=3),
    Case("first bout over 50", Level.SEE_CLINICIAN, 2, risks=frozenset({RiskFactor.AGE_OVER_50})),
    Case(
        "possible bone stress",
        Level.SEE_CLINICIAN,
        3,
        past_pains=(2,),
        risks=frozenset({RiskFactor.LOW_ENERGY}),
    ),
    Case("moderate", Level.SELF_CARE, 5),
    Case("mild", Level.SELF_CARE, 2),
    Case("no pain", Level.OK, 0),
)
BELOW_EMERGENCY = (Level.URGENT, Level.SEE_CLINICIAN, Level.SELF_CARE, Level.OK)


def table(*levels: Level, holds: tuple[bool, ...] = (False,)) -> list[object]:
    """Every case at ``levels`` (all if none given) crossed with every country (and hold)."""
    return [
        pytest.param(case, country, hold, id=f"{case.name}-{country.code}-hold{int(hold)}")
        for case in CASES
        if not levels or case.level in levels
        for country in COUNTRIES
        for hold in holds
    ]


TABLE = table(holds=(False, True))

# Words that would be running or self-care advice; none belongs in an emergency message.
RUNNING_ADVICE = re.compile(
    r"\b(ice|heat|run|runs|running|jog\w*|walk\w*|cycle|swim\w*|cross-train\w*|stretch\w*|"
    r"mobility|pose|cat-cow|bed rest|anti-inflammator\w*|ease off|gradually|strength|"
    r"exercis\w*|train\w*)\b",
    re.IGNORECASE,
)
# Words that encourage running or exercise; none belongs in a message during a clinical hold.
ENCOURAGES_EXERCISE = re.compile(
    r"keep the strength work going|keep running|running easy|strength work|walk\w*|"
    r"cycle|swim\w*|cross-train\w*|mobility|child's pose|cat-cow|knee-to-chest|"
    r"return gradually|come back gradually|easier runs|ease off running",
    re.IGNORECASE,
)
TAG = re.compile(r"<[^>]*>")
PAUSED_UNTIL_CLEARED = "paused until you tell me a clinician has checked you and cleared you"


def message(case: Case, country: Country, hold: bool = False) -> str:
    return verdict_message(
        case.verdict(), pain=case.pain, country=country.code, exercise_on_hold=hold
    )


def test_the_table_covers_every_level_and_the_vignettes_triage_as_labelled() -> None:
    assert {case.level for case in CASES} == set(Level)
    for case in CASES:
        assert case.verdict().level is case.level, case.name


@pytest.mark.parametrize(("case", "country", "hold"), TABLE)
def test_every_message_ends_with_the_disclaimer_on_its_own_line(
    case: Case, country: Country, hold: bool
) -> None:
    text = message(case, country, hold)
    assert text.splitlines()[-1] == NOT_A_DIAGNOSIS
    assert text.count(NOT_A_DIAGNOSIS) == 1


@pytest.mark.parametrize(("case", "country", "hold"), TABLE)
def test_every_message_is_valid_telegram_html_and_short(
    case: Case, country: Country, hold: bool
) -> None:
    text = message(case, country, hold)
    assert telegram_html_problem(text) is None
    assert len(text) < 1200
    assert set(TAG.findall(text)) <= {"<b>", "</b>", "<i>", "</i>"}


@pytest.mark.parametrize(("case", "country", "hold"), TABLE)
def test_a_number_is_always_shown_and_never_a_wrong_one(
    case: Case, country: Country, hold: bool
) -> None:
    text = message(case, country, hold)
    if country.number is None:
        assert re.search(rf"call {re.escape(UNKNOWN_NUMBER)}", text, re.IGNORECASE)
        assert "000" not in text
    else:
        assert re.search(rf"call {country.number}\b", text, re.IGNORECASE)
        wrong = KNOWN_NUMBERS - {country.number}
        assert not any(re.search(rf"\b{number}\b", text) for number in wrong)
        assert UNKNOWN_NUMBER not in text


@pytest.mark.parametrize(("case", "country", "hold"), TABLE)
def test_emergency_text_comes_first_in_bold_with_the_number(
    case: Case, country: Country, hold: bool
) -> None:
    first = message(case, country, hold).splitlines()[0]
    if case.level is not Level.EMERGENCY:
        assert "emergency department" not in first
        return
    assert first.startswith("🚨 <b>")
    assert f"<b>Call {number_words(country)} now" in first
    assert first.endswith("</b>")
    assert "nearest emergency department" in first


@pytest.mark.parametrize(("case", "country", "hold"), table(Level.EMERGENCY, holds=(False, True)))
def test_emergency_explains_why_and_gives_no_running_advice(
    case: Case, country: Country, hold: bool
) -> None:
    text = message(case, country, hold)
    assert RUNNING_ADVICE.search(text) is None, RUNNING_ADVICE.search(text)
    assert "don't wait to see if it passes" in text.lower()
    assert "don't drive yourself" in text.lower()
    codes = [c for c in case.verdict().reasons if REASON_LEVEL[c] is Level.EMERGENCY]
    for code in codes:
        assert reason_phrase(code) in text, code
    cauda = {
        "saddle_numbness",
        "bladder_bowel",
        "both_legs_weakness",
        "both_legs_pain",
        "sexual_dysfunction",
    }
    assert ("cauda equina syndrome" in text) == bool(cauda & set(codes))
    if cauda & set(codes):
        assert "base of the spine" in text
        assert "within hours" in text
    assert ("heart" in text) == ("chest_pain" in codes)
    assert ("injury to the spine" in text) == ("serious_accident" in codes)


@pytest.mark.parametrize(("case", "country", "hold"), TABLE)
def test_nhs_111_only_for_urgent_in_the_uk(case: Case, country: Country, hold: bool) -> None:
    text = message(case, country, hold)
    assert ("NHS 111" in text) == (case.level is Level.URGENT and country.uk)
    if case.level is Level.URGENT and not country.uk:
        assert "urgent care clinic" in text


@pytest.mark.parametrize(("case", "country", "hold"), table(Level.URGENT, holds=(False, True)))
def test_urgent_asks_for_a_doctor_today_and_only_says_hold_off_running(
    case: Case, country: Country, hold: bool
) -> None:
    text = message(case, country, hold)
    assert "<b>Please see a doctor today" in text.splitlines()[0]
    assert "Hold off running until a clinician has checked you and cleared you." in text
    for code in case.verdict().reasons:
        if REASON_LEVEL[code] is Level.URGENT:
            assert reason_phrase(code) in text, code
    rest = text.replace("Hold off running", "")
    assert RUNNING_ADVICE.search(rest) is None, RUNNING_ADVICE.search(rest)


@pytest.mark.parametrize(("case", "country", "hold"), table(*BELOW_EMERGENCY, holds=(False, True)))
def test_every_verdict_below_emergency_carries_the_safety_net(
    case: Case, country: Country, hold: bool
) -> None:
    text = message(case, country, hold)
    net = next(line for line in text.splitlines() if "numbness around your groin" in line)
    assert net == safety_net(country.code)
    for words in (
        "numbness around your groin or bottom",
        "trouble peeing or controlling your bladder or bowels",
        "new sexual problems",
        "weakness, numbness or pain in both legs",
        f"Call {number_words(country)} straight away",
    ):
        assert words in net, words


@pytest.mark.parametrize(("case", "country", "hold"), table(Level.SEE_CLINICIAN))
def test_see_clinician_says_what_to_book_and_what_to_tell_them(
    case: Case, country: Country, hold: bool
) -> None:
    text = message(case, country, hold)
    assert "GP or physiotherapist" in text.splitlines()[0]
    assert "next few days" in text
    assert f"pain {case.pain} out of 10 today" in text
    for words in ("when it started", "running has changed", "better or worse"):
        assert words in text
    verdict = case.verdict()
    if "possible_bone_stress" in verdict.reasons:
        assert "Hold off running until you've been seen" in text
        assert "bone stress injury" in text
    else:
        assert "ease off running" in text
        assert "walk" in text
    for code in verdict.reasons:
        assert reason_phrase(code) in text, code


def test_three_in_a_row_is_explained_in_plain_words() -> None:
    text = verdict_message(Verdict(Level.SEE_CLINICIAN, ("three_in_a_row",)), pain=5, country="DE")
    assert "pain of 4 or more on your last three check-ins" in text


@pytest.mark.parametrize("pain", [4, 5, 6])
@pytest.mark.parametrize("country", COUNTRIES, ids=lambda c: str(c.code))
def test_self_care_with_moderate_pain_eases_off_running(pain: int, country: Country) -> None:
    text = verdict_message(
        Verdict(Level.SELF_CARE, ("mild_pain",)), pain=pain, country=country.code
    )
    assert "<b>Ease off running for a few days.</b>" in text
    assert "keep running easy" not in text.lower()
    assert "within two weeks" in text


@pytest.mark.parametrize("pain", [1, 2, 3])
@pytest.mark.parametrize("country", COUNTRIES, ids=lambda c: str(c.code))
def test_self_care_with_mild_pain_keeps_running_easy_with_the_24_hour_rule(
    pain: int, country: Country
) -> None:
    text = verdict_message(
        Verdict(Level.SELF_CARE, ("mild_pain",)), pain=pain, country=country.code
    )
    assert "ease off running" not in text.lower()
    assert "keep running easy" in text
    assert "3/10 or less" in text
    assert "by the next morning" in text
    assert "Hurt is not harm" in text


@pytest.mark.parametrize("pain", [2, 5])
def test_self_care_covers_the_self_care_facts_without_promises(pain: int) -> None:
    text = verdict_message(Verdict(Level.SELF_CARE, ("mild_pain",)), pain=pain, country=None)
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
    ):
        assert words in text, words
    for promise in ("will cure", "will fix", "guarantee", "definitely"):
        assert promise not in text.lower()


@pytest.mark.parametrize("hold", [False, True])
@pytest.mark.parametrize("pain", [1, 5])
def test_the_anti_inflammatory_line_says_who_should_ask_first(pain: int, hold: bool) -> None:
    text = verdict_message(
        Verdict(Level.SELF_CARE, ("mild_pain",)), pain=pain, country="GB", exercise_on_hold=hold
    )
    line = next(line for line in text.splitlines() if "anti-inflammatories" in line)
    for words in (
        "a few days at most",
        "pharmacist or doctor first",
        "asthma",
        "stomach",
        "kidney",
        "heart",
        "blood thinners",
        "pregnant",
        "Never use them to mask pain",
        "long runs or races",
    ):
        assert words in line, words


@pytest.mark.parametrize("country", COUNTRIES, ids=lambda c: str(c.code))
def test_ok_is_short_encouragement(country: Country) -> None:
    text = verdict_message(Verdict(Level.OK, ("no_pain",)), pain=0, country=country.code)
    assert text.startswith("✅ No pain today, great.")
    assert "Keep the strength work going" in text
    assert len(text) < 450


@pytest.mark.parametrize(
    ("case", "country", "hold"),
    table(Level.OK, Level.SELF_CARE, Level.SEE_CLINICIAN, holds=(True,)),
)
def test_during_a_clinical_hold_nothing_encourages_exercise(
    case: Case, country: Country, hold: bool
) -> None:
    text = message(case, country, hold)
    assert ENCOURAGES_EXERCISE.search(text) is None, ENCOURAGES_EXERCISE.search(text)
    assert PAUSED_UNTIL_CLEARED in text


@pytest.mark.parametrize(("case", "country", "hold"), table(Level.EMERGENCY, Level.URGENT))
def test_a_hold_does_not_change_emergency_or_urgent_messages(
    case: Case, country: Country, hold: bool
) -> None:
    assert message(case, country, False) == message(case, country, True)


@pytest.mark.parametrize("pain", [-1, 11, True, 2.5, None])
@pytest.mark.parametrize("level", [Level.SEE_CLINICIAN, Level.SELF_CARE, Level.OK])
def test_impossible_pain_is_refused_where_the_score_is_used(level: Level, pain: object) -> None:
    with pytest.raises(ValueError):
        verdict_message(Verdict(level, ("mild_pain",)), pain=pain, country=None)  # type: ignore[arg-type]


@pytest.mark.parametrize("level", [Level.EMERGENCY, Level.URGENT])
def test_safety_messages_are_built_whatever_the_pain_score(level: Level) -> None:
    code = "saddle_numbness" if level is Level.EMERGENCY else "fever"
    text = verdict_message(Verdict(level, (code,)), pain=99, country="DE")
    assert "112" in text
    assert text.endswith(NOT_A_DIAGNOSIS)


@pytest.mark.parametrize("code", ["de", " gb ", "Us"])
def test_country_codes_are_read_case_insensitively(code: str) -> None:
    text = verdict_message(Verdict(Level.EMERGENCY, ("chest_pain",)), pain=0, country=code)
    assert UNKNOWN_NUMBER not in text


def test_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError):
        verdict_message(Verdict(7, ("x",)), pain=1, country=None)  # type: ignore[arg-type]


def test_an_escalation_without_known_reasons_still_reads_well() -> None:
    text = verdict_message(Verdict(Level.EMERGENCY, ("new_code",)), pain=0, country=None)
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


def test_weight_loss_phrase_is_about_weight_loss_only() -> None:
    assert "cancer" not in reason_phrase("weight_loss_or_cancer")
    assert "weight loss" in reason_phrase("weight_loss_or_cancer")


@pytest.mark.parametrize("code", ["", "unknown", "SADDLE_NUMBNESS", " fever", None, 3])
def test_unknown_reason_codes_get_the_neutral_phrase(code: object) -> None:
    assert reason_phrase(code) == NEUTRAL  # type: ignore[arg-type]
    assert NEUTRAL and telegram_html_problem(NEUTRAL) is None


LABELS = [*RED_FLAG_LABELS.items(), *RADIATION_LABELS.items(), *RISK_FACTOR_LABELS.items()]


def test_every_red_flag_radiation_and_risk_factor_has_a_label() -> None:
    assert set(RED_FLAG_LABELS) == set(RedFlag)
    assert set(RADIATION_LABELS) == set(Radiation)
    assert set(RISK_FACTOR_LABELS) == set(RiskFactor)
    assert set(RISK_FACTOR_WHY) == set(RiskFactor)
    assert len(set(RED_FLAG_LABELS.values())) == len(RedFlag)
    assert len(set(RISK_FACTOR_LABELS.values())) == len(RiskFactor)


@pytest.mark.parametrize(("key", "label"), LABELS, ids=[k.value for k, _ in LABELS])
def test_labels_fit_a_button(key: object, label: str) -> None:
    assert 0 < len(label) <= 40
    assert label == label.strip()
    assert not set(label) & set("<>&")  # button text is plain, not HTML
    assert all(ch.isascii() for ch in label)  # plain words, no emoji


def test_radiation_labels() -> None:
    assert dict(RADIATION_LABELS) == {
        Radiation.NONE: "Back only",
        Radiation.BUTTOCK_THIGH: "Buttock or thigh",
        Radiation.BELOW_KNEE: "Below the knee",
        Radiation.BOTH_LEGS: "Down both legs",
    }


@pytest.mark.parametrize(
    ("flag", "words", "not_words"),
    [
        (RedFlag.SADDLE_NUMBNESS, ("numb", "groin", "bottom", "thigh"), ("sore", "saddle")),
        # Losing control, not a runner's urgent dash to the toilet.
        (RedFlag.BLADDER_BOWEL, ("can't pee", "control"), ("urgent", "rush", "diarrh", "loose")),
        (RedFlag.BOTH_LEGS_WEAKNESS, ("both legs", "weak", "numb"), ("foot", "drag")),
        (RedFlag.SEXUAL_DYSFUNCTION, ("new", "sexual", "erection"), ()),
        (RedFlag.CHEST_PAIN, ("chest",), ()),
        (RedFlag.SERIOUS_ACCIDENT, ("vehicle", "height"), ()),
        (RedFlag.ONE_LEG_WEAKER, ("one leg", "weaker", "foot", "drags"), ("both",)),
        (RedFlag.FEVER, ("fever", "unwell"), ()),
        (RedFlag.TRAUMA, ("fall", "knock"), ()),
        (RedFlag.NIGHT_PAIN, ("night", "rest"), ()),
        (RedFlag.WEIGHT_LOSS_OR_CANCER, ("weight", "without trying"), ("cancer",)),
        (RedFlag.UPPER_BACK, ("shoulder blades",), ()),
        (RedFlag.LUMP_OR_SHAPE, ("lump", "swelling", "shape"), ()),
    ],
)
def test_red_flag_labels_say_what_they_ask(
    flag: RedFlag, words: tuple[str, ...], not_words: tuple[str, ...]
) -> None:
    label = RED_FLAG_LABELS[flag].lower()
    for word in words:
        assert word in label, word
    for word in not_words:
        assert word not in label, word


@pytest.mark.parametrize("risk", list(RiskFactor), ids=lambda r: r.value)
def test_each_risk_factor_says_why_we_ask_in_one_plain_line(risk: RiskFactor) -> None:
    why = RISK_FACTOR_WHY[risk]
    assert "\n" not in why
    assert why.endswith(".") and why[0].isupper()
    assert len(why) <= 100
    assert not set(why) & set("<>&")


def test_risk_profile_intro() -> None:
    intro = RISK_PROFILE_INTRO
    assert "optional" in intro
    assert "skip" in intro
    assert "prefer not" in intro
    assert "/settings" in intro
    assert "only to decide when to suggest seeing a doctor" in intro
    assert telegram_html_problem(intro) is None
    assert len(intro) < 300


def test_not_a_diagnosis_is_the_shared_sentence() -> None:
    assert NOT_A_DIAGNOSIS == "<i>BackStride gives general guidance, not a diagnosis.</i>"
    assert NOT_A_DIAGNOSIS == texts.T.NOT_A_DIAGNOSIS


# --- after an escalation: the hold, the daily question, the last message, the refusal ---

ESCALATIONS = (Level.SEE_CLINICIAN, Level.URGENT, Level.EMERGENCY)
NOT_ESCALATIONS = (Level.OK, Level.SELF_CARE)


def _plain_and_safe(text: str) -> None:
    assert TAG.search(text) is None
    assert telegram_html_problem(text) is None


@pytest.mark.parametrize("day", range(1, 8))
@pytest.mark.parametrize("country", COUNTRIES, ids=lambda c: str(c.code))
@pytest.mark.parametrize("level", ESCALATIONS, ids=lambda lv: lv.name)
def test_follow_up_question(level: Level, country: Country, day: int) -> None:
    text = follow_up_question(level, country=country.code, day=day)
    _plain_and_safe(text)
    assert len(text) < 800
    assert safety_net(country.code) in text
    if level >= Level.URGENT:
        assert re.search(r"checked (by a doctor|your back)", text)
        assert "exercise and running reminders stay paused" in text
        assert "clinician has checked you and cleared you" in text
    else:
        assert "GP or physio" in text
        assert "How is your back" in text
        assert "cleared" not in text


def test_follow_up_question_wording_moves_on_after_the_first_day() -> None:
    assert follow_up_question(Level.URGENT, country="DE") == follow_up_question(
        Level.URGENT, country="DE", day=1
    )
    assert follow_up_question(Level.URGENT, country="DE", day=1) != follow_up_question(
        Level.URGENT, country="DE", day=2
    )


@pytest.mark.parametrize("level", NOT_ESCALATIONS, ids=lambda lv: lv.name)
def test_follow_ups_only_follow_an_escalation(level: Level) -> None:
    with pytest.raises(ValueError):
        follow_up_question(level, country="DE")
    with pytest.raises(ValueError):
        follow_up_last_message(level)
    with pytest.raises(ValueError):
        hold_notice(level)


@pytest.mark.parametrize("day", [0, -1, True, 1.5, "2"])
def test_follow_up_day_must_be_a_whole_number_from_one(day: object) -> None:
    with pytest.raises(ValueError):
        follow_up_question(Level.URGENT, country="DE", day=day)  # type: ignore[arg-type]


@pytest.mark.parametrize("level", ESCALATIONS, ids=lambda lv: lv.name)
def test_follow_up_last_message(level: Level) -> None:
    text = follow_up_last_message(level)
    _plain_and_safe(text)
    assert "stop asking every day" in text
    assert "/resume" in text
    assert "/checkin any time" in text
    assert ("clinician has checked you and cleared you" in text) == (level >= Level.URGENT)


@pytest.mark.parametrize("level", ESCALATIONS, ids=lambda lv: lv.name)
def test_hold_notice(level: Level) -> None:
    text = hold_notice(level)
    _plain_and_safe(text)
    assert "tomorrow" in text
    assert len(text) < 300
    if level >= Level.URGENT:
        for words in (
            "all your exercise and running reminders",
            "warm-up",
            "strength",
            "cross-training",
            "tips",
            "until a clinician has checked you and cleared you",
        ):
            assert words in text, words
    else:
        assert "warm-up and form reminders" in text
        assert "until you're feeling better" in text
        assert "cleared" not in text


def test_hold_refusal() -> None:
    text = hold_refusal()
    _plain_and_safe(text)
    assert "because of what you told me" in text
    assert "doctor or physio has cleared you" in text
    assert 'tap "Checked and cleared"' in text
    assert "/resume" in text


@pytest.mark.parametrize("country", COUNTRIES, ids=lambda c: str(c.code))
def test_free_text_safety_message(country: Country) -> None:
    text = free_text_safety_message(country.code)
    assert telegram_html_problem(text) is None
    paragraphs = text.split("\n\n")
    assert paragraphs[0] == (
        "🚨 <b>If you have numbness around your groin or bottom, can't control your bladder or "
        f"bowels, or both legs are weak or numb, call {number_words(country)} now.</b>"
    )
    assert paragraphs[1] == "For anything else, a check-in takes a minute: tap below."
    assert paragraphs[-1] == NOT_A_DIAGNOSIS
    assert len(paragraphs) == 3


# --- The current language: every text is read through gettext when it is written. ---

SPANISH = {
    "Numb groin, bottom or inner thighs": "Entumecimiento en ingle, nalgas o muslos",
    "Back only": "Solo la espalda",
    "<i>BackStride gives general guidance, not a diagnosis.</i>": (
        "<i>BackStride da orientación general, no un diagnóstico.</i>"
    ),
    "🚨 <b>Call {number} now, or go to the nearest emergency department.</b>": (
        "🚨 <b>Llama al {number} ahora o ve a urgencias.</b>"
    ),
    "You told me about {reasons}.": "Me has contado {reasons}.",
    "numbness around your groin, bottom or inner thighs": "entumecimiento en la ingle",
    "chest pain as well as back pain": "dolor en el pecho",
    "112 (or 911 in North and Central America, 999 in the UK)": (
        "112 (o 911 en Norteamérica y Centroamérica, 999 en el Reino Unido)"
    ),
    "For anything else, a check-in takes a minute: tap below.": "Para lo demás, toca abajo.",
}


@pytest.fixture
def spanish(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A small Spanish catalog in force (the shipped one may not exist yet)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from bot.core import advice, i18n

    messages = Catalog(locale="es", domain=i18n.DOMAIN)
    for english, spanish_text in SPANISH.items():
        messages.add(english, spanish_text)
    folder = tmp_path / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / f"{i18n.DOMAIN}.po").open("wb") as out:
        write_po(out, messages)
    monkeypatch.setitem(i18n._catalogs, "es", i18n.catalog("es", tmp_path))
    monkeypatch.setattr(advice.T, "_copies", {})
    with i18n.use("es"):
        yield


@pytest.mark.usefixtures("spanish")
def test_texts_are_read_in_the_current_language() -> None:
    from bot.core import advice

    assert (
        advice.T.RED_FLAG_LABELS[RedFlag.SADDLE_NUMBNESS]
        == SPANISH["Numb groin, bottom or inner thighs"]
    )
    assert advice.T.RADIATION_LABELS[Radiation.NONE] == "Solo la espalda"
    assert advice.T.NOT_A_DIAGNOSIS != NOT_A_DIAGNOSIS
    # Untranslated labels stay English, never empty.
    assert advice.T.RED_FLAG_LABELS[RedFlag.FEVER] == "Fever or feeling very unwell"


@pytest.mark.usefixtures("spanish")
def test_emergency_verdict_in_spanish_keeps_the_number_first_and_bold() -> None:
    from bot.core import advice

    verdict = Verdict(Level.EMERGENCY, ("saddle_numbness", "chest_pain"))
    text = verdict_message(verdict, pain=5, country="ES")
    paragraphs = text.split("\n\n")
    assert paragraphs[0] == "🚨 <b>Llama al 112 ahora o ve a urgencias.</b>"
    # Lists are joined the Spanish way.
    assert paragraphs[1].startswith(
        "Me has contado entumecimiento en la ingle y dolor en el pecho."
    )
    assert paragraphs[-1] == advice.T.NOT_A_DIAGNOSIS
    unknown = verdict_message(verdict, pain=5, country=None)
    assert "112 (o 911 en Norteamérica y Centroamérica" in unknown.splitlines()[0]
    assert telegram_html_problem(text) is None


@pytest.mark.usefixtures("spanish")
def test_free_text_safety_message_in_spanish() -> None:
    from bot.core import advice

    paragraphs = free_text_safety_message("DE").split("\n\n")
    assert paragraphs[1] == "Para lo demás, toca abajo."
    assert paragraphs[2] == advice.T.NOT_A_DIAGNOSIS


def test_every_paragraph_is_one_msgid_with_its_placeholders() -> None:
    """Extraction finds the verdict texts whole, with {number} where the number goes."""
    from babel.messages.extract import extract_from_file

    from bot.core import advice

    found = {
        message
        for _lineno, message, _comments, _context in extract_from_file(
            "python",
            Path(advice.__file__),
            keywords={"_": None, "N_": None, "ngettext": (1, 2)},
        )
    }
    assert "🚨 <b>Call {number} now, or go to the nearest emergency department.</b>" in found
    assert any(m.startswith("⚠️ Call {number} straight away") for m in found)
    assert any(m.startswith("🚨 <b>If you have numbness") and "{number}" in m for m in found)
    for table in (RED_FLAG_LABELS, RADIATION_LABELS, RISK_FACTOR_LABELS, RISK_FACTOR_WHY):
        assert set(table.values()) <= found
    assert {NOT_A_DIAGNOSIS, UNKNOWN_NUMBER, RISK_PROFILE_INTRO} <= found

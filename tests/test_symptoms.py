"""bot.core.symptoms.mentions_symptoms: typed text that should get the emergency signs first."""

from __future__ import annotations

import pytest

from bot.core.symptoms import mentions_symptoms

HITS = [
    # The issue's example, and the plain English words.
    "my back hurts a lot and my leg is numb",
    "My lower back is in pain after the long run",
    "PAIN!!",
    "it's painful to bend",
    "took some painkillers last night",
    "it hurts when I sit",
    "hurting since Sunday",
    "my back aches",
    "achy hips today",
    "bad backache this morning",
    "really sore after intervals",
    "numbness in my left foot",
    "legs feel tingly",
    "tingling down my leg",
    "I've got pins and needles in my toes",
    "I can't feel my toes",
    "I can’t feel my bum",  # curly apostrophe
    "cannot feel anything down there",
    "my legs feel weak",
    "weakness in my right leg",
    "my knee gave way on the stairs",
    "my legs keep giving way",
    "my foot is dragging when I walk",
    "I think I have foot drop",
    "trouble with my bladder",
    "bowels not right since yesterday",
    "I can't pee",
    "struggling to poo",
    "I've been leaking a bit",
    "I wet myself on the run",
    "some incontinence today",
    "sciatica again",
    "sciatic nerve playing up",
    "my back went when I picked up my bag",
    "my back locked and I can't stand straight",
    "I threw my back out",
    "tweaked my back deadlifting",
    "back spasm",
    "stiff back this morning",
    "slipped disc?",
    "I injured myself at parkrun",
    # Spanish
    "me duele la espalda",
    "tengo dolor en la pierna",
    "Dolor lumbar",
    "siento la pierna entumecida",
    "entumecimiento en el pie",
    "hormigueo en los dedos",
    "debilidad en las piernas",
    "no siento las piernas",
    "ciática otra vez",
    "no puedo orinar",
    # Russian
    "болит спина",
    "сильная боль в пояснице",
    "Боль в ноге",
    "мне больно наклоняться",
    "нога онемела",
    "онемение в паху",
    "слабость в ногах",
    "покалывание в стопе",
    "недержание мочи",
    "ишиас опять",
    "спину заклинило",
]

MISSES = [
    "thanks!",
    "what time is my run?",
    "I painted the fence",
    "painting the kitchen this weekend",
    "Off to Spain next week",
    "the code is weakly typed",
    "my coach is coaching me for a marathon",
    "reaching my goal pace",
    "peel the potatoes",
    "pool session tomorrow",
    "new shampoo",
    "a wee bit tired",
    "pulling weeds in the garden",
    "I'll be back tomorrow",
    "ok",
    "",
    "   ",
    "/start",
    "can I change my run time to 7:30?",
    "great run today, 10k in 52 minutes",
    "Winnie the Pooh",
    "feeling good",
    "I ran at the disco",
    # Spanish and Russian everyday messages
    "gracias",
    "¿a qué hora es mi carrera?",
    "спасибо",
    "больше не нужно, спасибо",  # "больше" (more) is not "боль"
    "большой привет",
    "во сколько пробежка?",
]


@pytest.mark.parametrize("text", HITS)
def test_symptom_messages_are_hits(text: str) -> None:
    assert mentions_symptoms(text) is True


@pytest.mark.parametrize("text", MISSES)
def test_everyday_messages_are_misses(text: str) -> None:
    assert mentions_symptoms(text) is False


def test_the_issues_example() -> None:
    assert mentions_symptoms("my back hurts a lot and my leg is numb")


@pytest.mark.parametrize("text", ["MY BACK HURTS", "My Back Hurts", "my back hurts"])
def test_case_does_not_matter(text: str) -> None:
    assert mentions_symptoms(text)


def test_negations_still_count_as_a_mention() -> None:
    # Deliberately generous: a needless nudge costs one message, a missed sign costs more.
    assert mentions_symptoms("no pain today")


def test_words_inside_longer_words_do_not_match() -> None:
    for word in ("pain", "hurt", "numb", "weak", "pee", "poo", "sore", "ache"):
        assert mentions_symptoms(word)
        assert not mentions_symptoms(f"x{word}y")


@pytest.mark.parametrize("value", [None, 3, b"pain", ["pain"]])
def test_non_text_is_not_a_mention(value: object) -> None:
    assert mentions_symptoms(value) is False  # type: ignore[arg-type]


def test_decomposed_accents_match_like_composed_ones() -> None:
    assert mentions_symptoms("cia\u0301tica")  # "ciática" with a combining accent


@pytest.mark.parametrize(
    "text", ["my foot keeps slapping", "feet dragging on the hills", "I'm dragging my leg"]
)
def test_foot_drop_in_everyday_words(text: str) -> None:
    assert mentions_symptoms(text)

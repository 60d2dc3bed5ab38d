"""Does a typed message mention symptoms? Then the bot answers with the emergency signs first.

Pure: no Telegram, no database, no clock; stdlib only. The reply itself is
:func:`bot.advice.free_text_safety_message`.

:func:`mentions_symptoms` is a deliberately generous keyword match: a false alarm costs the
runner one extra message, a missed "my legs went numb" could cost far more. So negations are
not parsed ("no pain today" counts as a mention) and one word is enough.

How it matches:

* Case-insensitive (``str.casefold`` after Unicode NFC normalisation), curly apostrophes read
  as straight ones, and every word sits on word boundaries, so "painting", "Spain", "peel",
  "pool", "shampoo", "coaching" and "reaching" are not hits. "ache" is matched as a word
  (ache, aches, ached, aching, achy) or in a short list of compounds (backache, headache, ...),
  never inside longer words.
* "weak" is a hit on its own (weak, weaker, weakness, weakened), but "weakly" is not, so
  "weakly typed" passes. "wee" alone is not a hit (Scots for "small"), nor is "weed";
  "weeing" is.
* English, plus common Spanish and Russian stems runners may type: dolor / duele / entumec /
  hormigue / debilidad / ciática / vejiga / orinar, and боль / болит / больно / онем /
  слабость / покалыв / мурашки / моча / недержан / ишиас / прострел / заклинил. Russian
  "боль" is matched by its word forms, not as a bare prefix, so "больше" and "большой"
  (more, big) are not hits.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["mentions_symptoms"]

_ENGLISH = (
    # pain, hurting, aching, soreness
    r"pain|pains|painful|painfully|painkillers?|hurts?|hurting|hurted|"
    r"ache|aches|ached|aching|achy|"
    r"(?:back|head|stomach|tummy|belly|leg|hip|tooth|ear)aches?|"
    r"sore|soreness|agony|agonising|agonizing|killing me|throbbing|stiffness|stiff back|"
    r"spasms?|cramps?|cramping|twinge|twinges|"
    # numbness, tingling
    r"numb|numbness|numbed|tingle|tingles|tingled|tingling|tingly|pins and needles|"
    r"(?:can't|cannot|can not|cant|couldn't|could not) feel|no feeling in|lost feeling|"
    # weakness, legs giving way, foot drop
    r"weak|weaker|weakness|weakened|"
    r"(?:give|gives|gave|giving|given) way|gave out|giving out|buckl(?:e|es|ed|ing)|"
    r"foot drop|(?:foot|feet|leg|legs) (?:is |are |keeps? )?(?:drag|drags|dragging|slap|slaps|"
    r"slapping)|drag(?:s|ging)? my (?:foot|leg)|paralys\w*|"
    # bladder and bowels
    r"bladder|bowels?|pee|pees|peed|peeing|weeing|poo|poos|poop|pooped|pooing|pooping|"
    r"urine|urinate|urinating|urination|incontinen(?:ce|t)|leak|leaks|leaked|leaking|"
    r"wet myself|wet (?:my|the) (?:pants|bed)|soiled|"
    # sciatica, injuries, a back that "went"
    r"sciatica|sciatic|injur(?:y|ies|ed)|sprain(?:s|ed)?|strain(?:s|ed)?|pulled a muscle|"
    r"(?:slipped|herniated|bulging|prolapsed) discs?|"
    r"back (?:went|has gone|is gone|gone|locked|seized|gave out|is killing|is stiff|feels stiff)|"
    r"(?:threw|put|pulled|hurt|tweaked|twisted|injured|done) (?:my|his|her|out my) back|"
    r"(?:threw|put) (?:my|his|her) back out"
)

_SPANISH = (
    r"dolor|dolores|dolorido|adolorido|duele|duelen|dol[ií]a|doli[oó]|"
    r"entumec\w*|hormigue\w*|debilidad|d[ée]bil|"
    r"no siento|ci[áa]tic\w*|vejiga|orina|orinar|incontinencia|lesi[óo]n"
)

_RUSSIAN = (
    r"боль|боли|болью|болей|болям|болями|болях|болит|болят|болела|болел|болело|болели|"
    r"болеть|больно|болезненн\w*|ноет|ноют|ломит|"
    r"онем\w*|слабост\w*|слабеют|слабеет|покалыв\w*|мурашк\w*|"
    r"не чувствую|моча|мочи|мочой|мочиться|мочеиспуск\w*|мочев\w*|недержан\w*|"
    r"ишиас\w*|прострел\w*|заклинил\w*|травм\w*"
)

# \b is Unicode-aware for str patterns, so it works for Cyrillic and accented letters too.
_SYMPTOMS = re.compile(rf"\b(?:{_ENGLISH}|{_SPANISH}|{_RUSSIAN})\b")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    return text.replace("\u2019", "'").replace("\u02bc", "'")


def mentions_symptoms(text: str) -> bool:
    """True when ``text`` mentions pain, numbness, weakness, bladder or bowel trouble and the
    like (see the module docstring); False for anything else, including non-strings."""
    if not isinstance(text, str) or not text:
        return False
    return _SYMPTOMS.search(_normalise(text)) is not None

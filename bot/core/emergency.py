"""Which emergency number to show a runner: by the country they told us, or guessed from their
IANA time zone.

The country is asked during onboarding (``match_country`` understands the answer, and
``number_for_country`` / ``nhs_111_for_country`` / ``country_name`` serve it). English country
names come from tzdata's ``iso3166.tab``; in Spanish and Russian ``country_name`` gives Babel's
(CLDR) territory name, and ``match_country`` also finds a country by Babel's English, Spanish or
Russian name. The zone-based functions below remain for older callers.

The country comes from the tz database's ``zone.tab`` (one ISO 3166 country per zone) shipped
in the ``tzdata`` package; backward-compatible names such as ``US/Eastern``, ``Asia/Calcutta``
or ``Europe/Kiev`` are resolved through the link lines (``L target alias``) of ``tzdata.zi``
from the same package, but only when the link's target zone belongs to a single country (tzdata
merges zones across borders: "Iceland" links to Africa/Abidjan); a small explicit map covers the
merged ones. The files are read and parsed once, by ``bot.core.tzdata``.

Unknown zones (``UTC``, ``Etc/GMT+3``, typos) give ``None``: the caller then says
"your local emergency number" instead of guessing.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from babel import Locale

from bot.core import i18n, tzdata

__all__ = [
    "COMMON_COUNTRIES",
    "EMERGENCY_NUMBERS",
    "MAX_COUNTRY_SUGGESTIONS",
    "country_for_zone",
    "country_name",
    "emergency_number",
    "match_country",
    "nhs_111_applies",
    "nhs_111_for_country",
    "number_for_country",
]

# Emergency number by ISO 3166 country code. Where ambulance, police and fire have separate
# numbers this is the AMBULANCE number (the verdicts that use it are medical), unless one number
# really reaches every service (112 in the EU, where the law requires it to reach ambulances).
# Only countries we are confident about are listed; anything else falls back to "your local
# emergency number". Every entry is checked against the emergency short-number metadata of the
# `phonenumbers` package in tests/test_emergency.py (the few exceptions are explained there).
EMERGENCY_NUMBERS: Mapping[str, str] = MappingProxyType(
    {
        # EU, plus Iceland: the single European emergency number.
        "AT": "112",
        "BE": "112",
        "BG": "112",
        "HR": "112",
        "CY": "112",
        "CZ": "112",
        "DK": "112",
        "EE": "112",
        "FI": "112",
        "FR": "112",
        "DE": "112",
        "GR": "112",
        "HU": "112",
        "IE": "112",
        "IT": "112",
        "LV": "112",
        "LT": "112",
        "LU": "112",
        "MT": "112",
        "NL": "112",
        "PL": "112",
        "PT": "112",
        "RO": "112",
        "SK": "112",
        "SI": "112",
        "ES": "112",
        "SE": "112",
        "IS": "112",
        # Rest of Europe where 112 reaches every service.
        "AX": "112",  # Åland
        "FO": "112",  # Faroe Islands
        "MC": "112",
        "VA": "112",
        "GI": "112",
        "MD": "112",
        "GE": "112",
        "TR": "112",
        # Europe, ambulance numbers (112 exists but reaches the police, or not everywhere).
        "NO": "113",  # medical emergencies; 112 is the police
        "SJ": "113",  # Svalbard, as mainland Norway
        "CH": "144",
        "LI": "144",  # as Switzerland
        "AD": "116",  # SUM, the medical emergency service (110 police, 118 fire)
        "SM": "118",
        "UA": "103",
        "RU": "103",
        "AL": "127",
        "BA": "124",
        "ME": "124",
        "MK": "194",
        "RS": "194",
        "BY": "103",
        # UK and Crown Dependencies (112 also works).
        "GB": "999",
        "IM": "999",
        "JE": "999",
        "GG": "999",
        # North America and NANP members using 911.
        "US": "911",
        "CA": "911",
        "PR": "911",
        "VI": "911",
        "GU": "911",
        "MP": "911",
        "AS": "911",
        "BM": "911",
        "KY": "911",
        "BS": "911",
        "DO": "911",
        # Latin America.
        "MX": "911",
        "CR": "911",
        "PA": "911",
        "SV": "911",
        "EC": "911",
        "UY": "911",
        "AR": "107",  # ambulance
        "CL": "131",  # ambulance
        "CO": "123",
        "BR": "192",  # ambulance (SAMU)
        # Asia-Pacific.
        "AU": "000",
        "NZ": "111",
        "IN": "112",
        "JP": "119",
        "KR": "119",
        "TW": "119",
        "CN": "120",  # ambulance
        "HK": "999",
        "MO": "999",
        "SG": "995",  # ambulance and fire
        "MY": "999",
        "PH": "911",
        "ID": "119",  # national medical emergency line (PSC 119); 112 is city-run
        "VN": "115",  # ambulance
        "TH": "1669",  # medical emergencies
        # Middle East.
        "IL": "101",  # ambulance (Magen David Adom)
        "AE": "998",  # ambulance
        "SA": "997",  # ambulance
        "QA": "999",
        "BH": "999",
        "KW": "112",
        "JO": "911",
        "EG": "123",  # ambulance
        # Africa.
        "ZA": "10177",  # ambulance; 112 also works from mobiles
        "KE": "999",
        "NG": "112",  # the national toll-free number (NCC emergency centres)
    }
)

# Backward names whose tzdata link points at a zone shared by several countries (tzdata merges
# zones that agree since 1970, so e.g. "Iceland" links to Africa/Abidjan and "Pacific/Truk" to
# Pacific/Port_Moresby). Following the link would give the wrong country, so name it here.
# Generic names (CET, MET, EST, MST) are deliberately absent: they belong to no country.
_AMBIGUOUS_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "Africa/Asmera": "ER",
        "Africa/Timbuktu": "ML",
        "America/Coral_Harbour": "CA",
        "America/Montreal": "CA",
        "America/Nipigon": "CA",
        "America/Thunder_Bay": "CA",
        "America/Virgin": "VI",
        "Asia/Rangoon": "MM",
        "Atlantic/Jan_Mayen": "SJ",
        "Canada/Eastern": "CA",
        "Europe/Belfast": "GB",
        "GB": "GB",
        "GB-Eire": "GB",
        "Iceland": "IS",
        "NZ": "NZ",
        "Pacific/Ponape": "FM",
        "Pacific/Samoa": "AS",
        "Pacific/Truk": "FM",
        "Pacific/Yap": "FM",
        "Singapore": "SG",
        "US/Arizona": "US",
        "US/Samoa": "AS",
    }
)


@functools.cache
def _zone_countries() -> Mapping[str, str]:
    """zone.tab as zone -> ISO 3166 country code."""
    return MappingProxyType({row.zone: row.country for row in tzdata.zone_tab()})


_zone_links = tzdata.links
_final_target = tzdata.final_target


@functools.cache
def _target_countries() -> Mapping[str, frozenset[str]]:
    """For each link target, the countries of the zone.tab zones that end up at it."""
    groups: dict[str, set[str]] = {}
    for zone, country in _zone_countries().items():
        groups.setdefault(_final_target(zone), set()).add(country)
    return MappingProxyType({target: frozenset(cs) for target, cs in groups.items()})


def country_for_zone(tz_name: str) -> str | None:
    """ISO 3166 alpha-2 code of the country a tz database zone belongs to, or None."""
    if not isinstance(tz_name, str):
        return None
    name = tz_name.strip()
    # zone.tab first: it lists e.g. Europe/Amsterdam as NL although tzdata links it to
    # Europe/Brussels.
    country = _zone_countries().get(name) or _AMBIGUOUS_ALIASES.get(name)
    if country is not None:
        return country
    # A backward name (US/Eastern -> America/New_York): trust the link only when every
    # zone.tab zone sharing its target is in the same country.
    if name not in _zone_links():
        return None
    countries = _target_countries().get(_final_target(name), frozenset())
    if len(countries) == 1:
        (only,) = countries
        return only
    return None


def emergency_number(tz_name: str) -> str | None:
    """The number to call in an emergency for the runner's zone, or None if unknown."""
    country = country_for_zone(tz_name)
    return None if country is None else EMERGENCY_NUMBERS.get(country)


def nhs_111_applies(tz_name: str) -> bool:
    """Whether NHS 111 (urgent, non-emergency advice) is the right service: the UK only."""
    return country_for_zone(tz_name) == "GB"


# --- Country-based API (the clinical safety issue): the country is asked, not guessed. ---


def number_for_country(code: str | None) -> str | None:
    """The emergency (ambulance) number for an ISO 3166 alpha-2 code, or None if unknown."""
    if not isinstance(code, str):
        return None
    return EMERGENCY_NUMBERS.get(code.strip().upper())


def nhs_111_for_country(code: str | None) -> bool:
    """Whether NHS 111 is the right urgent-care line: the UK only."""
    return isinstance(code, str) and code.strip().upper() == "GB"


# Buttons offered when the runner's answer suggests nothing (most runners first, roughly).
COMMON_COUNTRIES: tuple[str, ...] = ("GB", "US", "DE", "ES", "FR", "IT", "AU", "CA", "IN")

MAX_COUNTRY_SUGGESTIONS = 6
_MAX_INPUT_CHARS = 100
_FUZZY_CUTOFF = 0.75

# What runners call their country beyond iso3166.tab's names (which are indexed with their
# variants: "Britain (UK)" -> "britain uk", "britain", "uk britain"; "St Lucia" -> "saint
# lucia"; "Turks & Caicos Is" -> "turks and caicos islands"). "a|b" lists several spellings;
# keys are folded like the input (see _norm), so "España" and "espana" are one entry.
_COUNTRY_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "uk|united kingdom|great britain|england|scotland|wales|northern ireland|cymru": "GB",
        "usa|america|united states|united states of america|the states": "US",
        "holland|nederland": "NL",
        "south korea|korea|republic of korea|한국|대한민국|hanguk": "KR",
        "north korea|dprk": "KP",
        "russian federation|россия|rossiya": "RU",
        "czechia|czech|cesko|ceska republika": "CZ",
        "uae|emirates": "AE",
        "ivory coast|cote divoire": "CI",
        "burma": "MM",
        "viet nam": "VN",
        "vatican|holy see": "VA",
        "macao": "MO",
        "macedonia": "MK",
        "turkiye": "TR",
        "swaziland": "SZ",
        "timor leste": "TL",
        "cabo verde": "CV",
        "drc|dr congo|democratic republic of the congo|congo kinshasa": "CD",
        "republic of the congo|congo brazzaville": "CG",
        "republic of ireland|eire": "IE",
        # Native names.
        "espana": "ES",
        "deutschland": "DE",
        "mexico": "MX",
        "brasil": "BR",
        "italia": "IT",
        "osterreich|oesterreich": "AT",
        "schweiz|suisse|svizzera|svizra": "CH",
        "belgique|belgie|belgien": "BE",
        "sverige": "SE",
        "norge|noreg": "NO",
        "danmark": "DK",
        "suomi": "FI",
        "polska": "PL",
        "magyarorszag": "HU",
        "ελλαδα|ellada|hellas": "GR",
        "україна|ukraina": "UA",
        "беларусь": "BY",
        "hrvatska": "HR",
        "srbija|србија": "RS",
        "slovensko": "SK",
        "slovenija": "SI",
        "lietuva": "LT",
        "latvija": "LV",
        "eesti": "EE",
        "island": "IS",
        "българия": "BG",
        "letzebuerg|luxemburg": "LU",
        "日本|nippon|nihon": "JP",
        "中国|zhongguo": "CN",
        "भारत|bharat": "IN",
        "aotearoa": "NZ",
        # Spanish and Russian everyday names beyond Babel's (which are indexed too).
        "gran bretana|inglaterra|escocia|gales|британия|англия|шотландия|уэльс|"
        "соединенное королевство": "GB",
        "eeuu|ee uu|eua|сша|америка|соединенные штаты америки": "US",
        "holanda|голландия": "NL",
        "corea|южная корея": "KR",
        "corea del norte|северная корея|кндр": "KP",
        "белоруссия": "BY",
        "оаэ|эмираты": "AE",
        "чехия|чешская республика": "CZ",
    }
)


# Letters that Unicode does not decompose into base letter + accent.
_FOLD_EXTRA = str.maketrans({"ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "ł": "l", "Ł": "l"})
_DROP = re.compile(r"[.'’‘`´]")
_NOT_WORD = re.compile(r"[\W_]+")


def _fold(text: str) -> str:
    """Case- and accent-insensitive form: "España" -> "espana", "Россия" -> "россия"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD_EXTRA))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _norm(text: str) -> str:
    """Lookup key: folded, "&" -> "and", "." and apostrophes dropped ("U.S.A." -> "usa",
    "Côte d'Ivoire" -> "cote divoire"), every other separator a single space."""
    text = _DROP.sub("", _fold(text).replace("&", " and "))
    return _NOT_WORD.sub(" ", text).strip()


_iso3166 = tzdata.iso3166


def _name_variants(name: str) -> set[str]:
    """Spellings of an iso3166.tab name, normalised (see ``tzdata.country_name_variants``)."""
    return {key for key in map(_norm, tzdata.country_name_variants(name)) if key}


@functools.cache
def _babel_territories(locale: str) -> Mapping[str, str]:
    """Babel's (CLDR) name of every iso3166.tab country in `locale`, by code."""
    names = Locale.parse(locale).territories
    return MappingProxyType({code: names[code] for code in _iso3166() if code in names})


# Abbreviations in Babel's names: Russian "о-ва" / "о-в" (islands / island).
_ABBREVIATIONS = ((re.compile(r"\bо-ва\b"), "острова"), (re.compile(r"\bо-в\b"), "остров"))


def _babel_variants(name: str) -> set[str]:
    """Spellings of a Babel name, normalised: "Myanmar (Birmania)" -> "myanmar birmania",
    "myanmar"; "Виргинские о-ва (США)" -> also "виргинские острова". A bracket's words are
    never a key alone ("США" names the United States, not its Virgin Islands)."""
    spellings = {name, re.sub(r"\s*\(.*?\)\s*", " ", name).strip()}
    for spelling in list(spellings):
        expanded = spelling
        for pattern, full in _ABBREVIATIONS:
            expanded = pattern.sub(full, expanded)
        spellings.add(expanded)
    return {key for key in map(_norm, spellings) if len(key) > 2}


@functools.cache
def _country_index() -> Mapping[str, tuple[str, ...]]:
    """Normalised name, variant, alias or lower-case code -> the codes it names."""
    index: dict[str, list[str]] = {}
    for code, name in _iso3166().items():
        for key in (code.lower(), *sorted(_name_variants(name))):
            if code not in index.setdefault(key, []):
                index[key].append(code)
    # Babel's names in every shipped language, for a key iso3166.tab doesn't have already (so
    # the English answers stay the tab's).
    translated: dict[str, list[str]] = {}
    for locale in i18n.BABEL_LOCALES.values():  # the names a runner may type a country by
        for code, name in _babel_territories(locale).items():
            for key in sorted(_babel_variants(name)):
                if key not in index and code not in translated.setdefault(key, []):
                    translated[key].append(code)
    index.update(translated)
    for names, code in _COUNTRY_ALIASES.items():
        for key in names.split("|"):
            index[_norm(key)] = [code]  # an alias decides ("korea" is South Korea)
    return MappingProxyType({key: tuple(codes) for key, codes in index.items()})


# How a runner would write the names iso3166.tab spells with a bracket ("Britain (UK)").
_DISPLAY_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "GB": "United Kingdom",
        "KR": "South Korea",
        "KP": "North Korea",
        "CD": "DR Congo",
        "CG": "Republic of the Congo",
        "MM": "Myanmar",
        "SZ": "Eswatini",
        "WS": "Samoa",
        "AS": "American Samoa",
        "VG": "British Virgin Islands",
        "VI": "US Virgin Islands",
        "MF": "Saint Martin",
        "SX": "Sint Maarten",
        "CC": "Cocos Islands",
    }
)


def country_name(code: str | None) -> str | None:
    """The short name of a country code in the current language, or None. In English
    iso3166.tab's name from tzdata, except where the tab writes it with a bracket ("Britain
    (UK)" is shown as "United Kingdom"); in Spanish and Russian Babel's territory name
    ("Reino Unido", "Великобритания"), or the English one where Babel has none."""
    if not isinstance(code, str):
        return None
    key = code.strip().upper()
    if key not in _iso3166():
        return None
    if i18n.current() != i18n.DEFAULT:
        translated = _babel_territories(i18n.babel_locale()).get(key)
        if translated:
            return translated
    return _DISPLAY_NAMES.get(key) or _iso3166()[key]


def _rank(code: str, name: str) -> tuple[bool, bool, int, str]:
    return (code not in COMMON_COUNTRIES, code not in EMERGENCY_NUMBERS, len(name), name)


def _dedupe(codes: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(codes))[:MAX_COUNTRY_SUGGESTIONS]


def _partial(key: str) -> tuple[str, ...]:
    """Names that start with ``key`` ("ger", "united"), then names containing it as whole
    words ("kingdom", "zealand"); common countries first within each."""
    index = _country_index()
    starts: list[tuple[tuple[bool, bool, int, str], str]] = []
    words: list[tuple[tuple[bool, bool, int, str], str]] = []
    padded = f" {key} "
    for name, codes in index.items():
        if len(name) <= 2:
            continue  # codes
        for code in codes:
            if name.startswith(key):
                starts.append((_rank(code, name), code))
            elif padded in f" {name} ":
                words.append((_rank(code, name), code))
    return _dedupe(code for _rank_, code in [*sorted(starts), *sorted(words)])


def _fuzzy(key: str) -> tuple[str, ...]:
    index = _country_index()
    names = [name for name in index if len(name) > 3]
    close = difflib.get_close_matches(key, names, n=MAX_COUNTRY_SUGGESTIONS, cutoff=_FUZZY_CUTOFF)
    return _dedupe(code for name in close for code in index[name])


def _exact(key: str) -> tuple[str, ...] | None:
    index = _country_index()
    for candidate in (key, key.removeprefix("the ")):
        if candidate in index:
            return index[candidate][:MAX_COUNTRY_SUGGESTIONS]
    return None


def match_country(text: str) -> tuple[str, ...]:
    """Country codes whose name (or code) matches what a runner typed, best first (at most 6).

    Forgiving about case, accents, punctuation and "the": an ISO code ("de", "GB"), an
    iso3166.tab name or a variant of it ("Britain (UK)", "South Korea", "Saint Lucia"), a common
    or native name ("UK", "England", "USA", "Holland", "España", "Deutschland", "Россия"). An
    exact name gives its one code (or the few countries sharing it: "Congo", "Samoa"). Otherwise
    "City, Country" is tried by its parts, then names starting with or containing the words
    ("united" -> GB, US, AE), then close spellings ("Germny"). Nothing recognisable gives ().
    """
    if not isinstance(text, str):
        return ()
    text = text.strip()
    if not text or len(text) > _MAX_INPUT_CHARS:
        return ()
    key = _norm(text)
    if not key:
        return ()  # only emoji or punctuation
    exact = _exact(key)
    if exact is not None:
        return exact
    if "," in text:
        for part in reversed(text.split(",")):  # the country usually comes last
            found = _exact(_norm(part))
            if found is not None:
                return found
    if len(key) < 3:
        return ()
    return _dedupe([*_partial(key), *(_fuzzy(key) if len(key) > 3 else ())])

"""Which emergency number to show a runner, guessed from their IANA time zone.

The country comes from the tz database's ``zone.tab`` (one ISO 3166 country per zone) shipped
in the ``tzdata`` package; backward-compatible names such as ``US/Eastern``, ``Asia/Calcutta``
or ``Europe/Kiev`` are resolved through the link lines (``L target alias``) of ``tzdata.zi``
from the same package, but only when the link's target zone belongs to a single country (tzdata
merges zones across borders: "Iceland" links to Africa/Abidjan); a small explicit map covers the
merged ones. Both files are parsed once and cached.

Unknown zones (``UTC``, ``Etc/GMT+3``, typos) give ``None``: the caller then says
"your local emergency number" instead of guessing.
"""

from __future__ import annotations

import functools
import importlib.resources
import logging
from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "EMERGENCY_NUMBERS",
    "country_for_zone",
    "emergency_number",
    "nhs_111_applies",
]

log = logging.getLogger(__name__)

# Emergency number by ISO 3166 country code. Where ambulance, police and fire have separate
# numbers this is the AMBULANCE number (the verdicts that use it are medical). Only countries
# we are confident about are listed; anything else falls back to "your local emergency number".
EMERGENCY_NUMBERS: Mapping[str, str] = MappingProxyType(
    {
        # EU / EEA: the single European emergency number.
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
        "LI": "112",
        "NO": "112",
        # Rest of Europe where 112 reaches every service.
        "AX": "112",  # Åland
        "FO": "112",  # Faroe Islands
        "SJ": "112",  # Svalbard
        "CH": "112",  # 144 is the direct ambulance line; 112 works everywhere
        "AD": "112",
        "MC": "112",
        "SM": "112",
        "VA": "112",
        "GI": "112",
        "MD": "112",
        "UA": "112",  # 103 is the ambulance; 112 works
        "RU": "112",  # 103 is the ambulance; 112 works
        "GE": "112",
        "TR": "112",
        # Europe, ambulance numbers.
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
        "ID": "112",
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
        "ZA": "112",  # from mobiles; 10177 is the landline ambulance number
        "KE": "999",
        "NG": "112",
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


def _read_tzdata_text(name: str) -> str | None:
    try:
        return (importlib.resources.files("tzdata") / "zoneinfo" / name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):
        log.warning("tzdata file %s not available", name)
        return None


@functools.cache
def _zone_countries() -> Mapping[str, str]:
    """zone.tab: ``country-code<TAB>coordinates<TAB>TZ[<TAB>comments]``, ``#`` comments."""
    text = _read_tzdata_text("zone.tab") or ""
    table: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) >= 3:
            table[fields[2].strip()] = fields[0].strip().upper()
    return MappingProxyType(table)


@functools.cache
def _zone_links() -> Mapping[str, str]:
    """Link lines of tzdata.zi: ``L TARGET ALIAS`` (targets are already fully resolved)."""
    text = _read_tzdata_text("tzdata.zi") or ""
    links: dict[str, str] = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[0] == "L":
            links[fields[2]] = fields[1]
    return MappingProxyType(links)


def _final_target(name: str) -> str:
    links = _zone_links()
    seen: set[str] = set()
    while name in links and name not in seen:
        seen.add(name)
        name = links[name]
    return name


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

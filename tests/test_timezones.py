"""Tests for bot.timezones: matching what runners type, locations, validation and labels."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.core import emergency
from bot.core import timezones as tz
from bot.core.timezones import (
    COMMON_ZONES,
    MAX_SUGGESTIONS,
    ZoneMatch,
    country_for_location,
    is_valid_zone,
    local_now_label,
    match_zone,
    zone_for_location,
    zone_label,
)

NO_MATCH = ZoneMatch(None, ())
SUMMER = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
WINTER = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def zones(names: str) -> tuple[str, ...]:
    return tuple(names.split())


# The first six zones a country suggests, most populous first.
US_ZONES = zones(
    "America/New_York America/Chicago America/Denver"
    " America/Los_Angeles America/Anchorage Pacific/Honolulu"
)
AU_ZONES = zones(
    "Australia/Sydney Australia/Melbourne Australia/Brisbane"
    " Australia/Adelaide Australia/Perth Australia/Hobart"
)
CA_ZONES = zones(
    "America/Toronto America/Vancouver America/Edmonton"
    " America/Winnipeg America/Halifax America/St_Johns"
)

# --- match_zone: inputs that identify one zone ---------------------------------------------

EXACT_KEYS = [
    ("Europe/Berlin", "Europe/Berlin"),
    ("europe/berlin", "Europe/Berlin"),
    ("  EUROPE/BERLIN \n", "Europe/Berlin"),
    ("america/new york", "America/New_York"),
    ("America/New-York", "America/New_York"),
    ("america / new_york", "America/New_York"),
    ("america/port au prince", "America/Port-au-Prince"),
    ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
    ("america/indiana/indianapolis", "America/Indiana/Indianapolis"),
    # Deprecated but valid keys are accepted as given.
    ("US/Eastern", "US/Eastern"),
    ("us/pacific", "US/Pacific"),
    ("Asia/Calcutta", "Asia/Calcutta"),
    ("Europe/Kiev", "Europe/Kiev"),
    ("Etc/GMT-2", "Etc/GMT-2"),
    ("Etc/UTC", "Etc/UTC"),
]

CITIES = [
    ("berlin", "Europe/Berlin"),
    ("Berlin", "Europe/Berlin"),
    ("  TOKYO ", "Asia/Tokyo"),
    ("new york", "America/New_York"),
    ("New_York", "America/New_York"),
    ("new-york", "America/New_York"),
    ("los angeles", "America/Los_Angeles"),
    ("sao paulo", "America/Sao_Paulo"),
    ("São Paulo", "America/Sao_Paulo"),
    ("ho chi minh", "Asia/Ho_Chi_Minh"),
    ("zürich", "Europe/Zurich"),
    ("Zurich", "Europe/Zurich"),
    ("ZÜRICH", "Europe/Zurich"),
    ("St. John's", "America/St_Johns"),
    ("port-au-prince", "America/Port-au-Prince"),
    ("kolkata", "Asia/Kolkata"),
    ("auckland", "Pacific/Auckland"),
    ("buenos aires", "America/Argentina/Buenos_Aires"),
    ("reykjavík", "Atlantic/Reykjavik"),
    ("oslo", "Europe/Oslo"),  # a zone.tab link is still a tz city
    ("chatham", "Pacific/Chatham"),
]

ALIASES = [
    ("san francisco", "America/Los_Angeles"),
    ("Seattle", "America/Los_Angeles"),
    ("portland", "America/Los_Angeles"),
    ("las vegas", "America/Los_Angeles"),
    ("san diego", "America/Los_Angeles"),
    ("LA", "America/Los_Angeles"),  # not Laos
    ("boston", "America/New_York"),
    ("Washington D.C.", "America/New_York"),
    ("dc", "America/New_York"),
    ("NYC", "America/New_York"),
    ("miami", "America/New_York"),
    ("atlanta", "America/New_York"),
    ("philadelphia", "America/New_York"),
    ("dallas", "America/Chicago"),
    ("houston", "America/Chicago"),
    ("austin", "America/Chicago"),
    ("minneapolis", "America/Chicago"),
    ("nashville", "America/Chicago"),
    ("salt lake city", "America/Denver"),
    ("München", "Europe/Berlin"),
    ("munich", "Europe/Berlin"),
    ("hamburg", "Europe/Berlin"),
    ("frankfurt", "Europe/Berlin"),
    ("Köln", "Europe/Berlin"),
    ("cologne", "Europe/Berlin"),
    ("manchester", "Europe/London"),
    ("edinburgh", "Europe/London"),
    ("glasgow", "Europe/London"),
    ("birmingham", "Europe/London"),
    ("barcelona", "Europe/Madrid"),
    ("valencia", "Europe/Madrid"),
    ("Sevilla", "Europe/Madrid"),
    ("milan", "Europe/Rome"),
    ("naples", "Europe/Rome"),
    ("florence", "Europe/Rome"),
    ("Kraków", "Europe/Warsaw"),
    ("mumbai", "Asia/Kolkata"),
    ("delhi", "Asia/Kolkata"),
    ("New Delhi", "Asia/Kolkata"),
    ("bangalore", "Asia/Kolkata"),
    ("bengaluru", "Asia/Kolkata"),
    ("chennai", "Asia/Kolkata"),
    ("hyderabad", "Asia/Kolkata"),
    ("beijing", "Asia/Shanghai"),
    ("shenzhen", "Asia/Shanghai"),
    ("guangzhou", "Asia/Shanghai"),
    ("osaka", "Asia/Tokyo"),
    ("kyoto", "Asia/Tokyo"),
    ("canberra", "Australia/Sydney"),
    ("wellington", "Pacific/Auckland"),
    ("rio", "America/Sao_Paulo"),
    ("Rio de Janeiro", "America/Sao_Paulo"),
    ("brasília", "America/Sao_Paulo"),
    ("ho chi minh city", "Asia/Ho_Chi_Minh"),
    ("california", "America/Los_Angeles"),
    ("texas", "America/Chicago"),
    # tz's own old or merged place names.
    ("kiev", "Europe/Kyiv"),
    ("calcutta", "Asia/Kolkata"),
    ("saigon", "Asia/Ho_Chi_Minh"),
    ("montreal", "America/Toronto"),
    ("rangoon", "Asia/Yangon"),
    # Bare legacy keys mean the place they link to.
    ("Eire", "Europe/Dublin"),
    ("Hongkong", "Asia/Hong_Kong"),
    ("PRC", "Asia/Shanghai"),
    ("Navajo", "America/Denver"),
]

ABBREVIATIONS = [
    ("est", "America/New_York"),
    ("EST", "America/New_York"),  # not the fixed-offset legacy zone "EST"
    ("edt", "America/New_York"),
    ("Eastern", "America/New_York"),
    ("eastern time", "America/New_York"),
    ("cst", "America/Chicago"),
    ("CDT", "America/Chicago"),
    ("central", "America/Chicago"),
    ("mst", "America/Denver"),  # not "MST" (Phoenix, no DST)
    ("mountain", "America/Denver"),
    ("pst", "America/Los_Angeles"),
    ("PDT", "America/Los_Angeles"),
    ("pacific", "America/Los_Angeles"),
    ("gmt", "UTC"),
    ("GMT", "UTC"),
    ("utc", "UTC"),
    ("UTC", "UTC"),
    ("z", "UTC"),
    ("Zulu", "UTC"),
    ("bst", "Europe/London"),
    ("cet", "Europe/Berlin"),  # not "CET" (a link to Brussels)
    ("CEST", "Europe/Berlin"),
    ("ist", "Asia/Kolkata"),
    ("aest", "Australia/Sydney"),
    ("jst", "Asia/Tokyo"),
    ("nzst", "Pacific/Auckland"),
    ("hst", "Pacific/Honolulu"),
    ("eet", "Europe/Athens"),
]

COUNTRIES_ONE_ZONE = [
    ("germany", "Europe/Berlin"),  # Busingen keeps the same clock: no pointless choice
    ("Germany", "Europe/Berlin"),
    ("de", "Europe/Berlin"),
    ("DE", "Europe/Berlin"),
    ("Japan", "Asia/Tokyo"),
    ("jp", "Asia/Tokyo"),
    ("United Kingdom", "Europe/London"),
    ("uk", "Europe/London"),
    ("gb", "Europe/London"),
    ("Britain", "Europe/London"),
    ("england", "Europe/London"),
    ("france", "Europe/Paris"),
    ("fr", "Europe/Paris"),
    ("Italy", "Europe/Rome"),
    ("india", "Asia/Kolkata"),
    ("the netherlands", "Europe/Amsterdam"),
    ("Netherlands", "Europe/Amsterdam"),
    ("Côte d'Ivoire", "Africa/Abidjan"),
    ("ivory coast", "Africa/Abidjan"),
    ("south korea", "Asia/Seoul"),
    ("Korea (South)", "Asia/Seoul"),
    ("korea", "Asia/Seoul"),
    ("north korea", "Asia/Pyongyang"),
    ("czechia", "Europe/Prague"),
    ("Iceland", "Atlantic/Reykjavik"),  # the country, not the legacy key (-> Abidjan)
    ("Poland", "Europe/Warsaw"),
    ("bosnia & herzegovina", "Europe/Sarajevo"),
    ("Bosnia and Herzegovina", "Europe/Sarajevo"),
    ("saint kitts and nevis", "America/St_Kitts"),
    ("Kazakhstan", "Asia/Almaty"),  # all its zones keep one clock since 2024
    ("argentina", "America/Argentina/Buenos_Aires"),
]

COUNTRIES_MANY_ZONES = [
    ("usa", US_ZONES),
    ("USA", US_ZONES),
    ("us", US_ZONES),
    ("US", US_ZONES),
    ("united states", US_ZONES),
    ("United States of America", US_ZONES),
    ("australia", AU_ZONES),
    ("AU", AU_ZONES),
    ("canada", CA_ZONES),
    ("spain", ("Europe/Madrid", "Atlantic/Canary", "Africa/Ceuta")),
    ("es", ("Europe/Madrid", "Atlantic/Canary", "Africa/Ceuta")),
    ("new zealand", ("Pacific/Auckland", "Pacific/Chatham")),
    ("ukraine", ("Europe/Kyiv", "Europe/Simferopol")),
    ("portugal", ("Europe/Lisbon", "Atlantic/Madeira", "Atlantic/Azores")),
    ("samoa", ("Pacific/Pago_Pago", "Pacific/Apia")),  # two countries share the name
]

COMBINED = [
    ("Berlin, Germany", "Europe/Berlin"),
    ("Austin, TX", "America/Chicago"),
    ("Manchester, UK", "Europe/London"),
    ("Somewhere, Japan", "Asia/Tokyo"),
]

# Cities as runners write them in Spanish and Russian (CLDR's exemplar cities).
IN_THEIR_LANGUAGE = [
    ("Nueva York", "America/New_York"),
    ("Londres", "Europe/London"),
    ("Ciudad de México", "America/Mexico_City"),
    ("Новосибирск", "Asia/Novosibirsk"),
    ("москва", "Europe/Moscow"),
    ("Екатеринбург", "Asia/Yekaterinburg"),
    ("Мадрид", "Europe/Madrid"),
    ("Sídney", "Australia/Sydney"),  # so "sidney" is no longer a typo
]


@pytest.mark.parametrize(
    ("text", "zone"),
    EXACT_KEYS
    + CITIES
    + ALIASES
    + ABBREVIATIONS
    + COUNTRIES_ONE_ZONE
    + COMBINED
    + IN_THEIR_LANGUAGE,
)
def test_match_zone_identifies_one_zone(text: str, zone: str) -> None:
    assert match_zone(text) == ZoneMatch(zone, ())


@pytest.mark.parametrize(("text", "suggestions"), COUNTRIES_MANY_ZONES)
def test_countries_with_several_zones_give_suggestions(
    text: str, suggestions: tuple[str, ...]
) -> None:
    assert match_zone(text) == ZoneMatch(None, suggestions)


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("brazil", "America/Sao_Paulo"),
        ("Brasil", "America/Sao_Paulo"),
        ("russia", "Europe/Moscow"),
        ("mexico", "America/Mexico_City"),
        ("Springfield, USA", "America/New_York"),
    ],
)
def test_country_suggestions_start_with_the_most_populous_zone(text: str, first: str) -> None:
    match = match_zone(text)
    assert match.zone is None
    assert len(match.suggestions) == MAX_SUGGESTIONS
    assert match.suggestions[0] == first


# --- offsets -------------------------------------------------------------------------------

WHOLE_HOUR_OFFSETS = [
    ("UTC+2", "Etc/GMT-2", 2),
    ("utc+2", "Etc/GMT-2", 2),
    ("GMT-5", "Etc/GMT+5", -5),
    ("gmt -5", "Etc/GMT+5", -5),
    ("UTC−3", "Etc/GMT+3", -3),  # Unicode minus sign
    ("+03:00", "Etc/GMT-3", 3),
    ("-0800", "Etc/GMT+8", -8),
    ("UTC+10", "Etc/GMT-10", 10),
    ("+14", "Etc/GMT-14", 14),
    ("utc-12", "Etc/GMT+12", -12),
]


@pytest.mark.parametrize(("text", "zone", "hours"), WHOLE_HOUR_OFFSETS)
def test_whole_hour_offsets_map_to_etc_zones_with_inverted_sign(
    text: str, zone: str, hours: int
) -> None:
    match = match_zone(text)
    assert match == ZoneMatch(zone, ())
    # The decisive check: the zone really is `hours` ahead of UTC, whatever its name says.
    for instant in (SUMMER, WINTER):
        assert ZoneInfo(zone).utcoffset(instant) == timedelta(hours=hours)


@pytest.mark.parametrize("text", ["UTC+0", "gmt-0", "+00:00", "UTC+00"])
def test_zero_offset_is_utc(text: str) -> None:
    assert match_zone(text) == ZoneMatch("UTC", ())


PARTIAL_OFFSETS = [
    ("+05:30", ("Asia/Kolkata", "Asia/Colombo")),
    ("UTC+5:30", ("Asia/Kolkata", "Asia/Colombo")),
    ("gmt+0530", ("Asia/Kolkata", "Asia/Colombo")),
    ("+5:45", ("Asia/Kathmandu",)),
    ("-03:30", ("America/St_Johns",)),
    ("+09:30", ("Australia/Adelaide", "Australia/Darwin", "Australia/Broken_Hill")),
    ("+03:30", ("Asia/Tehran",)),
    ("+12:45", ("Pacific/Chatham",)),
    # No zone has it as standard offset, Newfoundland uses it in summer.
    ("-02:30", ("America/St_Johns",)),
]


@pytest.mark.parametrize(("text", "suggestions"), PARTIAL_OFFSETS)
def test_partial_hour_offsets_suggest_real_zones(text: str, suggestions: tuple[str, ...]) -> None:
    assert match_zone(text) == ZoneMatch(None, suggestions)


def test_partial_offset_suggestions_really_use_that_offset() -> None:
    wanted = timedelta(hours=10, minutes=30)
    match = match_zone("+10:30")
    assert match.zone is None
    assert match.suggestions[0] == "Australia/Lord_Howe"  # standard +10:30 ranks first
    for zone in match.suggestions:
        offsets = {ZoneInfo(zone).utcoffset(instant) for instant in (SUMMER, WINTER)}
        assert wanted in offsets, zone


@pytest.mark.parametrize("text", ["+15", "UTC-13", "+05:99", "+05:15", "utc+99"])
def test_impossible_offsets_match_nothing(text: str) -> None:
    assert match_zone(text) == NO_MATCH


# --- typos -----------------------------------------------------------------------------------

FUZZY = [
    ("berln", "Europe/Berlin"),
    ("Berlim", "Europe/Berlin"),
    ("new yrok", "America/New_York"),
    ("los angles", "America/Los_Angeles"),
    ("lodnon", "Europe/London"),
    ("sydnei", "Australia/Sydney"),
    ("germny", "Europe/Berlin"),
    ("austrlia", "Australia/Sydney"),
    ("barcelonna", "Europe/Madrid"),
    ("amsterdm", "Europe/Amsterdam"),
    ("Europe/Berln", "Europe/Berlin"),
    ("Amercia/New_York", "America/New_York"),
    ("Europe/Munich", "Europe/Berlin"),  # a known place in the wrong key: offered, not chosen
]


@pytest.mark.parametrize(("text", "first"), FUZZY)
def test_typos_only_give_suggestions(text: str, first: str) -> None:
    match = match_zone(text)
    assert match.zone is None  # never silently chosen, however close
    assert match.suggestions
    assert match.suggestions[0] == first


# --- garbage -------------------------------------------------------------------------------

GARBAGE = [
    "",
    "   ",
    "\n\t",
    "🏃‍♂️",
    "🏃🏃🏃",
    "???",
    "x" * 500,
    "Berlin" * 50,
    "../../etc/passwd",
    "/etc/localtime",
    "/usr/share/zoneinfo/Europe/Berlin",
    "Europe/../UTC",
    "..\\..\\windows",
    "localtime",
    "posixrules",
    "Factory",
    "etc/passwd",
    "qwertyuiop",
    "zzzzzz",
    "\x00",
    "Europe/",
    "/",
]


@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_matches_nothing(text: str) -> None:
    assert match_zone(text) == NO_MATCH


# --- invariants over every input above -----------------------------------------------------

ALL_INPUTS = (
    [text for text, _ in EXACT_KEYS + CITIES + ALIASES + ABBREVIATIONS + COUNTRIES_ONE_ZONE]
    + [text for text, _ in COUNTRIES_MANY_ZONES + PARTIAL_OFFSETS + FUZZY + COMBINED]
    + [text for text, _, _ in WHOLE_HOUR_OFFSETS]
    + GARBAGE
)


@pytest.mark.parametrize("text", ALL_INPUTS)
def test_match_results_are_well_formed(text: str) -> None:
    match = match_zone(text)
    assert not (match.zone and match.suggestions)  # a zone or suggestions, never both
    if match.zone is not None:
        assert is_valid_zone(match.zone)
    assert len(match.suggestions) <= MAX_SUGGESTIONS
    assert len(set(match.suggestions)) == len(match.suggestions)
    assert all(is_valid_zone(zone) for zone in match.suggestions)


# --- hand-made tables ----------------------------------------------------------------------


def test_every_alias_matches_its_own_zone() -> None:
    aliases = tz._index().aliases
    assert len(aliases) > 150
    wrong = {
        name: (zone, match_zone(name))
        for name, zone in aliases.items()
        if match_zone(name) != ZoneMatch(zone, ())
    }
    assert wrong == {}


def test_aliases_do_not_shadow_tz_cities() -> None:
    idx = tz._index()
    assert set(idx.aliases) & set(idx.cities) == set()


def test_hand_made_tables_name_valid_zones() -> None:
    for zone in tz._ALIASES.values():
        assert is_valid_zone(zone), zone
    for _names, zone, lat, lon in tz._PLACES:
        assert is_valid_zone(zone), zone
        assert -90 <= lat <= 90 and -180 <= lon <= 180
    for code, zones in tz._COUNTRY_PREFERENCE.items():
        tab = {row.zone for row in tz._zone_tab() if row.country == code}
        assert set(zones) <= tab, code
    for code in tz._COUNTRY_ALIASES.values():
        assert code in tz._countries()


# Where the boundary polygons put a place in another zone than the one runners typing its name
# get. Same clock today: tzdata files north Vietnam under Asia/Bangkok (zone1970.tab).
PLACES_IN_ANOTHER_ZONE = {"hanoi": "Asia/Bangkok"}


def test_reference_places_lie_in_their_own_zone() -> None:
    # Each extra place's coordinates lie inside its zone's boundary polygon.
    wrong = {}
    for names, zone, lat, lon in tz._PLACES:
        expected = PLACES_IN_ANOTHER_ZONE.get(names, zone)
        if zone_for_location(lat, lon) != expected:
            wrong[names] = zone_for_location(lat, lon)
    assert wrong == {}
    for names, other in PLACES_IN_ANOTHER_ZONE.items():
        zone = next(zone for n, zone, _lat, _lon in tz._PLACES if n == names)
        for instant in (SUMMER, WINTER):
            assert ZoneInfo(zone).utcoffset(instant) == ZoneInfo(other).utcoffset(instant)


# --- COMMON_ZONES --------------------------------------------------------------------------


def test_common_zones_are_valid_distinct_and_cover_the_world() -> None:
    assert 10 <= len(COMMON_ZONES) <= 16
    assert len(set(COMMON_ZONES)) == len(COMMON_ZONES)
    assert all(is_valid_zone(zone) for zone in COMMON_ZONES)
    for zone in ("UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney"):
        assert zone in COMMON_ZONES
    # Listed west to east, which is how the buttons are laid out.
    for instant in (SUMMER, WINTER):
        offsets = [ZoneInfo(zone).utcoffset(instant) or timedelta(0) for zone in COMMON_ZONES]
        assert offsets == sorted(offsets)
        assert len(set(offsets)) >= 10


@pytest.mark.parametrize("zone", COMMON_ZONES)
def test_common_zone_buttons_round_trip(zone: str) -> None:
    assert match_zone(zone) == ZoneMatch(zone, ())
    label = zone_label(zone)
    assert 0 < len(label) <= 14
    assert "_" not in label and "/" not in label


def test_common_zone_labels_are_distinct() -> None:
    labels = [zone_label(zone) for zone in COMMON_ZONES]
    assert len(set(labels)) == len(labels)


# --- is_valid_zone -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("Europe/Berlin", True),
        ("UTC", True),
        ("America/Argentina/Buenos_Aires", True),
        ("US/Eastern", True),
        ("Asia/Calcutta", True),
        ("Etc/GMT-2", True),
        ("", False),
        ("localtime", False),
        ("posixrules", False),
        ("Factory", False),
        ("europe/berlin", False),
        ("Europe/Berlin ", False),
        ("Berlin", False),
        ("../etc/passwd", False),
        ("/etc/localtime", False),
        ("/usr/share/zoneinfo/UTC", False),
        ("Europe/../UTC", False),
        ("Europe/", False),
        ("zone.tab", False),
        ("tzdata.zi", False),
        ("Etc/GMT-15", False),
    ],
)
def test_is_valid_zone(name: str, valid: bool) -> None:
    assert is_valid_zone(name) is valid


def test_is_valid_zone_is_not_fooled_by_non_strings() -> None:
    assert is_valid_zone(None) is False  # type: ignore[arg-type]


# --- zone_label ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("Europe/Berlin", "Berlin"),
        ("America/New_York", "New York"),
        ("Asia/Kolkata", "Kolkata"),
        ("UTC", "UTC"),
        ("Etc/UTC", "UTC"),
        ("Etc/GMT", "UTC"),
        ("America/Argentina/Buenos_Aires", "Buenos Aires"),
        ("America/Port-au-Prince", "Port-au-Prince"),
        ("Asia/Ho_Chi_Minh", "Ho Chi Minh"),
        ("Etc/GMT-2", "UTC+2"),
        ("Etc/GMT+5", "UTC-5"),
        ("Etc/GMT-14", "UTC+14"),
        ("US/Eastern", "Eastern"),
    ],
)
def test_zone_label(name: str, label: str) -> None:
    assert zone_label(name) == label


@pytest.mark.parametrize("name", ["", "Berlin", "localtime", "../etc/passwd", "Mars/Olympus"])
def test_zone_label_rejects_invalid_zones(name: str) -> None:
    with pytest.raises(ValueError):
        zone_label(name)


# --- local_now_label -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "now", "label"),
    [
        ("Europe/Berlin", SUMMER, "14:00"),  # CEST
        ("Europe/Berlin", WINTER, "13:00"),  # CET
        ("Europe/London", SUMMER, "13:00"),
        ("Europe/London", WINTER, "12:00"),
        ("America/New_York", SUMMER, "08:00"),
        ("Asia/Kolkata", SUMMER, "17:30"),
        ("Asia/Kathmandu", SUMMER, "17:45"),
        ("Australia/Sydney", SUMMER, "22:00"),
        ("Australia/Sydney", WINTER, "23:00"),  # southern summer
        ("Pacific/Chatham", WINTER, "01:45"),  # next day, +13:45
        ("Etc/GMT-2", SUMMER, "14:00"),
        ("UTC", datetime(2026, 7, 1, 19, 42, 59, tzinfo=UTC), "19:42"),
        # An aware datetime in another zone is the same instant.
        (
            "Europe/Berlin",
            datetime(2026, 7, 1, 8, 0, tzinfo=timezone(timedelta(hours=-4))),
            "14:00",
        ),
    ],
)
def test_local_now_label(name: str, now: datetime, label: str) -> None:
    assert local_now_label(name, now) == label


def test_local_now_label_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        local_now_label("Europe/Berlin", datetime(2026, 7, 1, 12, 0))


def test_local_now_label_rejects_invalid_zones() -> None:
    with pytest.raises(ValueError):
        local_now_label("localtime", SUMMER)


# --- zone_for_location ---------------------------------------------------------------------

LOCATIONS = [
    ("Berlin", 52.52, 13.40, "Europe/Berlin"),
    ("New York", 40.71, -74.0, "America/New_York"),
    ("Sydney", -33.87, 151.21, "Australia/Sydney"),
    ("Mumbai", 19.07, 72.88, "Asia/Kolkata"),  # nearer Karachi than Kolkata, still India
    ("London", 51.51, -0.13, "Europe/London"),
    ("Sao Paulo", -23.55, -46.63, "America/Sao_Paulo"),
    ("Chatham Islands", -43.95, -176.55, "Pacific/Chatham"),
    ("Delhi", 28.61, 77.21, "Asia/Kolkata"),
    ("Beijing", 39.90, 116.40, "Asia/Shanghai"),
    ("Tokyo", 35.68, 139.69, "Asia/Tokyo"),
    ("Paris", 48.86, 2.35, "Europe/Paris"),
    ("Chicago", 41.88, -87.63, "America/Chicago"),
    ("Denver", 39.74, -104.99, "America/Denver"),
    ("Los Angeles", 34.05, -118.24, "America/Los_Angeles"),
    ("Seattle", 47.61, -122.33, "America/Los_Angeles"),
    ("Houston", 29.76, -95.37, "America/Chicago"),
    ("Honolulu", 21.31, -157.86, "Pacific/Honolulu"),
    ("Auckland", -36.85, 174.76, "Pacific/Auckland"),
    ("Nairobi", -1.29, 36.82, "Africa/Nairobi"),
    ("Fiji, east of the antimeridian", -16.5, -179.9, "Pacific/Fiji"),
]


@pytest.mark.parametrize(("place", "lat", "lon", "zone"), LOCATIONS)
def test_zone_for_location(place: str, lat: float, lon: float, zone: str) -> None:
    assert zone_for_location(lat, lon) == zone, place


# zone.tab principal cities whose (rounded) coordinates the polygons put in another zone.
PRINCIPAL_CITIES_ELSEWHERE = {
    "Asia/Urumqi": "Asia/Shanghai",  # the city itself keeps Beijing time in the boundary data
    "Europe/Monaco": "Europe/Paris",  # zone.tab's +4342+00723 is just over the French border
}


def test_every_tz_principal_city_maps_to_its_own_zone() -> None:
    rows = tz._zone_tab()
    assert len(rows) > 400
    wrong = {
        row.zone: zone_for_location(row.latitude, row.longitude)
        for row in rows
        if zone_for_location(row.latitude, row.longitude)
        != PRINCIPAL_CITIES_ELSEWHERE.get(row.zone, row.zone)
    }
    assert wrong == {}
    # Monaco itself (not zone.tab's rounded point) is Monaco.
    assert zone_for_location(43.7384, 7.4246) == "Europe/Monaco"


# Spots the nearest-city lookup got wrong: a few hundred metres either side of a border.
BORDER_SPOTS = [
    ("Basel", 47.5596, 7.5886, "Europe/Zurich", "CH"),
    ("Weil am Rhein, across the Rhine from Basel", 47.5947, 7.6108, "Europe/Berlin", "DE"),
    ("Saint-Louis, next to Basel", 47.5903, 7.5600, "Europe/Paris", "FR"),
    ("Irun", 43.338, -1.789, "Europe/Madrid", "ES"),
    ("Hendaye, across the Bidasoa", 43.359, -1.774, "Europe/Paris", "FR"),
    ("Gorizia", 45.9410, 13.6220, "Europe/Rome", "IT"),
    ("Nova Gorica", 45.9560, 13.6480, "Europe/Ljubljana", "SI"),
    ("Valga", 57.7770, 26.0470, "Europe/Tallinn", "EE"),
    ("Valka", 57.7750, 26.0100, "Europe/Riga", "LV"),
    ("Frankfurt (Oder)", 52.347, 14.55, "Europe/Berlin", "DE"),
    ("Slubice", 52.35, 14.56, "Europe/Warsaw", "PL"),
    ("Gary, western Indiana", 41.59, -87.35, "America/Chicago", "US"),
    ("El Paso", 31.76, -106.49, "America/Denver", "US"),
    ("Ciudad Juarez", 31.69, -106.42, "America/Ciudad_Juarez", "MX"),
    ("San Ysidro", 32.5556, -117.0470, "America/Los_Angeles", "US"),
    ("Tijuana", 32.5149, -117.0382, "America/Tijuana", "MX"),
]


@pytest.mark.parametrize(("place", "lat", "lon", "zone", "country"), BORDER_SPOTS)
def test_locations_near_a_border(
    place: str, lat: float, lon: float, zone: str, country: str
) -> None:
    assert zone_for_location(lat, lon) == zone, place
    assert country_for_location(lat, lon) == country, place


# The clinical-safety cases: the country (hence the number to call) of a shared location.
SAFETY_LOCATIONS = [
    ("Belfast", 54.597, -5.930, "Europe/London", "GB", "999"),
    ("Split", 43.508, 16.440, "Europe/Zagreb", "HR", "112"),
    ("Johor Bahru", 1.4927, 103.7414, "Asia/Kuala_Lumpur", "MY", "999"),
    ("Singapore, across the strait", 1.2897, 103.8501, "Asia/Singapore", "SG", "995"),
    ("Oslo", 59.9139, 10.7522, "Europe/Oslo", "NO", "113"),
    ("Longyearbyen, Svalbard", 78.2232, 15.6267, "Arctic/Longyearbyen", "SJ", "113"),
    ("Zurich", 47.3769, 8.5417, "Europe/Zurich", "CH", "144"),
    ("Kyiv", 50.4501, 30.5234, "Europe/Kyiv", "UA", "103"),
    ("Cape Town", -33.92, 18.42, "Africa/Johannesburg", "ZA", "10177"),
    ("Bangkok", 13.75, 100.50, "Asia/Bangkok", "TH", "1669"),
    ("Nong Khai, Thailand on the Mekong", 17.88, 102.74, "Asia/Bangkok", "TH", "1669"),
    # tzdata (and so the polygons) put north Vietnam in Asia/Bangkok: still Vietnam.
    ("Hanoi", 21.03, 105.85, "Asia/Bangkok", "VN", "115"),
    ("Ho Chi Minh City", 10.78, 106.70, "Asia/Ho_Chi_Minh", "VN", "115"),
]


@pytest.mark.parametrize(("place", "lat", "lon", "zone", "country", "number"), SAFETY_LOCATIONS)
def test_country_and_number_for_a_location(
    place: str, lat: float, lon: float, zone: str, country: str, number: str
) -> None:
    assert zone_for_location(lat, lon) == zone, place
    assert country_for_location(lat, lon) == country, place
    assert emergency.number_for_country(country_for_location(lat, lon)) == number, place


def test_belfast_gets_nhs_111() -> None:
    country = country_for_location(54.597, -5.930)
    assert emergency.nhs_111_for_country(country) is True
    assert emergency.nhs_111_applies(zone_for_location(54.597, -5.930)) is True
    assert emergency.nhs_111_for_country(country_for_location(53.35, -6.26)) is False  # Dublin


def test_every_principal_city_is_in_its_zones_country() -> None:
    # The location's country agrees with zone.tab's, except where PRINCIPAL_CITIES_ELSEWHERE
    # put the point in a neighbouring zone of another country.
    wrong = {}
    for row in tz._zone_tab():
        got = country_for_location(row.latitude, row.longitude)
        elsewhere = PRINCIPAL_CITIES_ELSEWHERE.get(row.zone)
        expected = row.country if elsewhere is None else emergency.country_for_zone(elsewhere)
        if got != expected:
            wrong[row.zone] = got
    assert wrong == {}


def test_open_sea_near_a_coast_takes_the_coasts_zone() -> None:
    # 100 km off the Dutch coast tzfpy says "Etc/GMT" (no daylight saving time).
    assert zone_for_location(53.5, 3.5) == "Europe/Amsterdam"
    assert country_for_location(53.5, 3.5) is None  # no guessing whose number to call


@pytest.mark.parametrize(
    ("lat", "lon", "hours"),
    [(30.0, -40.0, -3), (40.0, -30.0, -2), (0.0, 0.0, 0), (-40.0, -120.0, -8), (-50.0, 90.0, 6)],
)
def test_mid_ocean_gives_the_nautical_zone(lat: float, lon: float, hours: int) -> None:
    zone = zone_for_location(lat, lon)
    assert zone.startswith("Etc/GMT")
    assert ZoneInfo(zone).utcoffset(SUMMER) == timedelta(hours=hours)
    assert country_for_location(lat, lon) is None


@pytest.mark.parametrize(
    ("longitude", "zone"),
    [
        (0.0, "Etc/GMT"),
        (-40.0, "Etc/GMT+3"),
        (7.4, "Etc/GMT"),
        (7.6, "Etc/GMT-1"),
        (179.9, "Etc/GMT-12"),
        (-180.0, "Etc/GMT+12"),
    ],
)
def test_nautical_zone(longitude: float, zone: str) -> None:
    assert tz._nautical_zone(longitude) == zone
    assert is_valid_zone(zone)


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (90.01, 0.0),
        (-90.01, 0.0),
        (91, 13),
        (0.0, 180.01),
        (0.0, -180.01),
        (52.52, 361),
        (math.nan, 0.0),
        (0.0, math.nan),
        (math.inf, 0.0),
        (0.0, -math.inf),
    ],
)
def test_zone_for_location_rejects_out_of_range(lat: float, lon: float) -> None:
    with pytest.raises(ValueError):
        zone_for_location(lat, lon)
    with pytest.raises(ValueError):
        country_for_location(lat, lon)


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(True, 0.0), (0.0, False), (True, True), ("52.5", 13.4), (52.5, None), (None, None)],
)
def test_location_rejects_non_numbers(lat: object, lon: object) -> None:
    with pytest.raises(ValueError):
        zone_for_location(lat, lon)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        country_for_location(lat, lon)  # type: ignore[arg-type]


def test_location_accepts_integers() -> None:
    assert zone_for_location(52, 13) == "Europe/Berlin"
    assert country_for_location(52, 13) == "DE"


@pytest.mark.parametrize(("lat", "lon"), [(90, 0), (-90, 0), (0, 180), (0, -180), (-90, -180)])
def test_zone_for_location_accepts_the_edges(lat: float, lon: float) -> None:
    assert is_valid_zone(zone_for_location(lat, lon))
    country = country_for_location(lat, lon)
    assert country is None or emergency.country_name(country)


@pytest.mark.parametrize(
    ("text", "lat", "lon"),
    [
        ("+5230+01322", 52.5, 13 + 22 / 60),  # Berlin, ±DDMM±DDDMM
        ("-3352+15113", -(33 + 52 / 60), 151 + 13 / 60),  # Sydney
        ("+404251-0740023", 40 + 42 / 60 + 51 / 3600, -(74 + 0 / 60 + 23 / 3600)),  # New York
        ("-4357-17633", -(43 + 57 / 60), -(176 + 33 / 60)),  # Chatham
        ("+0000+00000", 0.0, 0.0),
    ],
)
def test_parse_iso6709(text: str, lat: float, lon: float) -> None:
    got_lat, got_lon = tz._parse_iso6709(text)
    assert got_lat == pytest.approx(lat)
    assert got_lon == pytest.approx(lon)


@pytest.mark.parametrize("text", ["", "5230+01322", "+5230+1322", "+52301+01322", "+5230,+01322"])
def test_parse_iso6709_rejects_malformed(text: str) -> None:
    with pytest.raises(ValueError):
        tz._parse_iso6709(text)


def test_haversine_distance() -> None:
    # London - Paris is about 344 km; a quarter meridian is 10,007.5 km on this sphere.
    assert tz._haversine_km(51.5074, -0.1278, 48.8566, 2.3522) == pytest.approx(344, abs=2)
    assert tz._haversine_km(0, 0, 90, 0) == pytest.approx(10007.5, abs=1)
    # Across the antimeridian: 0.2 degrees of longitude, not 359.8.
    assert tz._haversine_km(0, 179.9, 0, -179.9) == pytest.approx(22.2, abs=0.2)

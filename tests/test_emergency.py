"""Emergency numbers: by country (what the runner tells us) and by time zone."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core import emergency
from bot.core.emergency import (
    EMERGENCY_NUMBERS,
    country_for_zone,
    emergency_number,
    nhs_111_applies,
)


@pytest.mark.parametrize(
    ("zone", "number"),
    [
        ("Europe/Berlin", "112"),
        ("Europe/Paris", "112"),
        ("Europe/Amsterdam", "112"),
        ("Europe/Dublin", "112"),
        ("Europe/Oslo", "113"),
        ("Arctic/Longyearbyen", "113"),
        ("Europe/Zurich", "144"),
        ("Europe/Vaduz", "144"),
        ("Europe/Andorra", "116"),
        ("Europe/San_Marino", "118"),
        ("Europe/London", "999"),
        ("America/New_York", "911"),
        ("America/Los_Angeles", "911"),
        ("America/Toronto", "911"),
        ("America/Vancouver", "911"),
        ("America/Mexico_City", "911"),
        ("Australia/Sydney", "000"),
        ("Australia/Perth", "000"),
        ("Pacific/Auckland", "111"),
        ("Asia/Kolkata", "112"),
        ("Asia/Tokyo", "119"),
        ("Asia/Seoul", "119"),
        ("Asia/Shanghai", "120"),
        ("Asia/Hong_Kong", "999"),
        ("Asia/Singapore", "995"),
        ("Asia/Dubai", "998"),
        ("Asia/Riyadh", "997"),
        ("Asia/Jerusalem", "101"),
        ("Asia/Jakarta", "119"),
        ("Asia/Manila", "911"),
        ("Europe/Istanbul", "112"),
        ("Europe/Moscow", "103"),
        ("Europe/Kyiv", "103"),
        ("Europe/Belgrade", "194"),
        ("Africa/Lagos", "112"),
        ("America/Sao_Paulo", "192"),
        ("America/Argentina/Buenos_Aires", "107"),
        ("America/Santiago", "131"),
        ("America/Bogota", "123"),
        ("Africa/Johannesburg", "10177"),
    ],
)
def test_emergency_number(zone: str, number: str) -> None:
    assert emergency_number(zone) == number


@pytest.mark.parametrize(
    ("alias", "country", "number"),
    [
        ("US/Eastern", "US", "911"),
        ("US/Pacific", "US", "911"),
        ("US/Arizona", "US", "911"),
        ("Asia/Calcutta", "IN", "112"),
        ("Europe/Kiev", "UA", "103"),
        ("GB", "GB", "999"),
        ("GB-Eire", "GB", "999"),
        ("Europe/Belfast", "GB", "999"),
        ("Canada/Eastern", "CA", "911"),
        ("America/Montreal", "CA", "911"),
        ("Japan", "JP", "119"),
        ("NZ", "NZ", "111"),
        ("Singapore", "SG", "995"),
        ("Australia/NSW", "AU", "000"),
        ("Eire", "IE", "112"),
        ("Asia/Istanbul", "TR", "112"),
        ("Brazil/East", "BR", "192"),
        # tzdata links these to a zone shared with other countries (Iceland -> Africa/Abidjan),
        # so blindly following the link would give the wrong country.
        ("Iceland", "IS", "112"),
        ("Atlantic/Jan_Mayen", "SJ", "113"),
    ],
)
def test_backward_aliases_resolve(alias: str, country: str, number: str) -> None:
    assert country_for_zone(alias) == country
    assert emergency_number(alias) == number


@pytest.mark.parametrize(
    "zone",
    [
        "UTC",
        "Etc/UTC",
        "GMT",
        "Etc/GMT+3",
        "Etc/GMT-14",
        "CET",
        "EST",
        "MST",
        "EST5EDT",
        "Factory",
        "",
        "   ",
        "Not/AZone",
        "Europe",
        "Europe/",
        "../../etc/passwd",
        "zone.tab",
        "L Europe/London GB",
        "Europe/Berlin\x00",
    ],
)
def test_unknown_zones_give_none(zone: str) -> None:
    assert country_for_zone(zone) is None
    assert emergency_number(zone) is None
    assert nhs_111_applies(zone) is False


@pytest.mark.parametrize("value", [None, 42, b"Europe/Berlin"])
def test_non_string_gives_none(value: Any) -> None:
    assert country_for_zone(value) is None
    assert emergency_number(value) is None


def test_zone_known_but_number_unknown() -> None:
    # Antarctica: a real zone.tab country with no number in the table.
    assert country_for_zone("Antarctica/Casey") == "AQ"
    assert emergency_number("Antarctica/Casey") is None


def test_surrounding_whitespace_is_ignored() -> None:
    assert emergency_number(" Europe/Berlin\n") == "112"


def test_zone_tab_gives_one_country_per_zone() -> None:
    # zone1970.tab would say "CH,DE,LI" for Europe/Zurich; zone.tab names just one.
    assert country_for_zone("Europe/Zurich") == "CH"
    assert country_for_zone("Europe/Berlin") == "DE"
    assert country_for_zone("Europe/Amsterdam") == "NL"  # tzdata links it to Brussels
    assert country_for_zone("Europe/Jersey") == "JE"
    assert country_for_zone("America/Puerto_Rico") == "PR"


EU = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"


@pytest.mark.parametrize("country", [*EU.split(), "IS"])
def test_eu_countries_and_iceland_use_112(country: str) -> None:
    # EU law requires 112 to reach the ambulance service; Iceland's 112 is its only number.
    assert EMERGENCY_NUMBERS[country] == "112"


@pytest.mark.parametrize(
    ("country", "number"),
    [
        # Where 112 reaches the police (or not every region), the ambulance number.
        ("NO", "113"),
        ("SJ", "113"),
        ("CH", "144"),
        ("LI", "144"),
        ("UA", "103"),
        ("RU", "103"),
        ("SM", "118"),
        ("AD", "116"),
        ("ID", "119"),
        ("ZA", "10177"),
        ("RS", "194"),
        ("NG", "112"),
    ],
)
def test_ambulance_numbers_where_112_is_not_the_answer(country: str, number: str) -> None:
    assert EMERGENCY_NUMBERS[country] == number


def test_number_table_is_well_formed() -> None:
    countries = set(emergency._zone_countries().values())
    for country, number in EMERGENCY_NUMBERS.items():
        assert country in countries, f"{country} is not a zone.tab country"
        assert number.isdigit() and 2 <= len(number) <= 5, (country, number)


def test_every_zone_tab_zone_maps_to_its_country() -> None:
    table = emergency._zone_countries()
    assert len(table) > 300
    for zone, country in table.items():
        assert country_for_zone(zone) == country


def test_tables_are_parsed_once() -> None:
    assert emergency._zone_countries() is emergency._zone_countries()
    assert emergency._zone_links() is emergency._zone_links()


@pytest.mark.parametrize(
    ("zone", "applies"),
    [
        ("Europe/London", True),
        ("GB", True),
        ("GB-Eire", True),
        ("Europe/Belfast", True),
        ("Europe/Jersey", False),
        ("Europe/Guernsey", False),
        ("Europe/Isle_of_Man", False),
        ("Europe/Dublin", False),
        ("Europe/Berlin", False),
        ("America/New_York", False),
        ("UTC", False),
        ("nonsense", False),
    ],
)
def test_nhs_111_applies(zone: str, applies: bool) -> None:
    assert nhs_111_applies(zone) is applies


# --- every number checked against an independent source ------------------------------------

# Entries phonenumbers does not confirm, each checked elsewhere. Keep this short: an entry that
# no second source confirms belongs out of the table (callers then show a fallback).
PHONENUMBERS_EXCEPTIONS = {
    # phonenumbers' RS data lists only 112 and the old two-digit 92-94; Serbia's ambulance is
    # 194 (police 192, fire 193), e.g. the Romanian foreign ministry's travel advice, and
    # phonenumbers itself lists 194 for North Macedonia and Kosovo, which share the scheme.
    # 112 is not an integrated service in Serbia yet.
    "RS": "194",
    # phonenumbers' NG data lists only 199; 112 is the national toll-free number (NCC
    # emergency communication centres, formally adopted as the single national number).
    "NG": "112",
}


@pytest.mark.parametrize(("country", "number"), sorted(EMERGENCY_NUMBERS.items()))
def test_phonenumbers_agrees_it_is_an_emergency_number(country: str, number: str) -> None:
    from phonenumbers import shortnumberinfo

    if country in PHONENUMBERS_EXCEPTIONS:
        assert PHONENUMBERS_EXCEPTIONS[country] == number
        # Still needed? Once phonenumbers confirms it, drop the exception.
        assert not shortnumberinfo.is_emergency_number(number, country)
        return
    assert shortnumberinfo.is_emergency_number(number, country), (country, number)
    assert shortnumberinfo.connects_to_emergency_number(number, country), (country, number)


def test_phonenumbers_exceptions_are_table_entries() -> None:
    for country, number in PHONENUMBERS_EXCEPTIONS.items():
        assert EMERGENCY_NUMBERS.get(country) == number


# --- the country-based API ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "number"),
    [
        ("GB", "999"),
        ("gb", "999"),
        (" HR ", "112"),
        ("MY", "999"),
        ("NO", "113"),
        ("SJ", "113"),
        ("US", "911"),
        ("AQ", None),  # a real country code without a confident number
        ("XX", None),
        ("", None),
        (None, None),
    ],
)
def test_number_for_country(code: str | None, number: str | None) -> None:
    assert emergency.number_for_country(code) == number


def test_nhs_111_for_country() -> None:
    assert emergency.nhs_111_for_country("GB") is True
    assert emergency.nhs_111_for_country(" gb ") is True
    for code in ("IE", "JE", "GG", "IM", "US", "", None):
        assert emergency.nhs_111_for_country(code) is False


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("DE", "Germany"),
        ("de", "Germany"),
        ("GB", "United Kingdom"),
        ("KR", "South Korea"),
        ("US", "United States"),
        ("CI", "Côte d’Ivoire"),
        ("XX", None),
        ("", None),
        ("GBR", None),
        (None, None),
    ],
)
def test_country_name(code: str | None, name: str | None) -> None:
    assert emergency.country_name(code) == name


def test_every_table_country_has_a_name() -> None:
    for country in EMERGENCY_NUMBERS:
        assert emergency.country_name(country), country


EXACT_COUNTRIES = [
    ("GB", "GB"),
    ("gb", "GB"),
    ("uk", "GB"),
    ("U.K.", "GB"),
    ("the UK", "GB"),
    ("United Kingdom", "GB"),
    ("Britain (UK)", "GB"),
    ("britain", "GB"),
    ("Great Britain", "GB"),
    ("England", "GB"),
    ("scotland", "GB"),
    ("Wales", "GB"),
    ("Northern Ireland", "GB"),
    ("Ireland", "IE"),
    ("US", "US"),
    ("USA", "US"),
    ("U.S.A.", "US"),
    ("America", "US"),
    ("united states", "US"),
    ("The United States of America", "US"),
    ("Holland", "NL"),
    ("the Netherlands", "NL"),
    ("Russia", "RU"),
    ("Россия", "RU"),
    ("South Korea", "KR"),
    ("Korea", "KR"),
    ("Korea (South)", "KR"),
    ("north korea", "KP"),
    ("Spain", "ES"),
    ("España", "ES"),
    ("espana", "ES"),
    ("Germany", "DE"),
    ("Deutschland", "DE"),
    ("México", "MX"),
    ("mexico", "MX"),
    ("Brasil", "BR"),
    ("Österreich", "AT"),
    ("Schweiz", "CH"),
    ("Suisse", "CH"),
    ("Norge", "NO"),
    ("日本", "JP"),
    ("Ελλάδα", "GR"),
    ("Україна", "UA"),
    ("Croatia", "HR"),
    ("Hrvatska", "HR"),
    ("Malaysia", "MY"),
    ("Côte d'Ivoire", "CI"),
    ("ivory coast", "CI"),
    ("St Lucia", "LC"),
    ("Saint Lucia", "LC"),
    ("Bosnia and Herzegovina", "BA"),
    ("turks and caicos islands", "TC"),
    ("Czechia", "CZ"),
    ("Czech Republic", "CZ"),
    ("  FRANCE \n", "FR"),
    ("London, UK", "GB"),
    ("Split, Croatia", "HR"),
]


@pytest.mark.parametrize(("text", "code"), EXACT_COUNTRIES)
def test_match_country_exact(text: str, code: str) -> None:
    assert emergency.match_country(text) == (code,)


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Congo", ("CD", "CG")),  # two countries share the name
        ("samoa", ("AS", "WS")),
        ("virgin islands", ("VG", "VI")),
    ],
)
def test_match_country_shared_names(text: str, codes: tuple[str, ...]) -> None:
    assert emergency.match_country(text) == codes


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("united", "US"),
        ("ger", "DE"),
        ("aus", "AU"),
        ("ind", "IN"),
        ("kingdom", "GB"),
        ("zealand", "NZ"),
        ("germny", "DE"),
        ("swizerland", "CH"),
        ("untied kingdom", "GB"),
        ("Irland", "IE"),
    ],
)
def test_match_country_suggests(text: str, first: str) -> None:
    codes = emergency.match_country(text)
    assert codes[0] == first
    assert 1 <= len(codes) <= emergency.MAX_COUNTRY_SUGGESTIONS


def test_match_country_partial_names_offer_every_candidate() -> None:
    assert set(emergency.match_country("united")) == {"US", "GB", "AE"}
    assert set(emergency.match_country("aus")) == {"AU", "AT"}


@pytest.mark.parametrize(
    "text", ["", "   ", "🏃‍♂️", "???", "x" * 500, "qwertyuiop", "zz", "xx", "../../etc/passwd"]
)
def test_match_country_garbage(text: str) -> None:
    assert emergency.match_country(text) == ()


def test_match_country_non_string() -> None:
    assert emergency.match_country(None) == ()  # type: ignore[arg-type]


def test_match_country_results_are_well_formed() -> None:
    names = emergency._iso3166()
    for text in ["south", "islands", "saint", "guinea", "rep", "new", *names.values()]:
        codes = emergency.match_country(text)
        assert len(codes) <= emergency.MAX_COUNTRY_SUGGESTIONS
        assert len(set(codes)) == len(codes)
        assert all(code in names for code in codes)


def test_every_iso3166_code_and_name_round_trips() -> None:
    names = emergency._iso3166()
    assert len(names) > 240
    for code, name in names.items():
        assert emergency.match_country(code) == (code,)
        assert code in emergency.match_country(name), name


def test_aliases_name_real_countries() -> None:
    for code in emergency._COUNTRY_ALIASES.values():
        assert emergency.country_name(code), code


def test_common_countries() -> None:
    common = emergency.COMMON_COUNTRIES
    assert 8 <= len(common) <= 10
    assert len(set(common)) == len(common)
    assert common[0] == "GB"
    for code in common:
        assert emergency.country_name(code), code
        assert emergency.number_for_country(code), code
        assert emergency.match_country(code) == (code,)


def test_country_tables_are_parsed_once() -> None:
    assert emergency._iso3166() is emergency._iso3166()
    assert emergency._country_index() is emergency._country_index()


@pytest.mark.parametrize(
    ("language", "code", "name"),
    [
        ("es", "GB", "Reino Unido"),
        ("es", "DE", "Alemania"),
        ("es", "ES", "España"),
        ("ru", "GB", "Великобритания"),
        ("ru", "DE", "Германия"),
        ("ru", "us", "Соединенные Штаты"),
        ("en", "GB", "United Kingdom"),  # English stays iso3166.tab's name (and ours)
        ("es", "XX", None),
        ("ru", None, None),
    ],
)
def test_country_name_in_the_current_language(
    language: str, code: str | None, name: str | None
) -> None:
    from bot.core import i18n

    with i18n.use(language):
        assert emergency.country_name(code) == name


def test_every_table_country_has_a_name_in_every_language() -> None:
    from bot.core import i18n

    for language in i18n.LANGUAGES:
        with i18n.use(language):
            for country in EMERGENCY_NUMBERS:
                assert emergency.country_name(country), (language, country)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Alemania", "DE"),
        ("reino unido", "GB"),
        ("Gran Bretaña", "GB"),
        ("Estados Unidos", "US"),
        ("EE. UU.", "US"),
        ("Países Bajos", "NL"),
        ("Suiza", "CH"),
        ("Madrid, España", "ES"),
        ("Германия", "DE"),
        ("Великобритания", "GB"),
        ("Англия", "GB"),
        ("США", "US"),
        ("Соединённые Штаты", "US"),
        ("Испания", "ES"),
        ("Москва, Россия", "RU"),
        ("Нидерланды", "NL"),
        ("Myanmar (Burma)", "MM"),  # Babel's English name
    ],
)
def test_match_country_by_spanish_russian_and_babel_names(text: str, code: str) -> None:
    assert emergency.match_country(text) == (code,)


def test_match_country_is_the_same_in_every_language() -> None:
    from bot.core import i18n

    for language in i18n.LANGUAGES:
        with i18n.use(language):
            assert emergency.match_country("Alemania") == ("DE",)
            assert emergency.match_country("Germany") == ("DE",)


def test_every_babel_name_round_trips() -> None:
    for locale in ("en_GB", "es", "ru"):
        for code, name in emergency._babel_territories(locale).items():
            assert code in emergency.match_country(name), (locale, name)

"""Emergency number lookup from the runner's time zone."""

from __future__ import annotations

from typing import Any

import pytest

from bot import emergency
from bot.emergency import EMERGENCY_NUMBERS, country_for_zone, emergency_number, nhs_111_applies


@pytest.mark.parametrize(
    ("zone", "number"),
    [
        ("Europe/Berlin", "112"),
        ("Europe/Paris", "112"),
        ("Europe/Amsterdam", "112"),
        ("Europe/Dublin", "112"),
        ("Europe/Oslo", "112"),
        ("Europe/Zurich", "112"),
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
        ("Asia/Jakarta", "112"),
        ("Asia/Manila", "911"),
        ("Europe/Istanbul", "112"),
        ("Europe/Moscow", "112"),
        ("Europe/Kyiv", "112"),
        ("America/Sao_Paulo", "192"),
        ("America/Argentina/Buenos_Aires", "107"),
        ("America/Santiago", "131"),
        ("America/Bogota", "123"),
        ("Africa/Johannesburg", "112"),
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
        ("Europe/Kiev", "UA", "112"),
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
        ("Atlantic/Jan_Mayen", "SJ", "112"),
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


EU_EEA = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO"


@pytest.mark.parametrize("country", EU_EEA.split())
def test_all_eu_eea_countries_use_112(country: str) -> None:
    assert EMERGENCY_NUMBERS[country] == "112"


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

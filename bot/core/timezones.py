"""Turn what a runner types (or the location they share) into an IANA time zone.

Everything here is offline and deterministic: the zone names come from
``zoneinfo.available_timezones()``, and the place names, countries and coordinates from the
tables shipped with the ``tzdata`` package (``zone.tab``, ``zone1970.tab``, ``iso3166.tab`` and
the link lines of ``tzdata.zi``), read and parsed once by ``bot.core.tzdata``. A shared
location is looked up in the time zone boundary polygons bundled with ``tzfpy``.

``match_zone`` is deliberately forgiving (case, accents, spaces/underscores/hyphens, common
abbreviations, big cities that are not tz names, countries, UTC offsets, typos) but only *chooses*
a zone when the input names one unambiguously; everything else becomes a short list of
suggestions for the runner to pick from.
"""

from __future__ import annotations

import difflib
import functools
import itertools
import json
import math
import re
import unicodedata
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import tzfpy
from babel.dates import get_timezone_location

from bot.core import i18n, tzdata
from bot.core.emergency import country_for_zone

__all__ = [
    "COMMON_ZONES",
    "MAX_SUGGESTIONS",
    "ZoneMatch",
    "country_for_location",
    "is_valid_zone",
    "local_now_label",
    "match_zone",
    "zone_for_location",
    "zone_label",
]

MAX_SUGGESTIONS = 6
_MAX_INPUT_CHARS = (
    100  # the longest real answer ("South Georgia & the South Sandwich Islands") is 42
)
_FUZZY_CUTOFF = 0.75


@dataclass(frozen=True)
class ZoneMatch:
    """Result of :func:`match_zone`.

    Exactly one of the two is filled in, or neither (nothing recognisable): ``zone`` when the
    input identifies one zone unambiguously, otherwise up to six candidate keys, best first.
    """

    zone: str | None
    suggestions: tuple[str, ...] = ()


_NO_MATCH = ZoneMatch(None, ())

# Buttons offered before the runner types anything, west to east.
COMMON_ZONES: tuple[str, ...] = (
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "UTC",
    "Europe/London",
    "Europe/Madrid",
    "Europe/Berlin",
    "Europe/Helsinki",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)

# Keys that zoneinfo may accept but that never describe where a runner lives: "localtime" is
# the host's own zone (present when /usr/share/zoneinfo/localtime exists), "posixrules" a
# template and "Factory" the "zone unknown" placeholder (offset "-00").
_NOT_A_PLACE = frozenset({"localtime", "posixrules", "Factory"})

# ---------------------------------------------------------------------------------------------
# Hand-made tables
# ---------------------------------------------------------------------------------------------

# Names and abbreviations runners type that are not tz city names. Keys are written in the
# normalised form (see _norm); "a|b" lists several spellings of one entry.
_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        # Abbreviations and zone nicknames. Where a legacy tz key has the same name ("EST",
        # "MST", "CET", "GMT"...) the runner means the place, with its daylight saving time,
        # not the fixed-offset legacy zone: these win over the bare legacy key.
        "est|edt|eastern|eastern time|eastern standard time": "America/New_York",
        "cst|cdt|central|central time|central standard time": "America/Chicago",
        "mst|mdt|mountain|mountain time|mountain standard time": "America/Denver",
        "pst|pdt|pacific|pacific time|pacific standard time": "America/Los_Angeles",
        "akst|akdt|alaska|alaska time": "America/Anchorage",
        "hst|hawaii|hawaii time": "Pacific/Honolulu",
        "ast|adt|atlantic time": "America/Halifax",
        "nst|ndt|newfoundland": "America/St_Johns",
        "utc|gmt|z|zulu|uct|universal|greenwich|coordinated universal time|greenwich mean time": (
            "UTC"
        ),
        "bst|british summer time|british time|uk time": "Europe/London",
        "wet|west|western european time": "Europe/Lisbon",
        "cet|cest|central european time|central european summer time": "Europe/Berlin",
        "eet|eest|eastern european time": "Europe/Athens",
        "msk|moscow time": "Europe/Moscow",
        "ist|indian standard time": "Asia/Kolkata",
        "pkt": "Asia/Karachi",
        "sgt": "Asia/Singapore",
        "hkt": "Asia/Hong_Kong",
        "jst|japan standard time": "Asia/Tokyo",
        "kst": "Asia/Seoul",
        "aest|aedt": "Australia/Sydney",
        "acst|acdt": "Australia/Adelaide",
        "awst": "Australia/Perth",
        "nzst|nzdt|nzt": "Pacific/Auckland",
        "sast": "Africa/Johannesburg",
        "brt": "America/Sao_Paulo",
        # Nicknames of places below (which have coordinates).
        "nyc|new york city|manhattan|brooklyn|queens|bronx": "America/New_York",
        "dc|washington dc|washington d c": "America/New_York",
        "la|sf|bay area|silicon valley|socal|norcal": "America/Los_Angeles",
        "rio": "America/Sao_Paulo",
        "ho chi minh city|hcmc": "Asia/Ho_Chi_Minh",
        # A few states and provinces people answer with. Only where one zone covers
        # (nearly) all of it; Indiana, Kentucky, Florida's panhandle etc. are left to typing.
        "california|oregon|nevada|washington state": "America/Los_Angeles",
        "arizona": "America/Phoenix",
        "colorado|utah|new mexico": "America/Denver",
        "texas|illinois|minnesota|wisconsin|missouri|louisiana|iowa|oklahoma": "America/Chicago",
        "new jersey|massachusetts|pennsylvania|ohio|virginia|north carolina|maryland": (
            "America/New_York"
        ),
        "connecticut|south carolina|new hampshire|vermont|maine": "America/New_York",
        "ontario|quebec": "America/Toronto",
        "british columbia": "America/Vancouver",
        "alberta": "America/Edmonton",
        "new south wales|nsw": "Australia/Sydney",
    }
)

# Big cities that are not tz city names, with coordinates (decimal degrees). They serve both
# match_zone (by name) and zone_for_location (as extra reference points: the tz tables have
# one principal city per zone, so e.g. Mumbai alone is nearer to Karachi than to Kolkata).
_PLACES: tuple[tuple[str, str, float, float], ...] = (
    # United States and Canada.
    ("boston", "America/New_York", 42.36, -71.06),
    ("washington", "America/New_York", 38.91, -77.04),
    ("philadelphia", "America/New_York", 39.95, -75.17),
    ("miami", "America/New_York", 25.76, -80.19),
    ("atlanta", "America/New_York", 33.75, -84.39),
    ("orlando", "America/New_York", 28.54, -81.38),
    ("tampa", "America/New_York", 27.95, -82.46),
    ("charlotte", "America/New_York", 35.23, -80.84),
    ("baltimore", "America/New_York", 39.29, -76.61),
    ("pittsburgh", "America/New_York", 40.44, -80.00),
    ("cleveland", "America/New_York", 41.50, -81.69),
    ("columbus", "America/New_York", 39.96, -83.00),
    ("raleigh", "America/New_York", 35.78, -78.64),
    ("dallas", "America/Chicago", 32.78, -96.80),
    ("houston", "America/Chicago", 29.76, -95.37),
    ("austin", "America/Chicago", 30.27, -97.74),
    ("san antonio", "America/Chicago", 29.42, -98.49),
    ("minneapolis", "America/Chicago", 44.98, -93.27),
    ("nashville", "America/Chicago", 36.16, -86.78),
    ("st louis|saint louis", "America/Chicago", 38.63, -90.20),
    ("kansas city", "America/Chicago", 39.10, -94.58),
    ("new orleans", "America/Chicago", 29.95, -90.07),
    ("milwaukee", "America/Chicago", 43.04, -87.91),
    ("memphis", "America/Chicago", 35.15, -90.05),
    ("montgomery", "America/Chicago", 32.37, -86.30),
    ("salt lake city", "America/Denver", 40.76, -111.89),
    ("albuquerque", "America/Denver", 35.08, -106.65),
    ("boulder", "America/Denver", 40.01, -105.27),
    ("tucson", "America/Phoenix", 32.22, -110.97),
    ("spokane", "America/Los_Angeles", 47.66, -117.43),
    ("san francisco", "America/Los_Angeles", 37.77, -122.42),
    ("seattle", "America/Los_Angeles", 47.61, -122.33),
    ("portland", "America/Los_Angeles", 45.52, -122.68),
    ("las vegas", "America/Los_Angeles", 36.17, -115.14),
    ("san diego", "America/Los_Angeles", 32.72, -117.16),
    ("san jose", "America/Los_Angeles", 37.34, -121.89),
    ("sacramento", "America/Los_Angeles", 38.58, -121.49),
    ("montreal", "America/Toronto", 45.50, -73.57),
    ("ottawa", "America/Toronto", 45.42, -75.70),
    ("calgary", "America/Edmonton", 51.05, -114.07),
    ("guadalajara", "America/Mexico_City", 20.67, -103.35),
    # South America.
    ("rio de janeiro", "America/Sao_Paulo", -22.91, -43.17),
    ("brasilia", "America/Sao_Paulo", -15.79, -47.88),
    ("belo horizonte", "America/Sao_Paulo", -19.92, -43.94),
    ("curitiba", "America/Sao_Paulo", -25.43, -49.27),
    ("porto alegre", "America/Sao_Paulo", -30.03, -51.23),
    ("salvador", "America/Bahia", -12.97, -38.51),
    ("medellin", "America/Bogota", 6.24, -75.58),
    ("quito", "America/Guayaquil", -0.18, -78.47),
    ("cusco|cuzco", "America/Lima", -13.53, -71.97),
    # Europe.
    ("munich|munchen|muenchen", "Europe/Berlin", 48.14, 11.58),
    ("hamburg", "Europe/Berlin", 53.55, 9.99),
    ("frankfurt", "Europe/Berlin", 50.11, 8.68),
    ("cologne|koln|koeln", "Europe/Berlin", 50.94, 6.96),
    ("stuttgart", "Europe/Berlin", 48.78, 9.18),
    ("dusseldorf|duesseldorf", "Europe/Berlin", 51.23, 6.78),
    ("manchester", "Europe/London", 53.48, -2.24),
    ("edinburgh", "Europe/London", 55.95, -3.19),
    ("glasgow", "Europe/London", 55.86, -4.25),
    ("birmingham", "Europe/London", 52.49, -1.89),
    ("liverpool", "Europe/London", 53.41, -2.98),
    ("bristol", "Europe/London", 51.45, -2.59),
    ("leeds", "Europe/London", 53.80, -1.55),
    ("cardiff", "Europe/London", 51.48, -3.18),
    ("barcelona", "Europe/Madrid", 41.39, 2.17),
    ("valencia", "Europe/Madrid", 39.47, -0.38),
    ("seville|sevilla", "Europe/Madrid", 37.39, -5.98),
    ("malaga", "Europe/Madrid", 36.72, -4.42),
    ("bilbao", "Europe/Madrid", 43.26, -2.93),
    ("milan|milano", "Europe/Rome", 45.46, 9.19),
    ("naples|napoli", "Europe/Rome", 40.85, 14.27),
    ("florence|firenze", "Europe/Rome", 43.77, 11.26),
    ("turin|torino", "Europe/Rome", 45.07, 7.69),
    ("venice|venezia", "Europe/Rome", 45.44, 12.32),
    ("bologna", "Europe/Rome", 44.49, 11.34),
    ("lyon", "Europe/Paris", 45.76, 4.84),
    ("marseille", "Europe/Paris", 43.30, 5.37),
    ("nice", "Europe/Paris", 43.70, 7.27),
    ("toulouse", "Europe/Paris", 43.60, 1.44),
    ("bordeaux", "Europe/Paris", 44.84, -0.58),
    ("rotterdam", "Europe/Amsterdam", 51.92, 4.48),
    ("the hague|den haag", "Europe/Amsterdam", 52.08, 4.30),
    ("utrecht", "Europe/Amsterdam", 52.09, 5.12),
    ("antwerp|antwerpen", "Europe/Brussels", 51.22, 4.40),
    ("geneva|geneve|genf", "Europe/Zurich", 46.20, 6.14),
    ("basel", "Europe/Zurich", 47.56, 7.59),
    ("bern", "Europe/Zurich", 46.95, 7.45),
    ("krakow", "Europe/Warsaw", 50.06, 19.94),
    ("wroclaw", "Europe/Warsaw", 51.11, 17.04),
    ("gdansk", "Europe/Warsaw", 54.35, 18.65),
    ("gothenburg|goteborg", "Europe/Stockholm", 57.71, 11.97),
    ("bergen", "Europe/Oslo", 60.39, 5.32),
    ("porto|oporto", "Europe/Lisbon", 41.15, -8.61),
    ("st petersburg|saint petersburg", "Europe/Moscow", 59.94, 30.31),
    ("kazan", "Europe/Moscow", 55.79, 49.12),
    ("nizhny novgorod", "Europe/Moscow", 56.33, 44.00),
    ("rostov on don", "Europe/Moscow", 47.24, 39.71),
    ("sochi", "Europe/Moscow", 43.60, 39.73),
    ("lviv", "Europe/Kyiv", 49.84, 24.03),
    ("cluj|cluj napoca", "Europe/Bucharest", 46.77, 23.60),
    ("thessaloniki", "Europe/Athens", 40.64, 22.94),
    ("ankara", "Europe/Istanbul", 39.93, 32.86),
    ("izmir", "Europe/Istanbul", 38.42, 27.14),
    ("antalya", "Europe/Istanbul", 36.90, 30.70),
    # Asia.
    ("mumbai|bombay", "Asia/Kolkata", 19.08, 72.88),
    ("delhi|new delhi", "Asia/Kolkata", 28.61, 77.21),
    ("bangalore|bengaluru", "Asia/Kolkata", 12.97, 77.59),
    ("chennai|madras", "Asia/Kolkata", 13.08, 80.27),
    ("hyderabad", "Asia/Kolkata", 17.39, 78.49),
    ("pune", "Asia/Kolkata", 18.52, 73.86),
    ("ahmedabad", "Asia/Kolkata", 23.02, 72.57),
    ("jaipur", "Asia/Kolkata", 26.91, 75.79),
    ("amritsar", "Asia/Kolkata", 31.63, 74.87),
    ("lahore", "Asia/Karachi", 31.55, 74.34),
    ("islamabad", "Asia/Karachi", 33.68, 73.05),
    ("beijing|peking", "Asia/Shanghai", 39.90, 116.40),
    ("shenzhen", "Asia/Shanghai", 22.54, 114.06),
    ("guangzhou|canton", "Asia/Shanghai", 23.13, 113.26),
    ("chengdu", "Asia/Shanghai", 30.66, 104.07),
    ("chongqing", "Asia/Shanghai", 29.56, 106.55),
    ("wuhan", "Asia/Shanghai", 30.59, 114.31),
    ("xian|xi an", "Asia/Shanghai", 34.34, 108.94),
    ("kunming", "Asia/Shanghai", 25.04, 102.71),
    ("harbin", "Asia/Shanghai", 45.80, 126.53),
    ("shenyang", "Asia/Shanghai", 41.80, 123.43),
    ("lhasa", "Asia/Shanghai", 29.65, 91.10),
    ("osaka", "Asia/Tokyo", 34.69, 135.50),
    ("kyoto", "Asia/Tokyo", 35.01, 135.77),
    ("nagoya", "Asia/Tokyo", 35.18, 136.91),
    ("fukuoka", "Asia/Tokyo", 33.59, 130.40),
    ("sapporo", "Asia/Tokyo", 43.06, 141.35),
    ("naha|okinawa", "Asia/Tokyo", 26.21, 127.68),
    ("busan", "Asia/Seoul", 35.18, 129.08),
    ("hanoi", "Asia/Ho_Chi_Minh", 21.03, 105.85),
    ("chiang mai", "Asia/Bangkok", 18.79, 98.98),
    ("surabaya", "Asia/Jakarta", -7.25, 112.75),
    ("bali|denpasar", "Asia/Makassar", -8.65, 115.22),
    ("abu dhabi", "Asia/Dubai", 24.45, 54.38),
    ("jeddah|mecca", "Asia/Riyadh", 21.49, 39.19),
    ("tel aviv", "Asia/Jerusalem", 32.09, 34.78),
    # Oceania.
    ("canberra", "Australia/Sydney", -35.28, 149.13),
    ("gold coast", "Australia/Brisbane", -28.02, 153.40),
    ("alice springs", "Australia/Darwin", -23.70, 133.88),
    ("broome", "Australia/Perth", -17.96, 122.24),
    ("wellington", "Pacific/Auckland", -41.29, 174.78),
    ("christchurch", "Pacific/Auckland", -43.53, 172.64),
    ("dunedin", "Pacific/Auckland", -45.88, 170.50),
    ("queenstown", "Pacific/Auckland", -45.03, 168.66),
    # Africa.
    ("cape town", "Africa/Johannesburg", -33.92, 18.42),
    ("durban", "Africa/Johannesburg", -29.86, 31.02),
    ("pretoria", "Africa/Johannesburg", -25.75, 28.19),
    ("marrakech|marrakesh", "Africa/Casablanca", 31.63, -8.00),
    ("rabat", "Africa/Casablanca", 34.02, -6.84),
    ("abuja", "Africa/Lagos", 9.06, 7.50),
    ("alexandria", "Africa/Cairo", 31.20, 29.92),
)

# Country names beyond iso3166.tab's (normalised form -> ISO 3166 code).
_COUNTRY_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "uk": "GB",
        "united kingdom": "GB",
        "great britain": "GB",
        "england": "GB",
        "scotland": "GB",
        "wales": "GB",
        "northern ireland": "GB",
        "usa": "US",
        "america": "US",
        "united states of america": "US",
        "czechia": "CZ",
        "holland": "NL",
        "turkiye": "TR",
        "uae": "AE",
        "emirates": "AE",
        "ivory coast": "CI",
        "burma": "MM",
        "korea": "KR",  # rather than a choice between North and South
        "russian federation": "RU",
        "viet nam": "VN",
        "vatican city": "VA",
        "macao": "MO",
        "deutschland": "DE",
        "espana": "ES",
        "brasil": "BR",
        "nippon": "JP",
        "nihon": "JP",
    }
)

# Order of a country's zones when it has several (most people first); zones not listed follow
# in zone.tab order.
_COUNTRY_PREFERENCE: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "US": (
            "America/New_York",
            "America/Chicago",
            "America/Denver",
            "America/Los_Angeles",
            "America/Anchorage",
            "Pacific/Honolulu",
            "America/Phoenix",
        ),
        "CA": (
            "America/Toronto",
            "America/Vancouver",
            "America/Edmonton",
            "America/Winnipeg",
            "America/Halifax",
            "America/St_Johns",
            "America/Regina",
        ),
        "AU": (
            "Australia/Sydney",
            "Australia/Melbourne",
            "Australia/Brisbane",
            "Australia/Adelaide",
            "Australia/Perth",
            "Australia/Hobart",
            "Australia/Darwin",
        ),
        "BR": (
            "America/Sao_Paulo",
            "America/Manaus",
            "America/Fortaleza",
            "America/Recife",
            "America/Bahia",
            "America/Belem",
        ),
        "RU": (
            "Europe/Moscow",
            "Asia/Yekaterinburg",
            "Asia/Novosibirsk",
            "Europe/Samara",
            "Asia/Krasnoyarsk",
            "Asia/Vladivostok",
        ),
        "MX": (
            "America/Mexico_City",
            "America/Tijuana",
            "America/Monterrey",
            "America/Cancun",
            "America/Hermosillo",
            "America/Mazatlan",
        ),
        "ES": ("Europe/Madrid", "Atlantic/Canary"),
        "UA": ("Europe/Kyiv",),
        "UZ": ("Asia/Tashkent",),
        "FM": ("Pacific/Pohnpei",),
    }
)

# Link names under these areas that are place names (old spellings such as Asia/Calcutta or
# Europe/Kiev, merged cities such as America/Montreal) answer for the zone they link to.
_PLACE_AREAS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe"}
    | {"Indian", "Pacific"}
)
# ...except these, which are regions or compass points rather than places.
_NOT_PLACE_NAMES = frozenset({"north", "south", "west", "east", "yancowinna", "lhi", "act"})

# ---------------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------------

# Letters that Unicode does not decompose into base letter + accent.
_FOLD_EXTRA = str.maketrans(
    {"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ı": "i", "æ": "ae", "œ": "oe"}
)
_DROP = re.compile(r"[.'’‘`´]")
_SPACE = re.compile(r"[^\w/+]|_")  # \w is Unicode-aware; "_" counts as a space too
_SPACES = re.compile(r"\s+")


def _fold(text: str) -> str:
    """Case- and accent-insensitive form: "Zürich" -> "zurich", "Łódź" -> "lodz"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def _norm(text: str) -> str:
    """Lookup key: folded, "&" -> "and", "." and apostrophes dropped ("St. John's" -> "st johns"),
    every other separator (space, "_", "-", ",", ...) a single space, "/" kept without spaces."""
    text = _DROP.sub("", _fold(text).replace("&", " and "))
    text = _SPACE.sub(" ", text)
    parts = (_SPACES.sub(" ", part).strip() for part in text.split("/"))
    return "/".join(parts).strip("/")


def _expand(names: str) -> list[str]:
    return [_norm(name) for name in names.split("|")]


# ---------------------------------------------------------------------------------------------
# tzdata tables (parsed once)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _TabZone:
    country: str
    zone: str
    latitude: float
    longitude: float


_ISO6709 = re.compile(
    r"^(?P<lat_sign>[+-])(?P<lat_d>\d{2})(?P<lat_m>\d{2})(?P<lat_s>\d{2})?"
    r"(?P<lon_sign>[+-])(?P<lon_d>\d{3})(?P<lon_m>\d{2})(?P<lon_s>\d{2})?$"
)


def _parse_iso6709(text: str) -> tuple[float, float]:
    """``±DDMM±DDDMM`` or ``±DDMMSS±DDDMMSS`` (zone.tab's coordinates) -> decimal degrees."""
    m = _ISO6709.match(text)
    if m is None:
        raise ValueError(f"not an ISO 6709 coordinate pair: {text!r}")

    def degrees(sign: str, d: str, mins: str, secs: str | None) -> float:
        value = int(d) + int(mins) / 60 + int(secs or 0) / 3600
        return -value if sign == "-" else value

    g = m.groupdict()
    return (
        degrees(g["lat_sign"], g["lat_d"], g["lat_m"], g["lat_s"]),
        degrees(g["lon_sign"], g["lon_d"], g["lon_m"], g["lon_s"]),
    )


@functools.cache
def _available() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) - _NOT_A_PLACE


@functools.cache
def _zone_tab() -> tuple[_TabZone, ...]:
    """zone.tab rows (one country per row; includes per-country links such as Europe/Oslo)."""
    rows = []
    for row in tzdata.zone_tab():
        if is_valid_zone(row.zone):
            lat, lon = _parse_iso6709(row.coordinates)
            rows.append(_TabZone(row.country, row.zone, lat, lon))
    return tuple(rows)


@functools.cache
def _canonical_zones() -> tuple[str, ...]:
    """Zones of zone.tab, then any extra ones of zone1970.tab, in file order."""
    zones = [row.zone for row in _zone_tab()]
    for zone in tzdata.zone1970_zones():
        if is_valid_zone(zone) and zone not in zones:
            zones.append(zone)
    return tuple(zones)


_links = tzdata.resolved_links  # link name -> final target
_countries = tzdata.iso3166  # ISO code -> English name


@functools.cache
def _zone_rank() -> Mapping[str, int]:
    """Global "how likely is a runner here" order: common zones, preferred ones, zone.tab."""
    rank: dict[str, int] = {}
    ordered = [*COMMON_ZONES]
    for zones in _COUNTRY_PREFERENCE.values():
        ordered.extend(zones)
    ordered.extend(_canonical_zones())
    for zone in ordered:
        rank.setdefault(zone, len(rank))
    return MappingProxyType(rank)


def _rank(zone: str) -> int:
    return _zone_rank().get(zone, len(_zone_rank()))


@functools.cache
def _country_zones(code: str) -> tuple[str, ...]:
    """A country's zone.tab zones, most populous first."""
    zones = [row.zone for row in _zone_tab() if row.country == code]
    preferred = [z for z in _COUNTRY_PREFERENCE.get(code, ()) if z in zones]
    return tuple(preferred + [z for z in zones if z not in preferred])


def _sample_instants(year: int) -> list[datetime]:
    start = datetime(year, 1, 1, 12, tzinfo=UTC)
    return [start + timedelta(days=day) for day in range(366)]


@functools.cache
def _offsets(zone: str, year: int) -> tuple[timedelta, ...]:
    """UTC offset at noon UTC on each day of ``year``: two zones with equal tuples keep the
    same clock all year (daily sampling catches differing DST dates)."""
    tz = zoneinfo.ZoneInfo(zone)
    return tuple(tz.utcoffset(instant) or timedelta(0) for instant in _sample_instants(year))


def _this_year() -> int:
    return datetime.now(UTC).year


def _dedupe(zones: Iterable[str], limit: int = MAX_SUGGESTIONS) -> tuple[str, ...]:
    out: list[str] = []
    for zone in zones:
        if zone not in out:
            out.append(zone)
        if len(out) == limit:
            break
    return tuple(out)


def _country_match(codes: Iterable[str]) -> ZoneMatch:
    """One country's (or several same-named countries') zones as a match.

    A country counts as one zone when all its zone.tab zones currently keep the same clock
    (Germany's Busingen exclave, Kazakhstan since 2024, Argentina): the runner then gets the
    main one rather than a pointless choice. Same-named countries are never merged.
    """
    codes = tuple(codes)
    zones = [zone for code in codes for zone in _country_zones(code)]
    if not zones:
        return _NO_MATCH
    year = _this_year()
    if len(codes) == 1 and len({_offsets(zone, year) for zone in zones}) == 1:
        return ZoneMatch(zones[0], ())
    # Several countries share the name ("Samoa", "Congo"): the runner picks theirs.
    return ZoneMatch(None, _dedupe(zones))


# ---------------------------------------------------------------------------------------------
# Name indexes
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Index:
    keys: Mapping[str, str]  # normalised full key ("america/new york") -> key
    cities: Mapping[str, str]  # canonical city ("new york") -> zone
    aliases: Mapping[str, str]  # hand-made names and abbreviations -> zone
    countries: Mapping[str, tuple[str, ...]]  # country name or code -> ISO codes
    link_places: Mapping[str, str]  # old/merged tz place names ("kiev") -> zone
    legacy: Mapping[str, str]  # bare legacy keys ("eire", "hongkong") -> zone


def _country_names(name: str) -> list[str]:
    """Spellings of an iso3166.tab name, normalised (see ``tzdata.country_name_variants``)."""
    return [_norm(v) for v in tzdata.country_name_variants(name)]


@functools.cache
def _localized_cities() -> Mapping[str, str]:
    """Cities as runners write them in the other shipped languages ("Nueva York", "Москва",
    "Новосибирск"), from CLDR's exemplar cities -> zone. Looked up after every English name
    (which win), and built only when one is typed (about 0.3 s of CLDR data)."""
    found: dict[str, str] = {}
    for language, locale in i18n.BABEL_LOCALES.items():
        if language == i18n.DEFAULT:
            continue
        for zone in _canonical_zones():
            try:
                name = str(get_timezone_location(zone, locale=locale, return_city=True))
            except (LookupError, ValueError):
                continue
            found.setdefault(_norm(name), zone)
    return MappingProxyType(found)


@functools.cache
def _index() -> _Index:
    available = _available()

    keys: dict[str, str] = {}
    for key in sorted(available):
        keys.setdefault(_norm(key), key)

    cities: dict[str, str] = {}
    for zone in _canonical_zones():
        cities.setdefault(_norm(zone.rsplit("/", 1)[-1]), zone)

    aliases: dict[str, str] = {}
    for names, zone in _ALIASES.items():
        for name in _expand(names):
            aliases[name] = zone
    for names, zone, _lat, _lon in _PLACES:
        for name in _expand(names):
            aliases[name] = zone

    countries: dict[str, list[str]] = {}
    for code, name in _countries().items():
        countries.setdefault(code.lower(), []).append(code)
        for variant in _country_names(name):
            if code not in countries.setdefault(variant, []):
                countries[variant].append(code)
    for alias, code in _COUNTRY_ALIASES.items():
        countries[alias] = [code]

    link_places: dict[str, str] = {}
    legacy: dict[str, str] = {}
    for name, target in _links().items():
        if name not in available or target not in available:
            continue
        if "/" not in name:
            legacy[_norm(name)] = target
        elif name.split("/", 1)[0] in _PLACE_AREAS:
            place = _norm(name.rsplit("/", 1)[-1])
            if place not in _NOT_PLACE_NAMES:
                link_places.setdefault(place, target)
    for name in available:
        if "/" not in name and name not in _links():
            legacy.setdefault(_norm(name), name)  # a bare key that is a zone itself

    return _Index(
        keys=MappingProxyType(keys),
        cities=MappingProxyType(cities),
        aliases=MappingProxyType(aliases),
        countries=MappingProxyType({k: tuple(v) for k, v in countries.items()}),
        link_places=MappingProxyType(link_places),
        legacy=MappingProxyType(legacy),
    )


@functools.cache
def _fuzzy_names() -> Mapping[str, tuple[str, ...]]:
    """Every name that typos are matched against -> the zones it stands for, best first."""
    idx = _index()
    names: dict[str, tuple[str, ...]] = {}
    for name, code_list in idx.countries.items():
        if len(name) > 3:  # ISO codes and "usa" are too short to guess from
            match = _country_match(code_list)
            names[name] = (match.zone,) if match.zone else match.suggestions
    for table in (idx.link_places, idx.aliases, idx.cities):
        for name, zone in table.items():
            if len(name) > 3:
                names[name] = (zone,)
    return MappingProxyType(names)


# ---------------------------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------------------------

# "UTC+2", "GMT -5", "+05:30", "utc+0530", "UTC−3" (Unicode minus).
_OFFSET = re.compile(r"^(?:utc|gmt|z)?\s*([+\-−])\s*(\d{1,2})(?:\s*[:.h]?\s*(\d{2}))?$")


def _match_offset(text: str) -> ZoneMatch | None:
    """A UTC offset, or None when ``text`` is not one.

    Whole hours map to the fixed "Etc/GMT-N" zones. Their sign is inverted (POSIX style):
    UTC+2 is "Etc/GMT-2". They have no daylight saving time: a runner whose clocks change
    twice a year is better served by a city, which the bot can ask for when confirming.
    Other offsets ("+05:30") have no Etc zone: suggest the real zones whose standard offset it
    is (Asia/Kolkata, Asia/Colombo), then those that use it part of the year.
    """
    m = _OFFSET.match(text)
    if m is None:
        return None
    sign = -1 if m.group(1) in "-−" else 1
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    if minutes >= 60:
        return _NO_MATCH
    if minutes == 0:
        if hours == 0:
            return ZoneMatch("UTC", ())
        zone = f"Etc/GMT{'-' if sign > 0 else '+'}{hours}"  # inverted sign, see above
        return ZoneMatch(zone, ()) if is_valid_zone(zone) else _NO_MATCH
    wanted = sign * timedelta(hours=hours, minutes=minutes)
    year = _this_year()
    standard, seasonal = [], []
    for zone in _canonical_zones():
        offsets = _offsets(zone, year)
        if min(offsets) == wanted:
            standard.append(zone)
        elif wanted in offsets:
            seasonal.append(zone)
    return ZoneMatch(None, _dedupe(sorted(standard, key=_rank) + sorted(seasonal, key=_rank)))


def _match_name(key: str) -> ZoneMatch | None:
    """Exact lookups of a slash-less normalised name (rules 2-4 and tz's own old names)."""
    idx = _index()
    if key in idx.cities:
        return ZoneMatch(idx.cities[key], ())
    if key in idx.aliases:
        return ZoneMatch(idx.aliases[key], ())
    country_key = key.removeprefix("the ")
    if country_key in idx.countries and (len(country_key) != 2 or country_key == key):
        return _country_match(idx.countries[country_key])
    if key in idx.link_places:
        return ZoneMatch(idx.link_places[key], ())
    if key in idx.legacy:
        return ZoneMatch(idx.legacy[key], ())
    localized = _localized_cities()
    if key in localized:
        return ZoneMatch(localized[key], ())
    return None


def _match_fuzzy(key: str) -> tuple[str, ...]:
    if len(key) < 3:
        return ()
    names = _fuzzy_names()
    close = difflib.get_close_matches(key, list(names), n=MAX_SUGGESTIONS * 2, cutoff=_FUZZY_CUTOFF)
    return _dedupe(zone for name in close for zone in names[name])


def _clean(text: str) -> str | None:
    """Trimmed input, or None for garbage that must not reach any lookup."""
    text = text.strip()
    if not text or len(text) > _MAX_INPUT_CHARS:
        return None
    if ".." in text or "\\" in text or "\x00" in text or text.startswith(("/", "~")):
        return None  # file paths ("../../etc/passwd", "/etc/localtime")
    return text


def match_zone(text: str) -> ZoneMatch:
    """Understand a runner's answer to "what is your time zone?".

    Tried in order: a UTC offset. With a "/": an IANA key (legacy keys with an area such as
    ``US/Eastern`` are kept as given), else suggestions from its last part. Without: a tz
    city; a hand-made alias or abbreviation (so "EST" is New York, not the fixed-offset legacy
    zone "EST"); a country name or code; tz's old place names (Kiev, Calcutta); bare legacy
    keys resolved to the zone they link to ("Eire" -> Europe/Dublin). "City, Country" answers
    are tried part by part. Anything else gets typo suggestions, never a silently chosen zone.
    """
    cleaned = _clean(text)
    if cleaned is None:
        return _NO_MATCH
    offset = _match_offset(_fold(cleaned).strip())
    if offset is not None:
        return offset
    key = _norm(cleaned)
    if not key.replace("/", "").strip():
        return _NO_MATCH  # only emoji or punctuation

    if "/" in key:
        idx = _index()
        if key in idx.keys:
            return ZoneMatch(idx.keys[key], ())
        # "Europe/Munich", "Amercia/New_York": offer, never pick, what the last part names.
        last = key.rsplit("/", 1)[-1]
        found = _match_name(last) if last else None
        guesses = () if found is None else (found.zone,) if found.zone else found.suggestions
        return ZoneMatch(None, _dedupe([*guesses, *_match_fuzzy(last)]))

    found = _match_name(key)
    if found is not None:
        return found
    parts = [_norm(part) for part in cleaned.split(",")]
    if len(parts) > 1:
        partial = [match for part in parts if part and (match := _match_name(part)) is not None]
        for match in partial:
            if match.zone:
                return match
        for match in partial:
            if match.suggestions:
                return match
    return ZoneMatch(None, _match_fuzzy(key))


# ---------------------------------------------------------------------------------------------
# Location, validation, labels
# ---------------------------------------------------------------------------------------------

_EARTH_RADIUS_KM = 6371.0
# A location at sea (tzfpy answers a nautical "Etc/GMT±N" zone beyond territorial waters) takes
# the zone of the nearest reference city when one is this close: a dropped pin just off the
# coast or a ferry, whose runner lives on land and wants daylight saving time.
_SEA_FALLBACK_KM = 250.0

# tzdata puts north Vietnam in Asia/Bangkok (zone1970.tab: "TH,CX,KH,LA,VN ... north Vietnam")
# and the boundary data follows it, so that zone's polygons include a piece of another country:
# zone -> the country of every piece that does not hold the zone's zone.tab principal city.
_ZONE_PIECES_ABROAD: Mapping[str, str] = MappingProxyType({"Asia/Bangkok": "VN"})


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@functools.cache
def _reference_points() -> tuple[tuple[str, float, float], ...]:
    points = [(row.zone, row.latitude, row.longitude) for row in _zone_tab()]
    points.extend((zone, lat, lon) for _names, zone, lat, lon in _PLACES)
    return tuple(points)


def _check_coordinates(latitude: object, longitude: object) -> tuple[float, float]:
    """Both as floats, or ValueError for anything that is not a real position (bools, NaN,
    infinities, strings, out of range)."""
    values = []
    for name, value, limit in (("latitude", latitude, 90.0), ("longitude", longitude, 180.0)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{name} must be a number, got {value!r}")
        if not -limit <= value <= limit:  # also rejects NaN
            raise ValueError(f"{name} must be within -{limit:g}..{limit:g}, got {value!r}")
        values.append(float(value))
    return values[0], values[1]


def _polygon_zone(latitude: float, longitude: float) -> str | None:
    """The zone whose boundary polygon holds the point (territorial waters included), or None
    at sea or when the boundary data names a zone this tzdata does not know."""
    zone = tzfpy.get_tz(longitude, latitude)  # longitude first
    if not zone or zone.startswith("Etc/") or not is_valid_zone(zone):
        return None
    return zone


def _nautical_zone(longitude: float) -> str:
    """The fixed "Etc/GMT±N" zone of the 15-degree band around ``longitude`` (signs inverted)."""
    hours = max(-12, min(12, round(longitude / 15)))
    return "Etc/GMT" if hours == 0 else f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}"


def zone_for_location(latitude: float, longitude: float) -> str:
    """The zone of a shared location, from the time zone boundary polygons bundled with tzfpy
    (timezone-boundary-builder data, territorial waters included).

    At sea it is the zone of the nearest reference city (zone.tab's principal cities and the
    big cities of ``_PLACES``) within ``_SEA_FALLBACK_KM``, else the nautical zone tzfpy gives
    (``Etc/GMT+3`` mid-Atlantic). Raises ValueError for coordinates that are not a position.
    """
    lat, lon = _check_coordinates(latitude, longitude)
    zone = _polygon_zone(lat, lon)
    if zone is not None:
        return zone
    nearest, near_lat, near_lon = min(
        _reference_points(), key=lambda point: _haversine_km(lat, lon, point[1], point[2])
    )
    if _haversine_km(lat, lon, near_lat, near_lon) <= _SEA_FALLBACK_KM:
        return nearest
    sea = tzfpy.get_tz(lon, lat)
    return sea if is_valid_zone(sea) else _nautical_zone(lon)


def country_for_location(latitude: float, longitude: float) -> str | None:
    """ISO 3166 alpha-2 code of the country at a shared location, or None when unknown.

    From the zone polygon holding the point and the zone's zone.tab country (``Belfast`` ->
    Europe/London -> GB), corrected where a zone's polygons reach into another country
    (``_ZONE_PIECES_ABROAD``: Hanoi lies in Asia/Bangkok but is VN). None at sea beyond
    territorial waters: the bot asks rather than guess whose emergency number to show. Raises
    ValueError for coordinates that are not a position.
    """
    lat, lon = _check_coordinates(latitude, longitude)
    zone = _polygon_zone(lat, lon)
    if zone is None:
        return None
    abroad = _ZONE_PIECES_ABROAD.get(zone)
    if abroad is not None:
        piece = _home_piece(zone)
        if piece is None:
            return None  # cannot tell the two countries apart: ask rather than guess
        if not _in_polygon(lon, lat, piece):
            return abroad
    return country_for_zone(zone)


_Ring = tuple[tuple[float, float], ...]


def _in_ring(lon: float, lat: float, ring: _Ring) -> bool:
    """Even-odd ray casting over the (lon, lat) vertices of ``ring``, closed or not."""
    inside = False
    if not ring:
        return inside
    for (x1, y1), (x2, y2) in itertools.pairwise((*ring, ring[0])):
        if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _in_polygon(lon: float, lat: float, polygon: tuple[_Ring, ...]) -> bool:
    """GeoJSON polygon: the outer ring, then holes."""
    outer, *holes = polygon
    return _in_ring(lon, lat, outer) and not any(_in_ring(lon, lat, hole) for hole in holes)


@functools.cache
def _home_piece(zone: str) -> tuple[_Ring, ...] | None:
    """The polygon of ``zone``'s boundary that holds its zone.tab principal city."""
    city = next((row for row in _zone_tab() if row.zone == zone), None)
    if city is None:
        return None
    try:
        collection = json.loads(tzfpy.get_tz_polygon_geojson(zone))
    except ValueError:  # no such zone in the boundary data (json.JSONDecodeError included)
        return None
    for feature in collection.get("features", []):
        geometry = feature.get("geometry") or {}
        coords = geometry.get("coordinates") or []
        polygons = coords if geometry.get("type") == "MultiPolygon" else [coords]
        for polygon in polygons:
            rings = tuple(tuple((float(x), float(y)) for x, y, *_ in ring) for ring in polygon)
            if rings and _in_polygon(city.longitude, city.latitude, rings):
                return rings
    return None


def is_valid_zone(name: str) -> bool:
    """True for an IANA key zoneinfo accepts ("Europe/Berlin", "UTC", "US/Eastern"); False for
    anything else, including "", "localtime", file paths and wrong case."""
    return isinstance(name, str) and name in _available()


_UTC_NAMES = frozenset(
    {"UTC", "UCT", "GMT", "Zulu", "Universal", "Greenwich", "GMT0", "GMT+0", "GMT-0"}
)
_ETC_GMT = re.compile(r"^Etc/GMT([+-])(\d{1,2})$")


def zone_label(name: str) -> str:
    """Short human label: "Europe/Berlin" -> "Berlin", "America/New_York" -> "New York",
    "Etc/GMT-2" -> "UTC+2", "UTC" -> "UTC". Raises ValueError for an invalid zone."""
    if not is_valid_zone(name):
        raise ValueError(f"not a time zone: {name!r}")
    m = _ETC_GMT.match(name)
    if m is not None:
        hours = int(m.group(2))
        # Etc signs are inverted: Etc/GMT-2 is two hours ahead of UTC.
        return f"UTC{'-' if m.group(1) == '+' else '+'}{hours}" if hours else "UTC"
    last = name.rsplit("/", 1)[-1]
    if last in _UTC_NAMES:
        return "UTC"
    return last.replace("_", " ")


def local_now_label(name: str, now: datetime) -> str:
    """Wall-clock time ("19:42") in zone ``name`` at the aware instant ``now``.

    Raises ValueError for a naive ``now`` (its instant is unknown) or an invalid zone.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if not is_valid_zone(name):
        raise ValueError(f"not a time zone: {name!r}")
    return now.astimezone(zoneinfo.ZoneInfo(name)).strftime("%H:%M")

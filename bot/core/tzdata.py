"""The tz database's own tables, as shipped in the ``tzdata`` package: one reader for the core.

``zoneinfo.available_timezones()`` gives zone names only; what a zone *is* lives in the tables
next to them: ``zone.tab`` (one ISO 3166 country, the principal city's coordinates and the zone
per row; it includes per-country links such as Europe/Oslo), ``zone1970.tab`` (zones merged
across borders since 1970), ``iso3166.tab`` (code -> English short name) and the link lines
(``L TARGET NAME``) of ``tzdata.zi`` that keep backward names such as ``US/Eastern`` working.
``bot.core.timezones`` (place names, countries and coordinates for what a runner types) and
``bot.core.emergency`` (which country, so which emergency number, a zone belongs to) both read
them from here.

Files are read through ``importlib.resources`` and parsed once (``functools.cache``): every call
returns the same object. A file that cannot be read (tzdata missing or broken) is logged and
reads as empty, so a caller knows no country rather than crashing mid-conversation.
"""

from __future__ import annotations

import functools
import importlib.resources
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "ZoneTabRow",
    "country_name_variants",
    "final_target",
    "iso3166",
    "links",
    "read_text",
    "resolved_links",
    "zone1970_zones",
    "zone_tab",
]

log = logging.getLogger(__name__)


def read_text(name: str) -> str:
    """The text of ``tzdata/zoneinfo/<name>``, or "" (with a warning) when it cannot be read."""
    try:
        return (importlib.resources.files("tzdata") / "zoneinfo" / name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):
        log.warning("tzdata file %s not available", name)
        return ""


def _tab_rows(name: str) -> Iterator[list[str]]:
    """The tab-separated fields of a ``.tab`` file's rows, stripped; ``#`` comments and blank
    lines skipped."""
    for line in read_text(name).splitlines():
        if line and not line.startswith("#"):
            yield [field.strip() for field in line.split("\t")]


@dataclass(frozen=True)
class ZoneTabRow:
    """One row of ``zone.tab``: ``country<TAB>coordinates<TAB>zone[<TAB>comments]``."""

    country: str  # ISO 3166 alpha-2, upper case
    coordinates: str  # the principal city, ISO 6709: ``±DDMM±DDDMM`` or ``±DDMMSS±DDDMMSS``
    zone: str


@functools.cache
def zone_tab() -> tuple[ZoneTabRow, ...]:
    """zone.tab's rows in file order (zones as written: not checked against zoneinfo)."""
    return tuple(
        ZoneTabRow(fields[0].upper(), fields[1], fields[2])
        for fields in _tab_rows("zone.tab")
        if len(fields) >= 3
    )


@functools.cache
def zone1970_zones() -> tuple[str, ...]:
    """The zones of zone1970.tab's rows, in file order."""
    return tuple(fields[2] for fields in _tab_rows("zone1970.tab") if len(fields) >= 3)


@functools.cache
def iso3166() -> Mapping[str, str]:
    """iso3166.tab: upper-case ISO 3166 alpha-2 code -> English short name."""
    names: dict[str, str] = {}
    for fields in _tab_rows("iso3166.tab"):
        if len(fields) < 2:
            continue
        code, name = fields[0].upper(), fields[1]
        if len(code) == 2 and code.isalpha() and name:
            names[code] = name
    return MappingProxyType(names)


@functools.cache
def links() -> Mapping[str, str]:
    """The ``L TARGET NAME`` lines of tzdata.zi, as name -> target (as written)."""
    found: dict[str, str] = {}
    for line in read_text("tzdata.zi").splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[0] == "L":
            found[fields[2]] = fields[1]
    return MappingProxyType(found)


@functools.cache
def resolved_links() -> Mapping[str, str]:
    """:func:`links` with chains followed to the final target (tzdata.zi writes final targets
    today; a link to a link, or a loop, must still not mislead)."""
    raw = links()
    resolved: dict[str, str] = {}
    for name, target in raw.items():
        seen = {name}
        while target in raw and target not in seen:
            seen.add(target)
            target = raw[target]
        resolved[name] = target
    return MappingProxyType(resolved)


def final_target(name: str) -> str:
    """The zone a link name ends at; any other name is its own target."""
    return resolved_links().get(name, name)


def country_name_variants(name: str) -> set[str]:
    """Spellings of an iso3166.tab name, not yet normalised: "Korea (South)" -> Korea (South),
    Korea, South Korea; "St Kitts & Nevis" -> also Saint Kitts & Nevis; "Turks & Caicos Is" ->
    also Turks & Caicos Islands. Each caller folds them with its own lookup key."""
    base = re.sub(r"\s*\(.*?\)\s*", " ", name).strip()
    qualifier = " ".join(re.findall(r"\((.*?)\)", name))
    variants = {name, base}
    if qualifier:
        variants.add(f"{qualifier} {base}")
    for variant in list(variants):
        if variant.startswith("St "):
            variants.add("Saint " + variant[3:])
        if variant.endswith(" Is"):
            variants.add(variant + "lands")
    return variants

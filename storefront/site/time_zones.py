"""Which IANA time zone a partner means: ``Asia/Yekaterinburg`` checked, ``Екатеринбург`` suggested.

A partner's newsletter goes out at an hour of its own day, so the zone it names must be a
real ``Region/City`` zone of the system's database (:mod:`zoneinfo`). A partner who does
not know the name writes its city, often in Russian; the Russian zones are known by their
cities' Russian names too, so that gets the zone to write.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from functools import cache

from storefront.site.suggestions import suggest

#: ``Europe/Moscow``, ``America/Argentina/Buenos_Aires`` or ``UTC``; not the database's own files
#: (``localtime``, ``Factory``, ``posixrules``), nor ``Etc/GMT+5`` (see :func:`is_zone`).
_ZONE_NAME = re.compile(r"(?:[A-Z][A-Za-z_-]*/)+[A-Za-z0-9][A-Za-z0-9_+-]*|UTC")

#: The Russian zones by the Russian names of their cities.
RUSSIAN_CITIES = {
    "Europe/Kaliningrad": "Калининград",
    "Europe/Moscow": "Москва Санкт-Петербург Питер МСК MSK",
    "Europe/Kirov": "Киров",
    "Europe/Volgograd": "Волгоград",
    "Europe/Astrakhan": "Астрахань",
    "Europe/Saratov": "Саратов",
    "Europe/Ulyanovsk": "Ульяновск",
    "Europe/Samara": "Самара Ижевск",
    "Asia/Yekaterinburg": "Екатеринбург Челябинск Пермь Тюмень Уфа",
    "Asia/Omsk": "Омск",
    "Asia/Novosibirsk": "Новосибирск",
    "Asia/Barnaul": "Барнаул",
    "Asia/Tomsk": "Томск",
    "Asia/Novokuznetsk": "Новокузнецк Кемерово",
    "Asia/Krasnoyarsk": "Красноярск",
    "Asia/Irkutsk": "Иркутск",
    "Asia/Chita": "Чита",
    "Asia/Yakutsk": "Якутск",
    "Asia/Vladivostok": "Владивосток Хабаровск",
    "Asia/Sakhalin": "Сахалин Южно-Сахалинск",
    "Asia/Magadan": "Магадан",
    "Asia/Kamchatka": "Камчатка Петропавловск-Камчатский",
    "Asia/Anadyr": "Анадырь Чукотка",
}


def is_zone(name: str) -> bool:
    """Whether ``name`` is a ``Region/City`` zone (or ``UTC``) this system knows."""
    if not _ZONE_NAME.fullmatch(name) or name.startswith("Etc/"):
        return False  # Etc/GMT+5 is UTC−5 (POSIX signs): a trap a partner must not fall into
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


#: ``UTC+5``, ``GMT+3``, ``МСК+2``: an offset written instead of a zone.
_OFFSET = re.compile(r"(?P<base>UTC|GMT|MSK|МСК)\s*(?P<hours>[+-]\s*\d{1,2})", re.IGNORECASE)
#: Hours Moscow time is ahead of UTC.
_MOSCOW = 3
_MOST = 2


def close_zones(written: str) -> list[str]:
    """The zones ``written`` most plausibly means (``Екатеринбург``, ``asia/ekaterinburg``,
    ``UTC+5``), best first."""
    offset = _OFFSET.fullmatch(written.strip())
    if offset is None:
        cyrillic = re.search("[а-яё]", written, re.IGNORECASE) is not None
        return suggest(written, _russian_cities() if cyrillic else _candidates())
    hours = int(offset["hours"].replace(" ", "")) + (_MOSCOW if offset["base"].upper() in ("MSK", "МСК") else 0)
    now = dt.datetime.now(dt.UTC)
    same = [
        zone
        for zone in RUSSIAN_CITIES
        if now.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset() == dt.timedelta(hours=hours)
    ]
    return same[:_MOST]


@cache
def _candidates() -> dict[str, list[str]]:
    """Every zone of the database by its city (and a Russian zone by its cities in Russian)."""
    zones = sorted(name for name in zoneinfo.available_timezones() if is_zone(name))
    return {zone: [zone.rsplit("/", 1)[-1].replace("_", " "), *_russian_cities().get(zone, [])] for zone in zones}


@cache
def _russian_cities() -> dict[str, list[str]]:
    """The Russian zones by their cities in Russian: all that a name in Cyrillic may mean."""
    return {zone: cities.split() for zone, cities in RUSSIAN_CITIES.items()}

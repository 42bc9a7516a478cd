"""Date parsing for pages and feeds of Kazakhstan outlets (Russian, Kazakh, English).

:func:`parse_date` reads one date string for every parser of this package; :func:`feed_date`
reads the RFC 822 dialect of feeds first (localized month and weekday names, two-digit
offsets) and hands anything else to :func:`parse_date`. Both read zone abbreviations with the
one table :data:`ZONE_ABBREVIATIONS`. Also here: :func:`zone_flag` (was a zone applied?),
:func:`url_date` (the day a URL states) and :func:`local_day`. Time zones always
come from the IANA database (:mod:`zoneinfo`), never from a fixed offset: Kazakhstan moved from
UTC+6 to UTC+5 on 2024-03-01, so a naive "2020-05-01 10:00" in ``Asia/Almaty`` is +06:00 while a
naive "2024-05-01 10:00" is +05:00.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import dateparser

_LANGUAGES = ["ru", "kk", "en"]
_MIN_YEAR, _MAX_YEAR = 1900, 2100

# Zone abbreviations an RFC 822 date may carry, to IANA zones (historical offsets stay right)
# or fixed offsets in minutes: the one table of the package (feeds, pages, lists, sitemaps).
# The standard library knows only the US/UT ones; feedparser reads the rest as UTC.
ZONE_ABBREVIATIONS: dict[str, str | int] = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0,
    "ALMT": "Asia/Almaty", "QYZT": "Asia/Qyzylorda", "AQTT": "Asia/Aqtau",
    "ORAT": "Asia/Oral", "MSK": "Europe/Moscow", "MSD": 240, "UZT": "Asia/Tashkent",
    "KGT": "Asia/Bishkek", "EET": "Europe/Kyiv", "EEST": 180, "CET": 60, "CEST": 120,
    "BST": 60, "IST": 330, "JST": 540,
    "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360,
    "PST": -480, "PDT": -420,
}  # fmt: skip

_ISO = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[Tt ](?P<time>\d{2}:\d{2}(?::\d{2})?)(?P<frac>[.,]\d+)?)?"
    r"\s*(?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)?$"
)
_SIGNED_NUMBER = re.compile(r"^\s*[+-]\s*\d+(?:\.\d+)?\s*$")
_EPOCH = re.compile(r"^(?P<int>\d{9,13})(?:\.\d+)?$")
_RFC822 = re.compile(
    r"^(?:[A-Za-z]{3,9},?\s*)?\d{1,2}\s+[A-Za-z]{3,9}\.?\s+(?P<year>\d{2,4})\s+\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:\s+(?P<zone>[A-Za-z]{1,5}|[+-]\d{2,4}|[+-]\d{2}:\d{2}))?$"
)
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
# "2024 жылғы 8 қыркүйек" (formal Kazakh) -> "8 қыркүйек 2024"
_KK_YEAR_FIRST = re.compile(r"(?<!\d)(\d{4})\s*ж(?:ылғы|ыл|\.)?\s+(\d{1,2})\s+([^\W\d_]+)")
_KK_YEAR_SUFFIX = re.compile(r"(?<=\d)\s*ж(?:ылы|ыл|\.)(?=\W|$)")
# A label before a colon ("Опубликовано:", "Жарияланды:", "Published:").
_LABEL = re.compile(r"^[^\d:|]{1,40}:\s*(?=\S)")
# Pieces for the last-resort reassembly of a date found inside a longer string.
_DAY_MONTH_YEAR = re.compile(r"(?<!\d)(\d{1,2})\.?\s+([^\W\d_]{3,})\.?,?\s+((?:19|20)\d{2})(?!\d)")
_NUMERIC_DMY = re.compile(r"(?<!\d)(\d{1,2})[./](\d{1,2})[./]((?:19|20)\d{2})(?!\d)")
_ISO_DAY = re.compile(r"(?<!\d)((?:19|20)\d{2})-(\d{2})-(\d{2})(?!\d)")
# Kazakh month names with a case ending ("ақпанда", "қыркүйектің") -> the bare name.
_KK_MONTH_CASE = re.compile(
    r"(?i)\b(қаңтар|ақпан|наурыз|сәуір|мамыр|маусым|шілде|тамыз|қыркүйек|қазан|қараша|желтоқсан)"
    r"(?:да|де|та|те|ның|нің|дың|дің|тың|тің|ы|і|нан|нен|дан|ден|тан|тен)\b"
)
_BARE_CLOCK = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
# "04.04.24 09:30", "21-02-24": a numeric day-month with a two-digit year (Bitrix's default
# DD.MM.YY), read as 20YY -- news pages with such dates are from this century.
_SHORT_YEAR_DMY = re.compile(r"(?<![\d.-])(\d{1,2})([./-])(\d{1,2})\2(\d{2})(?![\d.-])")
# Kazakh in Latin script (2021 alphabet): relative day words -> Cyrillic for dateparser.
_KK_LATIN_DAYS = (
    (re.compile(r"(?i)\bbügın\b|\bbügin\b|\bbúgin\b"), "бүгін"),
    (re.compile(r"(?i)\bkeşe\b|\bkeshe\b"), "кеше"),
)


def has_year(text: str) -> bool:
    """True when ``text`` states a year: four digits 19xx/20xx, or a numeric day.month.yy."""
    return bool(_YEAR.search(text) or _SHORT_YEAR_DMY.search(text))


_CLOCK = re.compile(r"(?<!\d)([01]?\d|2[0-3]):([0-5]\d)(?!\d)")


def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def _localize(naive: datetime, tz: str) -> datetime:
    """Attach the IANA zone ``tz`` to a naive wall-clock time (no offset arithmetic)."""
    return naive.replace(tzinfo=_zone(tz))


def _sane(dt: datetime | None) -> datetime | None:
    if dt is None or not _MIN_YEAR <= dt.year <= _MAX_YEAR:
        return None
    return dt


def _parse_iso(text: str, tz: str) -> datetime | None:
    m = _ISO.match(text)
    if not m:
        return None
    value = m["date"]
    if m["time"]:
        value += "T" + m["time"]
        if m["frac"]:
            value += "." + m["frac"][1:7].ljust(6, "0")
    zone = m["zone"]
    if zone:
        if zone in "Zz":
            zone = "+00:00"
        elif len(zone) == 3:  # "+03"
            zone += ":00"
        elif ":" not in zone:  # "+0300"
            zone = zone[:3] + ":" + zone[3:]
        value += zone if m["time"] else "T00:00" + zone
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    return dt if dt.tzinfo else _localize(dt, tz)


def _parse_rfc822(text: str, tz: str) -> datetime | None:
    m = _RFC822.match(text)
    if not m:
        return None
    zone = m["zone"] or ""
    fixed = text
    if re.fullmatch(r"[+-]\d{2}", zone):  # two-digit offset: "+03" means +03:00, not 3 minutes
        fixed = text[: -len(zone)] + zone + "00"
    elif re.fullmatch(r"[+-]\d{2}:\d{2}", zone):
        fixed = text[: -len(zone)] + zone.replace(":", "")
    try:
        dt = parsedate_to_datetime(fixed)
    except (TypeError, ValueError, IndexError):
        return None
    if len(m["year"]) != 2 and dt.year != int(m["year"]):  # "0000" is not 2000
        return None
    if dt.tzinfo is not None:
        return dt
    if zone == "-0000":  # RFC 2822: UTC, origin's local zone unknown
        return dt.replace(tzinfo=UTC)
    zone_info, _assumed = _zone_of(zone, tz)
    return dt.replace(tzinfo=zone_info or _zone(tz))


# The commonest printed forms, read without dateparser (its answer on them, at a tenth of the
# cost): "15.10.2020 21:55", "27 Apr 2020, 00:14", "1 Декабря 2020 в 14:02".
_PLAIN_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan", "января", "январь"), ("february", "feb", "февраля", "февраль"),
            ("march", "mar", "марта", "март"), ("april", "apr", "апреля", "апрель"),
            ("may", "мая", "май"), ("june", "jun", "июня", "июнь"),
            ("july", "jul", "июля", "июль"), ("august", "aug", "августа", "август"),
            ("september", "sep", "сентября", "сентябрь"), ("october", "oct", "октября", "октябрь"),
            ("november", "nov", "ноября", "ноябрь"), ("december", "dec", "декабря", "декабрь"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_PLAIN_DATE = re.compile(
    r"^(?P<day>\d{1,2})(?:\.(?P<month>\d{1,2})\.|\s+(?P<name>[^\W\d_]+),?\s+)(?P<year>\d{4})"
    r"(?:,?\s+(?:в\s+)?(?P<h>\d{1,2}):(?P<m>\d{2}))?$"
)


def _plain_date(text: str, tz: str) -> datetime | None:
    """A day-month-year (numeric, or an English or Russian month name) with an optional
    "HH:MM", read as wall-clock time in ``tz``; None for any other form or an impossible
    date (dateparser then decides)."""
    m = _PLAIN_DATE.match(text)
    if m is None:
        return None
    month = int(m["month"]) if m["month"] else _PLAIN_MONTHS.get(m["name"].lower())
    if month is None or not 1 <= month <= 12:
        return None
    if " в " in text and not (m["name"] and not m["name"].isascii()):
        return None  # "в" (at) read by dateparser only next to a Russian month
    try:
        return _localize(
            datetime(int(m["year"]), month, int(m["day"]), int(m["h"] or 0), int(m["m"] or 0)),
            tz,
        )
    except ValueError:  # 31 February, 25:00
        return None


def _dateparser(text: str, tz: str, relative_base: datetime | None) -> datetime | None:
    settings: dict = {"DATE_ORDER": "DMY", "PREFER_DATES_FROM": "past"}
    if relative_base is None:
        settings["REQUIRE_PARTS"] = ["day", "month", "year"]
    else:
        base = relative_base if relative_base.tzinfo else _localize(relative_base, tz)
        settings["RELATIVE_BASE"] = base.astimezone(_zone(tz)).replace(tzinfo=None)
    try:
        dt = dateparser.parse(text, languages=_LANGUAGES, settings=settings)
    except (ValueError, TypeError, OverflowError):
        return None
    if dt is None:
        return None
    return dt if dt.tzinfo else _localize(dt, tz)


def _clock_on_base_day(hour: int, minute: int, tz: str, base: datetime) -> datetime:
    """A bare "HH:MM" is the latest such time not after ``base`` (so a list crossing
    midnight puts "23:57" on the previous day)."""
    base = base if base.tzinfo else _localize(base, tz)
    local = base.astimezone(_zone(tz))
    dt = _localize(datetime(local.year, local.month, local.day, hour, minute), tz)
    if dt > base:
        dt = _localize(datetime.combine(local.date() - timedelta(days=1), dt.time()), tz)
    return dt


def is_bare_clock(text: str) -> bool:
    """True when ``text`` is a clock time alone ("09:30", "9.30"): a time with no day."""
    return bool(_BARE_CLOCK.match(text))


def rewind(dt: datetime, limit: datetime, tz: str) -> datetime:
    """Move the wall-clock time ``dt`` back by whole local days (in the IANA zone ``tz``)
    until it is not after ``limit`` (a newest-first list of bare "HH:MM" crossing midnight)."""
    zone = ZoneInfo(tz)
    local = dt.astimezone(zone)
    while local > limit:
        local = datetime.combine(local.date() - timedelta(days=1), local.time(), zone)
    return local


def _reassemble(text: str) -> str | None:
    """Cut a recognisable day-month-year (plus a clock time, if any) out of a longer string."""
    m = _DAY_MONTH_YEAR.search(text)
    if m:
        core = f"{m[1]} {m[2]} {m[3]}"
    elif m := _NUMERIC_DMY.search(text):
        core = f"{m[1]}.{m[2]}.{m[3]}"
    elif m := _ISO_DAY.search(text):
        core = f"{m[1]}-{m[2]}-{m[3]}"
    else:
        return None
    clock = _CLOCK.search(text)
    return f"{core} {clock[1]}:{clock[2]}" if clock else core


def parse_date(text: str, *, tz: str, relative_base: datetime | None = None) -> datetime | None:
    """Parse one date/time string into a tz-aware :class:`datetime`, or return None.

    ``tz`` is the source's IANA zone name (e.g. ``"Asia/Almaty"``); it is used for wall-clock
    values that carry no zone of their own (localised with :mod:`zoneinfo`, so historical
    offsets are right) and for Unix epoch values. ``relative_base`` (tz-aware, or naive meaning
    local time in ``tz``) anchors relative or incomplete expressions ("вчера, 14:30",
    "21 августа", "сегодня"); without it such expressions are refused (None), because
    resolving them against the current clock would make parsing non-reproducible.

    Accepted forms, tried in this order (first success wins):

    0. With ``relative_base``: a bare clock time "HH:MM" is that time on the base's local day,
       or the day before when that would be after the base (lists that cross midnight).
    1. Unix epoch: 9-10 digits are seconds, 12-13 digits milliseconds (returned in ``tz``).
    2. ISO 8601 with or without a zone, with ``Z``, ``+0300``, ``+03:00`` or the two-digit
       ``+03``; a bare date means local midnight in ``tz``.
    3. RFC 822 / 2822 (feeds), including a two-digit offset ``+03`` (read as +03:00), ``-0000``
       (UTC) and a few regional zone names (MSK, ALMT); other unknown names fall back to ``tz``.
    4. dateparser with languages ru, kk, en and day-month-year order: Russian and Kazakh month
       names ("30 Июля 2015", "8 қыркүйек 2024", "2024 жылғы 8 қыркүйек"), numeric
       "06.09.2024 12:30", a two-digit year "04.04.24 09:30" (read as 2024), Kazakh Latin
       "Keşe, 18:10" / "Bügın". A leading label ending in a colon ("Опубликовано:") is
       dropped, and as a last resort a day-month-year inside a longer string is cut out and
       parsed.

    An explicit offset in the text is kept as given (the instant is the same whatever the
    offset). Years outside 1900-2100 are refused. Never raises: unparseable input gives None;
    an unknown ``tz`` raises :class:`zoneinfo.ZoneInfoNotFoundError` only when it is needed.
    """
    if text is None:
        return None
    if _SIGNED_NUMBER.match(str(text)):  # "-1000000000" is no epoch once its sign is cut
        return None
    text = " ".join(str(text).replace("\u00a0", " ").split()).strip(" ,;|·—-")
    if not text:
        return None
    m = _EPOCH.match(text)
    if m:
        digits = m["int"]
        if len(digits) in (9, 10):
            seconds = float(text)
        elif len(digits) in (12, 13):
            seconds = int(digits) / 1000
        else:
            return None
        try:
            return _sane(datetime.fromtimestamp(seconds, _zone(tz)))
        except (OverflowError, OSError, ValueError):
            return None
    dt = _parse_iso(text, tz) or _parse_rfc822(text, tz)
    if dt is not None:
        return _sane(dt)
    if relative_base is not None and (m := _BARE_CLOCK.match(text)):
        return _clock_on_base_day(int(m[1]), int(m[2]), tz, relative_base)
    cleaned = _LABEL.sub("", text)
    cleaned = _SHORT_YEAR_DMY.sub(r"\1.\3.20\4", cleaned)
    for pattern, cyrillic in _KK_LATIN_DAYS:
        cleaned = pattern.sub(cyrillic, cleaned)
    cleaned = _KK_YEAR_FIRST.sub(r"\2 \3 \1", cleaned)
    cleaned = _KK_YEAR_SUFFIX.sub("", cleaned)
    cleaned = _KK_MONTH_CASE.sub(r"\1", cleaned)
    if re.fullmatch(r"\d{1,8}", cleaned):  # a bare number is not a date
        return None
    if relative_base is None and not _YEAR.search(cleaned):
        return None
    dt = _plain_date(cleaned, tz)
    if dt is not None:
        return _sane(dt)
    piece = _reassemble(cleaned)
    piece = piece if piece != cleaned else None
    quick = _plain_date(piece, tz) if piece else None
    if quick is not None and relative_base is None and not _says_more(cleaned):
        return _sane(quick)  # the rest is a byline, a source, a count: dateparser fails on it
    dt = _dateparser(cleaned, tz, relative_base)
    if dt is None and piece:
        dt = quick or _dateparser(piece, tz, relative_base)
    return _sane(dt)


# What the text around a day-month-year may add to its time: AM/PM, a zone or offset,
# seconds, a time of day in words.
_MORE_TIME = re.compile(
    r"(?i)(?<![^\W\d_])[ap]\.?\s?m\b|[+-]\d|:\d|\b(?:noon|midnight|утра|дня|вечера|ночи)\b"
)
_ZONE_NAME = re.compile(r"\b[A-Z]{2,5}\b")


def _says_more(text: str) -> bool:
    """True when ``text``, less its day-month-year and clock time, holds something that may
    change the time read (:data:`_MORE_TIME`, an upper-case zone name such as EST): then
    dateparser reads the whole text. Otherwise the rest (an author's name, the outlet,
    "Get short URL", a comment count) only makes dateparser fail on it and the day cut out of
    it is read alone (:func:`parse_date`'s last resort, taken first, at a tenth of the
    cost)."""
    rest = _CLOCK.sub(" ", _DAY_MONTH_YEAR.sub(" ", _NUMERIC_DMY.sub(" ", text), count=1), count=1)
    return bool(_MORE_TIME.search(rest) or _ZONE_NAME.search(rest))


# --- feed dates: RFC 822 as feeds print it ---------------------------------------------------

_FEED_MONTHS = {
    # Russian (genitive and nominative abbreviations), Kazakh, Ukrainian
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "мая": 5, "май": 5, "июн": 6, "июл": 7, "авг": 8,
    "сен": 9, "окт": 10, "ноя": 11, "дек": 12,
    "қаң": 1, "ақп": 2, "нау": 3, "сәу": 4, "мам": 5, "мау": 6, "шіл": 7, "там": 8, "қыр": 9,
    "қаз": 10, "қар": 11, "жел": 12,
    "січ": 1, "лют": 2, "бер": 3, "кві": 4, "тра": 5, "чер": 6, "лип": 7, "сер": 8, "вер": 9,
    "жов": 10, "лис": 11, "гру": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "oct": 10, "nov": 11, "dec": 12,
    "mär": 3, "mai": 5, "okt": 10, "dez": 12, "fév": 2, "avr": 4, "jui": 7, "aoû": 8, "déc": 12,
    "ene": 1, "abr": 4, "ago": 8, "dic": 12, "fev": 2, "set": 9, "out": 10,
}  # fmt: skip
_FEED_DATE = re.compile(
    r"^(?:[^\W\d_]{2,12}\.?,?\s*)?"  # a weekday in any language, with or without a comma
    r"(?P<day>\d{1,2})[\s.-]+(?P<mon>[^\W\d_]{3,12})\.?[\s.-]+(?P<year>\d{2}|\d{4})"
    r"(?:\s+(?P<h>\d{1,2}):?(?P<m>\d{2})(?::(?P<s>\d{1,2}))?)?"
    r"(?:\s*(?P<zone>(?:GMT|UTC|UT)?[+-]\d{1,2}(?::?\d{2})?|[A-Za-z]{1,5}))?\s*$"
)


_ZONE_AT_END = re.compile(r"(?:\d[Zz]|[+-]\d{2}(?::?\d{2})?|\b(?:GMT|UTC|UT|[A-Z]{3,5}))$")


def zone_flag(raw: str | None, parsed: datetime | None) -> str | None:
    """``"zone_assumed"`` when ``raw`` was parsed into ``parsed`` without a zone of its own
    (the source zone was applied), None otherwise."""
    if parsed is None or not raw:
        return None
    text = " ".join(str(raw).split())
    if re.fullmatch(r"\d{9,13}(?:\.\d+)?", text):  # Unix epoch: an instant, no zone needed
        return None
    return None if _ZONE_AT_END.search(text) else "zone_assumed"


def _month(name: str) -> int | None:
    return _FEED_MONTHS.get(name.lower()[:3])


def _zone_of(token: str, fallback: str) -> tuple[Any, bool]:
    """(tzinfo, assumed) for an RFC 822 zone token; unknown/missing -> ``fallback`` zone."""
    if not token:
        return ZoneInfo(fallback), True
    token = re.sub(r"^(?:GMT|UTC|UT)(?=[+-])", "", token, flags=re.I)
    if token[0] in "+-":
        digits = token[1:].replace(":", "")
        if len(digits) in (1, 3):  # "GMT+9", "+930"
            digits = "0" + digits
        hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
        if hours > 14 or minutes > 59:
            return None, False
        sign = -1 if token[0] == "-" else 1
        return timezone(sign * timedelta(hours=hours, minutes=minutes)), False
    value = ZONE_ABBREVIATIONS.get(token.upper())
    if value is None:
        return ZoneInfo(fallback), True
    if isinstance(value, str):
        return ZoneInfo(value), False
    return timezone(timedelta(minutes=value)), False


def feed_date(raw: str | None, tz: str) -> tuple[datetime | None, str | None]:
    """Parse a feed's date string: (tz-aware datetime or None, flag).

    Handles RFC 822 with a weekday or month in any of ru/kk/uk/en/de/fr/es/pt ("Пн, 25 июн 2018
    11:41:36 +0300", "Mo, 25 Jun 2018 11:41:36"), two-digit offsets ("+03"), two-digit years,
    and zone abbreviations feedparser ignores (ALMT, MSK, ...: IANA zones). Anything else goes
    to :func:`parse_date` (ISO 8601 and friends). ``flag`` is
    ``"zone_assumed"`` when the string has no zone and the source zone ``tz`` was used, None
    otherwise (also when nothing could be parsed).
    """
    if not raw:
        return None, None
    text = " ".join(str(raw).split())
    m = _FEED_DATE.match(text)
    if m and (month := _month(m["mon"])):
        year = int(m["year"])
        if len(m["year"]) == 2:  # "24" is 2024; a four-digit "0000" stays year 0 (refused)
            year += 2000 if year < 70 else 1900
        zone, assumed = _zone_of(m["zone"] or "", tz)
        if zone is not None:
            try:
                dt = datetime(year, month, int(m["day"]), int(m["h"] or 0), int(m["m"] or 0),
                              int(m["s"] or 0), tzinfo=zone)  # fmt: skip
            except ValueError:
                dt = None
            if dt is not None and 1900 <= dt.year <= 2100:
                return dt, "zone_assumed" if assumed else None
    dt = parse_date(text, tz=tz)
    if dt is None:
        return None, None
    return dt, None if _ZONE_AT_END.search(text) else "zone_assumed"


def local_day(dt: datetime, tz: str) -> date:
    """Calendar day of the tz-aware instant ``dt`` in the IANA zone ``tz``."""
    return dt.astimezone(_zone(tz)).date()


# Dates in URL paths: /2024/09/08/, /2024-09-08, /20240908, /08-09-2024; and year + month only.
_URL_DAY = (
    re.compile(r"(?<!\d)((?:19|20)\d{2})[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?!\d)"),
    re.compile(r"(?<![\d.])((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?![\d])"),
)
_URL_DMY = re.compile(r"(?<!\d)(0[1-9]|[12]\d|3[01])-(0[1-9]|1[0-2])-((?:19|20)\d{2})(?!\d)")
_URL_MONTH = re.compile(r"/((?:19|20)\d{2})/(0[1-9]|1[0-2])(?:/|$)")


def url_date(url: str) -> tuple[date | None, str | None]:
    """The day a URL path states, and failing that its year-month.

    Returns ``(day, None)`` for /2024/09/08/, /2024-09-08-..., /20240908..., /08-09-2024;
    ``(None, "2021-04")`` for a path holding only a year and a month (/news/2021/04/92713:
    the number after the month is an article id, never a day); ``(None, None)`` otherwise.
    """
    path = urlsplit(url).path
    for pattern in _URL_DAY:
        for m in pattern.finditer(path):
            try:
                return date(int(m[1]), int(m[2]), int(m[3])), None
            except ValueError:
                continue
    m = _URL_DMY.search(path)
    if m:
        try:
            return date(int(m[3]), int(m[2]), int(m[1])), None
        except ValueError:
            pass
    m = _URL_MONTH.search(path)
    if m:
        return None, f"{m[1]}-{m[2]}"
    return None, None


def day_in_url(day: date | datetime, url: str) -> bool:
    """True when ``url`` spells ``day`` as Y/M/D, Y-M-D, YMD or D-M-Y (zero-padded)."""
    y, m, d = f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}"
    return any(p in url for p in (f"{y}/{m}/{d}", f"{y}-{m}-{d}", f"{y}{m}{d}", f"{d}-{m}-{y}"))

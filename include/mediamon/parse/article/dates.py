"""The date rules of an article page: publication and modification instants.

Every rule is tried (profile, JSON-LD, meta, microdata, ``<time>``, visible text near the
headline, ``data-*`` epoch attributes, the URL); the most reliable one wins and a less
reliable one that disagrees is kept as the alternative (:func:`find_published`). Without any,
htmldate runs on the ``<head>`` and the URL only and is believed only when the day is stated
outright. Date strings are read by :func:`mediamon.parse.dates.parse_date`; dates are never
guessed from running text.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from mediamon.parse._tree import in_chrome, text_of
from mediamon.parse.article.page import (
    META_MODIFIED,
    META_PUBLISHED,
    PLACEHOLDER,
    Page,
    element_value,
    in_listing_item,
)
from mediamon.parse.dates import day_in_url, has_year, local_day, parse_date, url_date

_FUTURE_TOLERANCE = timedelta(days=1)
# Two date rules whose instants are further apart than this (or on different local days when
# one has no clock time) disagree: the more reliable one is kept, the other recorded.
DATES_DISAGREE_AFTER = timedelta(hours=1)
# A visible date printed near the headline: short text, a digit, no sentence.
_VISIBLE_DATE_MAX = 60
_HAS_CLOCK = re.compile(r"\d{1,2}:\d{2}|^\d{9,13}(?:\.\d+)?$")
_RELATIVE_WORDS = re.compile(
    r"(?i)сегодня|вчера|позавчера|назад|бүгін|кеше|бұрын|today|yesterday|ago|bügın|keşe"
    r"|^\s*\d{1,2}:\d{2}\s*$"
)
# The relative expression inside a longer visible string ("Кеше, 18:45 · 854" with a views
# counter): only this part is parsed, so stray numbers around it cannot move the time.
_RELATIVE_EXPRESSION = re.compile(
    r"(?i)(?:\d{1,2}:\d{2}\s*,?\s*)?(?:сегодня|вчера|позавчера|бүгін|кеше|today|yesterday"
    r"|bügın|keşe)"
    r"(?:\s*,?\s*(?:в\s+|at\s+|сағат\s+)?\d{1,2}:\d{2})?"
    r"|\b\d+\s+[^\W\d_]+\s+(?:назад|бұрын|ago)\b"
)
_NOT_PUBLICATION_LABEL = re.compile(
    r"(?i)обновл|изменен|редакт|жаңарт|өзгерт|updated|modified|edited|просмотр|views"
)
_EPOCH_VALUE = re.compile(r"^\d{9,10}(?:\d{3})?$")
_EPOCH_PUBLISHED = re.compile(r"^data-(?:ts|timestamp|time|date|created|pub\w*)$")
_EPOCH_MODIFIED = re.compile(r"^data-(?:modified|updated|edited)$")
_EDITED = re.compile(r"(?i)modif|updat|edit|changed|ред\.|обновл|жаңарт")
_DATE_META_WORDS = ("date", "time", "publish", "created", "issued")
_NOT_PUBLISHED_WORDS = ("modif", "updat", "expir", "view", "image", "refresh")
_SCRIPT_DATE = re.compile(r'"(?:datePublished|dateCreated|uploadDate)"\s*:\s*"([^"]{6,40})"')
_HEAD_END = re.compile(r"</head\s*>", re.I)


def find_published(page: Page) -> dict[str, Any]:
    """The publication date and its provenance: ``published_at``, ``date_source``,
    ``published_at_reason`` (when None), ``dates_disagree`` with ``published_at_alt`` /
    ``published_at_alt_source`` (the first less reliable rule that disagrees)."""
    out: dict[str, Any] = {
        "published_at": None,
        "date_source": None,
        "published_at_reason": None,
        "dates_disagree": False,
        "published_at_alt": None,
        "published_at_alt_source": None,
    }
    candidates = _date_candidates(page)
    if not candidates:
        dt, rule, reason = _published_trafilatura(page)
        if dt is not None:
            out.update(published_at=dt, date_source=rule)
            return out
        _day, month = url_date(page.url)
        if month:
            reason = (
                f"no publication date found; the URL gives only the month {month} "
                "(a day is never inferred from a year/month path)"
            )
        out["published_at_reason"] = reason
        return out
    best = _repair_local_time_sent_as_utc(page, candidates)
    out.update(published_at=best.dt, date_source=best.rule)
    for other in candidates[1:]:
        if _disagree(best, other, page.tz):
            out.update(
                dates_disagree=True,
                published_at_alt=other.dt,
                published_at_alt_source=other.rule,
            )
            page.warnings.append(
                f"dates disagree: {best.rule} {best.dt.isoformat()} vs "
                f"{other.rule} {other.dt.isoformat()}; kept {best.rule}"
            )
            break
    return out


def find_modified(page: Page) -> tuple[datetime | None, str | None]:
    """(last-modified instant, its rule): JSON-LD ``dateModified`` ("jsonld"), a modified
    ``<meta>`` ("meta"), microdata ``dateModified`` or hAtom ``<time class=updated>``
    ("microdata"), an edit-time epoch attribute ("epoch"); (None, None) when none."""
    if page.ld:
        dt = _date(page, page.ld.get("dateModified"))
        if dt and page.utc_is_local and dt.utcoffset() is not None and not dt.utcoffset():
            dt = dt.replace(tzinfo=page.zone)  # the same markup's local time sent as UTC
        if dt:
            return dt, "jsonld"
    for key in META_MODIFIED:
        dt = _date(page, page.meta.get(key))
        if dt:
            return dt, "meta"
    for el in page.marked("dateModified", updated_time=True):
        # microdata, or hAtom's "updated" (WordPress themes: <time class="updated">)
        if not in_chrome(el):
            dt = _date(page, element_value(el) if el.tag != "time" else el.get("datetime"))
            if dt:
                return dt, "microdata"
    for value in _epoch_attributes(page, modified=True):
        dt = _date(page, value)
        if dt:
            return dt, "epoch"
    return None, None


class _Candidate:
    __slots__ = ("dt", "rule", "has_time")

    def __init__(self, dt: datetime, rule: str, raw: Any):
        self.dt = dt
        self.rule = rule
        self.has_time = bool(_HAS_CLOCK.search(str(raw)))


def _date(page: Page, raw: Any, relative: bool = False) -> datetime | None:
    if raw is None or isinstance(raw, dict | list):
        return None
    base = page.fetched_at if relative else None
    key = (str(raw), relative)
    if key not in page.dates_read:  # the rules often read the same string twice
        page.dates_read[key] = parse_date(key[0], tz=page.tz, relative_base=base)
    dt = page.dates_read[key]
    if dt is not None and page.fetched_at and dt > page.fetched_at + _FUTURE_TOLERANCE:
        return None  # a "publication" after the fetch is a wrong field or a wrong zone
    return dt


def _first(page: Page, rule: str, values: Any, relative: bool = False) -> _Candidate | None:
    for raw in values:
        dt = _date(page, raw, relative=relative)
        if dt:
            return _Candidate(dt, rule, raw)
    return None


def _date_candidates(page: Page) -> list[_Candidate]:
    """One candidate per rule that yields a date, most reliable first."""
    found: list[_Candidate | None] = [
        _first(page, "profile", (element_value(el) for el in page.select("date")), True)
    ]
    if page.ld:
        found.append(
            _first(page, "jsonld", (page.ld.get(k) for k in ("datePublished", "dateCreated")))
        )
    found.append(_first(page, "meta", (page.meta.get(k) for k in META_PUBLISHED)))
    found.append(
        _first(
            page,
            "microdata",
            (element_value(el) for el in page.marked("datePublished") if not in_chrome(el)),
        )
    )
    times = [t for t in page.root.iter("time") if t.get("datetime") and not in_chrome(t)]
    times = [t for t in times if not in_listing_item(t, text_of(t) or "-")]
    anchor = page.headline()
    if anchor is not None and len(times) > 1:
        at = page.position(anchor)
        times.sort(key=lambda t: abs(page.position(t) - at))
    found.append(_first(page, "time", (t.get("datetime") for t in times)))
    found.append(_visible_date(page))
    found.append(_first(page, "epoch", _epoch_attributes(page, modified=False)))
    day, _month = url_date(page.url)
    if day is not None:
        found.append(_first(page, "url", [day.isoformat()]))
    return [c for c in found if c is not None]


def _visible_date(page: Page) -> _Candidate | None:
    """A date printed as short text next to the headline ("30 Июля 2015",
    "Сегодня, 14:30", "Опубликовано: 8 қыркүйек 2024"): the nearest element within a few
    elements of the headline, outside chrome and headline lists, whose whole text (at most
    60 characters) is a date with a year, or a relative one ("вчера, 09:15", "3 часа
    назад", "бүгін 10:00") resolved against the fetch time in the source's zone. "Updated"
    labels are skipped, and so is an undated-clock day equal to the fetch day printed
    *above* the headline (what a masthead "today" looks like)."""
    if page.headline() is None:
        return None
    fetch_day = local_day(page.fetched_at, page.tz) if page.fetched_at else None
    for el, before in page.near_headline():
        if el.tag == "a":
            continue
        text = text_of(el)
        if not text or len(text) > _VISIBLE_DATE_MAX or not any(ch.isdigit() for ch in text):
            continue
        if PLACEHOLDER.search(text):
            continue
        label = _NOT_PUBLICATION_LABEL.search(text)
        if label:
            # "Written: 2023-11-07 15:03 / Updated: 2023-11-07 15:30": the part before
            text = text[: label.start()].strip(" /|·,;(")
            if not any(ch.isdigit() for ch in text):
                continue
        relative = bool(_RELATIVE_WORDS.search(text))
        if not relative and not has_year(text):
            continue
        if relative and not has_year(text):
            expression = _RELATIVE_EXPRESSION.search(text)
            text = expression[0] if expression else text
        if in_chrome(el) or in_listing_item(el, text):
            continue
        dt = _date(page, text, relative=relative)
        if dt is None:
            continue
        has_clock = bool(_HAS_CLOCK.search(text))
        if before and not relative and not has_clock and local_day(dt, page.tz) == fetch_day:
            continue
        return _Candidate(dt, "visible", text)
    return None


def _epoch_attributes(page: Page, *, modified: bool) -> list[str]:
    """Unix epoch values in ``data-*`` attributes that a script turns into the visible date
    (``<time data-ts="1728621600">11 октября, 09:40</time>``, ``<article data-created=...>``):
    on the elements next to the headline (nearest first), then on its ancestors; never in
    chrome or headline lists. ``modified``: the edit time instead (``data-modified``,
    ``data-updated``, or a ``data-ts`` element whose class or text says "edited")."""
    anchor = page.headline()
    if anchor is None:
        return []
    near = [el for el, _before in page.near_headline()]
    values = []
    ancestors = [a for a in anchor.iterancestors() if a.tag not in ("body", "html")]
    near_set = set(near)
    for el in [*near, *ancestors]:  # (a page-wide render time on <body> is no publication)
        epochs = [
            (n, v)
            for n, v in el.attrib.items()
            if (_EPOCH_PUBLISHED.match(n) or _EPOCH_MODIFIED.match(n))
            and _EPOCH_VALUE.match(v.strip())
        ]
        if not epochs:  # the common case, decided before the costlier tests below
            continue
        text = (text_of(el) or "")[:40] if el in near_set else ""
        if in_chrome(el) or (text and in_listing_item(el, text)):
            continue
        edited = bool(_EDITED.search(f"{el.get('class') or ''} {text}"))
        for name, value in epochs:
            if modified:
                wanted = _EPOCH_MODIFIED.match(name) or (edited and _EPOCH_PUBLISHED.match(name))
            else:
                wanted = _EPOCH_PUBLISHED.match(name) and not edited
            if wanted:
                values.append(value.strip())
    return values


def _disagree(a: _Candidate, b: _Candidate, tz: str) -> bool:
    if a.has_time and b.has_time:
        return abs(a.dt - b.dt) > DATES_DISAGREE_AFTER
    return local_day(a.dt, tz) != local_day(b.dt, tz)


def _repair_local_time_sent_as_utc(page: Page, candidates: list[_Candidate]) -> _Candidate:
    """The best candidate, or its local reading when it is a wall-clock time labelled UTC.

    Some CMS plugins write the local publication time into JSON-LD/meta with a ``Z`` (or
    +00:00): "21:40Z" on a page that prints "3 июля 2024, 21:40" in Almaty. When the best
    candidate has offset zero, the source's zone does not, and a visible date near the
    headline shows the same wall-clock day and minute, the value is read as local time in
    the source's zone and ``page.utc_is_local`` is set (dateModified of the same markup is
    read the same way). A warning says so."""
    best = candidates[0]
    offset = best.dt.utcoffset()
    if offset is None or offset.total_seconds() != 0 or best.rule not in ("jsonld", "meta"):
        return best
    wall = best.dt.replace(tzinfo=None)
    if not page.zone.utcoffset(wall):
        return best  # the source's own zone is UTC: nothing to tell apart
    for other in candidates[1:]:
        if other.rule != "visible" or not other.has_time:
            continue
        local = other.dt.astimezone(page.zone).replace(tzinfo=None)
        if local == wall:
            page.utc_is_local = True
            page.warnings.append(
                f"{best.rule} date {best.dt.isoformat()} is the page's local time labelled UTC "
                f"(the page prints {local:%Y-%m-%d %H:%M}): read in {page.tz}"
            )
            return _Candidate(other.dt, best.rule, best.dt.isoformat())
    return best


def _published_trafilatura(page: Page) -> tuple[datetime | None, str | None, str | None]:
    """htmldate (trafilatura's date engine) on the ``<head>`` and the URL only, original
    (publication) date, no free-text search. Its answer is kept only when the day is stated
    outright in the URL, a date-like ``<meta>`` or a ``datePublished`` script key -- never a
    day read from an image path, a title or a text pattern. A day equal to the fetch day
    that is not in the URL is refused too: that is what a masthead "today" looks like."""
    # imported here: htmldate takes ~50 ms to import, and most pages never need it
    from htmldate import find_date

    head = _HEAD_END.search(page.html)
    nothing = (
        "no publication date found in profile, JSON-LD, meta, microdata, <time>, "
        "visible text near the headline or URL"
    )
    if head is None or not page.heavy_allowed():
        return None, None, nothing
    try:
        found = find_date(
            f"{page.html[: head.end()]}<body></body></html>",
            extensive_search=False,
            original_date=True,
            url=page.url,
            outputformat="%Y-%m-%d",
        )
    except Exception:  # htmldate is a best-effort fallback
        found = None
    if not found:
        return None, None, nothing
    support = _head_supports(page, found)
    if support is None:
        return None, None, f"only a weak date candidate ({found}, not stated in URL or meta)"
    dt = _date(page, found)
    if dt is None:
        return None, None, f"date candidate {found} is after the fetch time"
    if support != "url" and local_day(dt, page.tz) == local_day(page.fetched_at, page.tz):
        return None, None, f"only a weak date candidate ({found}) equal to the fetch day"
    return dt, "trafilatura", None


def _head_supports(page: Page, day: str) -> str | None:
    """Where a day found by htmldate is stated outright: "url", "meta" (a date-like meta
    name other than modified/updated) or "script" (a datePublished key); None when it is
    not (htmldate then took it from an image path, a title or a text pattern)."""
    if day_in_url(datetime.fromisoformat(day), page.url):
        return "url"

    def same_day(raw: str | None) -> bool:
        dt = parse_date(raw or "", tz=page.tz)
        return dt is not None and day in (dt.date().isoformat(), local_day(dt, page.tz).isoformat())

    for meta in page.root.iter("meta"):
        if meta.get("content") is None:
            continue
        name = " ".join(str(meta.get(a) or "") for a in ("name", "property", "itemprop")).lower()
        if (
            any(w in name for w in _DATE_META_WORDS)
            and not any(w in name for w in _NOT_PUBLISHED_WORDS)
            and same_day(str(meta.get("content")))
        ):
            return "meta"
    for script in page.scripts:
        for raw in _SCRIPT_DATE.findall(script):
            if same_day(raw):
                return "script"
    return None

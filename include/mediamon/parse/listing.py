"""HTML headline lists (section pages, tickers, archives) to headline dicts, by CSS selectors."""

from __future__ import annotations

import re
import warnings as warnings_module
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup, NavigableString, Tag, XMLParsedAsHTMLWarning

from mediamon.parse._tree import too_many_tags
from mediamon.parse.dates import parse_date
from mediamon.parse.decode import decode_html
from mediamon.parse.feed import zone_flag
from mediamon.text.normalize import strip_nul
from mediamon.text.urls import absolute_url, canonicalize_url


@dataclass
class ListingResult:
    """Result of :func:`parse_listing`.

    ``headlines``: one dict per item that has a link, in page order. ``next_page_url``: the
    absolute URL of the next page of the list, or None. ``warnings``: items skipped and other
    problems that did not stop parsing. ``skipped``: items that could not become headlines, as
    ``{"position", "title", "reason"}`` dicts, so the caller can quarantine them.
    """

    headlines: list[dict] = field(default_factory=list)
    next_page_url: str | None = None
    warnings: list[str] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)


def text_of(el: Tag | None) -> str:
    """Visible text of ``el`` with whitespace collapsed to single spaces ('' for None)."""
    if el is None:
        return ""
    return " ".join(el.get_text(" ", strip=True).split())


_BARE_CLOCK = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


def _rewind(dt: datetime, limit: datetime, tz: str) -> datetime:
    """Move the wall-clock time ``dt`` back by whole local days until it is not after
    ``limit``."""
    zone = ZoneInfo(tz)
    local = dt.astimezone(zone)
    while local > limit:
        local = datetime.combine(local.date() - timedelta(days=1), local.time(), zone)
    return local


def undouble(text: str) -> str:
    """``"X X"`` -> ``"X"`` when a headline is printed twice in a row (image alt text plus
    link text run together); any other text is returned unchanged."""
    words = text.split()
    half = len(words) // 2
    if half and len(words) % 2 == 0 and words[:half] == words[half:]:
        return " ".join(words[:half])
    return text


def _select_one(item: Tag, selector: str | None) -> Tag | None:
    """First match of ``selector`` inside ``item``, or ``item`` itself when it matches."""
    if not selector:
        return None
    found = item.select_one(selector)
    if found is None and item.parent is not None:
        try:
            if item.css.match(selector):
                return item
        except Exception:  # a selector soupsieve cannot match against one element
            return None
    return found


def _href(el: Tag | None) -> str | None:
    if el is None:
        return None
    if el.get("href"):
        return str(el["href"])
    inner = el.find("a", href=True)
    return str(inner["href"]) if inner is not None else None


def _visible_text(el: Tag, exclude: list[Tag]) -> str:
    """Text of ``el`` without the ``exclude`` elements (a date or byline printed inside the
    headline link) and without descendants that hold only a number (comment/view counters)."""
    skip = [x for x in exclude if x is not el]
    pieces: list[str] = []
    for string in el.find_all(string=True):
        if type(string) is not NavigableString:  # comments, CDATA, doctype
            continue
        parent = string.parent
        if any(parent is x or x in parent.parents for x in skip):
            continue
        if parent is not el and parent.name in ("script", "style", "noscript", "template"):
            continue
        if parent is not el and text_of(parent).isdigit():
            continue
        pieces.append(str(string))
    return " ".join(" ".join(pieces).split())


def _title(el: Tag | None, exclude: list[Tag]) -> str | None:
    if el is None:
        return None
    text = _visible_text(el, exclude)
    if not text:
        img = el if el.name == "img" else el.find("img")
        if img is not None:
            text = " ".join(str(img.get("alt") or img.get("title") or "").split())
    if not text and el.get("title"):
        text = " ".join(str(el["title"]).split())
    return undouble(text) or None


def parse_listing(
    body: bytes,
    url: str,
    *,
    source: Any,
    listing: Any,
    fetched_at: datetime,
    position_offset: int = 0,
) -> ListingResult:
    """Parse one HTML listing page into headlines with the listing's CSS selectors.

    ``listing.selectors`` has ``item`` (each headline's container), ``title`` and ``link``
    (looked up inside the item, or the item itself), and optionally ``byline``, ``date``
    (inside the item), ``position`` (a rank printed in the item, text or ``data-position``:
    used instead of the item's index when it is a number) and ``next_page`` (in the whole
    page). ``body`` is decoded with the
    page's ``<meta charset>`` or detection.

    Each headline dict has: ``source_id``, ``list_id`` (``listing.id``),
    ``list_kind="listing"``, ``list_url`` (``url``), ``position`` (``position_offset`` + the
    1-based index of the item on the page; a skipped item leaves a gap), ``title`` (text,
    whitespace collapsed, without a date/byline element or a number-only counter printed
    inside it, a headline printed twice kept once, image alt as fallback),
    ``url`` (href made absolute against ``<base href>`` or ``url``), ``canonical_url``,
    ``published_at`` (tz-aware or None: the date element's ``datetime``/``content``
    attribute, else its text, parsed in ``source.timezone`` with ``fetched_at`` as the base
    for relative dates such as "вчера, 14:30"; bare "HH:MM" times are taken as a newest-first
    feed, so a time later than the previous item's means the previous day), ``byline`` (text
    or None when the element is missing or empty), ``fetched_at``.

    Items without a usable link are skipped and reported in ``warnings``, as is a page where
    ``item`` matches nothing. A page with more than :data:`~mediamon.parse._tree.MAX_TAGS`
    tags is not parsed: one ``skipped`` entry says why (bounded time on hostile pages).
    ``next_page_url`` is absolute or None. Never raises for bad HTML;
    an invalid CSS selector raises soupsieve's ``SelectorSyntaxError`` (a config error).
    A listing without selectors goes to :func:`mediamon.parse.blocks.find_headlines`.
    """
    if not getattr(listing, "selectors", None):  # no selectors: find the headline blocks
        from mediamon.parse.blocks import find_headlines  # blocks imports this module

        return find_headlines(body, url, source=source, listing=listing, fetched_at=fetched_at,
                              position_offset=position_offset)  # fmt: skip
    selectors: dict[str, str] = dict(listing.selectors)
    oversized = too_many_tags(body)
    if oversized:
        reason = f"listing page not parsed: {oversized}"
        return ListingResult([], None, [reason], [{"position": position_offset + 1,
                                                   "title": None, "reason": reason}])  # fmt: skip
    with warnings_module.catch_warnings():  # a listing URL that serves XML is still read
        warnings_module.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(decode_html(body), "lxml")
    base_el = soup.find("base", href=True)
    base = absolute_url(url, base_el["href"]) if base_el is not None else url
    base = base or url
    warnings: list[str] = []
    items = soup.select(selectors["item"])
    if not items:
        warnings.append(f"no items match selector {selectors['item']!r}")
    headlines: list[dict] = []
    skipped: list[dict] = []
    last_clock: datetime | None = None
    for index, item in enumerate(items, start=1):
        byline_el = _select_one(item, selectors.get("byline"))
        date_el = _select_one(item, selectors.get("date"))
        extras = [x for x in (byline_el, date_el) if x is not None]
        title = _title(_select_one(item, selectors.get("title")), extras)
        link = absolute_url(base, _href(_select_one(item, selectors.get("link"))))
        if not link:
            warnings.append(f"item {index}: no link (title={title!r})")
            skipped.append(
                {"position": position_offset + index, "title": title, "reason": "item has no link"}
            )
            continue
        position = position_offset + index
        position_el = _select_one(item, selectors.get("position"))
        if position_el is not None:
            printed = str(position_el.get("data-position") or text_of(position_el)).strip(" .#")
            if printed.isdigit() and 0 < int(printed) < 100_000:
                position = position_offset + int(printed)
        byline = text_of(byline_el) or None
        published_at = None
        raw = None
        if date_el is not None:
            raw = str(date_el.get("datetime") or date_el.get("content") or text_of(date_el))
            published_at = parse_date(raw, tz=source.timezone, relative_base=fetched_at)
            if published_at is None and raw:
                warnings.append(f"item {index}: unparsed date {raw[:60]!r}")
            elif published_at is not None and _BARE_CLOCK.match(raw.strip()):
                if last_clock is not None and published_at > last_clock:
                    # newest-first list of bare "HH:MM": a later time means the day before
                    published_at = _rewind(published_at, last_clock, source.timezone)
                last_clock = published_at
        headlines.append(
            {
                "source_id": source.id,
                "list_id": listing.id,
                "list_kind": "listing",
                "list_url": url,
                "position": position,
                "title": title,
                "url": link,
                "canonical_url": canonicalize_url(link),
                "published_at": published_at,
                "byline": byline,
                "date_flag": zone_flag(raw, published_at),
                "published_at_assumed_zone": zone_flag(raw, published_at) is not None,
                "fetched_at": fetched_at,
            }
        )
    next_page_url = None
    if selectors.get("next_page"):
        next_el = soup.select_one(selectors["next_page"])
        next_page_url = absolute_url(base, _href(next_el))
    (headlines, next_page_url, skipped), nuls = strip_nul((headlines, next_page_url, skipped))
    if nuls:
        warnings.append(f"NUL characters stripped: {nuls} (PostgreSQL text refuses U+0000)")
    return ListingResult(headlines, next_page_url, strip_nul(warnings)[0], skipped)

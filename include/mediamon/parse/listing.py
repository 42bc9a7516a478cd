"""HTML headline lists (section pages, tickers, archives) to headline dicts, by CSS selectors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from mediamon.parse._tree import DocumentSelectors, HtmlElement, make_tree, too_many_tags
from mediamon.parse.blocks import find_headlines
from mediamon.parse.dates import is_bare_clock, parse_date, rewind, zone_flag
from mediamon.parse.decode import decode_html
from mediamon.parse.results import ListingResult
from mediamon.parse.titles import undouble
from mediamon.records import new_headline
from mediamon.text.normalize import strip_nul
from mediamon.text.urls import absolute_url

# Elements whose strings are not the page's text (code, templates, ruby annotations): their
# text counts only when the element itself is read.
_STRING_CONTAINERS = frozenset({"script", "style", "template", "rt", "rp"})


def _container(el: HtmlElement | None) -> str | None:
    """The nearest of ``el`` and its ancestors in :data:`_STRING_CONTAINERS`, by tag."""
    for node in (el, *el.iterancestors()) if el is not None else ():
        if node.tag in _STRING_CONTAINERS:
            return node.tag
    return None


def _strings(el: HtmlElement) -> Iterator[tuple[str, HtmlElement, str | None]]:
    """(text, the element holding it, its container tag or None) for every text node below
    ``el``, in document order; comments and processing instructions give none (the text
    around one stays two strings)."""

    def walk(node: HtmlElement, container: str | None):
        if node.text and isinstance(node.tag, str):
            yield node.text, node, container
        for child in node:
            if isinstance(child.tag, str):
                inner = child.tag if child.tag in _STRING_CONTAINERS else container
                yield from walk(child, inner)
            if child.tail:
                yield child.tail, node, container

    yield from walk(el, _container(el))


def _text(el: HtmlElement | None) -> str:
    """Visible text of ``el``, its strings joined by spaces, whitespace collapsed ('' for
    None); the text of code, templates and ruby annotations only when ``el`` is one."""
    if el is None:
        return ""
    wanted = el.tag if el.tag in _STRING_CONTAINERS else None
    pieces = [text for text, _holder, container in _strings(el) if container == wanted]
    return " ".join(" ".join(pieces).split())


def _select_one(
    selectors: DocumentSelectors, item: HtmlElement, selector: str | None
) -> HtmlElement | None:
    """First match of ``selector`` inside ``item``, or ``item`` itself when it matches."""
    if not selector:
        return None
    return selectors.first_in(item, selector)


def _href(el: HtmlElement | None) -> str | None:
    if el is None:
        return None
    if el.get("href"):
        return str(el.get("href"))
    inner = next((a for a in el.iterdescendants("a") if a.get("href") is not None), None)
    return str(inner.get("href")) if inner is not None else None


def _visible_text(el: HtmlElement, exclude: list[HtmlElement]) -> str:
    """Text of ``el`` without the ``exclude`` elements (a date or byline printed inside the
    headline link) and without descendants that hold only a number (comment/view counters)."""
    skip = [x for x in exclude if x is not el]
    pieces: list[str] = []
    for text, holder, container in _strings(el):
        if container is not None:  # code, templates, ruby annotations
            continue
        if any(holder is x or x in holder.iterancestors() for x in skip):
            continue
        if holder is not el and holder.tag == "noscript":
            continue
        if holder is not el and _text(holder).isdigit():
            continue
        pieces.append(text)
    return " ".join(" ".join(pieces).split())


def _title(el: HtmlElement | None, exclude: list[HtmlElement]) -> str | None:
    if el is None:
        return None
    text = _visible_text(el, exclude)
    if not text:
        img = el if el.tag == "img" else next(el.iterdescendants("img"), None)
        if img is not None:
            text = " ".join(str(img.get("alt") or img.get("title") or "").split())
    if not text and el.get("title"):
        text = " ".join(str(el.get("title")).split())
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

    Selectors are CSS, evaluated by lxml + cssselect over the whole page
    (:class:`~mediamon.parse._tree.DocumentSelectors`): inside an item, the first match below
    it, else the item itself.

    Items without a usable link are skipped and reported in ``warnings``, as is a page where
    ``item`` matches nothing. A page with more than :data:`~mediamon.parse._tree.MAX_TAGS`
    tags is not parsed: one ``skipped`` entry says why (bounded time on hostile pages).
    ``next_page_url`` is absolute or None. Never raises for bad HTML; a CSS selector that
    cannot be used raises :class:`~mediamon.parse._tree.SelectorError` (a config error) when
    it is first needed.
    A listing without selectors goes to :func:`mediamon.parse.blocks.find_headlines`.
    """
    if not getattr(listing, "selectors", None):  # no selectors: find the headline blocks
        return find_headlines(body, url, source=source, listing=listing, fetched_at=fetched_at,
                              position_offset=position_offset)  # fmt: skip
    selectors: dict[str, str] = dict(listing.selectors)
    oversized = too_many_tags(body)
    if oversized:
        reason = f"listing page not parsed: {oversized}"
        return ListingResult([], None, [reason], [{"position": position_offset + 1,
                                                   "title": None, "reason": reason}])  # fmt: skip
    root = make_tree(decode_html(body), keep_comments=True)  # (a listing URL serving XML too)
    page = DocumentSelectors(root)
    base_el = next((b for b in root.iter("base") if b.get("href") is not None), None)
    base = absolute_url(url, base_el.get("href")) if base_el is not None else url
    base = base or url
    warnings: list[str] = []
    items = page.all(selectors["item"])
    if not items:
        warnings.append(f"no items match selector {selectors['item']!r}")
    headlines: list[dict] = []
    skipped: list[dict] = []
    last_clock: datetime | None = None
    for index, item in enumerate(items, start=1):
        byline_el = _select_one(page, item, selectors.get("byline"))
        date_el = _select_one(page, item, selectors.get("date"))
        extras = [x for x in (byline_el, date_el) if x is not None]
        title = _title(_select_one(page, item, selectors.get("title")), extras)
        link = absolute_url(base, _href(_select_one(page, item, selectors.get("link"))))
        if not link:
            warnings.append(f"item {index}: no link (title={title!r})")
            skipped.append(
                {"position": position_offset + index, "title": title, "reason": "item has no link"}
            )
            continue
        position = position_offset + index
        position_el = _select_one(page, item, selectors.get("position"))
        if position_el is not None:
            printed = str(position_el.get("data-position") or _text(position_el)).strip(" .#")
            if printed.isdigit() and 0 < int(printed) < 100_000:
                position = position_offset + int(printed)
        byline = _text(byline_el) or None
        published_at = None
        raw = None
        if date_el is not None:
            raw = str(date_el.get("datetime") or date_el.get("content") or _text(date_el))
            published_at = parse_date(raw, tz=source.timezone, relative_base=fetched_at)
            if published_at is None and raw:
                warnings.append(f"item {index}: unparsed date {raw[:60]!r}")
            elif published_at is not None and is_bare_clock(raw.strip()):
                if last_clock is not None and published_at > last_clock:
                    # newest-first list of bare "HH:MM": a later time means the day before
                    published_at = rewind(published_at, last_clock, source.timezone)
                last_clock = published_at
        headlines.append(
            new_headline(
                source_id=source.id,
                list_id=listing.id,
                list_kind="listing",
                list_url=url,
                position=position,
                title=title,
                url=link,
                published_at=published_at,
                date_flag=zone_flag(raw, published_at),
                byline=byline,
                fetched_at=fetched_at,
            )  # fmt: skip
        )
    next_page_url = None
    if selectors.get("next_page"):
        next_el = page.first(selectors["next_page"])
        next_page_url = absolute_url(base, _href(next_el))
    (headlines, next_page_url, skipped), nuls = strip_nul((headlines, next_page_url, skipped))
    if nuls:
        warnings.append(f"NUL characters stripped: {nuls} (PostgreSQL text refuses U+0000)")
    return ListingResult(headlines, next_page_url, strip_nul(warnings)[0], skipped)

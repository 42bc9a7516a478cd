"""Headline lists without selectors: find a page's repeated blocks of story links.

:func:`find_headlines` reads any front or section page and returns the same
:class:`~mediamon.parse.results.ListingResult` as selector-driven
:func:`~mediamon.parse.listing.parse_listing`. The rules are general (no site or page names):

1. Candidate links: ``<a href>`` outside ``<script>``/``<style>``/``<template>`` and outside
   HTML comments (dropped at parse time), pointing at the page's site or a sub-domain of it
   (or a host of the source), whose path looks like an article (:func:`url_strength`).
2. Site chrome is skipped: ``<nav>``, a ``<header>``/``<footer>`` not inside an
   ``<article>``, elements whose class/id starts or ends with a chrome word (menu, nav,
   footer, breadcrumb, tags, social, ...) or a widget word (birthdays, weather, currency, jobs,
   ...), and blocks whose heading names such a widget. "Most read"/"popular" widgets are
   skipped too unless the listing says ``blocks: all``.
3. Each story is one *item*: the largest element around a link that holds no link to another
   story (a thumbnail link and a headline link to the same URL make one item). Items whose
   parents are siblings with the same tag and class form one *block* (``block`` label: the
   container's tag.class path, plus its heading when one is printed).
4. An item keeps its headline-like title (:func:`is_headline_text`: three or more words, not
   "Read more"); a block of one item needs a strong article URL (an id, a date, ``.html``),
   a block of slug-only URLs needs long titles (median of five or more words) or printed
   dates, as tag and topic lists have slugs too.
5. The same canonical URL twice keeps the first in page order (said in ``warnings``).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from mediamon.parse._tree import (
    HtmlElement,
    classes,
    drop_code,
    make_tree,
    text_of,
    too_many_tags,
)
from mediamon.parse.dates import is_bare_clock, parse_date, rewind, zone_flag
from mediamon.parse.decode import decode_html
from mediamon.parse.results import ListingResult
from mediamon.parse.titles import undouble
from mediamon.records import new_headline
from mediamon.text.normalize import strip_nul
from mediamon.text.urls import absolute_url, bare_host, canonicalize_url

_SPLIT = re.compile(r"[-_\s]+")
# class/id words of site chrome (first or last word of a class name, split on "-" and "_")
_CHROME_WORDS = frozenset(
    {
        "nav", "navbar", "navigation", "menu", "submenu", "megamenu", "breadcrumb",
        "breadcrumbs", "footer", "subfooter", "header", "masthead", "social", "share", "sharing",
        "tags", "tagcloud", "cloud", "comments",
    }
)  # fmt: skip
# class/id words of widgets that are never headline lists
_WIDGET_WORDS = frozenset(
    {
        "birthday", "birthdays", "bday", "weather", "pogoda", "currency", "currencies", "rates",
        "exchange", "horoscope", "jobs", "vacancy", "vacancies", "obituary", "obituaries",
    }
)  # fmt: skip
# class/id words of "most read" widgets (kept with ``blocks: all``)
_MOST_READ_WORDS = frozenset({"popular", "mostread", "mostviewed", "trending", "toplist"})
# a class name like "most-read", "most_viewed", "top-read"
_MOST_READ_PAIRS = re.compile(r"(?i)\b(most|top)[-_ ]?(read|viewed|popular|commented)")
# an article word in the same class name exempts it ("entry-header", "post-footer")
_ARTICLE_WORDS = frozenset({"article", "post", "entry", "story", "news", "material", "item"})
_WIDGET_HEADINGS = re.compile(
    r"(?i)(родил|день рождени|дни рождени|туған күн|погода|ауа райы|курс[ыа]? валют|валют|"
    r"вакансi|ваканси|гороскоп|birthday|weather|currenc|exchange rate|horoscope|\bjobs\b)"
)
_MOST_READ_HEADINGS = re.compile(
    r"(?i)(популярн|самое читаем|самые читаем|читаемое|обсуждаем|көп оқыл|танымал|"
    r"most read|most popular|most viewed|\bpopular\b|trending)"
)
# link texts that are never a headline, whatever their length
_NOT_HEADLINES = re.compile(
    r"(?i)^(подробнее|читать далее|читать полностью|далее|ещё|еще|толығырақ|толық оқу|"
    r"әрі қарай|read more|more|continue reading|все новости|барлық жаңалықтар|"
    r"all news|показать ещё|тағы жүктеу|load more)\W*$"
)
# path words of section, tag, author and service pages
_LIST_PATH_WORDS = frozenset(
    {
        "tag", "tags", "category", "categories", "rubric", "rubrics", "section", "sections",
        "author", "authors", "user", "users", "profile", "topic", "topics", "search", "login",
        "register", "page", "archive", "feed", "rss", "cat",
    }
)  # fmt: skip
_WORD = re.compile(r"[^\W\d_]{2,}|\d+[^\W\d_]*")
_ELLIPSIS = ("...", "…")
_ID_SEGMENT = re.compile(r"(?<![a-z])\d{4,}(?![a-z])")
_YEAR = re.compile(r"^(19|20)\d\d$")
_DATE_PATH = re.compile(r"/(19|20)\d\d/(0?[1-9]|1[0-2])(/|$)|/(19|20)\d\d-?[01]\d-?[0-3]\d(/|$)")
_PAGE_SUFFIX = re.compile(r"\.(s?html?|php|aspx?)$")
_BLOCK_TAGS = frozenset({"div", "p", "ul", "ol", "table", "figure", "section", "dl"})
_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_SKIP_TAGS = frozenset({"script", "style", "template", "noscript", "select", "option", "svg"})
# month names (ru, kk, en stems) for "21 марта 2018", "21 Наурыз, 2018 сағат 17:18"
_MONTHS = (
    r"(янв|фев|мар|апр|ма[йя]|июн|июл|авг|сен|окт|ноя|дек|қаң|ақп|нау|сәу|мам|мау|шіл|там|"
    r"қыр|қаз|қар|жел|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
)
# a text that is only a date or time (printed next to or inside a headline link)
_DATE_TEXT = re.compile(
    r"(?i)^\W*(\d{1,2}[:.]\d{2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}([ ,]+\d{1,2}:\d{2})?|"
    rf"\d{{4}}-\d{{2}}-\d{{2}}[T ]?[\d:+Z.-]*|(\d{{1,2}}:\d{{2}},?\s+)?\d{{1,2}}\s+{_MONTHS}"
    r"[^\W\d]*\.?,?(\s+\d{4})?(\s*[^\W\d]*\s*\d{1,2}:\d{2})?|"
    r"(сегодня|вчера|бүгін|кеше|today|yesterday),?\s*(в\s*)?(\d{1,2}:\d{2})?)\W*$"
)


def url_strength(path: str) -> int:
    """How much a URL path (lower-cased) looks like one article: 2 for a numeric id of four or
    more digits, a date path or a ``.html``-like page with a slug; 1 for a long slug (three
    or more words) as its last segment; 0 for anything else, and for section, tag, author and
    service paths."""
    segments = [s for s in path.split("/") if s]
    if not segments or set(segments[:-1]) & _LIST_PATH_WORDS or segments[0] in _LIST_PATH_WORDS:
        return 0
    last = segments[-1]
    stem = _PAGE_SUFFIX.sub("", last)
    words = [w for w in _SPLIT.split(stem) if w]
    if _DATE_PATH.search(path) and len(segments) > 2:
        return 2
    if any(_ID_SEGMENT.search(s) and not _YEAR.match(s) for s in segments):
        return 2
    if _PAGE_SUFFIX.search(last) and stem not in ("index", "default") and len(words) >= 2:
        return 2
    if len(words) >= 3 and len(stem) >= 16:
        return 1
    return 0


def is_headline_text(text: str) -> bool:
    """True for headline-like anchor text: 3 to 60 words, 12 to 400 characters, not a
    "Read more"/"Подробнее"/"Толығырақ" label."""
    words = _WORD.findall(text)
    return 3 <= len(words) <= 60 and 12 <= len(text) <= 400 and not _NOT_HEADLINES.match(text)


def _class_words(el: HtmlElement) -> list[list[str]]:
    names = [*classes(el), el.get("id") or ""]
    return [[p for p in _SPLIT.split(n.lower()) if p] for n in names if n]


def _marked(el: HtmlElement, words: frozenset[str]) -> bool:
    """The element's class or id starts or ends with one of ``words`` (no article word)."""
    for parts in _class_words(el):
        if parts and not set(parts) & _ARTICLE_WORDS and (parts[0] in words or parts[-1] in words):
            return True
    return False


def _most_read(el: HtmlElement) -> bool:
    if _marked(el, _MOST_READ_WORDS):
        return True
    return bool(_MOST_READ_PAIRS.search(f"{el.get('class') or ''} {el.get('id') or ''}"))


def _skipped_region(a: HtmlElement, keep_most_read: bool) -> str | None:
    """Why the link's surroundings are not a headline list (chrome, widget), or None."""
    inside_article = next(a.iterancestors("article"), None) is not None
    for node in a.iterancestors():
        if node.tag in ("body", "html"):
            break
        if node.tag in _SKIP_TAGS:
            return "code"
        if node.tag == "nav" or (node.tag in ("header", "footer") and not inside_article):
            return "chrome"
        if _marked(node, _CHROME_WORDS):
            return "chrome"
        if _marked(node, _WIDGET_WORDS):
            return "widget"
        if not keep_most_read and _most_read(node):
            return "most read"
    return None


def _is_date_text(text: str) -> bool:
    return len(text) <= 40 and any(c.isdigit() for c in text) and bool(_DATE_TEXT.match(text))


def _anchor_text(a: HtmlElement) -> tuple[str, str | None]:
    """(title text, printed date) of a link: a heading inside it wins; else the text outside
    its block-level children (a source line and a date printed under a video title), else all
    of it; without number-only children (comment counters) and date-only children, which
    give the date."""
    heading = next((h for h in a.iter(*_HEADING_TAGS) if text_of(h)), None)
    if heading is not None:
        return text_of(heading), None
    date: list[str] = []

    def pieces(el: HtmlElement, skip_blocks: bool) -> list[str]:
        out = [el.text or ""]
        for child in el:
            if not isinstance(child.tag, str) or child.tag in _SKIP_TAGS:
                out.append(child.tail or "")
                continue
            child_text = text_of(child)
            if child_text.isdigit():
                pass  # a comment or view counter
            elif _is_date_text(child_text):
                date.append(child_text)
            elif not (skip_blocks and child.tag in _BLOCK_TAGS):
                out += pieces(child, False)
            out.append(child.tail or "")
        return out

    text = " ".join(" ".join(pieces(a, True)).split())
    if not text:
        text = " ".join(" ".join(pieces(a, False)).split())
    return text, (date[0] if date else None)


def _title(anchors: list[HtmlElement]) -> tuple[str | None, str | None]:
    """The best title among the links of one item (most visible text; a title cut with "…"
    completed from a ``title`` attribute that starts the same way; else a ``title`` or image
    ``alt`` attribute) and a date printed inside a link."""
    texts = [_anchor_text(a) for a in anchors]
    text, date = max(texts, key=lambda t: len(t[0]))
    attrs = [" ".join((a.get("title") or "").split()) for a in anchors]
    attrs += [" ".join((img.get("alt") or "").split()) for a in anchors for img in a.iter("img")]
    attrs = [t for t in attrs if t]
    if text.endswith(_ELLIPSIS):
        stem = text.rstrip(".… ").casefold()
        full = next(
            (t for t in attrs if t.casefold().startswith(stem) and len(t) > len(stem)), None
        )
        text = full or text
    if not text and attrs:
        text = max(attrs, key=len)
    return (undouble(text) or None), date


@dataclass
class _Item:
    element: HtmlElement
    canonical: str
    url: str
    strength: int
    anchors: list[HtmlElement] = field(default_factory=list)
    title: str | None = None
    date_text: str | None = None


def _items(root: HtmlElement, links: list[tuple[HtmlElement, str, str, int]]) -> list[_Item]:
    """One item per (story, largest element around its link holding no other story)."""
    stories: dict[HtmlElement, set[str]] = {}
    for a, _url, canonical, _strength in links:
        for node in (a, *a.iterancestors()):
            seen = stories.setdefault(node, set())
            if len(seen) < 2:
                seen.add(canonical)
    items: dict[tuple[HtmlElement, str], _Item] = {}
    for a, url, canonical, strength in links:
        node = a
        parent = a.getparent()
        while parent is not None and parent.tag not in ("body", "html"):
            if len(stories[parent]) > 1:
                break
            node, parent = parent, parent.getparent()
        item = items.setdefault((node, canonical), _Item(node, canonical, url, strength))
        item.anchors.append(a)
    return list(items.values())


def _signature(el: HtmlElement) -> str:
    names = [c for c in classes(el) if not any(ch.isdigit() for ch in c)]
    return el.tag + "".join(f".{c}" for c in names[:2])


def _block_key(item: _Item) -> tuple:
    """Items whose parents are the same element, or siblings with the same tag and class
    (rows of a grid), share a block."""
    parent = item.element.getparent()
    grand = parent.getparent() if parent is not None else None
    if grand is not None and len(grand) > 1 and sum(_signature(x) == _signature(parent)
                                                     for x in grand) > 1:  # fmt: skip
        return (grand, _signature(parent))
    return (parent, "")


def _heading(block_items: list[_Item], story_links: set[HtmlElement]) -> str | None:
    """The block's printed heading: the nearest h1-h6 (else "title"/"heading"-classed element)
    before the block's first item, up to four levels up, stopping at an earlier block (an
    element holding a story link)."""
    node = block_items[0].element
    for _ in range(4):
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html"):
            return None
        for sibling in node.itersiblings(preceding=True):
            if not isinstance(sibling.tag, str):
                continue
            if any(a in story_links for a in sibling.iter("a")):
                return None
            found = _heading_in(sibling)
            if found:
                return found
        node = parent
    return None


def _heading_in(el: HtmlElement) -> str | None:
    for tags in (_HEADING_TAGS, None):
        for c in el.iter(*tags) if tags else el.iter():
            if not isinstance(c.tag, str):
                continue
            if tags is None and not any(w in ("title", "heading", "header", "caption")
                                        for parts in _class_words(c) for w in parts):  # fmt: skip
                continue
            text = text_of(c)
            if text and len(text) <= 80:
                return text
    return None


def _label(block_items: list[_Item], heading: str | None) -> str:
    parent = block_items[0].element.getparent()
    path = []
    node = parent
    while node is not None and node.tag not in ("body", "html") and len(path) < 3:
        path.append(_signature(node))
        node = node.getparent()
    label = " > ".join(reversed(path)) or "body"
    return f"{label} ({heading})" if heading else label


def _keep_block(block_items: list[_Item]) -> bool:
    if len(block_items) == 1:
        return block_items[0].strength >= 2
    if any(i.strength >= 2 for i in block_items):
        return True
    words = statistics.median(len(_WORD.findall(i.title or "")) for i in block_items)
    return words >= 5 or sum(i.date_text is not None for i in block_items) * 2 >= len(block_items)


def _item_date(item: _Item) -> str | None:
    """A date printed in the item: a ``datetime``/``content`` attribute of a ``<time>`` or a
    date-stamped element, else a link's date-only child, else a short date-only element."""
    for el in item.element.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag == "time" or (el.get("itemprop") or "").startswith("date"):
            raw = el.get("datetime") or el.get("content") or text_of(el)
            if raw:
                return raw
    if item.date_text:
        return item.date_text
    for el in item.element.iter():
        if isinstance(el.tag, str) and len(el) == 0 and _is_date_text(text_of(el)):
            return text_of(el)
    return None


def _story_key(canonical: str) -> str:
    """The same story linked as ``www.host`` and ``host`` (relative and absolute links on a
    page served from both) is one story."""
    return re.sub(r"^(https?://)www\.", r"\1", canonical)


def find_headlines(
    body: bytes,
    url: str,
    *,
    source: Any,
    listing: Any,
    fetched_at: datetime,
    position_offset: int = 0,
) -> ListingResult:
    """Find the headline blocks of one HTML page without selectors (see the module doc).

    Returns the headline dicts of :func:`~mediamon.parse.listing.parse_listing` (same keys,
    ``byline`` None) plus ``block``: the block's tag.class path and printed heading. Items are
    in page order, ``position`` = ``position_offset`` + 1-based index. Dates: a ``<time>``
    element, else a date or time printed in the item, parsed in ``source.timezone`` with
    ``fetched_at`` as the base; bare "HH:MM" times follow the listing's newest-first rule.
    ``listing.blocks == "all"`` keeps "most read"/"popular" widgets. Duplicate links (same
    canonical URL) keep the first, and ``warnings`` says how many were dropped. A page over
    :data:`~mediamon.parse._tree.MAX_TAGS` tags is not parsed (one ``skipped`` entry). Never
    raises for bad HTML.
    """
    oversized = too_many_tags(body)
    if oversized:
        reason = f"listing page not parsed: {oversized}"
        return ListingResult([], None, [reason], [{"position": position_offset + 1,
                                                   "title": None, "reason": reason}])  # fmt: skip
    root = make_tree(decode_html(body))
    drop_code(root)
    base_el = next(root.iter("base"), None)
    base = (absolute_url(url, base_el.get("href")) if base_el is not None else None) or url
    site = bare_host(url)
    hosts = {h.lower().removeprefix("www.") for h in getattr(source, "hosts", ()) or ()}
    keep_most_read = getattr(listing, "blocks", None) == "all"
    links: list[tuple[HtmlElement, str, str, int]] = []
    for a in root.iter("a"):
        link = absolute_url(base, a.get("href"))
        if not link or not link.lower().startswith(("http://", "https://")):
            continue
        host = bare_host(link)
        if not (host == site or host.endswith("." + site) or host in hosts):
            continue
        strength = url_strength(urlsplit(link).path.lower())
        if strength and _skipped_region(a, keep_most_read) is None:
            links.append((a, link, canonicalize_url(link), strength))
    items = _items(root, links)
    story_links = {a for a, *_ in links}
    for item in items:
        item.title, item.date_text = _title(item.anchors)
    items = [i for i in items if i.title and is_headline_text(i.title)]
    blocks: dict[tuple, list[_Item]] = {}
    for item in items:
        blocks.setdefault(_block_key(item), []).append(item)
    kept: list[tuple[_Item, str]] = []
    warnings: list[str] = []
    for block_items in blocks.values():
        heading = _heading(block_items, story_links)
        if heading and (_WIDGET_HEADINGS.search(heading) or (
                not keep_most_read and _MOST_READ_HEADINGS.search(heading))):  # fmt: skip
            warnings.append(f"block {heading!r} skipped ({len(block_items)} links): a widget")
            continue
        if _keep_block(block_items):
            label = _label(block_items, heading)
            kept += [(i, label) for i in block_items]
    order = {el: n for n, el in enumerate(root.iter())}
    kept.sort(key=lambda pair: order[pair[0].anchors[0]])
    first: dict[str, tuple[_Item, str]] = {}
    raws: dict[str, str | None] = {}
    for item, label in kept:  # a story printed twice keeps its first place, and any date
        key = _story_key(item.canonical)
        first.setdefault(key, (item, label))
        raws[key] = raws.get(key) or _item_date(item)
    duplicates = len(kept) - len(first)
    headlines: list[dict] = []
    last_clock: datetime | None = None
    for key, (item, label) in first.items():
        raw = raws[key]
        published_at = (
            parse_date(raw, tz=source.timezone, relative_base=fetched_at) if raw else None
        )
        if published_at is not None and is_bare_clock(raw.strip()):
            if last_clock is not None and published_at > last_clock:
                published_at = rewind(published_at, last_clock, source.timezone)
            last_clock = published_at
        flag = zone_flag(raw, published_at)
        headlines.append(
            new_headline(
                source_id=source.id,
                list_id=listing.id,
                list_kind="listing",
                list_url=url,
                position=position_offset + len(headlines) + 1,
                title=item.title,
                url=item.url,
                canonical_url=item.canonical,
                published_at=published_at,
                date_flag=flag,
                byline=None,
                fetched_at=fetched_at,
                block=label,
            )  # fmt: skip
        )
    if duplicates:
        warnings.append(
            f"{duplicates} duplicate links dropped (same canonical URL as an earlier item; "
            "the first in page order is kept)"
        )
    if not headlines:
        warnings.append("no headline blocks found on the page")
    (headlines,), nuls = strip_nul((headlines,))
    if nuls:
        warnings.append(f"NUL characters stripped: {nuls} (PostgreSQL text refuses U+0000)")
    return ListingResult(headlines, None, strip_nul(warnings)[0], [])

"""Article pages: bytes of one fetched HTML page to one record (title, authors, dates, text).

Every field is filled by a chain of rules; the first rule that yields a usable value wins and
its name is recorded in the matching ``*_source`` field:

==============  ============================================================================
rule            where the value comes from
==============  ============================================================================
profile         CSS selectors: the registry entry's ``article:``, else the packaged site
                profile of the page's host (:mod:`mediamon.parse.profiles`)
jsonld          a schema.org NewsArticle/Article/ReportageNewsArticle/... object in JSON-LD
                (also inside ``@graph``, ``mainEntity``, lists, CDATA; ``@id`` references
                resolved; authors from ``name`` or ``givenName`` + ``familyName``; the
                body from ``articleBody`` unless it is a teaser)
meta            ``<meta>``: OpenGraph, ``article:published_time``, ``name=author`` (repeated
                tags are several people), Dublin Core
microdata       ``itemprop`` attributes (datePublished, author, articleBody)
time            a ``<time datetime>`` outside site chrome and headline lists, nearest the
                headline
visible         (dates) short text next to the headline: "30 Июля 2015", "8 қыркүйек 2024",
                "Сегодня, 14:30", "3 часа назад", "кеше 18:20" -- relative ones resolved
                against the fetch time in the source's zone (the headline: the first h1,
                else an h2/h3 that the ``<title>`` starts with)
url             (dates) a full day in the URL path (/2024/09/08/); a year/month path
                (/news/2021/04/92713) never gives a day
byline_pattern  ``<a rel=author>`` / class "byline" outside chrome, nearest the headline;
                else a short labelled line near it ("Автор: ...", "By ..."); else a line
                near it holding only a news agency's name ("Интерфакс-Казахстан"), or the
                agency of the story's dateline ("Астана. 5 сәуір. KAZINFORM – ...")
h1              the first ``<h1>`` outside site chrome; also wins over a JSON-LD/og title
                that is a rewritten variant of it (the headline the reader sees)
trafilatura     trafilatura's metadata (title, author) and, for the date, htmldate run on the
                ``<head>`` and the URL only (never the page text, so never the site chrome)
title_tag       ``<title>`` with the site-name part cut off
==============  ============================================================================

The page is parsed once, with lxml (:mod:`mediamon.parse._tree`); the heavy fallbacks
(trafilatura's body extraction and metadata, htmldate) run only when the cheaper rules above
them found nothing, so a page with a site profile or schema.org markup never pays for them.
trafilatura's body loses what such extractors keep after the story: trailing headline lists
and rate/weather widgets (:func:`_trim_trailing_lists`).

Titles are cleaned by :func:`mediamon.parse.titles.clean_title` (entities, whitespace, the
outlet's name, "X X"). Template placeholders leaked into saved pages ("{{$article->title}}")
are never a value. Bylines are cleaned by :func:`mediamon.parse.authors.clean_authors` and
classified (:func:`~mediamon.parse.authors.byline_kind`: person / editorial / agency /
press_service); the outlet's own name next to a person is dropped.

Dates are never guessed from running text: the masthead of many outlets prints the day the
page was viewed, and article text mentions other days. Every date rule is tried; the most
reliable one wins, and when a less reliable one disagrees (more than an hour apart, or another
local day when one has no clock time) ``dates_disagree`` is set and the other is kept in
``published_at_alt`` / ``published_at_alt_source``. When no rule gives a date,
``published_at`` is None and ``published_at_reason`` says why.
"""

from __future__ import annotations

import html as html_lib
import itertools
import json
import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from mediamon.parse._tree import (
    HtmlElement,
    drop_code,
    elements,
    find_parent,
    in_chrome,
    make_tree,
    select,
    text_of,
    too_many_tags,
)
from mediamon.parse.authors import authors_status, byline_kind, clean_authors, name_kind
from mediamon.parse.dates import has_year, local_day, parse_date, url_date
from mediamon.parse.decode import decode_page
from mediamon.parse.profiles import profile_for
from mediamon.parse.titles import clean_title
from mediamon.parse.version import PARSER_VERSION
from mediamon.text.language import detect_headline_language, detect_language
from mediamon.text.normalize import strip_nul
from mediamon.text.urls import absolute_url, bare_host, canonicalize_url, same_site

ARTICLE_TYPES = frozenset(
    {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle",
     "OpinionNewsArticle", "BackgroundNewsArticle", "ReviewNewsArticle", "BlogPosting",
     "LiveBlogPosting", "Report", "ScholarlyArticle", "TechArticle"}
)  # fmt: skip
ORGANISATION_TYPES = frozenset({"Organization", "NewsMediaOrganization", "Corporation"})

META_PUBLISHED = (
    "article:published_time", "og:article:published_time", "article:published",
    "og:published_time", "published_time", "datepublished", "pubdate", "publishdate",
    "publish-date", "publish_date", "dc.date.issued", "dcterms.issued", "dc.date",
    "dcterms.date", "dcterms.created", "sailthru.date", "parsely-pub-date",
)  # fmt: skip
META_MODIFIED = (
    "article:modified_time", "og:article:modified_time", "og:updated_time", "datemodified",
    "dc.date.modified", "dcterms.modified", "last-modified",
)  # fmt: skip
META_AUTHOR = (
    "author", "article:author", "og:article:author", "dc.creator", "dcterms.creator",
    "sailthru.author", "parsely-author", "byl",
)  # fmt: skip
META_TITLE = ("og:title", "twitter:title", "dc.title")
META_SECTION = ("article:section", "og:article:section", "section")

_TITLE_SEPARATORS = re.compile(r"\s+(?:[|—–-]|::|»)\s+")
_FUTURE_TOLERANCE = timedelta(days=1)
# Two date rules whose instants are further apart than this (or on different local days when
# one has no clock time) disagree: the more reliable one is kept, the other recorded.
DATES_DISAGREE_AFTER = timedelta(hours=1)
# Template code leaked into a saved page ("{{$article->title}}", "{!! ... !!}", "<?php").
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\{!!.*?!!\}|<\?php|\{%.*?%\}|\$\{[^}]*\}")
# A visible date printed near the headline: short text, a digit, no sentence.
_VISIBLE_DATE_MAX = 60
_VISIBLE_WINDOW = 25
_BODY_BLOCKS = ("p", "h2", "h3", "h4", "li", "blockquote", "pre")


# --------------------------------------------------------------------------- helpers


def _clean_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), "")
    if not isinstance(value, str):
        return ""
    return " ".join(html_lib.unescape(value).split())


def _types(node: dict) -> set[str]:
    value = node.get("@type")
    values = value if isinstance(value, list) else [value]
    return {v.rsplit("/", 1)[-1] for v in values if isinstance(v, str)}


def _load_json(raw: str) -> Any:
    raw = raw.strip().removeprefix("//").strip().removeprefix("<!--").removesuffix("-->").strip()
    raw = re.sub(r"^(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>$", "", raw.strip()).strip().rstrip(";")
    try:
        return json.loads(raw, strict=False)
    except ValueError:
        return None


def _jsonld_nodes(scripts: list[str]) -> list[dict]:
    """All JSON-LD objects of the page (``scripts``: the texts of its ``ld+json`` scripts),
    flattened through lists, ``@graph`` and ``mainEntity``; texts that are not valid JSON are
    skipped."""
    nodes: list[dict] = []

    def walk(value: Any, depth: int = 0) -> None:
        if depth > 6:
            return
        if isinstance(value, list):
            for item in value:
                walk(item, depth + 1)
        elif isinstance(value, dict):
            nodes.append(value)
            for key in ("@graph", "mainEntity"):
                if key in value:
                    walk(value[key], depth + 1)

    for text in scripts:
        walk(_load_json(text))
    return nodes


def _article_node(nodes: list[dict]) -> dict | None:
    for node in nodes:
        if _types(node) & ARTICLE_TYPES:
            return node
    return None


def _ld_people(value: Any, ids: dict[str, dict], depth: int = 0) -> tuple[list[str], list[str]]:
    """Names from a JSON-LD author value (string, object, list, ``@id`` reference); the
    second list holds the names typed as organisations."""
    names: list[str] = []
    orgs: list[str] = []
    if depth > 4 or value is None:
        return names, orgs
    if isinstance(value, str):
        names.append(value)
    elif isinstance(value, list):
        for item in value:
            n, o = _ld_people(item, ids, depth + 1)
            names += n
            orgs += o
    elif isinstance(value, dict):
        if set(value) <= {"@id", "@type"} and value.get("@id") in ids:
            value = ids[value["@id"]]
        name = _clean_text(value.get("name"))
        if not name:
            name = " ".join(
                _clean_text(value.get(k)) for k in ("givenName", "familyName") if value.get(k)
            )
        if name:
            names.append(name)
            if _types(value) & ORGANISATION_TYPES:
                orgs.append(name)
    return names, orgs


def _meta_map(root: HtmlElement) -> dict[str, str]:
    """First ``content`` per lower-cased ``property`` / ``name`` of the page's ``<meta>``."""
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        content = meta.get("content")
        if content is None or not str(content).strip():
            continue
        for attr in ("property", "name"):
            key = meta.get(attr)
            if key:
                found.setdefault(str(key).strip().lower(), str(content).strip())
    return found


def _first_meta(meta: dict[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        if meta.get(key):
            return meta[key]
    return None


def _element_value(el: HtmlElement) -> str:
    for attr in ("datetime", "content"):
        if el.get(attr):
            return str(el.get(attr))
    return text_of(el)


def _title_from_tag(root: HtmlElement) -> str:
    raw = text_of(next(root.iter("title"), None))
    if not raw:
        return ""
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(raw) if p.strip()]
    return max(parts, key=len) if parts else raw


def _paragraphs(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n\n".join(line for line in lines if line)


def _body_from_element(el: HtmlElement) -> str:
    blocks = [
        text_of(b)
        for b in el.iterdescendants(*_BODY_BLOCKS)
        if next(b.iterdescendants(*_BODY_BLOCKS), None) is None
    ]
    blocks = [b for b in blocks if b]
    if blocks:
        return "\n\n".join(blocks)
    return _paragraphs("\n".join(el.itertext()))


def _day_in_url(day: datetime, url: str) -> bool:
    y, m, d = f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}"
    return any(p in url for p in (f"{y}/{m}/{d}", f"{y}-{m}-{d}", f"{y}{m}{d}", f"{d}-{m}-{y}"))


# --------------------------------------------------------------------------- the parser


class _Page:
    """One page being parsed: decoded text, its lxml tree (parsed once; scripts read, then
    removed), JSON-LD, meta, and lazy trafilatura."""

    def __init__(self, html: str, url: str, source: Any, fetched_at: datetime):
        self.html = html
        self.url = url
        self.source = source
        self.tz: str = source.timezone
        self.zone = ZoneInfo(self.tz)
        self.utc_is_local = False  # set when the page's UTC-labelled times are local ones
        self.fetched_at = fetched_at
        self.root = make_tree(html)
        ld_scripts: list[str] = []
        self.scripts: list[str] = []
        for script in self.root.iter("script"):
            text = script.text or ""
            self.scripts.append(text)
            if "ld+json" in (script.get("type") or "").lower():
                ld_scripts.append(text)
        drop_code(self.root)
        self.meta = _meta_map(self.root)
        nodes = _jsonld_nodes(ld_scripts)
        self.ids = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
        self.ld = _article_node(nodes) or {}
        registry = dict(getattr(source, "article", None) or {})
        packaged = None if registry else profile_for(url)
        if packaged is None and not registry:
            packaged = profile_for(str(getattr(source, "homepage", "") or ""))
        self.profile: dict[str, str] = registry or dict((packaged or {}).get("article") or {})
        self.profile_site_names: list[str] = list((packaged or {}).get("site_names") or [])
        self.warnings: list[str] = []
        self._elements: list[HtmlElement] | None = None
        self._positions: dict[HtmlElement, int] | None = None
        self._traf_meta: Any = None
        self.oversized: str | None = None
        self._h1: HtmlElement | None | bool = False
        self._headline: HtmlElement | None | bool = False
        self._near_headline: list[tuple[HtmlElement, bool]] | None = None

    # -- selectors
    def select(self, key: str) -> list[HtmlElement]:
        selector = self.profile.get(key)
        if not selector:
            return []
        found = select(self.root, selector)
        value = _element_value if key == "date" else text_of
        kept = [el for el in found if not _PLACEHOLDER.search(value(el))]
        if len(kept) < len(found):
            self.warnings.append(f"template placeholder in profile {key}: skipped")
        return kept

    def elements(self) -> list[HtmlElement]:
        """Every element in document order (computed once)."""
        if self._elements is None:
            self._elements = list(elements(self.root))
        return self._elements

    def index_of(self, el: HtmlElement) -> int | None:
        """Index of ``el`` in :meth:`elements`, None when it is not in the tree."""
        if self._positions is None:
            self._positions = {e: i for i, e in enumerate(self.elements())}
        return self._positions.get(el)

    def position(self, el: HtmlElement) -> int:
        """Index of ``el`` in :meth:`elements` (0 when not found)."""
        return self.index_of(el) or 0

    def headline(self) -> HtmlElement | None:
        """The headline element (:func:`_title_anchor`), found once per page."""
        if self._headline is False:
            self._headline = _title_anchor(self)
        return self._headline  # type: ignore[return-value]

    def near_headline(self) -> list[tuple[HtmlElement, bool]]:
        """:meth:`near` the headline, computed once per page; [] without a headline (the
        date and byline rules each walk it)."""
        if self._near_headline is None:
            anchor = self.headline()
            self._near_headline = [] if anchor is None else self.near(anchor)
        return self._near_headline

    def near(self, anchor: HtmlElement) -> list[tuple[HtmlElement, bool]]:
        """(element, before the anchor?) for elements near ``anchor`` (the headline),
        nearest first: up to ``_VISIBLE_WINDOW`` after it and a third of that before it
        (after wins a tie); neither its descendants nor its ancestors."""
        at = self.index_of(anchor)
        if at is None:
            return []
        all_elements = self.elements()
        window = list(range(at + 1, min(len(all_elements), at + 1 + _VISIBLE_WINDOW)))
        window += list(range(at - 1, max(-1, at - 1 - _VISIBLE_WINDOW // 3), -1))
        window.sort(key=lambda i: (abs(i - at), i < at))
        skip = {*anchor.iterdescendants(), *anchor.iterancestors()}
        return [(all_elements[i], i < at) for i in window if all_elements[i] not in skip]

    def headline_link_texts(self) -> set[str]:
        """Casefolded texts (3+ words) of links to other pages of this site: the headlines
        its lists show."""
        own = self.url.split("#")[0].rstrip("/")
        found: set[str] = set()
        try:
            host = urlsplit(self.url).hostname or ""
        except ValueError:
            return found
        for a in self.root.iter("a"):
            href = str(a.get("href") or "").strip()
            if not href or href.startswith(("#", "javascript:", "mailto:")):
                continue
            try:  # "http://[broken/" raises: not a link to follow
                target = urljoin(self.url, href)
                target_host = urlsplit(target).hostname or ""
            except ValueError:
                continue
            if target_host != host or target.rstrip("/") == own:
                continue
            text = " ".join((text_of(a) or "").split()).casefold()
            if len(text.split()) >= _HEADLINE_LINK_MIN_WORDS:
                found.add(text)
        return found

    def h1(self) -> HtmlElement | None:
        if self._h1 is False:
            self._h1 = next(
                (
                    h
                    for h in self.root.iter("h1")
                    if text_of(h) and not in_chrome(h) and not _PLACEHOLDER.search(text_of(h))
                ),
                None,
            )
        return self._h1  # type: ignore[return-value]

    def heavy_allowed(self) -> bool:
        """Whether trafilatura/htmldate may run: not on a page with more than
        :data:`MAX_TAGS` tags, where they would take minutes (said once in warnings)."""
        if self.oversized is None:
            self.oversized = too_many_tags(self.html) or ""
            if self.oversized:
                self.warnings.append(f"fallback extractors skipped: {self.oversized}")
        return not self.oversized

    def trafilatura_meta(self) -> Any:
        if self._traf_meta is None and not self.heavy_allowed():
            self._traf_meta = False
        if self._traf_meta is None:
            from trafilatura.metadata import extract_metadata

            try:
                self._traf_meta = extract_metadata(
                    self.html,
                    default_url=self.url,
                    date_config={"extensive_search": False, "original_date": True},
                )
            except Exception:  # trafilatura is a best-effort fallback
                self._traf_meta = False
        return self._traf_meta or None

    def date(self, raw: Any, relative: bool = False) -> datetime | None:
        if raw is None or isinstance(raw, dict | list):
            return None
        base = self.fetched_at if relative else None
        dt = parse_date(str(raw), tz=self.tz, relative_base=base)
        if dt is not None and self.fetched_at and dt > self.fetched_at + _FUTURE_TOLERANCE:
            return None  # a "publication" after the fetch is a wrong field or a wrong zone
        return dt


def _title(page: _Page) -> tuple[str | None, str | None]:
    """The first usable title of the chain, cleaned (:func:`clean_title`: entities,
    whitespace, the outlet's name cut off, "X X" repaired); template placeholders refused."""
    names = _site_names(page) + _host_names(page)

    def usable(raw: Any) -> str | None:
        text = _clean_text(raw) if not isinstance(raw, str) else raw
        if not text or _PLACEHOLDER.search(text):
            return None
        return clean_title(text, names)

    for el in page.select("title"):
        if title := usable(text_of(el)):
            return title, "profile"
    h1 = page.h1()
    visible = usable(_headline_text(h1)) if h1 is not None else None
    for rule, raw in (
        ("jsonld", page.ld.get("headline") or page.ld.get("name")),
        ("meta", _first_meta(page.meta, META_TITLE)),
    ):
        if title := usable(_clean_text(raw)):
            if _rewritten_for_social(title, visible) or _decorates(title, visible):
                return visible, "h1"
            return title, rule
    if visible:
        return visible, "h1"
    traf = page.trafilatura_meta()
    if traf is not None and traf.title and (title := usable(_clean_text(traf.title))):
        return title, "trafilatura"
    if title := usable(_title_from_tag(page.root)):
        return title, "title_tag"
    return None, None


_WORD_RE = re.compile(r"\w+")
# Class words of the small line printed inside or above a headline ("Die Zukunft der Arbeit",
# "Corona-Pandemie"): a kicker / overline, not part of the headline; and text hidden from
# sighted readers.
_KICKER_WORDS = frozenset(
    {"kicker", "overline", "dachzeile", "topline", "eyebrow", "rubric", "rubrika", "supertitle",
     "pretitle", "overtitle", "roofline", "spitzmarke", "hidden", "sr", "visuallyhidden"}
)  # fmt: skip
_CLASS_SPLIT = re.compile(r"[-_\s]+")
_TITLE_SEPARATOR_END = re.compile(r"[:|—–\-·•/»]\s*$")


def _headline_text(h1: HtmlElement) -> str:
    """Text of the headline element without a kicker/overline child (class "kicker",
    "overline", "dachzeile", "topline", "eyebrow", ...) or visually hidden text
    ("visually-hidden", "sr-only"): the headline as the page prints it large."""
    kickers = [
        el
        for el in h1.iterdescendants()
        if {w for c in (el.get("class") or "").lower().split() for w in _CLASS_SPLIT.split(c)}
        & _KICKER_WORDS
    ]
    if not kickers:
        return text_of(h1)
    pieces = []
    skip = set(kickers)
    for el in h1.iter():
        inside_kicker = el in skip or any(a in skip for a in el.iterancestors())
        if el is not h1 and not inside_kicker and el.text:
            pieces.append(el.text)
        if el is h1 and el.text:
            pieces.append(el.text)
        if el is not h1 and el.tail and not any(a in skip for a in el.iterancestors()):
            pieces.append(el.tail)
    text = " ".join(" ".join(pieces).split())
    return text or text_of(h1)


def _decorates(meta_title: str, visible: str | None) -> bool:
    """True when the metadata title is a kicker, a separator, then the visible ``<h1>`` of at
    least three words ("Siemens und die Kohlemine Adani: Kaeser verarscht Neubauer"): the
    analyst sees the ``<h1>``. (The other way round, "<h1>: more words", the ``<h1>`` is
    more likely a rubric than the headline.)"""
    if not visible or len(visible.split()) < 3 or visible == meta_title:
        return False
    a, b = meta_title.casefold(), visible.casefold()
    if a.endswith(b) and len(a) > len(b):
        return bool(_TITLE_SEPARATOR_END.search(meta_title[: len(a) - len(b)]))
    return False


def _rewritten_for_social(meta_title: str, visible: str | None) -> bool:
    """True when the page's visible ``<h1>`` is a variant of the metadata headline (at least
    half of the shorter one's words shared) that neither contains the other: outlets rewrite
    the og/JSON-LD headline for social media and search, the analyst sees the ``<h1>``. An
    ``<h1>`` that merely decorates the headline ("Politics | ...") contains it and loses."""
    if not visible or visible == meta_title:
        return False
    a, b = meta_title.casefold(), visible.casefold()
    if a in b or b in a:
        return False
    wa, wb = set(_WORD_RE.findall(a)), set(_WORD_RE.findall(b))
    if not wa or not wb:
        return False
    return len(wa & wb) / min(len(wa), len(wb)) >= 0.5


_HEADLINE_LINK_MIN = 20


# An inline "read also" link inside the story ("Читайте также: <a>…</a>") is not a list.
_READ_ALSO = re.compile(
    r"(?i)^\s*(?:читайте\s+(?:также|по\s+теме)|также\s+читайте|см\.\s+также|смотрите\s+также"
    r"|оқи\s+отырыңыз|тағы\s+оқыңыз|оқыңыз|сондай-ақ\s+оқыңыз|oqi\s+otyryñyz|taǵy\s+oqyńyz"
    r"|read\s+(?:also|more)|see\s+also)"
)
_READ_ALSO_MAX = 200  # characters: a label and one linked headline
# Boilerplate lines outlets print under or inside stories: opinion disclaimers, paywall prompts.
_BOILERPLATE = re.compile(
    r"(?i)^\s*(?:(?:мнение|точка\s+зрения)\s+автора\s+может\s+не\s+совпадать"
    r"|автордың\s+(?:пікірі|көзқарасы)\s+редакция|the\s+views\s+expressed\s+(?:here|in\s+this)"
    r"|оформите\s+подписку|подпишитесь,\s+чтобы\s+(?:читать|продолжить)"
    r"|жазылыңыз|subscribe\s+to\s+(?:read|continue))"
)


def _read_also_line(link: HtmlElement, link_text: str) -> bool:
    """True when ``link``'s parent is a lone "Читайте также: <a>…</a>" line inside the story:
    the label and this link, nothing else (a teaser with its own byline is a list item)."""
    parent = link.getparent()
    line = (text_of(parent) if parent is not None else "") or ""
    if not _READ_ALSO.match(line):
        return False
    rest = _READ_ALSO.sub("", line.replace(link_text, "", 1))
    return not rest.strip(" :.,;-–—«»\"'")


def _in_listing_item(el: HtmlElement, name: str) -> bool:
    """True when ``el`` (holding a byline) sits in a headline list item: ``el`` or its parent
    holds a link whose text looks like a headline (20+ characters and 3+ words, not the name
    itself, not an inline link inside a paragraph or a "Читайте также:" line), e.g. "related
    articles" with bylines."""
    node: HtmlElement | None = el
    for _ in range(2):
        if node is None or node.tag in ("body", "html", "article", "main"):
            return False
        for link in node.iter("a"):
            if link.get("href") is None:
                continue
            text = text_of(link)
            if (
                len(text) >= _HEADLINE_LINK_MIN
                and len(text.split()) >= 3  # "Follow @StevenMufson" is no headline
                and name.casefold() not in text.casefold()
                and find_parent(link, "p") is None
                and not _read_also_line(link, text)
            ):
                return True
        node = node.getparent()
    return False


_BYLINE_LABEL = re.compile(
    r"(?i)^(?:автор(?:ы)?(?:\s+(?:сюжета|материала|текста|статьи))?|текст|материал\s+подготовил[аи]?"
    r"|подготовил[аи]?|авторлар|мәтін|дайындаған|avtor|daiyndağan"
    r"|by|posted\s+by|written\s+by|reporting\s+by|par|von|por)\b\s*:?\s*\S"
)
_BYLINE_MAX = 120


def _labelled_byline(page: _Page) -> list[str]:
    """A short element next to the headline that starts with a byline label ("Автор:",
    "Текст:", "By", "Par"), outside chrome and headline lists: [its text] or []."""
    for el, _before in page.near_headline():
        # the element's text, else the text after it ("<br>Автор:&nbsp;Имя<br>" in a
        # container whose own text is the whole story)
        for text, holder in ((text_of(el), el), (" ".join((el.tail or "").split()), None)):
            if not text or len(text) > _BYLINE_MAX or not _BYLINE_LABEL.match(text):
                continue
            holder = holder if holder is not None else el.getparent()
            if holder is None or in_chrome(holder) or _in_listing_item(holder, text):
                continue
            return [text]
    return []


_SOURCE_LABEL = re.compile(r"(?i)^\s*(?:источник|дереккөз|source|по\s+материалам)\s*:?\s*")
_AGENCY_CREDIT_MAX = 60


def _agency_credit(page: _Page) -> list[str]:
    """A short element next to the headline that holds only a news agency's name (the
    "Интерфакс-Казахстан" line wire stories carry above or under the headline; "Источник:
    Kazinform"), outside chrome and headline lists: [the agency] or []. A person's name is
    never taken this way: only what :func:`~mediamon.parse.authors.name_kind` calls an agency.
    """
    for el, _before in page.near_headline():
        raw = (text_of(el) or "").strip()
        if not raw or raw[0] in "([" or len(el) or _in_picture(el):
            continue  # "(The Associated Press)" under a photo is its credit; leaves only
        text = _SOURCE_LABEL.sub("", raw).strip(" «»\"'.")
        if not text or len(text) > _AGENCY_CREDIT_MAX:
            continue
        if name_kind(text) != "agency" or in_chrome(el) or _in_listing_item(el, text):
            continue
        return [text]
    return []


_PICTURE_CLASS = re.compile(r"(?i)image|photo|picture|caption|img|media|gallery|credit")


def _in_picture(el: HtmlElement) -> bool:
    """True inside a figure, its caption or a container whose class names an image."""
    for node in (el, *el.iterancestors()):
        if node.tag in ("figure", "figcaption", "picture"):
            return True
        if _PICTURE_CLASS.search(str(node.get("class") or "") + " " + str(node.get("id") or "")):
            return True
    return False


# A wire story's dateline: "Астана. 5 сәуір. KAZINFORM – ...", "АЛМАТЫ, 12 марта. КазТАГ -".
_DATELINE = re.compile(
    r"^[^\W\d_][^\W\d_ -]{1,25}(?:[ -][^\W\d_]{2,25})?[.,]\s+\d{1,2}\s+[^\W\d_]{3,12}\.?"
    r"(?:\s+\d{4})?[.,]?\s+([^\W\d_][\w«»\"'. -]{1,30}?)\s*[–—-]\s"
)


def _dateline_agency(page: _Page) -> list[str]:
    """The agency named in the dateline that opens the story's first paragraph after the
    headline ("Астана. 5 сәуір. KAZINFORM – ..."): [the agency] when
    :func:`~mediamon.parse.authors.name_kind` calls it one, else []."""
    for el, before in page.near_headline():
        if before or el.tag != "p" or in_chrome(el):
            continue
        m = _DATELINE.match(text_of(el) or "")
        name = m[1].strip(" «»\"'.") if m else ""
        return [name] if name and name_kind(name) == "agency" else []
    return []


def _meta_authors(page: _Page) -> list[str]:
    """Every value of the first author ``<meta>`` name the page uses (repeated tags such as
    several ``citation_author`` / ``author`` are several people); profile URLs refused."""
    for key in (*META_AUTHOR, "citation_author"):
        values = [
            str(m.get("content") or "").strip()
            for m in page.root.iter("meta")
            if str(m.get("name") or m.get("property") or "").strip().lower() == key
        ]
        values = [v for v in values if v and not re.match(r"(?i)https?://|www\.", v)]
        if values:
            return values
    return []


def _byline_in_article(page: _Page, el: HtmlElement, name: str) -> bool:
    return not in_chrome(el) and not _in_listing_item(el, name)


def _text_in_article(page: _Page, name: str) -> bool:
    """True when ``name`` is printed somewhere outside site chrome and headline lists."""
    key = name.casefold()
    for el in page.elements():
        for text, parent in ((el.text, el), (el.tail, el.getparent())):
            if not text or key not in text.casefold() or parent is None:
                continue
            if parent.tag not in ("title", "head") and _byline_in_article(page, parent, name):
                return True
    return False


def _site_names(page: _Page) -> list[str]:
    """Names of the outlet itself: a byline equal to one of them is editorial."""
    names = [page.meta.get("og:site_name"), page.meta.get("application-name")]
    publisher = page.ld.get("publisher") if page.ld else None
    names += _ld_people(publisher, page.ids)[0]
    names.append(getattr(page.source, "name", None))
    names += page.profile_site_names
    return [n for n in (_clean_text(x) for x in names) if n]


def _host_names(page: _Page) -> list[str]:
    """The page's and the source's host names ("www.nur.kz" -> "nur.kz"): a title piece
    equal to one of them (with or without its TLD) is the outlet's name."""
    hosts = [bare_host(page.url), bare_host(str(getattr(page.source, "homepage", "") or ""))]
    return [h for h in hosts if h and "." in h and not h.endswith(".invalid")]


def _authors(page: _Page) -> tuple[list[str], str, str | None, str | None]:
    """(names, authors_status, authors_source, byline_kind)."""
    names, status, source_name, orgs = _authors_chain(page)
    known = orgs + _site_names(page)
    kinds = [name_kind(n, known) for n in names]
    if "person" in kinds and "editorial" in kinds:
        # "Rob Picheta, CNN": the outlet's own name next to a person is not an author
        names = [n for n, k in zip(names, kinds, strict=True) if k != "editorial"]
        status = authors_status(names, known)
    return names, status, source_name, byline_kind(names, known)


_BYLINE_XPATH = (
    "//a[contains(concat(' ', normalize-space(@rel), ' '), ' author ')]"
    " | //*[contains(translate(@class, 'BYLINE', 'byline'), 'byline')]"
)
_NOT_BYLINE_PARTS = frozenset({"date", "time", "dateline", "photo", "img", "image", "label"})


def _byline_elements(page: _Page) -> list[HtmlElement]:
    """``<a rel=author>`` and elements with a class naming a byline: the word "byline" in a
    class split on "-"/"_" ("byline", "pb-byline", "byline-author", "article__byline"),
    not a date/photo part of it ("byline__date"); outermost only (a byline's inner
    "byline-name" adds nothing)."""
    out: list[HtmlElement] = []
    for el in page.root.xpath(_BYLINE_XPATH):
        if el.tag != "a" or "author" not in (el.get("rel") or "").lower().split():
            parts = [
                set(_CLASS_SPLIT.split(c))
                for c in (el.get("class") or "").lower().split()
                if "byline" in c
            ]
            if not any("byline" in p and not p & _NOT_BYLINE_PARTS for p in parts):
                continue
        if any(a in out for a in el.iterancestors()):
            continue
        out.append(el)
    return out


def _authors_chain(page: _Page) -> tuple[list[str], str, str | None, list[str]]:
    site_names = _site_names(page)
    candidates: list[tuple[str, list[str], list[str]]] = []
    profile = [text_of(el) for el in page.select("byline")]
    candidates.append(("profile", profile, []))
    if page.ld:
        names, orgs = _ld_people(page.ld.get("author"), page.ids)
        candidates.append(("jsonld", names, orgs))
    candidates.append(("meta", _meta_authors(page), []))
    outlet = {n.casefold() for n in site_names}
    for source_name, raw, orgs in candidates:
        names = clean_authors(raw)
        if source_name != "profile":
            # metadata naming the outlet itself as author (BBC's JSON-LD author = publisher)
            # is the CMS default, not a byline: look further down the chain
            names = [n for n in names if n.casefold() not in outlet]
        if names:
            status = authors_status(names, clean_authors(orgs) + site_names)
            return names, status, source_name, clean_authors(orgs)

    micro: list[str] = []
    micro_orgs: list[str] = []
    for el in select(page.root, "[itemprop~=author]"):
        if not _byline_in_article(page, el, text_of(el)):
            continue
        inner = next(iter(select(el, "[itemprop~=name]")), None)
        value = _element_value(inner) if inner is not None else _element_value(el)
        micro.append(value)
        if str(el.get("itemtype") or "").rsplit("/", 1)[-1] in ORGANISATION_TYPES:
            micro_orgs.append(value)
    names = clean_authors(micro)
    if names:
        status = authors_status(names, clean_authors(micro_orgs) + site_names)
        return names, status, "microdata", clean_authors(micro_orgs)
    found = [
        el
        for el in _byline_elements(page)
        if text_of(el) and _byline_in_article(page, el, text_of(el))
    ]
    anchor = page.headline()
    if anchor is not None and len(found) > 1:
        at = page.position(anchor)
        found.sort(key=lambda el: abs(page.position(el) - at))
    names = clean_authors([text_of(el) for el in found[:1]])
    if names:
        return names, authors_status(names, site_names), "byline_pattern", []
    names = clean_authors(_labelled_byline(page))
    if names:
        return names, authors_status(names, site_names), "byline_pattern", []
    names = clean_authors(_agency_credit(page)) or clean_authors(_dateline_agency(page))
    if names:
        return names, authors_status(names, site_names), "byline_pattern", []
    traf = page.trafilatura_meta()
    if traf is not None and traf.author:
        names = [n for n in clean_authors(traf.author.split(";")) if _text_in_article(page, n)]
        if names:
            return names, authors_status(names, site_names), "trafilatura", []
    return [], "absent", None, []


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


class _Candidate:
    __slots__ = ("dt", "rule", "has_time")

    def __init__(self, dt: datetime, rule: str, raw: Any):
        self.dt = dt
        self.rule = rule
        self.has_time = bool(_HAS_CLOCK.search(str(raw)))


def _first(page: _Page, rule: str, values: Any, relative: bool = False) -> _Candidate | None:
    for raw in values:
        dt = page.date(raw, relative=relative)
        if dt:
            return _Candidate(dt, rule, raw)
    return None


def _title_anchor(page: _Page) -> HtmlElement | None:
    """The headline element: the profile's title, else the first ``<h1>`` outside chrome
    (template placeholders allowed: only its position counts), else, on a page without one,
    the first ``<h2>``/``<h3>`` outside chrome whose text (15+ characters) the document
    ``<title>`` starts with (older CMS themes print the headline as ``<h2 class=title>``)."""
    for el in page.select("title"):
        return el
    h1 = next((h for h in page.root.iter("h1") if not in_chrome(h)), None)
    if h1 is not None:
        return h1
    title_el = page.root.find(".//title")
    doc_title = " ".join(text_of(title_el).split()).casefold() if title_el is not None else ""
    for h in page.root.iter("h2", "h3"):
        text = " ".join((text_of(h) or "").split()).casefold()
        if len(text) >= 15 and doc_title.startswith(text) and not in_chrome(h):
            return h
    return None


def _visible_date(page: _Page) -> _Candidate | None:
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
        if _PLACEHOLDER.search(text):
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
        if in_chrome(el) or _in_listing_item(el, text):
            continue
        dt = page.date(text, relative=relative)
        if dt is None:
            continue
        has_clock = bool(_HAS_CLOCK.search(text))
        if before and not relative and not has_clock and local_day(dt, page.tz) == fetch_day:
            continue
        return _Candidate(dt, "visible", text)
    return None


_EPOCH_VALUE = re.compile(r"^\d{9,10}(?:\d{3})?$")
_EPOCH_PUBLISHED = re.compile(r"^data-(?:ts|timestamp|time|date|created|pub\w*)$")
_EPOCH_MODIFIED = re.compile(r"^data-(?:modified|updated|edited)$")
_EDITED = re.compile(r"(?i)modif|updat|edit|changed|ред\.|обновл|жаңарт")


def _epoch_attributes(page: _Page, *, modified: bool) -> list[str]:
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
    for el in [*near, *ancestors]:  # (a page-wide render time on <body> is no publication)
        text = (text_of(el) or "")[:40] if el in near else ""
        if in_chrome(el) or (text and _in_listing_item(el, text)):
            continue
        edited = bool(_EDITED.search(f"{el.get('class') or ''} {text}"))
        for name, value in el.attrib.items():
            if not _EPOCH_VALUE.match(value.strip()):
                continue
            if modified:
                wanted = _EPOCH_MODIFIED.match(name) or (edited and _EPOCH_PUBLISHED.match(name))
            else:
                wanted = _EPOCH_PUBLISHED.match(name) and not edited
            if wanted:
                values.append(value.strip())
    return values


def _date_candidates(page: _Page) -> list[_Candidate]:
    """One candidate per rule that yields a date, most reliable first."""
    found: list[_Candidate | None] = [
        _first(page, "profile", (_element_value(el) for el in page.select("date")), True)
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
            (
                _element_value(el)
                for el in select(page.root, "[itemprop~=datePublished]")
                if not in_chrome(el)
            ),
        )
    )
    times = [t for t in page.root.iter("time") if t.get("datetime") and not in_chrome(t)]
    times = [t for t in times if not _in_listing_item(t, text_of(t) or "-")]
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


def _disagree(a: _Candidate, b: _Candidate, tz: str) -> bool:
    if a.has_time and b.has_time:
        return abs(a.dt - b.dt) > DATES_DISAGREE_AFTER
    return local_day(a.dt, tz) != local_day(b.dt, tz)


def _repair_local_time_sent_as_utc(page: _Page, candidates: list[_Candidate]) -> _Candidate:
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


def _published(page: _Page) -> dict[str, Any]:
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


_DATE_META_WORDS = ("date", "time", "publish", "created", "issued")
_NOT_PUBLISHED_WORDS = ("modif", "updat", "expir", "view", "image", "refresh")
_SCRIPT_DATE = re.compile(r'"(?:datePublished|dateCreated|uploadDate)"\s*:\s*"([^"]{6,40})"')


def _head_supports(page: _Page, day: str) -> str | None:
    """Where a day found by htmldate is stated outright: "url", "meta" (a date-like meta
    name other than modified/updated) or "script" (a datePublished key); None when it is
    not (htmldate then took it from an image path, a title or a text pattern)."""
    if _day_in_url(datetime.fromisoformat(day), page.url):
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


_HEAD_END = re.compile(r"</head\s*>", re.I)


def _published_trafilatura(page: _Page) -> tuple[datetime | None, str | None, str | None]:
    """htmldate (trafilatura's date engine) on the ``<head>`` and the URL only, original
    (publication) date, no free-text search. Its answer is kept only when the day is stated
    outright in the URL, a date-like ``<meta>`` or a ``datePublished`` script key -- never a
    day read from an image path, a title or a text pattern. A day equal to the fetch day
    that is not in the URL is refused too: that is what a masthead "today" looks like."""
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
    dt = page.date(found)
    if dt is None:
        return None, None, f"date candidate {found} is after the fetch time"
    if support != "url" and local_day(dt, page.tz) == local_day(page.fetched_at, page.tz):
        return None, None, f"only a weak date candidate ({found}) equal to the fetch day"
    return dt, "trafilatura", None


def _modified(page: _Page) -> datetime | None:
    if page.ld:
        dt = page.date(page.ld.get("dateModified"))
        if dt and page.utc_is_local and dt.utcoffset() is not None and not dt.utcoffset():
            dt = dt.replace(tzinfo=page.zone)  # the same markup's local time sent as UTC
        if dt:
            return dt
    for key in META_MODIFIED:
        dt = page.date(page.meta.get(key))
        if dt:
            return dt
    for el in select(page.root, "[itemprop~=dateModified], time.updated[datetime]"):
        # microdata, or hAtom's "updated" (WordPress themes: <time class="updated">)
        if not in_chrome(el):
            dt = page.date(_element_value(el) if el.tag != "time" else el.get("datetime"))
            if dt:
                return dt
    for value in _epoch_attributes(page, modified=True):
        dt = page.date(value)
        if dt:
            return dt
    return None


def _section(page: _Page) -> str | None:
    for el in page.select("section"):
        if text_of(el):
            return text_of(el)
    section = _clean_text(page.ld.get("articleSection")) if page.ld else ""
    if section:
        return section
    return _clean_text(_first_meta(page.meta, META_SECTION)) or None


def _canonical(page: _Page) -> str:
    hosts = getattr(page.source, "hosts", None) or None
    candidates = []
    for link in page.root.iter("link"):
        if link.get("href") is None:
            continue
        if "canonical" in (link.get("rel") or "").lower().split():
            candidates.append(link.get("href"))
            break
    if page.meta.get("og:url"):
        candidates.append(page.meta["og:url"])
    for href in candidates:
        absolute = absolute_url(page.url, href)
        if absolute and same_site(absolute, page.url, hosts):
            return canonicalize_url(absolute)
    return canonicalize_url(page.url)


_TAG = re.compile(r"<[^>]{0,500}>")
# A JSON-LD articleBody / microdata articleBody element holding less than this share of the
# page's paragraph text (outside chrome) is a teaser or a fragment, not the article.
_STRUCTURED_BODY_SHARE = 0.6
_STRUCTURED_BODY_MIN = 200


def _paragraph_chars(page: _Page) -> int:
    return sum(len(text_of(p)) for p in page.root.iter("p") if not in_chrome(p))


def _structured_body(page: _Page) -> tuple[str, str]:
    """(text, rule) from schema.org markup: the JSON-LD ``articleBody`` (entities decoded,
    tags removed; rule "jsonld"), else the one ``itemprop=articleBody`` element (rule
    "microdata"); ("", "") when neither exists or the text is shorter than 200 characters
    or than 60% of the page's paragraph text outside chrome (a teaser)."""
    raw = page.ld.get("articleBody") if page.ld else None
    candidates: list[tuple[str, str]] = []
    if isinstance(raw, str) and len(raw) >= _STRUCTURED_BODY_MIN:
        text = html_lib.unescape(raw)
        text = _paragraphs(_TAG.sub("\n", text) if "<" in text else text)
        candidates.append((text, "jsonld"))
    marked = select(page.root, "[itemprop~=articleBody]")
    if len(marked) == 1:
        candidates.append((_body_from_element(marked[0]), "microdata"))
    paragraph_chars: int | None = None
    for text, rule in candidates:
        if len(text) < _STRUCTURED_BODY_MIN:
            continue
        if paragraph_chars is None:
            paragraph_chars = _paragraph_chars(page)
        if len(text) >= _STRUCTURED_BODY_SHARE * paragraph_chars:
            return text, rule
    return "", ""


def _body(page: _Page) -> tuple[str, str]:
    """(body text, rule): the profile's ``body`` selector, schema.org ``articleBody``
    (:func:`_structured_body`), trafilatura, else every ``<p>`` outside chrome."""
    for el in page.select("body"):
        text = _body_from_element(el)
        if text:
            return text, "profile"
    text, rule = _structured_body(page)
    if text:
        return text, rule
    from trafilatura import bare_extraction

    try:
        if not page.heavy_allowed():
            raise ValueError("page too large for trafilatura")
        doc = bare_extraction(
            page.html,
            url=page.url,
            with_metadata=False,
            include_comments=False,
            include_tables=True,
            fast=True,  # no second opinion from readability/jusText: same text here, 1/3 less time
        )
    except Exception:  # trafilatura failing must not lose the whole record
        doc = None
    text = getattr(doc, "text", None) if doc is not None else None
    if text:
        return _trim_trailing_lists(_paragraphs(text), page), "trafilatura"
    scanned = itertools.islice(page.root.iter("p"), _FALLBACK_SCAN)
    blocks = (text_of(p) for p in scanned if not in_chrome(p))
    return "\n\n".join(itertools.islice((b for b in blocks if b), _FALLBACK_PARAGRAPHS)), (
        "paragraphs"
    )


# A widget line: exchange rates ("USD 450,70"), weather ("Астана -18 °C").
_WIDGET_LINE = re.compile(r"(?i)^(?:USD|EUR|RUB|CNY|KZT|GBP)\b\s*[\d.,\s]+$|°\s*[CС]?\s*$")
_HEADING_MAX = 50  # characters
_HEADLINE_LINK_MIN_WORDS = 3
_ITEM_EXTRA_MAX = 40  # characters around a linked headline in a list item (time, source)


def _trim_trailing_lists(body: str, page: _Page) -> str:
    """``body`` (paragraphs separated by blank lines) without the headline lists and widgets
    a generic extractor keeps after the story ("Другие новости раздела:", "Соңғы
    жаңалықтар", exchange rates, weather). From the end: a paragraph built around the text
    of a link to another page of the site (a headline: 3+ words, at most 40 other
    characters such as its time or source) goes, so do widget lines, and a short heading
    without closing punctuation goes once a list or widget below it went. Stops at the
    first other paragraph: the story's own text is never cut from the middle."""
    paragraphs = body.split("\n\n")
    links = page.headline_link_texts()
    kept = len(paragraphs)
    below = False  # a list item or widget line below went
    while kept:
        para = paragraphs[kept - 1].strip()
        plain = para.lstrip("-•· ").casefold()
        item = any(link in plain and len(plain) - len(link) <= _ITEM_EXTRA_MAX for link in links)
        heading = len(para) <= _HEADING_MAX and para[-1:] not in '.!?…»"”'
        if item or _WIDGET_LINE.search(para):
            below = True
        elif not (heading and below):
            break
        kept -= 1
    return "\n\n".join(paragraphs[:kept]) if kept else body


# Paragraphs the last-resort body looks at and keeps (bounded time on hostile pages).
_FALLBACK_SCAN = 20_000
_FALLBACK_PARAGRAPHS = 2000


_BLADE_COMMENT = re.compile(r"\{\{--.*?--\}\}|\{\{--|--\}\}", re.S)
_LABEL_ONLY = re.compile(r"^[^\W\d_][^:]{0,30}:$")


def _clean_body(body_text: str) -> str:
    """Template placeholders removed ("{{$article->title}}", "{!! ... !!}", "{{-- --}}"),
    then paragraphs with no letter left, or only a label ("Опубликовано:"), dropped."""
    if "{" not in body_text and not any(p.endswith(":") for p in body_text.split("\n\n")):
        return body_text
    text = _BLADE_COMMENT.sub(" ", body_text)
    kept = []
    for para in text.split("\n\n"):
        para = " ".join(_PLACEHOLDER.sub(" ", para).split())
        if not any(ch.isalpha() for ch in para) or _LABEL_ONLY.match(para):
            continue
        kept.append(para)
    return "\n\n".join(kept)


def _drop_read_also(body_text: str) -> str:
    """Paragraphs of at most 200 characters that only point at another story ("Читайте
    также: …", "Тағы оқыңыз: …", "Read more: …") or are the outlet's boilerplate (opinion
    disclaimer, paywall prompt) dropped from the body."""
    paragraphs = body_text.split("\n\n")
    kept = [
        p
        for p in paragraphs
        if len(p) > _READ_ALSO_MAX or not (_READ_ALSO.match(p) or _BOILERPLATE.match(p))
    ]
    return "\n\n".join(kept) if len(kept) != len(paragraphs) else body_text


def _drop_leading_title(body_text: str, title: str | None) -> str:
    """Extractors often keep the headline as the first paragraph; the record has it apart."""
    if title:
        first, _, rest = body_text.partition("\n\n")
        if " ".join(first.split()).casefold() == " ".join(title.split()).casefold():
            return rest
    return body_text


# Characters of the body the language is detected on (the opening is enough; long pages
# would cost time for nothing).
_LANGUAGE_SAMPLE = 3000


def _language(page: _Page, body_text: str, title: str | None) -> str | None:
    html_el = page.root
    declared = [
        html_el.get("lang"),
        html_el.get("xml:lang"),
        page.meta.get("og:locale"),
        page.meta.get("content-language"),
        page.meta.get("language"),
    ]
    for meta in page.root.iter("meta"):
        if str(meta.get("http-equiv") or "").lower() == "content-language":
            declared.append(meta.get("content"))
    sample = f"{title or ''}\n{body_text[:_LANGUAGE_SAMPLE]}"
    return detect_language(declared, re.sub(r"(?:https?://|www\.)\S+", " ", sample))


def parse_article(
    body: bytes,
    url: str,
    *,
    source: Any,
    fetched_at: datetime,
    content_type: str | None = None,
) -> dict:
    """Parse one fetched article page into a record dict.

    Arguments: ``body`` the raw HTTP body (bytes; decoded with the ``content_type`` charset,
    then the page's own ``<meta charset>``, then detection); ``url`` the URL as fetched;
    ``source`` any object with ``id``, ``timezone`` (IANA name), ``languages``, ``homepage``
    and ``article`` (dict of CSS selectors title/byline/date/body/section, or None; optional
    ``hosts`` is used for the same-site test); ``fetched_at`` a tz-aware instant (used to
    resolve relative profile dates like "Сегодня, 14:30" and to refuse masthead dates and
    dates after the fetch).

    Returns a dict with exactly these keys:

    - ``url``: as fetched. ``canonical_url``: ``<link rel=canonical>`` or ``og:url`` when on
      the same site as ``url``, else ``url``; then :func:`canonicalize_url`.
    - ``source_id``; ``parser_version`` (:data:`PARSER_VERSION`).
    - ``title`` (str or None) and ``title_source`` (profile, jsonld, meta, h1, trafilatura,
      title_tag; None when no title).
    - ``authors``: cleaned names (list[str], see :func:`clean_authors`; organisation bylines
      are kept in the list); ``authors_status``: "present" (a person), "editorial" (only
      organisations, e.g. "Редакция Exclusive", "Kazinform"), "absent"; ``authors_source``
      (profile, jsonld, meta, microdata, byline_pattern, trafilatura, or None).
    - ``title_language``: language of the headline alone (:func:`detect_headline_language`).
    - ``byline_kind``: person / editorial / agency / press_service, None without authors.
    - ``published_at``: tz-aware datetime (offset as the page gave it; naive page values are
      read in ``source.timezone``), or None; ``date_source`` (profile, jsonld, meta,
      microdata, time, visible, url, trafilatura, or None); ``published_at_reason``: None
      when a date was found, else a short reason. Dates later than ``fetched_at`` + 1 day
      are refused. ``dates_disagree`` (bool), ``published_at_alt`` and
      ``published_at_alt_source``: the first less reliable rule that disagrees, or None.
    - ``encoding`` (codec used) and ``encoding_repaired`` (the declared charset did not fit
      the bytes, see :func:`decode_page`); ``warnings``: list of what the parser noticed.
    - ``modified_at``: tz-aware datetime or None (JSON-LD dateModified, meta, microdata).
    - ``section``: str or None (profile, JSON-LD articleSection, ``article:section``).
    - ``language``: ISO 639-1 code or None (declared ``<html lang>``/og:locale/
      Content-Language unless the text contradicts it; else a script-based guess).
    - ``body_text``: the article text, paragraphs joined by a blank line ("\\n\\n"); from the
      profile ``body`` selector, else schema.org ``articleBody`` (JSON-LD, then one
      ``itemprop=articleBody`` element; refused when under 60% of the page's paragraph
      text, a teaser), else trafilatura, else the page's ``<p>`` outside chrome; a first
      paragraph equal to the title is dropped.

    Bylines found in the page markup (microdata, byline_pattern, trafilatura) are kept only
    when printed outside site chrome and outside headline-list items (a "related articles"
    block with its own bylines must not lend them to an article that has none).

    Raises nothing for malformed HTML (fields just come out empty); raises
    :class:`zoneinfo.ZoneInfoNotFoundError` for an unknown ``source.timezone``.
    """
    decoded = decode_page(body, content_type)
    text, nuls = strip_nul(decoded.text)
    page = _Page(text, url, source, fetched_at)
    if not body.strip():
        page.warnings.append(f"empty response: {len(body)} byte(s), no markup")
    if nuls:
        page.warnings.append(f"NUL characters stripped: {nuls} (PostgreSQL text refuses U+0000)")
    if decoded.warning:
        page.warnings.append(f"encoding repaired: {decoded.warning}")
    elif decoded.repaired:
        page.warnings.append(
            f"encoding repaired: declared {decoded.declared}, decoded as {decoded.encoding}"
        )
    title, title_source = _title(page)
    authors, status, authors_source, kind = _authors(page)
    dates = _published(page)
    if dates["published_at"] is None:
        page.warnings.append(f"no publication date: {dates['published_at_reason']}")
    body_text, _body_rule = _body(page)
    body_text = _drop_leading_title(_drop_read_also(_clean_body(body_text)), title)
    if not body_text:
        page.warnings.append("no article text found")
    languages = tuple(getattr(source, "languages", ()) or ())
    record = {
        "url": url,
        "canonical_url": _canonical(page),
        "source_id": source.id,
        "title": title or None,
        "title_source": title_source if title else None,
        "title_language": detect_headline_language(title, languages),
        "authors": authors,
        "authors_status": status,
        "authors_source": authors_source,
        "byline_kind": kind,
        **dates,
        "modified_at": _modified(page),
        "section": _section(page),
        "language": _language(page, body_text, title),
        "body_text": body_text,
        "encoding": decoded.encoding,
        "encoding_repaired": decoded.repaired,
        "warnings": page.warnings,
        "parser_version": PARSER_VERSION,
    }
    stripped = []
    for key, value in record.items():
        record[key], found = strip_nul(value) if key != "warnings" else (value, 0)
        if found:
            stripped.append(key)
    if stripped:
        page.warnings.append(f"NUL characters stripped from {', '.join(stripped)}")
    record["warnings"] = list(dict.fromkeys(page.warnings))
    return record

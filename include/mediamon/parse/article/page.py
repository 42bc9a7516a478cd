"""One article page as the rules see it: its lxml tree, JSON-LD, ``<meta>`` and microdata.

:class:`Page` parses the decoded page once (:mod:`mediamon.parse._tree`), reads the texts of
its scripts (JSON-LD) before removing them, maps its ``<meta>``, picks the schema.org article
object of its JSON-LD (:data:`ARTICLE_TYPES`, also inside ``@graph``/``mainEntity``, ``@id``
references resolved) and the CSS selectors that apply to it (the registry entry's
``article:``, else the packaged site profile of its host). It finds the headline element
once (:func:`title_anchor`) and the elements near it, which the title, byline and date rules
all walk; :func:`in_listing_item` tells a headline list (related stories) from the story.
trafilatura's metadata is read lazily, only when a rule needs it
(:mod:`~mediamon.parse.article.fallback_meta`).

Also here, being page-level metadata: the canonical URL (:func:`find_canonical`), the section
(:func:`find_section`) and the outlet's own names (:func:`outlet_names`, :func:`host_names`).
"""

from __future__ import annotations

import html as html_lib
import json
import re
from datetime import datetime
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
from mediamon.parse.article.fallback_meta import FallbackMeta
from mediamon.parse.profiles import profile_for
from mediamon.text.urls import absolute_url, bare_host, canonicalize_url, same_site

ARTICLE_TYPES = frozenset(
    {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle",
     "OpinionNewsArticle", "BackgroundNewsArticle", "ReviewNewsArticle", "BlogPosting",
     "LiveBlogPosting", "Report", "ScholarlyArticle", "TechArticle"}
)  # fmt: skip
ORGANISATION_TYPES = frozenset({"Organization", "NewsMediaOrganization", "Corporation"})

# <meta> names (lower-cased property/name) read for each field, most specific first.
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

# Template code leaked into a saved page ("{{$article->title}}", "{!! ... !!}", "<?php").
PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\{!!.*?!!\}|<\?php|\{%.*?%\}|\$\{[^}]*\}")
# Elements after the headline that count as near it (a third of that before it).
_VISIBLE_WINDOW = 25
# A link text of this many characters (and 3+ words) in a byline's block is a headline list.
_HEADLINE_LINK_MIN = 20
# Words a link text needs to count among the headlines the site's lists show.
_HEADLINE_LINK_MIN_WORDS = 3
# What separates the words of an attribute (XPath's normalize-space, CSS's ~=).
XML_SPACE = re.compile(r"[ \t\r\n]+")
# Words of a class name ("article__byline", "pb-byline", "visually-hidden").
CLASS_SPLIT = re.compile(r"[-_\s]+")


def clean_text(value: Any) -> str:
    """A JSON-LD/meta value as one line of text: entities decoded, whitespace collapsed; the
    first non-empty string of a list; '' for anything else."""
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


def ld_people(value: Any, ids: dict[str, dict], depth: int = 0) -> tuple[list[str], list[str]]:
    """Names from a JSON-LD author value (string, object, list, ``@id`` reference); the
    second list holds the names typed as organisations (and not also as ``Person``)."""
    names: list[str] = []
    orgs: list[str] = []
    if depth > 4 or value is None:
        return names, orgs
    if isinstance(value, str):
        names.append(value)
    elif isinstance(value, list):
        for item in value:
            n, o = ld_people(item, ids, depth + 1)
            names += n
            orgs += o
    elif isinstance(value, dict):
        if set(value) <= {"@id", "@type"} and value.get("@id") in ids:
            value = ids[value["@id"]]
        name = clean_text(value.get("name"))
        if not name:
            name = " ".join(
                clean_text(value.get(k)) for k in ("givenName", "familyName") if value.get(k)
            )
        if name:
            names.append(name)
            if _types(value) & ORGANISATION_TYPES and "Person" not in _types(value):
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


def first_meta(meta: dict[str, str], keys: tuple[str, ...]) -> str | None:
    """The value of the first of ``keys`` present in ``meta`` (from :class:`Page`), or None."""
    for key in keys:
        if meta.get(key):
            return meta[key]
    return None


def element_value(el: HtmlElement) -> str:
    """The ``datetime`` or ``content`` attribute of ``el``, else its visible text."""
    for attr in ("datetime", "content"):
        if el.get(attr):
            return str(el.get(attr))
    return text_of(el)


class Page:
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
        self._marked: list[HtmlElement] | None = None
        self._named: list[HtmlElement] | None = None
        # (text, relative?) -> the date parse_date read from it, for this page
        self.dates_read: dict[tuple[str, bool], datetime | None] = {}
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
        value = element_value if key == "date" else text_of
        kept = [el for el in found if not PLACEHOLDER.search(value(el))]
        if len(kept) < len(found):
            self.warnings.append(f"template placeholder in profile {key}: skipped")
        return kept

    def marked(self, *props: str, updated_time: bool = False) -> list[HtmlElement]:
        """Elements whose ``itemprop`` holds one of ``props`` as a word (CSS
        ``[itemprop~=prop]``), and with ``updated_time`` hAtom's ``time.updated[datetime]``,
        in document order: one walk of the tree for every rule that asks (the microdata
        author, dates and body). Call :meth:`tree_changed` after removing elements."""
        if self._marked is None:
            self._marked = [
                el
                for el in self.root.xpath("//*[@itemprop] | //time[@datetime]")
                if el is not self.root
            ]
        wanted = set(props)
        return [
            el
            for el in self._marked
            if wanted.intersection(XML_SPACE.split(el.get("itemprop") or ""))
            or (
                updated_time
                and el.tag == "time"
                and el.get("datetime") is not None
                and "updated" in XML_SPACE.split(el.get("class") or "")
            )
        ]

    def named(self) -> list[HtmlElement]:
        """Elements with a ``class`` or ``rel`` attribute, in document order (one walk of the
        tree; the byline rules look among them for the classes they know)."""
        if self._named is None:
            self._named = self.root.xpath("//*[@class or @rel]")
        return self._named

    def tree_changed(self) -> None:
        """Forget what :meth:`marked` and :meth:`named` found (elements were removed from
        the tree)."""
        self._marked = None
        self._named = None

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
        """The headline element (:func:`title_anchor`), found once per page."""
        if self._headline is False:
            self._headline = title_anchor(self)
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
            text = " ".join((text_of(a) or "").split()).casefold()
            if len(text.split()) < _HEADLINE_LINK_MIN_WORDS or text in found:
                continue  # (decided before resolving the URL, the costlier part)
            try:  # "http://[broken/" raises: not a link to follow
                target = urljoin(self.url, href)
                target_host = urlsplit(target).hostname or ""
            except ValueError:
                continue
            if target_host != host or target.rstrip("/") == own:
                continue
            found.add(text)
        return found

    def h1(self) -> HtmlElement | None:
        if self._h1 is False:
            self._h1 = next(
                (
                    h
                    for h in self.root.iter("h1")
                    if text_of(h) and not in_chrome(h) and not PLACEHOLDER.search(text_of(h))
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

    def _fallback_meta(self) -> FallbackMeta | None:
        if self._traf_meta is None:
            self._traf_meta = FallbackMeta(self.html) if self.heavy_allowed() else False
        return self._traf_meta or None

    def trafilatura_title(self) -> str | None:
        """trafilatura's title of the page (:mod:`.fallback_meta`), None when it finds none,
        fails, or the page is too large for it."""
        meta = self._fallback_meta()
        try:
            return meta.title if meta is not None else None
        except Exception:  # trafilatura is a best-effort fallback
            return None

    def trafilatura_author(self) -> str | None:
        """trafilatura's author of the page (:mod:`.fallback_meta`), as
        :meth:`trafilatura_title`."""
        meta = self._fallback_meta()
        try:
            return meta.author if meta is not None else None
        except Exception:  # trafilatura is a best-effort fallback
            return None


def title_anchor(page: Page) -> HtmlElement | None:
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


# An inline "read also" link inside the story ("Читайте также: <a>…</a>") is not a list.
READ_ALSO = re.compile(
    r"(?i)^\s*(?:читайте\s+(?:также|по\s+теме)|также\s+читайте|см\.\s+также|смотрите\s+также"
    r"|оқи\s+отырыңыз|тағы\s+оқыңыз|оқыңыз|сондай-ақ\s+оқыңыз|oqi\s+otyryñyz|taǵy\s+oqyńyz"
    r"|read\s+(?:also|more)|see\s+also)"
)
READ_ALSO_MAX = 200  # characters: a label and one linked headline


def _read_also_line(link: HtmlElement, link_text: str) -> bool:
    """True when ``link``'s parent is a lone "Читайте также: <a>…</a>" line inside the story:
    the label and this link, nothing else (a teaser with its own byline is a list item)."""
    parent = link.getparent()
    line = (text_of(parent) if parent is not None else "") or ""
    if not READ_ALSO.match(line):
        return False
    rest = READ_ALSO.sub("", line.replace(link_text, "", 1))
    return not rest.strip(" :.,;-–—«»\"'")


def in_listing_item(el: HtmlElement, name: str) -> bool:
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


def outlet_names(page: Page) -> list[str]:
    """Names of the outlet itself: a byline equal to one of them is editorial."""
    names = [page.meta.get("og:site_name"), page.meta.get("application-name")]
    publisher = page.ld.get("publisher") if page.ld else None
    names += ld_people(publisher, page.ids)[0]
    names.append(getattr(page.source, "name", None))
    names += page.profile_site_names
    return [n for n in (clean_text(x) for x in names) if n]


def host_names(page: Page) -> list[str]:
    """The page's and the source's host names ("www.nur.kz" -> "nur.kz"): a title piece
    equal to one of them (with or without its TLD) is the outlet's name."""
    hosts = [bare_host(page.url), bare_host(str(getattr(page.source, "homepage", "") or ""))]
    return [h for h in hosts if h and "." in h and not h.endswith(".invalid")]


def find_canonical(page: Page) -> str:
    """``<link rel=canonical>``, else ``og:url``, when on the same site as the page (the
    source's ``hosts`` count), else the page URL; canonicalized."""
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


def find_section(page: Page) -> tuple[str | None, str | None]:
    """(section, its rule): the profile's ``section`` selector ("profile"), else JSON-LD
    ``articleSection`` ("jsonld"), else ``article:section`` meta ("meta"); (None, None)."""
    for el in page.select("section"):
        if text_of(el):
            return text_of(el), "profile"
    section = clean_text(page.ld.get("articleSection")) if page.ld else ""
    if section:
        return section, "jsonld"
    section = clean_text(first_meta(page.meta, META_SECTION))
    return (section, "meta") if section else (None, None)

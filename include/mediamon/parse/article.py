"""Article pages: bytes of one fetched HTML page to one record (title, authors, dates, text).

Every field is filled by a chain of rules; the first rule that yields a usable value wins and
its name is recorded in the matching ``*_source`` field:

==============  ============================================================================
rule            where the value comes from
==============  ============================================================================
profile         the source's own CSS selectors (``source.article``)
jsonld          a schema.org NewsArticle/Article/ReportageNewsArticle/... object in JSON-LD
                (also inside ``@graph``, ``mainEntity``, lists; ``@id`` references resolved)
meta            ``<meta>``: OpenGraph, ``article:published_time``, ``name=author``, Dublin Core
microdata       ``itemprop`` attributes (datePublished, author)
time            a ``<time datetime>`` outside site chrome, the one nearest to the headline
byline_pattern  ``<a rel=author>`` / class "byline" outside site chrome
h1              the first ``<h1>`` outside site chrome
trafilatura     trafilatura's metadata (title, author) and, for the date, htmldate run on the
                ``<head>`` and the URL only (never the page text, so never the site chrome)
title_tag       ``<title>`` with the site-name part cut off
==============  ============================================================================

Dates are never guessed from page text: the masthead of many outlets prints the day the page
was viewed, and article text mentions other days. When no rule gives a date,
``published_at`` is None and ``published_at_reason`` says why.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from datetime import datetime, timedelta
from typing import Any

from bs4 import BeautifulSoup, Tag

from mediamon.parse._html import in_chrome, make_soup, text_of
from mediamon.parse.authors import authors_status, clean_authors
from mediamon.parse.dates import local_day, parse_date
from mediamon.parse.decode import decode_html
from mediamon.parse.language import detect_language
from mediamon.parse.urls import absolute_url, canonicalize_url, same_site
from mediamon.parse.version import PARSER_VERSION

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
    raw = raw.strip().removeprefix("<!--").removesuffix("-->").strip().rstrip(";")
    try:
        return json.loads(raw, strict=False)
    except ValueError:
        return None


def _jsonld_nodes(soup: BeautifulSoup) -> list[dict]:
    """All JSON-LD objects of the page, flattened through lists, ``@graph`` and
    ``mainEntity``; scripts that are not valid JSON are skipped."""
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

    for script in soup.find_all("script"):
        kind = (script.get("type") or "").lower()
        if "ld+json" in kind:
            walk(_load_json(script.string or script.get_text()))
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


def _meta_map(soup: BeautifulSoup) -> dict[str, str]:
    """First ``content`` per lower-cased ``property`` / ``name`` of the page's ``<meta>``."""
    found: dict[str, str] = {}
    for meta in soup.find_all("meta"):
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


def _element_value(el: Tag) -> str:
    for attr in ("datetime", "content"):
        if el.get(attr):
            return str(el[attr])
    return text_of(el)


def _doc_positions(soup: BeautifulSoup) -> dict[int, int]:
    return {id(el): i for i, el in enumerate(soup.find_all(True))}


def _title_from_tag(soup: BeautifulSoup) -> str:
    raw = text_of(soup.title) if soup.title else ""
    if not raw:
        return ""
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(raw) if p.strip()]
    return max(parts, key=len) if parts else raw


def _paragraphs(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n\n".join(line for line in lines if line)


def _body_from_element(el: Tag) -> str:
    blocks = [text_of(b) for b in el.find_all(_BODY_BLOCKS) if not b.find(_BODY_BLOCKS)]
    blocks = [b for b in blocks if b]
    if blocks:
        return "\n\n".join(blocks)
    return _paragraphs(el.get_text("\n"))


def _day_in_url(day: datetime, url: str) -> bool:
    y, m, d = f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}"
    return any(p in url for p in (f"{y}/{m}/{d}", f"{y}-{m}-{d}", f"{y}{m}{d}", f"{d}-{m}-{y}"))


# --------------------------------------------------------------------------- the parser


class _Page:
    """One page being parsed: decoded text, soup, JSON-LD, meta, and lazy trafilatura."""

    def __init__(self, html: str, url: str, source: Any, fetched_at: datetime):
        self.html = html
        self.url = url
        self.source = source
        self.tz: str = source.timezone
        self.fetched_at = fetched_at
        self.soup = make_soup(html)
        self.meta = _meta_map(self.soup)
        nodes = _jsonld_nodes(self.soup)
        self.ids = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
        self.ld = _article_node(nodes) or {}
        self.profile: dict[str, str] = dict(getattr(source, "article", None) or {})
        self._positions: dict[int, int] | None = None
        self._traf_meta: Any = None
        self._h1: Tag | None | bool = False

    # -- selectors
    def select(self, key: str) -> list[Tag]:
        selector = self.profile.get(key)
        if not selector:
            return []
        try:
            return list(self.soup.select(selector))
        except Exception:  # soupsieve raises its own error types for bad selectors
            return []

    def position(self, el: Tag) -> int:
        if self._positions is None:
            self._positions = _doc_positions(self.soup)
        return self._positions.get(id(el), 0)

    def h1(self) -> Tag | None:
        if self._h1 is False:
            self._h1 = next(
                (h for h in self.soup.find_all("h1") if text_of(h) and not in_chrome(h)), None
            )
        return self._h1  # type: ignore[return-value]

    def trafilatura_meta(self) -> Any:
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
    for el in page.select("title"):
        if text_of(el):
            return text_of(el), "profile"
    ld = _clean_text(page.ld.get("headline") or page.ld.get("name"))
    if ld:
        return ld, "jsonld"
    meta = _clean_text(_first_meta(page.meta, META_TITLE))
    if meta:
        return meta, "meta"
    h1 = page.h1()
    if h1 is not None:
        return text_of(h1), "h1"
    traf = page.trafilatura_meta()
    if traf is not None and traf.title:
        return _clean_text(traf.title), "trafilatura"
    tag = _title_from_tag(page.soup)
    if tag:
        return tag, "title_tag"
    return None, None


_HEADLINE_LINK_MIN = 20


def _in_listing_item(el: Tag, name: str) -> bool:
    """True when ``el`` (holding a byline) sits in a headline list item: ``el`` or its parent
    holds a link whose text looks like a headline (20+ characters, not the name itself, not
    an inline link inside a paragraph) -- e.g. "related articles" blocks with bylines."""
    node: Tag | None = el
    for _ in range(2):
        if node is None or node.name in ("body", "html", "article", "main"):
            return False
        for link in node.find_all("a", href=True):
            text = text_of(link)
            if (
                len(text) >= _HEADLINE_LINK_MIN
                and name.casefold() not in text.casefold()
                and link.find_parent("p") is None
            ):
                return True
        node = node.parent
    return False


def _byline_in_article(page: _Page, el: Tag, name: str) -> bool:
    return not in_chrome(el) and not _in_listing_item(el, name)


def _text_in_article(page: _Page, name: str) -> bool:
    """True when ``name`` is printed somewhere outside site chrome and headline lists."""
    key = name.casefold()
    for string in page.soup.find_all(string=lambda s: s and key in s.casefold()):
        parent = string.parent
        if parent is not None and parent.name not in ("script", "style", "title", "meta"):
            if _byline_in_article(page, parent, name):
                return True
    return False


def _site_names(page: _Page) -> list[str]:
    """Names of the outlet itself: a byline equal to one of them is editorial."""
    names = [page.meta.get("og:site_name"), page.meta.get("application-name")]
    publisher = page.ld.get("publisher") if page.ld else None
    names += _ld_people(publisher, page.ids)[0]
    names.append(getattr(page.source, "name", None))
    return [n for n in (_clean_text(x) for x in names) if n]


def _authors(page: _Page) -> tuple[list[str], str, str | None]:
    site_names = _site_names(page)
    candidates: list[tuple[str, list[str], list[str]]] = []
    profile = [text_of(el) for el in page.select("byline")]
    candidates.append(("profile", profile, []))
    if page.ld:
        names, orgs = _ld_people(page.ld.get("author"), page.ids)
        candidates.append(("jsonld", names, orgs))
    meta = [page.meta[k] for k in META_AUTHOR if page.meta.get(k)]
    meta = [m for m in meta if not re.match(r"(?i)https?://|www\.", m)]
    candidates.append(("meta", meta[:1], []))
    for source_name, raw, orgs in candidates:
        names = clean_authors(raw)
        if names:
            status = authors_status(names, clean_authors(orgs) + site_names)
            return names, status, source_name

    micro: list[str] = []
    micro_orgs: list[str] = []
    for el in page.soup.select("[itemprop~=author]"):
        if not _byline_in_article(page, el, text_of(el)):
            continue
        inner = el.select_one("[itemprop~=name]")
        value = _element_value(inner) if inner is not None else _element_value(el)
        micro.append(value)
        if str(el.get("itemtype") or "").rsplit("/", 1)[-1] in ORGANISATION_TYPES:
            micro_orgs.append(value)
    names = clean_authors(micro)
    if names:
        status = authors_status(names, clean_authors(micro_orgs) + site_names)
        return names, status, "microdata"
    pattern = [
        text_of(el)
        for el in page.soup.select('a[rel~="author"], [class~="byline"], [class~="Byline"]')
        if _byline_in_article(page, el, text_of(el))
    ]
    names = clean_authors(pattern[:1])
    if names:
        return names, authors_status(names, site_names), "byline_pattern"
    traf = page.trafilatura_meta()
    if traf is not None and traf.author:
        names = [n for n in clean_authors(traf.author.split(";")) if _text_in_article(page, n)]
        if names:
            return names, authors_status(names, site_names), "trafilatura"
    return [], "absent", None


def _published(page: _Page) -> tuple[datetime | None, str | None, str | None]:
    """Returns (published_at, date_source, reason-when-None)."""
    for el in page.select("date"):
        dt = page.date(_element_value(el), relative=True)
        if dt:
            return dt, "profile", None
    if page.ld:
        for key in ("datePublished", "dateCreated"):
            dt = page.date(page.ld.get(key))
            if dt:
                return dt, "jsonld", None
    for key in META_PUBLISHED:
        dt = page.date(page.meta.get(key))
        if dt:
            return dt, "meta", None
    for el in page.soup.select("[itemprop~=datePublished]"):
        if in_chrome(el):
            continue
        dt = page.date(_element_value(el))
        if dt:
            return dt, "microdata", None
    times = [t for t in page.soup.find_all("time") if t.get("datetime") and not in_chrome(t)]
    h1 = page.h1()
    if h1 is not None and len(times) > 1:
        anchor = page.position(h1)
        times.sort(key=lambda t: abs(page.position(t) - anchor))
    for el in times:
        dt = page.date(el["datetime"])
        if dt:
            return dt, "time", None
    return _published_trafilatura(page)


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

    for meta in page.soup.find_all("meta", content=True):
        name = " ".join(str(meta.get(a) or "") for a in ("name", "property", "itemprop")).lower()
        if (
            any(w in name for w in _DATE_META_WORDS)
            and not any(w in name for w in _NOT_PUBLISHED_WORDS)
            and same_day(str(meta["content"]))
        ):
            return "meta"
    for script in page.soup.find_all("script"):
        for raw in _SCRIPT_DATE.findall(script.string or ""):
            if same_day(raw):
                return "script"
    return None


def _published_trafilatura(page: _Page) -> tuple[datetime | None, str | None, str | None]:
    """htmldate (trafilatura's date engine) on the ``<head>`` and the URL only, original
    (publication) date, no free-text search. Its answer is kept only when the day is stated
    outright in the URL, a date-like ``<meta>`` or a ``datePublished`` script key -- never a
    day read from an image path, a title or a text pattern. A day equal to the fetch day
    that is not in the URL is refused too: that is what a masthead "today" looks like."""
    from htmldate import find_date

    head = page.soup.head
    nothing = "no publication date found in profile, JSON-LD, meta, <time> or URL"
    if head is None:
        return None, None, nothing
    try:
        found = find_date(
            f"<html>{head}<body></body></html>",
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
        if dt:
            return dt
    for key in META_MODIFIED:
        dt = page.date(page.meta.get(key))
        if dt:
            return dt
    for el in page.soup.select("[itemprop~=dateModified]"):
        if not in_chrome(el):
            dt = page.date(_element_value(el))
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
    for link in page.soup.find_all("link", href=True):
        rel = link.get("rel") or []
        rel = rel if isinstance(rel, list) else str(rel).split()
        if "canonical" in [r.lower() for r in rel]:
            candidates.append(link["href"])
            break
    if page.meta.get("og:url"):
        candidates.append(page.meta["og:url"])
    for href in candidates:
        absolute = absolute_url(page.url, href)
        if absolute and same_site(absolute, page.url, hosts):
            return canonicalize_url(absolute)
    return canonicalize_url(page.url)


def _body(page: _Page) -> str:
    for el in page.select("body"):
        text = _body_from_element(el)
        if text:
            return text
    from trafilatura import bare_extraction

    try:
        doc = bare_extraction(
            page.html,
            url=page.url,
            with_metadata=False,
            include_comments=False,
            include_tables=True,
        )
    except Exception:  # trafilatura failing must not lose the whole record
        doc = None
    text = getattr(doc, "text", None) if doc is not None else None
    if text:
        return _paragraphs(text)
    blocks = [text_of(p) for p in page.soup.find_all("p") if not in_chrome(p)]
    return "\n\n".join(b for b in blocks if b)


def _drop_leading_title(body_text: str, title: str | None) -> str:
    """Extractors often keep the headline as the first paragraph; the record has it apart."""
    if title:
        first, _, rest = body_text.partition("\n\n")
        if " ".join(first.split()).casefold() == " ".join(title.split()).casefold():
            return rest
    return body_text


def _language(page: _Page, body_text: str, title: str | None) -> str | None:
    html_el = page.soup.find("html")
    declared = [
        html_el.get("lang") if html_el is not None else None,
        html_el.get("xml:lang") if html_el is not None else None,
        page.meta.get("og:locale"),
        page.meta.get("content-language"),
        page.meta.get("language"),
    ]
    for meta in page.soup.find_all("meta", attrs={"http-equiv": True}):
        if str(meta["http-equiv"]).lower() == "content-language":
            declared.append(meta.get("content"))
    return detect_language(declared, f"{title or ''}\n{body_text}")


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
    - ``published_at``: tz-aware datetime (offset as the page gave it; naive page values are
      read in ``source.timezone``), or None; ``date_source`` (profile, jsonld, meta,
      microdata, time, trafilatura, or None); ``published_at_reason``: None when a date was
      found, else a short reason. Dates later than ``fetched_at`` + 1 day are refused.
    - ``modified_at``: tz-aware datetime or None (JSON-LD dateModified, meta, microdata).
    - ``section``: str or None (profile, JSON-LD articleSection, ``article:section``).
    - ``language``: ISO 639-1 code or None (declared ``<html lang>``/og:locale/
      Content-Language unless the text contradicts it; else a script-based guess).
    - ``body_text``: the article text, paragraphs joined by a blank line ("\\n\\n"); from the
      profile ``body`` selector, else trafilatura, else the page's ``<p>`` outside chrome; a
      first paragraph equal to the title is dropped.

    Bylines found in the page markup (microdata, byline_pattern, trafilatura) are kept only
    when printed outside site chrome and outside headline-list items (a "related articles"
    block with its own bylines must not lend them to an article that has none).

    Raises nothing for malformed HTML (fields just come out empty); raises
    :class:`zoneinfo.ZoneInfoNotFoundError` for an unknown ``source.timezone``.
    """
    html = decode_html(body, content_type)
    page = _Page(html, url, source, fetched_at)
    title, title_source = _title(page)
    authors, status, authors_source = _authors(page)
    published_at, date_source, reason = _published(page)
    body_text = _drop_leading_title(_body(page), title)
    return {
        "url": url,
        "canonical_url": _canonical(page),
        "source_id": source.id,
        "title": title or None,
        "title_source": title_source if title else None,
        "authors": authors,
        "authors_status": status,
        "authors_source": authors_source,
        "published_at": published_at,
        "published_at_reason": None if published_at else reason,
        "date_source": date_source if published_at else None,
        "modified_at": _modified(page),
        "section": _section(page),
        "language": _language(page, body_text, title),
        "body_text": body_text,
        "parser_version": PARSER_VERSION,
    }

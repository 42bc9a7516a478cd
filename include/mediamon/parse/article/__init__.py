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
                else a short labelled line near it ("Автор: ...", "By ..."), or in an
                element whose class names an author, or an author field ("<strong>Autor
                </strong> Name"); else a line
                near it holding only a news agency's name ("Интерфакс-Казахстан"), or the
                agency of the story's dateline ("Астана. 5 сәуір. KAZINFORM – ...")
h1              the first ``<h1>`` outside site chrome; also wins over a JSON-LD/og title
                that is a rewritten variant of it (the headline the reader sees); without
                one, the wording most title places print (JSON-LD, og, ``<title>``, an
                ``<h2>`` printing one of them) wins before the chain
trafilatura     trafilatura's metadata (title, author) and, for the date, htmldate run on the
                ``<head>`` and the URL only (never the page text, so never the site chrome)
title_tag       ``<title>`` with the site-name part cut off
density         (body) the container of the page's paragraphs, by text and link density, when
                it passes the strength test (:mod:`~mediamon.parse.article.density`)
==============  ============================================================================

The page is parsed once, with lxml (:class:`~mediamon.parse.article.page.Page`); the heavy
fallbacks (trafilatura's body extraction and metadata, htmldate) run only when the cheaper
rules above them found nothing, so a page with a site profile or schema.org markup never pays
for them; the body's own extractor on the shared tree (``density``) leaves trafilatura only
the pages whose story container is weak. trafilatura's body loses what such extractors keep
after the story: trailing headline lists and rate/weather widgets
(:mod:`~mediamon.parse.article.body`).

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

Where each rule lives: :mod:`.page` (the tree, JSON-LD, meta, the headline and what is near
it, canonical URL, section), :mod:`.title`, :mod:`.byline`, :mod:`.dates`, :mod:`.body`; this
module holds :func:`parse_article`, which runs them in that order and builds the record.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from mediamon.parse.article.body import find_body
from mediamon.parse.article.byline import find_authors
from mediamon.parse.article.dates import find_modified, find_published
from mediamon.parse.article.page import Page, find_canonical, find_section
from mediamon.parse.article.paywall import find_paywall, strip_paywall_markup
from mediamon.parse.article.title import find_title
from mediamon.parse.decode import decode_page
from mediamon.parse.version import PARSER_VERSION
from mediamon.text.language import detect_headline_language, detect_language, normalize_code
from mediamon.text.normalize import strip_nul

__all__ = ["parse_article"]


# Characters of the body the language is detected on (the opening is enough: a few
# sentences decide it, and py3langid's time grows with the text; 3,000 gave the same
# languages on the real pages at twice the time).
_LANGUAGE_SAMPLE = 1000


def _language(page: Page, body_text: str, title: str | None) -> tuple[str | None, str | None]:
    """(ISO 639-1 code, its rule): "declared" when the page's first valid declaration stands,
    "text" when the text decided (nothing declared, or the text contradicts it)."""
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
    code = detect_language(declared, re.sub(r"(?:https?://|www\.)\S+", " ", sample))
    if code is None:
        return None, None
    stated = next((c for c in map(normalize_code, declared) if c), None)
    return code, ("declared" if code == stated else "text")


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
      text, a teaser), else the densest container of paragraphs when it is strong
      (``density``), else trafilatura, else the page's ``<p>`` outside chrome; a first
      paragraph equal to the title is dropped.

    - provenance, the rule behind the remaining fields: ``modified_source`` (jsonld, meta,
      microdata, epoch), ``section_source`` (profile, jsonld, meta), ``language_source``
      ("declared": the page's declaration stands; "text": the text decided) and
      ``body_source`` (profile, jsonld, microdata, density, trafilatura, paragraphs); None
      where the
      field is None.
    - ``paywalled`` (bool) and ``paywall_evidence`` (list[str], what was seen: JSON-LD
      ``isAccessibleForFree``, ``article:content_tier``, paywall plugins' markup, a teaser
      body; :func:`~mediamon.parse.article.paywall.find_paywall`).

    Bylines found in the page markup (microdata, byline_pattern, trafilatura) are kept only
    when printed outside site chrome and outside headline-list items (a "related articles"
    block with its own bylines must not lend them to an article that has none).

    Raises nothing for malformed HTML (fields just come out empty); raises
    :class:`zoneinfo.ZoneInfoNotFoundError` for an unknown ``source.timezone``.
    """
    decoded = decode_page(body, content_type)
    text, nuls = strip_nul(decoded.text)
    page = Page(text, url, source, fetched_at)
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
    title, title_source = find_title(page)
    authors, status, authors_source, kind = find_authors(page)
    dates = find_published(page)
    if dates["published_at"] is None:
        page.warnings.append(f"no publication date: {dates['published_at_reason']}")
    paywall_markup = strip_paywall_markup(page)  # a plugin's "subscribe" box is not the text
    body_text, body_source = find_body(page, title)
    if not body_text:
        page.warnings.append("no article text found")
    languages = tuple(getattr(source, "languages", ()) or ())
    modified_at, modified_source = find_modified(page)
    section, section_source = find_section(page)
    language, language_source = _language(page, body_text, title)
    paywalled, paywall_evidence = find_paywall(page, body_text, paywall_markup)
    record = {
        "url": url,
        "canonical_url": find_canonical(page),
        "source_id": source.id,
        "title": title or None,
        "title_source": title_source if title else None,
        "title_language": detect_headline_language(title, languages),
        "authors": authors,
        "authors_status": status,
        "authors_source": authors_source,
        "byline_kind": kind,
        **dates,
        "modified_at": modified_at,
        "section": section,
        "language": language,
        "body_text": body_text,
        "encoding": decoded.encoding,
        "encoding_repaired": decoded.repaired,
        "warnings": page.warnings,
        "parser_version": PARSER_VERSION,
        "modified_source": modified_source,
        "section_source": section_source,
        "language_source": language_source,
        "body_source": body_source,
        "paywalled": paywalled,
        "paywall_evidence": paywall_evidence,
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

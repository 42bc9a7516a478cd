"""Typed records: the contract between the stages (parse → validate → load).

The stages pass plain dicts; these :class:`~typing.TypedDict` types name their keys, so a
checker and a reader see one schema instead of keys repeated by hand in the parsers, the
checks and the loader. Every dict that worked keeps working: a TypedDict is a dict.

Times: every ``datetime`` is tz-aware. ``fetched_at`` is UTC (the WARC-Date of the
exchange); a published or modified time keeps the offset the page gave (a wall-clock value
without one is read in the source's IANA zone). A ``date`` named ``day`` is a local day in
the source's zone. In the batch files (:mod:`mediamon.batches`) datetimes are ISO 8601
strings, revived on read.

Who fills what: :class:`Fetch` and :class:`Refusal` come from the parse stage
(:mod:`mediamon.pipeline`), :class:`Article` and :class:`Headline` from the parsers
(:mod:`mediamon.parse`) plus the stage's fields, :class:`Quarantined` and :class:`DqResult`
from the validate stage (:mod:`mediamon.quality`). ``tests/unit/test_records.py`` checks
these keys against the parsers' output and the loader's columns.
"""

# no ``from __future__ import annotations``: TypedDict must see NotRequired at class creation
# (Python 3.11 does not unwrap string annotations), or every key counts as required
from datetime import datetime
from typing import Any, NotRequired, TypedDict

from mediamon.text.urls import canonicalize_url


class Fetch(TypedDict):
    """One HTTP exchange of a capture (a ``fetches`` row without source and day)."""

    url: str  # as requested
    kind: str  # robots, homepage (read for its feed links), feed, listing, sitemap or article
    list_id: str | None  # the registry list it was fetched for; None for articles, robots
    status: int | None  # HTTP status; None when no response came (``error`` says why)
    error: str | None  # why there was no response (timeout, size cap, SSRF guard...)
    bytes: int  # body size as stored in the capture (before Content-Encoding is undone)
    sha256: str | None  # hex digest of the stored body; None without a body
    content_type: str | None  # the Content-Type header as sent
    fetched_at: datetime  # UTC: the WARC-Date
    warc_path: str  # the capture file holding the exchange
    warc_offset: int  # byte offset of its record in the capture
    elapsed_ms: int | None  # request to last body byte, milliseconds; None when not measured
    reason: str | None  # why the crawl chose this URL (feed candidate, fallback); else None


class Article(TypedDict):
    """One article page's extracted record (:func:`mediamon.parse.parse_article`), plus the
    parse stage's ``fetched_at``. Written to ``articles`` (see ``load.loader.ARTICLE_COLUMNS``).
    """

    url: str  # as fetched
    canonical_url: str  # rel=canonical / og:url on the same site, else url; canonicalized
    source_id: str
    title: str | None
    title_source: str | None  # profile, jsonld, meta, h1, trafilatura, title_tag
    title_language: str | None  # ISO 639-1 code of the title alone
    authors: list[str]  # cleaned names, organisations included
    authors_status: str  # present (a person), editorial (organisations only), absent
    authors_source: str | None  # profile, jsonld, meta, microdata, byline_pattern, trafilatura
    byline_kind: str | None  # person, editorial, agency, press_service; None without authors
    published_at: datetime | None  # the page's offset kept
    date_source: str | None  # profile, jsonld, meta, microdata, time, visible, url, trafilatura
    published_at_reason: str | None  # why there is no date; None when there is one
    dates_disagree: bool  # a less reliable rule gave another date
    published_at_alt: datetime | None  # that other date
    published_at_alt_source: str | None  # and its rule
    modified_at: datetime | None
    section: str | None
    language: str | None  # ISO 639-1 code of the page (declared unless the text contradicts)
    body_text: str  # paragraphs joined by a blank line; "" when none was found
    encoding: str  # the codec the page was decoded with
    encoding_repaired: bool  # the declared charset did not fit the bytes
    warnings: list[str]  # what the parser noticed, in order, without repeats
    parser_version: str  # :data:`mediamon.parse.PARSER_VERSION`
    # provenance of the remaining fields (None where the field is None)
    body_source: str | None  # profile, jsonld, microdata, density, trafilatura, paragraphs
    section_source: str | None  # profile, jsonld, meta
    modified_source: str | None  # jsonld, meta, microdata, epoch
    language_source: str | None  # declared (the page's declaration stands) or text
    paywalled: bool  # the page declares or marks its text withheld (parse.article.paywall)
    paywall_evidence: list[str]  # what was seen ("jsonld: isAccessibleForFree=False", ...)
    fetched_at: NotRequired[datetime]  # UTC; set by the parse stage from the exchange


class Headline(TypedDict):
    """One item seen on a list: a feed entry, a listing item or a sitemap ``url``
    (:func:`~mediamon.parse.parse_feed`, :func:`~mediamon.parse.parse_listing`,
    :func:`~mediamon.parse.parse_sitemap`). Written to ``headlines``, ``headline_revisions``
    and ``sightings`` (see ``load.loader.HEADLINE_COLUMNS``).
    """

    source_id: str
    list_id: str
    list_kind: str  # feed, listing or sitemap
    list_url: str  # the list page it was read from
    position: int  # 1-based place on the list (across a listing's pages); gaps for skips
    title: str | None  # plain text, whitespace collapsed
    url: str  # absolute
    canonical_url: str
    published_at: datetime | None
    date_flag: str | None  # None, zone_assumed, feedparser_utc or unparsed
    published_at_assumed_zone: bool  # the date had no offset: read in the source's zone
    byline: str | None
    fetched_at: datetime  # UTC
    published_raw: NotRequired[str | None]  # feeds: the date string as printed
    authors: NotRequired[list[str]]  # feeds: the entry's author names
    warnings: NotRequired[list[str]]  # what was repaired or refused (a date), in order
    # sitemaps: last modification, not publication (not revived from a batch file: there an
    # ISO string, see mediamon.batches.DATETIME_FIELDS)
    lastmod: NotRequired[datetime | str | None]
    # set by the validate stage on accepted headlines (:func:`mediamon.pipeline.label_headline`)
    language: NotRequired[str | None]  # ISO 639-1 code of the title alone
    title_normalized: NotRequired[str | None]  # :func:`mediamon.text.normalize.normalize_title`
    is_new: NotRequired[bool | None]  # published on the run's local day; None when undated


HEADLINE_STAGE_FIELDS = ("language", "title_normalized", "is_new")
"""The :class:`Headline` fields the validate stage adds (not the parsers)."""


def new_headline(
    *,
    source_id: str,
    list_id: str,
    list_kind: str,
    list_url: str,
    position: int,
    title: str | None,
    url: str,
    published_at: datetime | None,
    date_flag: str | None,
    byline: str | None,
    fetched_at: datetime,
    canonical_url: str | None = None,
    **extra: Any,
) -> Headline:
    """A :class:`Headline` as every list parser builds it: ``canonical_url`` defaults to
    :func:`mediamon.text.urls.canonicalize_url` of ``url``; ``published_at_assumed_zone`` is
    ``date_flag == "zone_assumed"``; ``extra`` holds the optional keys of a kind (a feed's
    ``published_raw`` and ``authors``, a sitemap's ``lastmod``, a headline block's ``block``)."""
    return Headline(
        source_id=source_id,
        list_id=list_id,
        list_kind=list_kind,
        list_url=list_url,
        position=position,
        title=title,
        url=url,
        canonical_url=canonical_url if canonical_url is not None else canonicalize_url(url),
        published_at=published_at,
        date_flag=date_flag,
        published_at_assumed_zone=date_flag == "zone_assumed",
        byline=byline,
        fetched_at=fetched_at,
        **extra,
    )


class Skipped(TypedDict):
    """A list item that could not become a headline (``FeedResult.skipped``,
    ``ListingResult.skipped``)."""

    position: int
    title: str | None
    reason: str


class Refusal(TypedDict):
    """What the parse stage could not turn into a record, kept for quarantine: a whole page
    (not a web page, a body that cannot be decoded, a parse error, a feed refused or empty)
    or one list item (a :class:`Skipped`)."""

    record_kind: str  # page or headline
    record_key: str  # page: its URL; headline: "<list_id>|<position>|<list page URL>"
    url: str  # the exchange's URL
    kind: str  # the exchange's kind (see :class:`Fetch`)
    list_id: str | None
    reason: str
    title: NotRequired[str | None]  # headline refusals: the item's title
    position: NotRequired[int]  # headline refusals: the item's position


class Quarantined(TypedDict):
    """A ``quarantine`` row without run, source and day: a record refused at parse or failing
    a row-level check."""

    record_kind: str  # article, headline or page
    record_key: str  # article: canonical URL (else URL); headline: "<list>|<pos>|<canonical>"
    record: Article | Headline | Refusal
    reasons: list[str]  # every reason, in check order


class DqResult(TypedDict):
    """A ``dq_results`` row without run, source and day: one check over one batch."""

    check_name: str  # e.g. article.published_at.present, batch.reconciliation, drift.articles
    success: bool
    evaluated: int  # rows (or days, for drift) the check looked at
    unexpected: int  # rows failing
    severity: str  # :mod:`mediamon.quality.severity`: quarantine, warn, fail or info
    observed: dict[str, Any] | None  # check-specific figures (e.g. unexpected_percent)
    unexpected_sample: list[str]  # URLs of up to five failing rows

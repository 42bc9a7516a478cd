"""Discovery and fetching for one source and local day, into one capture.

Order: the source's feeds, then its listings (following ``next_page`` up to ``max_pages``),
then its sitemaps; every list response is parsed only to find article URLs. Then each article
URL that belongs to the source (``Source.owns``), once per canonical URL and at most
``Source.max_articles``, is fetched. Every exchange, failures included, goes into the capture
(:class:`mediamon.fetch.warcstore.CaptureWriter`); nothing is parsed into records here: that
is the parse stage's job, from the capture.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import requests
import urllib3

from mediamon.config import Source
from mediamon.fetch.http import MAX_BODY_BYTES, TIMEOUT, make_session
from mediamon.fetch.warcstore import CaptureWriter, decode_payload
from mediamon.parse import canonicalize_url, parse_feed, parse_listing, parse_sitemap

log = logging.getLogger(__name__)


@dataclass
class CrawlStats:
    """Counts for one crawl: exchanges recorded, failures, article candidates found."""

    exchanges: int = 0
    failures: int = 0
    candidates: int = 0
    skipped_foreign: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Fetched:
    url: str
    status: int
    content_type: str | None
    body: bytes
    fetched_at: datetime


def crawl(source: Source, capture: Path, *, session: requests.Session | None = None) -> CrawlStats:
    """Discover and fetch ``source`` into the WARC ``capture`` (written atomically).

    Returns :class:`CrawlStats`. HTTP and network errors are recorded, not raised; so is a list
    page the parser cannot read (the parse stage quarantines it from the capture). An error
    writing the capture (disk full) raises OSError and leaves no partial file.
    """
    session = session or make_session()
    stats = CrawlStats()
    candidates: list[str] = []
    with CaptureWriter(capture) as writer:
        for feed in source.feeds:
            page = _get(session, writer, stats, feed.url, kind="feed", list_id=feed.id)
            result = page and _discover(stats, page, parse_feed, source=source, list_id=feed.id)
            candidates += _links(result.headlines if result else [])
        for listing in source.listings:
            url, offset = listing.url, 0
            for _ in range(listing.max_pages):
                page = _get(session, writer, stats, url, kind="listing", list_id=listing.id)
                result = page and _discover(
                    stats, page, parse_listing, source=source, listing=listing,
                    position_offset=offset,
                )  # fmt: skip
                if not result:
                    break
                candidates += _links(result.headlines)
                offset += len(result.headlines) + len(result.skipped)
                url = result.next_page_url
                if not url:
                    break
        for sitemap in source.sitemaps:
            page = _get(session, writer, stats, sitemap.url, kind="sitemap", list_id=sitemap.id)
            found = page and _discover(
                stats, page, parse_sitemap, source=source, list_id=sitemap.id
            )
            candidates += _links(found or [])
        for url in _article_urls(source, candidates, stats):
            _get(session, writer, stats, url, kind="article")
    return stats


def _discover(stats: CrawlStats, page: Fetched, parse, **kwargs):
    """``parse(page)`` for its links; a parser error is logged and counted, not raised."""
    try:
        return parse(page.body, page.url, fetched_at=page.fetched_at, **kwargs)
    except Exception as exc:  # a bad page must not stop discovery of the others
        log.warning("cannot read list page %s: %s: %s", page.url, type(exc).__name__, exc)
        stats.errors.append(f"{page.url}: {type(exc).__name__}: {exc}")
        return None


def _links(headlines: list[dict]) -> list[str]:
    return [h["url"] for h in headlines if h.get("url")]


def _article_urls(source: Source, candidates: list[str], stats: CrawlStats) -> list[str]:
    seen: dict[str, str] = {}
    for url in candidates:
        if not source.owns(url):
            stats.skipped_foreign += 1
            continue
        seen.setdefault(canonicalize_url(url), url)
    stats.candidates = len(seen)
    if len(seen) > source.max_articles:
        log.warning(
            "%s: %d article candidates, fetching the first %d (max_articles)",
            source.id,
            len(seen),
            source.max_articles,
        )
    return list(seen.values())[: source.max_articles]


def _get(
    session,
    writer: CaptureWriter,
    stats: CrawlStats,
    url: str,
    *,
    kind: str,
    list_id: str | None = None,
) -> Fetched | None:
    """GET ``url`` and record every hop; the final 2xx page, or None on any failure."""
    fetched_at = datetime.now(UTC)
    try:
        response = session.get(url, timeout=TIMEOUT, stream=True)
    except requests.RequestException as exc:
        return _failed(
            writer, stats, url, f"{type(exc).__name__}: {exc}", fetched_at, kind, list_id
        )
    try:
        raw = response.raw.read(MAX_BODY_BYTES + 1, decode_content=False)
    except (OSError, urllib3.exceptions.HTTPError) as exc:
        return _failed(
            writer, stats, url, f"{type(exc).__name__}: {exc}", fetched_at, kind, list_id
        )
    finally:
        response.close()
    if len(raw) > MAX_BODY_BYTES:
        error = f"body larger than {MAX_BODY_BYTES} bytes"
        return _failed(writer, stats, url, error, fetched_at, kind, list_id)
    for hop in response.history:
        headers = [(k, v) for k, v in hop.headers.items() if k.lower() != "content-encoding"]
        writer.write_response(
            hop.url, hop.status_code, hop.reason, headers, hop.content,
            fetched_at=archived_at(hop.headers) or fetched_at, kind=kind, list_id=list_id,
        )  # fmt: skip
        stats.exchanges += 1
    fetched_at = archived_at(response.headers) or fetched_at
    writer.write_response(
        response.url, response.status_code, response.reason, list(response.raw.headers.items()),
        raw, fetched_at=fetched_at, kind=kind, list_id=list_id,
    )  # fmt: skip
    stats.exchanges += 1
    if not 200 <= response.status_code < 300:
        log.info("%s %s -> HTTP %s", kind, url, response.status_code)
        return None
    body = decode_payload(raw, response.headers.get("Content-Encoding"))
    content_type = response.headers.get("Content-Type")
    return Fetched(response.url, response.status_code, content_type, body, fetched_at)


def archived_at(headers) -> datetime | None:
    """The ``Memento-Datetime`` of a replayed response (RFC 7089), else None.

    A response served from an archive (our replay server) was fetched when it was recorded:
    that instant, not the replay's wall clock, is the exchange's fetch time.
    """
    value = headers.get("Memento-Datetime")
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).astimezone(UTC)
    except (TypeError, ValueError):
        return None


def _failed(writer, stats, url, error, fetched_at, kind, list_id) -> None:
    log.warning("%s %s failed: %s", kind, url, error)
    writer.write_failure(url, error, fetched_at=fetched_at, kind=kind, list_id=list_id)
    stats.exchanges += 1
    stats.failures += 1
    stats.errors.append(f"{url}: {error}")
    return None

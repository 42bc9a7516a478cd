"""Discovery: which lists of a source to read and which article URLs they link.

Order: the source's feeds (each from its first address that answers with a valid feed, else
a fallback: :mod:`mediamon.fetch.feeds`), then its listings (following ``next_page`` up to
``max_pages``, and no further once every dated item of a page is older than the run's
window; a listing URL with ``{date:FORMAT}`` is a date archive fetched once per local day
of the window), then its sitemaps (an index followed one level, at most
:data:`MAX_CHILD_SITEMAPS` children); every list response is parsed only to find article
URLs (its records are the parse stage's job, from the capture). Of those, the URLs that
belong to the source (``Source.owns``), once per canonical URL and at most
``Source.max_articles``, are the crawl's articles.
"""

from __future__ import annotations

import logging
from datetime import datetime

from mediamon.config import Source
from mediamon.fetch.feeds import FeedMemory, read_feeds
from mediamon.fetch.fetcher import CrawlStats, Fetched, Fetcher
from mediamon.parse import parse_listing, parse_sitemap, sitemap_children
from mediamon.text.urls import canonicalize_url
from mediamon.window import days_touched

log = logging.getLogger(__name__)
MAX_CHILD_SITEMAPS = 10


def discover_links(
    fetcher: Fetcher,
    source: Source,
    window: tuple[datetime, datetime] | None,
    memory: FeedMemory | None = None,
) -> list[str]:
    """The URLs the source's feeds, listings and sitemaps link, in that order (repeats kept),
    each list page fetched with ``fetcher``. ``window``: as for :func:`mediamon.fetch.crawl.crawl`;
    ``memory``: the feed addresses that worked before (:mod:`mediamon.fetch.feeds`).
    A list that cannot be fetched or read is recorded (capture, ``fetcher.stats``), not raised."""
    feeds = read_feeds(fetcher, source, memory)
    candidates = list(feeds.links)
    for listing in source.listings:
        note = feeds.listing_notes.get(listing.id)
        candidates += _walk_listing(fetcher, source, listing, window, note)
    for sitemap in source.sitemaps:
        candidates += _walk_sitemap(fetcher, source, sitemap)
    return candidates


def window_days(source: Source, window: tuple[datetime, datetime]) -> list:
    """The local days (in the source's zone) that [start, end) touches, oldest first; at most
    the first 31 (a date archive is walked for a run's window, never for a long range)."""
    return days_touched(*window, source.zone)[:31]


def _walk_listing(fetcher: Fetcher, source: Source, listing, window, note=None) -> list[str]:
    stats = fetcher.stats
    if listing.is_template:
        if window is None:
            stats.errors.append(f"{listing.id}: date-archive template needs the run's window")
            return []
        starts = [listing.url.format(date=day) for day in reversed(window_days(source, window))]
    else:
        starts = [listing.url]
    found: list[str] = []
    offset = 0
    for start in starts:
        url = start
        for _ in range(listing.max_pages):
            page = fetcher.get(url, kind="listing", list_id=listing.id, reason=note)
            result = page and _discover(
                stats, page, parse_listing, source=source, listing=listing,
                position_offset=offset,
            )  # fmt: skip
            if not result:
                break
            stats.pages[listing.id] = stats.pages.get(listing.id, 0) + 1
            found += _links(result.headlines)
            offset += len(result.headlines) + len(result.skipped)
            url = result.next_page_url
            if not url or (window is not None and _all_older(result.headlines, window[0])):
                break
    return found


def _walk_sitemap(fetcher: Fetcher, source: Source, sitemap) -> list[str]:
    """A sitemap's URLs; a sitemap index is followed one level, at most
    :data:`MAX_CHILD_SITEMAPS` children in index order (each recorded as the same list)."""
    page = fetcher.get(sitemap.url, kind="sitemap", list_id=sitemap.id)
    if page is None:
        return []
    children = sitemap_children(page.body)
    if not children:
        found = _discover(fetcher.stats, page, parse_sitemap, source=source, list_id=sitemap.id)
        return _links(found or [])
    if len(children) > MAX_CHILD_SITEMAPS:
        fetcher.stats.errors.append(
            f"{sitemap.url}: sitemap index lists {len(children)} sitemaps, "
            f"following the first {MAX_CHILD_SITEMAPS}"
        )
    links: list[str] = []
    for child in children[:MAX_CHILD_SITEMAPS]:
        child_page = fetcher.get(child, kind="sitemap", list_id=sitemap.id)
        found = child_page and _discover(
            fetcher.stats, child_page, parse_sitemap, source=source, list_id=sitemap.id
        )
        links += _links(found or [])
    return links


def _all_older(headlines: list[dict], start: datetime) -> bool:
    """True when the page has dated items and every one is older than ``start``."""
    dated = [h["published_at"] for h in headlines if h.get("published_at")]
    return bool(dated) and all(d < start for d in dated)


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


def article_urls(source: Source, candidates: list[str], stats: CrawlStats) -> list[str]:
    """The article URLs to fetch of ``candidates``: those ``source`` owns, the first of each
    canonical URL, at most ``source.max_articles``, in order; counts ``stats.candidates`` and
    ``stats.skipped_foreign``."""
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

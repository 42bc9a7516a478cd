"""One source's crawl for one local day, into one capture: discovery
(:mod:`mediamon.fetch.discover`: feeds, listings, sitemaps, archives, pagination), then the
article pages, every request through the polite :class:`mediamon.fetch.fetcher.Fetcher`
(guard, robots.txt, per-host delays and queues, caps, retries, give-up), with conditional GET
from the source's earlier capture (:mod:`mediamon.fetch.revisits`).

Every exchange, failures included, goes into the capture
(:class:`mediamon.fetch.warcstore.CaptureWriter`); nothing is parsed into records here: that
is the parse stage's job, from the capture.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import requests

from mediamon.config import Source
from mediamon.fetch.discover import article_urls, discover_links
from mediamon.fetch.feeds import FeedMemory, memory_path
from mediamon.fetch.fetcher import CrawlStats, Fetcher, FetchPolicy, fetch_articles
from mediamon.fetch.http import make_session
from mediamon.fetch.revisits import previous_validators
from mediamon.fetch.warcstore import CaptureWriter


def crawl(
    source: Source,
    capture: Path,
    *,
    session: requests.Session | None = None,
    policy: FetchPolicy | None = None,
    window: tuple[datetime, datetime] | None = None,
    previous_capture: Path | str | None = None,
    feed_memory: Path | str | None = None,
) -> CrawlStats:
    """Discover and fetch ``source`` into the WARC ``capture`` (written atomically).

    ``window``: the run's [start, end) (tz-aware): listings stop paging once a page holds only
    items older than ``start``, and date-archive templates are fetched for each local day in
    it (without a window: no early stop, templates skipped with an error). ``previous_capture``:
    the source's capture of an earlier day, for conditional GET validators. ``feed_memory``:
    the file remembering which feed address worked (default
    :func:`mediamon.fetch.feeds.memory_path`; see :mod:`mediamon.fetch.feeds`).

    Returns :class:`CrawlStats`. HTTP and network errors are recorded, not raised; so is a list
    page the parser cannot read (the parse stage quarantines it from the capture). An error
    writing the capture (disk full) raises OSError and leaves no partial file.
    """
    session = session or make_session()
    stats = CrawlStats()
    previous = previous_validators([previous_capture]) if source.conditional_get else {}
    with CaptureWriter(capture) as writer:
        fetcher = Fetcher(session, writer, stats, source, policy or FetchPolicy(), previous)
        memory = FeedMemory(feed_memory or memory_path(source.id))
        candidates = discover_links(fetcher, source, window, memory)
        fetch_articles(fetcher, article_urls(source, candidates, stats))
    return stats

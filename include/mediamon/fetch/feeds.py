"""Which address of a feed to read: its candidates, the one remembered, and the fallbacks.

For each feed of a source, :func:`read_feeds` requests, until one answers 2xx with a document
that parses as RSS/Atom and holds at least one item (a *valid feed*):

1. the address remembered from an earlier crawl (:class:`FeedMemory`), when there is one;
2. the registry's candidates (``Feed.candidates``) in order, each once;
3. the homepage (kind ``homepage``, once per crawl: read for its links, not parsed into
   records), then each feed it declares with ``<link rel="alternate"
   type="application/rss+xml|atom+xml">`` on the source's hosts, in page order. Skipped when
   no address got any HTTP answer and all are on the homepage's site (the site is down or
   refused: asking it again is pointless);
4. when none of those is a valid feed: the homepage's headline lists, found without selectors
   (:mod:`mediamon.parse.blocks`): the homepage is requested as a listing of the feed's id
   (kind ``listing``). A source that already reads its homepage as a listing gets no second
   copy: that listing's request says it stands in for the feed.

Every one of these requests carries its reason (``Fetcher.get(reason=...)``, kept as the WARC
``Mediamon-Reason`` and ``fetches.reason``), e.g. ``feed rss: candidate 2 of 3, after
https://x.kz/rss.xml: HTTP 404``, so a day's fetches say which address was used and why.

**Where the working address is remembered**: a small JSON file per source in the data folder,
``<data_dir>/feeds/<source_id>.json`` (``{feed id: {url, found, at}}``), written atomically
after a crawl found a valid feed, dropped for a feed when nothing worked. Not the warehouse:
the fetch stage runs before anything is loaded and needs no database (a fetch worker shares
the data folder, where it writes the captures, anyway), and this is the crawler's own state,
as the captures' validators for conditional GET are; the warehouse keeps the history of every
choice (``fetches.reason``) for people. A missing or unreadable file means "nothing
remembered": the candidates are tried in registry order.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from mediamon.config import Feed, Listing, Source, data_dir
from mediamon.fetch.fetcher import Fetched, Fetcher
from mediamon.parse import parse_feed, parse_listing
from mediamon.parse.feed_links import feed_links
from mediamon.text.urls import canonicalize_url, same_site

log = logging.getLogger(__name__)


def memory_path(source_id: str) -> Path:
    """Where the feeds that worked for ``source_id`` are remembered (see the module)."""
    return data_dir() / "feeds" / f"{source_id}.json"


class FeedMemory:
    """The address that last answered with a valid feed, per feed id of one source, kept in a
    JSON file (``{feed id: {"url", "found", "at"}}``); an unreadable file counts as empty."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            loaded = {}
        except (OSError, ValueError) as exc:
            log.warning("%s: cannot read the remembered feeds, ignoring it: %s", self.path, exc)
            loaded = {}
        self._entries: dict[str, dict] = loaded if isinstance(loaded, dict) else {}

    def get(self, feed_id: str) -> str | None:
        """The remembered address of ``feed_id``, or None."""
        entry = self._entries.get(feed_id)
        url = entry.get("url") if isinstance(entry, dict) else None
        return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None

    def remember(self, feed_id: str, url: str, found: str) -> None:
        """Keep ``url`` as the address of ``feed_id`` (``found``: how it was found)."""
        at = datetime.now(UTC).isoformat(timespec="seconds")
        self._entries[feed_id] = {"url": url, "found": found, "at": at}
        self._save()

    def forget(self, feed_id: str) -> None:
        if self._entries.pop(feed_id, None) is not None:
            self._save()

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.part")
        tmp.write_text(json.dumps(self._entries, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)


@dataclass
class FeedsRead:
    """What :func:`read_feeds` found: ``links`` (the URLs the chosen lists link, in order),
    ``choices`` (feed id → one line: which address was used, or the fallback, and why) and
    ``listing_notes`` (listing id → the reason its request carries: it stands in for a feed)."""

    links: list[str] = field(default_factory=list)
    choices: dict[str, str] = field(default_factory=dict)
    listing_notes: dict[str, str] = field(default_factory=dict)


def read_feeds(fetcher: Fetcher, source: Source, memory: FeedMemory | None) -> FeedsRead:
    """Read every feed of ``source`` with ``fetcher`` as the module says; ``memory``: the
    remembered addresses (None: remember nothing). Failures are recorded (the capture,
    ``fetcher.stats``) and never raised."""
    out = FeedsRead()
    home = _Homepage(fetcher, source)
    for feed in source.feeds:
        _read_feed(fetcher, source, feed, memory, home, out)
    return out


class _Homepage:
    """The homepage, fetched at most once per crawl (kind ``homepage``)."""

    def __init__(self, fetcher: Fetcher, source: Source):
        self.fetcher, self.source = fetcher, source
        self.tried = False
        self.page: Fetched | None = None
        self.status: int | None = None

    def get(self, reason: str) -> Fetched | None:
        if not self.tried:
            self.tried = True
            self.page, self.status = self.fetcher.get_with_status(
                self.source.homepage, kind="homepage", reason=reason
            )
        return self.page

    def feeds(self) -> list[str]:
        """The feeds the homepage declares on the source's hosts, in page order."""
        if self.page is None:
            return []
        found = feed_links(self.page.body, self.page.url, self.page.content_type)
        return [url for url, _ in found if self.source.owns(url)]


def _read_feed(fetcher, source, feed: Feed, memory, home: _Homepage, out: FeedsRead) -> None:
    remembered = memory.get(feed.id) if memory else None
    candidates = list(feed.candidates)
    order = list(dict.fromkeys([u for u in (remembered,) if u] + candidates))
    failed: list[str] = []  # "url: why" of each address tried in vain
    silent: list[str] = []  # those that got no HTTP answer at all
    for url in order:
        if url == remembered:
            why = f"feed {feed.id}: the address that last answered with a valid feed"
        else:
            n = candidates.index(url) + 1
            why = f"feed {feed.id}: candidate {n} of {len(candidates)} of the registry"
        found = _try(fetcher, source, feed, url, _after(why, failed), failed, silent)
        if found is not None:
            how = "remembered" if url == remembered else f"candidate {candidates.index(url) + 1}"
            return _chosen(out, memory, feed, url, how, found)
    none = f"feed {feed.id}: no candidate answered with a valid feed ({'; '.join(failed)})"
    if len(silent) == len(order) and all(same_site(u, source.homepage) for u in order):
        return _no_feed(out, memory, feed, f"{none}; the site did not answer: no fallback")
    if home.get(f"{none}: reading the homepage for its <link rel=alternate> feeds") is None:
        return _no_feed(out, memory, feed, f"{none}; the homepage did not answer either")
    for url in home.feeds():
        if url in order:
            continue
        why = f"feed {feed.id}: declared by the homepage's <link rel=alternate>"
        found = _try(fetcher, source, feed, url, _after(why, failed), failed, silent)
        if found is not None:
            return _chosen(out, memory, feed, url, "homepage <link rel=alternate>", found)
    _fall_back_to_headlines(fetcher, source, feed, out, memory, failed)


def _after(why: str, failed: list[str]) -> str:
    return f"{why}, after {'; '.join(failed)}" if failed else why


def _try(fetcher, source, feed, url, reason, failed, silent) -> list[str] | None:
    """The links of ``url`` when it answers with a valid feed; else None, and why is added
    to ``failed`` (and ``url`` to ``silent`` when no HTTP answer came)."""
    errors = len(fetcher.stats.errors)
    page, status = fetcher.get_with_status(url, kind="feed", list_id=feed.id, reason=reason)
    if page is None:
        if status is not None:
            failed.append(f"{url}: HTTP {status}")
        else:
            new = fetcher.stats.errors[errors:]
            error = new[-1].removeprefix(f"{url}: ") if new else "no answer"
            failed.append(f"{url}: {error}")
            silent.append(url)
        return None
    try:
        result = parse_feed(page.body, page.url, source=source, list_id=feed.id,
                            fetched_at=page.fetched_at)  # fmt: skip
    except Exception as exc:  # a bad document must not stop the crawl: it is one more failure
        failed.append(f"{url}: cannot read it: {type(exc).__name__}: {exc}")
        return None
    if result.refused_reason:
        failed.append(f"{url}: not a feed: {result.refused_reason}")
        return None
    if not result.headlines:
        failed.append(f"{url}: a feed with no item")
        return None
    return [h["url"] for h in result.headlines if h.get("url")]


def _chosen(out, memory, feed, url, how, links) -> None:
    out.links += links
    out.choices[feed.id] = f"{url} ({how})"
    if memory is not None:
        memory.remember(feed.id, url, how)


def _no_feed(out, memory, feed, why: str) -> None:
    log.warning("%s", why)
    out.choices[feed.id] = why
    if memory is not None:
        memory.forget(feed.id)


def _fall_back_to_headlines(fetcher, source, feed, out, memory, failed) -> None:
    """The homepage's headline lists stand in for ``feed`` (see the module, step 4)."""
    why = (
        f"feed {feed.id}: no valid feed among its candidates nor the homepage's <link "
        f"rel=alternate> ({'; '.join(failed)}): the homepage's headline lists instead"
    )
    _no_feed(out, memory, feed, why)
    home = canonicalize_url(source.homepage)
    reading = next((x for x in source.listings if canonicalize_url(x.url) == home), None)
    if reading is not None:
        out.listing_notes[reading.id] = f"{why} (listing {reading.id})"
        return
    page = fetcher.get(source.homepage, kind="listing", list_id=feed.id, reason=why)
    if page is None:
        return
    stand_in = Listing(feed.id, source.homepage, {})
    try:
        result = parse_listing(page.body, page.url, source=source, listing=stand_in,
                               fetched_at=page.fetched_at)  # fmt: skip
    except Exception as exc:  # recorded; the parse stage quarantines the page with the reason
        fetcher.stats.errors.append(f"{page.url}: {type(exc).__name__}: {exc}")
        return
    out.links += [h["url"] for h in result.headlines if h.get("url")]
